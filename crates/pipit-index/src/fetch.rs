//! [`IndexClient::fetch_file`]: the download primitive of the installer
//! and of `pipit download`. A file is streamed to disk while its sha256 is
//! computed, so no body is ever held in memory, and it reaches its final
//! name only once verified (and, in the blob store, synced):
//!
//! ```text
//! <cache_dir>/blobs-v1/sha256/
//!   .tmp-<pid>-<n>-<file name>     the body as it arrives (deleted on any failure
//!                                  and when the fetch is dropped; one left by a
//!                                  killed process is for `pipit cache prune`)
//!   <hex digest>                   renamed into place once the digest is checked
//!                                  and the file synced
//! <scratch_dir>/                   with no cache folder (`--no-cache-dir`)
//!   .tmp-<pid>-<n>-<file name>     the same, then
//!   <pid>-<n>-<file name>          the verified file, the caller's to remove (synced
//!                                  by `fetch_file`; the installer reads it once and
//!                                  skips the sync)
//! ```
//!
//! The installer takes the file before that last step
//! ([`IndexClient::fetch_file_pending`]): it unpacks the verified bytes
//! while the sync, which waits for the disk, runs beside it.

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
    /// The blob, the scratch file, or for a `file://` URL the file itself
    /// (from [`Pending::fetched`], while pending: the temporary file).
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
        let mut pending = self
            .fetch_file_pending(url, expected_sha256, scratch_dir, progress)
            .await?;
        // `pipit download` hands even a scratch file to the user under its
        // final name: it is synced too.
        let mut destination = pending.fetched().path.clone();
        if let Some(unsettled) = pending.unsettled.as_mut() {
            unsettled.sync = true;
            destination.clone_from(&unsettled.destination);
        }
        tokio::task::spawn_blocking(move || pending.settle())
            .await
            .map_err(|error| IndexError::Write {
                path: destination,
                message: format!("storing the download stopped: {error}"),
            })?
    }

    /// [`IndexClient::fetch_file`] up to the point where the file is
    /// verified but not yet moved to its final name (nor, for the blob
    /// store, synced): a caller can read it ([`Pending::reader`]) while
    /// [`Pending::settle`] waits for the disk. Scratch files are not synced.
    pub async fn fetch_file_pending(
        &self,
        url: &Url,
        expected_sha256: Option<&str>,
        scratch_dir: &Path,
        progress: &(dyn Fn(FetchProgress) + Send + Sync),
    ) -> Result<Pending, IndexError> {
        let expected = expected_sha256.map(|hex| hex.trim().to_ascii_lowercase());
        if url.scheme() == "file" {
            return hash_local_file(url, expected.as_deref(), self.local_hashes(), progress)
                .await
                .map(Pending::settled);
        }
        let blobs = self.blob_store();
        if let (Some(blobs), Some(expected)) = (blobs, expected.as_deref()) {
            if is_sha256_hex(expected) {
                let path = blobs.path(expected);
                if let Ok(metadata) = fs_err::metadata(&path) {
                    if metadata.is_file() {
                        touch(&path);
                        return Ok(Pending::settled(Fetched {
                            path,
                            sha256: expected.to_string(),
                            size: metadata.len(),
                            from_cache: true,
                        }));
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
        let streamed = self.stream_to_disk(url, directory, &name, progress).await?;
        let temporary = streamed.temporary;
        if let Some(expected) = expected {
            if expected != streamed.sha256 {
                drop(temporary);
                return Err(IndexError::HashMismatch {
                    url: redact(url),
                    expected,
                    actual: streamed.sha256,
                });
            }
        }
        // Only the blob store trusts its files without hashing them again:
        // an installer's scratch file is read once and thrown away, and needs
        // no sync (`fetch_file` syncs it anyway).
        let (destination, sync) = match blobs {
            Some(blobs) => (blobs.path(&streamed.sha256), true),
            None => (scratch_dir.join(unique_name(&name)), false),
        };
        Ok(Pending {
            fetched: Fetched {
                path: temporary.path.clone(),
                sha256: streamed.sha256,
                size: streamed.size,
                from_cache: false,
            },
            unsettled: Some(Unsettled {
                temporary,
                destination,
                sync,
            }),
        })
    }

    /// The sha256 (lowercase hex) of the local file at `path`: kept in the
    /// cache's `local-v1/` by the file's size, times and identity, so a
    /// wheel is read and hashed again only when it changed.
    pub fn local_sha256(&self, path: &Path) -> std::io::Result<String> {
        hash_local(path, self.local_hashes()).map(|(sha256, _)| sha256)
    }

    /// Streams the body of `url` into a fresh temporary file in
    /// `directory`, starting over on each retry; the file (open, and
    /// removed unless moved), its sha256 and size.
    async fn stream_to_disk(
        &self,
        url: &Url,
        directory: &Path,
        name: &str,
        progress: &(dyn Fn(FetchProgress) + Send + Sync),
    ) -> Result<Streamed, IndexError> {
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
            let path = temporary_path(directory, name);
            let file = tokio::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .await
                .map_err(|error| write_error(&path, &error))?;
            // Ours from here (not before: a failed `create_new` names a file
            // that is not), removed on every failure and when this future
            // is dropped.
            let mut temporary = TemporaryFile { path, file: None };
            match stream_body(&mut response, file, progress).await {
                Ok((file, sha256, size)) => {
                    temporary.file = Some(file);
                    if total.is_none_or(|total| total == size) {
                        return Ok(Streamed {
                            temporary,
                            sha256,
                            size,
                        });
                    }
                    drop(temporary);
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
                    drop(temporary);
                    attempts.retry_after_body_error(&error).await?;
                }
                Err(StreamError::Write(error)) => {
                    let error = write_error(&temporary.path, &error);
                    drop(temporary);
                    return Err(error);
                }
            }
        }
    }
}

/// How much of a body is gathered before it is written: each write is a
/// trip to the blocking pool and back, and the network hands over chunks
/// of a few KiB (a 35 MiB wheel came in 4,000 of them).
const WRITE_BUFFER: usize = 1024 * 1024;

/// Writes the body, hashing as it goes; the file, flushed but not synced.
///
/// tokio's `File` hands each write to the blocking pool, so a slow disk
/// never stalls the runtime threads that other downloads share. A download
/// holds [`WRITE_BUFFER`] bytes at most (less for a smaller body), and
/// tokio's `File` a copy of the last write while the pool writes it. The
/// caller opens the file for reading too, so that it can be read while
/// [`Pending::settle`] syncs it.
async fn stream_body(
    response: &mut reqwest::Response,
    file: tokio::fs::File,
    progress: &(dyn Fn(FetchProgress) + Send + Sync),
) -> Result<(std::fs::File, String, u64), StreamError> {
    let capacity = response
        .content_length()
        .and_then(|length| usize::try_from(length).ok())
        .map_or(WRITE_BUFFER, |length| length.clamp(1, WRITE_BUFFER));
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
    let file = file.into_inner().into_std().await;
    Ok((file, format!("{:x}", hasher.finalize()), size))
}

/// A body written to a temporary file, before it is checked.
struct Streamed {
    temporary: TemporaryFile,
    sha256: String,
    size: u64,
}

/// A temporary file of ours: removed when dropped unless it was moved.
#[derive(Debug)]
struct TemporaryFile {
    path: PathBuf,
    /// Open for reading and writing once written: synced through it, read
    /// through clones of it.
    file: Option<std::fs::File>,
}

impl TemporaryFile {
    /// Syncs the file when `sync`, then renames it to `destination`. The
    /// blob store's entries are trusted without re-hashing, so a crash
    /// must not leave a name with other content: the sync comes first.
    fn move_to(mut self, destination: &Path, sync: bool) -> Result<(), IndexError> {
        let Some(file) = self.file.take() else {
            let closed = std::io::Error::other("the file was closed before it was stored");
            return Err(write_error(&self.path, &closed));
        };
        if sync {
            file.sync_all()
                .map_err(|error| write_error(&self.path, &error))?;
        }
        drop(file);
        match fs_err::rename(&self.path, destination) {
            Ok(()) => {
                self.path = PathBuf::new();
                Ok(())
            }
            // Another process stored the same blob first: same content
            // (ours is removed on drop).
            Err(_) if destination.is_file() => Ok(()),
            Err(error) => Err(write_error(destination, &error)),
        }
    }
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            drop(self.file.take());
            let _ = fs_err::remove_file(&self.path);
        }
    }
}

