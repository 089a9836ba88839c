//! The committed demo wheelhouse equals what its description generates.

use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Pins the rule that `fixtures/wheelhouse/` never drifts from
/// `fixtures/wheelhouse.txt` (regenerate with `make-wheelhouse`).
#[test]
fn committed_wheelhouse_matches_its_description() {
    let description = fs_err::read_to_string(fixtures().join("wheelhouse.txt")).unwrap();
    let expected = pipit_testkit::build_wheelhouse(&description).unwrap();
    let mut committed: Vec<String> = fs_err::read_dir(fixtures().join("wheelhouse"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".whl"))
        .collect();
    committed.sort();
    let expected_names: Vec<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        committed, expected_names,
        "fixtures/wheelhouse is stale; run: cargo run -p pipit-testkit --bin make-wheelhouse -- fixtures/wheelhouse.txt fixtures/wheelhouse"
    );
    for (name, bytes) in &expected {
        let on_disk = fs_err::read(fixtures().join("wheelhouse").join(name)).unwrap();
        assert!(
            entries(&on_disk) == entries(bytes),
            "fixtures/wheelhouse/{name} differs from its description; regenerate with make-wheelhouse"
        );
    }
}

/// Name, compression method, Unix mode, modification time, bytes.
type Entry = (String, String, Option<u32>, String, Vec<u8>);

/// Each entry of a zip: name, compression method, Unix mode, modification
/// time and bytes. Not the compressed bytes, which depend on the deflate
/// implementation.
fn entries(zip: &[u8]) -> Vec<Entry> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            let modified = format!("{:?}", entry.last_modified());
            let method = format!("{:?}", entry.compression());
            let name = entry.name().to_string();
            (name, method, entry.unix_mode(), modified, bytes)
        })
        .collect()
}

#[test]
fn write_wheelhouse_removes_stale_wheels_and_keeps_other_files() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("stale-1-py3-none-any.whl"), "old").unwrap();
    fs_err::write(dir.path().join("README.md"), "keep").unwrap();
    let paths = pipit_testkit::write_wheelhouse("b 1\na 2: b\n", dir.path()).unwrap();
    assert_eq!(
        paths,
        [
            dir.path().join("a-2-py3-none-any.whl"),
            dir.path().join("b-1-py3-none-any.whl")
        ]
    );
    assert!(!dir.path().join("stale-1-py3-none-any.whl").exists());
    assert!(dir.path().join("README.md").exists());
}

#[test]
fn duplicate_wheels_are_refused_before_anything_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("old-1-py3-none-any.whl"), "old").unwrap();
    let error = pipit_testkit::write_wheelhouse("a 1\nA 1\n", dir.path()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "two descriptions produce the same wheel file `a-1-py3-none-any.whl`"
    );
    assert!(dir.path().join("old-1-py3-none-any.whl").exists());
}
