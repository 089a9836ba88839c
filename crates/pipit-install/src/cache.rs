//! The unpacked-wheel cache: each wheel is unpacked and verified once, then
//! linked into targets from here.
//!
//! ```text
//! <cache_dir>/wheels-v1/
//!   <lowercase sha256 hex of the .whl>/   a complete, verified unpacked wheel;
//!                                         its mtime is the last time it was used
//!   <sha256 hex>.absent                   the RECORD rows with a hash whose
//!                                         file the archive lacks, one a line;
//!                                         only written when there are some
//!   .tmp-<random>/                        an unpack in progress, or a folder
//!                                         being evicted (or left by a killed
//!                                         process: `pipit cache prune`
//!                                         removes these)
//! ```
//!
//! A folder named by a digest only ever appears by a `rename` of a finished
//! `.tmp-*` folder, so its existence means it was complete. Two processes
//! unpacking the same wheel both finish; the loser of the rename discards
//! its copy and uses the winner's. Temporary names are random (processes in
//! separate containers share pids), and only folders this process created
//! are ever removed.
//!
//! A complete folder can lose files later (a temp cleaner, a partial `rm`),
//! and a file hard-linked into a target can be edited there. So each reuse
//! reads the tree's own `RECORD` and checks, from metadata alone, that every
//! row with a hash names a file of the recorded size; a row may only lack
//! its file when `<sha256 hex>.absent` lists it (pip tolerates RECORD rows
//! for files the archive lacks, and a fresh unpack lists exactly those).
//! The list lives beside the tree, not in it, since the tree's files are
//! linked into targets. Its content depends only on the wheel, so a stale
//! or concurrent write is harmless, and a lost list only costs one unpack.
//! A tree that fails the check is evicted (renamed into a `.tmp-*` folder,
//! then removed) and the wheel unpacked again.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pipit_index::WheelFilename;

use crate::parallel::{Lender, Loan};
use crate::wheel::{
    read_unpacked_checked, read_unpacked_info, unpack_wheel, unpack_wheel_limited, WheelError,
    WheelInfo, WheelSource, MAX_UNPACKED_SIZE,
};

/// The prefix of every temporary name in the cache folder.
const TEMPORARY_PREFIX: &str = ".tmp-";

/// The suffix of the list of RECORD rows a wheel's archive lacks.
const ABSENT_SUFFIX: &str = ".absent";

/// The cache folder's name under the cache directory; versioned so that a
/// change of layout starts afresh.
pub const WHEELS_DIR: &str = "wheels-v1";

/// A wheel unpacked and verified in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackedWheel {
    /// The folder holding the wheel's files as the archive names them.
    pub dir: PathBuf,
    /// The wheel's file name, for messages.
    pub wheel: String,
    /// What the wheel holds.
    pub info: WheelInfo,
}

/// `<cache_dir>/wheels-v1`.
#[derive(Clone)]
pub struct WheelCache {
    root: PathBuf,
    lender: Option<Arc<Lender>>,
}

