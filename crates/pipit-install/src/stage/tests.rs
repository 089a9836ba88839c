use std::path::Path;

use pipit_testkit::WheelBuilder;

use super::*;
use crate::cache::WheelCache;
use crate::link::LinkMode;
use crate::record::parse_record;
use crate::wheel::tests::{filename_of, sha256_hex};

fn target_layout(dir: &Path, python: Option<&str>) -> InstallLayout {
    InstallLayout {
        root: dir.to_path_buf(),
        purelib: dir.to_path_buf(),
        platlib: dir.to_path_buf(),
        scripts: dir.join("bin"),
        data: dir.to_path_buf(),
        headers: dir.join("include").join("python"),
        python: python.map(Into::into),
        target_mode: true,
    }
}

fn every_feature() -> WheelBuilder {
    WheelBuilder::new("demo", "1.0")
        .file("demo/__init__.py", "def main():\n    pass\n")
        .file("demo/cli.py", "def main():\n    pass\n")
        .file("nspkg/sub/mod.py", "x = 1\n")
        .file("demo/caf\u{e9}.txt", "caf\u{e9}\n")
        .data("scripts", "tool", "#!python\nprint('tool')\n")
        .data("scripts", "plain.sh", "#!/bin/sh\necho plain\n")
        .data("headers", "demo.h", "int demo;\n")
        .data("data", "share/demo/readme.txt", "data\n")
        .data("purelib", "demo_pure.py", "p = 1\n")
        .data("platlib", "demo_plat.py", "q = 1\n")
        .console_script("demo-cli", "demo.cli:main")
        .gui_script("demo-gui", "demo:main")
}

