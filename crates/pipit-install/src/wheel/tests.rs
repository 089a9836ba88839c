//! Refusals: each hostile or broken wheel is refused with one line naming
//! the wheel and the entry, and leaves nothing in the cache.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use pipit_testkit::WheelBuilder;
use sha2::{Digest, Sha256};

use super::*;
use crate::cache::WheelCache;
use crate::record::record_hash;

pub(crate) fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn filename_of(path: &Path) -> WheelFilename {
    WheelFilename::parse(path.file_name().unwrap().to_str().unwrap()).unwrap()
}

/// Unpacks through the cache and expects a refusal naming `entry`; checks
/// that no partial unpack is left behind.
fn refusal(wheel: &Path, entry: &str) -> String {
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = WheelCache::new(cache_dir.path());
    let error = cache
        .unpacked(&sha256_hex(wheel), wheel, &filename_of(wheel))
        .unwrap_err()
        .to_string();
    let file_name = wheel.file_name().unwrap().to_str().unwrap();
    assert!(error.contains(file_name), "{error}");
    assert!(error.contains(entry), "{error}");
    assert!(!error.contains('\n'), "{error}");
    let left: Vec<_> = std::fs::read_dir(cache.root())
        .map(|dir| dir.map(|entry| entry.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in the cache: {left:?}");
    error
}

fn built(builder: WheelBuilder) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = builder.build(dir.path()).unwrap();
    (dir, path)
}

/// A wheel written entry by entry, for what the builder cannot get wrong.
pub(crate) fn custom_wheel(dir: &Path, file_name: &str, entries: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(file_name);
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, contents) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(contents).unwrap();
    }
    writer.finish().unwrap();
    path
}

pub(crate) const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
pub(crate) const WHEEL: &[u8] = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

fn record_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut record = String::new();
    for (name, contents) in entries {
        record.push_str(&format!(
            "{name},{},{}\n",
            record_hash(contents),
            contents.len()
        ));
    }
    record.push_str("demo-1.0.dist-info/RECORD,,\n");
    record.into_bytes()
}

/// A `demo 1.0` wheel from `entries` plus RECORD over `recorded`.
pub(crate) fn demo_wheel(
    dir: &Path,
    entries: &[(&str, &[u8])],
    recorded: &[(&str, &[u8])],
) -> PathBuf {
    let record = record_of(recorded);
    let mut all = entries.to_vec();
    all.push(("demo-1.0.dist-info/RECORD", &record));
    custom_wheel(dir, "demo-1.0-py3-none-any.whl", &all)
}

#[test]
fn a_valid_wheel_unpacks_with_its_info() {
    let (_dir, wheel) = built(
        WheelBuilder::new("Demo.App", "1.0")
            .file("demo_app/__init__.py", "x = 1\n")
            .file_mode("demo_app/__init__.py", 0o700)
            .console_script("demo", "demo_app:main"),
    );
    let dest = tempfile::tempdir().unwrap();
    let info = unpack_wheel(&wheel, &filename_of(&wheel), &dest.path().join("u")).unwrap();
    assert_eq!(info.name, "Demo.App");
    assert_eq!(info.version, "1.0");
    assert_eq!(info.dist_info_dir, "demo_app-1.0.dist-info");
    assert_eq!(info.data_dir, "demo_app-1.0.data");
    assert!(info.root_is_purelib);
    assert!(info
        .entry_points
        .as_deref()
        .unwrap()
        .contains("demo = demo_app:main"));
    assert_eq!(
        info.record.last().unwrap().path,
        "demo_app-1.0.dist-info/RECORD"
    );
    let init = dest.path().join("u/demo_app/__init__.py");
    assert_eq!(std::fs::read(&init).unwrap(), b"x = 1\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // pip: any x bit in the archive gives `0o777 & ~umask | 0o111`.
        let mode = std::fs::metadata(&init).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o111, 0o111, "{mode:o}");
        let metadata = dest.path().join("u/demo_app-1.0.dist-info/METADATA");
        let mode = std::fs::metadata(metadata).unwrap().permissions().mode() & 0o111;
        assert_eq!(mode, 0);
    }
    let again = read_unpacked_info(&dest.path().join("u"), &filename_of(&wheel)).unwrap();
    assert_eq!(again, info);
}

