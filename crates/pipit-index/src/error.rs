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

/// Fetching from an index (or reading one on disk) failed.
///
/// Every URL in these messages has been through [`crate::redact`]; each
/// message is one line. [`IndexError::is_network`] tells the CLI which of
/// them are network or index failures (exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// An index URL (from the configuration or a page) is not a usable URL.
    #[error("invalid index url `{url}`: {message}")]
    InvalidUrl { url: String, message: String },
    /// Nothing listens on the host and port.
    #[error("cannot connect to `{url}`: connection refused")]
    ConnectionRefused { url: String },
    /// The host name does not resolve.
    #[error("cannot resolve the host of `{url}`: {message}")]
    Dns { url: String, message: String },
    /// The TLS handshake failed (unknown CA, expired or mismatched certificate, …).
    #[error("tls failure talking to `{url}`: {message}; a ca bundle can be given with `--cert`")]
    Tls { url: String, message: String },
    /// Any other failure to connect or to read the answer.
    #[error("network failure talking to `{url}`: {message}")]
    Connect { url: String, message: String },
    /// No answer within `--timeout` (after the retries).
    #[error("`{url}` timed out after {seconds}s")]
    Timeout { url: String, seconds: f64 },
    /// 401 or 403.
    #[error("`{url}` answered http {status}: {reason}")]
    Unauthorized {
        url: String,
        status: u16,
        reason: &'static str,
    },
    /// Any other unexpected HTTP status (after the retries, for 5xx).
    #[error("`{url}` answered http {status}")]
    Status { url: String, status: u16 },
    /// Plain http to a host that is neither local nor `--trusted-host`.
    #[error("`{url}` is plain http from a host that is not trusted; use https or `--trusted-host {host}`")]
    InsecureOrigin { url: String, host: String },
    /// The page was fetched but is not a Simple API page.
    #[error(transparent)]
    Malformed(#[from] ParseError),
    /// A file's sha256 is not the one the index (or the caller) announced.
    #[error("hash mismatch for `{url}`: expected sha256 {expected}, got {actual}")]
    HashMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    /// `--offline` and the page (or file) is not in the cache.
    #[error("`{name}` is not in the cache; it cannot be found offline")]
    Offline { name: String },
    /// No configured index has the project.
    #[error("`{name}` was not found on {}", describe_indexes(.indexes))]
    NotFound { name: String, indexes: Vec<String> },
    /// A local file (a `file://` index, `--cert`, `--client-cert`) could not be read.
    #[error("cannot read `{path}`: {message}")]
    File { path: PathBuf, message: String },
    /// A downloaded file could not be written to disk (the cache, a scratch folder).
    #[error("cannot write `{path}`: {message}")]
    Write { path: PathBuf, message: String },
    /// `--cert` or `--client-cert` holds no usable PEM data.
    #[error("invalid certificate file `{path}`: {message}")]
    Certificate { path: PathBuf, message: String },
    /// The HTTP client could not be set up.
    #[error("cannot set up the http client: {message}")]
    Client { message: String },
}

fn describe_indexes(indexes: &[String]) -> String {
    match indexes {
        [] => "any index (none is configured)".to_string(),
        [one] => format!("the index `{one}`"),
        many => {
            let quoted: Vec<String> = many.iter().map(|index| format!("`{index}`")).collect();
            format!("any of the indexes {}", quoted.join(", "))
        }
    }
}

impl IndexError {
    /// A network or index failure: the CLI exits with code 3 for these.
    /// Not found, offline misses, hash mismatches and local file problems
    /// are not.
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            IndexError::ConnectionRefused { .. }
                | IndexError::Dns { .. }
                | IndexError::Tls { .. }
                | IndexError::Connect { .. }
                | IndexError::Timeout { .. }
                | IndexError::Unauthorized { .. }
                | IndexError::Status { .. }
                | IndexError::InsecureOrigin { .. }
                | IndexError::Malformed(_)
        )
    }
}

/// Core metadata could not be read: from METADATA text, from a wheel, or
/// from a wheel on a server through HTTP range requests.
///
/// `source_name` is where the text came from: a path, a URL (credentials
/// redacted), or `<wheel>!METADATA`.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("core metadata `{source_name}` has no `{field}` field")]
    MissingField { source_name: String, field: String },
    /// A field's value does not parse (`Version`, `Requires-Dist`,
    /// `Requires-Python`, `Name`); the resolver skips that candidate.
    #[error(
        "invalid `{field}` in core metadata `{source_name}` line {line}: `{value}`: {message}"
    )]
    Invalid {
        source_name: String,
        line: usize,
        field: String,
        value: String,
        message: String,
    },
    #[error("`{wheel}` is not a wheel file name")]
    NotAWheel { wheel: String },
    #[error("cannot read wheel `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("wheel `{wheel}` is not a valid zip archive: {message}")]
    Zip { wheel: String, message: String },
    #[error("wheel `{wheel}` has no `{expected}` (dist-info METADATA found: {found:?})")]
    NoDistInfo {
        wheel: String,
        expected: String,
        found: Vec<String>,
    },
    #[error("wheel `{wheel}` has more than one matching dist-info METADATA: {candidates:?}")]
    AmbiguousDistInfo {
        wheel: String,
        candidates: Vec<String>,
    },
    /// The metadata inside a wheel names another project or version than the
    /// wheel's file name.
    #[error("wheel `{wheel}` has `{field}: {in_metadata}` in its metadata but `{in_filename}` in its file name")]
    Mismatch {
        wheel: String,
        field: String,
        in_metadata: String,
        in_filename: String,
    },
    #[error("cannot fetch `{url}`")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("unexpected http status {status} for a range request to `{url}`")]
    Status { url: String, status: u16 },
    /// The server answered a range request with bytes we did not ask for.
    #[error("bad range response from `{url}`: {message}")]
    BadRange { url: String, message: String },
}

/// A `--find-links` location could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FindLinksError {
    /// pip warns and ignores such a location; pipit stops, so that a typo
    /// in a path never silently turns into "no such package".
    #[error("find-links location `{}` does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read find-links location `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid find-links location `{location}`: {message}")]
    InvalidLocation { location: String, message: String },
    /// A remote page was asked for without an HTTP client (offline).
    #[error("find-links page `{url}` needs the network, which is off")]
    Offline { url: String },
    #[error("cannot fetch find-links page `{url}`")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("find-links page `{url}` answered http status {status}")]
    Status { url: String, status: u16 },
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// The cache could not be inspected or cleaned (`pipit cache`).
#[derive(Debug, thiserror::Error)]
pub enum CacheAdminError {
    /// A folder of the cache could not be listed.
    #[error("cannot read the cache folder `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An entry could not be removed.
    #[error("cannot remove `{}` from the cache", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