#[test]
fn stages_a_wheel_with_every_feature_as_pip_lays_it_out() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = every_feature().build(dir.path()).unwrap();
    let cache = WheelCache::new(&dir.path().join("cache"));
    let unpacked = cache
        .unpacked(&sha256_hex(&wheel), &wheel, &filename_of(&wheel))
        .unwrap();
    let target = dir.path().join("target");
    let layout = target_layout(&target, Some("/tmp/piptest/v/bin/python"));
    let staging = dir.path().join("staging");
    let linker = Linker::new(LinkMode::Hardlink);
    let url = "file:///wheels/demo-1.0-py3-none-any.whl";
    let options = StageOptions {
        requested: true,
        direct_url: Some(serde_json::json!({
            "url": url,
            "archive_info": {"hashes": {"sha256": "ab"}, "hash": "sha256=ab"},
        })),
        compile: None,
        threads: 1,
    };
    let staged = stage_wheel(&unpacked, &layout, &staging, &linker, &options).unwrap();
    assert_eq!(staged.name, "demo");
    assert_eq!(staged.dist_info, target.join("demo-1.0.dist-info"));
    assert!(!target.exists(), "staging writes nothing in the target");

    let mut finals: Vec<String> = staged
        .files
        .iter()
        .map(|file| {
            assert_eq!(
                file.staged,
                staging.join(file.final_path.strip_prefix(&target).unwrap())
            );
            assert!(file.staged.is_file(), "{}", file.staged.display());
            file.final_path
                .strip_prefix(&target)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    finals.sort();
    assert_eq!(
        finals,
        [
            "bin/demo-cli",
            "bin/demo-gui",
            "bin/plain.sh",
            "bin/tool",
            "demo-1.0.dist-info/INSTALLER",
            "demo-1.0.dist-info/METADATA",
            "demo-1.0.dist-info/RECORD",
            "demo-1.0.dist-info/REQUESTED",
            "demo-1.0.dist-info/WHEEL",
            "demo-1.0.dist-info/direct_url.json",
            "demo-1.0.dist-info/entry_points.txt",
            "demo/__init__.py",
            "demo/caf\u{e9}.txt",
            "demo/cli.py",
            "demo_plat.py",
            "demo_pure.py",
            "include/python/demo/demo.h",
            "nspkg/sub/mod.py",
            "share/demo/readme.txt",
        ]
    );

    let read = |path: &str| std::fs::read_to_string(staging.join(path)).unwrap();
    assert_eq!(
        read("bin/tool"),
        "#!/tmp/piptest/v/bin/python\nprint('tool')\n"
    );
    assert_eq!(read("bin/plain.sh"), "#!/bin/sh\necho plain\n");
    assert!(read("bin/demo-gui").contains("from demo import main\n"));
    assert_eq!(read("demo-1.0.dist-info/INSTALLER"), "pipit\n");
    assert_eq!(read("demo-1.0.dist-info/REQUESTED"), "");
    assert_eq!(
        read("demo-1.0.dist-info/direct_url.json"),
        format!("{{\"archive_info\": {{\"hash\": \"sha256=ab\", \"hashes\": {{\"sha256\": \"ab\"}}}}, \"url\": \"{url}\"}}")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = |path: &str| {
            std::fs::metadata(staging.join(path))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("bin/demo-cli") & 0o555, 0o555);
        assert_eq!(
            mode("bin/tool") & 0o111,
            0o111,
            "the archive's mode is kept"
        );
        let ino = |path: &Path| std::fs::metadata(path).unwrap().ino();
        assert_eq!(
            ino(&staging.join("demo/cli.py")),
            ino(&unpacked.dir.join("demo/cli.py")),
            "unchanged files are linked from the cache"
        );
    }

    let record = read("demo-1.0.dist-info/RECORD");
    let rows = parse_record(&record).unwrap();
    let paths: Vec<&str> = rows.iter().map(|row| row.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), finals.len());
    assert!(record.contains("demo-1.0.dist-info/RECORD,,\r\n"));
    assert!(record.contains(&format!(
        "bin/tool,{},{}\r\n",
        crate::record::record_hash(read("bin/tool").as_bytes()),
        read("bin/tool").len()
    )));
    assert!(record.contains("include/python/demo/demo.h,sha256="));
    assert!(record.contains("demo/caf\u{e9}.txt,sha256="));
    for row in &rows {
        if row.path.ends_with("/RECORD") {
            continue;
        }
        let bytes = std::fs::read(staging.join(&row.path)).unwrap();
        assert_eq!(
            row.hash.as_deref(),
            Some(crate::record::record_hash(&bytes).as_str()),
            "{}",
            row.path
        );
        assert_eq!(row.size, Some(bytes.len() as u64), "{}", row.path);
    }
}

#[test]
fn environment_layouts_stage_relative_to_the_common_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = WheelBuilder::new("demo", "1.0")
        .console_script("demo", "demo:main")
        .build(dir.path())
        .unwrap();
    let unpacked =
        crate::cache::unpack_uncached(&wheel, &filename_of(&wheel), &dir.path().join("unpacked"))
            .unwrap();
    let prefix = dir.path().join("venv");
    let site = prefix.join("lib/python3.12/site-packages");
    let layout = InstallLayout {
        root: site.clone(),
        purelib: site.clone(),
        platlib: site.clone(),
        scripts: prefix.join("bin"),
        data: prefix.clone(),
        headers: prefix.join("include/site/python3.12"),
        python: None,
        target_mode: false,
    };
    assert_eq!(staging_base(&layout), prefix);
    let staging = dir.path().join("staging");
    let staged = stage_wheel(
        &unpacked,
        &layout,
        &staging,
        &Linker::new(LinkMode::Copy),
        &StageOptions::default(),
    )
    .unwrap();
    let launcher = std::fs::read_to_string(staging.join("bin/demo")).unwrap();
    assert!(
        launcher.starts_with("#!/usr/bin/env python3\n"),
        "{launcher}"
    );
    assert!(staging
        .join("lib/python3.12/site-packages/demo/__init__.py")
        .is_file());
    let record = staged
        .record
        .iter()
        .map(|row| row.path.as_str())
        .collect::<Vec<_>>();
    assert!(record.contains(&"../../../bin/demo"), "{record:?}");
    assert!(!record.iter().any(|path| path.ends_with("REQUESTED")));
}

