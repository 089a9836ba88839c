//! `pipit script inspect`: what a script declares, human and JSON.

use std::path::Path;

use crate::common::{pipit, run, workspace_root};

fn write_script(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const RICH: &str = r#"#! python 3
# A host script.
# r: numpy==1.26
#requirements: demo-a>=1.2,<2, demo-b[x,y]
#wheel: /p/x-1.0-py3-none-any.whl
#r "pip: --editable /path"
#r "nuget: RestSharp, 110.2.0"
# venv: my-tools
#r "pip: --index-url https://index.example/simple --pre requests"
# env: /shared/site
import numpy
"#;

/// The whole object, so an extra, missing or renamed key fails the test.
#[test]
fn json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_script(dir.path(), "a.py", RICH);
    let (code, stdout, stderr) =
        run(pipit(dir.path()).args(["script", "inspect", "--json", &file]));
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    let expected = serde_json::json!({
        "file": file,
        "language": "python3",
        "venv": "my-tools",
        "requirements": [
            {"spec": "numpy==1.26", "line": 3},
            {"spec": "demo-a>=1.2,<2", "line": 4},
            {"spec": "demo-b[x,y]", "line": 4},
            {"spec": "requests", "line": 9}
        ],
        "wheels": [{"path": "/p/x-1.0-py3-none-any.whl", "line": 5}],
        "sources": [{"kind": "editable", "spec": "/path", "line": 6}],
        "options": {
            "index_url": "https://index.example/simple",
            "extra_index_urls": [],
            "find_links": [],
            "no_index": false,
            "pre": true
        },
        "other_providers": [{"provider": "nuget", "spec": "RestSharp, 110.2.0", "line": 7}],
        "search_paths": [{"path": "/shared/site", "line": 10}],
        "requires_python": null
    });
    assert_eq!(json, expected);
    // The editable source is recorded and the user is told it cannot be installed yet.
    assert!(
        stderr.contains(":6: `/path` needs a source build"),
        "{stderr}"
    );
}

#[test]
fn human_output_lists_each_directive_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_script(dir.path(), "a.py", RICH);
    let (code, stdout, _) = run(pipit(dir.path()).args(["script", "inspect", &file]));
    assert_eq!(code, 0);
    assert!(stdout.contains("  environment: my-tools\n"), "{stdout}");
    assert!(stdout.contains("    numpy==1.26  (line 3)\n"), "{stdout}");
    assert!(
        stdout.contains("    nuget: RestSharp, 110.2.0  (line 7)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    --index-url https://index.example/simple\n"),
        "{stdout}"
    );
}

#[test]
fn broken_directive_rejects_the_script_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_script(
        dir.path(),
        "broken.py",
        "# r: numpy\n# r: numpy==\nimport numpy\n",
    );
    let (code, stdout, stderr) = run(pipit(dir.path()).args(["script", "inspect", &file]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "", "nothing from a half-read script");
    let first = stderr.lines().next().unwrap();
    assert!(first.starts_with(&format!("error: {file}:2: ")), "{first}");
    assert!(first.contains("numpy=="), "{first}");

    let (code, stdout, _) = run(pipit(dir.path()).args(["script", "inspect", "--json", &file]));
    assert_eq!(code, 2);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["error"]["kind"], "usage");
    assert!(json["error"]["message"].as_str().unwrap().contains(":2: "));
}

#[test]
fn invalid_venv_name_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_script(dir.path(), "v.py", "# venv: ../escape\n");
    let (code, _, stderr) = run(pipit(dir.path()).args(["script", "inspect", &file]));
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(&format!("error: {file}:1: ")),
        "{stderr}"
    );
}

#[test]
fn missing_script_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.py");
    let (code, _, stderr) = run(pipit(dir.path()).args(["script", "inspect"]).arg(&missing));
    assert_eq!(code, 2);
    assert!(stderr.contains(&*missing.to_string_lossy()), "{stderr}");
}

#[test]
fn pep723_requires_python_is_checked_against_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_script(
        dir.path(),
        "p.py",
        "# /// script\n# requires-python = \">=3.10\"\n# dependencies = [\"demo-app\"]\n# ///\n",
    );
    let (code, stdout, stderr) = run(pipit(dir.path()).args([
        "script",
        "inspect",
        "--json",
        "--python-version",
        "3.11",
        &file,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["requires_python"], ">=3.10");
    assert_eq!(json["requirements"][0]["spec"], "demo-app");

    let (code, _, stderr) =
        run(pipit(dir.path()).args(["script", "inspect", "--python-version", "3.9", &file]));
    assert_eq!(code, 2);
    assert!(stderr.contains(">=3.10"), "{stderr}");
}

#[test]
fn bundled_demo_scripts_are_readable() {
    let root = workspace_root();
    for name in ["demo_script.py", "pep723_script.py"] {
        let cache = tempfile::tempdir().unwrap();
        let file = root.join("fixtures/scripts").join(name);
        let (code, stdout, stderr) = run(pipit(cache.path())
            .args(["script", "inspect", "--json"])
            .arg(&file));
        assert_eq!(code, 0, "{name}: {stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(
            !json["requirements"].as_array().unwrap().is_empty(),
            "{name}"
        );
    }
}
