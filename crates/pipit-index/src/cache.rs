//! The HTTP cache for index pages, the content-addressed blob store, and
//! the hashes of local wheels.
//!
//! ```text
//! <cache_dir>/
//!   http-v1/
//!     <sha256(redacted url + "\n" + accept)>.page   one Simple API page:
//!                                                   a JSON header line, "\n", the body
//!     .tmp-<pid>-<n>-<key>                          a write in progress (renamed into place)
//!   blobs-v1/
//!     sha256/
//!       <hex digest>                                a file whose sha256 is its name
//!                                                   (metadata files, wheels)
//!   local-v1/
//!     <sha256(absolute path)>                       the sha256 of a local wheel, with the
//!                                                   file's size, times and inode when hashed
//! ```
//!
//! The header line holds the final URL (after redirects, credentials
//! removed), the content type, `ETag`, `Last-Modified`, the `Cache-Control`
//! directives we honour (`max-age`, `no-cache`; `no-store` pages are never
//! written) and when the page was fetched, in milliseconds since the Unix
//! epoch. Credentials never reach the disk: the key is computed from the
//! redacted URL.
//!
//! # When a cached page is used
//!
//! - Fresh (younger than its `max-age`, or than the index TTL when the server
//!   gave no `max-age`; never with `no-cache`): used with no request.
//! - Stale, with an `ETag` or `Last-Modified`: revalidated with
//!   `If-None-Match` / `If-Modified-Since`; a 304 reuses the body and makes
//!   the entry fresh again. Stale without validators: fetched again.
//! - `refresh`: every entry written before the client was made is stale.
//! - Offline: any entry, whatever its age; no entry is an error.
//!
//! Every write goes to a temporary file in the same folder and is renamed
//! over the entry, so concurrent pipit processes sharing a cache read either
//! the old or the new entry, never half of one. A cache that cannot be
//! written is not an error: the page was fetched, the next run fetches it
//! again. An entry that cannot be read back (truncated, from a future
//! version) is treated as missing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::simple::redact;

/// One cached page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CachedPage {
    /// The URL that was requested, redacted (for people reading the cache).
    pub(crate) url: String,
    /// After redirects, without credentials: relative links resolve against it.
    pub(crate) final_url: String,
    pub(crate) content_type: Option<String>,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    pub(crate) max_age: Option<u64>,
    pub(crate) no_cache: bool,
    pub(crate) fetched_at_ms: u64,
    #[serde(skip)]
    pub(crate) body: Vec<u8>,
}

impl CachedPage {
    /// Whether the page may be used without asking the server: its
    /// `max-age`, or `default_ttl` when the server gave no lifetime.
    pub(crate) fn is_fresh(&self, now_ms: u64, default_ttl: Duration) -> bool {
        if self.no_cache {
            return false;
        }
        let lifetime_ms = match self.max_age {
            Some(seconds) => seconds.saturating_mul(1000),
            None => u64::try_from(default_ttl.as_millis()).unwrap_or(u64::MAX),
        };
        now_ms.saturating_sub(self.fetched_at_ms) < lifetime_ms
    }

    pub(crate) fn has_validators(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }
}

/// The `Cache-Control` directives we act on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CacheControl {
    pub(crate) max_age: Option<u64>,
    pub(crate) no_cache: bool,
    pub(crate) no_store: bool,
}

