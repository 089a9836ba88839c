//! Usage errors: pip's wording, one line, exit 2; JSON when asked.

use crate::common::{pipit, run};

#[test]
fn version_and_help_succeed() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(pipit(cache.path()).arg("--version"));
    assert_eq!(code, 0);
    assert_eq!(
        stdout.trim(),
        format!("pipit {}", env!("CARGO_PKG_VERSION"))
    );

    let (code, stdout, _) = run(pipit(cache.path()).arg("--help"));
    assert_eq!(code, 0);
    assert!(stdout.contains("Usage: pipit"), "{stdout}");
    assert!(stdout.contains("script"), "{stdout}");
    assert!(stdout.contains("Exit codes: 0 success"), "{stdout}");

    let (code, stdout, _) = run(pipit(cache.path()).args(["help", "script"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("inspect"), "{stdout}");
}

#[test]
fn unknown_command_is_one_line_with_exit_2() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path()).arg("instal"));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    let first = stderr.lines().next().unwrap();
    assert_eq!(first, "error: unknown command \"instal\"");
    assert!(stderr.contains("hint: see `pipit --help`"), "{stderr}");
}

#[test]
fn unknown_option_is_one_line_with_exit_2() {
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pipit(cache.path()).args(["python", "info", "--frobnicate"]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr.lines().next().unwrap(),
        "error: no such option: --frobnicate"
    );
    // Nothing but the error line, a blank line and hints.
    assert!(
        stderr
            .lines()
            .skip(1)
            .all(|line| line.is_empty() || line.starts_with("hint: ")),
        "{stderr}"
    );
}

#[test]
fn errors_are_json_when_json_is_asked() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        run(pipit(cache.path()).args(["python", "info", "--json", "--bogus"]));
    assert_eq!(code, 2);
    assert_eq!(stderr, "");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(json["error"]["kind"], "usage");
    assert_eq!(json["error"]["message"], "no such option: --bogus");
}

#[test]
fn bad_python_version_is_a_usage_error() {
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) =
        run(pipit(cache.path()).args(["python", "info", "--python-version", "three"]));
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("three"), "{stderr}");
}

#[test]
fn missing_interpreter_is_a_usage_error_naming_the_path() {
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) =
        run(pipit(cache.path()).args(["python", "info", "--python", "/nonexistent/python9"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("/nonexistent/python9"), "{stderr}");
    assert_eq!(
        stderr
            .lines()
            .filter(|line| line.starts_with("error: "))
            .count(),
        1,
        "{stderr}"
    );
}

#[test]
fn missing_argument_is_named_on_the_one_line() {
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pipit(cache.path()).args(["script", "inspect"]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr.lines().next().unwrap(),
        "error: missing required argument: <FILE>"
    );
}

/// A broken interpreter's traceback is reduced to its last line.
#[cfg(unix)]
#[test]
fn failing_interpreter_is_reported_with_the_exception_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("python");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho '  File \"<string>\"' >&2\necho 'SyntaxError: bad' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, _, stderr) = run(pipit(dir.path())
        .args(["python", "info", "--python"])
        .arg(&fake));
    assert_eq!(code, 2);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.ends_with("failed to answer the probe (exit status: 1): SyntaxError: bad"),
        "{first}"
    );
}

#[test]
fn a_command_group_without_an_action_is_a_usage_error() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path()).arg("script"));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.contains("inspect"), "{stderr}");
    // Bare `pipit` shows help and succeeds, as bare `pip` does.
    let (code, stdout, _) = run(&mut pipit(cache.path()));
    assert_eq!(code, 0);
    assert!(stdout.contains("Usage: pipit"), "{stdout}");
}

#[test]
fn an_extra_positional_is_not_called_an_option() {
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pipit(cache.path()).args(["script", "inspect", "a.py", "extra"]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr.lines().next().unwrap(),
        "error: unexpected argument \"extra\""
    );
}

#[test]
fn json_errors_carry_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.py");
    std::fs::write(&file, "# r: ok\n# r: numpy==\n").unwrap();
    let (code, stdout, _) = run(pipit(dir.path())
        .args(["script", "inspect", "--json"])
        .arg(&file));
    assert_eq!(code, 2);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json["error"]["location"],
        serde_json::json!({"file": file.to_string_lossy(), "line": 2})
    );
}

/// A file literally named `--json` after `--` is a file, not the flag.
#[test]
fn json_after_double_dash_is_a_file_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("--json"), "# r: demo-app\n").unwrap();
    let (code, stdout, stderr) = run(pipit(dir.path())
        .current_dir(dir.path())
        .args(["script", "inspect", "--", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("--json\n"),
        "human output expected: {stdout}"
    );
}

#[test]
fn cache_dir_variable_yields_to_no_cache_dir_and_ignores_empty() {
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pipit(cache.path()).args([
        "python",
        "info",
        "--no-cache-dir",
        "--python-version",
        "3.11",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(pipit(cache.path()).env("PIPIT_CACHE_DIR", "").args([
        "python",
        "info",
        "--python-version",
        "3.11",
    ]));
    assert_eq!(code, 0, "{stderr}");
}
