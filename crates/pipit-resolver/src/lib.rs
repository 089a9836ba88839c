//! `pipit-resolver`: PubGrub resolution for one concrete target interpreter.
//!
//! It owns the step from "these requirements, for this interpreter" to "these
//! distributions, each with the one file to install", and, when that is
//! impossible, the explanation a user can act on.
//!
//! It never fetches on its own (every page and metadata file comes through
//! `pipit-index`), never downloads wheels for installing and never touches a
//! target folder (that is `pipit-install`).

mod ranges;
