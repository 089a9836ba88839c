//! The answer: one version and one file per distribution.

use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName};
use pipit_index::{hash_file, DistMetadata, FileOrigin, IndexClient, IndexFile};

/// A resolved set, in name order, with what the resolver noticed on the way.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// One entry per distribution.
    pub packages: Vec<ResolvedDist>,
    /// Notes for the user (skipped source-only versions, unknown extras,
    /// unusable metadata, yanked files chosen), each one line.
    pub warnings: Vec<String>,
}

/// One distribution of the resolution.
#[derive(Debug, Clone)]
pub struct ResolvedDist {
    /// Normalized name.
    pub name: PackageName,
    /// The chosen version.
    pub version: Version,
    /// The file to install: the best wheel for the target.
    pub file: IndexFile,
    /// Where the file was found; `None` for a direct reference.
    pub origin: Option<FileOrigin>,
    /// The file's core metadata.
    pub metadata: Arc<DistMetadata>,
    /// The user asked for it by name (pip's `requested`).
    pub requested: bool,
    /// Extras the user asked for on it.
    pub requested_extras: Vec<ExtraName>,
    /// Every extra of it that the resolution activated.
    pub extras: Vec<ExtraName>,
    /// The URL as the user wrote it, for a direct reference.
    pub direct_url: Option<String>,
    /// What required it: other distributions' names, and the user's
    /// requirement sources (`-r file`, `the command line`).
    pub required_by: Vec<String>,
    /// Every file of this version usable for the target (for
    /// `--generate-hashes`, see [`ResolvedDist::usable_hashes`]).
    pub usable_files: Vec<IndexFile>,
    /// The chosen file is yanked (allowed because the user pinned it).
    pub yanked: bool,
}

impl ResolvedDist {
    /// `sha256:…` of every usable file, sorted. Local files the index gave
    /// no hash for are read and hashed now, so only callers that need the
    /// list (`--generate-hashes`) pay for it.
    pub fn usable_hashes(&self) -> Vec<String> {
        let mut hashes: Vec<String> = self
            .usable_files
            .iter()
            .filter_map(|usable| {
                // The chosen file was hashed already.
                let mut usable = if usable.url == self.file.url {
                    self.file.clone()
                } else {
                    usable.clone()
                };
                with_local_hash(&mut usable, None);
                usable
                    .hashes
                    .get("sha256")
                    .map(|hex| format!("sha256:{hex}"))
            })
            .collect();
        hashes.sort();
        hashes.dedup();
        hashes
    }
}

/// Gives a local file (find-links folder, `file://` reference) the sha256
/// an index would have published, so reports, `--generate-hashes` and
/// `--require-hashes` treat it like any other file; with a client, through
/// its cache of local hashes. Unreadable files keep no hash; installing
/// them reports the error.
pub(crate) fn with_local_hash(file: &mut IndexFile, client: Option<&IndexClient>) {
    if file.hashes.contains_key("sha256") || file.url.scheme() != "file" {
        return;
    }
    let Ok(path) = file.url.to_file_path() else {
        return;
    };
    let sha256 = match client {
        Some(client) => client.local_sha256(&path).ok(),
        None => hash_file(&path).ok().map(|(sha256, _)| sha256),
    };
    if let Some(sha256) = sha256 {
        file.hashes.insert("sha256".to_string(), sha256);
    }
}
