//! `pipit script install` end to end: the embedded-host model. Scripts share
//! environments of a store (`--root`), the host says what it has loaded,
//! and a request that needs another version of a loaded package is refused
//! with the chain of requirements that needs it (exit 5).

use std::path::{Path, PathBuf};

use pipit_testkit::{IndexServer, WheelBuilder};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{pipit_process, run, tree, Outcome};

const TARGET: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

/// The host's packages: pkg_a 1.0 and 2.0, pkg_b 2.0 needing pkg_a>=2.0,
/// pkg_c 1.0 needing pkg_a>=1.0 and pkg_c 2.0 needing pkg_a>=2.0.
fn host_wheels() -> Vec<WheelBuilder> {
    vec![
        WheelBuilder::new("pkg_a", "1.0").file("pkg_a/__init__.py", "version = '1.0'\n"),
        WheelBuilder::new("pkg_a", "2.0").file("pkg_a/__init__.py", "version = '2.0'\n"),
        WheelBuilder::new("pkg_b", "2.0")
            .requires("pkg_a>=2.0")
            .file("pkg_b/__init__.py", "import pkg_a\n"),
        WheelBuilder::new("pkg_c", "1.0")
            .requires("pkg_a>=1.0")
            .file("pkg_c/__init__.py", ""),
        WheelBuilder::new("pkg_c", "2.0")
            .requires("pkg_a>=2.0")
            .file("pkg_c/__init__.py", ""),
    ]
}

/// An index, a cache, and a folder holding the scripts and the store `root`.
struct Host {
    server: IndexServer,
    cache: TempDir,
    work: TempDir,
}

