//! Shared helpers: a `pipit` command with a clean environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pipit_testkit::WheelBuilder;

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

/// Wheels that use every layout feature: `.data/scripts|headers|data|purelib|platlib`,
/// console and GUI entry points, a namespace package, a non-ASCII file name,
/// a dependency, and a platform wheel (not purelib) with a binary file.
pub fn layout_wheels() -> Vec<WheelBuilder> {
    vec![
        WheelBuilder::new("demo", "1.0")
            .requires("dep")
            .file("demo/__init__.py", "x = 1\n")
            .file("demo/caf\u{e9}.txt", "caf\u{e9}\n")
            .file("nsp/sub/mod.py", "y = 2\n")
            .data("scripts", "tool", "#!python\nprint('hi')\n")
            .data("scripts", "tool.sh", "#!/bin/sh\necho hi\n")
            .data("headers", "demo.h", "int x;\n")
            .data("data", "share/demo/readme.txt", "data\n")
            .data("purelib", "pure_extra.py", "p = 1\n")
            .data("platlib", "plat_extra.py", "q = 1\n")
            .console_script("demo-cli", "demo.cli:main")
            .console_script("demo-attr", "demo:obj.attr")
            .gui_script("demo-gui", "demo:gui"),
        WheelBuilder::new("dep", "1.0").file("nsp/other/mod.py", "z = 3\n"),
        WheelBuilder::new("platty", "2.0")
            .root_is_purelib(false)
            .tag("cp311-cp311-manylinux_2_17_x86_64")
            .file("platty/__init__.py", "")
            .file("platty/_native.so", [0u8, 1, 2, 255]),
    ]
}

/// What one pipit run printed and returned.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Outcome {
    /// Runs `command` to completion.
    pub fn of(command: &mut Command) -> Outcome {
        let (code, stdout, stderr) = run(command);
        Outcome {
            code,
            stdout,
            stderr,
        }
    }

    /// Fails the test unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "{self:?}");
        self
    }

    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {self:?}"))
    }

    /// The last line of stdout (`script install`: the folder for `sys.path`).
    pub fn last_line(&self) -> PathBuf {
        PathBuf::from(self.stdout.lines().last().unwrap_or_default())
    }
}

/// Every file under `root` (but the lock file `.pipit/lock`, which stays
/// once made) with its bytes; folders end with `/`.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs_err::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if relative == ".pipit/lock" {
                continue;
            }
            if path.is_dir() {
                out.insert(format!("{relative}/"), Vec::new());
                walk(root, &path, out);
            } else {
                out.insert(relative, fs_err::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if root.exists() {
        walk(root, root, &mut out);
    }
    out
}

/// The paths of a [`tree`].
pub fn names(tree: &BTreeMap<String, Vec<u8>>) -> Vec<&str> {
    tree.keys().map(String::as_str).collect()
}
