//! Installing a set of wheels into one locked target, all or nothing.
//!
//! The stages, each a type: a [`WheelToInstall`] (a file an index offers)
//! is fetched into the blob store (`pipit-index`), unpacked once into the
//! wheel cache ([`crate::cache`]), linked into this install's staging
//! folder ([`crate::stage`]), and finally moved into place together with
//! the removal of the versions it replaces ([`crate::transaction`]).
//!
//! Downloads run concurrently (bounded); each wheel is unpacked and staged
//! on a blocking thread once it is verified and one of as many staging
//! slots as there are cores is free (a large wheel takes the free slots
//! too, for threads of its own), so download and unpack overlap without
//! more file system work in flight than the machine can run. Nothing in
//! the target changes until every wheel is staged: a failed download, a
//! refused wheel or a full disk leaves it as it was.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::PackageName;
use pipit_index::{FetchProgress, IndexClient, Pending, WheelFilename};
use serde_json::json;
use tokio::sync::Semaphore;
use url::Url;

use crate::cache::{unpack_uncached, WheelCache};
use crate::installed::InstalledDist;
use crate::layout::InstallLayout;
use crate::link::{LinkMode, Linker};
use crate::lock::TargetLock;
use crate::parallel::{threads_for, Lender, Loan};
use crate::stage::{stage_wheel, StageOptions, StagedDist, FILES_PER_THREAD};
use crate::transaction::{Move, Staging};
use crate::wheel::WheelSource;

/// How many wheels download at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// One wheel to put into the target.
#[derive(Debug, Clone)]
pub struct WheelToInstall {
    /// Normalised project name.
    pub name: PackageName,
    /// The version the resolver chose.
    pub version: Version,
    /// The wheel's file name.
    pub filename: String,
    /// Where the wheel is (`http(s)` or `file`).
    pub url: Url,
    /// The sha256 the index published (lowercase hex), if any.
    pub sha256: Option<String>,
    /// The `--hash` values the user gave for it (`sha256:<hex>`); when any
    /// is given, the file must match one of them.
    pub allowed_hashes: Vec<String>,
    /// Whether the user asked for it by name (pip's `REQUESTED`).
    pub requested: bool,
    /// The URL the user gave, for a direct reference (PEP 610 `direct_url.json`).
    pub direct_url: Option<String>,
    /// The file's size, when the index or the folder says; larger wheels
    /// are fetched and staged first.
    pub size: Option<u64>,
}

/// How to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// How files get from the wheel cache into the target.
    pub link_mode: LinkMode,
    /// Compile `.py` files to bytecode with the target interpreter.
    pub compile: bool,
    /// Concurrent downloads.
    pub concurrency: usize,
    /// Re-hash cached unpacked wheels before linking from them
    /// (`--force-reinstall`: an edited hard-linked file edits the cache).
    pub verify_cache: bool,
    /// The cache folder; `None` (`--no-cache-dir`) unpacks into the staging folder.
    pub cache_dir: Option<PathBuf>,
    /// Files that must be neither removed nor overwritten: those of
    /// distributions the host process has loaded from the target.
    pub protected: Vec<PathBuf>,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self {
            link_mode: LinkMode::default(),
            compile: false,
            concurrency: DEFAULT_CONCURRENCY,
            verify_cache: false,
            cache_dir: None,
            protected: Vec::new(),
        }
    }
}

/// Progress, for the CLI's bars and `-v` lines. Every method has an empty
/// default; implementations must be cheap (they run on download tasks).
pub trait Reporter: Send + Sync {
    /// A download began (`total` when the server said how big it is).
    fn download_started(&self, _name: &PackageName, _total: Option<u64>) {}
    /// More bytes of one download arrived.
    fn download_progress(&self, _name: &PackageName, _bytes: u64) {}
    /// A wheel is on disk and verified; `from_cache` when no download was needed.
    fn download_finished(&self, _name: &PackageName, _from_cache: bool) {}
    /// A wheel is unpacked and staged.
    fn staged(&self, _name: &PackageName) {}
}

/// A reporter that reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// What an install did.
#[derive(Debug, Default)]
pub struct InstallReport {
    /// Installed, in the order of the plan.
    pub installed: Vec<(PackageName, Version)>,
    /// Removed (replaced versions, reinstalls).
    pub removed: Vec<(PackageName, Version)>,
    /// Wheels that had to be downloaded.
    pub downloaded: usize,
    /// Wheels found in the cache or on a local path.
    pub cached: usize,
    /// Whether some link fell back to copying (e.g. across file systems).
    pub fell_back_to_copy: bool,
}

