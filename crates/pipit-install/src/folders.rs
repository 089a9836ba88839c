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
    pub(crate) fn create_parent(&mut self, path: &Path) -> Result<(), WheelError> {
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        if parent.as_os_str() == self.last.as_os_str() {
            return Ok(());
        }
        if !self.made.contains(parent) {
            std::fs::create_dir_all(parent).map_err(WheelError::io(parent))?;
            self.made.insert(parent.to_path_buf());
        }
        parent.clone_into(&mut self.last);
        Ok(())
    }
}
