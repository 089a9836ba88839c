//! What the caller asks for: requirements, constraints, overrides,
//! preferences, and pip's resolution options.

use std::collections::BTreeSet;

use pep440_rs::Version;
use pep508_rs::{PackageName, Requirement};

/// One requirement the user wrote, with where it came from.
#[derive(Debug, Clone)]
pub struct UserRequirement {
    /// The requirement; a bare wheel path arrives as `name @ file:///…`.
    pub requirement: Requirement,
    /// `--hash` values, `algorithm:hexdigest`, lowercase.
    pub hashes: Vec<String>,
    /// Where it was written, for messages and `# via`: `-r requirements.txt`
    /// (with the line in `location`), or `the command line`.
    pub source: RequirementSource,
}

/// Where a user requirement was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirementSource {
    /// An argument on the command line.
    CommandLine,
    /// A line of a requirements (or constraints/overrides) file.
    File {
        /// The file as named by the user.
        path: String,
        /// 1-based line number.
        line: usize,
    },
    /// A directive of a script.
    Script {
        /// The script as named by the user.
        path: String,
        /// 1-based line number.
        line: usize,
    },
}

impl std::fmt::Display for RequirementSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequirementSource::CommandLine => f.write_str("the command line"),
            RequirementSource::File { path, line } | RequirementSource::Script { path, line } => {
                write!(f, "{path}:{line}")
            }
        }
    }
}

/// A version the resolver should keep when it satisfies the request.
#[derive(Debug, Clone)]
pub struct Preference {
    /// The distribution.
    pub name: PackageName,
    /// The version to keep.
    pub version: Version,
    /// Why it is preferred.
    pub kind: PreferenceKind,
}

/// Why a version is preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferenceKind {
    /// It is installed in the target already.
    Installed,
    /// The host process has it loaded (`--loaded`).
    Loaded,
}

/// Which installed versions may be replaced by newer ones (`-U`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Upgrade {
    /// Keep every installed version that satisfies (pip without `-U`).
    #[default]
    None,
    /// Upgrade these (the packages the user named: `-U` with the default
    /// `--upgrade-strategy only-if-needed`); keep the others.
    Packages(BTreeSet<PackageName>),
    /// Upgrade everything (`--upgrade-strategy eager`).
    All,
}

/// `--only-binary`/`--no-binary` style name lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NameSet {
    /// No package.
    #[default]
    None,
    /// Every package (`:all:`).
    All,
    /// These packages.
    Some(BTreeSet<PackageName>),
}

impl NameSet {
    /// Whether `name` is in the set.
    pub fn contains(&self, name: &PackageName) -> bool {
        match self {
            NameSet::None => false,
            NameSet::All => true,
            NameSet::Some(names) => names.contains(name),
        }
    }
}

/// pip's resolution options.
#[derive(Debug, Clone)]
pub struct ResolveOptions {
    /// `--pre`: pre-releases are candidates for every package.
    pub pre: bool,
    /// `--ignore-requires-python`.
    pub ignore_requires_python: bool,
    /// `--only-binary` (pipit never builds, so this only documents intent).
    pub only_binary: NameSet,
    /// `--no-binary`: these packages may not use wheels.
    pub no_binary: NameSet,
    /// `--prefer-binary` (every usable file is a wheel today, so this holds).
    pub prefer_binary: bool,
    /// `--exclude-newer`/`--uploaded-prior-to`: files uploaded later do not exist.
    pub exclude_newer: Option<jiff::Timestamp>,
    /// `--no-deps`: the user's requirements only.
    pub no_deps: bool,
    /// `--require-hashes` (also on when any requirement has a hash).
    pub require_hashes: bool,
    /// `-U` and `--upgrade-strategy`.
    pub upgrade: Upgrade,
    /// How many index and metadata requests may be in flight at once.
    pub concurrency: usize,
    /// Give each chosen local file (find-links, `file://`) the sha256 an
    /// index would publish, for installs, reports and hash checks; a dry
    /// run that reports nothing turns it off rather than read every wheel.
    /// Hash-checking mode hashes them whatever this says.
    pub hash_local_files: bool,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            pre: false,
            ignore_requires_python: false,
            only_binary: NameSet::None,
            no_binary: NameSet::None,
            prefer_binary: false,
            exclude_newer: None,
            no_deps: false,
            require_hashes: false,
            upgrade: Upgrade::None,
            concurrency: 32,
            hash_local_files: true,
        }
    }
}

/// Everything a resolution starts from.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// What must be installed.
    pub requirements: Vec<UserRequirement>,
    /// `-c`: limits on packages, applied only when something requires them.
    pub constraints: Vec<UserRequirement>,
    /// `--override`: replaces every requirement on the package, wherever it
    /// appears.
    pub overrides: Vec<UserRequirement>,
    /// Installed and loaded versions to keep when they satisfy.
    pub preferences: Vec<Preference>,
}