/// What is left to do for a pending file.
#[derive(Debug)]
struct Unsettled {
    temporary: TemporaryFile,
    destination: PathBuf,
    sync: bool,
}

/// A fetched, verified file that may still have to be moved to its final
/// name (and synced first, in the blob store) ([`Pending::settle`]). Until then its bytes are read
/// through [`Pending::reader`], which stays valid across the move; a
/// pending file dropped unsettled is removed.
#[derive(Debug)]
#[must_use = "a pending download that is dropped unsettled is removed"]
pub struct Pending {
    /// `path` is where the bytes are now: the temporary file while unsettled.
    fetched: Fetched,
    unsettled: Option<Unsettled>,
}

impl Pending {
    fn settled(fetched: Fetched) -> Self {
        Self {
            fetched,
            unsettled: None,
        }
    }

    /// The file as fetched; its `path` is final only once nothing is pending.
    pub fn fetched(&self) -> &Fetched {
        &self.fetched
    }

    /// Whether the file still has to be moved (and maybe synced).
    pub fn is_pending(&self) -> bool {
        self.unsettled.is_some()
    }

    /// A file to read the bytes from that the move does not disturb, while
    /// the file is pending; `None` once it is settled (read its path).
    pub fn reader(&self) -> std::io::Result<Option<std::fs::File>> {
        let Some(unsettled) = &self.unsettled else {
            return Ok(None);
        };
        match &unsettled.temporary.file {
            Some(file) => file.try_clone().map(Some),
            None => Err(std::io::Error::other(
                "the file was closed before it was stored",
            )),
        }
    }

    /// Syncs the file (into the blob store only) and gives it its final
    /// name; blocking: call it on a thread that may wait for the disk.
    pub fn settle(mut self) -> Result<Fetched, IndexError> {
        let Some(unsettled) = self.unsettled.take() else {
            return Ok(self.fetched.clone());
        };
        unsettled
            .temporary
            .move_to(&unsettled.destination, unsettled.sync)?;
        Ok(Fetched {
            path: unsettled.destination,
            ..self.fetched.clone()
        })
    }
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
