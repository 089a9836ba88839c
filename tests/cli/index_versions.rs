//! `pipit index versions` against the in-process index (and pypiserver).

use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use pipit_testkit::{IndexServer, PageFormat, WheelBuilder};

use crate::common::{pipit, run, workspace_root};

fn demo_server() -> IndexServer {
    IndexServer::with_wheels(&[
        WheelBuilder::new("demo-lib", "1.0.0"),
        WheelBuilder::new("demo-lib", "1.10.0").requires_python(">=3.8"),
        WheelBuilder::new("demo-lib", "1.2.0"),
        WheelBuilder::new("demo-lib", "2.0.0rc1"),
    ])
}

fn json_of(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).expect("one JSON object")
}

#[test]
fn lists_versions_newest_first_in_pips_words_from_html_and_json() {
    for format in [PageFormat::Html, PageFormat::Json] {
        let server = demo_server();
        server.set_format(format);
        let cache = tempfile::tempdir().unwrap();
        let (code, stdout, stderr) =
            run(pipit(cache.path()).args(["index", "versions", "Demo_Lib", "-i", &server.url()]));
        assert_eq!(code, 0, "{format:?}: {stderr}");
        assert_eq!(
            stdout, "demo-lib (1.10.0)\nAvailable versions: 1.10.0, 1.2.0, 1.0.0\n",
            "{format:?}"
        );
        let (code, stdout, _) = run(pipit(cache.path()).args([
            "index",
            "versions",
            "demo-lib",
            "--pre",
            "--json",
            "--refresh",
            "-i",
            &server.url(),
        ]));
        assert_eq!(code, 0);
        let json = json_of(&stdout);
        assert_eq!(
            json["versions"],
            serde_json::json!(["2.0.0rc1", "1.10.0", "1.2.0", "1.0.0"])
        );
        let file = json["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|file| file["filename"] == "demo_lib-1.10.0-py3-none-any.whl")
            .expect("the 1.10.0 wheel is listed");
        let sha256 = server
            .file_sha256("demo_lib-1.10.0-py3-none-any.whl")
            .unwrap();
        assert_eq!(file["hashes"]["sha256"], sha256.as_str(), "{format:?}");
        assert_eq!(file["requires_python"], ">=3.8", "{format:?}");
        assert_eq!(file["yanked"], false);
        assert_eq!(file["metadata"], true, "{format:?}");
        assert_eq!(
            file["url"],
            server.file_url("demo_lib-1.10.0-py3-none-any.whl").as_str()
        );
    }
}

/// The index reachable here sends no caching headers: pages then live for
/// --index-ttl, and a second call makes no request at all.
#[test]
fn second_call_within_the_ttl_makes_no_request_and_offline_answers_from_cache() {
    let server = demo_server();
    let cache = tempfile::tempdir().unwrap();
    let url = server.url();
    let (code, first, _) =
        run(pipit(cache.path()).args(["index", "versions", "demo-lib", "-i", &url]));
    assert_eq!(code, 0);
    let requests = server.request_count();
    assert!(requests >= 1);
    let (code, second, _) =
        run(pipit(cache.path()).args(["index", "versions", "demo-lib", "-i", &url]));
    assert_eq!(code, 0);
    assert_eq!(second, first);
    assert_eq!(server.request_count(), requests, "the cache answered");

    // --refresh asks again.
    let (code, _, _) =
        run(pipit(cache.path()).args(["index", "versions", "demo-lib", "--refresh", "-i", &url]));
    assert_eq!(code, 0);
    assert!(server.request_count() > requests);

    // Offline, with the server gone: the cache answers; an unknown project says so.
    drop(server);
    let (code, offline, stderr) =
        run(pipit(cache.path()).args(["index", "versions", "demo-lib", "--offline", "-i", &url]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(offline, first);
    let (code, _, stderr) =
        run(pipit(cache.path()).args(["index", "versions", "demo-other", "--offline", "-i", &url]));
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("error: `demo-other` is not in the cache"),
        "{stderr}"
    );
}

#[test]
fn no_index_configured_says_how_to_configure_one() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path()).args(["index", "versions", "demo-lib"]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.lines().next().unwrap(),
        "error: no package index is configured"
    );
    assert!(
        stderr.contains("hint: pass --index-url URL, set PIP_INDEX_URL"),
        "{stderr}"
    );
}

