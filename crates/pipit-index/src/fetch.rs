//! [`IndexClient::fetch_file`]: the download primitive of the installer
//! and of `pipit download`. A file is streamed to disk while its sha256 is
//! computed, so no body is ever held in memory, and it reaches its final
//! name only once verified:
//!
//! ```text
//! <cache_dir>/blobs-v1/sha256/
//!   .tmp-<pid>-<n>-<file name>     the body as it arrives (deleted on any failure)
//!   <hex digest>                   renamed into place once the digest is known and checked
//! <scratch_dir>/                   with no cache folder (`--no-cache-dir`)
//!   .tmp-<pid>-<n>-<file name>     the same, then
//!   <pid>-<n>-<file name>          the verified file, the caller's to remove
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use reqwest::header::{HeaderName, ACCEPT_ENCODING};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use url::Url;

use crate::cache::{temporary_path, touch, unique_name, LocalHashStore, LocalStamp};
use crate::client::{last_segment, IndexClient};
use crate::client_file;
use crate::error::IndexError;
use crate::http::{error_kind_message, status_error_for};
use crate::simple::redact;

/// Progress of one fetch, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchProgress {
    /// A response arrived; `total` is its announced length, when known.
    Started { total: Option<u64> },
    /// This many more bytes were received.
    Bytes(u64),
    /// The attempt failed and the file starts over (attempt 1 is the first retry).
    Retrying { attempt: u32 },
}

/// A file fetched (or found) on disk, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The blob, the scratch file, or for a `file://` URL the file itself.
    pub path: PathBuf,
    /// The file's sha256, lowercase hex.
    pub sha256: String,
    /// The file's size in bytes.
    pub size: u64,
    /// Found in the blob store: nothing was fetched.
    pub from_cache: bool,
}

/// Why streaming a body stopped.
enum StreamError {
    /// The body did not arrive (may be retried).
    Body(reqwest::Error),
    /// The disk refused it (never retried).
    Write(std::io::Error),
}

impl IndexClient {
    /// Fetches `url` into the blob store (`<cache>/blobs-v1/sha256/<hex>`),
    /// or into `scratch_dir` when there is no cache folder, streaming to
    /// disk while computing sha256.
    ///
    /// With `expected_sha256` and that blob stored, the blob is returned
    /// (and marked used) with no request: blobs are written only after
    /// verification. A `file://` URL is hashed in place, not copied.
    /// Transfers are retried as [`IndexClient::get_bytes`] retries them,
    /// each retry restarting the file; offline, only stored blobs and local
    /// files can be fetched.
    pub async fn fetch_file(
        &self,
        url: &Url,
        expected_sha256: Option<&str>,
        scratch_dir: &Path,
        progress: &(dyn Fn(FetchProgress) + Send + Sync),
    ) -> Result<Fetched, IndexError> {
        let expected = expected_sha256.map(|hex| hex.trim().to_ascii_lowercase());
        if url.scheme() == "file" {
            return hash_local_file(url, expected.as_deref(), self.local_hashes(), progress).await;
        }
        let blobs = self.blob_store();
        if let (Some(blobs), Some(expected)) = (blobs, expected.as_deref()) {
            if is_sha256_hex(expected) {
                let path = blobs.path(expected);
                if let Ok(metadata) = fs_err::metadata(&path) {
                    if metadata.is_file() {
                        touch(&path);
                        return Ok(Fetched {
                            path,
                            sha256: expected.to_string(),
                            size: metadata.len(),
                            from_cache: true,
                        });
                    }
                }
            }
        }
        if self.options().offline {
            return Err(IndexError::Offline {
                name: last_segment(url),
            });
        }
        let directory = blobs.map_or(scratch_dir, |blobs| blobs.root());
        fs_err::create_dir_all(directory).map_err(|error| write_error(directory, &error))?;
        let name = file_name(url);
        let (temporary, sha256, size) =
            self.stream_to_disk(url, directory, &name, progress).await?;
        if let Some(expected) = expected {
            if expected != sha256 {
                let _ = fs_err::remove_file(&temporary);
                return Err(IndexError::HashMismatch {
                    url: redact(url),
                    expected,
                    actual: sha256,
                });
            }
        }
        let path = match blobs {
            Some(blobs) => blobs.path(&sha256),
            None => scratch_dir.join(unique_name(&name)),
        };
        if let Err(error) = fs_err::rename(&temporary, &path) {
            let _ = fs_err::remove_file(&temporary);
            // Another process stored the same blob first: same content.
            if !path.is_file() {
                return Err(write_error(&path, &error));
            }
        }
        Ok(Fetched {
            path,
            sha256,
            size,
            from_cache: false,
        })
    }

