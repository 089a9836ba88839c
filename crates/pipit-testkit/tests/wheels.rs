//! Builds wheels and reads them back with the zip crate.

mod support;

use pipit_testkit::{Error, WheelBuilder};
use support::{entries, record, record_mismatches, text};

fn demo_app() -> WheelBuilder {
    WheelBuilder::new("demo-app", "1.0.0")
        .requires("demo-util>=1.0")
        .requires("demo-tool; extra == 'cli'")
        .extra("cli")
        .requires_python(">=3.8")
        .file("demo_app/__init__.py", "def main():\n    print('hi')\n")
        .file("demo_app/sub/mod.py", "X = 1\n")
        .data("scripts", "demo-tool", "#!python\nprint(1)\n")
        .data("headers", "demo.h", "int demo;\n")
        .console_script("demo", "demo_app:main")
        .gui_script("demo-gui", "demo_app:main")
        .entry_point("pipit.plugins", "demo", "demo_app.sub.mod:X")
        .metadata_field("Summary", "A demo")
}

#[test]
fn default_wheel_is_pure_python_with_an_init() {
    let (file_name, bytes) = WheelBuilder::new("demo-util", "1.0.0")
        .build_bytes()
        .unwrap();
    assert_eq!(file_name, "demo_util-1.0.0-py3-none-any.whl");
    let entries = entries(&bytes);
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "demo_util/__init__.py",
            "demo_util-1.0.0.dist-info/METADATA",
            "demo_util-1.0.0.dist-info/WHEEL",
            "demo_util-1.0.0.dist-info/RECORD",
        ]
    );
    assert!(text(&entries, "demo_util/__init__.py").contains("__version__ = \"1.0.0\"\n"));
    assert_eq!(
        text(&entries, "demo_util-1.0.0.dist-info/WHEEL"),
        "Wheel-Version: 1.0\nGenerator: pipit-testkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    );
    assert!(record_mismatches(&entries, "demo_util-1.0.0.dist-info/RECORD").is_empty());
}

