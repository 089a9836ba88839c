use super::*;

/// A probe answer such as CPython 3.11.7 on x86_64 glibc 2.17 would print.
fn fake_answer(prefix: &str) -> serde_json::Value {
    json!({
        "executable": format!("{prefix}/bin/python"),
        "prefix": prefix,
        "base_prefix": prefix,
        "version_info": [3, 11, 7, "final", 0],
        "implementation_name": "cpython",
        "markers": {
            "implementation_name": "cpython",
            "implementation_version": "3.11.7",
            "os_name": "posix",
            "platform_machine": "x86_64",
            "platform_python_implementation": "CPython",
            "platform_release": "6.1.0",
            "platform_system": "Linux",
            "platform_version": "#1 SMP",
            "python_full_version": "3.11.7",
            "python_version": "3.11",
            "sys_platform": "linux"
        },
        "sysconfig_platform": "linux-x86_64",
        "config": {
            "SOABI": "cpython-311-x86_64-linux-gnu",
            "EXT_SUFFIX": ".cpython-311-x86_64-linux-gnu.so",
            "Py_DEBUG": 0,
            "Py_GIL_DISABLED": null,
            "WITH_PYMALLOC": 1,
            "Py_UNICODE_SIZE": null,
            "py_version_nodot": "311"
        },
        "has_gettotalrefcount": false,
        "extension_suffixes": [".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"],
        "is_32bit": false,
        "maxunicode": 1114111,
        "glibc": "2.17",
        "mac_version": "",
        "mac_arch": "",
        "paths": {
            "purelib": format!("{prefix}/lib/python3.11/site-packages"),
            "platlib": format!("{prefix}/lib/python3.11/site-packages"),
            "scripts": format!("{prefix}/bin"),
            "data": prefix,
            "include": format!("{prefix}/include/python3.11")
        }
    })
}

/// A shell script that counts its runs in `calls` and prints `answer`.
#[cfg(unix)]
fn fake_interpreter(dir: &Path, answer: &serde_json::Value) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let answer_file = dir.join("answer.json");
    fs_err::write(&answer_file, answer.to_string()).unwrap();
    let script = dir.join("python");
    let body = format!(
        "#!/bin/sh\necho run >> '{}'\ncat '{}'\n",
        dir.join("calls").display(),
        answer_file.display()
    );
    fs_err::write(&script, body).unwrap();
    fs_err::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[cfg(unix)]
