//! Inspecting and cleaning pipit's cache (`pipit cache info|clean|prune`).
//!
//! The cache root holds five areas that pipit owns. Four are this crate's
//! (see the `cache` and `fetch` modules); `wheels-v1/` belongs to
//! `pipit-install`, and this module knows only its naming: one folder per
//! unpacked wheel, renamed into place from a `.tmp-*` folder, whose own
//! mtime is its last use (the installer touches it on each use).
//!
//! ```text
//! <cache_dir>/
//!   http-v1/<key>.page                 index pages            (entry: a file)
//!   blobs-v1/sha256/<hex>              wheels, metadata files (entry: a file)
//!   metadata-v1/<key>                  METADATA read by range (entry: a file)
//!   local-v1/<key>                     hashes of local wheels (entry: a file)
//!   wheels-v1/<sha256 of the wheel>/   unpacked wheels        (entry: a folder)
//!   <area>/.tmp-*                      writes in progress, or left by a crash
//! ```
//!
//! Anything else under the root (the interpreter probes of `pipit-python`)
//! is not touched. Symbolic links are never followed: a link inside an
//! area is removed as a link, and an area that is itself a link is left
//! alone, so nothing outside the cache is ever read or deleted.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::cache::TEMPORARY_PREFIX;
use crate::error::CacheAdminError;

/// `.tmp-*` leftovers older than this are removed by a prune: no write
/// takes that long, so their writer is gone.
pub const TEMPORARY_MAX_AGE: Duration = Duration::from_secs(3600);

/// One area of the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheArea {
    /// `http-v1/`: Simple API pages.
    Pages,
    /// `blobs-v1/sha256/`: files addressed by their sha256.
    Blobs,
    /// `metadata-v1/`: wheel METADATA read by HTTP range requests.
    Metadata,
    /// `local-v1/`: the sha256 of local wheels, by path and file stamp.
    LocalHashes,
    /// `wheels-v1/`: unpacked wheels (`pipit-install`'s).
    Wheels,
}

impl CacheArea {
    /// Every area, in the order reports list them.
    pub const ALL: [CacheArea; 5] = [
        CacheArea::Pages,
        CacheArea::Blobs,
        CacheArea::Metadata,
        CacheArea::LocalHashes,
        CacheArea::Wheels,
    ];

    /// A short machine name (`--json`): `pages`, `blobs`, `metadata`,
    /// `local-hashes`, `wheels`.
    pub fn name(self) -> &'static str {
        match self {
            CacheArea::Pages => "pages",
            CacheArea::Blobs => "blobs",
            CacheArea::Metadata => "metadata",
            CacheArea::LocalHashes => "local-hashes",
            CacheArea::Wheels => "wheels",
        }
    }

    /// What the area holds, for people.
    pub fn description(self) -> &'static str {
        match self {
            CacheArea::Pages => "index pages",
            CacheArea::Blobs => "downloaded files",
            CacheArea::Metadata => "wheel metadata",
            CacheArea::LocalHashes => "local wheel hashes",
            CacheArea::Wheels => "unpacked wheels",
        }
    }

    /// The folder whose children are the area's entries.
    pub fn path(self, root: &Path) -> PathBuf {
        match self {
            CacheArea::Pages => root.join("http-v1"),
            CacheArea::Blobs => root.join("blobs-v1").join("sha256"),
            CacheArea::Metadata => root.join("metadata-v1"),
            CacheArea::LocalHashes => root.join("local-v1"),
            CacheArea::Wheels => root.join("wheels-v1"),
        }
    }
}

/// A number of entries and their size on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Entries (files, or folders for unpacked wheels).
    pub entries: u64,
    /// Their total size in bytes (a folder's files summed).
    pub bytes: u64,
}

impl Usage {
    fn add(&mut self, bytes: u64) {
        self.entries += 1;
        self.bytes = self.bytes.saturating_add(bytes);
    }

    fn plus(self, other: Usage) -> Usage {
        Usage {
            entries: self.entries + other.entries,
            bytes: self.bytes.saturating_add(other.bytes),
        }
    }
}

/// What one area holds (for `info`) or what was removed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaUsage {
    /// The area.
    pub area: CacheArea,
    /// Its folder.
    pub path: PathBuf,
    /// Its entries.
    pub entries: Usage,
    /// Its `.tmp-*` leftovers, counted apart.
    pub temporary: Usage,
}

/// The cache's areas, with what they hold or what was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheUsage {
    /// The cache root.
    pub root: PathBuf,
    /// One per area, in [`CacheArea::ALL`] order.
    pub areas: Vec<AreaUsage>,
}

impl CacheUsage {
    /// Every area's entries and leftovers together.
    pub fn total(&self) -> Usage {
        self.areas.iter().fold(Usage::default(), |total, area| {
            total.plus(area.entries).plus(area.temporary)
        })
    }
}