#[test]
fn two_entries_installing_to_one_path_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = WheelBuilder::new("demo", "1.0")
        .file("demo/x.py", "a")
        .data("purelib", "demo/x.py", "b")
        .build(dir.path())
        .unwrap();
    let unpacked =
        crate::cache::unpack_uncached(&wheel, &filename_of(&wheel), &dir.path().join("u")).unwrap();
    let staging = dir.path().join("staging");
    let error = stage_wheel(
        &unpacked,
        &target_layout(&dir.path().join("t"), None),
        &staging,
        &Linker::default(),
        &StageOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("demo-1.0-py3-none-any.whl"), "{error}");
    assert!(error.contains("demo-1.0.data/purelib/demo/x.py"), "{error}");
    assert!(
        !staging.exists(),
        "nothing is staged before the plan is checked"
    );
}

#[test]
fn compiles_bytecode_into_record_without_hashes() {
    let python = match std::process::Command::new("python3")
        .arg("-c")
        .arg("pass")
        .status()
    {
        Ok(status) if status.success() => std::path::PathBuf::from("python3"),
        _ => {
            pipit_testkit::skip("no python3 on PATH to compile bytecode with");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let wheel = WheelBuilder::new("demo", "1.0")
        .file("demo/__init__.py", "x = 1\n")
        .file("demo/broken.py", "def (:\n")
        .build(dir.path())
        .unwrap();
    let unpacked =
        crate::cache::unpack_uncached(&wheel, &filename_of(&wheel), &dir.path().join("u")).unwrap();
    let target = dir.path().join("t");
    let staging = dir.path().join("staging");
    let options = StageOptions {
        compile: Some(python),
        ..StageOptions::default()
    };
    let staged = stage_wheel(
        &unpacked,
        &target_layout(&target, None),
        &staging,
        &Linker::default(),
        &options,
    )
    .unwrap();
    let pycs: Vec<&RecordEntry> = staged
        .record
        .iter()
        .filter(|row| row.path.ends_with(".pyc"))
        .collect();
    assert_eq!(pycs.len(), 1, "{pycs:?}");
    assert!(
        pycs[0].path.starts_with("demo/__pycache__/__init__."),
        "{}",
        pycs[0].path
    );
    assert_eq!((pycs[0].hash.as_deref(), pycs[0].size), (None, None));
    let file = staged
        .files
        .iter()
        .find(|file| file.staged.extension().is_some_and(|ext| ext == "pyc"))
        .unwrap();
    assert!(file.staged.is_file());
    assert!(file.final_path.starts_with(&target));
}

fn stage_built(
    dir: &Path,
    builder: WheelBuilder,
    layout: &InstallLayout,
    staging: &Path,
) -> Result<StagedDist, WheelError> {
    let wheels = dir.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let wheel = builder.build(&wheels).unwrap();
    let cache = WheelCache::new(&dir.join("cache"));
    let unpacked = cache
        .unpacked(&sha256_hex(&wheel), &wheel, &filename_of(&wheel))
        .unwrap();
    stage_wheel(
        &unpacked,
        layout,
        staging,
        &Linker::default(),
        &StageOptions::default(),
    )
}

#[test]
fn entries_into_the_state_folder_are_refused() {
    let cases: [(WheelBuilder, &str); 4] = [
        (
            WheelBuilder::new("demo", "1.0").file(".pipit/lock", "x"),
            ".pipit/lock",
        ),
        (
            WheelBuilder::new("demo", "1.0").file(".PIPIT/journal", "x"),
            ".PIPIT/journal",
        ),
        (
            WheelBuilder::new("demo", "1.0").data("data", ".pipit/staging/x", "x"),
            "demo-1.0.data/data/.pipit/staging/x",
        ),
        (
            WheelBuilder::new("demo", "1.0").data("purelib", ".Pipit/x.py", "x"),
            "demo-1.0.data/purelib/.Pipit/x.py",
        ),
    ];
    for (builder, entry) in cases {
        let dir = tempfile::tempdir().unwrap();
        let staging = dir.path().join("staging");
        let layout = target_layout(&dir.path().join("t"), None);
        let error = stage_built(dir.path(), builder, &layout, &staging)
            .unwrap_err()
            .to_string();
        assert!(error.contains("demo-1.0-py3-none-any.whl"), "{error}");
        assert!(error.contains(entry), "{error}");
        assert!(error.contains(".pipit"), "{error}");
        assert!(!error.contains('\n'), "{error}");
        assert!(!staging.exists(), "nothing is staged: {entry}");
    }
}

#[test]
fn a_state_folder_name_below_the_root_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let staging = dir.path().join("staging");
    let layout = target_layout(&dir.path().join("t"), None);
    let builder = WheelBuilder::new("demo", "1.0").file("demo/.pipit/x.py", "x");
    stage_built(dir.path(), builder, &layout, &staging).unwrap();
    assert!(staging.join("demo/.pipit/x.py").is_file());
}

#[test]
fn two_wheels_shipping_one_path_both_stage_and_the_later_wins() {
    let dir = tempfile::tempdir().unwrap();
    let staging = dir.path().join("staging");
    let layout = target_layout(&dir.path().join("t"), None);
    let first = WheelBuilder::new("one", "1.0")
        .file("ns/__init__.py", "# one\n")
        .file("ns/one.py", "")
        .data("data", "share/common.txt", "one\n");
    let second = WheelBuilder::new("two", "1.0")
        .file("ns/__init__.py", "# two, longer\n")
        .file("ns/two.py", "")
        .data("data", "share/common.txt", "two\n");
    let first = stage_built(dir.path(), first, &layout, &staging).unwrap();
    let second = stage_built(dir.path(), second, &layout, &staging).unwrap();
    assert_eq!(
        std::fs::read_to_string(staging.join("ns/__init__.py")).unwrap(),
        "# two, longer\n"
    );
    assert_eq!(
        std::fs::read_to_string(staging.join("share/common.txt")).unwrap(),
        "two\n"
    );
    assert!(staging.join("ns/one.py").is_file());
    for dist in [&first, &second] {
        let paths: Vec<&str> = dist.record.iter().map(|row| row.path.as_str()).collect();
        assert!(paths.contains(&"ns/__init__.py"), "{paths:?}");
        assert!(paths.contains(&"share/common.txt"), "{paths:?}");
    }
    // The earlier wheel's file was unlinked, not written through: the
    // cache still holds its bytes.
    let cache = dir.path().join("cache").join(crate::cache::WHEELS_DIR);
    let mut firsts = Vec::new();
    for entry in std::fs::read_dir(&cache).unwrap() {
        let init = entry.unwrap().path().join("ns/__init__.py");
        if let Ok(text) = std::fs::read_to_string(&init) {
            firsts.push(text);
        }
    }
    firsts.sort();
    assert_eq!(firsts, ["# one\n", "# two, longer\n"]);
}

#[test]
fn a_staging_error_names_the_wheel_and_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let staging = dir.path().join("staging");
    let layout = target_layout(&dir.path().join("t"), None);
    // A folder where the wheel's file goes cannot be replaced.
    std::fs::create_dir_all(staging.join("demo/x.py/inner")).unwrap();
    let builder = WheelBuilder::new("demo", "1.0").file("demo/x.py", "x");
    let error = stage_built(dir.path(), builder, &layout, &staging)
        .unwrap_err()
        .to_string();
    assert!(error.contains("demo-1.0-py3-none-any.whl"), "{error}");
    assert!(error.contains("`demo/x.py`"), "{error}");
    assert!(!error.contains('\n'), "{error}");
}