fn calls(dir: &Path) -> usize {
    fs_err::read_to_string(dir.join("calls"))
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

/// The only entry in `cache`, as JSON.
fn cache_entry(cache: &Path) -> (PathBuf, serde_json::Value) {
    let entries: Vec<PathBuf> = fs_err::read_dir(cache.join("interpreters"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let text = fs_err::read_to_string(&entries[0]).unwrap();
    (entries[0].clone(), serde_json::from_str(&text).unwrap())
}

/// A real interpreter is asked once; its answer is used again while neither
/// the file nor the interpreter it answered as (`sys.executable`) changed.
#[test]
fn second_probe_uses_the_cache_until_the_real_interpreter_changes() {
    let Some(python) = pipit_testkit::python::find_python("3.11") else {
        eprintln!("SKIPPED: python3.11 not found");
        return;
    };
    // Behind a pyenv shim: the real executable, which is cached.
    let real = Interpreter::probe(&python, None)
        .unwrap()
        .executable
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let first = Interpreter::probe(&real, Some(&cache)).unwrap();

    // Mark the stored answer: reading it back shows the cache was used.
    let (file, mut entry) = cache_entry(&cache);
    entry["facts"]["version_info"][2] = json!(99);
    fs_err::write(&file, entry.to_string()).unwrap();
    let second = Interpreter::probe(&real, Some(&cache)).unwrap();
    assert_eq!(
        second.version.patch, 99,
        "the second probe ran the interpreter"
    );
    assert_eq!(first.tags, second.tags);

    // The real interpreter behind the same file is no longer what answered.
    let size = entry["real"]["size"].as_u64().unwrap();
    entry["real"]["size"] = json!(size + 1);
    fs_err::write(&file, entry.to_string()).unwrap();
    let third = Interpreter::probe(&real, Some(&cache)).unwrap();
    assert_eq!(third.version, first.version);
    let (_, rewritten) = cache_entry(&cache);
    assert_eq!(rewritten["real"]["size"], json!(size));
}

/// Regression: a pyenv shim (a script) kept its first answer in the cache, so
/// `PYENV_VERSION=3.9.18` still reported 3.11.7. A script is probed every time.
#[cfg(unix)]
#[test]
fn a_script_is_probed_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // Both real interpreters exist and stay unchanged, as pyenv's do.
    let real = |name: &str| {
        let path = dir.path().join(name);
        fs_err::write(&path, name).unwrap();
        json!(path)
    };
    let mut answer = fake_answer("/opt/py");
    answer["executable"] = real("python3.11");
    let python = fake_interpreter(dir.path(), &answer);
    let first = Interpreter::probe(&python, Some(&cache)).unwrap();
    assert_eq!(first.version.to_string(), "3.11.7");

    // The shim now starts another interpreter; the shim itself is unchanged.
    let mut answer = fake_answer("/opt/py39");
    answer["executable"] = real("python3.9");
    answer["version_info"] = json!([3, 9, 18, "final", 0]);
    answer["markers"]["python_full_version"] = json!("3.9.18");
    answer["markers"]["python_version"] = json!("3.9");
    fs_err::write(dir.path().join("answer.json"), answer.to_string()).unwrap();
    let second = Interpreter::probe(&python, Some(&cache)).unwrap();
    assert_eq!(second.version.to_string(), "3.9.18");
    // Each probe ran the script twice: asked which interpreter it starts (an
    // answer this fake does not give), then the whole probe.
    assert_eq!(calls(dir.path()), 4);
    assert!(!cache.join("interpreters").exists());
}

/// A script that starts a real interpreter is asked each time which one it
/// starts, and that interpreter's cache entry answers, only while it agrees
/// with what the script's run said.
#[cfg(unix)]
#[test]
fn a_script_uses_the_cache_entry_of_the_interpreter_it_starts() {
    use std::os::unix::fs::PermissionsExt;
    let Some(python) = pipit_testkit::python::find_python("3.11") else {
        eprintln!("SKIPPED: python3.11 not found");
        return;
    };
    let real = Interpreter::probe(&python, None)
        .unwrap()
        .executable
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // A shim in the manner of pyenv's: what it starts is read on each run.
    let target = dir.path().join("target");
    fs_err::write(&target, real.display().to_string()).unwrap();
    let shim = dir.path().join("python");
    fs_err::write(
        &shim,
        format!("#!/bin/sh\nexec \"$(cat '{}')\" \"$@\"\n", target.display()),
    )
    .unwrap();
    fs_err::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();

    let first = Interpreter::probe(&shim, Some(&cache)).unwrap();
    assert_eq!(first.executable.as_deref(), Some(real.as_path()));
    // The entry is the real interpreter's, as a direct probe would write it.
    let (file, mut entry) = cache_entry(&cache);
    assert_eq!(entry["path"], json!(real));

    // Mark a fact the script's run does not report: the entry answers.
    entry["facts"]["paths"]["purelib"] = json!("/marked");
    fs_err::write(&file, entry.to_string()).unwrap();
    let second = Interpreter::probe(&shim, Some(&cache)).unwrap();
    assert_eq!(second.scheme.unwrap().purelib, PathBuf::from("/marked"));

    // An entry that disagrees with the run (another version at that path)
    // is not used, and is replaced by a direct probe.
    entry["facts"]["version_info"][2] = json!(99);
    fs_err::write(&file, entry.to_string()).unwrap();
    let third = Interpreter::probe(&shim, Some(&cache)).unwrap();
    assert_eq!(third.version, first.version);
    assert_ne!(third.scheme.unwrap().purelib, PathBuf::from("/marked"));

    // The shim now starts another interpreter: its facts, not the cached ones.
    if let Some(other) = pipit_testkit::python::find_python("3.9") {
        fs_err::write(&target, other.display().to_string()).unwrap();
        let fourth = Interpreter::probe(&shim, Some(&cache)).unwrap();
        assert_eq!(fourth.version.minor, 9);
    }
}

#[cfg(unix)]
#[test]
fn probe_derives_markers_tags_and_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let python = fake_interpreter(dir.path(), &fake_answer("/opt/py"));
    let interpreter = Interpreter::probe(&python, None).unwrap();
    assert_eq!(interpreter.version.to_string(), "3.11.7");
    assert_eq!(interpreter.implementation, "cpython");
    assert_eq!(interpreter.markers.python_version().string, "3.11");
    assert_eq!(interpreter.markers.sys_platform(), "linux");
    let tags = interpreter.tags.to_strings();
    assert_eq!(tags[0], "cp311-cp311-manylinux_2_17_x86_64");
    assert_eq!(tags[1], "cp311-cp311-manylinux2014_x86_64");
    assert!(tags.contains(&"cp311-none-any".to_string()));
    assert_eq!(tags.last().map(String::as_str), Some("py30-none-any"));
    let scheme = interpreter.scheme.clone().unwrap();
    assert_eq!(scheme.scripts, PathBuf::from("/opt/py/bin"));

    let value = interpreter.to_json();
    assert_eq!(value["version"], "3.11.7");
    assert_eq!(value["executable"], "/opt/py/bin/python");
    assert_eq!(
        value["markers"]["platform_python_implementation"],
        "CPython"
    );
    assert_eq!(value["markers"]["python_full_version"], "3.11.7");
    assert_eq!(value["tags"][0], "cp311-cp311-manylinux_2_17_x86_64");
    assert_eq!(
        value["scheme"]["purelib"],
        "/opt/py/lib/python3.11/site-packages"
    );
    let markers = value["markers"].as_object().unwrap();
    assert_eq!(markers.len(), 11);
}

#[test]
fn probe_of_a_missing_interpreter_names_the_path() {
    let error = Interpreter::probe(Path::new("/no/such/python3"), None).unwrap_err();
    assert!(error.to_string().contains("/no/such/python3"), "{error}");
}

fn flags(
    version: Option<&str>,
    platforms: &[&str],
    implementation: Option<&str>,
    abis: &[&str],
) -> TargetFlags {
    TargetFlags {
        python_version: version.map(str::to_string),
        platforms: platforms.iter().map(|p| p.to_string()).collect(),
        implementation: implementation.map(str::to_string),
        abis: abis.iter().map(|a| a.to_string()).collect(),
    }
}

#[test]
fn flags_set_marker_values() {
    let target =
        Interpreter::from_flags(&flags(Some("3.9"), &["win_amd64"], None, &[]), None).unwrap();
    let markers = &target.markers;
    assert_eq!(markers.python_version().string, "3.9");
    assert_eq!(markers.python_full_version().string, "3.9.0");
    assert_eq!(markers.implementation_name(), "cpython");
    assert_eq!(markers.platform_python_implementation(), "CPython");
    assert_eq!(markers.sys_platform(), "win32");
    assert_eq!(markers.platform_system(), "Windows");
    assert_eq!(markers.os_name(), "nt");
    assert_eq!(markers.platform_machine(), "AMD64");
    assert_eq!(target.version.to_string(), "3.9.0");
    assert!(target.executable.is_none() && target.scheme.is_none());

    let mac = Interpreter::from_flags(
        &flags(Some("3.12.1"), &["macosx_11_0_arm64"], Some("pp"), &[]),
        None,
    )
    .unwrap();
    assert_eq!(mac.markers.sys_platform(), "darwin");
    assert_eq!(mac.markers.platform_machine(), "arm64");
    assert_eq!(mac.markers.implementation_name(), "pypy");
    assert_eq!(mac.markers.platform_python_implementation(), "PyPy");
    assert_eq!(mac.markers.python_full_version().string, "3.12.1");
    assert_eq!(mac.implementation, "pypy");

    let linux = Interpreter::from_flags(
        &flags(Some("311"), &["manylinux2014_aarch64"], None, &[]),
        None,
    )
    .unwrap();
    assert_eq!(linux.markers.sys_platform(), "linux");
    assert_eq!(linux.markers.platform_machine(), "aarch64");
    assert_eq!(
        linux.tags.iter().next().map(ToString::to_string).as_deref(),
        Some("cp311-cp311-manylinux2014_aarch64")
    );
}

#[test]
fn flags_without_version_or_host_is_an_error() {
    let error = Interpreter::from_flags(&flags(None, &["win_amd64"], None, &[]), None).unwrap_err();
    assert!(matches!(error, Error::MissingPythonVersion));
    let error = Interpreter::from_flags(&flags(Some("3.x"), &[], None, &[]), None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid --python-version value `3.x`: each version part must be an integer"
    );
}

#[test]
fn flags_follow_pip_for_version_only_and_custom_abis() {
    // A major-only version has no ABI of its own: only `none` and compatible tags.
    let major =
        Interpreter::from_flags(&flags(Some("3"), &["linux_x86_64"], None, &[]), None).unwrap();
    assert_eq!(
        major.tags.to_strings(),
        [
            "cp3-none-linux_x86_64",
            "py3-none-linux_x86_64",
            "cp3-none-any",
            "py3-none-any"
        ]
    );
    let custom =
        Interpreter::from_flags(&flags(Some("3.7"), &["win32"], None, &["cp37m"]), None).unwrap();
    let strings = custom.tags.to_strings();
    assert_eq!(
        strings[..3],
        ["cp37-cp37m-win32", "cp37-abi3-win32", "cp37-none-win32"]
    );
    // Without a platform, the machine's platforms are used.
    let here = Interpreter::from_flags(&flags(Some("3.10"), &[], None, &[]), None).unwrap();
    assert!(!here.tags.is_empty());
}

#[test]
fn flags_expand_legacy_manylinux_and_macos() {
    let legacy = Interpreter::from_flags(
        &flags(Some("3.10"), &["manylinux2014_x86_64"], None, &[]),
        None,
    )
    .unwrap();
    let strings = legacy.tags.to_strings();
    assert_eq!(
        strings[..3],
        [
            "cp310-cp310-manylinux2014_x86_64",
            "cp310-cp310-manylinux2010_x86_64",
            "cp310-cp310-manylinux1_x86_64"
        ]
    );
    let two = Interpreter::from_flags(
        &flags(
            Some("3.10"),
            &["manylinux2010_x86_64", "manylinux2014_x86_64"],
            None,
            &[],
        ),
        None,
    )
    .unwrap();
    let strings = two.tags.to_strings();
    assert_eq!(
        strings[..3],
        [
            "cp310-cp310-manylinux2010_x86_64",
            "cp310-cp310-manylinux1_x86_64",
            "cp310-cp310-manylinux2014_x86_64"
        ]
    );
    let mac = Interpreter::from_flags(
        &flags(Some("3.9"), &["macosx_10_9_x86_64"], None, &[]),
        None,
    )
    .unwrap();
    assert!(mac
        .tags
        .to_strings()
        .contains(&"cp39-cp39-macosx_10_4_universal".to_string()));
}

#[cfg(unix)]
#[test]
fn probe_finds_a_bare_name_on_path() {
    // `sh` is on PATH wherever this runs; it is no Python, so the probe fails,
    // but the error names the file found on PATH rather than the bare name.
    let message = Interpreter::probe(Path::new("sh"), None)
        .unwrap_err()
        .to_string();
    assert!(message.contains("/sh`"), "{message}");
}

/// Regression: `--platform ''` and `--abi ''` gave tags such as `cp311-cp311-`.
#[test]
fn empty_platform_abi_or_implementation_is_an_error() {
    let cases = [
        (flags(Some("3.11"), &[""], None, &[]), "--platform", ""),
        (
            flags(Some("3.11"), &["win_amd64", " "], None, &[]),
            "--platform",
            " ",
        ),
        (
            flags(Some("3.11"), &["win_amd64"], None, &[""]),
            "--abi",
            "",
        ),
        (
            flags(Some("3.11"), &["win_amd64"], Some("\t"), &[]),
            "--implementation",
            "\t",
        ),
    ];
    for (target, flag, value) in cases {
        let error = Interpreter::from_flags(&target, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("invalid `{flag}` value `{value}`: it must not be empty"),
            "{target:?}"
        );
    }
}

/// Regression: a directory or a script without `#!` gave only "failed to run
/// python interpreter `…`", dropping why.
#[cfg(unix)]
#[test]
fn spawn_failure_says_why() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let message = Interpreter::probe(dir.path(), None)
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("failed to run python interpreter `")
            && message.ends_with("Permission denied (os error 13)"),
        "{message}"
    );

    let not_python = dir.path().join("notpy");
    fs_err::write(&not_python, "print('hello')\n").unwrap();
    fs_err::set_permissions(&not_python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let message = Interpreter::probe(&not_python, None)
        .unwrap_err()
        .to_string();
    assert!(message.contains("notpy`: "), "{message}");
    assert!(message.contains("Exec format error"), "{message}");
}

