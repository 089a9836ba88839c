//! The answer: one version and one file per distribution.

use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName};
use pipit_index::{DistMetadata, FileOrigin, IndexFile};

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
    /// `sha256:…` of every file of this version usable for the target
    /// (for `--generate-hashes`).
    pub hashes: Vec<String>,
    /// The chosen file is yanked (allowed because the user pinned it).
    pub yanked: bool,
}