impl CacheControl {
    pub(crate) fn parse(value: &str) -> Self {
        let mut control = CacheControl::default();
        for directive in value.split(',') {
            let (name, argument) = match directive.split_once('=') {
                Some((name, argument)) => (name.trim(), Some(argument.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            match name.to_ascii_lowercase().as_str() {
                "max-age" => {
                    control.max_age = argument.and_then(|seconds| seconds.parse().ok());
                }
                "no-cache" => control.no_cache = true,
                "no-store" => control.no_store = true,
                _ => {}
            }
        }
        control
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// `<cache_dir>/http-v1/`.
#[derive(Debug, Clone)]
pub(crate) struct HttpCache {
    root: PathBuf,
}

impl HttpCache {
    pub(crate) fn new(cache_dir: &Path) -> Self {
        Self {
            root: cache_dir.join("http-v1"),
        }
    }

    /// The entry's key: the redacted URL and the `Accept` variant.
    pub(crate) fn key(url: &Url, accept: &str) -> String {
        sha256_hex(format!("{}\n{accept}", redact(url)).as_bytes())
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(format!("{key}.page"))
    }

    pub(crate) fn read(&self, key: &str) -> Option<CachedPage> {
        let path = self.path(key);
        let mut bytes = fs_err::read(&path).ok()?;
        touch(&path);
        let newline = bytes.iter().position(|byte| *byte == b'\n')?;
        let mut page: CachedPage = serde_json::from_slice(&bytes[..newline]).ok()?;
        // In place: a copy would touch as many fresh pages as the body has.
        bytes.drain(..=newline);
        page.body = bytes;
        Some(page)
    }

    /// Best effort: a failed write leaves the previous entry (or none).
    pub(crate) fn write(&self, key: &str, page: &CachedPage) {
        let Ok(mut bytes) = serde_json::to_vec(page) else {
            return;
        };
        bytes.push(b'\n');
        bytes.extend_from_slice(&page.body);
        let _ = write_atomic(&self.root, &self.path(key), &bytes);
    }
}

/// `<cache_dir>/blobs-v1/sha256/`.
#[derive(Debug, Clone)]
pub(crate) struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub(crate) fn new(cache_dir: &Path) -> Self {
        Self {
            root: cache_dir.join("blobs-v1").join("sha256"),
        }
    }

    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(sha256)
    }

    /// `<cache_dir>/blobs-v1/sha256/`, where blobs and their temporary files live.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The stored bytes, checked again against their name: a file damaged on
    /// disk is dropped and fetched anew rather than handed out.
    pub(crate) fn read(&self, sha256: &str) -> Option<Vec<u8>> {
        let path = self.path(sha256);
        let bytes = fs_err::read(&path).ok()?;
        if sha256_hex(&bytes) != sha256 {
            let _ = fs_err::remove_file(&path);
            return None;
        }
        touch(&path);
        Some(bytes)
    }

    /// Store bytes whose digest the caller has verified. Best effort.
    pub(crate) fn write(&self, sha256: &str, bytes: &[u8]) {
        let _ = write_atomic(&self.root, &self.path(sha256), bytes);
    }
}

/// `<cache_dir>/metadata-v1/`: the `METADATA` of wheels read by range
/// requests. The bytes cannot be checked against the wheel's sha256, so an
/// entry is named by the wheel's URL *and* its sha256: a wheel never changes
/// under its hash, and what one server said is never served for another's.
#[derive(Debug, Clone)]
pub(crate) struct WheelMetadataStore {
    root: PathBuf,
}

impl WheelMetadataStore {
    pub(crate) fn new(cache_dir: &Path) -> Self {
        Self {
            root: cache_dir.join("metadata-v1"),
        }
    }

    fn path(&self, url: &Url, wheel_sha256: &str) -> Option<PathBuf> {
        let valid = wheel_sha256.len() == 64 && wheel_sha256.bytes().all(|b| b.is_ascii_hexdigit());
        let key = format!("{}\n{}", redact(url), wheel_sha256.to_ascii_lowercase());
        valid.then(|| self.root.join(sha256_hex(key.as_bytes())))
    }

    /// The stored metadata of the wheel at `url` with this sha256.
    pub(crate) fn read(&self, url: &Url, wheel_sha256: &str) -> Option<Vec<u8>> {
        let path = self.path(url, wheel_sha256)?;
        let bytes = fs_err::read(&path).ok()?;
        touch(&path);
        Some(bytes)
    }

    /// Stores metadata read from the wheel at `url` with this sha256. Best effort.
    pub(crate) fn write(&self, url: &Url, wheel_sha256: &str, bytes: &[u8]) {
        if let Some(path) = self.path(url, wheel_sha256) {
            let _ = write_atomic(&self.root, &path, bytes);
        }
    }
}

/// `<cache_dir>/local-v1/`: the sha256 of local wheels (find-links folders,
/// `file://` URLs), so that a wheelhouse installed from on every run is
/// hashed once, not read whole each time. An entry is named by the file's
/// path and holds the file's [`LocalStamp`] with the digest; it is used only
/// while the file's stamp is unchanged. The change time and inode are in
/// the stamp because no one can set them: rewriting a file, even with its
/// old size and modification time put back, makes the entry stale.
///
/// File times move in ticks (milliseconds, or whole seconds on some file
/// systems), so a file rewritten at the same size within the tick it was
/// hashed in would keep its stamp. As git does for its index, a digest is
/// stored only for a file whose times are [`SETTLED`] older than the start
/// of the hashing, and whose stamp (taken from the open file) did not move
/// while it was read. Only on Unix: elsewhere the standard library gives no
/// change time or file identity, so local files are hashed on every use.
#[derive(Debug, Clone)]
pub(crate) struct LocalHashStore {
    root: PathBuf,
}

/// How much older than the start of hashing a file's times must be for its
/// digest to be stored.
pub(crate) const SETTLED: Duration = Duration::from_secs(2);

/// What identifies one version of a local file without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LocalStamp {
    size: u64,
    modified_ns: i128,
    changed_ns: i128,
    inode: u64,
    device: u64,
}

impl LocalStamp {
    /// The stamp of an open file now.
    pub(crate) fn of(file: &std::fs::File) -> std::io::Result<Self> {
        Ok(Self::from_metadata(&file.metadata()?))
    }

    /// Whether both times are [`SETTLED`] older than `started`.
    pub(crate) fn settled_before(&self, started: SystemTime) -> bool {
        let Ok(started) = started.duration_since(UNIX_EPOCH) else {
            return false;
        };
        let limit = started.saturating_sub(SETTLED).as_nanos();
        let limit = i128::try_from(limit).unwrap_or(i128::MAX);
        self.modified_ns < limit && self.changed_ns < limit
    }

    #[cfg(unix)]
    fn from_metadata(metadata: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        let nanos =
            |seconds: i64, nanos: i64| i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
        Self {
            size: metadata.len(),
            modified_ns: nanos(metadata.mtime(), metadata.mtime_nsec()),
            changed_ns: nanos(metadata.ctime(), metadata.ctime_nsec()),
            inode: metadata.ino(),
            device: metadata.dev(),
        }
    }

    #[cfg(not(unix))]
    fn from_metadata(metadata: &std::fs::Metadata) -> Self {
        let since_epoch = |time: std::io::Result<SystemTime>| {
            time.ok()
                .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |duration| duration.as_nanos() as i128)
        };
        Self {
            size: metadata.len(),
            modified_ns: since_epoch(metadata.modified()),
            changed_ns: since_epoch(metadata.created()),
            inode: 0,
            device: 0,
        }
    }

    /// The file's size in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }
}

/// One entry of [`LocalHashStore`].
#[derive(Debug, Serialize, Deserialize)]
struct LocalHashEntry {
    path: PathBuf,
    stamp: LocalStamp,
    sha256: String,
}

impl LocalHashStore {
    /// The store under `cache_dir`; none where stamps cannot be trusted (not Unix).
    pub(crate) fn new(cache_dir: &Path) -> Option<Self> {
        cfg!(unix).then(|| Self {
            root: cache_dir.join("local-v1"),
        })
    }