#[test]
fn an_open_wheel_unpacks_after_its_file_moved() {
    let (dir, wheel) = built(WheelBuilder::new("demo", "1.0").file("demo/__init__.py", "x = 1\n"));
    let file = std::fs::File::open(&wheel).unwrap();
    let moved = dir.path().join("moved.whl");
    std::fs::rename(&wheel, &moved).unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = WheelCache::new(cache_dir.path());
    let unpacked = cache
        .unpacked(
            &sha256_hex(&moved),
            WheelSource::open(&wheel, &file),
            &filename_of(&wheel),
        )
        .unwrap();
    let init = unpacked.dir.join("demo/__init__.py");
    assert_eq!(std::fs::read(init).unwrap(), b"x = 1\n");
    // A source that is only a path is opened there: gone now.
    let dest = tempfile::tempdir().unwrap();
    let error = unpack_wheel(&wheel, &filename_of(&wheel), dest.path()).unwrap_err();
    assert!(error.to_string().contains("demo-1.0"), "{error}");
}

#[test]
fn refuses_a_parent_component() {
    let (_dir, wheel) = built(WheelBuilder::new("demo", "1.0").raw_entry("../evil.py", "x"));
    let error = refusal(&wheel, "../evil.py");
    assert!(error.contains("`..`"), "{error}");
}

#[test]
fn refuses_an_absolute_path() {
    let (_dir, wheel) = built(WheelBuilder::new("demo", "1.0").raw_entry("/etc/evil", "x"));
    refusal(&wheel, "/etc/evil");
}

#[test]
fn refuses_a_drive_letter() {
    let (_dir, wheel) = built(WheelBuilder::new("demo", "1.0").raw_entry("C:/evil.py", "x"));
    refusal(&wheel, "C:/evil.py");
}

#[test]
fn refuses_a_backslash_path() {
    let (_dir, wheel) = built(WheelBuilder::new("demo", "1.0").raw_entry("demo\\..\\..\\x", "x"));
    refusal(&wheel, "demo\\\\..");
}

#[test]
fn refuses_a_nul_byte() {
    let (_dir, wheel) = built(WheelBuilder::new("demo", "1.0").raw_entry("demo/ev\0il.py", "x"));
    let error = refusal(&wheel, "demo/ev\\u{0}il.py");
    assert!(error.contains("NUL"), "{error}");
}

#[test]
fn refuses_symlinks_even_inside_the_wheel() {
    let (_dir, wheel) =
        built(WheelBuilder::new("demo", "1.0").symlink("demo/up", "../../../etc/passwd"));
    refusal(&wheel, "demo/up");
    let (_dir, wheel) = built(WheelBuilder::new("demo", "1.0").symlink("demo/same", "__init__.py"));
    refusal(&wheel, "demo/same");
}

#[test]
fn refuses_entries_that_differ_only_in_case() {
    let (_dir, wheel) = built(
        WheelBuilder::new("demo", "1.0")
            .file("demo/Mod.py", "a")
            .raw_entry("demo/mod.py", "b"),
    );
    let error = refusal(&wheel, "demo/mod.py");
    assert!(error.contains("demo/Mod.py"), "{error}");
}

#[test]
fn refuses_a_hash_mismatch() {
    let (_dir, wheel) =
        built(WheelBuilder::new("demo", "1.0").corrupt_record_hash("demo/__init__.py"));
    let error = refusal(&wheel, "demo/__init__.py");
    assert!(error.contains("hash"), "{error}");
}