/// The install failed; the target is as it was.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("cannot download `{filename}`: {source}")]
    Download {
        filename: String,
        source: pipit_index::IndexError,
    },
    #[error("`{filename}` does not match any --hash given for it: its sha256 is {actual}")]
    HashNotAllowed { filename: String, actual: String },
    #[error("invalid wheel file name `{filename}`")]
    Filename { filename: String },
    #[error(transparent)]
    Wheel(#[from] crate::wheel::WheelError),
    #[error("cannot read the installed `{name}`: {source}")]
    Installed {
        name: String,
        source: Box<crate::installed::InstalledError>,
    },
    #[error(transparent)]
    Transaction(#[from] crate::transaction::TransactionError),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("stopped after another wheel failed")]
    Cancelled,
    #[error("installing would {action} `{}`, a file of a distribution the host process has loaded", path.display())]
    Protected { action: &'static str, path: PathBuf },
}

/// Installs `wheels` into the locked target, replacing `replace` (installed
/// distributions to remove: other versions of the same projects, or the
/// same version for a reinstall). All or nothing.
pub async fn install(
    client: &IndexClient,
    lock: &TargetLock,
    layout: &InstallLayout,
    wheels: Vec<WheelToInstall>,
    replace: Vec<InstalledDist>,
    options: &InstallOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<InstallReport, InstallError> {
    let planned: Vec<(PackageName, Version)> = wheels
        .iter()
        .map(|wheel| (wheel.name.clone(), wheel.version.clone()))
        .collect();
    let staging = Staging::create(lock)?;
    let outcome = stage_all(client, layout, &staging, wheels, options, reporter).await;
    let (staged, mut report) = match outcome {
        Ok(staged) => staged,
        Err(error) => {
            staging.discard();
            return Err(error);
        }
    };
    let mut removals = Vec::new();
    for dist in &replace {
        match dist.files(layout) {
            Ok(files) => removals.extend(files),
            Err(source) => {
                staging.discard();
                return Err(InstallError::Installed {
                    name: dist.name.to_string(),
                    source: Box::new(source),
                });
            }
        }
        report
            .removed
            .push((dist.name.clone(), dist.version.clone()));
    }
    removals.sort();
    removals.dedup();
    if let Some(error) = touches_protected(&removals, &staged, &options.protected) {
        staging.discard();
        return Err(error);
    }
    let moves = plan_moves(&staging.new_dir(), &staged);
    let keep = layout.folders();
    staging.commit(removals, moves, &keep)?;
    report.installed = planned;
    Ok(report)
}

/// Fetches, unpacks and stages every wheel, concurrently.
async fn stage_all(
    client: &IndexClient,
    layout: &InstallLayout,
    staging: &Staging,
    wheels: Vec<WheelToInstall>,
    options: &InstallOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<(Vec<StagedDist>, InstallReport), InstallError> {
    let semaphore = Arc::new(Semaphore::new(options.concurrency.max(1)));
    // Unpacking and linking are CPU and file system work: more threads than
    // cores only contend for both (and each thread's allocator arena is
    // peak memory), so stages run a core's worth at a time, threads within
    // a wheel included.
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let stagers = Arc::new(Semaphore::new(cores));
    // A large wheel also takes the staging slots nobody holds now, for
    // threads of its own: a core's worth in all.
    let lender: Arc<Lender> = {
        let stagers = stagers.clone();
        Arc::new(move |wanted: usize| {
            let extra = wanted.min(cores).saturating_sub(1);
            (1..=extra)
                .rev()
                .find_map(|count| {
                    let permit = stagers
                        .clone()
                        .try_acquire_many_owned(u32::try_from(count).ok()?)
                        .ok()?;
                    Some(Loan::new(1 + count, Some(Box::new(permit))))
                })
                .unwrap_or_else(Loan::alone)
        })
    };
    let linker = Arc::new(Linker::new(options.link_mode));
    let cache = options
        .cache_dir
        .as_deref()
        .map(WheelCache::new)
        .map(Arc::new);
    let scratch = staging.new_dir().with_file_name("downloads");
    let unpack_dir = staging.new_dir().with_file_name("unpacked");
    let mut tasks = tokio::task::JoinSet::new();
    let order: Vec<PackageName> = wheels.iter().map(|wheel| wheel.name.clone()).collect();
    // Largest first: staging is a core's worth at a time, and one large
    // wheel started last (jupyterlab's jedi holds half of the closure's
    // files) would leave the other cores idle while it is linked alone.
    let mut wheels: Vec<(usize, WheelToInstall)> = wheels.into_iter().enumerate().collect();
    wheels.sort_by_key(|(_, wheel)| std::cmp::Reverse(wheel.size.unwrap_or(0)));
    // After the first failure the other tasks stop at their next step; the
    // failure is returned only once every task has ended, so no blocking
    // unpack is still writing into the staging folder when it is discarded.
    let cancelled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for (index, wheel) in wheels {
        let client = client.clone();
        let semaphore = semaphore.clone();
        let stagers = stagers.clone();
        let lender = lender.clone();
        let linker = linker.clone();
        let cache = cache.clone();
        let reporter = reporter.clone();
        let layout = layout.clone();
        let staging_root = staging.new_dir();
        let scratch = scratch.clone();
        let unpack_dir = unpack_dir.join(index.to_string());
        let compile = options.compile.then(|| layout.python.clone()).flatten();
        let verify_cache = options.verify_cache;
        let cancelled = cancelled.clone();
        tasks.spawn(async move {
            let pending = {
                let _permit = semaphore
                    .acquire_owned()
                    .await
                    .map_err(|error| InstallError::Internal(error.to_string()))?;
                if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(InstallError::Cancelled);
                }
                fetch(&client, &wheel, &scratch, reporter.as_ref()).await?
            };
            let fetched = pending.fetched().clone();
            let download_name = wheel.filename.clone();
            let from_cache = fetched.from_cache || wheel.url.scheme() == "file";
            reporter.download_finished(&wheel.name, from_cache);
            // A download is unpacked from the open file while the sync
            // that must precede its move into the blob store waits for
            // the disk beside it; the stage is awaited before the move's
            // outcome so that no unpack outlives a failure.
            let reader = pending.reader().map_err(|error| {
                InstallError::Internal(format!(
                    "cannot read back `{}`: {error}",
                    fetched.path.display()
                ))
            })?;
            let settling = pending
                .is_pending()
                .then(|| tokio::task::spawn_blocking(move || pending.settle()));
            let reporter_for_stage = reporter.clone();
            let staged = async {
                let _stager = stagers
                    .acquire_owned()
                    .await
                    .map_err(|error| InstallError::Internal(error.to_string()))?;
                tokio::task::spawn_blocking(move || {
                    if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
                        return Err(InstallError::Cancelled);
                    }
                    let filename = WheelFilename::parse(&wheel.filename).ok_or_else(|| {
                        InstallError::Filename {
                            filename: wheel.filename.clone(),
                        }
                    })?;
                    let source = match &reader {
                        Some(file) => WheelSource::open(&fetched.path, file),
                        None => WheelSource::from(&fetched.path),
                    };
                    let unpacked = match &cache {
                        Some(cache) => {
                            let cache = cache.as_ref().clone().with_lender(lender.clone());
                            if verify_cache {
                                cache.unpacked_verified(&fetched.sha256, source, &filename)?
                            } else {
                                cache.unpacked(&fetched.sha256, source, &filename)?
                            }
                        }
                        None => unpack_uncached(source, &filename, &unpack_dir)?,
                    };
                    drop(reader);
                    let direct_url = wheel.direct_url.as_ref().map(|url| {
                        json!({
                            "archive_info": {
                                "hash": format!("sha256={}", fetched.sha256),
                                "hashes": {"sha256": fetched.sha256},
                            },
                            "url": url,
                        })
                    });
                    let files = unpacked.info.record.len() as u64;
                    let loan = lender(threads_for(files, FILES_PER_THREAD, usize::MAX));
                    let stage_options = StageOptions {
                        requested: wheel.requested,
                        direct_url,
                        compile,
                        threads: loan.threads,
                    };
                    let staged =
                        stage_wheel(&unpacked, &layout, &staging_root, &linker, &stage_options)?;
                    reporter_for_stage.staged(&wheel.name);
                    Ok::<_, InstallError>(staged)
                })
                .await
                .map_err(|error| InstallError::Internal(format!("staging stopped: {error}")))?
            }
            .await;
            let settled = match settling {
                Some(settling) => match settling.await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(source)) => Err(InstallError::Download {
                        filename: download_name.clone(),
                        source,
                    }),
                    Err(error) => Err(InstallError::Internal(format!(
                        "storing `{download_name}` stopped: {error}"
                    ))),
                },
                None => Ok(()),
            };
            // When both fail, the stage's error says more.
            let staged = staged?;
            settled?;
            Ok::<_, InstallError>((index, staged, from_cache))
        });
    }
    let mut staged: Vec<Option<StagedDist>> = (0..order.len()).map(|_| None).collect();
    let mut report = InstallReport::default();
    let mut failure: Option<InstallError> = None;
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined.unwrap_or_else(|error| {
            Err(InstallError::Internal(format!(
                "an install task stopped: {error}"
            )))
        });
        match outcome {
            Ok((index, dist, from_cache)) => {
                if from_cache {
                    report.cached += 1;
                } else {
                    report.downloaded += 1;
                }
                staged[index] = Some(dist);
            }
            Err(InstallError::Cancelled) => {}
            Err(error) => {
                cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
                failure.get_or_insert(error);
            }
        }
    }
    if let Some(error) = failure {
        return Err(error);
    }
    report.fell_back_to_copy = linker.fell_back();
    Ok((staged.into_iter().flatten().collect(), report))
}