// More files than one thread places: the parts staged on other threads
// land in the same RECORD, in order, as a wheel of a few files does.
#[test]
fn a_wheel_staged_on_several_threads_has_every_file_and_one_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = WheelBuilder::new("large", "1.0");
    let count = FILES_PER_THREAD as usize * 2 + 11;
    for index in 0..count {
        builder = builder.file(
            format!("large/part{}/module{index}.py", index % 37),
            format!("value = {index}\n"),
        );
    }
    let wheels = dir.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let wheel = builder.build(&wheels).unwrap();
    let unpacked = WheelCache::new(&dir.path().join("cache"))
        .unpacked(&sha256_hex(&wheel), &wheel, &filename_of(&wheel))
        .unwrap();
    let target = dir.path().join("target");
    let layout = target_layout(&target, None);
    let stage = |threads: usize| {
        let staging = dir.path().join(format!("staging-{threads}"));
        let options = StageOptions {
            threads,
            ..StageOptions::default()
        };
        let staged = stage_wheel(&unpacked, &layout, &staging, &Linker::default(), &options);
        (staging, staged.unwrap())
    };
    let (alone_staging, alone) = stage(1);
    let (staging, staged) = stage(3);

    // The modules, METADATA, WHEEL, INSTALLER and RECORD, as one thread
    // stages them.
    assert_eq!(staged.files.len(), count + 4);
    assert_eq!(staged.record, alone.record);
    let relative = |files: &[StagedFile], staging: &Path| -> Vec<PathBuf> {
        files
            .iter()
            .map(|file| file.staged.strip_prefix(staging).unwrap().to_path_buf())
            .collect()
    };
    assert_eq!(
        relative(&staged.files, &staging),
        relative(&alone.files, &alone_staging)
    );
    for file in &staged.files {
        assert!(file.staged.is_file(), "{}", file.staged.display());
    }
    let record = std::fs::read_to_string(staging.join("large-1.0.dist-info/RECORD")).unwrap();
    let rows = parse_record(&record).unwrap();
    assert_eq!(rows, staged.record);
    for index in [0, FILES_PER_THREAD as usize, count - 1] {
        let path = format!("large/part{}/module{index}.py", index % 37);
        let row = rows.iter().find(|row| row.path == path).unwrap();
        assert_eq!(row.size, Some(format!("value = {index}\n").len() as u64));
        assert_eq!(
            std::fs::read_to_string(staging.join(&path)).unwrap(),
            format!("value = {index}\n")
        );
    }
}

