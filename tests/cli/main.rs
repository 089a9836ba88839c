//! End-to-end tests: each drives the real `pipit` binary and checks what a
//! user sees (stdout, stderr, exit code). Every test isolates its own
//! configuration: no `PIP_*`/`PIPIT_*` variable of the machine leaks in.

mod common;
mod download_cache;
mod env_store;
mod errors;
mod index_versions;
mod inspect_installed;
mod install;
mod installed_tree;
mod live_index;
mod pip_compare;
mod python_info;
mod resolve_commands;
mod scenarios;
mod script_inspect;
mod script_install;
mod uninstall;