impl std::fmt::Debug for WheelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WheelCache")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl WheelCache {
    /// The cache under `cache_dir` (created on first use).
    pub fn new(cache_dir: &Path) -> Self {
        Self {
            root: cache_dir.join(WHEELS_DIR),
            lender: None,
        }
    }

    /// The same cache, unpacking a large wheel on the threads `lender`
    /// spares when it is asked (see [`crate::wheel::BYTES_PER_THREAD`]).
    pub(crate) fn with_lender(mut self, lender: Arc<Lender>) -> Self {
        self.lender = Some(lender);
        self
    }

    /// `<cache_dir>/wheels-v1`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The unpacked form of `wheel`, whose sha256 is `sha256_hex` (verified
    /// by the caller), unpacking it on first use.
    pub fn unpacked<'a>(
        &self,
        sha256_hex: &str,
        wheel: impl Into<WheelSource<'a>>,
        filename: &WheelFilename,
    ) -> Result<UnpackedWheel, WheelError> {
        let wheel = wheel.into();
        let key = cache_key(sha256_hex)?;
        let dir = self.root.join(&key);
        let display = crate::wheel::wheel_display(filename);
        if dir.is_dir() {
            if let Some(unpacked) = self.reuse(&key, &dir, &display, filename)? {
                return Ok(unpacked);
            }
            self.evict(&dir)?;
        }
        std::fs::create_dir_all(&self.root).map_err(WheelError::io(&self.root))?;
        let tmp = self.temporary_dir()?;
        let info =
            unpack_wheel_limited(wheel, filename, tmp.path(), MAX_UNPACKED_SIZE, |wanted| {
                match &self.lender {
                    Some(lend) => lend(wanted),
                    None => Loan::alone(),
                }
            })?;
        // Before the rename: a folder under its digest has its list. The
        // same check as a reuse makes, so the two always agree.
        let (_, absent) = read_unpacked_checked(tmp.path(), filename)?;
        if !absent.is_empty() {
            self.write_absent(&key, &absent)?;
        }
        // From here the folder is ours to rename or remove, not the guard's.
        let tmp = tmp.keep();
        let mut attempts = 0;
        loop {
            match std::fs::rename(&tmp, &dir) {
                Ok(()) => {
                    touch(&dir);
                    return Ok(UnpackedWheel {
                        dir,
                        wheel: display,
                        info,
                    });
                }
                Err(_) if dir.is_dir() && attempts == 0 => {
                    attempts += 1;
                    // Another process finished first: its copy is as good
                    // as ours, unless it has lost files already.
                    let reused = match self.reuse(&key, &dir, &display, filename) {
                        Ok(None) => self.evict(&dir).map(|()| None),
                        other => other,
                    };
                    match reused {
                        Ok(None) => {}
                        Ok(Some(unpacked)) => {
                            let _ = std::fs::remove_dir_all(&tmp);
                            return Ok(unpacked);
                        }
                        Err(error) => {
                            let _ = std::fs::remove_dir_all(&tmp);
                            return Err(error);
                        }
                    }
                }
                Err(source) => {
                    let _ = std::fs::remove_dir_all(&tmp);
                    return Err(WheelError::Io { path: dir, source });
                }
            }
        }
    }

    /// Like [`WheelCache::unpacked`], but an existing tree is first
    /// re-hashed against its RECORD and unpacked again if a file changed.
    /// Hard-linked installs share their files with the cache, so an edit
    /// to an installed file edits the cache too; `--force-reinstall` must
    /// not bring the edit back.
    pub fn unpacked_verified<'a>(
        &self,
        sha256_hex: &str,
        wheel: impl Into<WheelSource<'a>>,
        filename: &WheelFilename,
    ) -> Result<UnpackedWheel, WheelError> {
        let dir = self.root.join(cache_key(sha256_hex)?);
        if dir.is_dir() && !tree_matches_record(&dir, filename) {
            self.evict(&dir)?;
        }
        self.unpacked(sha256_hex, wheel, filename)
    }

    /// The tree in `dir` when it is complete; `None` when it must be
    /// unpacked again.
    fn reuse(
        &self,
        key: &str,
        dir: &Path,
        wheel: &str,
        filename: &WheelFilename,
    ) -> Result<Option<UnpackedWheel>, WheelError> {
        let Ok((info, missing)) = read_unpacked_checked(dir, filename) else {
            return Ok(None);
        };
        if !missing.is_empty() {
            let absent = self.read_absent(key)?;
            if !missing.iter().all(|path| absent.contains(path)) {
                return Ok(None);
            }
        }
        touch(dir);
        Ok(Some(UnpackedWheel {
            dir: dir.to_path_buf(),
            wheel: wheel.to_string(),
            info,
        }))
    }

    /// A new folder of a random `.tmp-*` name, removed when dropped.
    fn temporary_dir(&self) -> Result<tempfile::TempDir, WheelError> {
        tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .tempdir_in(&self.root)
            .map_err(WheelError::io(&self.root))
    }

    /// Takes `dir` out of use: renamed into a folder of our own first, so
    /// no other process links from it meanwhile, then removed. A folder
    /// another process evicted first is fine.
    fn evict(&self, dir: &Path) -> Result<(), WheelError> {
        let grave = self.temporary_dir()?;
        match std::fs::rename(dir, grave.path().join("evicted")) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(WheelError::Io {
                path: dir.to_path_buf(),
                source,
            }),
        }
        // Dropping `grave` removes it with what was moved in.
    }

    fn absent_path(&self, key: &str) -> PathBuf {
        self.root.join(format!("{key}{ABSENT_SUFFIX}"))
    }

    /// The rows listed in `<key>.absent`; none when there is no list.
    fn read_absent(&self, key: &str) -> Result<BTreeSet<String>, WheelError> {
        let path = self.absent_path(key);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text.lines().map(str::to_string).collect()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
            // Unreadable (not UTF-8, ...): as if lost, so the tree is unpacked again.
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => Ok(BTreeSet::new()),
            Err(source) => Err(WheelError::Io { path, source }),
        }
    }

    /// Writes `<key>.absent` whole, by a rename.
    fn write_absent(&self, key: &str, absent: &[String]) -> Result<(), WheelError> {
        let mut text = String::new();
        for path in absent {
            text.push_str(path);
            text.push('\n');
        }
        let mut file = tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .tempfile_in(&self.root)
            .map_err(WheelError::io(&self.root))?;
        file.write_all(text.as_bytes())
            .map_err(WheelError::io(file.path()))?;
        let path = self.absent_path(key);
        file.persist(&path)
            .map_err(|error| WheelError::Io {
                path,
                source: error.error,
            })
            .map(drop)
    }
}