impl Host {
    fn new() -> Host {
        Host {
            server: IndexServer::with_wheels(&host_wheels()),
            cache: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn script(&self, name: &str, text: &str) {
        fs_err::write(self.work.path().join(name), text).unwrap();
    }

    fn root(&self) -> PathBuf {
        self.work.path().join("root")
    }

    fn run(&self, args: &[&str]) -> Outcome {
        let mut command = pipit_process(self.cache.path());
        command
            .current_dir(self.work.path())
            .args(args)
            .args([
                "--root",
                "root",
                "-i",
                &self.server.url(),
                "--progress-bar",
                "off",
            ])
            .args(TARGET);
        Outcome::of(&mut assert_cmd::Command::from(command))
    }

    fn install(&self, script: &str, more: &[&str]) -> Outcome {
        let mut args = vec!["script", "install", script];
        args.extend_from_slice(more);
        self.run(&args)
    }

    /// `pipit env <args> --root root`.
    fn env(&self, args: &[&str]) -> Outcome {
        let mut command = pipit_process(self.cache.path());
        command
            .current_dir(self.work.path())
            .arg("env")
            .args(args)
            .args(["--root", "root"]);
        Outcome::of(&mut assert_cmd::Command::from(command))
    }

    fn env_list(&self) -> Vec<Value> {
        let listed = self.env(&["list", "--json"]).expect_code(0);
        listed.json()["environments"].as_array().unwrap().clone()
    }

    /// `--loaded` JSON, as a host writes it.
    fn loaded(&self, entries: Value) -> String {
        let path = self.work.path().join("loaded.json");
        fs_err::write(&path, entries.to_string()).unwrap();
        path.display().to_string()
    }
}

fn installed(env: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(env)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".dist-info"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_host_scenario_refuses_a_loaded_conflict_and_offers_other_environments() {
    let host = Host::new();
    host.script("script_a.py", "#r: pkg_a==1.0\nimport pkg_a\n");
    host.script("script_b.py", "#r: pkg_b==2.0\nimport pkg_b\n");

    // script_a goes to the default environment; the last line is its folder.
    let done = host.install("script_a.py", &[]).expect_code(0);
    let default_env = done.last_line();
    let folder = default_env
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        default_env.starts_with(host.root().join("site-envs")) && folder.starts_with("default-"),
        "{done:?}"
    );
    let id = folder.trim_start_matches("default-");
    assert!(
        id.len() == 8 && id.chars().all(|c| c.is_ascii_alphanumeric()),
        "{id}"
    );
    assert_eq!(installed(&default_env), ["pkg_a-1.0.dist-info"]);

    // The host has loaded pkg_a 1.0 from there; script_b needs pkg_a>=2.0.
    let loaded = host.loaded(serde_json::json!([
        {"name": "pkg_a", "version": "1.0", "location": default_env}
    ]));
    let before = tree(&default_env);
    let refused = host
        .install("script_b.py", &["--loaded", &loaded, "--json"])
        .expect_code(5);
    let json = refused.json();
    assert_eq!(json["error"]["kind"], "conflict", "{json}");
    let conflicts = json["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{json}");
    assert_eq!(conflicts[0]["name"], "pkg_a");
    assert_eq!(conflicts[0]["loaded_version"], "1.0");
    assert_eq!(
        conflicts[0]["loaded_from"],
        default_env.display().to_string()
    );
    assert_eq!(conflicts[0]["required"], ">=2.0");
    assert_eq!(
        conflicts[0]["chain"],
        serde_json::json!(["script_b.py", "pkg_b==2.0", "pkg_a>=2.0"])
    );
    let human = host
        .install("script_b.py", &["--loaded", &loaded])
        .expect_code(5);
    assert!(
        human.stderr.starts_with(&format!(
            "error: script_b.py requires pkg_b==2.0, which requires pkg_a>=2.0, but pkg_a 1.0 is loaded from {}; a different pkg_a cannot be loaded in this process\n",
            default_env.display()
        )),
        "{human:?}"
    );
    assert_eq!(tree(&default_env), before, "the environment changed");
    let envs = host.env_list();
    assert_eq!(envs.len(), 1, "{envs:?}");
    assert_eq!(envs[0]["state"], "ok");

    // With `# venv: b-tools` script_b has an environment of its own.
    host.script(
        "script_b.py",
        "# venv: b-tools\n#r: pkg_b==2.0\nimport pkg_b\n",
    );
    let own = host
        .install("script_b.py", &["--loaded", &loaded, "--json"])
        .expect_code(0);
    let json = own.json();
    let b_env = PathBuf::from(json["env_path"].as_str().unwrap());
    assert!(
        b_env
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("b-tools-"),
        "{json}"
    );
    assert_eq!(json["separate_process"], false);
    assert_eq!(
        installed(&b_env),
        ["pkg_a-2.0.dist-info", "pkg_b-2.0.dist-info"]
    );
    assert_eq!(tree(&default_env), before);

    // Back in the default environment, `--on-conflict new-env` installs into
    // a fresh one and says that only a separate process can use it.
    host.script("script_b.py", "#r: pkg_b==2.0\nimport pkg_b\n");
    let fresh = host
        .install(
            "script_b.py",
            &["--loaded", &loaded, "--on-conflict", "new-env", "--json"],
        )
        .expect_code(0);
    let json = fresh.json();
    assert_eq!(json["separate_process"], true, "{json}");
    assert!(
        json["warnings"][0]
            .as_str()
            .is_some_and(|warning| warning.contains("only a separate process")),
        "{json}"
    );
    let new_env = PathBuf::from(json["env_path"].as_str().unwrap());
    assert_ne!(new_env, default_env);
    assert!(new_env
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("default-"));
    assert_eq!(
        installed(&new_env),
        ["pkg_a-2.0.dist-info", "pkg_b-2.0.dist-info"]
    );
    assert!(
        fresh.stderr.contains("only a separate process"),
        "{fresh:?}"
    );
    assert_eq!(tree(&default_env), before);
    // Asking again reuses that environment rather than making another.
    let again = host
        .install(
            "script_b.py",
            &["--loaded", &loaded, "--on-conflict", "new-env"],
        )
        .expect_code(0);
    assert_eq!(again.last_line(), new_env, "{again:?}");
    assert_eq!(host.env_list().len(), 3);
    // The default environment is still the one scripts share.
    let path = host.env(&["path", "default"]).expect_code(0);
    assert_eq!(path.last_line(), default_env);
}

#[test]
fn scripts_sharing_an_environment_keep_each_others_packages() {
    let host = Host::new();
    host.script("one.py", "#r: pkg_a\n");
    host.script("two.py", "#requirements: pkg_c, pkg_a<2\n");
    let first = host.install("one.py", &[]).expect_code(0);
    let env = first.last_line();
    assert_eq!(installed(&env), ["pkg_a-2.0.dist-info"]);
    // two.py needs pkg_a<2: one.py's plain `pkg_a` allows it, so both are met.
    let second = host.install("two.py", &[]).expect_code(0);
    assert_eq!(second.last_line(), env);
    assert_eq!(
        installed(&env),
        ["pkg_a-1.0.dist-info", "pkg_c-1.0.dist-info"]
    );
    // Re-running one.py keeps what two.py needs: nothing changes.
    let before = tree(&env);
    let rerun = host.install("one.py", &["--json"]).expect_code(0);
    assert_eq!(
        rerun.json()["installed"],
        serde_json::json!([]),
        "{rerun:?}"
    );
    let mut after = tree(&env);
    let mut before = before;
    // Only the record's timestamps move.
    after.remove(".pipit/env.json");
    before.remove(".pipit/env.json");
    assert_eq!(after, before);
    let record: Value =
        serde_json::from_str(&fs_err::read_to_string(env.join(".pipit/env.json")).unwrap())
            .unwrap();
    let scripts: Vec<&str> = record["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|script| script["script"].as_str().unwrap())
        .collect();
    assert_eq!(scripts.len(), 2, "{record}");
    assert!(
        scripts.iter().any(|s| s.ends_with("one.py"))
            && scripts.iter().any(|s| s.ends_with("two.py"))
    );
    assert_eq!(record["state"], "ok");
}

#[test]
fn incompatible_scripts_are_both_named_and_the_environment_is_kept() {
    let host = Host::new();
    host.script("first.py", "# r: pkg_a==1.0\n");
    host.script("second.py", "# r: pkg_a==2.0\n");
    let env = host.install("first.py", &[]).expect_code(0).last_line();
    let before = tree(&env);
    let refused = host.install("second.py", &[]).expect_code(1);
    let first_line = refused.stderr.lines().next().unwrap_or_default();
    assert!(
        first_line.contains("second.py (pkg_a==2.0)")
            && first_line.contains("first.py (pkg_a==1.0)")
            && first_line.contains("cannot share environment"),
        "{refused:?}"
    );
    assert!(refused.stderr.contains("# venv: NAME"), "{refused:?}");
    assert_eq!(tree(&env), before);
}

#[test]
fn a_loaded_version_is_preferred_and_never_reinstalled() {
    let host = Host::new();
    host.script("plain.py", "#r: pkg_a\n");
    // Loaded from an unnamed place: it counts, and 1.0 is chosen over 2.0.
    let done = host
        .install("plain.py", &["--loaded", "pkg_a==1.0"])
        .expect_code(0);
    let env = done.last_line();
    assert_eq!(installed(&env), ["pkg_a-1.0.dist-info"]);
    // Loaded from the environment itself: --force-reinstall would replace
    // its files, which a running process has open.
    let loaded = host.loaded(serde_json::json!([
        {"name": "pkg_a", "version": "1.0", "location": env}
    ]));
    let before = tree(&env);
    let refused = host
        .install(
            "plain.py",
            &["--loaded", &loaded, "--force-reinstall", "--json"],
        )
        .expect_code(5);
    assert_eq!(
        refused.json()["conflicts"][0]["required"],
        "--force-reinstall"
    );
    assert_eq!(tree(&env), before);
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("--force-reinstall would replace pkg_a 1.0, which is loaded from"),
        "{refused:?}"
    );
    // Upgrading keeps the loaded version rather than replacing it.
    host.install("plain.py", &["--loaded", &loaded, "-U"])
        .expect_code(0);
    let mut after = tree(&env);
    let mut before = before;
    after.remove(".pipit/env.json");
    before.remove(".pipit/env.json");
    assert_eq!(after, before);
}

#[test]
fn a_request_is_met_with_the_loaded_version_when_an_older_release_allows_it() {
    let host = Host::new();
    // The newest pkg_c needs pkg_a>=2.0, pkg_c 1.0 is content with the
    // loaded pkg_a 1.0: that is the answer, not a conflict.
    host.script("c.py", "#r: pkg_c\n");
    let done = host
        .install("c.py", &["--loaded", "pkg_a==1.0", "--json"])
        .expect_code(0);
    let installed: Vec<String> = done.json()["installed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dist| {
            format!(
                "{}=={}",
                dist["name"].as_str().unwrap(),
                dist["version"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(installed, ["pkg-a==1.0", "pkg-c==1.0"], "{done:?}");
}

#[test]
fn a_package_loaded_from_the_hosts_own_folder_still_counts() {
    let host = Host::new();
    let site = host.work.path().join("hostsite");
    fs_err::create_dir_all(&site).unwrap();
    host.script("b.py", "#r: pkg_b==2.0\n");
    let loaded = host.loaded(serde_json::json!([
        {"name": "pkg_a", "version": "1.0", "location": site}
    ]));
    let refused = host
        .install("b.py", &["--loaded", &loaded, "--json"])
        .expect_code(5);
    assert_eq!(
        refused.json()["conflicts"][0]["loaded_from"],
        site.display().to_string()
    );
    // Nothing was left behind: the environment this run created is gone.
    assert!(host.env_list().is_empty(), "{:?}", host.env_list());
}

#[test]
fn a_scripts_own_failure_is_not_blamed_on_its_neighbours() {
    let host = Host::new();
    host.script("good.py", "#r: pkg_a==1.0\n");
    host.script("bad.py", "#r: pkg_a==3.0\n");
    host.install("good.py", &[]).expect_code(0);
    let failed = host.install("bad.py", &[]).expect_code(1);
    assert!(!failed.stderr.contains("cannot share"), "{failed:?}");
}

#[test]
fn two_first_installs_at_once_agree_on_one_environment() {
    let host = Host::new();
    host.script("x.py", "#r: pkg_a==1.0\n");
    host.script("y.py", "#r: pkg_c==1.0\n");
    let url = host.server.url();
    let spawn = |script: &str| {
        let mut command = pipit_process(host.cache.path());
        command
            .current_dir(host.work.path())
            .args(["script", "install", script, "--root", "root", "-i", &url])
            .args(TARGET)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command.spawn().unwrap()
    };
    let children = [spawn("x.py"), spawn("y.py")];
    let paths: Vec<String> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{output:?}");
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            stdout.lines().last().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(paths[0], paths[1]);
    assert_eq!(host.env_list().len(), 1);
    assert_eq!(
        installed(Path::new(&paths[0])),
        ["pkg_a-1.0.dist-info", "pkg_c-1.0.dist-info"]
    );
}

#[test]
fn on_conflict_warn_installs_and_says_so() {
    let host = Host::new();
    host.script("needs_b.py", "#r: pkg_b\n");
    let done = host
        .install(
            "needs_b.py",
            &["--loaded", "pkg_a==1.0", "--on-conflict", "warn"],
        )
        .expect_code(0);
    assert!(
        done.stderr.contains("but pkg_a 1.0 is loaded")
            && done.stderr.contains("--on-conflict warn"),
        "{done:?}"
    );
    assert_eq!(
        installed(&done.last_line()),
        ["pkg_a-2.0.dist-info", "pkg_b-2.0.dist-info"]
    );
}

#[test]
fn pipit_install_reports_loaded_conflicts_too() {
    let host = Host::new();
    let mut command = pipit_process(host.cache.path());
    command
        .current_dir(host.work.path())
        .args([
            "install",
            "--target",
            "t",
            "pkg_b",
            "--loaded",
            "pkg_a==1.0",
            "--json",
        ])
        .args(["-i", &host.server.url()])
        .args(TARGET);
    let (code, stdout, _) = run(&mut assert_cmd::Command::from(command));
    assert_eq!(code, 5, "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json["conflicts"][0]["chain"],
        serde_json::json!(["the command line", "pkg-b", "pkg_a>=2.0"])
    );
    assert!(!host.work.path().join("t").join("pkg_b").exists());
}

#[test]
fn a_script_that_moves_to_its_own_environment_stops_holding_the_old_one() {
    let host = Host::new();
    host.script("mover.py", "#r: pkg_a==1.0\n");
    let default_env = host.install("mover.py", &[]).expect_code(0).last_line();
    host.script("mover.py", "# venv: own\n#r: pkg_a==1.0\n");
    let moved = host.install("mover.py", &[]).expect_code(0);
    assert_ne!(moved.last_line(), default_env);
    assert!(moved.stderr.contains("no longer asks"), "{moved:?}");
    // The default environment's pkg_a==1.0 request went with the script.
    host.script("newcomer.py", "#r: pkg_a==2.0\n");
    let newcomer = host.install("newcomer.py", &[]).expect_code(0);
    assert_eq!(newcomer.last_line(), default_env);
    assert_eq!(installed(&default_env), ["pkg_a-2.0.dist-info"]);
}