/// The wheel on disk, verified against the index's and the user's hashes
/// (a download not yet moved to its final name: see [`Pending`]).
async fn fetch(
    client: &IndexClient,
    wheel: &WheelToInstall,
    scratch: &Path,
    reporter: &dyn Reporter,
) -> Result<Pending, InstallError> {
    let _ = std::fs::create_dir_all(scratch);
    let expected = blob_sha256(wheel.sha256.as_deref(), &wheel.allowed_hashes);
    let name = wheel.name.clone();
    let progress = move |event: FetchProgress| match event {
        FetchProgress::Started { total } => reporter.download_started(&name, total),
        FetchProgress::Bytes(bytes) => reporter.download_progress(&name, bytes),
        FetchProgress::Retrying { .. } => {}
    };
    let pending = client
        .fetch_file_pending(&wheel.url, expected, scratch, &progress)
        .await
        .map_err(|source| InstallError::Download {
            filename: wheel.filename.clone(),
            source,
        })?;
    let fetched = pending.fetched();
    if !wheel.allowed_hashes.is_empty() && !matches_any(&wheel.allowed_hashes, fetched)? {
        return Err(InstallError::HashNotAllowed {
            filename: wheel.filename.clone(),
            actual: fetched.sha256.clone(),
        });
    }
    Ok(pending)
}

