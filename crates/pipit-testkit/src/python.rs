//! Real interpreters for comparison tests: found on PATH or in pyenv, and
//! throwaway virtual environments with pinned reference packages. Callers
//! print `SKIPPED: …` when these answer `None`/`Err`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The `packaging` release whose `sys_tags()` pipit reproduces: the one current
/// pip releases vendor. (packaging 26.3 moved `linux_<arch>` ahead of
/// manylinux; pip has not followed yet.)
pub const PACKAGING_PIN: &str = "packaging==25.0";

/// `pythonX.Y` from PATH when it runs, else from a pyenv installation (pyenv's
/// shims exist on PATH even when the version is not selected).
pub fn find_python(version: &str) -> Option<PathBuf> {
    let name = format!("python{version}");
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join(&name)));
    }
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pyenv")));
    if let Some(root) = pyenv_root {
        if let Ok(entries) = fs_err::read_dir(root.join("versions")) {
            let mut installs: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|dir| {
                    dir.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.starts_with(&format!("{version}.")))
                })
                .collect();
            installs.sort();
            candidates.extend(
                installs
                    .into_iter()
                    .rev()
                    .map(|dir| dir.join("bin").join(&name)),
            );
        }
    }
    candidates
        .into_iter()
        .find(|candidate| candidate.is_file() && runs(candidate))
}

fn runs(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import sys"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// A virtual environment with `packaging` installed, made once per Python
/// version under `root` (e.g. the test's `CARGO_TARGET_TMPDIR`) and reused
/// across test runs. `Err` carries the reason to skip.
pub fn venv_with_packaging(python: &Path, version: &str, root: &Path) -> Result<PathBuf, String> {
    venv_with(python, version, root, &[PACKAGING_PIN])
}

/// A virtual environment of `python` with `requirements` installed by its own
/// pip, made once under `root` and reused; returns the venv's interpreter.
/// `Err` carries the reason to skip (no venv module, no index reachable, …).
///
/// Creation is serialised within the process (tests run in parallel threads);
/// cargo runs test binaries one after another, so processes do not race.
pub fn venv_with(
    python: &Path,
    version: &str,
    root: &Path,
    requirements: &[&str],
) -> Result<PathBuf, String> {
    static CREATING: Mutex<()> = Mutex::new(());
    let _guard = CREATING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let root = root.join("pipit-test-venvs");
    let venv = root.join(format!("py{version}-{}", requirements.join("-")));
    let venv_python = venv.join("bin").join("python");
    let ready = venv.join(".pipit-ready");
    if ready.is_file() && venv_python.is_file() {
        return Ok(venv_python);
    }
    if venv.exists() {
        fs_err::remove_dir_all(&venv).map_err(|error| error.to_string())?;
    }
    fs_err::create_dir_all(&root).map_err(|error| error.to_string())?;
    let created = Command::new(python)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|error| format!("`{} -m venv` failed to start: {error}", python.display()))?;
    if !created.status.success() {
        return Err(format!(
            "`{} -m venv` failed: {}",
            python.display(),
            String::from_utf8_lossy(&created.stderr).trim()
        ));
    }
    let installed = Command::new(&venv_python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(requirements)
        .output()
        .map_err(|error| format!("pip failed to start: {error}"))?;
    if !installed.status.success() {
        return Err(format!(
            "`pip install {}` failed: {}",
            requirements.join(" "),
            String::from_utf8_lossy(&installed.stderr).trim()
        ));
    }
    fs_err::write(&ready, "").map_err(|error| error.to_string())?;
    Ok(venv_python)
}
