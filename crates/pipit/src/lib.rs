//! pipit: a pip-compatible resolver and installer for embedded-Python hosts
//! and CI fleets.
//!
//! Owns: the command line (flags → library requests → human or `--json`
//! output), the stable exit codes, and the public Rust API re-exports.
//!
//! Never does: logic a host calling the library would also need. Parsing
//! lives in `pipit-requirements`, the target interpreter in `pipit-python`;
//! this crate only wires them to flags and prints their results.

pub mod cli;
mod commands;
pub mod exit;
mod progress;

pub use pipit_python as python;
pub use pipit_requirements as requirements;
