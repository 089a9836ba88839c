use std::str::FromStr;

use super::*;
use crate::installed::tests::{target_layout, write_dist};
use crate::lock::STATE_DIR;

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

/// Every file under `dir` except pipit's `.pipit/` state, relative.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().display().to_string();
            if relative == STATE_DIR {
                continue;
            }
            if path.is_dir() {
                out.push(format!("{relative}/"));
                stack.push(path);
            } else {
                out.push(relative);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn removes_a_dist_and_keeps_a_shared_namespace_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_dist(
        root,
        "ns-a",
        "1.0",
        &[
            ("ns/a/__init__.py", "ns/a/__init__.py", ""),
            ("../../bin/a-tool", "bin/a-tool", ""),
        ],
    );
    write_dist(
        root,
        "ns-b",
        "1.0",
        &[("ns/b/__init__.py", "ns/b/__init__.py", "")],
    );
    let mut seen = Vec::new();
    let report = uninstall(
        &target_layout(root),
        &[name("ns-a"), name("missing")],
        || {},
        |dist, files| {
            seen.push((dist.name.to_string(), files.len()));
            Decision::Proceed
        },
    )
    .unwrap();
    assert_eq!(seen, [("ns-a".to_string(), 5)]);
    assert_eq!(report.removed.len(), 1);
    assert_eq!(report.removed[0].files.len(), 5);
    assert_eq!(report.not_installed, [name("missing")]);
    assert_eq!(
        tree(root),
        [
            "bin/",
            "ns/",
            "ns/b/",
            "ns/b/__init__.py",
            "ns_b-1.0.dist-info/",
            "ns_b-1.0.dist-info/INSTALLER",
            "ns_b-1.0.dist-info/METADATA",
            "ns_b-1.0.dist-info/RECORD",
        ]
    );
    let state: Vec<_> = std::fs::read_dir(root.join(STATE_DIR))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(state, ["lock"], "the trash is gone");
}

#[test]
fn skip_and_abort_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_dist(root, "demo", "1.0", &[("demo.py", "demo.py", "")]);
    let before = tree(root);
    let report = uninstall(
        &target_layout(root),
        &[name("demo")],
        || {},
        |_, _| Decision::Skip,
    )
    .unwrap();
    assert_eq!(report.skipped.len(), 1);
    assert!(report.removed.is_empty());
    let error = uninstall(
        &target_layout(root),
        &[name("demo")],
        || {},
        |_, _| Decision::Abort,
    )
    .unwrap_err();
    assert!(matches!(error, UninstallError::Aborted));
    assert_eq!(tree(root), before);
}

/// A file reached through a link to another file system (`/dev/shm`) is
/// refused before anything moves, and the target stays as it was.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_move_puts_everything_back() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let Ok(far) = tempfile::tempdir_in("/dev/shm") else {
        pipit_testkit::skip("uninstall rollback: no /dev/shm");
        return;
    };
    let device = |path: &Path| std::fs::metadata(path).unwrap().dev();
    if device(far.path()) == device(root) {
        pipit_testkit::skip("uninstall rollback: /dev/shm is on the same file system");
        return;
    }
    std::os::unix::fs::symlink(far.path(), root.join("far")).unwrap();
    write_dist(
        root,
        "demo",
        "1.0",
        &[
            ("demo/__init__.py", "demo/__init__.py", ""),
            ("far/x.py", "far/x.py", ""),
        ],
    );
    let before = tree(root);
    let error = uninstall(
        &target_layout(root),
        &[name("demo")],
        || {},
        |_, _| Decision::Proceed,
    )
    .unwrap_err();
    assert!(matches!(error, UninstallError::Transaction(_)), "{error}");
    assert!(
        error.to_string().ends_with("nothing was removed"),
        "{error}"
    );
    assert_eq!(tree(root), before);
    let state: Vec<_> = std::fs::read_dir(root.join(STATE_DIR))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        state,
        ["lock"],
        "no staging folder or journal is left behind"
    );
}

#[test]
fn empty_dirs_are_removed_up_to_the_stop_folders_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("target");
    let deep = root.join("a").join("b").join("c");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("a").join("keep")).unwrap();
    remove_empty_dirs(
        &[deep.join("gone.py"), root.join("bin").join("tool")],
        &[&root, &root.join("bin")],
    );
    assert!(!root.join("a").join("b").exists());
    assert!(root.join("a").join("keep").is_dir());
    assert!(root.join("bin").is_dir(), "a stop folder is never removed");
    remove_empty_dirs(&[dir.path().join("outside").join("x")], &[&root]);
    assert!(dir.path().is_dir());
}
