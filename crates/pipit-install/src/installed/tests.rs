use std::path::{Path, PathBuf};

use super::*;
use crate::record::{record_hash, write_record};

/// A `--target`-style layout in `dir`, without an interpreter.
pub(crate) fn target_layout(dir: &Path) -> InstallLayout {
    InstallLayout {
        root: dir.to_path_buf(),
        purelib: dir.to_path_buf(),
        platlib: dir.to_path_buf(),
        scripts: dir.join("bin"),
        data: dir.to_path_buf(),
        headers: dir.join("include").join("python"),
        python: None,
        target_mode: true,
    }
}

/// Writes `files` under `base` and a `.dist-info` whose RECORD lists them
/// under the given row paths (`(row, path on disk relative to base, contents)`).
pub(crate) fn write_dist(
    base: &Path,
    name: &str,
    version: &str,
    files: &[(&str, &str, &str)],
) -> PathBuf {
    let dist_info = base.join(format!("{}-{version}.dist-info", name.replace('-', "_")));
    std::fs::create_dir_all(&dist_info).unwrap();
    std::fs::write(
        dist_info.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
    )
    .unwrap();
    std::fs::write(dist_info.join("INSTALLER"), "pip\n").unwrap();
    let mut entries = Vec::new();
    for (row, on_disk, contents) in files {
        let path = base.join(on_disk);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        entries.push(RecordEntry {
            path: (*row).to_string(),
            hash: Some(record_hash(contents.as_bytes())),
            size: Some(contents.len() as u64),
        });
    }
    let folder = dist_info
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    for file in ["METADATA", "INSTALLER", "RECORD"] {
        entries.push(RecordEntry {
            path: format!("{folder}/{file}"),
            hash: None,
            size: None,
        });
    }
    std::fs::write(dist_info.join("RECORD"), write_record(&entries)).unwrap();
    dist_info
}

#[test]
fn scans_sorted_and_reads_odd_folder_names_from_metadata() {
    let dir = tempfile::tempdir().unwrap();
    write_dist(dir.path(), "Zeta", "2.0", &[]);
    write_dist(dir.path(), "alpha-pkg", "1.0", &[]);
    let odd = dir.path().join("weird.dist-info");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("METADATA"), "Name: Mid\nVersion: 3\n").unwrap();
    std::fs::create_dir_all(dir.path().join("broken.dist-info")).unwrap();
    let dists = installed_dists(&target_layout(dir.path())).unwrap();
    let names: Vec<String> = dists
        .iter()
        .map(|dist| format!("{} {}", dist.name, dist.version))
        .collect();
    assert_eq!(names, ["alpha-pkg 1.0", "mid 3", "zeta 2.0"]);
    assert_eq!(dists[0].installer().as_deref(), Some("pip"));
    assert!(!dists[0].requested());
    assert_eq!(dists[2].metadata().unwrap().name, "Zeta");
}

#[test]
fn a_missing_folder_holds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let layout = target_layout(&dir.path().join("absent"));
    assert!(installed_dists(&layout).unwrap().is_empty());
}

#[test]
fn files_remap_pip_target_rows_and_add_bytecode() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_dist(
        root,
        "demo",
        "1.0",
        &[
            ("demo/__init__.py", "demo/__init__.py", "x = 1\n"),
            ("../../bin/tool", "bin/tool", "#!python\n"),
            (
                "../../include/python/demo/demo.h",
                "include/python/demo/demo.h",
                "",
            ),
        ],
    );
    let cache = root.join("demo").join("__pycache__");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("__init__.cpython-311.pyc"), "").unwrap();
    std::fs::write(cache.join("other.cpython-311.pyc"), "").unwrap();
    let dist = InstalledDist::from_dist_info(&root.join("demo-1.0.dist-info")).unwrap();
    let files = dist.files(&target_layout(root)).unwrap();
    let relative: Vec<String> = files
        .iter()
        .map(|path| path.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert_eq!(
        relative,
        [
            "bin/tool",
            "demo/__init__.py",
            "demo/__pycache__/__init__.cpython-311.pyc",
            "demo-1.0.dist-info/INSTALLER",
            "demo-1.0.dist-info/METADATA",
            "demo-1.0.dist-info/RECORD",
            "include/python/demo/demo.h",
        ]
    );
}

#[test]
fn a_row_outside_the_layout_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("target");
    std::fs::create_dir_all(&root).unwrap();
    write_dist(&root, "evil", "1.0", &[("../../../etc/passwd", "x", "")]);
    let dist = InstalledDist::from_dist_info(&root.join("evil-1.0.dist-info")).unwrap();
    let error = dist.files(&target_layout(&root)).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, InstalledError::OutsideLayout { .. }));
    assert!(message.contains("`evil`"), "{message}");
    assert!(message.contains("../../../etc/passwd"), "{message}");
}

#[test]
fn environment_rows_are_relative_to_site_packages() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path();
    let site = prefix.join("lib").join("python3.11").join("site-packages");
    std::fs::create_dir_all(&site).unwrap();
    write_dist(
        &site,
        "demo",
        "1.0",
        &[("../../../bin/tool", "../../../bin/tool", "")],
    );
    let layout = InstallLayout {
        root: site.clone(),
        purelib: site.clone(),
        platlib: site.clone(),
        scripts: prefix.join("bin"),
        data: prefix.to_path_buf(),
        headers: prefix.join("include"),
        python: None,
        target_mode: false,
    };
    let dist = InstalledDist::from_dist_info(&site.join("demo-1.0.dist-info")).unwrap();
    let files = dist.files(&layout).unwrap();
    assert!(
        files.contains(&prefix.join("bin").join("tool")),
        "{files:?}"
    );
}

