//! One lock per target folder: `<target>/.pipit/lock`, an advisory
//! exclusive lock on an open file (`flock` on Unix, `LockFileEx` on
//! Windows), so two pipit processes installing into one target take turns
//! and a killed process releases its lock with its file descriptors.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The folder inside a target where pipit keeps its bookkeeping (lock,
/// journal, staging).
pub const STATE_DIR: &str = ".pipit";

/// The lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot lock `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is locked by another pipit process", target.display())]
    Busy { target: PathBuf },
}

/// Held while a process changes a target; dropping it releases the lock.
#[derive(Debug)]
pub struct TargetLock {
    file: File,
    target: PathBuf,
}

impl TargetLock {
    /// Takes the target's lock, waiting for another process to finish.
    /// `on_wait` is called once, before waiting, when the lock is busy (so
    /// the caller can say why nothing happens). Creates the target folder
    /// and its `.pipit/` folder when missing.
    pub fn acquire(target: &Path, on_wait: impl FnOnce()) -> Result<Self, LockError> {
        let (file, path) = open_lock_file(target)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(|source| LockError::Io {
                    path: path.clone(),
                    source,
                })?;
            }
            Err(TryLockError::Error(source)) => return Err(LockError::Io { path, source }),
        }
        Ok(Self {
            file,
            target: target.to_path_buf(),
        })
    }

    /// Takes the lock only if nobody holds it.
    pub fn try_acquire(target: &Path) -> Result<Self, LockError> {
        let (file, path) = open_lock_file(target)?;
        match file.try_lock() {
            Ok(()) => Ok(Self {
                file,
                target: target.to_path_buf(),
            }),
            Err(TryLockError::WouldBlock) => Err(LockError::Busy {
                target: target.to_path_buf(),
            }),
            Err(TryLockError::Error(source)) => Err(LockError::Io { path, source }),
        }
    }

    /// The locked target folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// `<target>/.pipit`, which exists while the lock is held.
    pub fn state_dir(&self) -> PathBuf {
        self.target.join(STATE_DIR)
    }
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

fn open_lock_file(target: &Path) -> Result<(File, PathBuf), LockError> {
    let state = target.join(STATE_DIR);
    let path = state.join("lock");
    std::fs::create_dir_all(&state).map_err(|source| LockError::Io {
        path: state.clone(),
        source,
    })?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| LockError::Io {
            path: path.clone(),
            source,
        })?;
    Ok((file, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("env");
        let first = TargetLock::acquire(&target, || panic!("nobody holds it")).unwrap();
        assert!(matches!(
            TargetLock::try_acquire(&target),
            Err(LockError::Busy { .. })
        ));
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiter = {
            let target = target.clone();
            std::thread::spawn(move || {
                let mut waited = false;
                let lock = TargetLock::acquire(&target, || waited = true).unwrap();
                sender.send(()).unwrap();
                drop(lock);
                waited
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(receiver.try_recv().is_err(), "the second lock did not wait");
        drop(first);
        receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        assert!(waiter.join().unwrap());
        assert!(target.join(".pipit").is_dir());
    }
}