/// An executable shell script with `body` after its `#!/bin/sh` line.
#[cfg(unix)]
fn shell_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    fs_err::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// What Python 2.7 prints for `python -I …`.
#[cfg(unix)]
const PYTHON2_REJECTS_I: &str = r#"if [ "$1" = "-I" ]; then
  echo "Unknown option: -I" >&2
  echo "usage: $0 [option] ... [-c cmd | -m mod | file | -] [arg] ..." >&2
  echo "Try \`python -h' for more information." >&2
  exit 2
fi
"#;

/// Regression: a Python 2 probe failed with "Try `python -h' for more
/// information." (the last stderr line), hiding "Unknown option: -I".
#[cfg(unix)]
#[test]
fn python_2_is_reported_as_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let python = dir.path().join("python2.7");
    shell_script(
        &python,
        &format!("{PYTHON2_REJECTS_I}[ \"$1\" = \"-E\" ] && printf 2.7\n"),
    );
    let message = Interpreter::probe(&python, None).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "python interpreter `{}` is python 2.7, which is not supported: pipit installs for Python 3",
            python.display()
        )
    );

    // One that does not say its version still shows the option it rejected.
    shell_script(&python, &format!("{PYTHON2_REJECTS_I}exit 2\n"));
    let message = Interpreter::probe(&python, None).unwrap_err().to_string();
    assert!(
        message.ends_with(
            "failed to answer the probe (exit status: 2): Unknown option: -I \
             (Python 2 and Python 3 before 3.4 are not supported)"
        ),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn failed_probe_keeps_a_tracebacks_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let python = dir.path().join("python");
    shell_script(
        &python,
        "echo 'Traceback (most recent call last):' >&2\n\
         echo '  File \"<string>\", line 2, in <module>' >&2\n\
         echo 'ModuleNotFoundError: No module named json' >&2\nexit 1\n",
    );
    let message = Interpreter::probe(&python, None).unwrap_err().to_string();
    assert!(
        message.ends_with("(exit status: 1): ModuleNotFoundError: No module named json"),
        "{message}"
    );
}