    fn entry_path(&self, path: &Path) -> PathBuf {
        self.root
            .join(sha256_hex(path.as_os_str().as_encoded_bytes()))
    }

    /// The stored sha256 of the file at `path`, if it was hashed with this stamp.
    pub(crate) fn read(&self, path: &Path, stamp: &LocalStamp) -> Option<String> {
        let entry_path = self.entry_path(path);
        let bytes = fs_err::read(&entry_path).ok()?;
        let entry: LocalHashEntry = serde_json::from_slice(&bytes).ok()?;
        let valid = entry.path == path
            && entry.stamp == *stamp
            && entry.sha256.len() == 64
            && entry.sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if valid {
            // `cache prune` drops entries by their last use.
            touch(&entry_path);
        }
        valid.then_some(entry.sha256)
    }

    /// Stores the sha256 of the file at `path`, hashed with this stamp. Best effort.
    pub(crate) fn write(&self, path: &Path, stamp: &LocalStamp, sha256: &str) {
        let entry = LocalHashEntry {
            path: path.to_path_buf(),
            stamp: stamp.clone(),
            sha256: sha256.to_string(),
        };
        if let Ok(bytes) = serde_json::to_vec(&entry) {
            let _ = write_atomic(&self.root, &self.entry_path(path), &bytes);
        }
    }
}

/// The prefix of every file (or folder) that is being written and will be
/// renamed into place; `pipit cache prune` removes old ones.
pub(crate) const TEMPORARY_PREFIX: &str = ".tmp-";

/// A name in `dir` no other write uses: `.tmp-<pid>-<n>-<name>`.
pub(crate) fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{TEMPORARY_PREFIX}{}", unique_name(name)))
}