#[test]
fn refuses_a_size_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = record_of(&[
        ("demo-1.0.dist-info/METADATA", METADATA),
        ("demo-1.0.dist-info/WHEEL", WHEEL),
    ]);
    record.extend_from_slice(format!("demo/a.py,{},99\n", record_hash(b"a")).as_bytes());
    let wheel = custom_wheel(
        dir.path(),
        "demo-1.0-py3-none-any.whl",
        &[
            ("demo/a.py", b"a"),
            ("demo-1.0.dist-info/METADATA", METADATA),
            ("demo-1.0.dist-info/WHEEL", WHEEL),
            ("demo-1.0.dist-info/RECORD", &record),
        ],
    );
    let error = refusal(&wheel, "demo/a.py");
    assert!(error.contains("99"), "{error}");
}

#[test]
fn refuses_a_file_missing_from_record() {
    let dir = tempfile::tempdir().unwrap();
    let listed: &[(&str, &[u8])] = &[
        ("demo-1.0.dist-info/METADATA", METADATA),
        ("demo-1.0.dist-info/WHEEL", WHEEL),
    ];
    let mut entries = listed.to_vec();
    entries.push(("demo/unlisted.py", b"x"));
    let wheel = demo_wheel(dir.path(), &entries, listed);
    let error = refusal(&wheel, "demo/unlisted.py");
    assert!(error.contains("not listed in RECORD"), "{error}");
}

#[test]
fn record_rows_for_absent_files_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let entries: &[(&str, &[u8])] = &[
        ("demo-1.0.dist-info/METADATA", METADATA),
        ("demo-1.0.dist-info/WHEEL", WHEEL),
    ];
    let mut recorded = entries.to_vec();
    recorded.push(("demo/gone.pyc", b"x"));
    let wheel = demo_wheel(dir.path(), entries, &recorded);
    let info = unpack_wheel(&wheel, &filename_of(&wheel), &dir.path().join("u")).unwrap();
    assert!(info
        .record
        .iter()
        .all(|entry| entry.path != "demo/gone.pyc"));
}

#[test]
fn refuses_a_missing_record() {
    let (_dir, wheel) = built(WheelBuilder::new("demo", "1.0").omit_record());
    refusal(&wheel, "demo-1.0.dist-info/RECORD");
}

#[test]
fn refuses_a_missing_metadata_and_wheel_file() {
    let dir = tempfile::tempdir().unwrap();
    let listed: &[(&str, &[u8])] = &[("demo-1.0.dist-info/WHEEL", WHEEL)];
    let wheel = demo_wheel(dir.path(), listed, listed);
    refusal(&wheel, "demo-1.0.dist-info/METADATA");
    let dir = tempfile::tempdir().unwrap();
    let listed: &[(&str, &[u8])] = &[("demo-1.0.dist-info/METADATA", METADATA)];
    let wheel = demo_wheel(dir.path(), listed, listed);
    refusal(&wheel, "demo-1.0.dist-info/WHEEL");
}

#[test]
fn refuses_wheel_version_2() {
    let dir = tempfile::tempdir().unwrap();
    let listed: &[(&str, &[u8])] = &[
        ("demo-1.0.dist-info/METADATA", METADATA),
        (
            "demo-1.0.dist-info/WHEEL",
            b"Wheel-Version: 2.0\nRoot-Is-Purelib: true\n",
        ),
    ];
    let wheel = demo_wheel(dir.path(), listed, listed);
    let error = refusal(&wheel, "demo-1.0.dist-info/WHEEL");
    assert!(error.contains("2.0"), "{error}");
}

#[test]
fn refuses_a_dist_info_of_another_project_or_version() {
    for dist_info in ["other-1.0.dist-info", "demo-1.1.dist-info"] {
        let dir = tempfile::tempdir().unwrap();
        let metadata = format!("{dist_info}/METADATA");
        let wheel_file = format!("{dist_info}/WHEEL");
        let record_path = format!("{dist_info}/RECORD");
        let listed: Vec<(&str, &[u8])> = vec![(&metadata, METADATA), (&wheel_file, WHEEL)];
        let record = record_of(&listed);
        let mut entries = listed.clone();
        entries.push((&record_path, &record));
        let wheel = custom_wheel(dir.path(), "demo-1.0-py3-none-any.whl", &entries);
        let error = refusal(&wheel, dist_info);
        assert!(error.contains("demo-1.0.dist-info"), "{error}");
    }
}

