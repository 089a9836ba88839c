//! `pipit install --target DIR` end to end, against generated wheels on the
//! in-process index: what lands on disk, what is printed, how many requests
//! are made, and that a failure at any point leaves the target as it was.

use std::collections::BTreeMap;
use std::path::PathBuf;

use assert_cmd::Command;
use pipit_testkit::{Fault, IndexServer, WheelBuilder};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{layout_wheels, names, pipit_process, tree, Outcome};

const TARGET: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

/// An index, a cache, a working folder and the target `work/t`.
struct Env {
    server: IndexServer,
    cache: TempDir,
    work: TempDir,
}

impl Env {
    fn new(wheels: &[WheelBuilder]) -> Env {
        Env {
            server: IndexServer::with_wheels(wheels),
            cache: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn target(&self) -> PathBuf {
        self.work.path().join("t")
    }

    fn command(&self, args: &[&str]) -> Command {
        Command::from(self.process(args))
    }

    /// The command as a plain process, to spawn and wait for later.
    fn process(&self, args: &[&str]) -> std::process::Command {
        let mut command = pipit_process(self.cache.path());
        command
            .current_dir(self.work.path())
            .args(args)
            .args(["-i", &self.server.url()])
            .args(TARGET);
        command
    }

    fn run(&self, args: &[&str]) -> Outcome {
        Outcome::of(&mut self.command(args))
    }

    /// `install --target t <args>`.
    fn install(&self, args: &[&str]) -> Outcome {
        let mut words = vec!["install", "--target", "t", "--progress-bar", "off"];
        words.extend_from_slice(args);
        self.run(&words)
    }

    fn read(&self, relative: &str) -> String {
        fs_err::read_to_string(self.target().join(relative)).unwrap()
    }
}

#[test]
fn a_fresh_install_lays_the_target_out_as_pip_does() {
    let env = Env::new(&layout_wheels());
    let outcome = env.install(&["demo"]).expect_code(0);
    assert!(
        outcome.stdout.contains("Installed 2 packages in "),
        "{outcome:?}"
    );
    assert!(outcome.stdout.contains(" + demo==1.0"), "{outcome:?}");
    let tree = tree(&env.target());
    for expected in [
        "demo/__init__.py",
        "demo/caf\u{e9}.txt",
        "nsp/sub/mod.py",
        "nsp/other/mod.py",
        "pure_extra.py",
        "plat_extra.py",
        "bin/tool",
        "bin/demo-cli",
        "bin/demo-gui",
        "include/python/demo/demo.h",
        "share/demo/readme.txt",
        "demo-1.0.dist-info/METADATA",
        "demo-1.0.dist-info/RECORD",
        "demo-1.0.dist-info/INSTALLER",
        "demo-1.0.dist-info/REQUESTED",
        "dep-1.0.dist-info/RECORD",
    ] {
        assert!(
            tree.contains_key(expected),
            "{expected} in {:#?}",
            names(&tree)
        );
    }
    assert!(!tree.contains_key("dep-1.0.dist-info/REQUESTED"));
    assert!(!tree.contains_key("demo-1.0.dist-info/direct_url.json"));
    assert_eq!(env.read("demo-1.0.dist-info/INSTALLER"), "pipit\n");
    let launcher = env.read("bin/demo-cli");
    assert!(launcher.contains("from demo.cli import main"), "{launcher}");
    assert!(launcher.contains("sys.exit(main())"), "{launcher}");
    assert!(env.read("bin/tool").starts_with("#!"));
    assert!(!env.read("bin/tool").starts_with("#!python\n"));
    let record = env.read("demo-1.0.dist-info/RECORD");
    for row in [
        "bin/demo-cli,sha256=",
        "include/python/demo/demo.h,sha256=",
        "share/demo/readme.txt,sha256=",
        "demo/caf\u{e9}.txt,sha256=",
        "demo-1.0.dist-info/RECORD,,",
    ] {
        assert!(record.contains(row), "{row} in {record}");
    }
    // Nothing of pipit's bookkeeping is left but the lock file.
    let state: Vec<&str> = names(&tree)
        .into_iter()
        .filter(|name| name.starts_with(".pipit/") && *name != ".pipit/")
        .collect();
    assert!(state.is_empty(), "{state:?}");
}

#[test]
fn json_output_lists_what_was_installed() {
    let env = Env::new(&layout_wheels());
    let outcome = env.install(&["demo", "--json"]).expect_code(0);
    let value = outcome.json();
    let installed: Vec<&str> = value["installed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["name"].as_str().unwrap())
        .collect();
    assert_eq!(installed, ["demo", "dep"]);
    assert_eq!(value["installed"][0]["requested"], true);
    assert_eq!(value["downloaded"], 2);
    assert!(outcome.stderr.is_empty(), "{outcome:?}");
}

#[test]
fn an_already_satisfied_target_makes_no_request() {
    let env = Env::new(&layout_wheels());
    env.install(&["demo"]).expect_code(0);
    let before = tree(&env.target());
    env.server.clear_requests();
    let outcome = env.install(&["demo>=1"]).expect_code(0);
    assert_eq!(env.server.request_count(), 0, "{:?}", env.server.requests());
    assert!(
        outcome
            .stdout
            .contains("Requirement already satisfied: demo in "),
        "{outcome:?}"
    );
    assert!(outcome.stdout.contains("(1.0)"), "{outcome:?}");
    assert_eq!(tree(&env.target()), before);
}

#[test]
fn upgrade_replaces_the_old_version_by_its_record() {
    let env = Env::new(&[
        WheelBuilder::new("app", "1.0")
            .file("app/__init__.py", "v = 1\n")
            .file("app/only_in_1.py", "")
            .console_script("app", "app:main"),
        WheelBuilder::new("app", "2.0").file("app/__init__.py", "v = 2\n"),
    ]);
    env.install(&["app==1.0"]).expect_code(0);
    assert!(env.target().join("bin/app").is_file());
    // Without -U the installed version is kept.
    let kept = env.install(&["app"]).expect_code(0);
    assert!(kept.stdout.contains("already satisfied"), "{kept:?}");
    let outcome = env.install(&["-U", "app"]).expect_code(0);
    assert!(outcome.stdout.contains(" - app==1.0"), "{outcome:?}");
    assert!(outcome.stdout.contains(" + app==2.0"), "{outcome:?}");
    let tree = tree(&env.target());
    assert_eq!(env.read("app/__init__.py"), "v = 2\n");
    assert!(
        !tree.contains_key("app/only_in_1.py"),
        "{:#?}",
        names(&tree)
    );
    assert!(
        !tree.contains_key("app-1.0.dist-info/"),
        "{:#?}",
        names(&tree)
    );
    assert!(!tree.contains_key("bin/app"), "{:#?}", names(&tree));
    assert!(tree.contains_key("app-2.0.dist-info/RECORD"));
}

#[test]
fn force_reinstall_restores_a_changed_file() {
    let env = Env::new(&[WheelBuilder::new("app", "1.0").file("app/__init__.py", "v = 1\n")]);
    env.install(&["app"]).expect_code(0);
    fs_err::write(env.target().join("app/__init__.py"), "broken").unwrap();
    fs_err::write(env.target().join("app/stray.py"), "not in RECORD").unwrap();
    env.install(&["app", "--force-reinstall"]).expect_code(0);
    assert_eq!(env.read("app/__init__.py"), "v = 1\n");
    // pip keeps files RECORD does not know; so does pipit.
    assert!(env.target().join("app/stray.py").is_file());
}

#[test]
fn a_wheel_path_install_writes_direct_url_json() {
    let env = Env::new(&[]);
    let wheel = WheelBuilder::new("local", "1.0")
        .build(env.work.path())
        .unwrap();
    let outcome = env
        .install(&[wheel.to_str().unwrap(), "--no-index"])
        .expect_code(0);
    assert!(outcome.stdout.contains(" + local==1.0"), "{outcome:?}");
    let text = env.read("local-1.0.dist-info/direct_url.json");
    let value: Value = serde_json::from_str(&text).unwrap();
    let sha256 = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(fs_err::read(&wheel).unwrap()))
    };
    assert_eq!(value["archive_info"]["hashes"]["sha256"], sha256);
    assert_eq!(value["archive_info"]["hash"], format!("sha256={sha256}"));
    assert!(
        value["url"].as_str().unwrap().starts_with("file:///"),
        "{text}"
    );
    assert!(text.starts_with("{\"archive_info\": {\"hash\": "), "{text}");
    assert!(env.target().join("local-1.0.dist-info/REQUESTED").is_file());
    // The same path again is already satisfied: nothing is reinstalled.
    let again = env
        .install(&[wheel.to_str().unwrap(), "--no-index"])
        .expect_code(0);
    assert!(again.stdout.contains("already satisfied"), "{again:?}");
}

/// Each hostile wheel is refused with one line naming the wheel and the
/// entry, and the target keeps exactly what it had.
#[test]
fn unsafe_wheels_are_refused_and_nothing_changes() {
    let cases: Vec<(WheelBuilder, &str)> = vec![
        (
            WheelBuilder::new("evil", "1.0").raw_entry("../escape.py", "x"),
            "../escape.py",
        ),
        (
            WheelBuilder::new("evil", "1.0").raw_entry("/abs.py", "x"),
            "/abs.py",
        ),
        (
            WheelBuilder::new("evil", "1.0").raw_entry("C:/windows.py", "x"),
            "C:/windows.py",
        ),
        (
            WheelBuilder::new("evil", "1.0")
                .file("evil/__init__.py", "real")
                .corrupt_record_hash("evil/__init__.py"),
            "evil/__init__.py",
        ),
    ];
    for (wheel, entry) in cases {
        let env = Env::new(&[WheelBuilder::new("good", "1.0"), wheel]);
        env.install(&["good"]).expect_code(0);
        let before = tree(&env.target());
        let outcome = env.install(&["evil"]);
        assert_eq!(outcome.code, 4, "{entry}: {outcome:?}");
        let first = outcome.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains("evil-1.0-py3-none-any.whl") && first.contains(entry),
            "{entry}: {outcome:?}"
        );
        assert_eq!(tree(&env.target()), before, "{entry}");
    }
}

