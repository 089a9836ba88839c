//! Moving a staged install into place, all or nothing.
//!
//! ```text
//! <root>/.pipit/
//!   lock                          the per-target lock (held throughout)
//!   staging-<id>/                 one install's files, final layout, same filesystem
//!     new/…                       what will be moved into place
//!     old/r<i>, old/m<j>          what was moved aside (removed files, overwritten files)
//!   journal-<id>.json             the plan; `state` is `prepared` or `committed`
//! ```
//!
//! The journal is written (and synced) before the first rename. It lists,
//! in order, the files to remove (old versions, by their RECORD), the
//! folders that did not exist and will be created, and every staged path
//! with its final path. Every step is a rename, and each step's done-ness
//! is visible on disk (a staged path gone means it was moved; a backup
//! present means the original was moved aside), so after a crash the next
//! run can undo a `prepared` transaction exactly and finish a `committed`
//! one, without having recorded its progress step by step.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::lock::TargetLock;

/// A transaction could not complete, or could not be undone.
#[derive(Debug, thiserror::Error)]
pub enum TransactionError {
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid journal `{}`: {message}", path.display())]
    Journal { path: PathBuf, message: String },
    #[error(
        "{error}; undoing it also failed: {undo}; the next pipit run on this target rolls it back"
    )]
    Undo {
        error: Box<TransactionError>,
        undo: Box<TransactionError>,
    },
    #[error("refusing to change `{}`: {reason}", path.display())]
    Unsafe { path: PathBuf, reason: &'static str },
}

