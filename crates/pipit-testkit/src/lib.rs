//! pipit-testkit: writes valid wheels from a few lines of description, and
//! serves them from an in-process package index.
//!
//! **Owns**: generating wheels (PEP 427 / the binary distribution format) and
//! wheelhouses (folders of wheels) for pipit's tests and for the bundled demo
//! wheelhouse in `fixtures/wheelhouse/`, including deliberately broken wheels
//! for safety tests (wrong RECORD hashes, entries outside the target, no
//! RECORD); [`server::IndexServer`], a Simple API server on 127.0.0.1 (HTML or
//! JSON, metadata files, ETags, ranges, injected faults, request counting);
//! and [`python`], real interpreters and throwaway virtual environments for
//! tests that compare with pip or `packaging`.
//!
//! **Never**: it is never a dependency of a non-dev build. Library crates list
//! it under `[dev-dependencies]` only; nothing here reads an index, installs,
//! or resolves. Its neighbours are the crates under test: `pipit-install`
//! reads what [`WheelBuilder`] writes, and `pipit-index` is tested against
//! [`server::IndexServer`].
//!
//! ```no_run
//! # fn main() -> Result<(), pipit_testkit::Error> {
//! use pipit_testkit::WheelBuilder;
//! let dir = std::path::Path::new("/tmp/wheels");
//! let path = WheelBuilder::new("demo-app", "1.0.0")
//!     .requires("demo-util>=1.0")
//!     .extra_requires("cli", "demo-tool")
//!     .console_script("demo-app", "demo_app:main")
//!     .build(dir)?; // dir/demo_app-1.0.0-py3-none-any.whl
//! # Ok(()) }
//! ```
//!
//! Output is deterministic: fixed timestamps, fixed permissions, a stable
//! entry order and a `Generator` line without a version, so building the same
//! description twice gives byte-identical files.
//!
//! The short text form for wheels is documented in [`description`]; resolver
//! scenario files (`fixtures/scenarios/`), which use it, in [`scenario`].

mod builder;
pub mod description;
mod error;
mod names;
pub mod python;
pub mod scenario;
mod sdist;
pub mod server;
mod skip;
mod wheelhouse;

pub use builder::{DataCategory, WheelBuilder};
pub use description::parse_description;
pub use error::Error;
pub use names::{escape_name, escape_version, expand_tag};
pub use sdist::SdistBuilder;
pub use server::{Fault, IndexServer, PageFormat, RecordedRequest};
pub use skip::{skip, skip_log};
pub use wheelhouse::{build_wheelhouse, write_wheelhouse};