    /// The sha256 (lowercase hex) of the local file at `path`: kept in the
    /// cache's `local-v1/` by the file's size, times and identity, so a
    /// wheel is read and hashed again only when it changed.
    pub fn local_sha256(&self, path: &Path) -> std::io::Result<String> {
        hash_local(path, self.local_hashes()).map(|(sha256, _)| sha256)
    }

    /// Streams the body of `url` into a fresh temporary file in
    /// `directory`, starting over on each retry; the file's path, sha256
    /// and size.
    async fn stream_to_disk(
        &self,
        url: &Url,
        directory: &Path,
        name: &str,
        progress: &(dyn Fn(FetchProgress) + Send + Sync),
    ) -> Result<(PathBuf, String, u64), IndexError> {
        // The bytes as stored are the bytes hashed: no transfer encoding
        // may be undone on the way (pip asks for `identity` too).
        let headers: [(HeaderName, String); 1] = [(ACCEPT_ENCODING, "identity".to_string())];
        let on_retry = |attempt| progress(FetchProgress::Retrying { attempt });
        let mut attempts = self.transport().attempts(url, &headers, &on_retry)?;
        loop {
            let mut response = attempts.send().await?;
            let status = response.status().as_u16();
            if let Some(error) = status_error_for(url, status, attempts.sends_credentials()) {
                return Err(error);
            }
            let total = response.content_length();
            progress(FetchProgress::Started { total });
            let temporary = temporary_path(directory, name);
            match stream_body(&mut response, &temporary, progress).await {
                Ok((sha256, size)) => {
                    if total.is_none_or(|total| total == size) {
                        return Ok((temporary, sha256, size));
                    }
                    let _ = fs_err::remove_file(&temporary);
                    let short = IndexError::Connect {
                        url: redact(url),
                        message: format!(
                            "the body ended after {size} of {} bytes",
                            total.unwrap_or_default()
                        ),
                    };
                    attempts.retry_after(short).await?;
                }
                Err(StreamError::Body(error)) => {
                    let _ = fs_err::remove_file(&temporary);
                    attempts.retry_after_body_error(&error).await?;
                }
                Err(StreamError::Write(error)) => {
                    let _ = fs_err::remove_file(&temporary);
                    return Err(write_error(&temporary, &error));
                }
            }
        }
    }
}

/// How much of a body is gathered before it is written: each write is a
/// trip to the blocking pool and back, and the network hands over chunks
/// of a few KiB (a 35 MiB wheel came in 4,000 of them).
const WRITE_BUFFER: usize = 1024 * 1024;

