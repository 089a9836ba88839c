//! The environment store end to end (`pipit script install`, `pipit env …`),
//! against generated wheels on the in-process index: a failed or killed
//! install leaves an environment as it was (or finds and repairs it),
//! offline installs from the cache, the env commands, layered sites and a
//! script's own index options.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use pipit_testkit::{Fault, IndexServer, WheelBuilder};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{names, pipit_process, run, tree, Outcome};

const TARGET: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

/// An index, a cache, and a working folder holding the scripts and the
/// store root `work/root`.
struct Host {
    server: IndexServer,
    cache: TempDir,
    work: TempDir,
}

impl Host {
    fn new(wheels: &[WheelBuilder]) -> Host {
        Host {
            server: IndexServer::with_wheels(wheels),
            cache: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> PathBuf {
        self.work.path().join("root")
    }

    /// Writes a script under the working folder; returns its relative path.
    fn script(&self, relative: &str, text: &str) -> String {
        let path = self.work.path().join(relative);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, text).unwrap();
        relative.to_string()
    }

    /// `pipit <args>` in the working folder, with nothing of the machine's
    /// configuration.
    fn process(&self, args: &[&str]) -> std::process::Command {
        let mut command = pipit_process(self.cache.path());
        command.current_dir(self.work.path()).args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Outcome {
        Outcome::of(&mut assert_cmd::Command::from(self.process(args)))
    }

    /// The `script install` command line: the store `root`, the test index,
    /// the target interpreter described by flags.
    fn script_install_args<'a>(&'a self, script: &'a str, url: &'a str) -> Vec<&'a str> {
        let mut words = vec!["script", "install", script, "--root", "root"];
        words.extend_from_slice(&["-i", url, "--progress-bar", "off"]);
        words.extend_from_slice(&TARGET);
        words
    }

    fn script_install(&self, script: &str, extra: &[&str]) -> Outcome {
        let url = self.server.url();
        let mut words = self.script_install_args(script, &url);
        words.extend_from_slice(extra);
        self.run(&words)
    }

    /// `pipit env <args> --root root`.
    fn env(&self, args: &[&str]) -> Outcome {
        let mut words = vec!["env"];
        words.extend_from_slice(args);
        words.extend_from_slice(&["--root", "root"]);
        self.run(&words)
    }

