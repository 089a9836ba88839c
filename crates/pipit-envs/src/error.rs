//! The store's errors.

use std::path::PathBuf;

/// What went wrong in the environment store.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid environment name `{name}`: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("no environment named `{name}` in {}", root.display())]
    NotFound { name: String, root: PathBuf },
    #[error("`{}` is not a valid environment record: {message}", path.display())]
    Record { path: PathBuf, message: String },
    #[error("`{}` is in use by a running pipit install", path.display())]
    Busy { path: PathBuf },
    #[error("--loaded `{item}`: {message}")]
    Loaded { item: String, message: String },
    #[error(transparent)]
    Lock(pipit_install::LockError),
    #[error(transparent)]
    Transaction(#[from] pipit_install::TransactionError),
}

impl From<pipit_install::LockError> for EnvError {
    fn from(error: pipit_install::LockError) -> Self {
        match error {
            pipit_install::LockError::Busy { target } => EnvError::Busy { path: target },
            other => EnvError::Lock(other),
        }
    }
}

/// Wraps an `io::Error` with what was being done to which path.
pub(crate) fn io(
    action: &'static str,
    path: &std::path::Path,
) -> impl FnOnce(std::io::Error) -> EnvError {
    let path = path.to_path_buf();
    move |source| EnvError::Io {
        action,
        path,
        source,
    }
}