/// Writes the body, hashing as it goes.
///
/// tokio's `File` hands each write to the blocking pool, so a slow disk
/// never stalls the runtime threads that other downloads share. A download
/// holds [`WRITE_BUFFER`] bytes at most (less for a smaller body), and
/// tokio's `File` a copy of the last write while the pool writes it. The
/// file is synced before it is renamed into the content-addressed store,
/// whose entries are trusted without re-hashing: a crash must not leave a
/// name with other content.
async fn stream_body(
    response: &mut reqwest::Response,
    path: &Path,
    progress: &(dyn Fn(FetchProgress) + Send + Sync),
) -> Result<(String, u64), StreamError> {
    let capacity = response
        .content_length()
        .and_then(|length| usize::try_from(length).ok())
        .map_or(WRITE_BUFFER, |length| length.clamp(1, WRITE_BUFFER));
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await
        .map_err(StreamError::Write)?;
    let mut file = tokio::io::BufWriter::with_capacity(capacity, file);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(StreamError::Body)? {
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(StreamError::Write)?;
        let received = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        size = size.saturating_add(received);
        progress(FetchProgress::Bytes(received));
    }
    file.flush().await.map_err(StreamError::Write)?;
    file.get_mut()
        .sync_all()
        .await
        .map_err(StreamError::Write)?;
    Ok((format!("{:x}", hasher.finalize()), size))
}

/// A `file://` URL: the file is hashed where it is (on the blocking pool)
/// and returned as is.
async fn hash_local_file(
    url: &Url,
    expected: Option<&str>,
    known: Option<&LocalHashStore>,
    progress: &(dyn Fn(FetchProgress) + Send + Sync),
) -> Result<Fetched, IndexError> {
    let path = url.to_file_path().map_err(|()| IndexError::InvalidUrl {
        url: redact(url),
        message: "not a local path".to_string(),
    })?;
    let hashed = path.clone();
    let known = known.cloned();
    let (sha256, size) = tokio::task::spawn_blocking(move || hash_local(&hashed, known.as_ref()))
        .await
        .map_err(|error| IndexError::Client {
            message: format!("a hashing task failed: {error}"),
        })?
        .map_err(|error| client_file::file_error(&path, &error))?;
    progress(FetchProgress::Started { total: Some(size) });
    progress(FetchProgress::Bytes(size));
    if let Some(expected) = expected {
        if expected != sha256 {
            return Err(IndexError::HashMismatch {
                url: redact(url),
                expected: expected.to_string(),
                actual: sha256,
            });
        }
    }
    Ok(Fetched {
        path,
        sha256,
        size,
        from_cache: false,
    })
}

/// The sha256 and size of a local file: from `known` while the file's
/// stamp is the one it was hashed with, else hashed (and stored there when
/// the file is settled, see [`LocalHashStore`]). Both stamps come from the
/// open file that is hashed, not from its path.
fn hash_local(path: &Path, known: Option<&LocalHashStore>) -> std::io::Result<(String, u64)> {
    let Some(known) = known else {
        return hash_file(path);
    };
    let mut file = fs_err::File::open(path)?;
    let before = LocalStamp::of(file.file())?;
    if let Some(sha256) = known.read(path, &before) {
        return Ok((sha256, before.size()));
    }
    let started = std::time::SystemTime::now();
    let (sha256, size) = hash_reader(&mut file)?;
    let unchanged = LocalStamp::of(file.file()).is_ok_and(|after| after == before);
    if unchanged && size == before.size() && before.settled_before(started) {
        known.write(path, &before, &sha256);
    }
    Ok((sha256, size))
}

/// The sha256 (lowercase hex) and size of a file, read in blocks.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    hash_reader(&mut fs_err::File::open(path)?)
}

fn hash_reader(reader: &mut impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size: u64 = 0;
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size = size.saturating_add(u64::try_from(read).unwrap_or(u64::MAX));
    }
    Ok((format!("{:x}", hasher.finalize()), size))
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// The URL's last segment as a file name part: decoded, and kept to
/// characters every file system takes.
fn file_name(url: &Url) -> String {
    let segment = last_segment(url);
    let decoded = percent_encoding::percent_decode_str(&segment).decode_utf8_lossy();
    let cleaned: String = decoded
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if cleaned.is_empty() {
        "download".to_string()
    } else {
        cleaned
    }
}

fn write_error(path: &Path, error: &std::io::Error) -> IndexError {
    IndexError::Write {
        path: path.to_path_buf(),
        message: error_kind_message(error),
    }
}