/// What the cache at `root` holds, per area. A missing root or area holds nothing.
pub fn cache_info(root: &Path) -> Result<CacheUsage, CacheAdminError> {
    walk(root, None)
}

/// Removes every entry of the five areas (and their leftovers); what was removed.
pub fn clean_cache(root: &Path) -> Result<CacheUsage, CacheAdminError> {
    walk(root, Some(&|_, _| true))
}

/// Removes the entries last used (mtime) more than `older_than` before
/// `now`, and `.tmp-*` leftovers older than [`TEMPORARY_MAX_AGE`]; what
/// was removed.
pub fn prune_cache(
    root: &Path,
    older_than: Duration,
    now: SystemTime,
) -> Result<CacheUsage, CacheAdminError> {
    walk(
        root,
        Some(&|temporary, modified| {
            let limit = if temporary {
                TEMPORARY_MAX_AGE
            } else {
                older_than
            };
            // An entry from the future (a clock change) is not old.
            now.duration_since(modified).is_ok_and(|age| age > limit)
        }),
    )
}

/// Whether to remove an entry: `(is_temporary, mtime)`.
type Selector<'a> = &'a dyn Fn(bool, SystemTime) -> bool;

/// Visits every area's children. Without `remove`, counts them all;
/// with it, removes and counts those it selects.
fn walk(root: &Path, remove: Option<Selector<'_>>) -> Result<CacheUsage, CacheAdminError> {
    let mut areas = Vec::new();
    for area in CacheArea::ALL {
        let path = area.path(root);
        let mut usage = AreaUsage {
            area,
            path: path.clone(),
            entries: Usage::default(),
            temporary: Usage::default(),
        };
        // An area that is a link (or a file) is not pipit's to walk.
        let is_folder = std::fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.is_dir());
        if is_folder {
            let children = fs_err::read_dir(&path).map_err(|source| CacheAdminError::Read {
                path: path.clone(),
                source,
            })?;
            for child in children {
                let child = child.map_err(|source| CacheAdminError::Read {
                    path: path.clone(),
                    source,
                })?;
                let child_path = child.path();
                let Ok(metadata) = std::fs::symlink_metadata(&child_path) else {
                    continue; // removed meanwhile by another pipit
                };
                let temporary = child
                    .file_name()
                    .to_string_lossy()
                    .starts_with(TEMPORARY_PREFIX);
                let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if remove.is_some_and(|remove| !remove(temporary, modified)) {
                    continue;
                }
                let bytes = size_of(&child_path, &metadata);
                if remove.is_some() && !remove_entry(&child_path, &metadata)? {
                    continue;
                }
                if temporary {
                    usage.temporary.add(bytes);
                } else {
                    usage.entries.add(bytes);
                }
            }
        }
        areas.push(usage);
    }
    Ok(CacheUsage {
        root: root.to_path_buf(),
        areas,
    })
}

/// Bytes under `path`: a file's length, or a folder's files summed, links
/// not followed; 0 when it cannot be read.
pub fn disk_usage(path: &Path) -> u64 {
    std::fs::symlink_metadata(path).map_or(0, |metadata| size_of(path, &metadata))
}

/// A file's length, or a folder's files summed, links not followed.
fn size_of(path: &Path, metadata: &std::fs::Metadata) -> u64 {
    if !metadata.is_dir() {
        return metadata.len();
    }
    let Ok(children) = std::fs::read_dir(path) else {
        return 0;
    };
    children
        .flatten()
        .map(|child| {
            let child_path = child.path();
            std::fs::symlink_metadata(&child_path)
                .map(|metadata| size_of(&child_path, &metadata))
                .unwrap_or(0)
        })
        .fold(0u64, u64::saturating_add)
}