#[test]
fn accepts_a_normalised_dist_info_name_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let metadata: &[u8] = b"Metadata-Version: 2.1\nName: Demo-Pkg\nVersion: 1.0.0\n";
    let listed: &[(&str, &[u8])] = &[
        ("Demo.Pkg-1.0.dist-info/METADATA", metadata),
        ("Demo.Pkg-1.0.dist-info/WHEEL", WHEEL),
    ];
    let mut record = String::from_utf8(record_of(listed)).unwrap();
    record = record.replace("demo-1.0.dist-info/RECORD", "Demo.Pkg-1.0.dist-info/RECORD");
    let mut entries = listed.to_vec();
    entries.push(("Demo.Pkg-1.0.dist-info/RECORD", record.as_bytes()));
    let wheel = custom_wheel(dir.path(), "demo_pkg-1.0-py3-none-any.whl", &entries);
    let info = unpack_wheel(&wheel, &filename_of(&wheel), &dir.path().join("u")).unwrap();
    assert_eq!(info.name, "Demo-Pkg");
    assert_eq!(info.version, "1.0.0");
}

#[test]
fn refuses_metadata_name_or_version_not_matching_the_file_name() {
    for (metadata, field) in [
        (
            &b"Metadata-Version: 2.1\nName: other\nVersion: 1.0\n"[..],
            "Name: other",
        ),
        (
            &b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0.post1\n"[..],
            "Version: 1.0.post1",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let listed: &[(&str, &[u8])] = &[
            ("demo-1.0.dist-info/METADATA", metadata),
            ("demo-1.0.dist-info/WHEEL", WHEEL),
        ];
        let wheel = demo_wheel(dir.path(), listed, listed);
        let error = refusal(&wheel, "demo-1.0.dist-info/METADATA");
        assert!(error.contains(field), "{error}");
    }
}

#[test]
fn refuses_an_unknown_data_category() {
    let (_dir, wheel) =
        built(WheelBuilder::new("demo", "1.0").raw_entry("demo-1.0.data/etc/x", "x"));
    refusal(&wheel, "demo-1.0.data/etc/x");
}

/// Rewrites the central directory's uncompressed size of `entry`.
fn patch_declared_size(wheel: &Path, entry: &str, size: u32) {
    let mut bytes = std::fs::read(wheel).unwrap();
    let mut at = 0;
    let mut patched = false;
    while let Some(offset) = bytes[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let header = at + offset;
        let name_len = u16::from_le_bytes([bytes[header + 28], bytes[header + 29]]) as usize;
        if &bytes[header + 46..header + 46 + name_len] == entry.as_bytes() {
            bytes[header + 24..header + 28].copy_from_slice(&size.to_le_bytes());
            patched = true;
        }
        at = header + 4;
    }
    assert!(patched);
    std::fs::write(wheel, bytes).unwrap();
}

/// A demo wheel holding `demo/big.py` (6,000 bytes) whose RECORD row has
/// its hash but no size, so only the archive's declared size speaks for it.
fn wheel_with_unsized_row(dir: &Path) -> PathBuf {
    let body = "x = 1\n".repeat(1000);
    let record = format!(
        "demo/big.py,{},\ndemo-1.0.dist-info/METADATA,{},{}\ndemo-1.0.dist-info/WHEEL,{},{}\ndemo-1.0.dist-info/RECORD,,\n",
        record_hash(body.as_bytes()),
        record_hash(METADATA),
        METADATA.len(),
        record_hash(WHEEL),
        WHEEL.len(),
    );
    custom_wheel(
        dir,
        "demo-1.0-py3-none-any.whl",
        &[
            ("demo/big.py", body.as_bytes()),
            ("demo-1.0.dist-info/METADATA", METADATA),
            ("demo-1.0.dist-info/WHEEL", WHEEL),
            ("demo-1.0.dist-info/RECORD", record.as_bytes()),
        ],
    )
}

/// Unpacks the wheel of [`wheel_with_unsized_row`] with `demo/big.py`
/// declared `declared` bytes long; the error, and the length written.
fn unpack_declared(declared: u32) -> (String, Option<u64>) {
    let dir = tempfile::tempdir().unwrap();
    let wheel = wheel_with_unsized_row(dir.path());
    patch_declared_size(&wheel, "demo/big.py", declared);
    let dest = tempfile::tempdir().unwrap();
    let error = unpack_wheel(&wheel, &filename_of(&wheel), dest.path())
        .unwrap_err()
        .to_string();
    assert!(error.contains("demo/big.py"), "{error}");
    let written = std::fs::metadata(dest.path().join("demo/big.py")).map(|m| m.len());
    (error, written.ok())
}

#[test]
fn refuses_an_entry_that_inflates_past_its_declared_size() {
    let (error, written) = unpack_declared(100);
    assert!(
        error.contains("inflates past its declared size of 100"),
        "{error}"
    );
    assert!(written.is_none_or(|len| len <= 100), "{written:?}");
}

#[test]
fn refuses_an_entry_that_ends_before_its_declared_size() {
    let (error, _) = unpack_declared(7000);
    assert!(
        error.contains("ends before its declared size of 7000"),
        "{error}"
    );
}

#[test]
fn entries_around_the_chunk_size_are_written_whole() {
    // Bytes that do not compress, so the inflater hands them out unevenly.
    let mut state: u32 = 7;
    let mut noise = |len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            })
            .collect()
    };
    let sizes = [
        0,
        1,
        EXTRACT_CHUNK - 1,
        EXTRACT_CHUNK,
        EXTRACT_CHUNK + 1,
        2 * EXTRACT_CHUNK,
        2 * EXTRACT_CHUNK + EXTRACT_CHUNK / 2 + 7,
    ];
    let bodies: Vec<(String, Vec<u8>)> = sizes
        .iter()
        .map(|size| (format!("demo/data_{size}.bin"), noise(*size)))
        .collect();
    let mut builder = WheelBuilder::new("demo", "1.0");
    for (name, body) in &bodies {
        builder = builder.file(name, body.clone());
    }
    let (_dir, wheel) = built(builder);
    let dest = tempfile::tempdir().unwrap();
    unpack_wheel(&wheel, &filename_of(&wheel), dest.path()).unwrap();
    for (name, body) in &bodies {
        let written = std::fs::read(dest.path().join(name)).unwrap();
        assert!(written == *body, "{name}: {} bytes written", written.len());
    }
}

