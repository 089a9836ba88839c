//! The resolver scenario corpus, `fixtures/scenarios/` (format: its README,
//! parser: `pipit_testkit::scenario`). Each scenario gets its own index
//! server, working folder and cache, and runs
//!
//! ```text
//! pipit install --dry-run --report - --index-url {index} \
//!     --python-version 3.11 --platform manylinux_2_17_x86_64 <[run] arguments>
//! ```
//!
//! Every scenario runs, then every failure is printed with its command,
//! the differences and pipit's stderr. `PIPIT_SCENARIO=<substring>` runs only
//! the scenarios whose name holds it.
//!
//! `resolver_scenarios_agree_with_pip` (ignored: it needs Python 3.11 and a
//! recent pip from the configured index) runs real pip on the same served
//! files and checks that the expectations are pip's:
//! `cargo test -p pipit --test cli scenarios_agree_with_pip -- --ignored --nocapture`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};
use std::str::FromStr as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pipit_testkit::scenario::{Artifact, Pin, PipExpectation, PreparedScenario, Scenario};

use crate::common::{pipit, workspace_root};

/// The target every scenario resolves for (pip's own spelling).
const TARGET: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

/// A safety net against a hung resolution, not a timing assertion.
const RUN_LIMIT: Duration = Duration::from_secs(300);

fn scenario_dir() -> PathBuf {
    workspace_root().join("fixtures").join("scenarios")
}

fn load_scenarios() -> Vec<Scenario> {
    Scenario::load_dir(&scenario_dir()).unwrap_or_else(|error| panic!("{error}"))
}

/// The scenarios selected by `PIPIT_SCENARIO`, or all.
fn selected_scenarios() -> Vec<Scenario> {
    let filter = std::env::var("PIPIT_SCENARIO").unwrap_or_default();
    load_scenarios()
        .into_iter()
        .filter(|scenario| scenario.name.contains(&filter))
        .collect()
}

/// What one run produced.
#[derive(Debug)]
struct Outcome {
    command: String,
    exit_code: i32,
    stdout: String,
    stderr: String,
}

/// One entry of an installation report's `install` list.
#[derive(Debug, Clone)]
struct Installed {
    name: String,
    version: String,
    file: String,
    is_direct: bool,
}