impl TransactionError {
    /// Whether the target may have been left partly changed (an undo failed).
    pub fn left_changes(&self) -> bool {
        matches!(self, TransactionError::Undo { .. })
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> TransactionError {
    let path = path.to_path_buf();
    move |source| TransactionError::Io {
        action,
        path,
        source,
    }
}

/// One staged path and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// Inside the staging folder.
    pub staged: PathBuf,
    /// Its final place. A staged folder is only moved whole onto a final
    /// path that does not exist.
    pub target: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    Prepared,
    Committed,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    version: u32,
    state: State,
    staging: PathBuf,
    removals: Vec<PathBuf>,
    created_dirs: Vec<PathBuf>,
    moves: Vec<Move>,
}

/// A staging folder inside a locked target, and the commit that moves its
/// contents into place.
#[derive(Debug)]
pub struct Staging {
    id: String,
    dir: PathBuf,
    state_dir: PathBuf,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl Staging {
    /// Creates `.pipit/staging-<id>/new/` under the locked target.
    pub fn create(lock: &TargetLock) -> Result<Self, TransactionError> {
        let state_dir = lock.state_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        let id = format!(
            "{}-{}-{nanos:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = state_dir.join(format!("staging-{id}"));
        let new = dir.join("new");
        fs_err::create_dir_all(&new).map_err(io("create the staging folder", &new))?;
        Ok(Self { id, dir, state_dir })
    }

    /// Where staged files go: mirror the final layout below it.
    pub fn new_dir(&self) -> PathBuf {
        self.dir.join("new")
    }

    /// Removes the staging folder: nothing was moved.
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Moves everything into place: first `removals` (files of
    /// distributions being replaced) are moved aside, then each staged path
    /// is renamed onto its target (an existing file there is moved aside
    /// first). On failure everything done is undone and the target is as it
    /// was. `keep_dirs` are never removed when they become empty.
    pub fn commit(
        self,
        removals: Vec<PathBuf>,
        moves: Vec<Move>,
        keep_dirs: &[&Path],
    ) -> Result<(), TransactionError> {
        // A RECORD row naming a folder must not take the folder (and other
        // distributions' files in it) away.
        let removals: Vec<PathBuf> = removals
            .into_iter()
            .filter(|path| !path.symlink_metadata().is_ok_and(|meta| meta.is_dir()))
            .collect();
        for path in removals.iter().chain(moves.iter().map(|step| &step.target)) {
            if let Err(error) = check_path(path, &self.state_dir, keep_dirs) {
                let _ = std::fs::remove_dir_all(&self.dir);
                return Err(error);
            }
        }
        let created_dirs = missing_dirs(&moves);
        let journal = Journal {
            version: 1,
            state: State::Prepared,
            staging: self.dir.clone(),
            removals,
            created_dirs,
            moves,
        };
        let journal_path = self.state_dir.join(format!("journal-{}.json", self.id));
        write_journal(&journal_path, &journal)?;
        if let Err(error) = apply(&journal) {
            return match undo(&journal) {
                Ok(()) => {
                    let _ = std::fs::remove_dir_all(&self.dir);
                    let _ = std::fs::remove_file(&journal_path);
                    Err(error)
                }
                // The journal stays, so the next run tries again.
                Err(undo) => Err(TransactionError::Undo {
                    error: Box::new(error),
                    undo: Box::new(undo),
                }),
            };
        }
        let journal = Journal {
            state: State::Committed,
            ..journal
        };
        if let Err(error) = write_journal(&journal_path, &journal) {
            // Still `prepared` on disk: undo now rather than leave a
            // complete install that the next run would roll back.
            return match undo(&journal) {
                Ok(()) => {
                    let _ = std::fs::remove_dir_all(&self.dir);
                    let _ = std::fs::remove_file(&journal_path);
                    Err(error)
                }
                Err(undo) => Err(TransactionError::Undo {
                    error: Box::new(error),
                    undo: Box::new(undo),
                }),
            };
        }
        finish(&journal, keep_dirs);
        let _ = std::fs::remove_file(&journal_path);
        Ok(())
    }
}

/// What [`recover`] found and did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Interrupted installs that were undone.
    pub rolled_back: usize,
    /// Installs that had committed and were tidied up.
    pub finished: usize,
    /// Staging folders without a journal (a run killed while staging), removed.
    pub stale_staging: usize,
}

/// Finishes or undoes what an interrupted run left under the locked target.
pub fn recover(lock: &TargetLock, keep_dirs: &[&Path]) -> Result<Recovery, TransactionError> {
    let state_dir = lock.state_dir();
    let mut recovery = Recovery::default();
    let Ok(entries) = std::fs::read_dir(&state_dir) else {
        return Ok(recovery);
    };
    let mut journals = Vec::new();
    let mut stagings = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("journal-") && name.ends_with(".json") {
            journals.push(entry.path());
        } else if name.starts_with("staging-") {
            stagings.push(entry.path());
        }
    }
    journals.sort();
    for path in journals {
        let journal = read_journal(&path)?;
        validate_journal(&journal, &path, &state_dir, keep_dirs)?;
        match journal.state {
            State::Prepared => {
                undo(&journal)?;
                recovery.rolled_back += 1;
            }
            State::Committed => {
                finish(&journal, keep_dirs);
                recovery.finished += 1;
            }
        }
        let _ = std::fs::remove_dir_all(&journal.staging);
        fs_err::remove_file(&path).map_err(io("remove the journal", &path))?;
        stagings.retain(|staging| staging != &journal.staging);
    }
    for staging in stagings {
        if std::fs::remove_dir_all(&staging).is_ok() {
            recovery.stale_staging += 1;
        }
    }
    Ok(recovery)
}

/// Whether an interrupted install left work under `root/.pipit` (a journal
/// or a staging folder). Reads only; takes no lock.
pub fn has_leftovers(root: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(root.join(crate::lock::STATE_DIR)) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.starts_with("journal-") || name.starts_with("staging-")
    })
}

fn removal_backup(journal: &Journal, index: usize) -> PathBuf {
    journal.staging.join("old").join(format!("r{index}"))
}

fn move_backup(journal: &Journal, index: usize) -> PathBuf {
    journal.staging.join("old").join(format!("m{index}"))
}

/// The parent folders of the moves' targets that do not exist yet,
/// outermost first.
fn missing_dirs(moves: &[Move]) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = Vec::new();
    for step in moves {
        let mut chain = Vec::new();
        let mut parent = step.target.parent();
        while let Some(dir) = parent {
            if dir.as_os_str().is_empty() || dir.exists() {
                break;
            }
            chain.push(dir.to_path_buf());
            parent = dir.parent();
        }
        for dir in chain.into_iter().rev() {
            if !missing.contains(&dir) {
                missing.push(dir);
            }
        }
    }
    missing
}

