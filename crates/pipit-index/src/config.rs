//! pip's configuration, as far as indexes and the network are concerned,
//! honoured the way pip honours it — plus pipit's own `PIPIT_*` variables.
//!
//! # Where values come from (lowest precedence first)
//!
//! 1. Config files, merged in pip's order: global (`$XDG_CONFIG_DIRS/pip/pip.conf`
//!    for each entry, then `/etc/pip.conf`), user (legacy `~/.pip/pip.conf`, then
//!    `$XDG_CONFIG_HOME/pip/pip.conf` or `~/.config/pip/pip.conf`), site
//!    (`$VIRTUAL_ENV/pip.conf`), then the file named by `PIP_CONFIG_FILE`.
//!    Within one kind, a later file overrides an earlier one. Missing files are
//!    skipped, as pip skips them.
//! 2. pip then orders by *section* before file: every `[global]` value, then
//!    every `[<command>]` value (`[install]` for `pipit install`), so an
//!    `[install]` key in `/etc/pip.conf` beats a `[global]` key in
//!    `PIP_CONFIG_FILE`. We follow pip here (`cli/parser.py`,
//!    `_get_ordered_configuration_items`).
//! 3. `PIP_*` environment variables (`PIP_INDEX_URL`, …; the name after `PIP_`
//!    is the long option, `_` for `-`).
//! 4. `PIPIT_*` variables with the same names, plus pipit-only settings
//!    (`PIPIT_CACHE_DIR`, `PIPIT_INDEX_TTL`, `PIPIT_INDEX_STRATEGY`,
//!    `PIPIT_OFFLINE`); pipit-only settings are read from nowhere else.
//! 5. Command-line flags, merged by the caller with
//!    [`IndexSettings::apply_command_line`].
//!
//! # pip's rules we reproduce
//!
//! - Keys are lowercased and `_` becomes `-`: `index_url` and `index-url` are
//!   one key; `timeout` and `default-timeout` (pip's alias) both set the
//!   timeout, so `PIP_DEFAULT_TIMEOUT` and `PIP_TIMEOUT` both work (when both
//!   are set, `PIP_TIMEOUT` wins: pipit reads variables in name order).
//! - Empty values are ignored, wherever they come from.
//! - List options (`extra-index-url`, `find-links`, `trusted-host`) are split on
//!   whitespace (so on newlines in a file and on spaces in a variable); a later
//!   source replaces an earlier list, while command-line items are *appended*
//!   to the configured list, as optparse's `append` does over pip's defaults.
//! - Booleans (`no-index`, `pre`, `PIPIT_OFFLINE`) use pip's `strtobool`:
//!   `y yes t true on 1` / `n no f false off 0`, any case. Both options here
//!   are `store_true`, so `PIP_NO_INDEX=false` means "use the index": pip's
//!   inverted reading only concerns its `store_false`/callback options such
//!   as `--no-cache-dir`, which this module does not read.
//! - `PIP_CONFIG_FILE=/dev/null` (`os.devnull`, `nul` on Windows) loads no
//!   file at all; a `PIP_CONFIG_FILE` that exists makes pip skip the user
//!   files.
//! - `--isolated` skips the user files and every environment variable
//!   (`PIP_*` and `PIPIT_*`), as pip's does; pip still reads the global and
//!   site files and still honours `PIP_CONFIG_FILE`, and so do we.
//! - Every value is checked as it is read, even if a later source overrides
//!   it: a bad `timeout` in `/etc/pip.conf` is an error, as in pip.
//!
//! Stricter than pip, on purpose: a config file that exists but cannot be
//! read is an error (pip's `configparser.read` skips it silently), and a
//! timeout must be a finite number of seconds `>= 0`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::ConfigError;
use crate::ini;

/// How long a cached index page is fresh without revalidation, by default.
pub const DEFAULT_INDEX_TTL_SECS: u64 = 600;
/// pip's default socket timeout, in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 15.0;
/// pip's default number of retries per connection.
pub const DEFAULT_RETRIES: u32 = 5;