    /// The `env list --json` row of the environment `name`.
    fn listed(&self, name: &str) -> Option<Value> {
        let value = self.env(&["list", "--json"]).expect_code(0).json();
        value["environments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["name"] == name)
            .cloned()
    }

    /// The folder of environment `name` (`env path`).
    fn env_path(&self, name: &str) -> PathBuf {
        let outcome = self.env(&["path", name]).expect_code(0);
        PathBuf::from(outcome.stdout.trim_end())
    }

    /// The folders under `root/site-envs`, sorted.
    fn env_folders(&self) -> Vec<String> {
        let mut names: Vec<String> = match fs_err::read_dir(self.root().join("site-envs")) {
            Ok(entries) => entries
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }
}

/// How a script's install is made to fail.
#[derive(Debug, Clone, Copy)]
enum Failure {
    /// It asks for a package the index does not have.
    NotOnTheIndex,
    /// A wheel's bytes do not match the hash the index advertises.
    LyingHash,
    /// A wheel's download stops halfway, every time.
    Truncated,
    /// A wheel whose RECORD does not match its own files.
    BadRecord,
}

impl Failure {
    const ALL: [Failure; 4] = [
        Failure::NotOnTheIndex,
        Failure::LyingHash,
        Failure::Truncated,
        Failure::BadRecord,
    ];

    /// `good` for the first script; `app`, which needs `lib`, for the one
    /// that fails (on `lib`, after `app` downloaded fine).
    fn host(self) -> Host {
        let lib = WheelBuilder::new("lib", "1.0").file("lib/__init__.py", "lib = 1\n");
        let lib = match self {
            Failure::BadRecord => lib.corrupt_record_hash("lib/__init__.py"),
            _ => lib,
        };
        let host = Host::new(&[
            WheelBuilder::new("good", "1.0").file("good/__init__.py", "good = 1\n"),
            WheelBuilder::new("app", "1.0")
                .requires("lib")
                .file("app/__init__.py", "app = 1\n"),
            lib,
        ]);
        let fault = match self {
            Failure::LyingHash => Some(Fault::WrongHash),
            Failure::Truncated => Some(Fault::Truncate),
            Failure::NotOnTheIndex | Failure::BadRecord => None,
        };
        if let Some(fault) = fault {
            // Resolve once, so the metadata (PEP 658, at the wheel's URL +
            // `.metadata`, which the fault's prefix would match too) is
            // cached and only the wheel's download fails.
            let url = host.server.url();
            let mut dry_run = vec!["install", "--dry-run", "app", "-i", &url];
            dry_run.extend_from_slice(&TARGET);
            host.run(&dry_run).expect_code(0);
            host.server
                .inject("/files/lib-1.0-py3-none-any.whl", fault, 1000);
        }
        host
    }

    /// The requirement of the failing script.
    fn request(self) -> &'static str {
        match self {
            Failure::NotOnTheIndex => "app, not-on-the-index",
            _ => "app",
        }
    }

    /// The exit code and `error.kind` (pip exits 1 for a hash mismatch).
    fn expected(self) -> (i32, &'static str) {
        match self {
            Failure::NotOnTheIndex | Failure::LyingHash => (1, "resolution"),
            Failure::Truncated => (3, "network"),
            Failure::BadRecord => (4, "install"),
        }
    }
}

#[test]
fn a_failed_script_install_leaves_its_environment_exactly_as_it_was() {
    for failure in Failure::ALL {
        let host = failure.host();
        host.script("a.py", "# r: good\n");
        host.script_install("a.py", &[]).expect_code(0);
        let env = host.env_path("default");
        let before = tree(&env);
        assert!(
            before.contains_key(".pipit/env.json") && before.contains_key("good/__init__.py"),
            "{failure:?}: {:#?}",
            names(&before)
        );

        host.script("b.py", &format!("# r: {}\n", failure.request()));
        let outcome = host.script_install("b.py", &["--json"]);
        let (code, kind) = failure.expected();
        assert_eq!(outcome.code, code, "{failure:?}: {outcome:?}");
        let value = outcome.json();
        assert_eq!(value["error"]["kind"], kind, "{failure:?}: {value}");
        let message = value["error"]["message"].as_str().unwrap();
        let culprit = match failure {
            Failure::NotOnTheIndex => "not-on-the-index",
            _ => "lib-1.0",
        };
        assert!(message.contains(culprit), "{failure:?}: {message}");

        let after = tree(&env);
        assert_eq!(names(&after), names(&before), "{failure:?}: the same files");
        assert!(after == before, "{failure:?}: the same bytes");
        let row = host.listed("default").unwrap();
        assert_eq!(row["state"], "ok", "{failure:?}: {row}");
        assert_eq!(host.env_folders().len(), 1, "{failure:?}");
    }
}

#[test]
fn a_failed_install_into_a_new_environment_leaves_no_environment() {
    for failure in Failure::ALL {
        let host = failure.host();
        host.script(
            "c.py",
            &format!("# venv: fresh\n# r: {}\n", failure.request()),
        );
        let outcome = host.script_install("c.py", &[]);
        assert_eq!(
            outcome.code,
            failure.expected().0,
            "{failure:?}: {outcome:?}"
        );
        // No `fresh-<id>` folder, and no half-made one either.
        assert_eq!(host.env_folders(), Vec::<String>::new(), "{failure:?}");
        assert_eq!(host.env(&["path", "fresh"]).code, 2, "{failure:?}");
        assert!(host.listed("fresh").is_none(), "{failure:?}");
    }
}

#[test]
fn an_install_killed_halfway_is_found_by_verify_and_repaired_by_gc() {
    let host = Host::new(&[
        WheelBuilder::new("good", "1.0").file("good/__init__.py", "good = 1\n"),
        WheelBuilder::new("slow", "1.0").file("slow/__init__.py", "slow = 1\n"),
    ]);
    host.script("a.py", "# r: good\n");
    host.script_install("a.py", &[]).expect_code(0);
    let env = host.env_path("default");
    let before = tree(&env);
    // Resolve once, so the metadata is cached and only the download waits.
    let url = host.server.url();
    let mut dry_run = vec!["install", "--dry-run", "slow", "good", "-i", &url];
    dry_run.extend_from_slice(&TARGET);
    host.run(&dry_run).expect_code(0);
    host.server.inject(
        "/files/slow-1.0-py3-none-any.whl",
        Fault::Delay(Duration::from_secs(30)),
        1,
    );
    host.script("b.py", "# r: slow\n");
    let mut child = host
        .process(&host.script_install_args("b.py", &url))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !tree(&env)
        .keys()
        .any(|name| name.starts_with(".pipit/staging-"))
    {
        assert!(Instant::now() < deadline, "no staging folder");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL: no chance to tidy up.
    child.kill().unwrap();
    child.wait().unwrap();

    let verify = host.env(&["verify", "--json"]);
    assert_ne!(verify.code, 0, "{verify:?}");
    let report = verify.json();
    let checked = &report["environments"][0];
    assert_eq!(checked["name"], "default", "{report}");
    assert_eq!(checked["state"], "invalid", "{report}");
    assert!(
        checked["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|problem| problem == "an install was interrupted"),
        "{report}"
    );
    let row = host.listed("default").unwrap();
    assert_eq!(row["state"], "invalid", "{row}");
    assert_eq!(row["reason"], "an install was interrupted", "{row}");
    // An invalid environment is never used silently.
    let refused = host.script_install("b.py", &[]);
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(refused.stderr.contains("is invalid"), "{refused:?}");

    let gc = host.env(&["gc"]).expect_code(0);
    assert!(
        gc.stdout.contains(&format!(
            "repaired {}",
            env.file_name().unwrap().to_string_lossy()
        )),
        "{gc:?}"
    );
    assert_eq!(host.listed("default").unwrap()["state"], "ok");
    // The folder is what it was before the killed install; env.json only
    // differs in its `updated` time (invalid, then ok again).
    let after = tree(&env);
    let without_record = |tree: &BTreeMap<String, Vec<u8>>| {
        let mut tree = tree.clone();
        tree.remove(".pipit/env.json");
        tree
    };
    assert_eq!(
        names(&without_record(&after)),
        names(&without_record(&before))
    );
    assert!(without_record(&after) == without_record(&before));
    let record = |tree: &BTreeMap<String, Vec<u8>>| {
        let mut value: Value = serde_json::from_slice(&tree[".pipit/env.json"]).unwrap();
        value.as_object_mut().unwrap().remove("updated");
        value
    };
    assert_eq!(record(&after), record(&before));
    let clean = host.env(&["verify"]).expect_code(0);
    assert!(clean.stdout.starts_with("ok "), "{clean:?}");
    // And the script that was killed installs now.
    host.script_install("b.py", &[]).expect_code(0);
    assert!(env.join("slow/__init__.py").is_file());
}

#[test]
fn an_offline_script_install_uses_the_cache_with_the_network_unreachable() {
    let host = Host::new(&[
        WheelBuilder::new("app", "1.0")
            .requires("lib>=1")
            .file("app/__init__.py", "app = 1\n"),
        WheelBuilder::new("lib", "1.0").file("lib/__init__.py", "lib = 1\n"),
    ]);
    host.script("a.py", "# r: app\n");
    host.script_install("a.py", &[]).expect_code(0);
    // The index goes away: its port is closed.
    let Host {
        server,
        cache,
        work,
    } = host;
    let url = server.url();
    drop(server);
    let root = work.path().join("other-root");
    let offline = |script: &str| {
        let mut command = pipit_process(cache.path());
        // `--index-ttl 0`: the cached pages are stale, as they would be
        // hours later; offline they answer all the same.
        command
            .current_dir(work.path())
            .args(["script", "install", script, "--root"])
            .arg(&root)
            .args(["-i", &url, "--offline", "--index-ttl", "0", "--json"])
            .args(TARGET);
        run(&mut assert_cmd::Command::from(command))
    };
    let (code, stdout, stderr) = offline("a.py");
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    let installed: Vec<&str> = value["installed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dist| dist["name"].as_str().unwrap())
        .collect();
    assert_eq!(installed, ["app", "lib"], "{value}");
    let env = PathBuf::from(value["env_path"].as_str().unwrap());
    assert!(env.starts_with(&root), "{value}");
    assert!(env.join("app/__init__.py").is_file());
    assert!(env.join("lib/__init__.py").is_file());
    // What the cache does not hold is a one-line error, and the new
    // environment it would have gone into is not left behind.
    fs_err::write(work.path().join("b.py"), "# venv: b\n# r: never-cached\n").unwrap();
    let (code, stdout, _) = offline("b.py");
    assert_eq!(code, 3, "{stdout}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`never-cached` is not in the cache"),
        "{value}"
    );
    let folders: Vec<String> = fs_err::read_dir(root.join("site-envs"))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert!(folders[0].starts_with("default-"), "{folders:?}");
}

#[test]
fn env_list_shows_each_environment_and_env_path_finds_one_without_creating() {
    let host = Host::new(&[
        WheelBuilder::new("good", "1.0").file("good/__init__.py", "good = 1\n"),
        WheelBuilder::new("tool", "2.0").file("tool/__init__.py", "tool = 2\n"),
    ]);
    // Nothing is created by asking.
    let missing = host.env(&["path", "tools"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    let first = missing.stderr.lines().next().unwrap();
    assert!(
        first.starts_with("error: no environment named `tools` in "),
        "{missing:?}"
    );
    assert!(missing.stdout.is_empty(), "{missing:?}");
    assert!(!host.root().exists());
    let empty = host.env(&["list"]).expect_code(0);
    assert!(empty.stdout.starts_with("no environments in "), "{empty:?}");
    assert!(!host.root().exists());

    host.script("a.py", "# r: good\n");
    host.script("t.py", "# venv: tools\n# r: tool==2.0\n");
    host.script_install("a.py", &[]).expect_code(0);
    let installed = host.script_install("t.py", &[]).expect_code(0);
    let tools = host.env_path("tools");
    assert_eq!(
        installed.stdout.lines().last().unwrap(),
        tools.to_str().unwrap()
    );

    let value = host.env(&["list", "--json"]).expect_code(0).json();
    let rows = value["environments"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{value}");
    let row = host.listed("tools").unwrap();
    let id = row["id"].as_str().unwrap();
    assert_eq!(id.len(), 8, "{row}");
    assert!(id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert_eq!(row["path"], tools.to_str().unwrap());
    assert_eq!(
        tools,
        host.root()
            .canonicalize()
            .unwrap()
            .join("site-envs")
            .join(format!("tools-{id}"))
    );
    assert_eq!(row["state"], "ok");
    assert!(row["size_bytes"].as_u64().unwrap() > 0, "{row}");
    assert_eq!(
        row["packages"],
        serde_json::json!([{"name": "tool", "version": "2.0"}])
    );
    let default = host.listed("default").unwrap();
    assert_eq!(
        default["packages"],
        serde_json::json!([{"name": "good", "version": "1.0"}])
    );
    // The exact folder name finds it too.
    assert_eq!(host.env_path(&format!("tools-{id}")), tools);

    let human = host.env(&["list"]).expect_code(0);
    let line = human
        .stdout
        .lines()
        .find(|line| line.starts_with("tools "))
        .unwrap_or_else(|| panic!("{human:?}"));
    for part in [id, "ok", "1 packages", tools.to_str().unwrap()] {
        assert!(line.contains(part), "{part} in {line}");
    }
    assert!(
        human
            .stdout
            .lines()
            .any(|line| line.starts_with("default ")),
        "{human:?}"
    );

    let json_path = host.env(&["path", "tools", "--json"]).expect_code(0).json();
    assert_eq!(json_path["path"], tools.to_str().unwrap());
    assert_eq!(json_path["id"], id);

    let removed = host.env(&["remove", "tools"]).expect_code(0);
    assert!(
        removed.stdout.contains(tools.to_str().unwrap()),
        "{removed:?}"
    );
    assert!(!tools.exists());
    assert!(host.listed("tools").is_none());
    assert_eq!(host.env(&["path", "tools"]).code, 2);
    assert_eq!(host.env(&["remove", "tools"]).code, 2);
    assert!(host.listed("default").is_some());
}

#[test]
fn verify_names_an_edited_file_and_gc_removes_the_environment() {
    let host = Host::new(&[
        WheelBuilder::new("good", "1.0").file("good/__init__.py", "good = 1\n"),
        WheelBuilder::new("tool", "2.0").file("tool/__init__.py", "tool = 2\n"),
    ]);
    host.script("a.py", "# r: good\n");
    host.script("t.py", "# venv: tools\n# r: tool\n");
    host.script_install("a.py", &[]).expect_code(0);
    host.script_install("t.py", &[]).expect_code(0);
    let healthy = host.env(&["verify"]).expect_code(0);
    assert_eq!(healthy.stdout.lines().count(), 2, "{healthy:?}");
    assert!(healthy.stdout.lines().all(|line| line.starts_with("ok ")));

    let tools = host.env_path("tools");
    let edited = tools.join("tool/__init__.py");
    fs_err::write(&edited, "tool = 'patched'\n").unwrap();
    let verify = host.env(&["verify", "--json"]);
    assert_eq!(verify.code, 1, "{verify:?}");
    let value = verify.json();
    let rows = value["environments"].as_array().unwrap();
    let row = rows.iter().find(|row| row["name"] == "tools").unwrap();
    assert_eq!(row["state"], "invalid", "{value}");
    let problem = row["problems"][0].as_str().unwrap();
    assert!(
        problem.contains(edited.to_str().unwrap()) && problem.contains("differs from its RECORD"),
        "{problem}"
    );
    let other = rows.iter().find(|row| row["name"] == "default").unwrap();
    assert_eq!(other["state"], "ok", "{value}");
    let human = host.env(&["verify", "tools"]);
    assert_eq!(human.code, 1, "{human:?}");
    assert!(human.stdout.contains(edited.to_str().unwrap()), "{human:?}");
    assert!(human.stdout.contains("hint: `pipit env gc`"), "{human:?}");
    let listed = host.listed("tools").unwrap();
    assert_eq!(listed["state"], "invalid");
    assert!(
        listed["reason"]
            .as_str()
            .unwrap()
            .contains(edited.to_str().unwrap()),
        "{listed}"
    );

    let gc = host.env(&["gc", "--json"]).expect_code(0).json();
    let actions = gc["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{gc}");
    assert!(
        actions[0].as_str().unwrap().starts_with("removed tools-"),
        "{gc}"
    );
    assert!(!tools.exists());
    assert!(host.listed("tools").is_none());
    assert_eq!(host.listed("default").unwrap()["state"], "ok");
    host.env(&["verify"]).expect_code(0);
    let again = host.env(&["gc"]).expect_code(0);
    assert_eq!(again.stdout, "nothing to repair or remove\n");
    // The script installs again, into a new environment of the same name.
    host.script_install("t.py", &[]).expect_code(0);
    assert_ne!(host.env_path("tools"), tools);
}

#[test]
fn reset_empties_the_store_but_not_while_an_environment_is_locked() {
    let host = Host::new(&[
        WheelBuilder::new("good", "1.0").file("good/__init__.py", "good = 1\n"),
        WheelBuilder::new("tool", "2.0").file("tool/__init__.py", "tool = 2\n"),
    ]);
    host.script("a.py", "# r: good\n");
    host.script("t.py", "# venv: tools\n# r: tool\n");
    host.script("s.py", "# venv: site-packages\n# r: tool\n");
    for script in ["a.py", "t.py", "s.py"] {
        host.script_install(script, &[]).expect_code(0);
    }
    let site = host.env_path("site-packages");
    assert_eq!(
        site,
        host.root().canonicalize().unwrap().join("site-packages")
    );
    assert!(site.join("tool/__init__.py").is_file());
    let tools = host.env_path("tools");

    let before = tree(&host.root());
    let lock = pipit_install::TargetLock::try_acquire(&tools).unwrap();
    let refused = host.env(&["reset"]);
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(
        refused.stderr.contains("in use by a running pipit install"),
        "{refused:?}"
    );
    assert!(tree(&host.root()) == before, "nothing was removed");
    drop(lock);

    let reset = host.env(&["reset", "--json"]).expect_code(0).json();
    assert_eq!(reset["removed"], 3, "{reset}");
    assert_eq!(host.env_folders(), Vec::<String>::new());
    // Only the lock file stays (an install waiting on it must lock the
    // same file); `tree` leaves the lock file out.
    let left: Vec<String> = tree(&site).into_keys().collect();
    assert_eq!(left, [".pipit/"], "{left:?}");
    // The `site-packages` folder stays, empty.
    let listed = host.env(&["list", "--json"]).expect_code(0).json();
    let rows = listed["environments"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0]["name"], "site-packages", "{listed}");
    assert_eq!(rows[0]["packages"], serde_json::json!([]), "{listed}");
}

/// `HOSTSITE` holds `pkg 1.0`, as the host's own site-packages would.
fn host_with_a_site() -> (Host, PathBuf) {
    let host = Host::new(&[
        WheelBuilder::new("pkg", "1.0").file("pkg/__init__.py", "v = 1\n"),
        WheelBuilder::new("pkg", "2.0").file("pkg/__init__.py", "v = 2\n"),
    ]);
    let url = host.server.url();
    let mut words = vec!["install", "--target", "hostsite", "pkg==1.0", "-i", &url];
    words.extend_from_slice(&TARGET);
    host.run(&words).expect_code(0);
    let site = host.work.path().canonicalize().unwrap().join("hostsite");
    assert!(site.join("pkg-1.0.dist-info/RECORD").is_file());
    (host, site)
}

#[test]
fn a_search_path_folder_counts_as_installed_and_shadowing_is_warned() {
    let (host, site) = host_with_a_site();
    host.script("a.py", "# r: pkg>=1\n");
    let satisfied = host
        .script_install("a.py", &["--search-path", "hostsite", "--json"])
        .expect_code(0)
        .json();
    assert_eq!(satisfied["installed"], serde_json::json!([]), "{satisfied}");
    assert_eq!(
        satisfied["already_satisfied"],
        serde_json::json!([{"name": "pkg", "version": "1.0", "location": site}]),
        "{satisfied}"
    );
    let env = PathBuf::from(satisfied["env_path"].as_str().unwrap());
    assert!(!env.join("pkg").exists());
    assert!(!env.join("pkg-1.0.dist-info").exists());
    let human = host
        .script_install("a.py", &["--search-path", "hostsite"])
        .expect_code(0);
    assert!(
        human.stdout.contains(&format!(
            "Requirement already satisfied: pkg in {} (1.0)",
            site.display()
        )),
        "{human:?}"
    );

    host.script("b.py", "# venv: b\n# r: pkg==2.0\n");
    let shadowed = host
        .script_install("b.py", &["--search-path", "hostsite", "--json"])
        .expect_code(0)
        .json();
    let env = PathBuf::from(shadowed["env_path"].as_str().unwrap());
    assert_eq!(shadowed["installed"][0]["name"], "pkg", "{shadowed}");
    assert_eq!(shadowed["installed"][0]["version"], "2.0", "{shadowed}");
    assert_eq!(
        fs_err::read_to_string(env.join("pkg/__init__.py")).unwrap(),
        "v = 2\n"
    );
    let warnings = shadowed["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|warning| {
            let warning = warning.as_str().unwrap();
            warning.contains("pkg 2.0")
                && warning.contains(&format!("shadowed by pkg 1.0 in {}", site.display()))
        }),
        "{shadowed}"
    );
    // The host's folder is never touched.
    assert_eq!(
        fs_err::read_to_string(site.join("pkg/__init__.py")).unwrap(),
        "v = 1\n"
    );
}

#[test]
fn a_scripts_env_directive_is_a_search_path_folder() {
    let (host, site) = host_with_a_site();
    // `# env:` is relative to the script's folder; the script is run from
    // the working folder as `scripts/…`.
    host.script("scripts/a.py", "# env: ../hostsite\n# r: pkg>=1\n");
    let satisfied = host
        .script_install("scripts/a.py", &["--json"])
        .expect_code(0)
        .json();
    assert_eq!(satisfied["installed"], serde_json::json!([]), "{satisfied}");
    let location = satisfied["already_satisfied"][0]["location"]
        .as_str()
        .unwrap();
    assert_eq!(
        Path::new(location).canonicalize().unwrap(),
        site,
        "{satisfied}"
    );
    let env = PathBuf::from(satisfied["env_path"].as_str().unwrap());
    assert!(!env.join("pkg").exists());
    host.script(
        "scripts/b.py",
        "# venv: b\n# env: ../hostsite\n# r: pkg==2.0\n",
    );
    let shadowed = host
        .script_install("scripts/b.py", &["--json"])
        .expect_code(0)
        .json();
    assert_eq!(shadowed["installed"][0]["version"], "2.0", "{shadowed}");
    // The folder is named as the directive wrote it (`scripts/../hostsite`).
    let warning = shadowed["warnings"][0].as_str().unwrap_or_default();
    let (_, folder) = warning
        .split_once("is shadowed by pkg 1.0 in ")
        .unwrap_or_else(|| panic!("{shadowed}"));
    let folder = folder.trim_end_matches(", which the host imports first");
    assert_eq!(
        Path::new(folder).canonicalize().unwrap(),
        site,
        "{shadowed}"
    );
}

/// A script's `#r "pip: --find-links DIR …"` is relative to the script,
/// not to the working directory, and needs no index. Pins the fix for
/// paths joined to the script's folder twice (`scripts/scripts/wheels`)
/// when the script was named by a relative path with a folder.
#[test]
fn a_directives_find_links_installs_with_no_index_configured() {
    let host = Host::new(&[]);
    let wheels = host.work.path().join("scripts/wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    WheelBuilder::new("local-pkg", "3.0")
        .file("local_pkg/__init__.py", "v = 3\n")
        .build(&wheels)
        .unwrap();
    let wheel = WheelBuilder::new("loose", "1.0")
        .file("loose.py", "v = 1\n")
        .build(host.work.path().join("scripts").as_path())
        .unwrap();
    let wheel_name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    host.script(
        "scripts/s.py",
        &format!("#r \"pip: --find-links wheels local-pkg\"\n#wheel: ./{wheel_name}\n"),
    );
    let mut words = vec![
        "script",
        "install",
        "scripts/s.py",
        "--root",
        "root",
        "--json",
    ];
    words.extend_from_slice(&TARGET);
    let value = host.run(&words).expect_code(0).json();
    let installed: Vec<(&str, &str)> = value["installed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dist| {
            (
                dist["name"].as_str().unwrap(),
                dist["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        installed,
        [("local-pkg", "3.0"), ("loose", "1.0")],
        "{value}"
    );
    let env = PathBuf::from(value["env_path"].as_str().unwrap());
    assert!(env.join("local_pkg/__init__.py").is_file());
    assert!(env.join("loose.py").is_file());
    assert_eq!(host.server.request_count(), 0);
    // The recorded find-links are absolute, so another script of the
    // environment still finds the package from anywhere.
    let record: Value =
        serde_json::from_str(&fs_err::read_to_string(env.join(".pipit/env.json")).unwrap())
            .unwrap();
    let links = record["scripts"][0]["find_links"].as_array().unwrap();
    assert_eq!(
        links,
        &[serde_json::json!(wheels.canonicalize().unwrap())],
        "{record}"
    );
}

/// The Python code blocks of `docs/hosts.md` that define `function`.
fn guide_snippet(function: &str) -> String {
    let guide =
        fs_err::read_to_string(crate::common::workspace_root().join("docs/hosts.md")).unwrap();
    guide
        .split("```python\n")
        .skip(1)
        .filter_map(|block| block.split_once("```").map(|(code, _)| code))
        .find(|code| code.contains(&format!("def {function}(")))
        .unwrap_or_else(|| panic!("docs/hosts.md defines no `{function}`"))
        .to_string()
}

/// The host guide's two snippets, run by a real interpreter as a host
/// would: `install_script` calls pipit with the `--loaded` JSON that
/// `loaded_packages` makes, and pipit understands it (exit 5 with the
/// folder the loaded package came from).
#[test]
fn the_host_guides_python_snippets_produce_loaded_input_pipit_reads() {
    let Some(python) = pipit_testkit::python::find_python("3.11") else {
        pipit_testkit::skip("python3.11 not found");
        return;
    };
    let host = Host::new(&[
        WheelBuilder::new("pkg_a", "1.0").file("pkg_a/__init__.py", "version = '1.0'\n"),
        WheelBuilder::new("pkg_a", "2.0").file("pkg_a/__init__.py", "version = '2.0'\n"),
        WheelBuilder::new("pkg_b", "2.0")
            .requires("pkg_a>=2.0")
            .file("pkg_b/__init__.py", ""),
        WheelBuilder::new("unused", "1.0").file("unused/__init__.py", ""),
    ]);
    host.script("script_a.py", "# r: pkg_a==1.0, unused\n");
    host.script("script_b.py", "# r: pkg-b==2.0\n");
    let driver = format!(
        "{}\n{}\n{}",
        guide_snippet("loaded_packages"),
        guide_snippet("install_script"),
        r#"
code_a, result_a = install_script("script_a.py", "root")
import pkg_a
loaded = loaded_packages()
code_b, result_b = install_script("script_b.py", "root")
print(json.dumps({"a": [code_a, result_a], "pkg_a": pkg_a.version,
                  "loaded": loaded, "b": [code_b, result_b]}))
"#
    );
    // `-I -S`: the interpreter's own site-packages stay out of the host.
    let mut command = std::process::Command::new(python);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().to_string();
        if name.starts_with("PIP_") || name.starts_with("PIPIT_") || name == "VIRTUAL_ENV" {
            command.env_remove(&name);
        }
    }
    let bin = assert_cmd::cargo::cargo_bin("pipit");
    let mut path = vec![bin.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    command
        .current_dir(host.work.path())
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("PIPIT_CACHE_DIR", host.cache.path())
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_INDEX_URL", host.server.url())
        .env("NETRC", host.cache.path().join("no-netrc"))
        .args(["-I", "-S", "-c", &driver]);
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["a"][0], 0, "{value}");
    let env = value["a"][1]["env_path"].as_str().unwrap();
    assert_eq!(
        value["pkg_a"], "1.0",
        "imported from the environment: {value}"
    );
    // Only what is imported; `unused` is installed but not loaded.
    assert_eq!(
        value["loaded"],
        serde_json::json!([{"name": "pkg_a", "version": "1.0", "location": env}]),
        "{value}"
    );
    assert_eq!(value["b"][0], 5, "{value}");
    let conflict = &value["b"][1]["conflicts"][0];
    assert_eq!(conflict["loaded_from"], env, "{value}");
    assert_eq!(conflict["loaded_version"], "1.0", "{value}");
    assert_eq!(
        conflict["chain"],
        serde_json::json!(["script_b.py", "pkg-b==2.0", "pkg_a>=2.0"]),
        "{value}"
    );
}