#[test]
fn no_record_is_pips_error() {
    let dir = tempfile::tempdir().unwrap();
    let dist_info = write_dist(dir.path(), "demo", "1.0", &[]);
    std::fs::remove_file(dist_info.join("RECORD")).unwrap();
    let dist = InstalledDist::from_dist_info(&dist_info).unwrap();
    let error = dist.files(&target_layout(dir.path())).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("cannot uninstall `demo`: no RECORD"),
        "{error}"
    );
}

#[test]
fn entry_points_and_direct_url_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let dist_info = write_dist(dir.path(), "demo", "1.0", &[]);
    std::fs::write(
        dist_info.join("entry_points.txt"),
        "[console_scripts]\ntool = demo.cli:main\n\n# note\n[gui_scripts]\nwin=demo:gui\n",
    )
    .unwrap();
    std::fs::write(
        dist_info.join("direct_url.json"),
        r#"{"url": "file:///w/demo-1.0-py3-none-any.whl", "archive_info": {}}"#,
    )
    .unwrap();
    std::fs::write(dist_info.join("REQUESTED"), "").unwrap();
    let dist = InstalledDist::from_dist_info(&dist_info).unwrap();
    let entry_points = dist.entry_points().unwrap();
    assert_eq!(entry_points.len(), 2);
    assert_eq!(entry_points[1].group, "gui_scripts");
    assert_eq!(entry_points[1].name, "win");
    assert_eq!(entry_points[0].value, "demo.cli:main");
    assert!(dist.requested());
    assert_eq!(
        dist.direct_url().unwrap()["url"],
        "file:///w/demo-1.0-py3-none-any.whl"
    );
}

/// `requires_dist` stops at the end of the headers: a body that is not
/// valid UTF-8 or looks like a header changes nothing, and a METADATA that
/// `metadata()` refuses is refused too.
#[test]
fn requires_dist_reads_the_headers_only() {
    let dir = tempfile::tempdir().unwrap();
    let dist_info = write_dist(dir.path(), "app", "1.0", &[]);
    let mut text = b"Metadata-Version: 2.1\r\nName: app\r\nVersion: 1.0\r\n".to_vec();
    text.extend_from_slice(b"Requires-Dist: lib>=2\r\nRequires-Dist: fast; extra == 'speed'\r\n");
    text.extend_from_slice(b"\r\nRequires-Dist: body-not-a-header\n\xff\xfe long description\n");
    std::fs::write(dist_info.join("METADATA"), &text).unwrap();
    let dist = InstalledDist::from_dist_info(&dist_info).unwrap();
    let from_headers: Vec<String> = dist
        .requires_dist()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let from_metadata: Vec<String> = dist
        .metadata()
        .unwrap()
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(from_headers, ["lib>=2", "fast ; extra == 'speed'"]);
    assert_eq!(from_headers, from_metadata);

    std::fs::write(
        dist_info.join("METADATA"),
        "Name: app\nRequires-Dist: ???\n",
    )
    .unwrap();
    assert!(dist.requires_dist().is_err());
    assert!(dist.metadata().is_err());
    std::fs::remove_file(dist_info.join("METADATA")).unwrap();
    assert!(dist.requires_dist().is_err());
}

/// What the parser makes of the fields `requires_dist` keeps is the same
/// with the other headers left out, wherever the headers end.
#[test]
fn fields_only_keeps_what_the_parser_reads_of_them() {
    let cases: [&[u8]; 7] = [
        b"\xef\xbb\xbfMetadata-Version: 2.1\nName: app\nVersion: 1.0\nRequires-Dist: lib\n",
        b"Name: app\nVersion: 1.0\nClassifier: A\n  continued\nREQUIRES-DIST: lib;\n  extra == 'x'\n",
        b"Name: app\nVersion: 1.0\nnot a header\nRequires-Dist: after-the-end\n",
        b"Name: app\nVersion: 1.0\n\tRequires-Dist: continuation-of-version\n",
        b"Name: app\nVersion: 1.0\nVersion: 2.0\nRequires-Dist: a\nSummary: x\nRequires-Dist: b\n",
        b" Name: app\nVersion: 1.0\n",
        b"Name: app\nVersion: 1.0\nRequires-Python: >=3.x\n",
    ];
    let requires = |bytes: &[u8]| {
        parse_metadata(bytes, "METADATA").map(|metadata| {
            metadata
                .requires_dist
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        })
    };
    let fields = ["name", "version", "requires-dist", "requires-python"];
    assert!(requires(cases[6]).is_err());
    for case in cases {
        let whole = requires(case);
        let kept = requires(&fields_only(case, &fields));
        match (&whole, &kept) {
            (Ok(whole), Ok(kept)) => assert_eq!(whole, kept, "{}", String::from_utf8_lossy(case)),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "{whole:?} != {kept:?} for {}",
                String::from_utf8_lossy(case)
            ),
        }
    }
    let kept = fields_only(cases[1], &fields);
    assert_eq!(
        String::from_utf8_lossy(&kept),
        "Name: app\nVersion: 1.0\nREQUIRES-DIST: lib;\n  extra == 'x'\n"
    );
}
