//! A real pip accepts what the test kit writes. Runs where a python3.11 with
//! pip is found (PATH or pyenv); records a visible skip otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use pipit_testkit::WheelBuilder;

fn python311_with_pip() -> Option<PathBuf> {
    pipit_testkit::python::find_python("3.11").filter(|python| {
        Command::new(python)
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|output| output.status.success())
    })
}

fn pip_install(python: &Path, wheel: &Path, target: &Path) -> std::process::Output {
    Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
        ])
        .arg(target)
        .arg(wheel)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1")
        .output()
        .unwrap()
}

#[test]
fn pip_installs_a_wheel_with_data_and_entry_points() {
    let Some(python) = python311_with_pip() else {
        pipit_testkit::skip("no python3.11 with pip found");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wheel = WheelBuilder::new("Demo.App", "1.0.0")
        .requires("demo-util>=1.0")
        .extra_requires("cli", "demo-tool")
        .requires_python(">=3.8")
        .data("scripts", "demo-tool", "#!python\nprint(1)\n")
        .data("data", "share/demo/config.txt", "x = 1\n")
        .console_script("demo", "demo_app:main")
        .build(&dir.path().join("wheels"))
        .unwrap();
    let target = dir.path().join("target");
    let output = pip_install(&python, &wheel, &target);
    assert!(
        output.status.success(),
        "pip refused {}:\n{}\n{}",
        wheel.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(target.join("demo_app/__init__.py").is_file());
    assert!(target.join("demo_app-1.0.0.dist-info/RECORD").is_file());
    assert!(target
        .join("demo_app-1.0.0.dist-info/entry_points.txt")
        .is_file());
    assert!(target.join("share/demo/config.txt").is_file());
    // With --target, pip puts scripts (from .data and console scripts) in bin/.
    let scripts = if cfg!(windows) { "Scripts" } else { "bin" };
    assert!(target.join(scripts).join("demo-tool").is_file());
    assert!(
        target.join(scripts).join("demo").is_file()
            || target.join(scripts).join("demo.exe").is_file()
    );
}

#[test]
fn pip_installs_every_wheel_of_the_demo_wheelhouse() {
    let Some(python) = python311_with_pip() else {
        pipit_testkit::skip("no python3.11 with pip found");
        return;
    };
    let wheelhouse = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/wheelhouse");
    for entry in fs_err::read_dir(&wheelhouse).unwrap() {
        let wheel = entry.unwrap().path();
        let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
        // Platform wheels and wheels for newer Pythons cannot install everywhere.
        if !name.ends_with("-none-any.whl") || name.starts_with("demo_util-2.") {
            continue;
        }
        let target = tempfile::tempdir().unwrap();
        let output = pip_install(&python, &wheel, target.path());
        assert!(
            output.status.success(),
            "pip refused {name}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
