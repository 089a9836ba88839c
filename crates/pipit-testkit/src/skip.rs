//! Visible skips: cargo hides a passing test's stderr, so a test that cannot
//! run (no interpreter, no index reachable) also writes its reason to a log
//! that `.ci/run` prints after the test run.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where skips are logged: `PIPIT_TEST_SKIP_LOG`, else `target/test-skips.log`
/// in the workspace.
pub fn skip_log() -> PathBuf {
    std::env::var_os("PIPIT_TEST_SKIP_LOG")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("..")
                .join("target")
                .join("test-skips.log")
        })
}

/// Records that the current test did not run its check, and why. The test
/// then returns; the log names it (test threads carry the test's name).
pub fn skip(reason: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("SKIPPED: {test}: {reason}");
    eprintln!("{line}");
    let log = skip_log();
    if let Some(parent) = log.parent() {
        let _ = fs_err::create_dir_all(parent);
    }
    // One short append per line: lines from parallel tests do not interleave.
    if let Ok(mut file) = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
    {
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_appends_the_test_name_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("skips.log");
        // Only this test sets the variable, and only around its own call.
        std::env::set_var("PIPIT_TEST_SKIP_LOG", &log);
        skip("no python9 here");
        std::env::remove_var("PIPIT_TEST_SKIP_LOG");
        let text = fs_err::read_to_string(&log).unwrap();
        assert_eq!(
            text,
            "SKIPPED: skip::tests::skip_appends_the_test_name_and_reason: no python9 here\n"
        );
    }
}