#[test]
fn a_padded_record_hash_is_written_unpadded() {
    let dir = tempfile::tempdir().unwrap();
    let wheels = dir.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let wheel = WheelBuilder::new("demo", "1.0")
        .file("demo/__init__.py", "x = 1\n")
        .build(&wheels)
        .unwrap();
    let cache = WheelCache::new(&dir.path().join("cache"));
    let (sha256, filename) = (sha256_hex(&wheel), filename_of(&wheel));
    let unpacked = cache.unpacked(&sha256, &wheel, &filename).unwrap();
    // Old tools padded the base64 digest; the cached tree keeps the
    // wheel's RECORD as it was.
    let record = unpacked.dir.join("demo-1.0.dist-info/RECORD");
    let text = std::fs::read_to_string(&record).unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with("demo/__init__.py,"))
        .unwrap();
    let hash = line.split(',').nth(1).unwrap();
    std::fs::write(&record, text.replace(hash, &format!("{hash}="))).unwrap();
    let unpacked = cache.unpacked(&sha256, &wheel, &filename).unwrap();

    let layout = target_layout(&dir.path().join("target"), None);
    let staging = dir.path().join("staging");
    let staged = stage_wheel(
        &unpacked,
        &layout,
        &staging,
        &Linker::default(),
        &StageOptions::default(),
    )
    .unwrap();
    let entry = staged
        .record
        .iter()
        .find(|entry| entry.path == "demo/__init__.py")
        .unwrap();
    assert_eq!(entry.hash.as_deref(), Some(hash));
}

#[test]
fn each_destination_folder_sits_at_its_own_index() {
    for (index, folder) in DestFolder::ALL.into_iter().enumerate() {
        assert_eq!(folder as usize, index);
    }
}
