//! `pipit-resolver`: PubGrub resolution for one concrete target interpreter.
//!
//! It owns the step from "these requirements, for this interpreter" to "these
//! distributions, each with the one file to install", and, when that is
//! impossible, the explanation a user can act on.
//!
//! The pieces: [`ranges`](specifiers_to_range) turns PEP 440 specifiers into
//! PubGrub ranges; `candidates` judges each file of a project for the target
//! (tags, `Requires-Python`, yanked, `--no-binary`, `--hash`,
//! `--exclude-newer`); `fetch` gets listings and metadata concurrently on the
//! async runtime; `provider` is PubGrub's dependency provider with pip's
//! version rules; [`resolve`] drives it all; [`explain`] words a failure.
//!
//! The pre-release rule (pip's): a pre-release or dev release of a package is
//! a candidate when `--pre` is given, when any requirement on that package
//! names a pre-release in a specifier (`>=2.0b1`, not `!=`), or when no final
//! release within the requirements' bounds is usable at all (final releases
//! ruled out while backtracking still count). Pins (for yanked files) and
//! named pre-releases are read from the range PubGrub holds at that moment,
//! so a requirement of an abandoned candidate does not linger.
//!
//! It never fetches on its own (every page and metadata file comes through
//! `pipit-index`), never downloads wheels for installing, never builds
//! source distributions, and never touches a target folder (that is
//! `pipit-install`).

mod candidates;
mod error;
mod explain;
mod fetch;
mod package;
mod provider;
mod ranges;
mod reason;
mod request;
mod resolution;
mod resolve;

pub use error::ResolveError;
pub use explain::{explain, ExplainContext};
pub use package::Package;
pub use ranges::{names_prerelease, specifier_to_range, specifiers_to_range};
pub use reason::Unusable;
pub use request::{
    NameSet, Preference, PreferenceKind, Request, RequirementSource, ResolveOptions, Upgrade,
    UserRequirement,
};
pub use resolution::{Resolution, ResolvedDist};
pub use resolve::{resolve, Sources};
