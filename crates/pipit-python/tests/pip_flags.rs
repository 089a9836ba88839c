//! `Interpreter::from_flags` gives exactly the tags, in order, that
//! `python3.11 -m pip debug --verbose <flags>` prints for the same flags,
//! with the probed python3.11 as the host pip falls back to.

use pipit_testkit::python as common;

use std::process::Command;

use pipit_python::{Interpreter, TargetFlags};

/// The "Compatible tags:" section of `pip debug --verbose`.
fn pip_tags(python: &std::path::Path, args: &[&str]) -> Result<Vec<String>, String> {
    let output = Command::new(python)
        .args([
            "-m",
            "pip",
            "debug",
            "--verbose",
            "--disable-pip-version-check",
        ])
        .args(args)
        .output()
        .map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout
        .lines()
        .skip_while(|line| !line.starts_with("Compatible tags:"));
    if lines.next().is_none() {
        return Err("no `Compatible tags:` section".to_string());
    }
    Ok(lines
        .take_while(|line| line.starts_with(' '))
        .map(|line| line.trim().to_string())
        .collect())
}

/// pip's flags as `TargetFlags`, the way the CLI will fill them.
fn target_flags(args: &[&str]) -> TargetFlags {
    let mut flags = TargetFlags::default();
    let mut args = args.iter();
    while let (Some(name), Some(value)) = (args.next(), args.next()) {
        let value = value.to_string();
        match *name {
            "--python-version" => flags.python_version = Some(value),
            "--platform" => flags.platforms.push(value),
            "--implementation" => flags.implementation = Some(value),
            "--abi" => flags.abis.push(value),
            other => panic!("unexpected flag {other}"),
        }
    }
    flags
}

const CASES: &[&[&str]] = &[
    &["--python-version", "3.9", "--platform", "win_amd64"],
    &["--python-version", "3.9", "--platform", "macosx_11_0_arm64"],
    &[
        "--python-version",
        "3.11",
        "--platform",
        "manylinux_2_17_x86_64",
    ],
    &[
        "--platform",
        "manylinux2014_x86_64",
        "--python-version",
        "3.10",
    ],
    &[
        "--python-version",
        "3.12",
        "--platform",
        "musllinux_1_2_aarch64",
    ],
    &[
        "--python-version",
        "3.8",
        "--implementation",
        "pp",
        "--platform",
        "linux_x86_64",
    ],
    &[
        "--python-version",
        "3.7",
        "--platform",
        "win32",
        "--abi",
        "cp37m",
    ],
    &[
        "--python-version",
        "3.10",
        "--platform",
        "manylinux2010_x86_64",
        "--platform",
        "manylinux2014_x86_64",
    ],
    &[
        "--python-version",
        "3.9",
        "--platform",
        "macosx_10_9_x86_64",
        "--platform",
        "macosx_11_0_arm64",
    ],
    &["--python-version", "3", "--platform", "linux_x86_64"],
    &["--python-version", "39", "--platform", "win_arm64"],
    &[
        "--python-version",
        "3.9.1",
        "--platform",
        "manylinux2014_i686",
    ],
    &[
        "--python-version",
        "3.11",
        "--abi",
        "abi3",
        "--abi",
        "none",
        "--platform",
        "win_amd64",
    ],
    &[
        "--python-version",
        "3.12",
        "--implementation",
        "pp",
        "--abi",
        "pypy310_pp73",
        "--platform",
        "manylinux_2_28_aarch64",
    ],
    // Regression: without `--abi`, pip takes the running interpreter's SOABI
    // as the ABI of a non-CPython target (`pp310-cpython_311_x86_64_linux_gnu-…`).
    &[
        "--implementation",
        "pp",
        "--python-version",
        "3.10",
        "--platform",
        "manylinux2014_x86_64",
    ],
    &["--python-version", "3.8"],
    &["--platform", "win_amd64"],
    &[],
];

#[test]
fn flags_give_the_tags_pip_debug_prints() {
    let Some(python) = common::find_python("3.11") else {
        eprintln!("SKIPPED: python3.11 not found");
        return;
    };
    if let Err(reason) = pip_tags(&python, &[]) {
        eprintln!("SKIPPED: `python3.11 -m pip debug` does not work: {reason}");
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let host = Interpreter::probe(&python, Some(cache.path())).unwrap();
    for args in CASES {
        let expected = pip_tags(&python, args).unwrap();
        let actual = Interpreter::from_flags(&target_flags(args), Some(&host))
            .unwrap()
            .tags
            .to_strings();
        if let Some(index) =
            (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i))
        {
            panic!(
                "{args:?}: first difference at tag {index}: pip {:?}, pipit {:?} ({} vs {} tags)",
                expected.get(index),
                actual.get(index),
                expected.len(),
                actual.len()
            );
        }
        eprintln!("{args:?}: {} tags equal to pip debug", actual.len());
    }
}

/// With a version and a platform given, CPython targets need nothing from a
/// host: the tags are the same when pipit uses only the machine it runs on.
#[test]
fn explicit_cpython_flags_need_no_host() {
    let Some(python) = common::find_python("3.11") else {
        eprintln!("SKIPPED: python3.11 not found");
        return;
    };
    let host = Interpreter::probe(&python, None).unwrap();
    for args in CASES {
        let flags = target_flags(args);
        if flags.python_version.is_none()
            || flags.platforms.is_empty()
            || flags.implementation.is_some()
        {
            continue;
        }
        let with_host = Interpreter::from_flags(&flags, Some(&host)).unwrap();
        let without = Interpreter::from_flags(&flags, None).unwrap();
        assert_eq!(with_host.tags, without.tags, "{args:?}");
        assert_eq!(
            with_host.markers.sys_platform(),
            without.markers.sys_platform(),
            "{args:?}"
        );
    }
}
