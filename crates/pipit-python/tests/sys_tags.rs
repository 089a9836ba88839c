//! `Interpreter::probe` gives exactly `packaging.tags.sys_tags()` (same tags,
//! same order) and `packaging.markers.default_environment()` for real
//! interpreters.

use pipit_testkit::python as common;

use std::process::Command;

use pipit_python::Interpreter;

const REFERENCE: &str = "import json, packaging.markers, packaging.tags; \
print(json.dumps({'tags': [str(t) for t in packaging.tags.sys_tags()], \
'markers': packaging.markers.default_environment()}))";

fn compare_with_packaging(version: &str) {
    let Some(python) = common::find_python(version) else {
        eprintln!("SKIPPED: python{version} not found");
        return;
    };
    let venv_python = match common::venv_with_packaging(
        &python,
        version,
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
    ) {
        Ok(path) => path,
        Err(reason) => {
            eprintln!("SKIPPED: python{version}: {reason}");
            return;
        }
    };
    let output = Command::new(&venv_python)
        .args(["-c", REFERENCE])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reference: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected: Vec<String> = serde_json::from_value(reference["tags"].clone()).unwrap();

    let cache = tempfile::tempdir().unwrap();
    let interpreter = Interpreter::probe(&venv_python, Some(cache.path())).unwrap();
    let actual = interpreter.tags.to_strings();
    if let Some(index) =
        (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i))
    {
        panic!(
            "python{version}: first difference at tag {index}: packaging {:?}, pipit {:?} ({} vs {} tags)",
            expected.get(index),
            actual.get(index),
            expected.len(),
            actual.len()
        );
    }
    assert_eq!(actual, expected);
    assert_eq!(
        interpreter.to_json()["markers"],
        reference["markers"],
        "python{version} markers"
    );

    // Probing again answers from the cache with the same result.
    let again = Interpreter::probe(&venv_python, Some(cache.path())).unwrap();
    assert_eq!(again.tags, interpreter.tags);
    let scheme = interpreter
        .scheme
        .expect("a probed interpreter has a scheme");
    assert!(scheme
        .purelib
        .starts_with(venv_python.parent().unwrap().parent().unwrap()));
    eprintln!(
        "python{version}: {} tags equal to {}",
        actual.len(),
        common::PACKAGING_PIN
    );
}

#[test]
fn python3_9_tags_equal_packaging() {
    compare_with_packaging("3.9");
}

#[test]
fn python3_8_tags_equal_packaging() {
    compare_with_packaging("3.8");
}

#[test]
fn python3_10_tags_equal_packaging() {
    compare_with_packaging("3.10");
}

#[test]
fn python3_12_tags_equal_packaging() {
    compare_with_packaging("3.12");
}

#[test]
fn python3_11_tags_equal_packaging() {
    compare_with_packaging("3.11");
}

#[test]
fn python3_13_tags_equal_packaging() {
    compare_with_packaging("3.13");
}
