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
        let display = crate::wheel::wheel_display(wheel);
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
            wheel: crate::wheel::wheel_display(wheel),
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
fn touch(dir: &Path) {
    #[cfg(unix)]
    if let Ok(file) = std::fs::File::open(dir) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
    #[cfg(not(unix))]
    let _ = dir;
}