/// Where one value came from, for error messages and `-v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Nobody set it: pipit's (or pip's) default.
    Default,
    /// A config file, with the section and the line of the key.
    File {
        path: PathBuf,
        section: String,
        line: usize,
    },
    /// An environment variable, by its exact name.
    Env { var: String },
    /// A command-line flag, as the caller names it (e.g. `--index-url`).
    CommandLine { flag: String },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::File {
                path,
                section,
                line,
            } => write!(f, "{}:{line} [{section}]", path.display()),
            Origin::Env { var } => write!(f, "env {var}"),
            Origin::CommandLine { flag } => write!(f, "command line {flag}"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    fn new(value: T, origin: Origin) -> Self {
        Self { value, origin }
    }

    fn default(value: T) -> Self {
        Self::new(value, Origin::Default)
    }
}

/// How several indexes are consulted for one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexStrategy {
    /// Take a project's files from the first index that has the project
    /// (safe against dependency confusion); pipit's default.
    FirstIndex,
    /// pip's behaviour: pool every index's files and pick the best version.
    UnsafeBestMatch,
}

impl IndexStrategy {
    /// Parse the spelling used by `--index-strategy` and `PIPIT_INDEX_STRATEGY`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "first-index" => Some(Self::FirstIndex),
            "unsafe-best-match" => Some(Self::UnsafeBestMatch),
            _ => None,
        }
    }
}

/// Which of pip's locations a config file comes from; decides its precedence
/// and whether `--isolated` or `PIP_CONFIG_FILE` skip it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfigFileKind {
    Global,
    User,
    Site,
}

/// A candidate config file; it may not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub kind: ConfigFileKind,
    pub path: PathBuf,
}

/// Everything [`load`] reads, injected so that tests never see the machine.
#[derive(Debug, Clone)]
pub struct ConfigSources {
    /// The environment: `PIP_*`, `PIPIT_*` and `PIP_CONFIG_FILE` are read here.
    pub env: BTreeMap<String, String>,
    /// Candidate files of pip's locations, lowest precedence first within a
    /// kind. `PIP_CONFIG_FILE` is not listed here: it is read from `env`.
    pub files: Vec<ConfigFile>,
    /// `--isolated`: no user files, no environment variables.
    pub isolated: bool,
    /// The pip command whose section overrides `[global]` (`install`).
    pub command: String,
}

impl ConfigSources {
    /// Sources made only of what is given: for tests and for hosts that want
    /// full control.
    pub fn new(env: BTreeMap<String, String>, files: Vec<ConfigFile>) -> Self {
        Self {
            env,
            files,
            isolated: false,
            command: "install".to_string(),
        }
    }

    /// The real process environment and pip's usual file locations.
    pub fn discover(command: &str, isolated: bool) -> Self {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let files = default_config_files(&env);
        Self {
            env,
            files,
            isolated,
            command: command.to_string(),
        }
    }
}

/// pip's config file locations for this platform, computed from `env`
/// (`HOME`, `XDG_CONFIG_DIRS`, `XDG_CONFIG_HOME`, `VIRTUAL_ENV`, and on
/// Windows `APPDATA`, `PROGRAMDATA`, `USERPROFILE`), in pip's load order.
///
/// The site file is `$VIRTUAL_ENV/pip.conf`; pip uses its own `sys.prefix`,
/// which a caller that knows the target interpreter can push instead.
pub fn default_config_files(env: &BTreeMap<String, String>) -> Vec<ConfigFile> {
    let var = |name: &str| {
        env.get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let mut files = Vec::new();
    let mut push = |kind, path: PathBuf| files.push(ConfigFile { kind, path });

    if cfg!(windows) {
        let home = var("USERPROFILE").or_else(|| var("HOME"));
        if let Some(program_data) = var("PROGRAMDATA") {
            push(
                ConfigFileKind::Global,
                program_data.join("pip").join("pip.ini"),
            );
        }
        if let Some(home) = &home {
            push(ConfigFileKind::User, home.join("pip").join("pip.ini"));
        }
        if let Some(app_data) = var("APPDATA") {
            push(ConfigFileKind::User, app_data.join("pip").join("pip.ini"));
        }
        if let Some(venv) = var("VIRTUAL_ENV") {
            push(ConfigFileKind::Site, venv.join("pip.ini"));
        }
        return files;
    }

    let home = var("HOME");
    if cfg!(target_os = "macos") {
        push(
            ConfigFileKind::Global,
            PathBuf::from("/Library/Application Support/pip/pip.conf"),
        );
    } else {
        let dirs = env
            .get("XDG_CONFIG_DIRS")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "/etc/xdg".to_string());
        for dir in dirs.split(':').filter(|d| !d.is_empty()) {
            let dir = dir.trim_end_matches('/');
            push(
                ConfigFileKind::Global,
                Path::new(dir).join("pip").join("pip.conf"),
            );
        }
    }
    push(ConfigFileKind::Global, PathBuf::from("/etc/pip.conf"));

    if let Some(home) = &home {
        push(ConfigFileKind::User, home.join(".pip").join("pip.conf"));
        let mac_dir = home.join("Library/Application Support/pip");
        let user_dir = if cfg!(target_os = "macos") && mac_dir.is_dir() {
            mac_dir
        } else if let Some(xdg) = var("XDG_CONFIG_HOME").filter(|_| !cfg!(target_os = "macos")) {
            xdg.join("pip")
        } else {
            home.join(".config").join("pip")
        };
        push(ConfigFileKind::User, user_dir.join("pip.conf"));
    }
    if let Some(venv) = var("VIRTUAL_ENV") {
        push(ConfigFileKind::Site, venv.join("pip.conf"));
    }
    files
}