/// Removes a file, a link (not its target) or a folder tree (whose links
/// `remove_dir_all` removes without following). False when it was gone already.
fn remove_entry(path: &Path, metadata: &std::fs::Metadata) -> Result<bool, CacheAdminError> {
    let result = if metadata.is_dir() {
        fs_err::remove_dir_all(path)
    } else {
        fs_err::remove_file(path)
    };
    match result {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(CacheAdminError::Remove {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn write(path: &Path, bytes: usize) {
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, vec![b'x'; bytes]).unwrap();
    }

    fn age(path: &Path, now: SystemTime, by: Duration) {
        let file = std::fs::File::open(path).unwrap();
        file.set_modified(now - by).unwrap();
    }

    /// A cache with one entry per area (the wheel a folder of two files),
    /// and a leftover in the pages area.
    fn populated(root: &Path) {
        write(&root.join("http-v1/aa.page"), 10);
        write(&root.join("http-v1/.tmp-1-2-aa.page"), 3);
        write(&root.join("blobs-v1/sha256").join("b".repeat(64)), 100);
        write(&root.join("metadata-v1/cc"), 20);
        write(&root.join("local-v1/ee"), 30);
        write(&root.join("wheels-v1/dd/pkg/__init__.py"), 5);
        write(&root.join("wheels-v1/dd/pkg-1.0.dist-info/RECORD"), 7);
        write(&root.join("interpreters/python.json"), 50);
    }

    fn usage(report: &CacheUsage, area: CacheArea) -> (Usage, Usage) {
        let found = report.areas.iter().find(|a| a.area == area).unwrap();
        (found.entries, found.temporary)
    }

    #[test]
    fn info_counts_entries_and_sizes_per_area() {
        let dir = tempfile::tempdir().unwrap();
        populated(dir.path());
        let info = cache_info(dir.path()).unwrap();
        assert_eq!(
            usage(&info, CacheArea::Pages),
            (
                Usage {
                    entries: 1,
                    bytes: 10
                },
                Usage {
                    entries: 1,
                    bytes: 3
                }
            )
        );
        assert_eq!(usage(&info, CacheArea::Blobs).0.bytes, 100);
        assert_eq!(usage(&info, CacheArea::Metadata).0.bytes, 20);
        assert_eq!(usage(&info, CacheArea::LocalHashes).0.bytes, 30);
        assert_eq!(
            usage(&info, CacheArea::Wheels).0,
            Usage {
                entries: 1,
                bytes: 12
            }
        );
        assert_eq!(
            info.total(),
            Usage {
                entries: 6,
                bytes: 175
            }
        );
        // Counting removes nothing.
        assert_eq!(cache_info(dir.path()).unwrap(), info);
    }

    #[test]
    fn a_missing_cache_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let info = cache_info(&dir.path().join("nothing")).unwrap();
        assert_eq!(info.total(), Usage::default());
        assert_eq!(info.areas.len(), CacheArea::ALL.len());
    }

    #[test]
    fn clean_removes_the_five_areas_only() {
        let dir = tempfile::tempdir().unwrap();
        populated(dir.path());
        let removed = clean_cache(dir.path()).unwrap();
        assert_eq!(
            removed.total(),
            Usage {
                entries: 6,
                bytes: 175
            }
        );
        assert_eq!(cache_info(dir.path()).unwrap().total(), Usage::default());
        assert!(dir.path().join("interpreters/python.json").is_file());
    }

    #[cfg(unix)]
    #[test]
    fn clean_never_follows_links_out_of_the_cache() {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("precious/file"), 9);
        let dir = tempfile::tempdir().unwrap();
        populated(dir.path());
        std::os::unix::fs::symlink(
            outside.path().join("precious"),
            dir.path().join("wheels-v1/link"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("precious"),
            dir.path().join("wheels-v1/dd/link"),
        )
        .unwrap();
        // A whole area that is a link is not walked at all.
        fs_err::remove_dir_all(dir.path().join("metadata-v1")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("metadata-v1")).unwrap();
        clean_cache(dir.path()).unwrap();
        assert!(outside.path().join("precious/file").is_file());
        assert!(!dir.path().join("wheels-v1/link").exists());
    }

    #[test]
    fn prune_removes_entries_unused_for_longer_than_the_cutoff() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        populated(root);
        write(&root.join("http-v1/.tmp-9-9-fresh"), 4);
        let now = SystemTime::now();
        age(&root.join("http-v1/aa.page"), now, 31 * DAY);
        age(
            &root.join("http-v1/.tmp-1-2-aa.page"),
            now,
            Duration::from_secs(7200),
        );
        age(
            &root.join("blobs-v1/sha256").join("b".repeat(64)),
            now,
            29 * DAY,
        );
        age(&root.join("wheels-v1/dd"), now, 40 * DAY);
        age(&root.join("local-v1/ee"), now, 31 * DAY);
        let removed = prune_cache(root, 30 * DAY, now).unwrap();
        assert_eq!(
            usage(&removed, CacheArea::Pages),
            (
                Usage {
                    entries: 1,
                    bytes: 10
                },
                Usage {
                    entries: 1,
                    bytes: 3
                }
            )
        );
        assert_eq!(usage(&removed, CacheArea::Blobs).0.entries, 0);
        assert_eq!(usage(&removed, CacheArea::Metadata).0.entries, 0);
        assert_eq!(usage(&removed, CacheArea::LocalHashes).0.entries, 1);
        assert_eq!(
            usage(&removed, CacheArea::Wheels).0,
            Usage {
                entries: 1,
                bytes: 12
            }
        );
        let left = cache_info(root).unwrap();
        assert_eq!(
            left.total(),
            Usage {
                entries: 3,
                bytes: 124
            }
        );
        assert!(root.join("http-v1/.tmp-9-9-fresh").is_file());
    }
}
