//! The command-line surface of `pipit install --dry-run` (`--report`,
//! `--json`, preferences, requirements files) and `pipit compile`, against
//! generated wheels on the in-process index. The resolver's semantics are
//! the scenario corpus's business (`scenarios.rs`); these tests pin what a
//! user sees: the report's shape, the files written, the lines printed, the
//! exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pipit_testkit::{IndexServer, WheelBuilder};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::common::{pipit, run};

/// The target every test resolves for, in pip's spelling: no interpreter
/// runs, and the marker environment is known.
const TARGET: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

/// The password of the credentialed index; it must never be printed.
const PASSWORD: &str = "s3cret-pa55";

/// `a` (with an extra `x` pulling in `c`), `b`, and `c` with two wheels
/// usable for the target and one that is not.
fn demo_wheels() -> Vec<WheelBuilder> {
    vec![
        WheelBuilder::new("a", "1.0")
            .metadata_field("Summary", "A demo")
            .requires("b>=1")
            .extra_requires("x", "c"),
        WheelBuilder::new("a", "2.0").requires("b>=2"),
        WheelBuilder::new("b", "1.0"),
        WheelBuilder::new("b", "2.0"),
        WheelBuilder::new("c", "1.0"),
        WheelBuilder::new("c", "1.0").tag("cp311-cp311-manylinux_2_17_x86_64"),
        WheelBuilder::new("c", "1.0").tag("cp311-cp311-win_amd64"),
    ]
}

const C_PURE: &str = "c-1.0-py3-none-any.whl";
const C_MANYLINUX: &str = "c-1.0-cp311-cp311-manylinux_2_17_x86_64.whl";
const C_WINDOWS: &str = "c-1.0-cp311-cp311-win_amd64.whl";

/// `app` 1.0 and 2.0 both accept `lib` 1.0 and 2.0: only preferences
/// decide which versions are picked.
fn upgrade_wheels() -> Vec<WheelBuilder> {
    vec![
        WheelBuilder::new("app", "1.0").requires("lib>=1"),
        WheelBuilder::new("app", "2.0").requires("lib>=1"),
        WheelBuilder::new("lib", "1.0"),
        WheelBuilder::new("lib", "2.0"),
    ]
}

/// An index server, a cache and a working folder, and the index URL every
/// command gets.
struct Session {
    server: Option<IndexServer>,
    index_url: String,
    cache: TempDir,
    work: TempDir,
}

/// What one run printed.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// stdout as one JSON value.
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not one JSON value ({error}): {self:?}"))
    }

    /// Asserts the exit code, showing everything printed when it differs.
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{self:?}");
        self
    }
}

impl Session {
    fn new(wheels: &[WheelBuilder]) -> Session {
        let server = IndexServer::with_wheels(wheels);
        Session {
            index_url: server.url(),
            server: Some(server),
            cache: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn server(&self) -> &IndexServer {
        self.server.as_ref().expect("the server is running")
    }

    /// Makes the server ask for Basic auth, and the index URL carry it.
    fn require_credentials(&mut self) {
        self.server()
            .set_credentials(Some(("user".to_string(), PASSWORD.to_string())));
        self.index_url = with_credentials(&self.server().url());
    }

    /// Stops the server; the cache stays.
    fn stop_server(&mut self) {
        self.server = None;
    }

    /// `pipit <args> -i <index> <TARGET>`, run in the working folder.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = pipit(self.cache.path());
        command
            .current_dir(self.work.path())
            .args(args)
            .args(["-i", &self.index_url])
            .args(TARGET);
        command
    }

    fn run(&self, args: &[&str]) -> Outcome {
        let (code, stdout, stderr) = run(&mut self.command(args));
        Outcome {
            code,
            stdout,
            stderr,
        }
    }

    /// `install --dry-run --report - -q <args>`: the report, after
    /// asserting success.
    fn report(&self, args: &[&str]) -> Value {
        let mut words = vec!["install", "--dry-run", "--report", "-", "-q"];
        words.extend_from_slice(args);
        self.run(&words).expect_code(0).json()
    }

    /// The `name==version` pins a dry run would install, sorted.
    fn resolved(&self, args: &[&str]) -> Vec<String> {
        pins(&self.report(args))
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.work.path().join(relative)
    }

    /// Writes a file under the working folder (creating its folders).
    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, text).unwrap();
        path
    }

    fn sha256(&self, filename: &str) -> String {
        self.server()
            .file_sha256(filename)
            .unwrap_or_else(|| panic!("the server serves {filename}"))
    }
}