/// The settings this crate needs, each with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSettings {
    /// `--index-url`; `None` means no index is configured (not an error here).
    pub index_url: Option<Sourced<String>>,
    pub extra_index_urls: Vec<Sourced<String>>,
    pub find_links: Vec<Sourced<String>>,
    pub no_index: Sourced<bool>,
    pub pre: Sourced<bool>,
    /// `--cert`: a CA bundle path.
    pub cert: Option<Sourced<PathBuf>>,
    /// `--client-cert`: a PEM file with the client key and certificate.
    pub client_cert: Option<Sourced<PathBuf>>,
    /// Socket timeout in seconds.
    pub timeout: Sourced<f64>,
    pub retries: Sourced<u32>,
    pub trusted_hosts: Vec<Sourced<String>>,
    /// pipit's cache root (`PIPIT_CACHE_DIR`); `None`: the caller's default.
    pub cache_dir: Option<Sourced<PathBuf>>,
    /// Seconds an index page is fresh before revalidation.
    pub index_ttl: Sourced<u64>,
    pub index_strategy: Sourced<IndexStrategy>,
    pub offline: Sourced<bool>,
}

impl Default for IndexSettings {
    fn default() -> Self {
        Self {
            index_url: None,
            extra_index_urls: Vec::new(),
            find_links: Vec::new(),
            no_index: Sourced::default(false),
            pre: Sourced::default(false),
            cert: None,
            client_cert: None,
            timeout: Sourced::default(DEFAULT_TIMEOUT_SECS),
            retries: Sourced::default(DEFAULT_RETRIES),
            trusted_hosts: Vec::new(),
            cache_dir: None,
            index_ttl: Sourced::default(DEFAULT_INDEX_TTL_SECS),
            index_strategy: Sourced::default(IndexStrategy::FirstIndex),
            offline: Sourced::default(false),
        }
    }
}

/// Command-line flags, already parsed by the CLI; `None`/`false`/empty means
/// "not given".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandLine {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub find_links: Vec<String>,
    pub no_index: bool,
    pub pre: bool,
    pub cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub timeout: Option<f64>,
    pub retries: Option<u32>,
    pub trusted_hosts: Vec<String>,
    pub cache_dir: Option<PathBuf>,
    pub index_ttl: Option<u64>,
    pub index_strategy: Option<IndexStrategy>,
    pub offline: bool,
}

