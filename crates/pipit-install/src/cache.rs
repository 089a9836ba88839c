//! The unpacked-wheel cache: each wheel is unpacked and verified once, then
//! linked into targets from here.
//!
//! ```text
//! <cache_dir>/wheels-v1/
//!   <lowercase sha256 hex of the .whl>/   a complete, verified unpacked wheel;
//!                                         its mtime is the last time it was used
//!   .tmp-<pid>-<n>/                       an unpack in progress (or left by a
//!                                         killed process: `pipit cache prune`
//!                                         removes these)
//! ```
//!
//! A folder named by a digest only ever appears by a `rename` of a finished
//! `.tmp-*` folder, so its existence means it is complete. Two processes
//! unpacking the same wheel both finish; the loser of the rename discards
//! its copy and uses the winner's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use pipit_index::WheelFilename;

use crate::wheel::{read_unpacked_info, unpack_wheel, WheelError, WheelInfo};

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
#[derive(Debug, Clone)]
pub struct WheelCache {
    root: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl WheelCache {
    /// The cache under `cache_dir` (created on first use).
    pub fn new(cache_dir: &Path) -> Self {
        Self {
            root: cache_dir.join(WHEELS_DIR),
        }
    }

    /// `<cache_dir>/wheels-v1`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The unpacked form of `wheel`, whose sha256 is `sha256_hex` (verified
    /// by the caller), unpacking it on first use.
    pub fn unpacked(
        &self,
        sha256_hex: &str,
        wheel: &Path,
        filename: &WheelFilename,
    ) -> Result<UnpackedWheel, WheelError> {
        let key = sha256_hex.to_ascii_lowercase();
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(WheelError::CacheKey(sha256_hex.to_string()));
        }
        let dir = self.root.join(&key);
        let display = crate::wheel::wheel_display(filename);
        if dir.is_dir() {
            return self.reuse(dir, display, filename);
        }
        std::fs::create_dir_all(&self.root).map_err(WheelError::io(&self.root))?;
        let tmp = self.root.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // A folder of this name can only be left by a dead process with our pid.
        let _ = std::fs::remove_dir_all(&tmp);
        let info = match unpack_wheel(wheel, filename, &tmp) {
            Ok(info) => info,
            Err(error) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(error);
            }
        };
        match std::fs::rename(&tmp, &dir) {
            Ok(()) => {
                touch(&dir);
                Ok(UnpackedWheel {
                    dir,
                    wheel: display,
                    info,
                })
            }
            Err(_) if dir.is_dir() => {
                // Another process finished first: its copy is as good as ours.
                let _ = std::fs::remove_dir_all(&tmp);
                self.reuse(dir, display, filename)
            }
            Err(source) => {
                let _ = std::fs::remove_dir_all(&tmp);
                Err(WheelError::Io { path: dir, source })
            }
        }
    }

    /// Like [`WheelCache::unpacked`], but an existing tree is first
    /// re-hashed against its RECORD and unpacked again if a file changed.
    /// Hard-linked installs share their files with the cache, so an edit
    /// to an installed file edits the cache too; `--force-reinstall` must
    /// not bring the edit back.
    pub fn unpacked_verified(
        &self,
        sha256_hex: &str,
        wheel: &Path,
        filename: &WheelFilename,
    ) -> Result<UnpackedWheel, WheelError> {
        let dir = self.root.join(sha256_hex.to_ascii_lowercase());
        if dir.is_dir() && !tree_matches_record(&dir, filename) {
            let doomed = self.root.join(format!(
                ".tmp-{}-{}-changed",
                std::process::id(),
                TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            // Renamed first, so no other process links from it meanwhile.
            if std::fs::rename(&dir, &doomed).is_ok() {
                let _ = std::fs::remove_dir_all(&doomed);
            }
        }
        self.unpacked(sha256_hex, wheel, filename)
    }

    fn reuse(
        &self,
        dir: PathBuf,
        wheel: String,
        filename: &WheelFilename,
    ) -> Result<UnpackedWheel, WheelError> {
        let info = read_unpacked_info(&dir, filename)?;
        touch(&dir);
        Ok(UnpackedWheel { dir, wheel, info })
    }
}

/// Unpacks `wheel` into `dest` (a folder the caller owns and removes), for
/// `--no-cache-dir`; on error `dest` is removed.
pub fn unpack_uncached(
    wheel: &Path,
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

/// Sets the folder's mtime to now: the "last used" time that pruning reads.
/// Best effort: a read-only cache still works.
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