#[test]
fn refuses_a_wheel_larger_than_the_limit() {
    let (_dir, wheel) =
        built(WheelBuilder::new("demo", "1.0").file("demo/big.py", "x".repeat(5000)));
    let dest = tempfile::tempdir().unwrap();
    let error = unpack_wheel_limited(&wheel, &filename_of(&wheel), dest.path(), 4096, |_| {
        Loan::alone()
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("more than 4096 bytes"), "{error}");
    assert!(error.contains("demo/big.py"), "{error}");
}

/// A wheel whose files weigh more than two threads' worth
/// ([`BYTES_PER_THREAD`], counting [`FILE_WEIGHT`] per file).
fn many_files(corrupt: Option<&str>) -> WheelBuilder {
    let count = (2 * BYTES_PER_THREAD / FILE_WEIGHT) as usize + 40;
    let mut builder = WheelBuilder::new("many", "1.0");
    for index in 0..count {
        builder = builder.file(
            format!("many/part{}/file{index}.py", index % 23),
            format!("value = {index}\n"),
        );
    }
    match corrupt {
        Some(entry) => builder.corrupt_record_hash(entry),
        None => builder,
    }
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

/// Lends up to three threads, and counts how many the unpack asked for.
fn three_threads(
    asked: &std::sync::atomic::AtomicUsize,
) -> impl Fn(usize) -> Loan + Send + Sync + '_ {
    move |wanted| {
        asked.store(wanted, std::sync::atomic::Ordering::Relaxed);
        Loan::new(wanted.min(3), None)
    }
}

#[test]
fn a_wheel_unpacked_on_several_threads_is_the_same_tree() {
    let (_dir, wheel) = built(many_files(None));
    let filename = filename_of(&wheel);
    let dest = tempfile::tempdir().unwrap();
    let alone = unpack_wheel_limited(
        &wheel,
        &filename,
        &dest.path().join("one"),
        u64::MAX,
        |_| Loan::alone(),
    )
    .unwrap();
    let asked = std::sync::atomic::AtomicUsize::new(0);
    let lend = three_threads(&asked);
    let shared = unpack_wheel_limited(
        &wheel,
        &filename,
        &dest.path().join("shared"),
        u64::MAX,
        &lend,
    )
    .unwrap();
    assert_eq!(
        asked.load(std::sync::atomic::Ordering::Relaxed),
        2,
        "two threads' worth"
    );
    assert_eq!(alone, shared);
    let one = tree(&dest.path().join("one"));
    assert!(one.len() > 2 * (BYTES_PER_THREAD / FILE_WEIGHT) as usize);
    assert_eq!(one, tree(&dest.path().join("shared")));
}

#[test]
fn a_bad_file_in_the_last_part_fails_the_unpack() {
    // Entries are written sorted by path, so the greatest name is the
    // archive's last file, in the last thread's part.
    let count = (2 * BYTES_PER_THREAD / FILE_WEIGHT) as usize + 40;
    let last = (0..count)
        .map(|index| format!("many/part{}/file{index}.py", index % 23))
        .max()
        .unwrap();
    let (_dir, wheel) = built(many_files(Some(&last)));
    let names: Vec<String> = {
        let file = std::fs::File::open(&wheel).unwrap();
        let archive = zip::ZipArchive::new(file).unwrap();
        archive.file_names().map(str::to_string).collect()
    };
    let files: Vec<&String> = names
        .iter()
        .filter(|name| name.starts_with("many/"))
        .collect();
    assert_eq!(files.last().map(|name| name.as_str()), Some(last.as_str()));
    let dest = tempfile::tempdir().unwrap();
    let asked = std::sync::atomic::AtomicUsize::new(0);
    let error = unpack_wheel_limited(
        &wheel,
        &filename_of(&wheel),
        dest.path(),
        u64::MAX,
        three_threads(&asked),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), 2);
    assert!(error.contains(&last), "{error}");
}