/// The folder name for a wheel's sha256: lowercase hex, nothing else.
fn cache_key(sha256_hex: &str) -> Result<String, WheelError> {
    let key = sha256_hex.to_ascii_lowercase();
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WheelError::CacheKey(sha256_hex.to_string()));
    }
    Ok(key)
}

/// Unpacks `wheel` into `dest` (a folder the caller owns and removes), for
/// `--no-cache-dir`; on error `dest` is removed.
pub fn unpack_uncached<'a>(
    wheel: impl Into<WheelSource<'a>>,
    filename: &WheelFilename,
    dest: &Path,
) -> Result<UnpackedWheel, WheelError> {
    match unpack_wheel(wheel, filename, dest) {
        Ok(info) => Ok(UnpackedWheel {
            dir: dest.to_path_buf(),
            wheel: crate::wheel::wheel_display(filename),
            info,
        }),
        Err(error) => {
            let _ = std::fs::remove_dir_all(dest);
            Err(error)
        }
    }
}

/// Whether every file of the unpacked tree still has its RECORD hash.
fn tree_matches_record(dir: &Path, filename: &WheelFilename) -> bool {
    let Ok(info) = read_unpacked_info(dir, filename) else {
        return false;
    };
    info.record.iter().all(|entry| {
        let Some(expected) = entry.hash.as_deref() else {
            return true;
        };
        match std::fs::File::open(dir.join(&entry.path)) {
            Ok(file) => crate::record::hash_reader(std::io::BufReader::new(file))
                .is_ok_and(|(actual, _)| actual == expected),
            // RECORD rows for files the archive lacks are ignored at unpack.
            Err(error) => error.kind() == std::io::ErrorKind::NotFound,
        }
    })
}