fn apply(journal: &Journal) -> Result<(), TransactionError> {
    let old = journal.staging.join("old");
    fs_err::create_dir_all(&old).map_err(io("create", &old))?;
    for (index, path) in journal.removals.iter().enumerate() {
        if path.symlink_metadata().is_ok() {
            std::fs::rename(path, removal_backup(journal, index))
                .map_err(io("move aside", path))?;
        }
    }
    for dir in &journal.created_dirs {
        match std::fs::create_dir(dir) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(io("create", dir)(error)),
        }
    }
    for (index, step) in journal.moves.iter().enumerate() {
        if let Ok(existing) = step.target.symlink_metadata() {
            if existing.is_dir() {
                return Err(TransactionError::Io {
                    action: "replace",
                    path: step.target.clone(),
                    source: std::io::Error::other("a folder is in the way"),
                });
            }
            std::fs::rename(&step.target, move_backup(journal, index))
                .map_err(io("move aside", &step.target))?;
        }
        std::fs::rename(&step.staged, &step.target).map_err(io("move into place", &step.target))?;
    }
    Ok(())
}

/// Puts back what `apply` did, in reverse; each step checks the disk.
fn undo(journal: &Journal) -> Result<(), TransactionError> {
    for (index, step) in journal.moves.iter().enumerate().rev() {
        let moved = step.staged.symlink_metadata().is_err();
        if moved && step.target.symlink_metadata().is_ok() {
            if let Some(parent) = step.staged.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            std::fs::rename(&step.target, &step.staged).map_err(io("move back", &step.target))?;
        }
        let backup = move_backup(journal, index);
        if backup.symlink_metadata().is_ok() {
            std::fs::rename(&backup, &step.target).map_err(io("restore", &step.target))?;
        }
    }
    for dir in journal.created_dirs.iter().rev() {
        // Only if empty: then it is the folder this transaction created.
        let _ = std::fs::remove_dir(dir);
    }
    for (index, path) in journal.removals.iter().enumerate().rev() {
        let backup = removal_backup(journal, index);
        if backup.symlink_metadata().is_ok() {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            std::fs::rename(&backup, path).map_err(io("restore", path))?;
        }
    }
    Ok(())
}

/// After a commit: folders emptied by the removals go, then the backups.
fn finish(journal: &Journal, keep_dirs: &[&Path]) {
    crate::uninstall::remove_empty_dirs(&journal.removals, keep_dirs);
    let _ = std::fs::remove_dir_all(&journal.staging);
}

