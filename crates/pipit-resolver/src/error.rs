//! Why a resolution failed.

use std::sync::Arc;

use pipit_index::{CandidateMetadataError, ListError};

/// A failed resolution.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No set of versions satisfies the requirements; the explanation is
    /// PubGrub's derivation in sentences.
    #[error("{explanation}")]
    NoSolution {
        /// Sentences, one per line.
        explanation: String,
    },
    /// A project could not be listed: no index has it (when the user asked
    /// for it by name), or an index or the network failed.
    #[error("{error}")]
    Listing {
        /// The project.
        name: String,
        /// What went wrong.
        error: Arc<ListError>,
    },
    /// A candidate's metadata could not be fetched (network, hash, offline).
    #[error("cannot read the metadata of `{filename}`: {error}")]
    Metadata {
        /// The file whose metadata was wanted.
        filename: String,
        /// What went wrong.
        error: Arc<CandidateMetadataError>,
    },
    /// The user's requirements themselves are inconsistent (two URLs for
    /// one package, a URL that is not a wheel, `--require-hashes` rules).
    #[error("{message}")]
    InvalidRequest {
        /// One line.
        message: String,
    },
    /// `--require-hashes` (or a hash on any requirement) and a requirement
    /// or dependency without one, as pip refuses it.
    #[error("{message}")]
    Hashes {
        /// One line naming the requirements, with the hashes to add when known.
        message: String,
    },
    /// The async runtime failed (a task panicked or was cancelled).
    #[error("the resolver stopped unexpectedly: {message}")]
    Internal {
        /// What happened.
        message: String,
    },
}
