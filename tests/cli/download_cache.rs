//! `pipit download` (a wheelhouse that `--no-index --find-links` resolves
//! from) and `pipit cache dir|info|clean|prune`, against generated wheels
//! on the in-process index, each test with its own cache folder.

use std::path::Path;

use pipit_testkit::{Fault, IndexServer, WheelBuilder};
use serde_json::Value;

use crate::common::{pipit, run};

const TARGET: [&str; 4] = [
    "--python-version",
    "3.11",
    "--platform",
    "manylinux_2_17_x86_64",
];

fn wheels() -> Vec<WheelBuilder> {
    vec![
        WheelBuilder::new("app", "1.0").requires("lib>=1"),
        WheelBuilder::new("app", "2.0").requires("lib>=2"),
        WheelBuilder::new("lib", "1.0"),
        WheelBuilder::new("lib", "2.0"),
    ]
}

/// `pipit download -d <dest> <args> -i <index>` with `cache` as the cache.
fn download(cache: &Path, index: &str, dest: &Path, args: &[&str]) -> (i32, String, String) {
    run(pipit(cache)
        .arg("download")
        .arg("-d")
        .arg(dest)
        .args(args)
        .args(["-i", index, "--progress-bar", "off"])
        .args(TARGET))
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn download_saves_a_wheelhouse_that_find_links_resolves_alone() {
    let server = IndexServer::with_wheels(&wheels());
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        download(cache.path(), &server.url(), dest.path(), &["app", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let out = json(&stdout);
    assert_eq!(out["dest"], dest.path().display().to_string());
    let files = out["files"].as_array().unwrap();
    let mut saved: Vec<(String, String)> = files
        .iter()
        .map(|file| {
            (
                file["name"].as_str().unwrap().to_string(),
                file["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    saved.sort();
    assert_eq!(
        saved,
        [
            ("app".to_string(), "2.0".to_string()),
            ("lib".to_string(), "2.0".to_string())
        ]
    );
    for file in files {
        let filename = file["filename"].as_str().unwrap();
        let path = dest.path().join(filename);
        assert_eq!(file["path"], path.display().to_string());
        assert_eq!(file["sha256"], server.file_sha256(filename).unwrap());
        assert_eq!(file["size"], fs_err::metadata(&path).unwrap().len());
        assert_eq!(file["from_cache"], false);
    }
    assert_eq!(
        names(dest.path()),
        ["app-2.0-py3-none-any.whl", "lib-2.0-py3-none-any.whl"]
    );

    // Again: nothing to fetch, and pip's words for it.
    server.clear_requests();
    let (code, stdout, stderr) = download(cache.path(), &server.url(), dest.path(), &["app"]);
    assert_eq!(code, 0, "{stderr}");
    let app = dest.path().join("app-2.0-py3-none-any.whl");
    assert!(
        stdout.contains(&format!("File was already downloaded {}", app.display())),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Successfully downloaded app lib\n"),
        "{stdout}"
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|request| !request.path.starts_with("/files/")
                || request.path.ends_with(".metadata"))
    );

    // No index any more: the folder alone resolves the same versions.
    drop(server);
    let fresh_cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pipit(fresh_cache.path())
        .args(["install", "--dry-run", "--no-index", "--find-links"])
        .arg(dest.path())
        .args(["app", "--json"])
        .args(TARGET));
    assert_eq!(code, 0, "{stderr}");
    let mut pins: Vec<String> = json(&stdout)["would_install"]
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
    pins.sort();
    assert_eq!(pins, ["app==2.0", "lib==2.0"]);
}

#[test]
fn download_prints_saved_lines_and_fills_the_cache_for_the_next_folder() {
    let server = IndexServer::with_wheels(&wheels());
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    // No -d: the current folder, as pip.
    let (code, stdout, stderr) = run(pipit(cache.path())
        .current_dir(work.path())
        .args([
            "download",
            "app==1.0",
            "-i",
            &server.url(),
            "--progress-bar",
            "off",
        ])
        .args(TARGET));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "Saved ./app-1.0-py3-none-any.whl\nSaved ./lib-2.0-py3-none-any.whl\nSuccessfully downloaded app lib\n"
    );
    let other = tempfile::tempdir().unwrap();
    server.clear_requests();
    let (code, stdout, _) = download(
        cache.path(),
        &server.url(),
        other.path(),
        &["app==1.0", "--json"],
    );
    assert_eq!(code, 0);
    let files = json(&stdout)["files"].as_array().unwrap().clone();
    assert!(
        files.iter().all(|file| file["from_cache"] == true),
        "{files:?}"
    );
    assert!(server
        .requests()
        .iter()
        .all(|request| !request.path.ends_with(".whl")));
}

#[test]
fn a_server_lying_about_a_hash_fails_and_leaves_the_folder_empty() {
    let server = IndexServer::with_wheels(&wheels());
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    // Resolve once so that pages and metadata files come from the cache:
    // only the wheel itself is then asked for, and its bytes are wrong.
    let (code, _, stderr) = run(pipit(cache.path())
        .args(["install", "--dry-run", "app", "-i", &server.url()])
        .args(TARGET));
    assert_eq!(code, 0, "{stderr}");
    server.inject("/files/lib", Fault::WrongHash, 100);
    let (code, stdout, stderr) = download(cache.path(), &server.url(), dest.path(), &["app"]);
    // The same code as any other download failure from the index.
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stderr.starts_with("error: hash mismatch for `"), "{stderr}");
    assert!(names(dest.path()).is_empty(), "{:?}", names(dest.path()));
    let (code, stdout, _) = download(cache.path(), &server.url(), dest.path(), &["app", "--json"]);
    assert_eq!(code, 3);
    assert!(json(&stdout)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("hash mismatch"));
}

// A dry run without a report has no use for a file's hash, so it does not
// read local wheels whole; with `--report` it does, and the digest is kept
// in the cache for the next run. (Only a file older than 2 s is kept, so
// the wheels settle first.)
#[cfg(unix)]
#[test]
fn dry_runs_hash_local_wheels_only_for_a_report() {
    let folder = tempfile::tempdir().unwrap();
    for wheel in wheels() {
        wheel.build(folder.path()).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let cache = tempfile::tempdir().unwrap();
    let dry_run = |extra: &[&str]| {
        run(pipit(cache.path())
            .args(["install", "--dry-run", "--no-index", "--find-links"])
            .arg(folder.path())
            .arg("app")
            .args(extra)
            .args(TARGET))
    };
    let local = cache.path().join("local-v1");
    let (code, stdout, stderr) = dry_run(&["--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["would_install"].as_array().unwrap().len(), 2);
    assert!(
        !local.exists() || names(&local).is_empty(),
        "{:?}",
        names(&local)
    );

    let (code, stdout, stderr) = dry_run(&["--report", "-", "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let report = json(&stdout);
    for entry in report["install"].as_array().unwrap() {
        let path = entry["download_info"]["url"]
            .as_str()
            .and_then(|url| url.strip_prefix("file://"))
            .unwrap()
            .to_string();
        let sha256 = pipit_index::hash_file(Path::new(&path)).unwrap().0;
        assert_eq!(
            entry["download_info"]["archive_info"]["hash"],
            format!("sha256={sha256}"),
            "{entry}"
        );
    }
    assert_eq!(names(&local).len(), 2, "{:?}", names(&local));
}

// --- pipit cache -------------------------------------------------------------

fn cache_command(cache: &Path, args: &[&str]) -> (i32, String, String) {
    run(pipit(cache)
        .arg("cache")
        .args(args)
        .arg("--cache-dir")
        .arg(cache))
}

/// A cache filled by downloading `app`.
fn filled_cache() -> tempfile::TempDir {
    let server = IndexServer::with_wheels(&wheels());
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let (code, _, stderr) = download(cache.path(), &server.url(), dest.path(), &["app"]);
    assert_eq!(code, 0, "{stderr}");
    cache
}

#[test]
fn cache_dir_prints_the_cache_folder() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = cache_command(cache.path(), &["dir"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, format!("{}\n", cache.path().display()));
    let (code, stdout, _) =
        run(pipit(cache.path()).args(["cache", "dir", "--no-cache-dir", "--json"]));
    assert_eq!(code, 2);
    assert_eq!(json(&stdout)["error"]["kind"], "usage");
}

#[test]
fn cache_info_counts_each_area() {
    let cache = filled_cache();
    let (code, stdout, stderr) = cache_command(cache.path(), &["info", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let info = json(&stdout);
    assert_eq!(info["dir"], cache.path().display().to_string());
    // Two project pages, two wheels (metadata files are blobs too).
    assert_eq!(info["areas"]["pages"]["entries"], 2);
    assert!(info["areas"]["blobs"]["entries"].as_u64().unwrap() >= 2);
    assert_eq!(info["areas"]["wheels"]["entries"], 0);
    let total = info["total"]["bytes"].as_u64().unwrap();
    assert!(total > 0);
    let (code, text, _) = cache_command(cache.path(), &["info"]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(&format!("Cache folder: {}\n", cache.path().display())),
        "{text}"
    );
    assert!(text.contains("index pages"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("total"), "{text}");
}

#[test]
fn cache_clean_and_purge_empty_the_cache() {
    for action in ["clean", "purge"] {
        let cache = filled_cache();
        fs_err::create_dir_all(cache.path().join("interpreters")).unwrap();
        fs_err::write(cache.path().join("interpreters/keep.json"), "{}").unwrap();
        let (code, stdout, stderr) = cache_command(cache.path(), &[action, "--json"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(json(&stdout)["total"]["entries"].as_u64().unwrap() >= 4);
        let (_, stdout, _) = cache_command(cache.path(), &["info", "--json"]);
        assert_eq!(json(&stdout)["total"]["entries"], 0);
        assert!(cache.path().join("interpreters/keep.json").is_file());
        let (code, stdout, _) = cache_command(cache.path(), &[action]);
        assert_eq!(code, 0);
        assert_eq!(stdout, "Files removed: 0, 0 bytes freed\n");
    }
}

#[test]
fn cache_prune_removes_only_what_is_older_than_the_cutoff() {
    let cache = filled_cache();
    let (code, stdout, stderr) = cache_command(cache.path(), &["prune", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["total"]["entries"], 0);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (code, stdout, _) = cache_command(cache.path(), &["prune", "--older-than", "0"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Removed 2 from index pages"), "{stdout}");
    let (_, stdout, _) = cache_command(cache.path(), &["info", "--json"]);
    assert_eq!(json(&stdout)["total"]["entries"], 0);
}

#[test]
fn download_without_a_cache_leaves_only_the_wheels() {
    let server = IndexServer::with_wheels(&wheels());
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let (code, _, stderr) = download(
        cache.path(),
        &server.url(),
        dest.path(),
        &["app", "--no-cache-dir"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        names(dest.path()),
        ["app-2.0-py3-none-any.whl", "lib-2.0-py3-none-any.whl"]
    );
    assert!(names(cache.path())
        .iter()
        .all(|name| !name.ends_with("-v1")));
}
