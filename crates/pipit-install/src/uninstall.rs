//! Uninstall by RECORD, all or nothing.
//!
//! Every file of every distribution to remove is first moved (renamed) into
//! a trash folder inside the target, keeping its place relative to the
//! layout folder it came from:
//!
//! ```text
//! <root>/.pipit/trash-<pid>-<nanos>-<n>/
//!   0/demo/__init__.py          from the layout's first folder (the root)
//!   3/tool                      from its fourth folder (scripts), and so on
//! ```
//!
//! If one rename fails, the files moved so far are renamed back and the
//! target is as it was. Only when everything is in the trash are the folders
//! that became empty removed (never a layout folder itself) and the trash
//! deleted.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use pep508_rs::PackageName;

use crate::installed::{installed_dists, normalize_lexically, InstalledDist, InstalledError};
use crate::layout::InstallLayout;
use crate::lock::{LockError, TargetLock, STATE_DIR};

/// Uninstalling failed; unless said otherwise, nothing was removed.
#[derive(Debug, thiserror::Error)]
pub enum UninstallError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Installed(#[from] InstalledError),
    #[error("uninstall aborted: nothing was removed")]
    Aborted,
    #[error("cannot create the trash folder `{}`: {source}", path.display())]
    Trash {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot move `{}` out of the target: {source}; nothing was removed", path.display())]
    Move {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot move `{}` out of the target ({source}), and moving `{}` back failed: {restore_error}; it is kept in `{}`",
        path.display(),
        restore.display(),
        trash.display()
    )]
    Restore {
        path: PathBuf,
        source: std::io::Error,
        restore: PathBuf,
        restore_error: std::io::Error,
        trash: PathBuf,
    },
}

/// The answer of the `confirm` callback of [`uninstall`] for one
/// distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Remove it.
    Proceed,
    /// Keep it and go on with the others (pip's answer `n`).
    Skip,
    /// Remove nothing at all.
    Abort,
}

/// One distribution that was removed.
#[derive(Debug, Clone)]
pub struct RemovedDist {
    /// What it was.
    pub dist: InstalledDist,
    /// The files removed (those that still existed).
    pub files: Vec<PathBuf>,
}

/// What [`uninstall`] did.
#[derive(Debug, Clone, Default)]
pub struct UninstallReport {
    /// Removed, in the order asked.
    pub removed: Vec<RemovedDist>,
    /// Found but kept because `confirm` said [`Decision::Skip`].
    pub skipped: Vec<InstalledDist>,
    /// Asked for but not installed (pip: `Skipping X as it is not installed`).
    pub not_installed: Vec<PackageName>,
    /// The trash folder could not be deleted entirely (the target itself is
    /// clean; what is left is under `.pipit/`).
    pub trash_left: Option<PathBuf>,
}

/// Removes `names` from the layout under the target's lock. `on_wait` is
/// called when another process holds the lock; `confirm` sees each
/// distribution with its files before anything is moved.
pub fn uninstall(
    layout: &InstallLayout,
    names: &[PackageName],
    on_wait: impl FnOnce(),
    mut confirm: impl FnMut(&InstalledDist, &[PathBuf]) -> Decision,
) -> Result<UninstallReport, UninstallError> {
    let _lock = TargetLock::acquire(&layout.root, on_wait)?;
    let installed = installed_dists(layout)?;
    let mut report = UninstallReport::default();
    let mut planned: Vec<(InstalledDist, Vec<PathBuf>)> = Vec::new();
    let mut seen: Vec<&PackageName> = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let matching: Vec<&InstalledDist> =
            installed.iter().filter(|dist| &dist.name == name).collect();
        if matching.is_empty() {
            report.not_installed.push(name.clone());
            continue;
        }
        for dist in matching {
            let files = dist.files(layout)?;
            match confirm(dist, &files) {
                Decision::Proceed => planned.push((dist.clone(), files)),
                Decision::Skip => report.skipped.push(dist.clone()),
                Decision::Abort => return Err(UninstallError::Aborted),
            }
        }
    }
    if planned.is_empty() {
        return Ok(report);
    }
    let mut trash = Trash::new(layout)?;
    for (dist, files) in planned {
        let mut removed = Vec::new();
        for file in files {
            if trash.move_in(&file)? {
                removed.push(file);
            }
        }
        report.removed.push(RemovedDist {
            dist,
            files: removed,
        });
    }
    let stop_at = layout.folders();
    remove_empty_dirs(trash.moved_paths().as_slice(), &stop_at);
    report.trash_left = trash.empty().err();
    Ok(report)
}

