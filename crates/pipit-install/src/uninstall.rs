//! Uninstall by RECORD, all or nothing.
//!
//! The files of every distribution to remove go through the same journaled
//! transaction as an install ([`crate::transaction`]): each is renamed into
//! the staging folder under `<root>/.pipit/` after the journal is written,
//! so a failed rename puts back what was moved, and a run killed half-way
//! is undone by the next pipit run on the target. Only then are the folders
//! that became empty removed (never a layout folder itself).

use std::path::{Path, PathBuf};

use pep508_rs::PackageName;

use crate::installed::{installed_dists, normalize_lexically, InstalledDist, InstalledError};
use crate::layout::InstallLayout;
use crate::lock::{LockError, TargetLock};
use crate::transaction::{recover, Staging, TransactionError};

/// Uninstalling failed; unless said otherwise, nothing was removed.
#[derive(Debug, thiserror::Error)]
pub enum UninstallError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Installed(#[from] InstalledError),
    #[error("uninstall aborted: nothing was removed")]
    Aborted,
    #[error("{0}; nothing was removed")]
    Transaction(#[from] TransactionError),
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
    // Nothing to uninstall from a folder that does not exist; taking the
    // lock would create it.
    if !layout.root.is_dir() {
        let mut report = UninstallReport::default();
        report.not_installed.extend(names.iter().cloned());
        return Ok(report);
    }
    let lock = TargetLock::acquire(&layout.root, on_wait)?;
    recover(&lock, &layout.folders())?;
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
    let mut removals = Vec::new();
    for (dist, files) in planned {
        let files: Vec<PathBuf> = files
            .into_iter()
            .filter(|file| file.symlink_metadata().is_ok())
            .collect();
        removals.extend(files.iter().cloned());
        report.removed.push(RemovedDist { dist, files });
    }
    let staging = Staging::create(&lock)?;
    staging.commit(removals, Vec::new(), &layout.folders())?;
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

#[cfg(test)]
mod tests;