#[test]
fn pip_index_url_is_honoured_and_isolated_ignores_it() {
    let server = demo_server();
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(cache.path())
        .env("PIP_INDEX_URL", server.url())
        .args(["index", "versions", "demo-lib"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("demo-lib (1.10.0)"), "{stdout}");
    let (code, _, _) = run(pipit(cache.path())
        .env("PIP_INDEX_URL", server.url())
        .args(["index", "versions", "demo-lib", "--isolated"]));
    assert_eq!(code, 2, "--isolated ignores PIP_INDEX_URL");
}

#[test]
fn a_project_no_index_has_is_a_resolution_error_naming_the_indexes() {
    let first = demo_server();
    let second = IndexServer::start();
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pipit(cache.path()).args([
        "index",
        "versions",
        "nowhere",
        "-i",
        &first.url(),
        "--extra-index-url",
        &second.url(),
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains(&first.url()) && stderr.contains(&second.url()),
        "{stderr}"
    );
}

#[test]
fn credentials_are_used_and_never_printed() {
    let server = demo_server();
    server.set_credentials(Some(("alice".to_string(), "s3cret".to_string())));
    let cache = tempfile::tempdir().unwrap();
    let with_credentials = server.url().replace("http://", "http://alice:s3cret@");
    let (code, stdout, stderr) = run(pipit(cache.path()).args([
        "index",
        "versions",
        "demo-lib",
        "--json",
        "-i",
        &with_credentials,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stdout.contains("s3cret") && !stderr.contains("s3cret"),
        "{stdout}{stderr}"
    );
    assert_eq!(json_of(&stdout)["versions"][0], "1.10.0");

    let wrong = server.url().replace("http://", "http://alice:wrong@");
    let (code, stdout, _) = run(pipit(cache.path()).args([
        "index",
        "versions",
        "demo-lib",
        "--json",
        "--refresh",
        "-i",
        &wrong,
    ]));
    assert_eq!(code, 3);
    let error = &json_of(&stdout)["error"];
    assert_eq!(error["kind"], "network");
    assert!(!error.to_string().contains("wrong"), "{error}");
}

#[test]
fn find_links_folder_works_with_no_index_and_no_network() {
    let cache = tempfile::tempdir().unwrap();
    let wheelhouse = workspace_root().join("fixtures/wheelhouse");
    let (code, stdout, stderr) = run(pipit(cache.path())
        .args([
            "index",
            "versions",
            "demo-util",
            "--no-index",
            "--offline",
            "-f",
        ])
        .arg(&wheelhouse));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "demo-util (2.0.0)\nAvailable versions: 2.0.0, 1.1.0, 1.0.0\n"
    );
    let (code, _, stderr) = run(pipit(cache.path()).args([
        "index",
        "versions",
        "demo-util",
        "--no-index",
        "-f",
        "/nonexistent/wheels",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("/nonexistent/wheels"), "{stderr}");
}

#[test]
fn connection_refused_is_one_line_with_exit_3() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let cache = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/simple/");
    let (code, _, stderr) = run(pipit(cache.path()).args([
        "index",
        "versions",
        "demo-lib",
        "--retries",
        "0",
        "-i",
        &url,
    ]));
    assert_eq!(code, 3);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.contains("connection refused") && first.contains(&url),
        "{first}"
    );
}

/// A real index server pipit did not write: pypiserver, installed into a
/// throwaway virtual environment by pip's own configured index.
#[test]
fn pypiserver_serves_what_pipit_lists() {
    let Some(python) = pipit_testkit::python::find_python("3.11") else {
        pipit_testkit::skip("python3.11 not found");
        return;
    };
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv_python =
        match pipit_testkit::python::venv_with(&python, "3.11", root, &["pypiserver==2.4.2"]) {
            Ok(path) => path,
            Err(reason) => {
                pipit_testkit::skip(&format!("pypiserver could not be installed: {reason}"));
                return;
            }
        };
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let wheelhouse = workspace_root().join("fixtures/wheelhouse");
    // --disable-fallback: an unknown project must be a 404 here, not a
    // redirect to a public index.
    let child = StdCommand::new(&venv_python)
        .args([
            "-m",
            "pypiserver",
            "run",
            "--disable-fallback",
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .arg(&wheelhouse)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pypiserver starts");
    let _server = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "pypiserver did not listen within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let url = format!("http://127.0.0.1:{port}/simple/");
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        run(pipit(cache.path()).args(["index", "versions", "demo-util", "--json", "-i", &url]));
    assert_eq!(code, 0, "{stderr}");
    let json = json_of(&stdout);
    assert_eq!(
        json["versions"],
        serde_json::json!(["2.0.0", "1.1.0", "1.0.0"])
    );
    assert_eq!(json["files"].as_array().unwrap().len(), 3);
    let (code, _, stderr) =
        run(pipit(cache.path()).args(["index", "versions", "nowhere", "-i", &url]));
    assert_eq!(code, 1, "{stderr}");
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Each index flag reaches the client: these fail if a flag is dropped on the way.
#[test]
fn index_ttl_zero_asks_again() {
    let server = demo_server();
    let cache = tempfile::tempdir().unwrap();
    let url = server.url();
    let args = [
        "index",
        "versions",
        "demo-lib",
        "--index-ttl",
        "0",
        "-i",
        &url,
    ];
    assert_eq!(run(pipit(cache.path()).args(args)).0, 0);
    let requests = server.request_count();
    assert_eq!(run(pipit(cache.path()).args(args)).0, 0);
    assert!(server.request_count() > requests, "a zero TTL revalidates");
}

#[test]
fn index_strategy_chooses_between_first_index_and_pooling() {
    let first = IndexServer::with_wheels(&[WheelBuilder::new("demo-lib", "1.0.0")]);
    let second = IndexServer::with_wheels(&[WheelBuilder::new("demo-lib", "2.0.0")]);
    let cache = tempfile::tempdir().unwrap();
    let base = ["index", "versions", "demo-lib", "-i"];
    let (code, stdout, _) = run(pipit(cache.path()).args(base).args([
        first.url(),
        "--extra-index-url".to_string(),
        second.url(),
    ]));
    assert_eq!(code, 0);
    assert_eq!(stdout, "demo-lib (1.0.0)\nAvailable versions: 1.0.0\n");
    let (code, stdout, _) = run(pipit(cache.path()).args(base).args([
        first.url(),
        "--extra-index-url".to_string(),
        second.url(),
        "--index-strategy".to_string(),
        "unsafe-best-match".to_string(),
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "demo-lib (2.0.0)\nAvailable versions: 2.0.0, 1.0.0\n"
    );
}

#[test]
fn cache_dir_flag_wins_over_the_variable() {
    let server = demo_server();
    let variable = tempfile::tempdir().unwrap();
    let flag = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pipit(variable.path())
        .args([
            "index",
            "versions",
            "demo-lib",
            "-i",
            &server.url(),
            "--cache-dir",
        ])
        .arg(flag.path()));
    assert_eq!(code, 0, "{stderr}");
    let entries = |dir: &std::path::Path| std::fs::read_dir(dir).unwrap().count();
    assert!(
        entries(flag.path()) > 0,
        "the page is cached under --cache-dir"
    );
    assert_eq!(entries(variable.path()), 0, "PIPIT_CACHE_DIR is not used");
}

#[test]
fn timeout_applies_and_is_validated() {
    let server = demo_server();
    server.inject(
        "/simple/",
        pipit_testkit::Fault::Delay(Duration::from_secs(3)),
        5,
    );
    let cache = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, _, stderr) = run(pipit(cache.path()).args([
        "index",
        "versions",
        "demo-lib",
        "--timeout",
        "0.5",
        "--retries",
        "0",
        "-i",
        &server.url(),
    ]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up before the delay ended"
    );
    let (code, _, stderr) = run(pipit(cache.path()).args([
        "index",
        "versions",
        "demo-lib",
        "--timeout",
        "nan",
        "-i",
        &server.url(),
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("not a number of seconds"), "{stderr}");
}
