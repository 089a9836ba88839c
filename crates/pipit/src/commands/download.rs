//! `pipit download -d DIR REQ…`: resolve as `install` does, fetch every
//! chosen wheel (in parallel, verified against the index's sha256 and the
//! user's `--hash`es), then save each into DIR under its file name. The
//! result is a wheelhouse: `--no-index --find-links DIR` resolves the same.
//!
//! All files are fetched before any is saved, so a failed download leaves
//! DIR as it was; each file is written under a temporary name and renamed,
//! so DIR never holds part of a file.

use std::collections::HashMap;
use std::fmt::Write;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pep508_rs::PackageName;
use pipit_index::{FetchProgress, Fetched, IndexClient, IndexError};
use pipit_install::install::{blob_sha256, matches_any};
use pipit_resolver::ResolvedDist;
use serde_json::json;
use tokio::sync::Semaphore;
use url::Url;

use crate::cli::{DownloadArgs, Output};
use crate::exit::CliError;

use super::resolve::{prepare, run};

/// How many files are fetched at once.
const PARALLEL_DOWNLOADS: usize = 8;

/// One wheel to save.
struct Wanted {
    name: String,
    version: String,
    filename: String,
    url: Url,
    /// The index's sha256, else the user's when they gave exactly one.
    expected: Option<String>,
    /// The user's `--hash` values (`algorithm:hex`); the file must match one.
    user_hashes: Vec<String>,
    /// Their sha256 values, to check a file already in DIR.
    user_sha256: Vec<String>,
}

/// One wheel in DIR.
struct Saved {
    wanted: Wanted,
    path: PathBuf,
    sha256: String,
    size: u64,
    from_cache: bool,
    already_there: bool,
}

/// Resolves, fetches and saves; see the module docs.
pub fn download(args: &DownloadArgs) -> Result<Output, CliError> {
    let prepared = prepare(&args.resolve, "download", Vec::new())?;
    let resolution = run(&prepared)?;
    let dest = args.dest.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut output = Output::default();
    for note in prepared.notes.iter().chain(&resolution.warnings) {
        let _ = writeln!(output.stderr, "warning: {note}");
    }
    let user_hashes = user_hashes(&prepared.request);
    let wanted: Vec<Wanted> = resolution
        .packages
        .iter()
        .map(|dist| wanted(dist, &user_hashes))
        .collect();
    let progress = match args.progress_bar.as_deref() {
        Some("on") => true,
        Some(_) => false,
        None => std::io::stderr().is_terminal(),
    } && !args.quiet
        && !args.json;
    fs_err::create_dir_all(&dest).map_err(|error| {
        CliError::install(format!("cannot create the destination folder: {error}"))
    })?;
    let saved = fetch_and_save(&prepared.sources.client, wanted, &dest, progress)?;

    if args.json {
        let files: Vec<_> = saved
            .iter()
            .map(|saved| {
                json!({
                    "name": saved.wanted.name,
                    "version": saved.wanted.version,
                    "filename": saved.wanted.filename,
                    "path": saved.path.display().to_string(),
                    "sha256": saved.sha256,
                    "size": saved.size,
                    "from_cache": saved.from_cache,
                })
            })
            .collect();
        output.stdout = format!(
            "{}\n",
            json!({"dest": dest.display().to_string(), "files": files})
        );
    } else if !args.quiet {
        for saved in &saved {
            if saved.already_there {
                let _ = writeln!(
                    output.stdout,
                    "File was already downloaded {}",
                    saved.path.display()
                );
            } else {
                let _ = writeln!(output.stdout, "Saved {}", saved.path.display());
            }
        }
        let names: Vec<&str> = saved
            .iter()
            .map(|saved| saved.wanted.name.as_str())
            .collect();
        let _ = writeln!(output.stdout, "Successfully downloaded {}", names.join(" "));
    }
    Ok(output)
}

/// The `--hash` values the user gave, per package (requirements and
/// constraints), lowercase.
fn user_hashes(request: &pipit_resolver::Request) -> HashMap<PackageName, Vec<String>> {
    let mut hashes: HashMap<PackageName, Vec<String>> = HashMap::new();
    for user in request.requirements.iter().chain(&request.constraints) {
        hashes
            .entry(user.requirement.name.clone())
            .or_default()
            .extend(user.hashes.iter().map(|hash| hash.to_ascii_lowercase()));
    }
    hashes
}

fn wanted(dist: &ResolvedDist, user_hashes: &HashMap<PackageName, Vec<String>>) -> Wanted {
    let user_hashes = user_hashes.get(&dist.name).cloned().unwrap_or_default();
    let index_sha256 = dist
        .file
        .hashes
        .get("sha256")
        .map(|hex| hex.to_ascii_lowercase());
    let expected = blob_sha256(index_sha256.as_deref(), &user_hashes).map(str::to_string);
    let user_sha256 = user_hashes
        .iter()
        .filter_map(|hash| hash.strip_prefix("sha256:").map(str::to_string))
        .collect();
    Wanted {
        name: dist.name.to_string(),
        version: dist.version.to_string(),
        filename: dist.file.filename.clone(),
        url: dist.file.url.to_url(),
        expected,
        user_hashes,
        user_sha256,
    }
}