/// `http://127.0.0.1:PORT/…` with `user:PASSWORD@` in it.
fn with_credentials(url: &str) -> String {
    url.replacen("http://", &format!("http://user:{PASSWORD}@"), 1)
}

/// The report's `install` entries, looked up by name.
fn entry<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["install"]
        .as_array()
        .expect("the report has an `install` list")
        .iter()
        .find(|entry| entry["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("`{name}` is in the report: {report:#}"))
}

/// The report's `install` entries as sorted `name==version` pins.
fn pins(report: &Value) -> Vec<String> {
    let mut pins: Vec<String> = report["install"]
        .as_array()
        .expect("the report has an `install` list")
        .iter()
        .map(|entry| {
            format!(
                "{}=={}",
                entry["metadata"]["name"].as_str().unwrap(),
                entry["metadata"]["version"].as_str().unwrap()
            )
        })
        .collect();
    pins.sort();
    pins
}

fn strings(pins: &[&str]) -> Vec<String> {
    pins.iter().map(ToString::to_string).collect()
}

/// A local URL nothing listens on.
fn refusing_index_url() -> String {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/simple/")
}

// --- `--report`: pip's installation report --------------------------------

#[test]
fn report_on_stdout_has_the_shape_of_pips_installation_report() {
    let session = Session::new(&demo_wheels());
    let report = &session
        .run(&["install", "--dry-run", "--report", "-", "a[x]==1.0", "b<2"])
        .expect_code(0)
        .json();
    assert_eq!(report["version"], "1");
    assert_eq!(pins(report), strings(&["a==1.0", "b==1.0", "c==1.0"]));

    let a = entry(report, "a");
    let metadata = &a["metadata"];
    assert_eq!(metadata["name"], "a");
    assert_eq!(metadata["version"], "1.0");
    assert_eq!(metadata["summary"], "A demo");
    let requires_dist = metadata["requires_dist"].as_array().unwrap();
    assert_eq!(requires_dist.len(), 2, "{metadata:#}");
    assert_eq!(requires_dist[0], "b>=1");
    assert!(
        requires_dist[1]
            .as_str()
            .unwrap()
            .starts_with("c ; extra =="),
        "{metadata:#}"
    );
    assert_eq!(metadata["provides_extra"], json!(["x"]));
    // PEP 566: JSON keys are the field names, lowercase, `-` as `_`.
    for key in metadata.as_object().unwrap().keys() {
        assert!(
            key.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "metadata key `{key}`"
        );
    }

    // Every entry: the file the index listed, with the index's sha256.
    for (name, filename) in [
        ("a", "a-1.0-py3-none-any.whl"),
        ("b", "b-1.0-py3-none-any.whl"),
        // The best tag for the target wins over the pure-Python wheel.
        ("c", C_MANYLINUX),
    ] {
        let download = &entry(report, name)["download_info"];
        assert_eq!(
            download["url"],
            session.server().file_url(filename),
            "{name}"
        );
        assert_eq!(
            download["archive_info"]["hashes"]["sha256"],
            session.sha256(filename),
            "{name}"
        );
        assert_eq!(entry(report, name)["is_direct"], false, "{name}");
        assert_eq!(entry(report, name)["is_yanked"], false, "{name}");
    }

    // `requested` only for what the command line named; extras only when asked.
    assert_eq!(entry(report, "a")["requested"], true);
    assert_eq!(entry(report, "b")["requested"], true);
    assert_eq!(entry(report, "c")["requested"], false);
    assert_eq!(entry(report, "a")["requested_extras"], json!(["x"]));
    assert!(entry(report, "b").get("requested_extras").is_none());
    assert!(entry(report, "c").get("requested_extras").is_none());

    // The marker environment of `--python-version 3.11 --platform manylinux…`.
    let environment = &report["environment"];
    assert_eq!(environment["python_version"], "3.11");
    assert_eq!(environment["sys_platform"], "linux");
    assert_eq!(environment["platform_machine"], "x86_64");
    assert_eq!(environment["implementation_name"], "cpython");
    for key in [
        "implementation_version",
        "os_name",
        "platform_python_implementation",
        "platform_release",
        "platform_system",
        "platform_version",
        "python_full_version",
    ] {
        assert!(environment[key].is_string(), "environment.{key}");
    }
}

#[test]
fn report_of_one_package_snapshot() {
    let session = Session::new(&demo_wheels());
    let mut report = session.report(&["--no-deps", "a[x]==1.0"]);
    // What changes from run to run or release to release: the server's
    // port, the hashes (named after their file), pipit's version.
    report["pip_version"] = json!("[pipit version]");
    let mut text = report.to_string();
    text = text.replace(&session.server().base_url(), "[index]");
    for filename in session.server().file_names() {
        text = text.replace(
            &session.sha256(&filename),
            &format!("[sha256 of {filename}]"),
        );
    }
    let redacted: Value = serde_json::from_str(&text).unwrap();
    insta::assert_json_snapshot!(redacted, @r#"
    {
      "environment": {
        "implementation_name": "cpython",
        "implementation_version": "3.11.0",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": "3.11.0",
        "python_version": "3.11",
        "sys_platform": "linux"
      },
      "install": [
        {
          "download_info": {
            "archive_info": {
              "hash": "sha256=[sha256 of a-1.0-py3-none-any.whl]",
              "hashes": {
                "sha256": "[sha256 of a-1.0-py3-none-any.whl]"
              }
            },
            "url": "[index]/files/a-1.0-py3-none-any.whl"
          },
          "is_direct": false,
          "is_yanked": false,
          "metadata": {
            "metadata_version": "2.1",
            "name": "a",
            "provides_extra": [
              "x"
            ],
            "requires_dist": [
              "b>=1",
              "c ; extra == 'x'"
            ],
            "summary": "A demo",
            "version": "1.0"
          },
          "requested": true,
          "requested_extras": [
            "x"
          ]
        }
      ],
      "pip_version": "[pipit version]",
      "version": "1"
    }
    "#);
}

#[test]
fn report_file_holds_the_same_json_and_stdout_says_what_would_be_installed() {
    let session = Session::new(&demo_wheels());

    // `--report -`: the JSON is the data on stdout, pip's line goes to stderr.
    let outcome = session.run(&["install", "--dry-run", "--report", "-", "a[x]==1.0"]);
    outcome.expect_code(0);
    assert_eq!(outcome.stderr, "Would install a-1.0 b-2.0 c-1.0\n");
    let to_stdout = outcome.json();

    // `--report FILE`: the same JSON in the file, pip's line on stdout.
    let outcome = session.run(&[
        "install",
        "--dry-run",
        "--report",
        "report.json",
        "a[x]==1.0",
    ]);
    outcome.expect_code(0);
    assert_eq!(outcome.stdout, "Would install a-1.0 b-2.0 c-1.0\n");
    assert_eq!(outcome.stderr, "");
    let in_file: Value =
        serde_json::from_str(&fs_err::read_to_string(session.path("report.json")).unwrap())
            .unwrap();
    assert_eq!(in_file, to_stdout);

    // `-q` silences the human line either way.
    let quiet = session.run(&["install", "--dry-run", "--report", "-", "-q", "a[x]==1.0"]);
    quiet.expect_code(0);
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.json(), to_stdout);
    let quiet = session.run(&[
        "install",
        "--dry-run",
        "--report",
        "quiet.json",
        "-q",
        "a[x]==1.0",
    ]);
    quiet.expect_code(0);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    assert!(session.path("quiet.json").is_file());
}

#[test]
fn credentials_in_the_index_url_are_redacted_from_every_output() {
    let mut session = Session::new(&demo_wheels());
    session.require_credentials();

    let outcome = session.run(&["install", "--dry-run", "--report", "-", "a"]);
    outcome.expect_code(0);
    assert!(!outcome.stdout.contains(PASSWORD), "{}", outcome.stdout);
    assert!(!outcome.stderr.contains(PASSWORD), "{}", outcome.stderr);
    let report = outcome.json();
    // pip's `download_info.url` leaves the credentials out of the URL.
    assert_eq!(
        entry(&report, "a")["download_info"]["url"],
        session.server().file_url("a-2.0-py3-none-any.whl")
    );

    let outcome = session.run(&["install", "--dry-run", "--json", "a"]);
    outcome.expect_code(0);
    assert!(!outcome.stdout.contains(PASSWORD), "{}", outcome.stdout);
    assert!(!outcome.stderr.contains(PASSWORD), "{}", outcome.stderr);

    let outcome = session.run(&["compile", "a", "--generate-hashes"]);
    outcome.expect_code(0);
    assert!(!outcome.stdout.contains(PASSWORD), "{}", outcome.stdout);
    assert!(!outcome.stderr.contains(PASSWORD), "{}", outcome.stderr);
}

#[test]
fn credentials_in_a_direct_url_are_redacted_from_the_report() {
    let mut session = Session::new(&demo_wheels());
    session.require_credentials();
    let direct = with_credentials(&session.server().file_url("a-1.0-py3-none-any.whl"));
    let outcome = session.run(&[
        "install",
        "--dry-run",
        "--report",
        "-",
        &format!("a @ {direct}"),
    ]);
    outcome.expect_code(0);
    let report = outcome.json();
    assert_eq!(entry(&report, "a")["is_direct"], true);
    // pip's DirectUrl.redacted_url drops `user:password@`.
    assert_eq!(
        entry(&report, "a")["download_info"]["url"],
        session.server().file_url("a-1.0-py3-none-any.whl")
    );
    assert!(!outcome.stdout.contains(PASSWORD), "{}", outcome.stdout);
}

// --- `install` without `--dry-run` ----------------------------------------

/// Installing needs somewhere to install: a target described only by
/// pip's flags has no environment of its own.
#[test]
fn install_without_target_for_a_flags_only_interpreter_is_a_usage_error() {
    let session = Session::new(&demo_wheels());
    let outcome = session.run(&["install", "a"]);
    outcome.expect_code(2);
    assert_eq!(outcome.stdout, "");
    assert_eq!(
        outcome.stderr,
        "error: installing needs a real interpreter or --target: the target was described by flags only\n\
         \n\
         hint: add --target DIR, or --python PATH instead of --python-version/--platform\n"
    );
}

// --- `--json` and failed resolutions --------------------------------------

#[test]
fn json_says_what_would_be_installed() {
    let session = Session::new(&demo_wheels());
    let outcome = session.run(&["install", "--dry-run", "--json", "a"]);
    outcome.expect_code(0);
    assert_eq!(outcome.stderr, "");
    assert_eq!(outcome.stdout.lines().count(), 1, "one JSON object");
    let json = outcome.json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(
        json["would_install"],
        json!([
            {
                "name": "a",
                "version": "2.0",
                "filename": "a-2.0-py3-none-any.whl",
                "url": session.server().file_url("a-2.0-py3-none-any.whl"),
                "requested": true,
            },
            {
                "name": "b",
                "version": "2.0",
                "filename": "b-2.0-py3-none-any.whl",
                "url": session.server().file_url("b-2.0-py3-none-any.whl"),
                "requested": false,
            },
        ])
    );
}

#[test]
fn impossible_resolution_exits_1_and_explains_in_json_and_in_words() {
    let session = Session::new(&demo_wheels());
    let sentence = "Because a==2.0 depends on b>=2";

    let outcome = session.run(&["install", "--dry-run", "--json", "a>=2", "b<2"]);
    outcome.expect_code(1);
    assert_eq!(outcome.stdout.lines().count(), 1, "one JSON object");
    let error = &outcome.json()["error"];
    assert_eq!(error["kind"], "resolution");
    let explanation = error["explanation"].as_str().unwrap();
    assert!(explanation.contains(sentence), "{explanation}");
    assert!(
        explanation.ends_with("the requirements are unsatisfiable."),
        "{explanation}"
    );

    let outcome = session.run(&["install", "--dry-run", "a>=2", "b<2"]);
    outcome.expect_code(1);
    assert_eq!(outcome.stdout, "");
    let mut lines = outcome.stderr.lines();
    assert_eq!(
        lines.next(),
        Some("error: the requirements cannot be satisfied together")
    );
    let rest: Vec<&str> = lines.collect();
    assert!(!rest.is_empty(), "{}", outcome.stderr);
    assert!(
        rest.iter().all(|line| line.starts_with("  ")),
        "the explanation is indented: {}",
        outcome.stderr
    );
    assert!(rest[0].contains(sentence), "{}", outcome.stderr);
}

// --- `compile` -------------------------------------------------------------

#[test]
fn compile_writes_sorted_pins_with_their_origins() {
    let session = Session::new(&demo_wheels());
    session.write("reqs.txt", "b\n");
    // `c` named first: the output is sorted by name all the same.
    let outcome = session.run(&["compile", "c", "a[x]==1.0", "-r", "reqs.txt"]);
    outcome.expect_code(0);
    assert_eq!(outcome.stderr, "");
    // The pins in name order, each with what required it (`# via`; the
    // order within one `# via` block is not pinned here).
    let entries = pinned_entries(&outcome.stdout);
    assert_eq!(
        entries,
        [
            // Extras stay on the requested line.
            ("a[x]==1.0", vec!["the command line"]),
            ("b==2.0", vec!["-r reqs.txt", "a"]),
            ("c==1.0", vec!["a", "the command line"]),
        ]
        .map(|(pin, via)| (pin.to_string(), strings(&via))),
        "{}",
        outcome.stdout
    );
    assert!(
        outcome
            .stdout
            .starts_with("#\n# This file was generated by pipit for Python 3.11"),
        "{}",
        outcome.stdout
    );

    // `-o FILE`: the same pins in the file, a note on stderr, nothing on stdout.
    let outcome = session.run(&[
        "compile",
        "c",
        "a[x]==1.0",
        "-r",
        "reqs.txt",
        "-o",
        "out.txt",
    ]);
    outcome.expect_code(0);
    assert_eq!(outcome.stdout, "");
    assert_eq!(outcome.stderr, "Wrote 3 pinned requirements to out.txt\n");
    let written = fs_err::read_to_string(session.path("out.txt")).unwrap();
    assert_eq!(pinned_entries(&written), entries);
}

/// A compiled file's requirement lines, each with its `# via` entries
/// (sorted); hash lines are skipped.
fn pinned_entries(text: &str) -> Vec<(String, Vec<String>)> {
    let mut entries: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().skip_while(|line| line.starts_with('#')) {
        let trimmed = line.trim();
        if let Some(via) = trimmed.strip_prefix("# via") {
            let via = via.trim();
            if !via.is_empty() {
                entries.last_mut().unwrap().1.push(via.to_string());
            }
        } else if let Some(via) = trimmed.strip_prefix("#   ") {
            entries.last_mut().unwrap().1.push(via.to_string());
        } else if !line.starts_with(' ') {
            let requirement = trimmed.trim_end_matches(" \\").to_string();
            entries.push((requirement, Vec::new()));
        }
    }
    for (_, via) in &mut entries {
        via.sort();
    }
    entries
}

#[test]
fn compile_generate_hashes_lists_every_file_usable_for_the_target() {
    let session = Session::new(&demo_wheels());
    let outcome = session.run(&["compile", "a[x]==1.0", "--generate-hashes"]);
    outcome.expect_code(0);
    let text = &outcome.stdout;
    let hash_lines = |pin: &str| -> Vec<String> {
        text.lines()
            .skip_while(|line| !line.starts_with(pin))
            .skip(1)
            .take_while(|line| line.trim_start().starts_with("--hash="))
            .map(|line| line.trim().trim_end_matches(" \\").to_string())
            .collect()
    };
    let mut c_hashes = vec![
        format!("--hash=sha256:{}", session.sha256(C_PURE)),
        format!("--hash=sha256:{}", session.sha256(C_MANYLINUX)),
    ];
    c_hashes.sort();
    let mut listed = hash_lines("c==1.0");
    listed.sort();
    assert_eq!(listed, c_hashes, "{text}");
    assert!(
        !text.contains(&session.sha256(C_WINDOWS)),
        "the win_amd64 wheel is no use on the target: {text}"
    );
    assert_eq!(
        hash_lines("a[x]==1.0"),
        [format!(
            "--hash=sha256:{}",
            session.sha256("a-1.0-py3-none-any.whl")
        )],
        "{text}"
    );
    assert_eq!(
        hash_lines("b==2.0"),
        [format!(
            "--hash=sha256:{}",
            session.sha256("b-2.0-py3-none-any.whl")
        )],
        "{text}"
    );
}

#[test]
fn compiled_hashes_round_trip_through_install_require_hashes() {
    let session = Session::new(&demo_wheels());
    session
        .run(&[
            "compile",
            "a[x]==1.0",
            "--generate-hashes",
            "-o",
            "compiled.txt",
        ])
        .expect_code(0);
    let compiled = fs_err::read_to_string(session.path("compiled.txt")).unwrap();

    let round_trip = session.resolved(&["--require-hashes", "-r", "compiled.txt"]);
    assert_eq!(round_trip, strings(&["a==1.0", "b==2.0", "c==1.0"]));
    assert_eq!(round_trip, session.resolved(&["a[x]==1.0"]));

    // One wrong hash on `a`, its only file: nothing is allowed for it.
    let good = session.sha256("a-1.0-py3-none-any.whl");
    let bad: String = good
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    session.write("tampered.txt", &compiled.replace(&good, &bad));
    let outcome = session.run(&[
        "install",
        "--dry-run",
        "--require-hashes",
        "-r",
        "tampered.txt",
    ]);
    outcome.expect_code(1);
    assert_eq!(outcome.stdout, "");
    assert!(outcome.stderr.starts_with("error: "), "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("a[x]==1.0 has no file matching the required --hash"),
        "{}",
        outcome.stderr
    );
}

// --- preferences: installed (`--target`) and loaded versions ---------------

/// A `--target` folder in which `app` 1.0 and `lib` 1.0 are installed.
fn installed_target(session: &Session) -> &'static str {
    for dist_info in ["target/app-1.0.dist-info", "target/lib-1.0.dist-info"] {
        fs_err::create_dir_all(session.path(dist_info)).unwrap();
    }
    "target"
}

#[test]
fn installed_versions_are_kept_unless_upgraded() {
    let session = Session::new(&upgrade_wheels());
    let target = installed_target(&session);
    // Without a target, the newest versions.
    assert_eq!(
        session.resolved(&["app"]),
        strings(&["app==2.0", "lib==2.0"])
    );
    // Everything kept: nothing to install, and pip's report lists nothing.
    assert_eq!(session.resolved(&["--target", target, "app"]), strings(&[]));
    let outcome = session.run(&["install", "--dry-run", "--target", target, "-U", "app"]);
    outcome.expect_code(0);
    assert_eq!(
        outcome.stdout,
        "Requirement already satisfied: lib==1.0\nWould install app-2.0\n"
    );
    // only-if-needed (the default): the named package only.
    assert_eq!(
        session.resolved(&["--target", target, "-U", "app"]),
        strings(&["app==2.0"])
    );
    assert_eq!(
        session.resolved(&[
            "--target",
            target,
            "-U",
            "--upgrade-strategy",
            "only-if-needed",
            "app"
        ]),
        strings(&["app==2.0"])
    );
    assert_eq!(
        session.resolved(&[
            "--target",
            target,
            "-U",
            "--upgrade-strategy",
            "eager",
            "app"
        ]),
        strings(&["app==2.0", "lib==2.0"])
    );
}

#[test]
fn ignore_installed_and_force_reinstall_disregard_the_target() {
    let session = Session::new(&upgrade_wheels());
    let target = installed_target(&session);
    for flag in ["-I", "--ignore-installed", "--force-reinstall"] {
        assert_eq!(
            session.resolved(&["--target", target, flag, "app"]),
            strings(&["app==2.0", "lib==2.0"]),
            "{flag}"
        );
    }
}

#[test]
fn loaded_versions_are_preferred() {
    let session = Session::new(&upgrade_wheels());
    assert_eq!(
        session.resolved(&["--loaded", "lib==1.0", "app"]),
        strings(&["app==2.0", "lib==1.0"])
    );
    session.write(
        "loaded.json",
        r#"[{"name": "lib", "version": "1.0", "path": "/x"}]"#,
    );
    assert_eq!(
        session.resolved(&["--loaded", "loaded.json", "app"]),
        strings(&["app==2.0", "lib==1.0"])
    );
    // A preference, not a pin: it gives way when it cannot satisfy.
    assert_eq!(
        session.resolved(&["--loaded", "lib==1.0", "app", "lib>=2"]),
        strings(&["app==2.0", "lib==2.0"])
    );
}

#[test]
fn invalid_loaded_value_is_a_one_line_usage_error() {
    let session = Session::new(&upgrade_wheels());
    session.write("not-a-list.json", r#"{"name": "lib"}"#);
    for value in ["no-such-file", "lib==not a version", "not-a-list.json"] {
        let outcome = session.run(&["install", "--dry-run", "--loaded", value, "app"]);
        outcome.expect_code(2);
        assert_eq!(outcome.stdout, "");
        assert_eq!(outcome.stderr.lines().count(), 1, "{}", outcome.stderr);
        assert!(outcome.stderr.starts_with("error: "), "{}", outcome.stderr);
        assert!(outcome.stderr.contains(value), "{}", outcome.stderr);
    }
}

// --- requirements files ----------------------------------------------------

#[test]
fn bad_requirement_line_names_the_file_and_line() {
    let session = Session::new(&demo_wheels());
    session.write("reqs.txt", "# pins\na\nb==\n");
    let outcome = session.run(&["install", "--dry-run", "-r", "reqs.txt"]);
    outcome.expect_code(2);
    assert_eq!(outcome.stdout, "");
    assert!(
        outcome.stderr.starts_with("error: reqs.txt:3: "),
        "{}",
        outcome.stderr
    );

    let outcome = session.run(&["install", "--dry-run", "--json", "-r", "reqs.txt"]);
    outcome.expect_code(2);
    assert_eq!(
        outcome.json()["error"]["location"],
        json!({"file": "reqs.txt", "line": 3})
    );
}

#[test]
fn editable_line_needs_a_source_build() {
    let session = Session::new(&demo_wheels());
    session.write("reqs.txt", "a\n-e ./x\n");
    let outcome = session.run(&["install", "--dry-run", "-r", "reqs.txt"]);
    outcome.expect_code(2);
    assert_eq!(outcome.stdout, "");
    assert_eq!(
        outcome.stderr,
        "error: reqs.txt:2: `-e ./x` needs a source build, which pipit does not do yet\n"
    );
}

/// `local-thing` 3.0 (needing `lib<2` from the index) as a wheel file
/// under `folder` of the working directory; returns its file name.
fn local_wheel(session: &Session, folder: &str) -> String {
    WheelBuilder::new("local-thing", "3.0")
        .requires("lib<2")
        .build(&session.path(folder))
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Asserts the report installs `local-thing` from `wheel` as a direct
/// reference, and its dependency from the index.
fn assert_direct_local_wheel(report: &Value, wheel: &Path) {
    assert_eq!(pins(report), strings(&["lib==1.0", "local-thing==3.0"]));
    let local = entry(report, "local-thing");
    assert_eq!(local["is_direct"], true);
    assert_eq!(local["requested"], true);
    let url = local["download_info"]["url"].as_str().unwrap();
    let path = url::Url::parse(url)
        .unwrap()
        .to_file_path()
        .unwrap_or_else(|()| panic!("a file URL: {url}"));
    assert_eq!(
        path.canonicalize().unwrap(),
        wheel.canonicalize().unwrap(),
        "{local:#}"
    );
    assert_eq!(entry(report, "lib")["is_direct"], false);
}

#[test]
fn bare_wheel_path_on_the_command_line_is_a_direct_reference() {
    let session = Session::new(&upgrade_wheels());
    let wheel = local_wheel(&session, "wheels");
    // Relative to the working directory.
    let report = session.report(&[&format!("wheels/{wheel}")]);
    assert_direct_local_wheel(&report, &session.path("wheels").join(&wheel));
}

/// pip takes a bare path inside a requirements file relative to the
/// working directory, not to the file's folder; so does pipit.
#[test]
fn bare_wheel_path_in_a_requirements_file_is_relative_to_the_working_directory() {
    let session = Session::new(&upgrade_wheels());
    let wheel = local_wheel(&session, "sub/wheels");
    let requirements = session.write("sub/reqs.txt", &format!("sub/wheels/{wheel}\n"));
    // The file named relatively, then absolutely: the same wheel either way.
    let report = session.report(&["-r", "sub/reqs.txt"]);
    assert_direct_local_wheel(&report, &session.path("sub/wheels").join(&wheel));
    let report = session.report(&["-r", requirements.to_str().unwrap()]);
    assert_direct_local_wheel(&report, &session.path("sub/wheels").join(&wheel));
}

// --- failing fast ----------------------------------------------------------

#[test]
fn project_on_no_index_fails_naming_the_index_without_its_credentials() {
    let mut session = Session::new(&demo_wheels());
    session.require_credentials();
    let outcome = session.run(&["install", "--dry-run", "a", "no-such-project"]);
    outcome.expect_code(1);
    assert_eq!(outcome.stdout, "");
    assert!(
        outcome.stderr.starts_with("error: `no-such-project` "),
        "{}",
        outcome.stderr
    );
    let index = session.server().url();
    let index_without_scheme = index.trim_start_matches("http://");
    assert!(
        outcome.stderr.contains(index_without_scheme),
        "the index is named: {}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains(PASSWORD), "{}", outcome.stderr);

    let outcome = session.run(&["install", "--dry-run", "--json", "no-such-project"]);
    outcome.expect_code(1);
    let error = &outcome.json()["error"];
    assert_eq!(error["kind"], "resolution");
    let hints = error["hints"].to_string();
    assert!(hints.contains(index_without_scheme), "{hints}");
    assert!(!outcome.stdout.contains(PASSWORD), "{}", outcome.stdout);
}

#[test]
fn index_refusing_connections_exits_3() {
    let cache = tempfile::tempdir().unwrap();
    let url = refusing_index_url();
    let (code, stdout, stderr) = run(pipit(cache.path())
        .args(["install", "--dry-run", "a", "--retries", "0", "-i", &url])
        .args(TARGET));
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
}

// --- offline ---------------------------------------------------------------

#[test]
fn offline_resolves_from_the_cache_once_the_server_is_gone() {
    let mut session = Session::new(&demo_wheels());
    let args = ["install", "--dry-run", "--report", "-", "a[x]==1.0"];
    let online = session.run(&args);
    online.expect_code(0);
    session.stop_server();
    let mut offline_args = args.to_vec();
    offline_args.push("--offline");
    let offline = session.run(&offline_args);
    offline.expect_code(0);
    assert_eq!(offline.json(), online.json());
    assert_eq!(offline.stderr, online.stderr);
}
