//! `Interpreter::discover` prefers `$VIRTUAL_ENV` and says what it tried.
//! One test in its own binary, because it changes the process environment.

use pipit_testkit::python as common;

use pipit_python::Interpreter;

#[cfg(unix)]
#[test]
fn discover_prefers_virtual_env_and_names_what_it_tried() {
    let empty = tempfile::tempdir().unwrap();
    std::env::set_var("PATH", empty.path());

    // A virtual environment without an interpreter, and nothing on PATH.
    std::env::set_var("VIRTUAL_ENV", empty.path());
    let message = Interpreter::discover(None).unwrap_err().to_string();
    assert!(
        message.starts_with("no python interpreter found; tried "),
        "{message}"
    );
    assert!(
        message.contains(
            &empty
                .path()
                .join("bin")
                .join("python")
                .display()
                .to_string()
        ),
        "{message}"
    );
    assert!(message.contains("`python3` on PATH"), "{message}");
    assert!(message.contains("`python` on PATH"), "{message}");

    let Some(python) = common::find_python("3.11") else {
        eprintln!("SKIPPED: python3.11 not found");
        return;
    };
    let venv = tempfile::tempdir().unwrap();
    fs_err::create_dir_all(venv.path().join("bin")).unwrap();
    std::os::unix::fs::symlink(&python, venv.path().join("bin").join("python")).unwrap();
    std::env::set_var("VIRTUAL_ENV", venv.path());
    let found = Interpreter::discover(None).unwrap();
    assert_eq!((found.version.major, found.version.minor), (3, 11));
}
