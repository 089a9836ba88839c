//! `pipit uninstall`: removes by RECORD, all or nothing, with pip's words.

use std::path::Path;

use crate::common::{pipit, run};
use crate::installed_tree::{tree, Dist};

/// `demo` with a package, a launcher recorded the way pip's `--target`
/// records it (`../../bin/demo-tool`), a namespace folder shared with
/// `other`, and compiled bytecode that RECORD does not list.
fn demo_target(target: &Path) {
    Dist {
        files: &[
            ("demo/__init__.py", "demo/__init__.py", "x = 1\n"),
            ("ns/demo_part/__init__.py", "ns/demo_part/__init__.py", ""),
            ("../../bin/demo-tool", "bin/demo-tool", "#!python\n"),
        ],
        ..Dist::new("demo", "1.0")
    }
    .write(target);
    std::fs::create_dir_all(target.join("demo/__pycache__")).unwrap();
    std::fs::write(target.join("demo/__pycache__/__init__.cpython-311.pyc"), "").unwrap();
    Dist {
        files: &[
            ("ns/other_part/__init__.py", "ns/other_part/__init__.py", ""),
            ("../../bin/other-tool", "bin/other-tool", ""),
        ],
        ..Dist::new("other", "2.0")
    }
    .write(target);
}

#[test]
fn removes_files_launcher_and_bytecode_but_keeps_the_shared_namespace() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t");
    demo_target(&target);
    let (code, stdout, stderr) = run(pipit(cache.path())
        .args(["uninstall", "-y", "demo", "--target"])
        .arg(&target));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "Found existing installation: demo 1.0\nUninstalling demo-1.0:\n  Successfully uninstalled demo-1.0\n"
    );
    assert_eq!(
        tree(&target),
        [
            "bin/",
            "bin/other-tool",
            "ns/",
            "ns/other_part/",
            "ns/other_part/__init__.py",
            "other-2.0.dist-info/",
            "other-2.0.dist-info/INSTALLER",
            "other-2.0.dist-info/METADATA",
            "other-2.0.dist-info/RECORD",
        ]
    );
}

#[test]
fn an_unknown_name_is_skipped_with_pips_warning() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    demo_target(dir.path());
    let before = tree(dir.path());
    let (code, stdout, stderr) = run(pipit(cache.path())
        .args(["uninstall", "-y", "nothere", "--target"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "WARNING: Skipping nothere as it is not installed.\n"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn the_prompt_reads_stdin_and_no_keeps_the_package() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    demo_target(dir.path());
    let before = tree(dir.path());
    let (code, stdout, _) = run(pipit(cache.path())
        .args(["uninstall", "demo", "--target"])
        .arg(dir.path())
        .write_stdin("n\n"));
    assert_eq!(code, 0);
    assert!(stdout.contains("  Would remove:\n"), "{stdout}");
    assert!(stdout.contains("/demo/*\n"), "{stdout}");
    assert!(stdout.contains("bin/demo-tool\n"), "{stdout}");
    assert!(stdout.ends_with("Proceed (Y/n)? "), "{stdout}");
    assert_eq!(tree(dir.path()), before);

    // The end of input aborts, as pip's prompt does: nothing is removed.
    let (code, _, stderr) = run(pipit(cache.path())
        .args(["uninstall", "demo", "--target"])
        .arg(dir.path())
        .write_stdin(""));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("uninstall aborted"), "{stderr}");
    assert_eq!(tree(dir.path()), before);

    let (code, stdout, _) = run(pipit(cache.path())
        .args(["uninstall", "demo", "--target"])
        .arg(dir.path())
        .write_stdin("y\n"));
    assert_eq!(code, 0);
    assert!(
        stdout.ends_with("Proceed (Y/n)?   Successfully uninstalled demo-1.0\n"),
        "{stdout}"
    );
    assert!(!dir.path().join("demo").exists());
}

#[test]
fn names_come_from_a_requirements_file_and_json_reports() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    demo_target(dir.path());
    let requirements = dir.path().join("req.txt");
    std::fs::write(&requirements, "demo==1.0\nother\n").unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path())
        .args(["uninstall", "-y", "--json", "-r"])
        .arg(&requirements)
        .arg("--target")
        .arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["uninstalled"][0]["name"], "demo");
    assert_eq!(json["uninstalled"][1]["name"], "other");
    assert_eq!(tree(dir.path()), ["bin/", "req.txt"]);
}

/// A RECORD whose last file sits in a folder linked elsewhere (another
/// file system here) is refused, and the target stays exactly as it was,
/// with exit 4.
#[cfg(target_os = "linux")]
#[test]
fn a_failure_midway_leaves_the_target_unchanged() {
    use std::os::unix::fs::MetadataExt;
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path();
    let Ok(far) = tempfile::tempdir_in("/dev/shm") else {
        pipit_testkit::skip("uninstall failure midway: no /dev/shm");
        return;
    };
    let device = |path: &std::path::Path| fs_err::metadata(path).unwrap().dev();
    if device(far.path()) == device(target) {
        pipit_testkit::skip("uninstall failure midway: /dev/shm is on the same file system");
        return;
    }
    std::os::unix::fs::symlink(far.path(), target.join("zfar")).unwrap();
    Dist {
        files: &[
            ("demo/__init__.py", "demo/__init__.py", ""),
            ("../../bin/demo-tool", "bin/demo-tool", ""),
            ("zfar/x.py", "zfar/x.py", ""),
        ],
        ..Dist::new("demo", "1.0")
    }
    .write(target);
    let before = tree(target);
    let (code, _, stderr) = run(pipit(cache.path())
        .args(["uninstall", "-y", "demo", "--target"])
        .arg(target));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("nothing was removed"), "{stderr}");
    assert_eq!(tree(target), before);
}

#[test]
fn a_dist_without_record_cannot_be_uninstalled() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dist_info = Dist::new("demo", "1.0").write(dir.path());
    std::fs::remove_file(dist_info.join("RECORD")).unwrap();
    let (code, _, stderr) = run(pipit(cache.path())
        .args(["uninstall", "-y", "demo", "--target"])
        .arg(dir.path()));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot uninstall `demo`: no RECORD"),
        "{stderr}"
    );
    assert!(dist_info.is_dir());
}
