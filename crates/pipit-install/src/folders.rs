//! The folders one thread has made while writing a wheel's files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::wheel::WheelError;

/// The folders made so far: a wheel's files share few folders, and asking
/// the file system again for each file costs a `mkdir` (failing with
/// "exists") and a `stat` apiece.
///
/// Files come folder by folder, so the last folder is compared first, as
/// bytes.
#[derive(Default)]
pub(crate) struct Folders {
    made: HashSet<PathBuf>,
    last: PathBuf,
}

impl Folders {
    /// Makes the folder that holds `path`, with its parents, unless this
    /// thread made it already.
    ///
    /// The missing folders are made top down from the nearest one known to
    /// exist: `create_dir_all` tries the deepest first and, in a fresh tree,
    /// fails with "not found" once for every level it then has to make (a
    /// thousand failed `mkdir`s for django's locale folders).
    pub(crate) fn create_parent(&mut self, path: &Path) -> Result<(), WheelError> {
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        if parent.as_os_str() == self.last.as_os_str() {
            return Ok(());
        }
        if !self.made.contains(parent) {
            let missing: Vec<&Path> = parent
                .ancestors()
                .take_while(|folder| !self.made.contains(*folder))
                .collect();
            let known = missing
                .last()
                .and_then(|top| top.parent())
                .is_some_and(|above| self.made.contains(above));
            if known {
                for folder in missing.into_iter().rev() {
                    make_folder(folder)?;
                    self.made.insert(folder.to_path_buf());
                }
            } else {
                std::fs::create_dir_all(parent).map_err(WheelError::io(parent))?;
                self.made.extend(parent.ancestors().map(Path::to_path_buf));
            }
        }
        parent.clone_into(&mut self.last);
        Ok(())
    }
}

/// One folder whose parent exists. A folder that is there already (made
/// by another thread meanwhile, or above the tree) is fine whatever the
/// error, as with `create_dir_all`: some file systems refuse to make an
/// existing folder with "permission denied" rather than "exists".
fn make_folder(folder: &Path) -> Result<(), WheelError> {
    match std::fs::create_dir(folder) {
        Ok(()) => Ok(()),
        Err(_) if folder.is_dir() => Ok(()),
        Err(error) => Err(WheelError::io(folder)(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_made_top_down_and_once() {
        let root = tempfile::tempdir().unwrap();
        let mut folders = Folders::default();
        folders
            .create_parent(&root.path().join("a/b/file"))
            .unwrap();
        // Below a known folder: made level by level.
        folders
            .create_parent(&root.path().join("a/c/d/e/file"))
            .unwrap();
        assert!(root.path().join("a/c/d/e").is_dir());
        // Made meanwhile by somebody else: fine.
        std::fs::create_dir_all(root.path().join("a/x/y")).unwrap();
        folders
            .create_parent(&root.path().join("a/x/y/z/file"))
            .unwrap();
        assert!(root.path().join("a/x/y/z").is_dir());
        // A file where a folder should be: the error names that file
        // (create_dir_all named the folder below it).
        std::fs::write(root.path().join("a/f"), b"").unwrap();
        let error = folders
            .create_parent(&root.path().join("a/f/g/file"))
            .unwrap_err();
        match error {
            WheelError::Io { path, .. } => assert_eq!(path, root.path().join("a/f")),
            other => panic!("{other}"),
        }
    }
}