#[test]
fn metadata_wheel_and_entry_points_are_written() {
    let (file_name, bytes) = demo_app().build_bytes().unwrap();
    assert_eq!(file_name, "demo_app-1.0.0-py3-none-any.whl");
    let entries = entries(&bytes);
    assert_eq!(
        text(&entries, "demo_app-1.0.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: demo-app\nVersion: 1.0.0\nSummary: A demo\n\
         Requires-Python: >=3.8\nRequires-Dist: demo-util>=1.0\n\
         Requires-Dist: demo-tool; extra == 'cli'\nProvides-Extra: cli\n"
    );
    assert_eq!(
        text(&entries, "demo_app-1.0.0.dist-info/entry_points.txt"),
        "[console_scripts]\ndemo = demo_app:main\n\n[gui_scripts]\ndemo-gui = demo_app:main\n\n\
         [pipit.plugins]\ndemo = demo_app.sub.mod:X\n"
    );
    assert_eq!(
        text(&entries, "demo_app-1.0.0.data/scripts/demo-tool"),
        "#!python\nprint(1)\n"
    );
    assert!(entries
        .iter()
        .any(|(name, _)| name == "demo_app-1.0.0.data/headers/demo.h"));
    // RECORD comes last and lists every other file with a verifying hash.
    assert_eq!(entries.last().unwrap().0, "demo_app-1.0.0.dist-info/RECORD");
    assert!(record_mismatches(&entries, "demo_app-1.0.0.dist-info/RECORD").is_empty());
}

#[test]
fn names_tags_and_build_tags_are_escaped_per_pep_427() {
    let builder = WheelBuilder::new("Foo.Bar-Baz", "1.0-1")
        .tag("py2.py3-none-any")
        .build_tag("7")
        .root_is_purelib(false);
    let (file_name, bytes) = builder.build_bytes().unwrap();
    assert_eq!(file_name, "foo_bar_baz-1.0_1-7-py2.py3-none-any.whl");
    let entries = entries(&bytes);
    assert!(entries
        .iter()
        .any(|(name, _)| name == "foo_bar_baz/__init__.py"));
    assert_eq!(
        text(&entries, "foo_bar_baz-1.0_1.dist-info/WHEEL"),
        "Wheel-Version: 1.0\nGenerator: pipit-testkit\nRoot-Is-Purelib: false\n\
         Tag: py2-none-any\nTag: py3-none-any\nBuild: 7\n"
    );
    // METADATA keeps the name as written.
    assert!(text(&entries, "foo_bar_baz-1.0_1.dist-info/METADATA").contains("Name: Foo.Bar-Baz\n"));
}

#[test]
fn two_builds_are_byte_identical() {
    let first = demo_app().build_bytes().unwrap();
    let second = demo_app().build_bytes().unwrap();
    assert_eq!(first, second);
    let dir = tempfile::tempdir().unwrap();
    let path = demo_app().build(dir.path()).unwrap();
    assert_eq!(path, dir.path().join("demo_app-1.0.0-py3-none-any.whl"));
    assert_eq!(fs_err::read(&path).unwrap(), first.1);
}

#[test]
fn file_paths_with_commas_are_quoted_in_record() {
    let (_, bytes) = WheelBuilder::new("odd", "1")
        .file("odd/a,b \"c\".txt", "x")
        .build_bytes()
        .unwrap();
    let entries = entries(&bytes);
    assert!(
        text(&entries, "odd-1.dist-info/RECORD").starts_with("\"odd/a,b \"\"c\"\".txt\",sha256=")
    );
    assert!(record_mismatches(&entries, "odd-1.dist-info/RECORD").is_empty());
}

#[test]
fn invalid_descriptions_are_refused_at_build() {
    let cases: Vec<(WheelBuilder, &str)> = vec![
        (WheelBuilder::new("-bad", "1"), "invalid distribution name"),
        (WheelBuilder::new("ok", "1 0"), "invalid version"),
        (
            WheelBuilder::new("ok", "1").tag("py3-none"),
            "invalid wheel tag",
        ),
        (
            WheelBuilder::new("ok", "1").build_tag("x1"),
            "invalid build tag",
        ),
        (
            WheelBuilder::new("ok", "1").file("../x.py", ""),
            "`..` component",
        ),
        (WheelBuilder::new("ok", "1").file("/x.py", ""), "absolute"),
        (
            WheelBuilder::new("ok", "1").data("bin", "x", ""),
            "unknown `.data` category",
        ),
        (
            WheelBuilder::new("ok", "1")
                .file("a.py", "")
                .file("a.py", ""),
            "contain `a.py` twice",
        ),
        (
            WheelBuilder::new("ok", "1").corrupt_record_hash("missing.py"),
            "does not contain",
        ),
    ];
    for (builder, message) in cases {
        let error = builder.build_bytes().unwrap_err().to_string();
        assert!(error.contains(message), "{error:?} lacks {message:?}");
    }
}

#[test]
fn corrupt_record_hash_breaks_only_that_hash() {
    let (_, bytes) = WheelBuilder::new("demo", "1")
        .corrupt_record_hash("demo/__init__.py")
        .build_bytes()
        .unwrap();
    let entries = entries(&bytes);
    assert_eq!(
        record_mismatches(&entries, "demo-1.dist-info/RECORD"),
        ["demo/__init__.py"]
    );
    let record = record(&text(&entries, "demo-1.dist-info/RECORD"));
    let init = entries
        .iter()
        .find(|(name, _)| name == "demo/__init__.py")
        .unwrap();
    assert_eq!(record["demo/__init__.py"].1, init.1.len().to_string());
}

#[test]
fn raw_entries_keep_their_unchecked_names() {
    let (_, bytes) = WheelBuilder::new("evil", "1")
        .raw_entry("../evil.py", "import os\n")
        .raw_entry("/abs/evil.py", "x")
        .build_bytes()
        .unwrap();
    let entries = entries(&bytes);
    assert!(entries.iter().any(|(name, _)| name == "../evil.py"));
    assert!(entries.iter().any(|(name, _)| name == "/abs/evil.py"));
    // Listed with the right hash: the name is the only defect.
    assert!(record_mismatches(&entries, "evil-1.dist-info/RECORD").is_empty());
}

#[test]
fn omit_record_leaves_record_out() {
    let (_, bytes) = WheelBuilder::new("demo", "1")
        .omit_record()
        .build_bytes()
        .unwrap();
    let entries = entries(&bytes);
    assert!(entries.iter().all(|(name, _)| !name.ends_with("RECORD")));
    assert!(entries
        .iter()
        .any(|(name, _)| name == "demo-1.dist-info/WHEEL"));
}

#[test]
fn build_errors_are_typed() {
    assert!(matches!(
        WheelBuilder::new("ok", "1").data("bin", "x", "").build_bytes(),
        Err(Error::UnknownDataCategory(category)) if category == "bin"
    ));
}
