//! `pipit-install`: from a resolution to files on disk.
//!
//! It owns everything between "these wheels, at these URLs" and "a target
//! folder that holds them, laid out as pip lays them out": downloading with
//! bounded parallelism and sha256 verification, the wheel cache (each wheel
//! unpacked once and then hard-linked, cloned or copied), the wheel install
//! itself (purelib/platlib, `.data/*`, launchers, `RECORD`, `INSTALLER`,
//! `REQUESTED`, `direct_url.json`), uninstall and upgrade by `RECORD`, and the
//! staging, journal and lock that make an install all or nothing.
//!
//! It never resolves (`pipit-resolver` decided what to install), never talks
//! HTTP itself (every byte comes through `pipit-index`), never prints (it
//! reports progress through callbacks the CLI renders) and never writes
//! outside the target folder, its own `.pipit/` bookkeeping inside it, and
//! the cache folder.

mod at;
pub mod cache;
pub mod check;
mod folders;
pub mod install;
pub mod installed;
pub mod layout;
pub mod link;
pub mod lock;
mod parallel;
mod positional;
pub mod record;
pub mod satisfied;
pub mod scripts;
pub mod stage;
pub mod transaction;
pub mod uninstall;
pub mod wheel;

pub use cache::{unpack_uncached, UnpackedWheel, WheelCache};
pub use check::{check_installed, Problem};
pub use installed::{installed_dists, InstalledDist, InstalledError};
pub use layout::InstallLayout;
pub use link::{LinkMode, Linker};
pub use lock::{LockError, TargetLock};
pub use record::{RecordEntry, RecordError};
pub use satisfied::{satisfied, satisfied_lazily, InstalledFacts};
pub use stage::{
    compile_bytecode, stage_wheel, staging_base, StageOptions, StagedDist, StagedFile,
};
pub use transaction::{has_leftovers, recover, Move, Recovery, Staging, TransactionError};
pub use uninstall::{remove_empty_dirs, uninstall, Decision, UninstallError, UninstallReport};
pub use wheel::{unpack_wheel, WheelError, WheelInfo, WheelSource};