#[test]
fn entry_names_are_judged_as_by_the_rules_one_at_a_time() {
    // The rules as separate scans, in their order: the one-pass check must
    // give the same first reason.
    fn by_rules(name: &str) -> Result<(), &'static str> {
        let bytes = name.as_bytes();
        if name.is_empty() {
            Err("it is empty")
        } else if name.contains('\0') {
            Err("it holds a NUL byte")
        } else if name.contains('\\') {
            Err("it holds a backslash")
        } else if name.starts_with('/') {
            Err("it is an absolute path")
        } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
            Err("it starts with a drive letter")
        } else if name.split('/').any(|part| part == "..") {
            Err("it holds a `..` component")
        } else if name.split('/').any(|part| part.is_empty() || part == ".") {
            Err("it holds an empty or `.` component")
        } else {
            Ok(())
        }
    }
    let names = [
        "",
        "a",
        "a/b.py",
        "/a",
        "a/",
        "a//b",
        "./a",
        "a/./b",
        "a/..",
        "../a",
        "a/../b",
        "c:/x",
        "C:x",
        "1:x",
        "a\\b",
        "a\0b",
        "/..",
        "..\\x",
        "a/\0/..",
        "caf\u{e9}/x.py",
        "...",
        "a/.../b",
        ".a/b.",
        "/",
        "//",
        ".",
        "..",
    ];
    for name in names {
        assert_eq!(check_entry_name(name), by_rules(name), "{name:?}");
    }
}