impl IndexSettings {
    /// Merge command-line flags over the configuration: scalars replace,
    /// list items are appended (pip's optparse `append` over config defaults).
    pub fn apply_command_line(&mut self, cli: &CommandLine) {
        let origin = |flag: &str| Origin::CommandLine {
            flag: flag.to_string(),
        };
        if let Some(url) = &cli.index_url {
            self.index_url = Some(Sourced::new(url.clone(), origin("--index-url")));
        }
        let append = |list: &mut Vec<Sourced<String>>, items: &[String], flag: &str| {
            list.extend(
                items
                    .iter()
                    .map(|item| Sourced::new(item.clone(), origin(flag))),
            );
        };
        append(
            &mut self.extra_index_urls,
            &cli.extra_index_urls,
            "--extra-index-url",
        );
        append(&mut self.find_links, &cli.find_links, "--find-links");
        append(
            &mut self.trusted_hosts,
            &cli.trusted_hosts,
            "--trusted-host",
        );
        if cli.no_index {
            self.no_index = Sourced::new(true, origin("--no-index"));
        }
        if cli.pre {
            self.pre = Sourced::new(true, origin("--pre"));
        }
        if let Some(cert) = &cli.cert {
            self.cert = Some(Sourced::new(cert.clone(), origin("--cert")));
        }
        if let Some(cert) = &cli.client_cert {
            self.client_cert = Some(Sourced::new(cert.clone(), origin("--client-cert")));
        }
        if let Some(timeout) = cli.timeout {
            self.timeout = Sourced::new(timeout, origin("--timeout"));
        }
        if let Some(retries) = cli.retries {
            self.retries = Sourced::new(retries, origin("--retries"));
        }
        if let Some(dir) = &cli.cache_dir {
            self.cache_dir = Some(Sourced::new(dir.clone(), origin("--cache-dir")));
        }
        if let Some(ttl) = cli.index_ttl {
            self.index_ttl = Sourced::new(ttl, origin("--index-ttl"));
        }
        if let Some(strategy) = cli.index_strategy {
            self.index_strategy = Sourced::new(strategy, origin("--index-strategy"));
        }
        if cli.offline {
            self.offline = Sourced::new(true, origin("--offline"));
        }
    }
}

/// One raw `key = value` before it is checked, in precedence order.
struct RawValue {
    /// Normalized: lowercase, `-` for `_`.
    key: String,
    value: String,
    origin: Origin,
    /// Whether pipit-only keys are allowed (only from `PIPIT_*`).
    pipit: bool,
}

/// pip's `_normalize_name`.
fn normalize_key(name: &str) -> String {
    let name = name.to_lowercase().replace('_', "-");
    name.strip_prefix("--").map(str::to_string).unwrap_or(name)
}

fn devnull() -> &'static str {
    if cfg!(windows) {
        "nul"
    } else {
        "/dev/null"
    }
}

/// Read every source and build the settings. See the module docs for the rules.
pub fn load(sources: &ConfigSources) -> Result<IndexSettings, ConfigError> {
    let mut file_values: Vec<(usize, RawValue)> = Vec::new();
    let config_file = sources
        .env
        .get("PIP_CONFIG_FILE")
        .filter(|path| !path.is_empty());
    let skip_all_files = config_file.is_some_and(|path| path == devnull());
    if !skip_all_files {
        let config_file_exists = config_file.is_some_and(|path| Path::new(path).exists());
        let mut files: Vec<&ConfigFile> = sources
            .files
            .iter()
            .filter(|file| {
                file.kind != ConfigFileKind::User || !(sources.isolated || config_file_exists)
            })
            .collect();
        // A stable sort keeps each kind's own order: global < user < site.
        files.sort_by_key(|file| file.kind);
        let mut paths: Vec<PathBuf> = files.iter().map(|file| file.path.clone()).collect();
        if let Some(path) = config_file {
            paths.push(PathBuf::from(path));
        }
        for path in paths {
            for entry in read_config_file(&path)? {
                let rank = if entry.section == "global" {
                    0
                } else if entry.section == sources.command {
                    1
                } else {
                    continue;
                };
                file_values.push((
                    rank,
                    RawValue {
                        key: normalize_key(&entry.key),
                        value: entry.value,
                        origin: Origin::File {
                            path: path.clone(),
                            section: entry.section,
                            line: entry.line,
                        },
                        pipit: false,
                    },
                ));
            }
        }
    }
    // pip orders by section first ([global] then [<command>]), then by file.
    file_values.sort_by_key(|(rank, _)| *rank);
    let mut values: Vec<RawValue> = file_values.into_iter().map(|(_, value)| value).collect();

    if !sources.isolated {
        for (prefix, pipit) in [("PIP_", false), ("PIPIT_", true)] {
            for (var, value) in &sources.env {
                let Some(name) = var.strip_prefix(prefix) else {
                    continue;
                };
                values.push(RawValue {
                    key: normalize_key(name),
                    value: value.clone(),
                    origin: Origin::Env { var: var.clone() },
                    pipit,
                });
            }
        }
    }

    let mut settings = IndexSettings::default();
    for raw in values {
        apply(&mut settings, raw)?;
    }
    Ok(settings)
}

