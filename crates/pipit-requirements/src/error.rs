//! The one error type of this crate: every variant names where it happened.

use std::fmt;
use std::path::PathBuf;

use crate::text::escape_control;

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
    /// Control characters in the message and text are shown escaped (`\r`).
    #[error("{location}: {}: `{}`", escape_control(message), escape_control(text))]
    Parse {
        location: Location,
        text: String,
        message: String,
    },
    /// The file (or an included file) could not be read. `fs_err` messages
    /// already name the path, so it is added only when `source` lacks it.
    #[error("{}", io_message(path, source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `-r`/`-c` includes that lead back to a file already being read.
    #[error(
        "{location}: requirements file includes itself: {}",
        escape_control(chain)
    )]
    IncludeCycle { location: Location, chain: String },
}

fn io_message(path: &std::path::Path, source: &std::io::Error) -> String {
    let message = source.to_string();
    if message.contains(&path.display().to_string()) {
        message
    } else {
        format!("cannot read `{}`: {message}", path.display())
    }
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