/// pip's installation report (format version "1"): the `install` entries.
fn parse_report(stdout: &str) -> Result<Vec<Installed>, String> {
    let report: serde_json::Value = serde_json::from_str(stdout.trim())
        .map_err(|error| format!("stdout is not one JSON report ({error})"))?;
    if report["version"] != "1" {
        return Err(format!(
            "report version is {}, not \"1\"",
            report["version"]
        ));
    }
    let entries = report["install"]
        .as_array()
        .ok_or("the report has no `install` list")?;
    entries
        .iter()
        .map(|entry| {
            let text = |value: &serde_json::Value, what: &str| {
                value
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("an install entry has no {what}: {entry}"))
            };
            let url = text(&entry["download_info"]["url"], "download_info.url")?;
            Ok(Installed {
                name: text(&entry["metadata"]["name"], "metadata.name")?,
                version: text(&entry["metadata"]["version"], "metadata.version")?,
                file: file_name_of(&url),
                is_direct: entry["is_direct"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

/// The last path segment of a URL, fragment dropped, `%XX` decoded.
fn file_name_of(url: &str) -> String {
    let path = url.split(['#', '?']).next().unwrap_or(url);
    let segment = path.rsplit('/').next().unwrap_or(path);
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%' && index + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[index + 1..index + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// PEP 503 normalisation.
fn normalize(name: &str) -> String {
    let mut normalized = String::new();
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !normalized.ends_with('-') {
                normalized.push('-');
            }
        } else {
            normalized.extend(character.to_lowercase());
        }
    }
    normalized
}

/// Versions compare as PEP 440 versions (`1.0` is `1.0.0`), else as text.
fn same_version(left: &str, right: &str) -> bool {
    match (
        pep440_rs::Version::from_str(left),
        pep440_rs::Version::from_str(right),
    ) {
        (Ok(left), Ok(right)) => left == right,
        _ => left == right,
    }
}

/// Case, quotes, backticks and runs of whitespace do not matter in phrases:
/// the expectation names packages and versions, not typography.
fn fold_text(text: &str) -> String {
    text.chars()
        .filter(|character| !matches!(character, '`' | '\'' | '"' | '‘' | '’' | '“' | '”'))
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn render_pins(pins: &[Pin]) -> String {
    if pins.is_empty() {
        return "nothing".to_string();
    }
    pins.iter()
        .map(Pin::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The differences between an outcome and an exit code plus installed set.
fn judge_set(expected_exit: i32, expected: Option<&[Pin]>, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if outcome.exit_code != expected_exit {
        problems.push(format!(
            "exit code {} (expected {expected_exit})",
            outcome.exit_code
        ));
    }
    let Some(expected) = expected else {
        return problems;
    };
    if outcome.exit_code != 0 {
        return problems;
    }
    let installed = match parse_report(&outcome.stdout) {
        Ok(installed) => installed,
        Err(error) => {
            problems.push(error);
            return problems;
        }
    };
    let matches = |pin: &Pin, entry: &Installed| {
        normalize(&pin.name) == normalize(&entry.name) && same_version(&pin.version, &entry.version)
    };
    let missing: Vec<String> = expected
        .iter()
        .filter(|pin| !installed.iter().any(|entry| matches(pin, entry)))
        .map(Pin::to_string)
        .collect();
    let unexpected: Vec<String> = installed
        .iter()
        .filter(|entry| !expected.iter().any(|pin| matches(pin, entry)))
        .map(|entry| format!("{}=={}", entry.name, entry.version))
        .collect();
    if !missing.is_empty() || !unexpected.is_empty() {
        let got: Vec<String> = installed
            .iter()
            .map(|entry| format!("{}=={}", entry.name, entry.version))
            .collect();
        problems.push(format!(
            "installed set differs: expected {}, got {}{}{}",
            render_pins(expected),
            if got.is_empty() {
                "nothing".to_string()
            } else {
                got.join(" ")
            },
            if missing.is_empty() {
                String::new()
            } else {
                format!("; missing {}", missing.join(" "))
            },
            if unexpected.is_empty() {
                String::new()
            } else {
                format!("; unexpected {}", unexpected.join(" "))
            },
        ));
    }
    problems
}

/// Everything the scenario expects of pipit.
fn judge(scenario: &Scenario, prepared: &PreparedScenario, outcome: &Outcome) -> Vec<String> {
    let expect = &scenario.expect;
    let mut problems = judge_set(expect.exit_code, expect.install.as_deref(), outcome);
    let installed = if outcome.exit_code == 0 {
        parse_report(&outcome.stdout).unwrap_or_default()
    } else {
        Vec::new()
    };
    if outcome.exit_code == 0 {
        for file in &expect.files {
            if !installed.iter().any(|entry| &entry.file == file) {
                let chosen: Vec<&str> = installed.iter().map(|entry| entry.file.as_str()).collect();
                problems.push(format!(
                    "file `{file}` not chosen (chosen: {})",
                    chosen.join(", ")
                ));
            }
        }
        if let Some(direct) = &expect.direct {
            let expected: BTreeSet<String> = direct.iter().map(|name| normalize(name)).collect();
            let got: BTreeSet<String> = installed
                .iter()
                .filter(|entry| entry.is_direct)
                .map(|entry| normalize(&entry.name))
                .collect();
            if expected != got {
                problems.push(format!("direct entries {got:?} (expected {expected:?})"));
            }
        }
    }
    let stderr = fold_text(&outcome.stderr);
    // Phrases may name `{server}` or `{index}`.
    let phrase_found = |phrase: &str| {
        let phrase = prepared
            .substitute(phrase)
            .unwrap_or_else(|_| phrase.to_string());
        stderr.contains(&fold_text(&phrase))
    };
    for alternatives in &expect.stderr {
        if !alternatives.iter().any(|phrase| phrase_found(phrase)) {
            problems.push(format!(
                "stderr lacks {}",
                alternatives
                    .iter()
                    .map(|phrase| format!("`{phrase}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
    }
    for phrase in &expect.stderr_not {
        if phrase_found(phrase) {
            problems.push(format!("stderr holds `{phrase}`"));
        }
    }
    problems
}

fn outcome_of(command: String, output: std::io::Result<Output>) -> Outcome {
    match output {
        Ok(output) => Outcome {
            command,
            exit_code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        },
        Err(error) => Outcome {
            command,
            exit_code: -1,
            stdout: String::new(),
            stderr: format!("the run did not complete: {error}"),
        },
    }
}

fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|word| {
            if word.chars().all(|character| {
                character.is_ascii_alphanumeric() || "-_=.,:/+@[]<>~!".contains(character)
            }) && !word.contains(['<', '>'])
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn run_pipit(scenario: &Scenario, prepared: &PreparedScenario, cache: &Path) -> Outcome {
    let args = match prepared.args(scenario) {
        Ok(args) => args,
        Err(error) => return outcome_of(String::new(), Err(std::io::Error::other(error))),
    };
    let mut words: Vec<String> = ["install", "--dry-run", "--report", "-", "--index-url"]
        .iter()
        .map(|word| word.to_string())
        .collect();
    words.push(prepared.server.url());
    words.extend(TARGET.iter().map(|word| word.to_string()));
    words.extend(args);
    let mut command = pipit(cache);
    command
        .current_dir(&prepared.work_dir)
        .args(&words)
        .timeout(RUN_LIMIT);
    outcome_of(format!("pipit {}", shell_words(&words)), command.output())
}

/// Runs `check` on every scenario, a few at a time, each in its own folder.
/// Returns the failures' reports, in scenario order.
fn run_all(
    scenarios: &[Scenario],
    check: &(dyn Fn(&Scenario, &PreparedScenario, &Path) -> Option<String> + Sync),
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |count| count.get())
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(scenario) = scenarios.get(index) else {
                    break;
                };
                let dir = tempfile::tempdir().expect("a temporary folder");
                let work = dir.path().join("work");
                let cache = dir.path().join("cache");
                fs_err::create_dir_all(&work).expect("the work folder");
                let report = match scenario.prepare(&work) {
                    Ok(prepared) => check(scenario, &prepared, &cache),
                    Err(error) => Some(format!("{}: cannot set up: {error}", scenario.name)),
                };
                if let Some(report) = report {
                    failures
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push((index, report));
                }
            });
        }
    });
    let mut failures = failures
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    failures.sort_by_key(|(index, _)| *index);
    failures.into_iter().map(|(_, report)| report).collect()
}

/// Long output is cut in the middle: the start and the end say the most.
fn clip(text: &str, limit: usize) -> String {
    let text = text.trim_end();
    if text.len() <= limit {
        return text.to_string();
    }
    let mut head = limit / 2;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - limit / 2;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}\n[… {} bytes cut …]\n{}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

fn failure_report(scenario: &Scenario, outcome: &Outcome, problems: &[String]) -> String {
    let mut report = format!(
        "── {} ── {}\n$ {}\n",
        scenario.name, scenario.description, outcome.command
    );
    for problem in problems {
        report.push_str(&format!("  ✗ {problem}\n"));
    }
    if parse_report(&outcome.stdout).is_err() && !outcome.stdout.trim().is_empty() {
        report.push_str(&format!("stdout:\n{}\n", clip(&outcome.stdout, 2000)));
    }
    report.push_str(&format!("stderr:\n{}\n", clip(&outcome.stderr, 4000)));
    report
}

fn pipit_has_install(cache: &Path) -> bool {
    pipit(cache)
        .args(["install", "--help"])
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn scenario_files_parse_set_up_and_cover_the_rules() {
    let scenarios = load_scenarios();
    assert!(
        scenarios.len() >= 80,
        "issue 4 asks for at least 80 scenarios, found {}",
        scenarios.len()
    );
    let mut numbers = BTreeSet::new();
    for scenario in &scenarios {
        let (number, slug) = scenario
            .name
            .split_once('-')
            .unwrap_or_else(|| panic!("`{}` is not `<NNN>-<slug>`", scenario.name));
        assert!(
            number.len() == 3 && number.chars().all(|c| c.is_ascii_digit()) && !slug.is_empty(),
            "`{}` is not `<NNN>-<slug>`",
            scenario.name
        );
        assert!(
            numbers.insert(number.to_string()),
            "number {number} is used twice"
        );
    }
    // The corpus keeps a scenario for every flag and index fact issue 4 names.
    let arguments: BTreeSet<&str> = scenarios
        .iter()
        .flat_map(|scenario| scenario.args.iter().map(String::as_str))
        .collect();
    for flag in [
        "-r",
        "-c",
        "--override",
        "--pre",
        "--exclude-newer",
        "--uploaded-prior-to",
        "--no-deps",
        "--only-binary",
        "--no-binary",
        "--prefer-binary",
        "--ignore-requires-python",
        "--require-hashes",
        "--no-index",
        "-f",
    ] {
        assert!(arguments.contains(flag), "no scenario passes `{flag}`");
    }
    let served = || scenarios.iter().flat_map(|scenario| scenario.index.iter());
    assert!(served().any(|file| file.yanked.is_some()), "no yanked file");
    assert!(
        served().any(|file| file.upload_time.is_some()),
        "no upload time"
    );
    assert!(
        served().any(|file| file.page_requires_python == Some(None)),
        "no Requires-Python found only in METADATA"
    );
    assert!(
        served().any(|file| matches!(file.page_requires_python, Some(Some(_)))),
        "no Requires-Python found only on the page"
    );
    assert!(
        served().any(|file| matches!(file.artifact, Artifact::Sdist(_))),
        "no sdist"
    );
    assert!(
        scenarios.iter().any(|scenario| !scenario.local.is_empty()),
        "no direct reference to a local file"
    );

    // Every scenario builds its files and resolves its placeholders.
    let failures = run_all(&scenarios, &|scenario, prepared, _| {
        prepared
            .args(scenario)
            .err()
            .map(|error| format!("{}: {error}", scenario.name))
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn resolver_scenarios() {
    let probe = tempfile::tempdir().unwrap();
    if !pipit_has_install(probe.path()) {
        pipit_testkit::skip("`pipit install` does not exist yet: the scenario corpus did not run");
        return;
    }
    let scenarios = selected_scenarios();
    let failures = run_all(&scenarios, &|scenario, prepared, cache| {
        let outcome = run_pipit(scenario, prepared, cache);
        let problems = judge(scenario, prepared, &outcome);
        (!problems.is_empty()).then(|| failure_report(scenario, &outcome, &problems))
    });
    if !failures.is_empty() {
        panic!(
            "{} of {} resolver scenarios failed:\n\n{}\n{} of {} resolver scenarios failed (PIPIT_SCENARIO=<name> runs one)",
            failures.len(),
            scenarios.len(),
            failures.join("\n"),
            failures.len(),
            scenarios.len()
        );
    }
}

// ---- the cross-check with pip -------------------------------------------

/// pip's arguments for a scenario's: pipit's `--exclude-newer` is pip's
/// `--uploaded-prior-to`, and `--only-binary` is dropped (the check always
/// passes `--only-binary=:all:`, which covers it, and pip refuses any other
/// binary setting beside `--platform`); everything else is spelled the same.
fn pip_args(args: &[String]) -> Vec<String> {
    let mut translated = Vec::with_capacity(args.len());
    let mut words = args.iter();
    while let Some(argument) = words.next() {
        if argument == "--only-binary" {
            words.next();
        } else if argument.starts_with("--only-binary=") {
        } else if argument == "--exclude-newer" {
            translated.push("--uploaded-prior-to".to_string());
        } else if let Some(value) = argument.strip_prefix("--exclude-newer=") {
            translated.push(format!("--uploaded-prior-to={value}"));
        } else {
            translated.push(argument.clone());
        }
    }
    translated
}

fn run_pip(
    python: &Path,
    scenario: &Scenario,
    prepared: &PreparedScenario,
    cache: &Path,
) -> Outcome {
    let args = match prepared.args(scenario) {
        Ok(args) => pip_args(&args),
        Err(error) => return outcome_of(String::new(), Err(std::io::Error::other(error))),
    };
    let mut words: Vec<String> = [
        "-m",
        "pip",
        "--isolated",
        "install",
        "--dry-run",
        "--report",
        "-",
        "--quiet",
        "--ignore-installed",
        "--only-binary=:all:",
        "--cache-dir",
    ]
    .iter()
    .map(|word| word.to_string())
    .collect();
    words.push(cache.display().to_string());
    words.push("--index-url".to_string());
    words.push(prepared.server.url());
    words.extend(TARGET.iter().map(|word| word.to_string()));
    words.extend(args);
    let mut command = StdCommand::new(python);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PIP_") {
            command.env_remove(&name);
        }
    }
    command
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1")
        .current_dir(&prepared.work_dir)
        .args(&words);
    outcome_of(
        format!("{} {}", python.display(), shell_words(&words)),
        command.output(),
    )
}

#[test]
#[ignore = "runs real pip (Python 3.11, pip>=26 from the configured index) on every scenario"]
fn resolver_scenarios_agree_with_pip() {
    let Some(python) = pipit_testkit::python::find_python("3.11") else {
        pipit_testkit::skip("no python3.11 found for the pip cross-check");
        return;
    };
    let venv = match pipit_testkit::python::venv_with(
        &python,
        "3.11",
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        &["pip>=26"],
    ) {
        Ok(venv) => venv,
        Err(reason) => {
            pipit_testkit::skip(&format!("no venv with a recent pip: {reason}"));
            return;
        }
    };
    let scenarios = selected_scenarios();
    let skipped: Vec<String> = scenarios
        .iter()
        .filter_map(|scenario| match &scenario.expect.pip {
            PipExpectation::Skip(reason) => Some(format!("  {}: {reason}", scenario.name)),
            _ => None,
        })
        .collect();
    let checked: Vec<Scenario> = scenarios
        .iter()
        .filter(|scenario| !matches!(scenario.expect.pip, PipExpectation::Skip(_)))
        .cloned()
        .collect();
    let disagreements = run_all(&checked, &|scenario, prepared, cache| {
        let outcome = run_pip(&venv, scenario, prepared, cache);
        let (exit_code, install) = match &scenario.expect.pip {
            PipExpectation::Differs { exit_code, install } => (*exit_code, install.as_deref()),
            _ => (
                scenario.expect.exit_code,
                scenario.expect.install.as_deref(),
            ),
        };
        let problems = judge_set(exit_code, install, &outcome);
        (!problems.is_empty()).then(|| failure_report(scenario, &outcome, &problems))
    });
    let documented = checked
        .iter()
        .filter(|scenario| matches!(scenario.expect.pip, PipExpectation::Differs { .. }))
        .count();
    eprintln!(
        "pip cross-check: {} scenarios run with pip ({} agree, {} of them by a documented difference), {} disagree, {} not run:\n{}",
        checked.len(),
        checked.len() - disagreements.len(),
        documented,
        disagreements.len(),
        skipped.len(),
        skipped.join("\n")
    );
    if !disagreements.is_empty() {
        panic!(
            "pip disagrees with {} scenario expectations:\n\n{}",
            disagreements.len(),
            disagreements.join("\n")
        );
    }
}

// ---- the runner's own helpers --------------------------------------------

#[test]
fn report_parsing_and_judging() {
    let stdout = r#"{"version":"1","install":[
        {"metadata":{"name":"Demo_App","version":"1.0.0"},
         "download_info":{"url":"http://127.0.0.1:1/files/demo_app-1.0.0%2Blocal-py3-none-any.whl#sha256=00","archive_info":{"hashes":{"sha256":"00"}}},
         "is_direct":true,"requested":true,"requested_extras":[]}],
        "environment":{}}"#;
    let installed = parse_report(stdout).unwrap();
    assert_eq!(installed[0].file, "demo_app-1.0.0+local-py3-none-any.whl");
    let outcome = Outcome {
        command: String::new(),
        exit_code: 0,
        stdout: stdout.to_string(),
        stderr: "WARNING: `demo-app` 1.0 does not provide\n   the extra 'Nope'".to_string(),
    };
    let pin = |name: &str, version: &str| Pin {
        name: name.to_string(),
        version: version.to_string(),
    };
    assert!(judge_set(0, Some(&[pin("demo.app", "1.0")]), &outcome).is_empty());
    let problems = judge_set(0, Some(&[pin("demo-app", "2"), pin("b", "1")]), &outcome);
    assert_eq!(
        problems,
        ["installed set differs: expected demo-app==2 b==1, got Demo_App==1.0.0; missing demo-app==2 b==1; unexpected Demo_App==1.0.0"]
    );
    assert_eq!(judge_set(1, None, &outcome), ["exit code 0 (expected 1)"]);
    assert!(fold_text(&outcome.stderr).contains(&fold_text("does not provide the extra \"nope\"")));
    let args: Vec<String> = [
        "--exclude-newer",
        "X",
        "--exclude-newer=Y",
        "--only-binary",
        "a",
        "--only-binary=:all:",
        "a",
    ]
    .iter()
    .map(|word| word.to_string())
    .collect();
    assert_eq!(
        pip_args(&args),
        ["--uploaded-prior-to", "X", "--uploaded-prior-to=Y", "a"]
    );
}