/// Fetches every file (at most [`PARALLEL_DOWNLOADS`] at once), then
/// saves them all into `dest`, in resolution order.
fn fetch_and_save(
    client: &IndexClient,
    wanted: Vec<Wanted>,
    dest: &Path,
    progress: bool,
) -> Result<Vec<Saved>, CliError> {
    // Without a cache, fetched files land next to their destination so
    // that saving them is a rename on the same file system.
    let scratch = dest.join(format!(".tmp-pipit-download-{}", std::process::id()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| CliError::install(format!("cannot start the async runtime: {error}")))?;
    let fetched = runtime.block_on(fetch_all(client, wanted, dest, &scratch, progress));
    let result = fetched.and_then(|fetched| {
        fetched
            .into_iter()
            .map(|(wanted, fetched)| save(wanted, fetched, dest))
            .collect()
    });
    let _ = fs_err::remove_dir_all(&scratch);
    result
}

/// `Ok(None)` for a file DIR already holds with the right hash.
type FetchResult = Result<(Wanted, Option<Fetched>), CliError>;

async fn fetch_all(
    client: &IndexClient,
    wanted: Vec<Wanted>,
    dest: &Path,
    scratch: &Path,
    progress: bool,
) -> Result<Vec<(Wanted, Option<Fetched>)>, CliError> {
    let permits = Arc::new(Semaphore::new(PARALLEL_DOWNLOADS));
    let mut tasks = Vec::new();
    for wanted in wanted {
        let client = client.clone();
        let permits = Arc::clone(&permits);
        let dest = dest.to_path_buf();
        let scratch = scratch.to_path_buf();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            fetch_one(&client, wanted, &dest, &scratch, progress).await
        }));
    }
    let mut fetched = Vec::new();
    let mut first_error = None;
    for task in tasks {
        let outcome: FetchResult = task.await.unwrap_or_else(|error| {
            Err(CliError::install(format!(
                "a download task failed: {error}"
            )))
        });
        match outcome {
            Ok(done) => fetched.push(done),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(fetched),
    }
}

async fn fetch_one(
    client: &IndexClient,
    wanted: Wanted,
    dest: &Path,
    scratch: &Path,
    progress: bool,
) -> FetchResult {
    let target = dest.join(&wanted.filename);
    if target.is_file() {
        let hashed = target.clone();
        let existing = tokio::task::spawn_blocking(move || sha256_of(&hashed))
            .await
            .ok()
            .flatten();
        let known = wanted.expected.is_some() || !wanted.user_hashes.is_empty();
        let matches = existing.as_deref().is_some_and(|sha256| {
            wanted.expected.as_deref().is_none_or(|hex| hex == sha256)
                && (wanted.user_sha256.is_empty()
                    || wanted.user_sha256.iter().any(|hex| hex == sha256))
        });
        // pip keeps a file it cannot check, and one that checks out.
        if matches || (!known && existing.is_some()) {
            return Ok((wanted, None));
        }
    }
    if client.options().cache_dir.is_none() {
        fs_err::create_dir_all(scratch).map_err(|error| {
            CliError::install(format!("cannot create a scratch folder: {error}"))
        })?;
    }
    let filename = wanted.filename.clone();
    let report = |event: FetchProgress| {
        if !progress {
            return;
        }
        match event {
            FetchProgress::Started { total } => {
                let size = total
                    .map(|total| format!(" ({})", super::cache::human_size(total)))
                    .unwrap_or_default();
                eprintln!("Downloading {filename}{size}");
            }
            // Lines, not a bar: byte counts would only scroll the terminal.
            FetchProgress::Bytes(_) => {}
            FetchProgress::Retrying { attempt } => {
                eprintln!("Retrying {filename} (attempt {})", attempt + 1);
            }
        }
    };
    let fetched = client
        .fetch_file(&wanted.url, wanted.expected.as_deref(), scratch, &report)
        .await?;
    let allowed = wanted.user_hashes.is_empty()
        || matches_any(&wanted.user_hashes, &fetched).map_err(CliError::from)?;
    if !allowed {
        return Err(CliError::from(IndexError::HashMismatch {
            url: pipit_index::redact(&wanted.url),
            expected: wanted.user_hashes.join(" or "),
            actual: fetched.sha256,
        })
        .hint("the file does not match the --hash given for it"));
    }
    Ok((wanted, Some(fetched)))
}

/// Puts a fetched file into `dest` under its name: a hard link to the
/// blob when the file system allows, else a copy, through a temporary name.
fn save(wanted: Wanted, fetched: Option<Fetched>, dest: &Path) -> Result<Saved, CliError> {
    let target = dest.join(&wanted.filename);
    let Some(fetched) = fetched else {
        let (sha256, size) = sha256_of(&target)
            .map(|sha256| (sha256, fs_err::metadata(&target).map_or(0, |m| m.len())))
            .unwrap_or_default();
        return Ok(Saved {
            wanted,
            path: target,
            sha256,
            size,
            from_cache: true,
            already_there: true,
        });
    };
    // A `file://` wheel that already lives in DEST is its own copy.
    let same_file = fs_err::canonicalize(&fetched.path)
        .ok()
        .zip(fs_err::canonicalize(&target).ok())
        .is_some_and(|(from, to)| from == to);
    if !same_file {
        let temporary = dest.join(format!(
            ".tmp-pipit-{}-{}",
            std::process::id(),
            wanted.filename
        ));
        let _ = fs_err::remove_file(&temporary);
        let placed = fs_err::hard_link(&fetched.path, &temporary)
            .or_else(|_| fs_err::copy(&fetched.path, &temporary).map(|_| ()))
            .and_then(|()| fs_err::rename(&temporary, &target));
        if let Err(error) = placed {
            let _ = fs_err::remove_file(&temporary);
            return Err(CliError::install(format!(
                "cannot save `{}`: {error}",
                wanted.filename
            )));
        }
    }
    Ok(Saved {
        wanted,
        path: target,
        sha256: fetched.sha256,
        size: fetched.size,
        from_cache: fetched.from_cache,
        already_there: false,
    })
}

/// The sha256 of a file in DIR, `None` when it cannot be read.
fn sha256_of(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut file = fs_err::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(format!("{:x}", hasher.finalize()))
}
