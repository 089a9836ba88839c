//! `pipit-envs`: the environment store of an embedded-Python host.
//!
//! A host runs many users' scripts in one Python process. This crate owns
//! the folders those scripts' packages live in (`<root>/site-packages` and
//! `<root>/site-envs/<name>-<id>/`), each environment's `.pipit/env.json`
//! (which scripts asked for what, what is installed, whether the folder is
//! `ok` or `invalid`), checking an environment against its `RECORD`s and
//! cleaning up after interrupted installs, and the host's side of a request:
//! what the process has loaded (`--loaded`) and the other folders on its
//! `sys.path` (`--search-path`, layered sites), with the conflicts a
//! resolution has against them.
//!
//! It never resolves and never installs: the caller resolves with
//! `pipit-resolver` and installs with `pipit-install` into the folder this
//! crate hands out, under the environment's lock. It never prints.

pub mod conflict;
pub mod error;
pub mod layers;
pub mod loaded;
pub mod record;
pub mod store;
pub mod verify;

pub use conflict::{find_conflicts, Conflict, LoadedCheck, RootRequirement};
pub use error::EnvError;
pub use layers::{SiteLayer, SiteLayers};
pub use loaded::{parse_loaded, LoadedDist};
pub use record::{EnvRecord, EnvState, InstalledRecord, ScriptRecord, ScriptRequest};
pub use store::{Env, Store, DEFAULT_ENV, SITE_PACKAGES};
pub use verify::{gc, verify, Damage, GcAction, GcReport};