fn read_config_file(path: &Path) -> Result<Vec<ini::IniEntry>, ConfigError> {
    let text = match fs_err::read_to_string(path) {
        Ok(text) => text,
        // pip only reads files that exist.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    ini::parse(&text).map_err(|error| ConfigError::Malformed {
        path: path.to_path_buf(),
        line: error.line,
        message: error.message,
    })
}

/// pip's `strtobool`.
fn parse_bool(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn apply(settings: &mut IndexSettings, raw: RawValue) -> Result<(), ConfigError> {
    // pip ignores empty values from any source.
    if raw.value.trim().is_empty() {
        return Ok(());
    }
    let invalid = |expected: &str| ConfigError::InvalidValue {
        key: raw.key.clone(),
        value: raw.value.clone(),
        origin: Box::new(raw.origin.clone()),
        expected: expected.to_string(),
    };
    let bool_value = || {
        parse_bool(raw.value.trim())
            .ok_or_else(|| invalid("expected a boolean like yes/no, true/false, on/off or 1/0"))
    };
    let single = || Sourced::new(raw.value.trim().to_string(), raw.origin.clone());
    let list = || -> Vec<Sourced<String>> {
        raw.value
            .split_whitespace()
            .map(|item| Sourced::new(item.to_string(), raw.origin.clone()))
            .collect()
    };
    match raw.key.as_str() {
        "index-url" => settings.index_url = Some(single()),
        "extra-index-url" => settings.extra_index_urls = list(),
        "find-links" => settings.find_links = list(),
        "trusted-host" => settings.trusted_hosts = list(),
        "no-index" => settings.no_index = Sourced::new(bool_value()?, raw.origin.clone()),
        "pre" => settings.pre = Sourced::new(bool_value()?, raw.origin.clone()),
        "cert" => {
            settings.cert = Some(Sourced::new(
                PathBuf::from(raw.value.trim()),
                raw.origin.clone(),
            ))
        }
        "client-cert" => {
            settings.client_cert = Some(Sourced::new(
                PathBuf::from(raw.value.trim()),
                raw.origin.clone(),
            ))
        }
        "timeout" | "default-timeout" => {
            let seconds: f64 = raw
                .value
                .trim()
                .parse()
                .ok()
                .filter(|seconds: &f64| seconds.is_finite() && *seconds >= 0.0)
                .ok_or_else(|| invalid("expected a number of seconds"))?;
            settings.timeout = Sourced::new(seconds, raw.origin.clone());
        }
        "retries" => {
            let retries: u32 = raw
                .value
                .trim()
                .parse()
                .map_err(|_| invalid("expected a whole number of retries"))?;
            settings.retries = Sourced::new(retries, raw.origin.clone());
        }
        "cache-dir" if raw.pipit => {
            settings.cache_dir = Some(Sourced::new(
                PathBuf::from(raw.value.trim()),
                raw.origin.clone(),
            ))
        }
        "index-ttl" if raw.pipit => {
            let ttl: u64 = raw
                .value
                .trim()
                .parse()
                .map_err(|_| invalid("expected a whole number of seconds"))?;
            settings.index_ttl = Sourced::new(ttl, raw.origin.clone());
        }
        "index-strategy" if raw.pipit => {
            let strategy = IndexStrategy::parse(raw.value.trim())
                .ok_or_else(|| invalid("expected `first-index` or `unsafe-best-match`"))?;
            settings.index_strategy = Sourced::new(strategy, raw.origin.clone());
        }
        "offline" if raw.pipit => {
            settings.offline = Sourced::new(bool_value()?, raw.origin.clone())
        }
        // Options of other commands or crates: pip ignores what its parser
        // does not know, and so do we.
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
