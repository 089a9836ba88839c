//! The crate's errors: one enum for configuration, one for Simple API pages.
//!
//! Messages are lowercase with no trailing period, and always name where the
//! problem is: a config file with its line, an environment variable, or the
//! page URL with any credentials replaced by `****`.

use std::path::PathBuf;

use crate::config::Origin;

/// A configuration source could not be read or holds a bad value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config file exists but could not be read (permissions, not UTF-8, …).
    /// `fs_err`'s error already names the path.
    #[error("cannot read config file `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A config file is not valid INI syntax as Python's `configparser` reads it.
    #[error("malformed config file `{path}:{line}`: {message}")]
    Malformed {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A value was read but does not fit its setting (e.g. a non-numeric timeout).
    #[error("invalid value `{value}` for `{key}` from {origin}: {expected}")]
    InvalidValue {
        key: String,
        value: String,
        /// Boxed to keep the error small; most results are `Ok`.
        origin: Box<Origin>,
        expected: String,
    },
}

/// A Simple API page could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The JSON body is not a PEP 691 project page.
    #[error("malformed json simple api page `{url}`: {message}")]
    Json { url: String, message: String },
    /// The HTML body could not be scanned (e.g. a tag left open at the end).
    #[error("malformed html simple api page `{url}`: {message}")]
    Html { url: String, message: String },
    /// A link's `href` (or the page's `<base href>`) is not a valid URL.
    #[error("invalid link `{href}` on simple api page `{url}`: {message}")]
    Link {
        url: String,
        href: String,
        message: String,
    },
}