/// Sets the folder's mtime to now: the "last used" time that pruning reads.
/// Best effort: a read-only cache still works.
fn touch(dir: &Path) {
    #[cfg(unix)]
    if let Ok(file) = std::fs::File::open(dir) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wheel::tests::{filename_of, sha256_hex};
    use pipit_testkit::WheelBuilder;

    #[test]
    fn a_second_use_reuses_the_unpacked_folder() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = WheelBuilder::new("demo", "1.0").build(dir.path()).unwrap();
        let cache = WheelCache::new(&dir.path().join("cache"));
        let sha = sha256_hex(&wheel);
        let first = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert_eq!(first.dir, dir.path().join("cache/wheels-v1").join(&sha));
        let init = first.dir.join("demo/__init__.py");
        let before = std::fs::metadata(&init).unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::open(&first.dir)
            .unwrap()
            .set_modified(old)
            .unwrap();
        // Deleting the wheel proves the second call does not read it.
        std::fs::remove_file(&wheel).unwrap();
        let second = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert_eq!(second, first);
        let after = std::fs::metadata(&init).unwrap();
        assert_eq!(after.modified().unwrap(), before.modified().unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(after.ino(), before.ino());
        }
        let used = std::fs::metadata(&first.dir).unwrap().modified().unwrap();
        assert!(used > old, "the folder's mtime marks its last use");
    }

    #[test]
    fn concurrent_unpacks_agree_and_leave_no_temporary_folder() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = WheelBuilder::new("demo", "1.0")
            .file("demo/big.py", "x = 1\n".repeat(50_000))
            .build(dir.path())
            .unwrap();
        let cache = WheelCache::new(&dir.path().join("cache"));
        let sha = sha256_hex(&wheel);
        let results: Vec<UnpackedWheel> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| cache.unpacked(&sha, &wheel, &filename_of(&wheel))))
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap().unwrap())
                .collect()
        });
        assert!(results.windows(2).all(|pair| pair[0] == pair[1]));
        let names: Vec<_> = std::fs::read_dir(cache.root())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec![sha.clone()]);
        let big = std::fs::read(results[0].dir.join("demo/big.py")).unwrap();
        assert_eq!(big.len(), 6 * 50_000);
    }

    fn inode(path: &Path) -> u64 {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).unwrap().ino()
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            0
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_tree_that_lost_a_file_is_unpacked_again() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = WheelBuilder::new("demo", "1.0")
            .file("demo/data.txt", "payload\n")
            .build(dir.path())
            .unwrap();
        let cache = WheelCache::new(&dir.path().join("cache"));
        let sha = sha256_hex(&wheel);
        let first = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        std::fs::remove_file(first.dir.join("demo/data.txt")).unwrap();
        let second = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert_eq!(second, first);
        assert_eq!(
            std::fs::read_to_string(second.dir.join("demo/data.txt")).unwrap(),
            "payload\n"
        );
        assert_eq!(names(cache.root()), vec![sha]);
    }

    #[test]
    fn a_file_edited_through_a_link_is_unpacked_again() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = WheelBuilder::new("demo", "1.0")
            .file("demo/data.txt", "payload\n")
            .build(dir.path())
            .unwrap();
        let cache = WheelCache::new(&dir.path().join("cache"));
        let sha = sha256_hex(&wheel);
        let first = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        let linked = dir.path().join("installed.txt");
        std::fs::hard_link(first.dir.join("demo/data.txt"), &linked).unwrap();
        std::fs::write(&linked, "edited in the target\n").unwrap();
        let second = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert_eq!(
            std::fs::read_to_string(second.dir.join("demo/data.txt")).unwrap(),
            "payload\n"
        );
        assert_eq!(
            std::fs::read_to_string(&linked).unwrap(),
            "edited in the target\n",
            "the target's file is left alone"
        );
        assert_eq!(names(cache.root()), vec![sha]);
    }

    #[test]
    fn record_rows_the_archive_lacked_do_not_evict_the_tree() {
        use crate::wheel::tests::{demo_wheel, METADATA, WHEEL};
        let dir = tempfile::tempdir().unwrap();
        let entries: &[(&str, &[u8])] = &[
            ("demo-1.0.dist-info/METADATA", METADATA),
            ("demo-1.0.dist-info/WHEEL", WHEEL),
            ("demo/__init__.py", b"x = 1\n"),
        ];
        let mut recorded = entries.to_vec();
        recorded.push(("demo/gone.pyc", b"never shipped"));
        let wheel = demo_wheel(dir.path(), entries, &recorded);
        let cache = WheelCache::new(&dir.path().join("cache"));
        let sha = sha256_hex(&wheel);
        let absent = cache.root().join(format!("{sha}.absent"));
        let first = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert_eq!(std::fs::read_to_string(&absent).unwrap(), "demo/gone.pyc\n");
        assert_eq!(
            names(cache.root()),
            vec![sha.clone(), format!("{sha}.absent")]
        );
        let init = first.dir.join("demo/__init__.py");
        let before = inode(&init);
        let second = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert_eq!(second, first);
        assert_eq!(inode(&init), before, "the tree was reused");
        // A lost list costs one unpack, which writes it again.
        std::fs::remove_file(&absent).unwrap();
        let third = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert_eq!(third, first);
        assert!(absent.is_file());
    }

    #[test]
    fn temporary_folders_of_others_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = WheelBuilder::new("demo", "1.0").build(dir.path()).unwrap();
        let cache = WheelCache::new(&dir.path().join("cache"));
        // What a process with our pid in another container would be using.
        let other = cache.root().join(format!(".tmp-{}-0", std::process::id()));
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("busy"), "x").unwrap();
        let sha = sha256_hex(&wheel);
        let first = cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        std::fs::remove_file(first.dir.join("demo/__init__.py")).unwrap();
        cache
            .unpacked_verified(&sha, &wheel, &filename_of(&wheel))
            .unwrap();
        cache.unpacked(&sha, &wheel, &filename_of(&wheel)).unwrap();
        assert!(other.join("busy").is_file());
        let mut expected = vec![
            sha.clone(),
            other.file_name().unwrap().to_str().unwrap().to_string(),
        ];
        expected.sort();
        assert_eq!(names(cache.root()), expected);
    }

    #[test]
    fn a_key_that_is_not_a_digest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = WheelBuilder::new("demo", "1.0").build(dir.path()).unwrap();
        let cache = WheelCache::new(dir.path());
        let error = cache
            .unpacked("../x", &wheel, &filename_of(&wheel))
            .unwrap_err();
        assert!(matches!(error, WheelError::CacheKey(_)));
    }

    #[test]
    fn the_uncached_variant_removes_its_folder_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = WheelBuilder::new("demo", "1.0")
            .corrupt_record_hash("demo/__init__.py")
            .build(dir.path())
            .unwrap();
        let dest = dir.path().join("scratch");
        assert!(unpack_uncached(&wheel, &filename_of(&wheel), &dest).is_err());
        assert!(!dest.exists());
    }
}
