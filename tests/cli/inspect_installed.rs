//! `pipit list`, `freeze`, `show` and `check` on a `--target` folder, in
//! pip's formats.

use std::path::Path;

use crate::common::{pipit, run};
use crate::installed_tree::Dist;

/// `App` needs `lib>=2` (1.0 is installed), `gone` (not installed), a
/// Windows-only and an extra-only package; `lib` comes from a direct URL.
fn sample(target: &Path) {
    Dist {
        metadata: &[
            "Summary: The app",
            "Author: A. Person",
            "License: MIT",
            "Project-URL: Homepage, https://example.org/app",
            "Requires-Dist: lib>=2",
            "Requires-Dist: gone",
            "Requires-Dist: winonly; sys_platform == 'win32'",
            "Requires-Dist: extraonly; extra == 'cli'",
        ],
        files: &[("app/__init__.py", "app/__init__.py", "")],
        ..Dist::new("App", "1.0")
    }
    .write(target);
    let lib = Dist::new("long-library-name", "1.0.post1").write(target);
    std::fs::write(
        lib.join("direct_url.json"),
        r#"{"url": "file:///wheels/long_library_name-1.0.post1-py3-none-any.whl", "archive_info": {"hash": "sha256=abc"}}"#,
    )
    .unwrap();
    Dist {
        metadata: &["Requires-Dist: App"],
        ..Dist::new("lib", "1.0")
    }
    .write(target);
}

fn command(cache: &Path, target: &Path, args: &[&str]) -> (i32, String, String) {
    run(pipit(cache).args(args).arg("--target").arg(target))
}

#[test]
fn list_in_columns_freeze_and_json() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let (code, stdout, stderr) = command(cache.path(), dir.path(), &["list"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "Package           Version\n\
         ----------------- ---------\n\
         App               1.0\n\
         lib               1.0\n\
         long-library-name 1.0.post1\n"
    );
    let (_, stdout, _) = command(cache.path(), dir.path(), &["list", "--format", "json"]);
    assert_eq!(
        stdout,
        "[{\"name\": \"App\", \"version\": \"1.0\"}, {\"name\": \"lib\", \"version\": \"1.0\"}, \
         {\"name\": \"long-library-name\", \"version\": \"1.0.post1\"}]\n"
    );
    let (_, stdout, _) = command(cache.path(), dir.path(), &["list", "--format", "freeze"]);
    assert_eq!(stdout, "App==1.0\nlib==1.0\nlong-library-name==1.0.post1\n");
}

#[test]
fn list_of_an_empty_target_is_the_header_only() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = command(cache.path(), &dir.path().join("none"), &["list"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "Package Version\n");
}

#[test]
fn freeze_writes_direct_urls_as_pip_does() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let (code, stdout, stderr) = command(cache.path(), dir.path(), &["freeze"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "App==1.0\nlib==1.0\nlong-library-name @ file:///wheels/long_library_name-1.0.post1-py3-none-any.whl#sha256=abc\n"
    );
}

#[test]
fn show_prints_pips_fields_separated_by_dashes() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let (code, stdout, stderr) = command(
        cache.path(),
        dir.path(),
        &[
            "show",
            "app",
            "LIB",
            "--files",
            "--python-version",
            "3.11",
            "--platform",
            "manylinux_2_17_x86_64",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let location = dir.path().display();
    assert_eq!(
        stdout,
        format!(
            "Name: App\nVersion: 1.0\nSummary: The app\nHome-page: https://example.org/app\n\
             Author: A. Person\nAuthor-email: \nLicense: MIT\nLocation: {location}\n\
             Requires: gone, lib\nRequired-by: lib\nFiles:\n  app/__init__.py\n\
             \x20 App-1.0.dist-info/METADATA\n  App-1.0.dist-info/INSTALLER\n  App-1.0.dist-info/RECORD\n\
             ---\n\
             Name: lib\nVersion: 1.0\nSummary: \nHome-page: \nAuthor: \nAuthor-email: \nLicense: \n\
             Location: {location}\nRequires: app\nRequired-by: App\nFiles:\n\
             \x20 lib-1.0.dist-info/METADATA\n  lib-1.0.dist-info/INSTALLER\n  lib-1.0.dist-info/RECORD\n"
        )
    );
    let (code, stdout, stderr) = command(
        cache.path(),
        dir.path(),
        &["show", "nothere", "--python-version", "3.11"],
    );
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(stderr, "WARNING: Package(s) not found: nothere\n");
}

#[test]
fn check_reports_missing_and_conflicting_and_exits_1() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let flags = [
        "--python-version",
        "3.11",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    let (code, stdout, stderr) =
        command(cache.path(), dir.path(), &[&["check"][..], &flags].concat());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout,
        "app 1.0 requires gone, which is not installed.\n\
         app 1.0 has requirement lib>=2, but you have lib 1.0.\n"
    );
    let (code, stdout, _) = command(
        cache.path(),
        dir.path(),
        &[&["check", "--json"][..], &flags].concat(),
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["problems"][1]["kind"], "conflict");
    assert_eq!(json["problems"][1]["installed_version"], "1.0");

    // Windows markers bring in `winonly`, which is missing there.
    let (_, stdout, _) = command(
        cache.path(),
        dir.path(),
        &[
            "check",
            "--python-version",
            "3.11",
            "--platform",
            "win_amd64",
        ],
    );
    assert!(
        stdout.contains("app 1.0 requires winonly, which is not installed.\n"),
        "{stdout}"
    );

    let clean = tempfile::tempdir().unwrap();
    Dist::new("alone", "1.0").write(clean.path());
    let (code, stdout, _) = command(
        cache.path(),
        clean.path(),
        &[&["check"][..], &flags].concat(),
    );
    assert_eq!(code, 0);
    assert_eq!(stdout, "No broken requirements found.\n");
}