#[test]
fn a_wheel_whose_metadata_names_another_project_is_refused() {
    let env = Env::new(&[]);
    let (_, bytes) = WheelBuilder::new("other", "1.0").build_bytes().unwrap();
    let path = env.work.path().join("named-1.0-py3-none-any.whl");
    fs_err::write(&path, bytes).unwrap();
    let outcome = env.install(&[path.to_str().unwrap(), "--no-index"]);
    assert_ne!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome.stderr.contains("named-1.0-py3-none-any.whl"),
        "{outcome:?}"
    );
    assert!(!env.target().join("other").exists());
    assert!(tree(&env.target())
        .keys()
        .all(|name| name.starts_with(".pipit")));
}

/// One good wheel, one whose download is corrupted: nothing is installed,
/// and what was there stays.
#[test]
fn a_failure_halfway_leaves_the_target_unchanged() {
    let env = Env::new(&[
        WheelBuilder::new("old", "1.0").file("old/__init__.py", "old\n"),
        WheelBuilder::new("app", "1.0").requires("lib"),
        WheelBuilder::new("lib", "1.0"),
    ]);
    env.install(&["old"]).expect_code(0);
    let before = tree(&env.target());
    env.server
        .inject("/files/lib-1.0-py3-none-any.whl", Fault::WrongHash, 100);
    let outcome = env.install(&["app"]);
    assert_ne!(outcome.code, 0, "{outcome:?}");
    assert!(outcome.stderr.contains("lib-1.0"), "{outcome:?}");
    assert_eq!(tree(&env.target()), before);
    // A download that never works is a network failure (exit 3).
    env.server
        .inject("/files/lib-1.0-py3-none-any.whl", Fault::Status(404), 100);
    let outcome = env.install(&["app"]);
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert_eq!(tree(&env.target()), before);
}

