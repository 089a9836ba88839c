//! The one error type of this crate: every variant names where it happened.

use std::fmt;
use std::path::PathBuf;

/// A place in a requirements file or script: `file:line` (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or as reached through `-r`).
    pub file: PathBuf,
    /// 1-based line number; for a continued line, the line it starts on.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// Why a requirements file or script could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A line that is not valid; `text` is the offending text as written.
    #[error("{location}: {message}: `{text}`")]
    Parse {
        location: Location,
        text: String,
        message: String,
    },
    /// The file (or an included file) could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `-r`/`-c` includes that lead back to a file already being read.
    #[error("{location}: requirements file includes itself: {chain}")]
    IncludeCycle { location: Location, chain: String },
}

impl Error {
    /// Where the error happened, when it is tied to a line.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Parse { location, .. } | Error::IncludeCycle { location, .. } => Some(location),
            Error::Io { .. } => None,
        }
    }
}
