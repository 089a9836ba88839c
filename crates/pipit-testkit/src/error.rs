//! The one error type of the test kit.

/// Everything that can go wrong while describing or writing a wheel.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid distribution name `{0}` (PEP 508: letters, digits, `-_.`, alphanumeric at both ends)")]
    InvalidName(String),
    #[error("invalid version `{0}` for a wheel file name")]
    InvalidVersion(String),
    #[error("invalid wheel tag `{0}` (expected `<python>-<abi>-<platform>`)")]
    InvalidTag(String),
    #[error("invalid build tag `{0}` (it must start with a digit and hold no `-`)")]
    InvalidBuildTag(String),
    #[error("invalid entry path `{path}` in wheel `{wheel}`: {reason}")]
    InvalidPath {
        wheel: String,
        path: String,
        reason: &'static str,
    },
    #[error(
        "unknown `.data` category `{0}` (expected purelib, platlib, scripts, headers or data)"
    )]
    UnknownDataCategory(String),
    #[error("wheel `{wheel}` would contain `{path}` twice")]
    DuplicateEntry { wheel: String, path: String },
    #[error("`corrupt_record_hash` or `file_mode` names `{path}`, which wheel `{wheel}` does not contain")]
    UnknownRecordPath { wheel: String, path: String },
    #[error("two descriptions produce the same wheel file `{0}`")]
    DuplicateWheel(String),
    #[error("description line {line}: {message}")]
    Description { line: usize, message: String },
    #[error("failed to write zip archive for `{wheel}`")]
    Zip {
        wheel: String,
        #[source]
        source: zip::result::ZipError,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
