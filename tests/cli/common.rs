//! Shared helpers: a `pipit` command with a clean environment.

use std::path::Path;

use assert_cmd::Command;

/// `pipit` with every `PIP_*`/`PIPIT_*` variable removed, no pip.conf, no
/// netrc, and a private cache.
pub fn pipit(cache: &Path) -> Command {
    Command::from(pipit_process(cache))
}

/// The same as a plain process, for tests that spawn pipit and wait later.
pub fn pipit_process(cache: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("pipit"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().to_string();
        if name.starts_with("PIP_") || name.starts_with("PIPIT_") || name == "VIRTUAL_ENV" {
            command.env_remove(&name);
        }
    }
    command.env("PIPIT_CACHE_DIR", cache);
    // No pip.conf of the machine's, and no netrc: each test says what it uses.
    command.env("PIP_CONFIG_FILE", "/dev/null");
    command.env("NETRC", cache.join("no-netrc"));
    command.env("NO_COLOR", "1");
    command
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("pipit runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The workspace root (for fixtures).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("crates/pipit sits two levels below the workspace root")
}
