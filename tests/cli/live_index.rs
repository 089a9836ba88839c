//! Against a real, public index: only when `PIPIT_LIVE_INDEX_URL` is set
//! (the Simple API root, e.g. `https://<index>/simple/`); skipped visibly
//! otherwise. The index's own PEP 700 JSON is the reference.

use std::collections::BTreeSet;
use std::process::Command as StdCommand;
use std::str::FromStr;

use crate::common::{pipit, run};

const PROJECT: &str = "six";

/// The index's own answer: the PEP 700 `versions` of its JSON project page,
/// read with Python's urllib (nothing of pipit's involved).
fn versions_from_the_index_itself(index_url: &str) -> Result<Vec<String>, String> {
    let script = "import json, sys, urllib.request\n\
                  request = urllib.request.Request(sys.argv[1], headers={'Accept': 'application/vnd.pypi.simple.v1+json'})\n\
                  page = json.load(urllib.request.urlopen(request, timeout=60))\n\
                  print(json.dumps(page.get('versions')))";
    let url = format!("{}/{PROJECT}/", index_url.trim_end_matches('/'));
    let output = StdCommand::new("python3")
        .args(["-c", script, &url])
        .output()
        .map_err(|error| format!("python3 did not run: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string());
    }
    serde_json::from_slice::<Option<Vec<String>>>(&output.stdout)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| "the index's JSON has no PEP 700 `versions`".to_string())
}

fn normalized(versions: &[String]) -> BTreeSet<String> {
    versions
        .iter()
        .filter_map(|version| pep440_rs::Version::from_str(version).ok())
        .map(|version| version.to_string())
        .collect()
}

#[test]
fn index_versions_matches_the_live_index_then_answers_from_the_cache() {
    let Some(index_url) = std::env::var("PIPIT_LIVE_INDEX_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        pipit_testkit::skip("PIPIT_LIVE_INDEX_URL is not set: no live index test");
        return;
    };
    let expected = match versions_from_the_index_itself(&index_url) {
        Ok(versions) => versions,
        Err(reason) => {
            pipit_testkit::skip(&format!(
                "the live index's own JSON could not be read: {reason}"
            ));
            return;
        }
    };
    let cache = tempfile::tempdir().unwrap();
    let live = |extra: &[&str], proxy: Option<&str>| {
        let mut command = pipit(cache.path());
        command
            .args([
                "index", "versions", PROJECT, "--pre", "--json", "-i", &index_url,
            ])
            .args(extra);
        // The machine's CA bundle, as pip would use it.
        if let Ok(cert) = std::env::var("PIP_CERT") {
            command.env("PIP_CERT", cert);
        }
        if let Some(proxy) = proxy {
            for name in [
                "HTTPS_PROXY",
                "https_proxy",
                "HTTP_PROXY",
                "http_proxy",
                "ALL_PROXY",
                "all_proxy",
            ] {
                command.env(name, proxy);
            }
            command.env_remove("NO_PROXY").env_remove("no_proxy");
        }
        run(&mut command)
    };
    let (code, stdout, stderr) = live(&[], None);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let listed: Vec<String> = serde_json::from_value(json["versions"].clone()).unwrap();
    assert_eq!(normalized(&listed), normalized(&expected));

    // Within the cache lifetime no request is made: a proxy that does not
    // exist would fail any request.
    let (code, again, stderr) = live(&[], Some("http://127.0.0.1:9"));
    assert_eq!(code, 0, "a request was made: {stderr}");
    assert_eq!(again, stdout);
    let (code, offline, stderr) = live(&["--offline"], None);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(offline, stdout);
}

/// The names and versions a `--report -` run would install.
fn report_set(stdout: &str) -> BTreeSet<String> {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("the report is JSON");
    report["install"]
        .as_array()
        .expect("the report lists installs")
        .iter()
        .map(|entry| {
            format!(
                "{}=={}",
                entry["metadata"]["name"].as_str().unwrap_or_default(),
                entry["metadata"]["version"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn resolving_requests_on_the_live_index_then_offline_from_the_cache() {
    let Some(index_url) = std::env::var("PIPIT_LIVE_INDEX_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        pipit_testkit::skip("PIPIT_LIVE_INDEX_URL is not set: no live resolution test");
        return;
    };
    let cache = tempfile::tempdir().expect("temporary cache");
    let arguments = [
        "install",
        "--dry-run",
        "--report",
        "-",
        "-q",
        "--python-version",
        "3.11",
        "--platform",
        "manylinux_2_17_x86_64",
        "--exclude-newer",
        "2026-01-01",
        "requests",
    ];
    let (code, stdout, stderr) = run(pipit(cache.path())
        .args(arguments)
        .args(["--index-url", &index_url]));
    assert_eq!(code, 0, "{stderr}");
    let online = report_set(&stdout);
    let names: BTreeSet<&str> = online
        .iter()
        .filter_map(|pinned| pinned.split_once("==").map(|(name, _)| name))
        .collect();
    for expected in [
        "requests",
        "urllib3",
        "idna",
        "charset-normalizer",
        "certifi",
    ] {
        assert!(
            names.contains(expected),
            "{expected} missing from {online:?}"
        );
    }
    let (code, stdout, stderr) =
        run(pipit(cache.path())
            .args(arguments)
            .args(["--index-url", &index_url, "--offline"]));
    assert_eq!(code, 0, "offline from the cache: {stderr}");
    assert_eq!(report_set(&stdout), online);
}