#[test]
fn two_concurrent_installs_into_one_target_take_turns() {
    let env = Env::new(&[
        WheelBuilder::new("one", "1.0").file("shared_ns/one.py", "1"),
        WheelBuilder::new("two", "1.0").file("shared_ns/two.py", "2"),
    ]);
    // Slow downloads make the two runs overlap.
    for file in ["one-1.0-py3-none-any.whl", "two-1.0-py3-none-any.whl"] {
        env.server.inject(
            &format!("/files/{file}"),
            Fault::Delay(std::time::Duration::from_millis(400)),
            1,
        );
    }
    let spawn = |name: &str| {
        env.process(&["install", "--target", "t", "--progress-bar", "off", name])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn("one");
    let second = spawn("two");
    let mut waited = false;
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        waited |= String::from_utf8_lossy(&output.stderr)
            .contains("waiting for another pipit process to finish with");
    }
    assert!(waited, "one run waited for the other's lock");
    let tree = tree(&env.target());
    for expected in [
        "shared_ns/one.py",
        "shared_ns/two.py",
        "one-1.0.dist-info/RECORD",
        "two-1.0.dist-info/RECORD",
    ] {
        assert!(
            tree.contains_key(expected),
            "{expected}: {:#?}",
            names(&tree)
        );
    }
}

#[test]
fn an_install_killed_while_downloading_leaves_the_target_and_is_tidied() {
    let env = Env::new(&[
        WheelBuilder::new("good", "1.0"),
        WheelBuilder::new("slow", "1.0"),
    ]);
    env.install(&["good"]).expect_code(0);
    let before = tree(&env.target());
    // Resolve once, so the metadata is cached and only the download waits.
    env.run(&["install", "--dry-run", "slow"]).expect_code(0);
    env.server.inject(
        "/files/slow-1.0-py3-none-any.whl",
        Fault::Delay(std::time::Duration::from_secs(30)),
        1,
    );
    let mut child = env
        .process(&["install", "--target", "t", "--progress-bar", "off", "slow"])
        .spawn()
        .unwrap();
    // Wait for the staging folder, then kill.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !tree(&env.target())
        .keys()
        .any(|name| name.starts_with(".pipit/staging-"))
    {
        assert!(std::time::Instant::now() < deadline, "no staging folder");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let visible = |tree: BTreeMap<String, Vec<u8>>| -> Vec<String> {
        tree.into_keys()
            .filter(|name| !name.starts_with(".pipit"))
            .collect()
    };
    assert_eq!(visible(tree(&env.target())), visible(before.clone()));
    // The next run tidies up what the killed one left.
    env.install(&["good"]).expect_code(0);
    assert_eq!(tree(&env.target()), before);
}
