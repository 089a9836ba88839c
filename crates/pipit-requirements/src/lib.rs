//! Everything a user can write to ask for packages, parsed into typed values.
//!
//! Owns: requirements-file syntax (every line option pip accepts, `-r`/`-c`
//! includes, `\` continuations, `${VAR}` expansion, per-line hashes), the
//! comment directives embedded-Python hosts put at the top of scripts
//! (`# r:`, `#requirements:`, `#r "pip: …"`, `# venv:`, `#wheel:`, `# env:`,
//! other providers) and PEP 723 `# /// script` blocks.
//!
//! Never does: network access, resolution, or anything with an interpreter.
//! PEP 508 and PEP 440 syntax is `pep508_rs`/`pep440_rs`'s job; this crate
//! splits lines and attaches file:line context. Its callers are
//! `pipit-resolver` and the `pipit` CLI.

pub mod error;
pub mod reqfile;
pub mod script;
mod text;

pub use error::{Error, Location};