/// Removes the parent folders of `paths` that are empty, walking up from
/// each, and stops at (never removing) any folder of `stop_at`; a folder
/// that is not inside one of `stop_at` is never touched.
pub fn remove_empty_dirs(paths: &[PathBuf], stop_at: &[&Path]) {
    let stop_at: Vec<PathBuf> = stop_at.iter().map(|p| normalize_lexically(p)).collect();
    let mut parents: Vec<PathBuf> = paths
        .iter()
        .filter_map(|path| normalize_lexically(path).parent().map(Path::to_path_buf))
        .collect();
    // Deepest first, so a folder is tried after everything below it.
    parents.sort_by(|a, b| (b.components().count(), b).cmp(&(a.components().count(), a)));
    parents.dedup();
    for start in parents {
        let mut dir = start.as_path();
        loop {
            let inside = stop_at
                .iter()
                .any(|stop| dir.starts_with(stop) && dir != stop.as_path());
            let is_stop = stop_at.iter().any(|stop| dir == stop.as_path());
            if !inside || is_stop || std::fs::remove_dir(dir).is_err() {
                break;
            }
            match dir.parent() {
                Some(parent) => dir = parent,
                None => break,
            }
        }
    }
}

/// A folder under `<root>/.pipit/` that files are renamed into, so that
/// removing many files can be undone until [`Trash::empty`].
#[derive(Debug)]
pub struct Trash {
    dir: PathBuf,
    folders: Vec<PathBuf>,
    moved: Vec<(PathBuf, PathBuf)>,
    committed: bool,
}

impl Trash {
    /// Creates a fresh trash folder in the layout's root. The caller holds
    /// the target's lock.
    pub fn new(layout: &InstallLayout) -> Result<Self, UninstallError> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default();
        let dir = layout.root.join(STATE_DIR).join(format!(
            "trash-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|source| UninstallError::Trash {
            path: dir.clone(),
            source,
        })?;
        Ok(Self {
            dir,
            folders: layout
                .folders()
                .into_iter()
                .map(normalize_lexically)
                .collect(),
            moved: Vec::new(),
            committed: false,
        })
    }

    /// Renames `path` into the trash; `false` when it did not exist. On a
    /// failure everything moved so far is renamed back first, so the error
    /// means the target is unchanged.
    pub fn move_in(&mut self, path: &Path) -> Result<bool, UninstallError> {
        match std::fs::symlink_metadata(path) {
            Ok(metadata) if metadata.is_dir() => return Ok(false),
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(false),
            Err(source) => return Err(self.fail(path, source)),
        }
        let destination = self.destination(path);
        let moved = destination
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::rename(path, &destination));
        match moved {
            Ok(()) => {
                self.moved.push((path.to_path_buf(), destination));
                Ok(true)
            }
            Err(source) => Err(self.fail(path, source)),
        }
    }

    /// The original paths of the files moved in so far.
    pub fn moved_paths(&self) -> Vec<PathBuf> {
        self.moved.iter().map(|(from, _)| from.clone()).collect()
    }

    /// Renames every moved file back; the first failure is returned with its
    /// path (the others are still tried).
    pub fn restore(mut self) -> Result<(), (PathBuf, std::io::Error)> {
        self.committed = true;
        self.restore_all()?;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }

    /// Deletes the trash: the removal can no longer be undone. On failure
    /// returns the folder left behind.
    pub fn empty(mut self) -> Result<(), PathBuf> {
        self.committed = true;
        std::fs::remove_dir_all(&self.dir).map_err(|_| self.dir.clone())
    }

    fn destination(&self, path: &Path) -> PathBuf {
        let path = normalize_lexically(path);
        // The most specific layout folder holding the file names its slot.
        let best = self
            .folders
            .iter()
            .enumerate()
            .filter(|(_, folder)| path.starts_with(folder))
            .max_by_key(|(_, folder)| folder.components().count());
        match best.and_then(|(index, folder)| {
            path.strip_prefix(folder)
                .ok()
                .map(|relative| (index, relative))
        }) {
            Some((index, relative)) => self.dir.join(index.to_string()).join(relative),
            None => {
                let relative: PathBuf = path
                    .components()
                    .filter(|component| matches!(component, std::path::Component::Normal(_)))
                    .collect();
                self.dir.join("other").join(relative)
            }
        }
    }

    fn fail(&mut self, path: &Path, source: std::io::Error) -> UninstallError {
        self.committed = true;
        match self.restore_all() {
            Ok(()) => {
                let _ = std::fs::remove_dir_all(&self.dir);
                UninstallError::Move {
                    path: path.to_path_buf(),
                    source,
                }
            }
            // What could not be put back stays in the trash, never deleted.
            Err((restore, restore_error)) => UninstallError::Restore {
                path: path.to_path_buf(),
                source,
                restore,
                restore_error,
                trash: self.dir.clone(),
            },
        }
    }

    fn restore_all(&mut self) -> Result<(), (PathBuf, std::io::Error)> {
        let mut first_error = None;
        while let Some((original, trashed)) = self.moved.pop() {
            if let Err(error) = std::fs::rename(&trashed, &original) {
                first_error.get_or_insert((original, error));
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Drop for Trash {
    /// A trash dropped without [`Trash::empty`] puts everything back.
    fn drop(&mut self) {
        if !self.committed && self.restore_all().is_ok() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests;