/// The sha256 a fetch is checked against while it streams: the index's;
/// without one, the user's only sha256 (`sha256:<hex>` in `allowed`).
/// With several, the file is checked after it is fetched ([`matches_any`]).
pub fn blob_sha256<'a>(index_sha256: Option<&'a str>, allowed: &'a [String]) -> Option<&'a str> {
    let user: Vec<&str> = allowed
        .iter()
        .filter_map(|hash| hash.strip_prefix("sha256:"))
        .collect();
    match (index_sha256, user.as_slice()) {
        (Some(sha256), _) => Some(sha256),
        (None, [only]) => Some(*only),
        (None, _) => None,
    }
}

/// Whether the fetched file matches one of `allowed` (`algorithm:hex`):
/// sha256 from the fetch, sha384/sha512 computed from the file when given.
pub fn matches_any(
    allowed: &[String],
    fetched: &pipit_index::Fetched,
) -> Result<bool, InstallError> {
    use sha2::Digest;
    let mut sha384: Option<String> = None;
    let mut sha512: Option<String> = None;
    for hash in allowed {
        let Some((algorithm, hex)) = hash.split_once(':') else {
            continue;
        };
        let actual = match algorithm {
            "sha256" => fetched.sha256.clone(),
            "sha384" | "sha512" => {
                let slot = if algorithm == "sha384" {
                    &mut sha384
                } else {
                    &mut sha512
                };
                if slot.is_none() {
                    let bytes = std::fs::read(&fetched.path).map_err(|error| {
                        InstallError::Internal(format!(
                            "cannot read `{}` to hash it: {error}",
                            fetched.path.display()
                        ))
                    })?;
                    *slot = Some(if algorithm == "sha384" {
                        format!("{:x}", sha2::Sha384::digest(&bytes))
                    } else {
                        format!("{:x}", sha2::Sha512::digest(&bytes))
                    });
                }
                slot.clone().unwrap_or_default()
            }
            _ => continue,
        };
        if actual.eq_ignore_ascii_case(hex) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The first protected file the install would remove or overwrite.
fn touches_protected(
    removals: &[PathBuf],
    staged: &[StagedDist],
    protected: &[PathBuf],
) -> Option<InstallError> {
    if protected.is_empty() {
        return None;
    }
    let protected: std::collections::BTreeSet<&PathBuf> = protected.iter().collect();
    if let Some(path) = removals.iter().find(|path| protected.contains(path)) {
        return Some(InstallError::Protected {
            action: "remove",
            path: path.clone(),
        });
    }
    for dist in staged {
        if let Some(file) = dist
            .files
            .iter()
            .find(|file| protected.contains(&file.final_path))
        {
            return Some(InstallError::Protected {
                action: "overwrite",
                path: file.final_path.clone(),
            });
        }
    }
    None
}

/// The renames that put the staged files into place: a staged folder whose
/// final place does not exist yet moves whole (one rename for a new
/// package), anything else file by file.
pub(crate) fn plan_moves(staging_root: &Path, staged: &[StagedDist]) -> Vec<Move> {
    use std::collections::{HashMap, HashSet};
    let mut moves: Vec<Move> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    // Files share folders, and where a file moves depends only on its
    // folder: each staged folder is climbed once (`true`: it moves inside
    // a folder that moves whole), and each target folder asked about is
    // looked up once (the answer cannot change before the commit). The
    // folders above a file are asked from the top down: what a missing
    // folder holds is missing too, so a new package's first folder
    // answers for all of its others.
    let mut in_moved_folder: HashMap<&Path, bool> = HashMap::new();
    let mut exists: HashMap<PathBuf, bool> = HashMap::new();
    // Files come folder by folder: the last answer is compared as bytes
    // before the map is asked (hashing a path walks its components).
    let mut last: Option<(&Path, bool)> = None;
    for file in staged.iter().flat_map(|dist| &dist.files) {
        let folder = file.staged.parent().unwrap_or(staging_root);
        let known = match last {
            Some((last_folder, moved)) if last_folder.as_os_str() == folder.as_os_str() => {
                Some(moved)
            }
            _ => in_moved_folder.get(folder).copied(),
        };
        let moved = match known {
            Some(moved) => moved,
            None => {
                // The folders above the file inside the staging tree, each
                // with its place in the target, deepest first.
                let mut above = Vec::new();
                let (mut from, mut to) = (file.staged.as_path(), file.final_path.as_path());
                while let (Some(from_parent), Some(to_parent)) = (from.parent(), to.parent()) {
                    if from_parent == staging_root || !from_parent.starts_with(staging_root) {
                        break;
                    }
                    above.push((from_parent, to_parent));
                    (from, to) = (from_parent, to_parent);
                }
                // The highest one missing from the target moves whole.
                (from, to) = (file.staged.as_path(), file.final_path.as_path());
                for &(from_folder, to_folder) in above.iter().rev() {
                    let found = *exists
                        .entry(to_folder.to_path_buf())
                        .or_insert_with(|| to_folder.symlink_metadata().is_ok());
                    if !found {
                        (from, to) = (from_folder, to_folder);
                        break;
                    }
                }
                let moved = from != file.staged;
                if moved && seen.insert(to.to_path_buf()) {
                    moves.push(Move {
                        staged: from.to_path_buf(),
                        target: to.to_path_buf(),
                    });
                }
                in_moved_folder.insert(folder, moved);
                moved
            }
        };
        last = Some((folder, moved));
        if !moved && seen.insert(file.final_path.clone()) {
            moves.push(Move {
                staged: file.staged.clone(),
                target: file.final_path.clone(),
            });
        }
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::StagedFile;

    #[test]
    fn new_folders_move_whole_and_files_in_existing_folders_move_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (staging, target) = (dir.path().join("new"), dir.path().join("target"));
        fs_err::create_dir_all(target.join("bin")).unwrap();
        fs_err::create_dir_all(target.join("old")).unwrap();
        let file = |relative: &str| StagedFile {
            staged: staging.join(relative),
            final_path: target.join(relative),
        };
        let dist = |files: Vec<StagedFile>| StagedDist {
            name: "demo".to_string(),
            version: "1.0".to_string(),
            dist_info: target.join("demo-1.0.dist-info"),
            files,
            record: Vec::new(),
        };
        let staged = [
            dist(vec![
                file("pkg/a.py"),
                file("pkg/sub/b.py"),
                file("bin/tool"),
                file("old/new/x.py"),
                file("old/new/deeper/y.py"),
                file("old/c.py"),
            ]),
            // A later wheel staging the same file: one move.
            dist(vec![file("bin/tool"), file("pkg/sub/c.py")]),
        ];
        let moves: Vec<(PathBuf, PathBuf)> = plan_moves(&staging, &staged)
            .into_iter()
            .map(|planned| (planned.staged, planned.target))
            .collect();
        let pair = |relative: &str| (staging.join(relative), target.join(relative));
        assert_eq!(
            moves,
            [
                pair("pkg"),
                pair("bin/tool"),
                pair("old/new"),
                pair("old/c.py")
            ]
        );
    }
}