fn write_journal(path: &Path, journal: &Journal) -> Result<(), TransactionError> {
    let text = serde_json::to_vec_pretty(journal).map_err(|error| TransactionError::Journal {
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;
    let temp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&temp).map_err(io("write", &temp))?;
    file.write_all(&text).map_err(io("write", &temp))?;
    // Synced before any rename depends on it: a crash must not leave moves
    // without the journal that undoes them.
    file.sync_all().map_err(io("sync", &temp))?;
    std::fs::rename(&temp, path).map_err(io("write", path))
}

/// Refuses a path pipit must not touch: outside the layout's folders,
/// inside its own `.pipit/`, or reached through a symbolic link below a
/// layout folder (pip will not replace links in a target either).
fn check_path(path: &Path, state_dir: &Path, keep_dirs: &[&Path]) -> Result<(), TransactionError> {
    let unsafe_path = |reason| TransactionError::Unsafe {
        path: path.to_path_buf(),
        reason,
    };
    if path.starts_with(state_dir) {
        return Err(unsafe_path("it is inside pipit's own `.pipit` folder"));
    }
    if path
        .components()
        .any(|part| matches!(part, std::path::Component::ParentDir))
        || !path.is_absolute()
    {
        return Err(unsafe_path("it is not a plain absolute path"));
    }
    let Some(base) = keep_dirs
        .iter()
        .filter(|kept| path.starts_with(kept) && path != **kept)
        .max_by_key(|kept| kept.components().count())
    else {
        return Err(unsafe_path("it is outside the install folders"));
    };
    let mut dir = path.parent();
    while let Some(current) = dir {
        if current == *base {
            break;
        }
        if current
            .symlink_metadata()
            .is_ok_and(|meta| meta.file_type().is_symlink())
        {
            return Err(unsafe_path("a folder on its way is a symbolic link"));
        }
        dir = current.parent();
    }
    Ok(())
}

/// A journal names only pipit's own staging folder and paths inside the
/// layout, so a journal that is not pipit's cannot make recovery delete or
/// move anything else.
fn validate_journal(
    journal: &Journal,
    path: &Path,
    state_dir: &Path,
    keep_dirs: &[&Path],
) -> Result<(), TransactionError> {
    let invalid = |message: &str| TransactionError::Journal {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let own_staging = journal.staging.parent() == Some(state_dir)
        && journal
            .staging
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("staging-"));
    if !own_staging {
        return Err(invalid("its staging folder is not pipit's"));
    }
    if journal
        .moves
        .iter()
        .any(|step| !step.staged.starts_with(&journal.staging))
    {
        return Err(invalid("it moves files from outside its staging folder"));
    }
    for target in journal
        .removals
        .iter()
        .chain(journal.moves.iter().map(|step| &step.target))
        .chain(&journal.created_dirs)
    {
        check_path(target, state_dir, keep_dirs).map_err(|error| invalid(&error.to_string()))?;
    }
    Ok(())
}

fn read_journal(path: &Path) -> Result<Journal, TransactionError> {
    let text = fs_err::read(path).map_err(io("read", path))?;
    serde_json::from_slice(&text).map_err(|error| TransactionError::Journal {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn tree(root: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if rel.starts_with(".pipit") {
                    continue;
                }
                if path.is_dir() {
                    out.insert(format!("{rel}/"), String::new());
                    walk(root, &path, out);
                } else {
                    out.insert(rel, std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        walk(root, root, &mut out);
        out
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A target with `old 1.0` installed and a staged `old 2.0` plus `new`.
    fn setup(root: &Path) -> (TargetLock, Staging, Vec<PathBuf>, Vec<Move>) {
        write(&root.join("old/__init__.py"), "v1");
        write(&root.join("old/gone.py"), "only in v1");
        write(&root.join("old-1.0.dist-info/RECORD"), "…");
        write(&root.join("shared/keep.py"), "another dist's");
        let lock = TargetLock::acquire(root, || {}).unwrap();
        let staging = Staging::create(&lock).unwrap();
        let new = staging.new_dir();
        write(&new.join("old/__init__.py"), "v2");
        write(&new.join("old-2.0.dist-info/RECORD"), "…");
        write(&new.join("fresh/deep/mod.py"), "new");
        write(&new.join("shared/added.py"), "added");
        let removals = vec![
            root.join("old/__init__.py"),
            root.join("old/gone.py"),
            root.join("old-1.0.dist-info/RECORD"),
        ];
        let moves = [
            "old/__init__.py",
            "old-2.0.dist-info",
            "fresh",
            "shared/added.py",
        ]
        .iter()
        .map(|rel| Move {
            staged: new.join(rel),
            target: root.join(rel),
        })
        .collect();
        (lock, staging, removals, moves)
    }

    #[test]
    fn commit_replaces_the_old_version_and_tidies_up() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        let (lock, staging, removals, moves) = setup(&root);
        staging.commit(removals, moves, &[&root]).unwrap();
        let after = tree(&root);
        let names: Vec<&str> = after.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "fresh/",
                "fresh/deep/",
                "fresh/deep/mod.py",
                "old-2.0.dist-info/",
                "old-2.0.dist-info/RECORD",
                "old/",
                "old/__init__.py",
                "shared/",
                "shared/added.py",
                "shared/keep.py"
            ]
        );
        assert_eq!(after["old/__init__.py"], "v2");
        let leftovers: Vec<_> = std::fs::read_dir(lock.state_dir())
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name())
            .filter(|name| name != "lock")
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_failing_move_puts_everything_back() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        let (_lock, staging, removals, mut moves) = setup(&root);
        let before = tree(&root);
        // A staged path that does not exist fails the last rename.
        moves.push(Move {
            staged: staging.new_dir().join("missing.py"),
            target: root.join("fresh2/missing.py"),
        });
        let error = staging.commit(removals, moves, &[&root]).unwrap_err();
        assert!(error.to_string().contains("move into place"), "{error}");
        assert_eq!(tree(&root), before);
        assert!(!has_leftovers(&root));
    }

    #[test]
    fn recovery_undoes_a_prepared_journal_and_finishes_a_committed_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        let (lock, staging, removals, moves) = setup(&root);
        let before = tree(&root);
        // Simulate a kill halfway: the journal is written and half the steps ran.
        let journal = Journal {
            version: 1,
            state: State::Prepared,
            staging: staging.dir.clone(),
            removals,
            created_dirs: missing_dirs(&moves),
            moves,
        };
        let journal_path = staging
            .state_dir
            .join(format!("journal-{}.json", staging.id));
        write_journal(&journal_path, &journal).unwrap();
        std::fs::create_dir_all(journal.staging.join("old")).unwrap();
        std::fs::rename(&journal.removals[0], removal_backup(&journal, 0)).unwrap();
        // `old/__init__.py` went aside as a removal, then the new one came in.
        std::fs::rename(&journal.moves[0].staged, &journal.moves[0].target).unwrap();
        std::fs::rename(&journal.moves[2].staged, &journal.moves[2].target).unwrap();
        assert!(has_leftovers(&root));
        let recovery = recover(&lock, &[&root]).unwrap();
        assert_eq!(recovery.rolled_back, 1);
        assert_eq!(tree(&root), before);
        assert!(!has_leftovers(&root));

        // Committed, killed before tidying up: recovery finishes.
        let (_, staging, removals, moves) = {
            let staging = Staging::create(&lock).unwrap();
            let new = staging.new_dir();
            write(&new.join("extra.py"), "x");
            let moves = vec![Move {
                staged: new.join("extra.py"),
                target: root.join("extra.py"),
            }];
            ((), staging, vec![root.join("old/gone.py")], moves)
        };
        let journal = Journal {
            version: 1,
            state: State::Prepared,
            staging: staging.dir.clone(),
            removals,
            created_dirs: Vec::new(),
            moves,
        };
        apply(&journal).unwrap();
        let journal = Journal {
            state: State::Committed,
            ..journal
        };
        write_journal(
            &staging
                .state_dir
                .join(format!("journal-{}.json", staging.id)),
            &journal,
        )
        .unwrap();
        let recovery = recover(&lock, &[&root]).unwrap();
        assert_eq!(recovery.finished, 1);
        assert!(root.join("extra.py").is_file());
        assert!(!root.join("old/gone.py").exists());
        assert!(!has_leftovers(&root));
    }

    #[test]
    fn a_staging_folder_without_journal_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        let lock = TargetLock::acquire(&root, || {}).unwrap();
        let staging = Staging::create(&lock).unwrap();
        write(&staging.new_dir().join("a.py"), "x");
        let recovery = recover(&lock, &[&root]).unwrap();
        assert_eq!(recovery.stale_staging, 1);
        assert!(!has_leftovers(&root));
    }
    #[test]
    fn a_journal_that_is_not_pipits_is_refused_and_nothing_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        let victim = dir.path().join("victim");
        write(&victim.join("precious.txt"), "keep");
        let lock = TargetLock::acquire(&root, || {}).unwrap();
        // As a hostile wheel could ship it: committed, naming another folder.
        let journal = Journal {
            version: 1,
            state: State::Committed,
            staging: victim.clone(),
            removals: vec![victim.join("precious.txt")],
            created_dirs: Vec::new(),
            moves: Vec::new(),
        };
        write_journal(&lock.state_dir().join("journal-x.json"), &journal).unwrap();
        let error = recover(&lock, &[&root]).unwrap_err();
        assert!(
            error.to_string().contains("staging folder is not pipit's"),
            "{error}"
        );
        assert!(victim.join("precious.txt").is_file());
    }

    #[cfg(unix)]
    #[test]
    fn paths_through_links_outside_or_in_pipits_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        let elsewhere = dir.path().join("elsewhere");
        write(&elsewhere.join("f.py"), "not ours");
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("pkg")).unwrap();
        let lock = TargetLock::acquire(&root, || {}).unwrap();
        for path in [
            root.join("pkg/f.py"),
            dir.path().join("outside.py"),
            root.join(".pipit/lock"),
            root.join("a/../../outside.py"),
        ] {
            let staging = Staging::create(&lock).unwrap();
            let error = staging
                .commit(vec![path.clone()], Vec::new(), &[&root])
                .unwrap_err();
            assert!(
                matches!(error, TransactionError::Unsafe { .. }),
                "{path:?}: {error}"
            );
        }
        assert!(elsewhere.join("f.py").is_file());
    }

    #[test]
    fn a_folder_named_as_a_removal_stays() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        write(&root.join("ns/other.py"), "another dist's");
        write(&root.join("ns/mine.py"), "mine");
        let lock = TargetLock::acquire(&root, || {}).unwrap();
        let staging = Staging::create(&lock).unwrap();
        staging
            .commit(
                vec![root.join("ns"), root.join("ns/mine.py")],
                Vec::new(),
                &[&root],
            )
            .unwrap();
        assert!(root.join("ns/other.py").is_file());
        assert!(!root.join("ns/mine.py").exists());
    }
}
