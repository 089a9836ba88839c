//! `pipit python info`: the target interpreter, from flags or a real one.

use std::process::Command as StdCommand;

use crate::common::{pipit, run};

fn info_json(args: &[&str]) -> serde_json::Value {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path())
        .args(["python", "info", "--json"])
        .args(args));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).expect("one JSON object")
}

fn tags(json: &serde_json::Value) -> Vec<String> {
    json["tags"]
        .as_array()
        .expect("tags is a list")
        .iter()
        .map(|tag| tag.as_str().expect("tags are strings").to_string())
        .collect()
}

#[test]
fn flags_for_windows_give_windows_tags_and_markers() {
    let json = info_json(&["--python-version", "3.9", "--platform", "win_amd64"]);
    assert_eq!(json["markers"]["python_version"], "3.9");
    let tags = tags(&json);
    assert_eq!(
        tags.first().map(String::as_str),
        Some("cp39-cp39-win_amd64")
    );
    assert!(tags.contains(&"cp39-abi3-win_amd64".to_string()));
    assert_eq!(tags.last().map(String::as_str), Some("py30-none-any"));
    assert!(
        tags.iter()
            .all(|tag| tag.ends_with("win_amd64") || tag.ends_with("-any")),
        "{tags:?}"
    );
}

#[test]
fn flags_for_macos_expand_older_macos_versions() {
    let json = info_json(&[
        "--python-version",
        "3.11",
        "--platform",
        "macosx_11_0_arm64",
    ]);
    let tags = tags(&json);
    assert_eq!(
        tags.first().map(String::as_str),
        Some("cp311-cp311-macosx_11_0_arm64")
    );
    assert!(
        tags.contains(&"cp311-cp311-macosx_11_0_universal2".to_string()),
        "{tags:?}"
    );
}

/// With a real interpreter, `pipit python info --python` prints exactly
/// `packaging.tags.sys_tags()` of that interpreter, in order (the library's
/// own tests cover 3.8–3.13; this one goes through the binary).
#[test]
fn probed_interpreter_tags_match_packaging() {
    let Some(python) = pipit_testkit::python::find_python("3.11") else {
        pipit_testkit::skip("python3.11 not found");
        return;
    };
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv_python = match pipit_testkit::python::venv_with_packaging(&python, "3.11", root) {
        Ok(path) => path,
        Err(reason) => {
            pipit_testkit::skip(&format!("python3.11: {reason}"));
            return;
        }
    };
    let script = "import json, packaging.tags; \
                  print(json.dumps([str(t) for t in packaging.tags.sys_tags()]))";
    let output = StdCommand::new(&venv_python)
        .args(["-c", script])
        .output()
        .expect("the venv's python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    let json = info_json(&["--python", &venv_python.to_string_lossy()]);
    assert_eq!(tags(&json), expected);
    assert_eq!(
        json["executable"].as_str(),
        Some(&*venv_python.to_string_lossy())
    );
}

#[test]
fn human_output_lists_markers_and_tags() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path()).args([
        "python",
        "info",
        "--python-version",
        "3.12",
        "--platform",
        "manylinux_2_17_x86_64",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Python 3.12"), "{stdout}");
    assert!(
        stdout.contains("from flags, no interpreter run"),
        "{stdout}"
    );
    assert!(stdout.contains("  python_version: 3.12\n"), "{stdout}");
    assert!(
        stdout.contains("  cp312-cp312-manylinux_2_17_x86_64\n"),
        "{stdout}"
    );
}

/// pip takes the version from its own interpreter when only `--platform` is
/// given; pipit takes it from the interpreter it would discover, and says so.
#[cfg(unix)]
#[test]
fn platform_alone_takes_the_version_from_the_discovered_interpreter() {
    let Some(python) = pipit_testkit::python::find_python("3.11") else {
        pipit_testkit::skip("python3.11 not found");
        return;
    };
    // A fake virtual environment whose interpreter is python3.11.
    let venv = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(venv.path().join("bin")).unwrap();
    std::os::unix::fs::symlink(&python, venv.path().join("bin/python")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path()).env("VIRTUAL_ENV", venv.path()).args([
        "python",
        "info",
        "--json",
        "--platform",
        "win_amd64",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["markers"]["python_version"], "3.11");
    assert_eq!(
        tags(&json).first().map(String::as_str),
        Some("cp311-cp311-win_amd64")
    );
}