/// `<pid>-<n>-<name>`: unique among the names this process makes, and
/// apart from other processes' by the pid.
pub(crate) fn unique_name(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{name}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Marks a cache entry as used now: its mtime is the "last use" that
/// `pipit cache prune` reads. Best effort: a read-only cache still serves.
pub(crate) fn touch(path: &Path) {
    // Append mode cannot change the content, and (unlike read-only) grants
    // the attribute-write access Windows needs to set the time.
    if let Ok(file) = std::fs::OpenOptions::new().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Write `bytes` to a fresh temporary file in `dir`, then rename it to `path`.
fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    fs_err::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = temporary_path(dir, &name);
    let result = fs_err::write(&temporary, bytes).and_then(|()| fs_err::rename(&temporary, path));
    if result.is_err() {
        let _ = fs_err::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_directives() {
        let control = CacheControl::parse("public, max-age=600, No-Cache");
        assert_eq!(control.max_age, Some(600));
        assert!(control.no_cache);
        assert!(!control.no_store);
        assert!(CacheControl::parse("no-store").no_store);
        assert_eq!(CacheControl::parse("max-age=\"5\"").max_age, Some(5));
    }

    #[test]
    fn freshness_uses_max_age_then_default_ttl() {
        let mut page = CachedPage {
            url: String::new(),
            final_url: String::new(),
            content_type: None,
            etag: None,
            last_modified: None,
            max_age: Some(10),
            no_cache: false,
            fetched_at_ms: 1_000_000,
            body: Vec::new(),
        };
        let ttl = Duration::from_secs(600);
        assert!(page.is_fresh(1_009_000, ttl));
        assert!(!page.is_fresh(1_011_000, ttl));
        page.max_age = None;
        assert!(page.is_fresh(1_500_000, ttl));
        page.no_cache = true;
        assert!(!page.is_fresh(1_000_001, ttl));
    }

    #[test]
    fn entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HttpCache::new(dir.path());
        let url = Url::parse("https://u:p@index.example/simple/demo/").unwrap();
        let key = HttpCache::key(&url, "text/html");
        assert!(cache.read(&key).is_none());
        let page = CachedPage {
            url: redact(&url),
            final_url: "https://index.example/simple/demo/".to_string(),
            content_type: Some("text/html".to_string()),
            etag: Some("\"abc\"".to_string()),
            last_modified: None,
            max_age: None,
            no_cache: false,
            fetched_at_ms: 5,
            body: b"<a>\n</a>".to_vec(),
        };
        cache.write(&key, &page);
        let read = cache.read(&key).unwrap();
        assert_eq!(read.body, page.body);
        assert_eq!(read.etag, page.etag);
        let on_disk =
            fs_err::read_to_string(dir.path().join("http-v1").join(format!("{key}.page"))).unwrap();
        assert!(!on_disk.contains("u:p"));
    }
}
