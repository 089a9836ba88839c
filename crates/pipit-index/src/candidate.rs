//! A candidate file's core metadata, fetched the cheapest way the index
//! allows, so the resolver learns dependencies without downloading wheels:
//!
//! 1. the PEP 658/714 metadata file, when the page offers one: verified
//!    against its advertised sha256 and kept in the blob cache by that hash,
//!    so it is fetched once;
//! 2. else, for a wheel on an HTTP server that honours ranges: the zip's
//!    central directory and the `METADATA` entry only ([`wheel_metadata_bytes_by_range`]);
//! 3. else the whole wheel, verified against its sha256 and kept in the blob
//!    cache (the installer will want it anyway).
//!
//! Local wheels (`file://`, find-links folders) are read in place.

use crate::client::IndexClient;
use crate::error::{IndexError, MetadataError};
use crate::filename::WheelFilename;
use crate::metadata::{metadata_from_wheel_bytes, metadata_from_wheel_file, DistMetadata};
use crate::simple::{CoreMetadata, IndexFile};
use crate::zip_range::wheel_metadata_bytes_by_range;

/// Where a candidate's metadata came from (for `-v` output and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataSource {
    /// The PEP 658/714 `.metadata` file (or its cached copy).
    MetadataFile,
    /// HTTP range requests into the remote wheel.
    RangeRequests,
    /// The whole wheel (downloaded, or its cached copy).
    WholeWheel,
    /// A wheel on the local file system.
    LocalFile,
    /// The cache: metadata an earlier range read took from the same wheel (by sha256).
    Cached,
}

/// Why a candidate's metadata could not be had.
#[derive(Debug, thiserror::Error)]
pub enum CandidateMetadataError {
    /// Fetching failed (network, index, hash mismatch, offline).
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The metadata is not valid, or does not match the file name.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// Only wheels carry static metadata pipit can read today.
    #[error("`{filename}` is a source distribution: reading its metadata needs a source build, which pipit does not do yet")]
    SourceDistribution { filename: String },
}

impl IndexClient {
    /// The core metadata of `file`, checked against its file name.
    pub async fn dist_metadata(
        &self,
        file: &IndexFile,
    ) -> Result<(DistMetadata, MetadataSource), CandidateMetadataError> {
        if WheelFilename::parse(&file.filename).is_none() {
            return Err(CandidateMetadataError::SourceDistribution {
                filename: file.filename.clone(),
            });
        }
        let source_name = crate::simple::redact(&file.url);
        if file.url.scheme() == "file" {
            let path = file
                .url
                .to_file_path()
                .map_err(|()| IndexError::InvalidUrl {
                    url: source_name.clone(),
                    message: "not a local path".to_string(),
                })?;
            let metadata = metadata_from_wheel_file(&path)?;
            metadata.check_wheel_filename(&file.filename)?;
            return Ok((metadata, MetadataSource::LocalFile));
        }
        let wheel_sha256 = file.hashes.get("sha256").map(String::as_str);
        let (metadata, source) = if let CoreMetadata::Present { hashes } = &file.core_metadata {
            let mut url = file.url.to_url();
            url.set_path(&format!("{}.metadata", file.url.path()));
            let bytes = match hashes.get("sha256") {
                Some(sha256) => self.get_bytes_by_hash(&url, sha256).await?,
                None => self.get_bytes(&url).await?,
            };
            let source = format!("{}.metadata", source_name);
            (
                DistMetadata::parse(&bytes, &source)?,
                MetadataSource::MetadataFile,
            )
        } else if let Some(bytes) =
            wheel_sha256.and_then(|sha256| self.stored_wheel_metadata(&file.url, sha256))
        {
            (
                DistMetadata::parse(&bytes, &source_name)?,
                MetadataSource::Cached,
            )
        } else if let Some(bytes) = self.range_metadata(file).await {
            let metadata = DistMetadata::parse(&bytes, &source_name)?;
            if let Some(sha256) = wheel_sha256 {
                // Only metadata that parsed is kept: a bad read is retried.
                self.store_wheel_metadata(&file.url, sha256, &bytes);
            }
            (metadata, MetadataSource::RangeRequests)
        } else if let Some(path) = self.cached_wheel(file) {
            // Already downloaded: the blob is named by its verified hash, so
            // read it without hashing it again. (It is named by hash, not by
            // file name, hence the file name given separately.)
            let bytes = fs_err::read(&path).map_err(|source| MetadataError::Read {
                path: path.clone(),
                source,
            })?;
            (
                metadata_from_wheel_bytes(&file.filename, &bytes)?,
                MetadataSource::WholeWheel,
            )
        } else {
            let bytes = match file.hashes.get("sha256") {
                Some(sha256) => self.get_bytes_by_hash(&file.url, sha256).await?,
                None => self.get_bytes(&file.url).await?,
            };
            (
                metadata_from_wheel_bytes(&file.filename, &bytes)?,
                MetadataSource::WholeWheel,
            )
        };
        metadata.check_wheel_filename(&file.filename)?;
        Ok((metadata, source))
    }

    /// The `METADATA` bytes by range requests; `None` when the server does
    /// not do ranges, when offline, when the wheel is already cached whole
    /// (reading the cache beats two round trips), or when the range path
    /// fails at all: range requests go out without the index's credentials
    /// and retries, so any failure falls back to the whole-wheel download,
    /// which has both and reports the real error if there is one.
    async fn range_metadata(&self, file: &IndexFile) -> Option<Vec<u8>> {
        if self.options().offline || self.cached_wheel(file).is_some() {
            return None;
        }
        let client = self.http_client_for(&file.url).ok()?;
        wheel_metadata_bytes_by_range(client, &file.url, &file.filename)
            .await
            .ok()
            .flatten()
    }

    /// The wheel's copy in the blob cache, when it has been downloaded.
    fn cached_wheel(&self, file: &IndexFile) -> Option<std::path::PathBuf> {
        file.hashes
            .get("sha256")
            .and_then(|sha256| self.blob_path(sha256))
            .filter(|path| path.is_file())
    }
}
