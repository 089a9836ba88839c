//! Flags, parsed with clap, and the dispatch to one module per command.
//!
//! Parse failures are rendered the way pip words them (`no such option`,
//! `unknown command`) on one line, with exit code 2, and as a JSON error
//! object when `--json` was asked for.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind as ClapErrorKind};
use clap::{Args, Parser, Subcommand};

use pipit_index::IndexStrategy;

use crate::commands;
use crate::exit::{CliError, ErrorKind};

/// The `pipit` command line.
#[derive(Debug, Parser)]
#[command(
    name = "pipit",
    version,
    about = "A pip-compatible resolver and installer for embedded-Python hosts and CI fleets",
    after_help = "Exit codes: 0 success, 1 resolution impossible, 2 usage error, \
                  3 network/index failure, 4 install failure (nothing changed), \
                  5 conflict with loaded packages.",
    arg_required_else_help = true,
    disable_help_subcommand = false
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// pipit's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the directives a script declares.
    #[command(subcommand)]
    Script(ScriptCommand),
    /// Describe the target interpreter: version, markers, wheel tags.
    #[command(subcommand)]
    Python(PythonCommand),
    /// Ask the configured indexes and find-links locations about a project.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Resolve requirements for the target and install them (`--dry-run`: say what would be installed).
    Install(InstallArgs),
    /// Resolve requirements and write them pinned (`name==version`, `# via`, hashes).
    Compile(CompileArgs),
    /// Remove installed packages (all of them, or nothing).
    Uninstall(UninstallArgs),
    /// List installed packages.
    List(ListArgs),
    /// Print installed packages as requirements (`name==version`).
    Freeze(FreezeArgs),
    /// Show information about installed packages.
    Show(ShowArgs),
    /// Verify that installed packages have compatible dependencies.
    Check(CheckArgs),
    /// Resolve requirements and save their wheels into a folder (a wheelhouse for `--find-links`).
    Download(DownloadArgs),
    /// Show where pipit's cache is and what it holds; clean or prune it.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// The environment store of an embedded-Python host: list, find, check, repair, remove environments.
    #[command(subcommand)]
    Env(EnvCommand),
}

/// Where the environment store is.
#[derive(Debug, Args, Default, Clone)]
pub struct StoreArgs {
    /// The store's root folder [default: `PIPIT_ROOT`, else the per-user data folder + `pipit`].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// `pipit env …`
#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// List the environments: name, id, path, state, size, packages.
    List(EnvListArgs),
    /// Print an environment's folder (creates nothing).
    Path(EnvNameArgs),
    /// Remove an environment (refused while an install is running in it).
    Remove(EnvNameArgs),
    /// Check every installed file against its RECORD and look for interrupted installs; mark damaged environments invalid.
    Verify(EnvVerifyArgs),
    /// Repair or remove invalid environments and delete leftovers of interrupted installs.
    Gc(EnvListArgs),
    /// Empty `site-envs/` and `site-packages/` (refused while any install is running).
    Reset(EnvListArgs),
}

/// Arguments of `pipit env list`, `gc` and `reset`.
#[derive(Debug, Args)]
pub struct EnvListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `pipit env path` and `remove`.
#[derive(Debug, Args)]
pub struct EnvNameArgs {
    /// The environment: a `# venv:` name, `default`, `site-packages`, or `<name>-<id>`.
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `pipit env verify`.
#[derive(Debug, Args)]
pub struct EnvVerifyArgs {
    /// Check only this environment [default: all].
    pub name: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Which installed packages a command reads: a `--target` folder, or the
/// environment of the target interpreter.
#[derive(Debug, Args, Default)]
pub struct InstalledArgs {
    /// Read this `--target` folder instead of the interpreter's environment.
    #[arg(short = 't', long, value_name = "DIR")]
    pub target: Option<PathBuf>,
    #[command(flatten)]
    pub interpreter: TargetArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Arguments of `pipit uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Packages to remove.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Remove the packages named in this requirements file (repeatable).
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub installed: InstalledArgs,
}

/// Arguments of `pipit list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// `columns` (default), `freeze` or `json`.
    #[arg(long, value_name = "FORMAT", value_parser = ["columns", "freeze", "json"])]
    pub format: Option<String>,
    /// The same as `--format json`.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub installed: InstalledArgs,
}

/// Arguments of `pipit freeze`.
#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// Do not skip `pip` in the output.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub installed: InstalledArgs,
}

/// Arguments of `pipit show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Packages to show.
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
    /// Show the full list of installed files for each package.
    #[arg(short = 'f', long)]
    pub files: bool,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub installed: InstalledArgs,
}

/// Arguments of `pipit check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub installed: InstalledArgs,
}

/// Arguments of `pipit download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    #[command(flatten)]
    pub resolve: ResolveArgs,
    /// Save the wheels into this folder [default: the current folder].
    #[arg(short = 'd', long = "dest", value_name = "DIR")]
    pub dest: Option<PathBuf>,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print less.
    #[arg(short, long)]
    pub quiet: bool,
    /// Report each download on stderr as it happens [default: on when stderr is a terminal].
    #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
    pub progress_bar: Option<String>,
}

/// `pipit cache …`
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache folder.
    Dir(CacheCommandArgs),
    /// Show what each area of the cache holds.
    Info(CacheCommandArgs),
    /// Remove everything pipit keeps in the cache.
    #[command(alias = "purge")]
    Clean(CacheCommandArgs),
    /// Remove what has not been used for a while, and leftovers of interrupted writes.
    Prune(CachePruneArgs),
}

/// What every `pipit cache` action takes.
#[derive(Debug, Args)]
pub struct CacheCommandArgs {
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Ignore pip's environment variables and user configuration, as `pip --isolated`.
    #[arg(long)]
    pub isolated: bool,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `pipit cache prune`.
#[derive(Debug, Args)]
pub struct CachePruneArgs {
    #[command(flatten)]
    pub common: CacheCommandArgs,
    /// Remove entries last used more than this many days ago.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub older_than: u64,
}

/// What `install` and `compile` resolve, and pip's flags that shape it.
#[derive(Debug, Args, Clone)]
pub struct ResolveArgs {
    /// Requirements (PEP 508, or a wheel path or URL).
    #[arg(value_name = "REQ")]
    pub requirements: Vec<String>,
    /// Requirements from this file (repeatable).
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Constrain versions with this file (repeatable); a constraint installs nothing by itself.
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    pub constraint_files: Vec<PathBuf>,
    /// Replace every requirement on a package, wherever it appears, with the one in this file (repeatable).
    #[arg(long = "override", value_name = "FILE")]
    pub override_files: Vec<PathBuf>,
    /// Include pre-release and development versions.
    #[arg(long)]
    pub pre: bool,
    /// Upgrade the named packages (with `--upgrade-strategy eager`, everything) instead of keeping installed versions.
    #[arg(short = 'U', long)]
    pub upgrade: bool,
    /// `only-if-needed` (default) or `eager`.
    #[arg(long, value_name = "STRATEGY", value_parser = ["only-if-needed", "eager"])]
    pub upgrade_strategy: Option<String>,
    /// Do not install dependencies.
    #[arg(long)]
    pub no_deps: bool,
    /// Use only wheels for these packages (`:all:`, `:none:` or names, comma-separated). pipit never builds sources, so this is always true.
    #[arg(long, value_name = "NAMES")]
    pub only_binary: Vec<String>,
    /// Do not use wheels for these packages (`:all:`, `:none:` or names): they would need a source build, which pipit does not do yet.
    #[arg(long, value_name = "NAMES")]
    pub no_binary: Vec<String>,
    /// Prefer older wheels over newer source distributions (always the case in pipit).
    #[arg(long)]
    pub prefer_binary: bool,
    /// Ignore the Requires-Python of every package.
    #[arg(long)]
    pub ignore_requires_python: bool,
    /// Require a --hash for every requirement and every dependency.
    #[arg(long)]
    pub require_hashes: bool,
    /// Ignore files uploaded at or after this date or time (e.g. 2024-05-01, 2024-05-01T12:00:00Z).
    #[arg(long, alias = "uploaded-prior-to", value_name = "DATE")]
    pub exclude_newer: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Arguments of `pipit install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    #[command(flatten)]
    pub resolve: ResolveArgs,
    /// Install into this folder (pip's `--target`); what it holds already is kept when it satisfies, unless `-U`.
    #[arg(short = 't', long, value_name = "DIR")]
    pub target: Option<PathBuf>,
    /// Resolve as if nothing were installed in the target.
    #[arg(short = 'I', long)]
    pub ignore_installed: bool,
    /// Reinstall every package even when the installed version satisfies (so installed versions are not preferred).
    #[arg(long)]
    pub force_reinstall: bool,
    /// Resolve and report, but install nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write pip's installation report (JSON, format version 1) to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    /// What the host process has loaded (`name==version`, or a JSON file of `{"name", "version", "location"}` objects): preferred, and never replaced.
    #[arg(long, value_name = "FILE|NAME==VER")]
    pub loaded: Vec<String>,
    /// When the request needs another version of a loaded package: `error` (exit 5, the default), `warn` (install anyway), or `new-env` (script installs only: a fresh environment for a separate process).
    #[arg(long, value_name = "WHAT", value_parser = ["error", "warn", "new-env"], default_value = "error")]
    pub on_conflict: String,
    /// Another folder the host imports from, in `sys.path` order (repeatable): what it holds counts as installed.
    #[arg(long, value_name = "DIR")]
    pub search_path: Vec<PathBuf>,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print less.
    #[arg(short, long)]
    pub quiet: bool,
    /// Say more: where files came from, and when linking fell back to copying.
    #[arg(short, long)]
    pub verbose: bool,
    /// How files get from the wheel cache into the target: `hardlink` (default), `clone`, `copy` or `symlink`.
    #[arg(long, value_name = "MODE", value_parser = ["hardlink", "clone", "copy", "symlink"])]
    pub link_mode: Option<String>,
    /// Compile installed `.py` files to bytecode with the target interpreter (pip does by default; pipit does not).
    #[arg(long, overrides_with = "no_compile")]
    pub compile: bool,
    /// Do not compile to bytecode (the default).
    #[arg(long)]
    pub no_compile: bool,
    /// Progress bars on a terminal: `on` (default) or `off`.
    #[arg(long, value_name = "WHEN", value_parser = ["on", "off"], default_value = "on")]
    pub progress_bar: String,
}

/// Arguments of `pipit compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub resolve: ResolveArgs,
    /// Write the pinned requirements here instead of stdout.
    #[arg(short = 'o', long = "output-file", value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Add the sha256 of every file of each pinned version usable for the target.
    #[arg(long)]
    pub generate_hashes: bool,
}

impl CompileArgs {
    /// The command line for the generated file's header, without the
    /// index URLs (they may carry credentials).
    pub fn header_command(&self) -> String {
        let mut words = vec!["pipit compile".to_string()];
        words.extend(
            self.resolve
                .requirements
                .iter()
                .map(|requirement| without_credentials(requirement)),
        );
        for file in &self.resolve.requirement_files {
            words.push(format!("-r {}", file.display()));
        }
        for file in &self.resolve.constraint_files {
            words.push(format!("-c {}", file.display()));
        }
        if self.generate_hashes {
            words.push("--generate-hashes".to_string());
        }
        if let Some(output) = &self.output_file {
            words.push(format!("-o {}", output.display()));
        }
        words.join(" ")
    }
}

/// `pipit index …`
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// List the versions a project has on the indexes and find-links locations, newest first.
    Versions(IndexVersionsArgs),
}

/// Arguments of `pipit index versions`.
#[derive(Debug, Args)]
pub struct IndexVersionsArgs {
    /// The project name.
    pub name: String,
    /// Include pre-release versions.
    #[arg(long)]
    pub pre: bool,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Where packages come from, spelled as pip spells it. Unset flags fall back
/// to pip's configuration (`PIP_*`, pip.conf) and then `PIPIT_*` variables.
#[derive(Debug, Args, Default, Clone)]
pub struct IndexArgs {
    /// Base URL of the package index (PEP 503 Simple API).
    #[arg(short = 'i', long, value_name = "URL")]
    pub index_url: Option<String>,
    /// Another index to use (repeatable).
    #[arg(long = "extra-index-url", value_name = "URL")]
    pub extra_index_urls: Vec<String>,
    /// Use no index: only --find-links locations.
    #[arg(long)]
    pub no_index: bool,
    /// A folder, file or HTML page of links to look in for distributions (repeatable).
    #[arg(short = 'f', long = "find-links", value_name = "PATH|URL")]
    pub find_links: Vec<String>,
    /// How several indexes are used: `first-index` (the first index that has a project; the default) or `unsafe-best-match` (pool them all, as pip does).
    #[arg(long, value_name = "STRATEGY", value_parser = parse_index_strategy)]
    pub index_strategy: Option<IndexStrategy>,
    /// A CA bundle to trust besides the system store.
    #[arg(long, value_name = "PATH")]
    pub cert: Option<PathBuf>,
    /// A PEM file with the client certificate and key.
    #[arg(long, value_name = "PATH")]
    pub client_cert: Option<PathBuf>,
    /// Trust this host even without valid HTTPS (repeatable).
    #[arg(long = "trusted-host", value_name = "HOST")]
    pub trusted_hosts: Vec<String>,
    /// Seconds to wait for a connection or a response.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,
    /// How many times to retry a failed request.
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Seconds an index page without caching headers stays fresh [default: 600].
    #[arg(long, value_name = "SECONDS")]
    pub index_ttl: Option<u64>,
    /// Never connect: answer from the cache and local find-links.
    #[arg(long)]
    pub offline: bool,
    /// Revalidate every cached index page.
    #[arg(long)]
    pub refresh: bool,
    /// Ignore pip's environment variables and user configuration, as `pip --isolated`.
    #[arg(long)]
    pub isolated: bool,
}

/// `pipit script …`
#[derive(Debug, Subcommand)]
pub enum ScriptCommand {
    /// Print the requirements, wheels, environment and options a script declares.
    Inspect(ScriptInspectArgs),
    /// Install what a script's directives ask for into its environment; the last line printed is the folder for `sys.path`.
    Install(Box<ScriptInstallArgs>),
}

/// Arguments of `pipit script install`.
#[derive(Debug, Args)]
pub struct ScriptInstallArgs {
    /// The script whose directives to install.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub install: InstallArgs,
}

/// `pipit python …`
#[derive(Debug, Subcommand)]
pub enum PythonCommand {
    /// Print the target interpreter's version, marker environment and ordered wheel tags.
    Info(PythonInfoArgs),
}

/// Arguments of `pipit script inspect`.
#[derive(Debug, Args)]
pub struct ScriptInspectArgs {
    /// The script to read.
    pub file: PathBuf,
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Check the script's `requires-python` against this target (any target flag enables the check).
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Arguments of `pipit python info`.
#[derive(Debug, Args)]
pub struct PythonInfoArgs {
    /// Write one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// The target interpreter, spelled as pip spells it.
#[derive(Debug, Args, Default, Clone)]
pub struct TargetArgs {
    /// The interpreter to install for (probed once and cached by its real path and mtime; wrapper scripts such as pyenv shims are probed every time).
    #[arg(long, value_name = "PATH", conflicts_with = "python_version")]
    pub python: Option<PathBuf>,
    /// Install for this Python version instead (e.g. 3.9, 3.11.4, 311); no interpreter is run.
    #[arg(long, value_name = "X.Y")]
    pub python_version: Option<String>,
    /// Platform tag to install for (repeatable), e.g. manylinux_2_17_x86_64, win_amd64.
    #[arg(long = "platform", value_name = "TAG")]
    pub platforms: Vec<String>,
    /// Python implementation to install for: cp, pp, ip, jy or py.
    #[arg(long, value_name = "IMPL")]
    pub implementation: Option<String>,
    /// ABI tag to install for (repeatable), e.g. cp39, abi3, none.
    #[arg(long = "abi", value_name = "TAG")]
    pub abis: Vec<String>,
}

impl TargetArgs {
    /// Whether any target flag was given.
    pub fn is_given(&self) -> bool {
        self.python.is_some()
            || self.python_version.is_some()
            || !self.platforms.is_empty()
            || self.implementation.is_some()
            || !self.abis.is_empty()
    }
}

/// Where pipit keeps what it learned (interpreter probes now; index pages and wheels later).
#[derive(Debug, Args, Default, Clone)]
pub struct CacheArgs {
    /// The cache folder [default: `PIPIT_CACHE_DIR`, else the per-user cache folder].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Use no cache at all.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache_dir: bool,
}

impl StoreArgs {
    /// The store: `--root`, else `PIPIT_ROOT`, else the per-user data folder.
    pub fn store(&self) -> Result<pipit_envs::Store, CliError> {
        let root = self
            .root
            .clone()
            .or_else(|| {
                std::env::var_os("PIPIT_ROOT")
                    .filter(|dir| !dir.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(pipit_envs::Store::default_root)
            .ok_or_else(|| {
                CliError::usage("no folder for the environment store")
                    .hint("pass --root DIR or set PIPIT_ROOT")
            })?;
        Ok(pipit_envs::Store::new(crate::commands::absolute(&root)))
    }
}

impl CacheArgs {
    /// The cache folder to use, or `None` with `--no-cache-dir`.
    pub fn resolve(&self) -> Option<PathBuf> {
        let from_environment = std::env::var_os("PIPIT_CACHE_DIR")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        self.resolve_over(from_environment)
    }

    /// The same, with `configured` (what configuration loading found, e.g.
    /// `PIPIT_CACHE_DIR` unless `--isolated`) in place of the environment.
    pub fn resolve_over(&self, configured: Option<PathBuf>) -> Option<PathBuf> {
        if self.no_cache_dir {
            return None;
        }
        // The flag wins over the configuration; then the per-user folder.
        self.cache_dir
            .clone()
            .or(configured)
            .or_else(|| dirs::cache_dir().map(|dir| dir.join("pipit")))
    }
}

/// `text` with any `user:password@` of a URL in it replaced by `****@`.
pub fn without_credentials(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_string();
    };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://****@{}", &text[..scheme_end], &rest[at + 1..]),
        None => text.to_string(),
    }
}

fn parse_index_strategy(value: &str) -> Result<IndexStrategy, String> {
    IndexStrategy::parse(value)
        .ok_or_else(|| format!("`{value}` is not first-index or unsafe-best-match"))
}

/// A timeout as pip.conf and `PIP_TIMEOUT` accept it: finite, not negative.
fn parse_seconds(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(format!("`{value}` is not a number of seconds")),
    }
}

/// Output of a command: what goes to stdout (data) and stderr (messages).
#[derive(Debug, Default)]
pub struct Output {
    /// Data: printed on stdout.
    pub stdout: String,
    /// Notes and warnings: printed on stderr.
    pub stderr: String,
    /// Set when the command printed its answer but still fails, as pip's
    /// `check` (broken requirements) and `show` (nothing found) exit 1.
    pub failure: Option<ErrorKind>,
}

/// Runs pipit with these arguments (the first is the program name) and
/// returns the process exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let (json, result) = match Cli::try_parse_from(&args) {
        Ok(cli) => (cli.command.json(), dispatch(cli)),
        Err(error) => {
            match error.kind() {
                ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => {
                    // Help and version are answers, not failures: stdout, exit 0.
                    let _ = write!(std::io::stdout(), "{}", error.render());
                    return ExitCode::SUCCESS;
                }
                ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand if args.len() <= 1 => {
                    // Bare `pipit` shows its help, as bare `pip` does.
                    let _ = write!(std::io::stdout(), "{}", error.render());
                    return ExitCode::SUCCESS;
                }
                ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    // `pipit script` without an action is a usage error.
                    let _ = write!(std::io::stderr(), "{}", error.render());
                    return ExitCode::from(ErrorKind::Usage.code());
                }
                _ => {}
            }
            // The flags did not parse, so whether JSON was asked for can only
            // be read from the raw words, up to a `--`.
            let json = args
                .iter()
                .skip(1)
                .take_while(|arg| *arg != "--")
                .any(|arg| arg == "--json");
            (json, Err(from_clap(&error)))
        }
    };
    match result {
        Ok(output) => {
            let _ = std::io::stderr().write_all(output.stderr.as_bytes());
            let _ = std::io::stdout().write_all(output.stdout.as_bytes());
            ExitCode::from(output.failure.map_or(0, ErrorKind::code))
        }
        Err(error) => {
            if json {
                let _ = writeln!(std::io::stdout(), "{}", error.render_json());
            } else {
                let _ = std::io::stderr().write_all(error.render_human().as_bytes());
            }
            ExitCode::from(error.kind.code())
        }
    }
}

impl Command {
    /// Whether this command was asked for `--json` output.
    fn json(&self) -> bool {
        match self {
            Command::Script(ScriptCommand::Inspect(args)) => args.json,
            Command::Script(ScriptCommand::Install(args)) => args.install.json,
            Command::Env(
                EnvCommand::List(args) | EnvCommand::Gc(args) | EnvCommand::Reset(args),
            ) => args.json,
            Command::Env(EnvCommand::Path(args) | EnvCommand::Remove(args)) => args.json,
            Command::Env(EnvCommand::Verify(args)) => args.json,
            Command::Python(PythonCommand::Info(args)) => args.json,
            Command::Index(IndexCommand::Versions(args)) => args.json,
            Command::Install(args) => args.json,
            Command::Compile(_) | Command::Freeze(_) => false,
            Command::Uninstall(args) => args.json,
            Command::List(args) => args.json || args.format.as_deref() == Some("json"),
            Command::Show(args) => args.json,
            Command::Check(args) => args.json,
            Command::Download(args) => args.json,
            Command::Cache(
                CacheCommand::Dir(args) | CacheCommand::Info(args) | CacheCommand::Clean(args),
            ) => args.json,
            Command::Cache(CacheCommand::Prune(args)) => args.common.json,
        }
    }
}

fn dispatch(cli: Cli) -> Result<Output, CliError> {
    match cli.command {
        Command::Script(ScriptCommand::Inspect(args)) => commands::script::inspect(&args),
        Command::Script(ScriptCommand::Install(args)) => commands::script::install(&args),
        Command::Env(command) => commands::env::env(&command),
        Command::Python(PythonCommand::Info(args)) => commands::python::info(&args),
        Command::Index(IndexCommand::Versions(args)) => commands::index::versions(&args),
        Command::Install(args) => commands::install::install(&args),
        Command::Compile(args) => commands::compile::compile(&args),
        Command::Uninstall(args) => commands::uninstall::uninstall(&args),
        Command::List(args) => commands::list::list(&args),
        Command::Freeze(args) => commands::freeze::freeze(&args),
        Command::Show(args) => commands::show::show(&args),
        Command::Check(args) => commands::check::check(&args),
        Command::Download(args) => commands::download::download(&args),
        Command::Cache(command) => commands::cache::cache(&command),
    }
}

/// Turns clap's multi-line error into pip's one-line wording.
fn from_clap(error: &clap::Error) -> CliError {
    let context = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(value)) => Some(value.clone()),
        Some(ContextValue::Strings(values)) => values.first().cloned(),
        _ => None,
    };
    let suggestion = context(ContextKind::SuggestedSubcommand)
        .or_else(|| context(ContextKind::SuggestedArg))
        .map(|suggested| format!("did you mean `{suggested}`?"));
    let mut cli_error = match error.kind() {
        ClapErrorKind::InvalidSubcommand => {
            let name = context(ContextKind::InvalidSubcommand).unwrap_or_default();
            CliError::usage(format!("unknown command \"{name}\""))
        }
        ClapErrorKind::UnknownArgument => {
            let name = context(ContextKind::InvalidArg).unwrap_or_default();
            if name.starts_with('-') {
                CliError::usage(format!("no such option: {name}"))
            } else {
                CliError::usage(format!("unexpected argument \"{name}\""))
            }
        }
        ClapErrorKind::MissingRequiredArgument => {
            // clap lists the missing arguments on lines of their own.
            let names = match error.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(names)) => names.join(", "),
                Some(ContextValue::String(name)) => name.clone(),
                _ => String::new(),
            };
            CliError::usage(format!("missing required argument: {names}"))
        }
        _ => {
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            CliError::usage(first.trim_start_matches("error: ").to_string())
        }
    };
    if let Some(suggestion) = suggestion {
        cli_error = cli_error.hint(suggestion);
    }
    cli_error.hint("see `pipit --help`, or `pipit help <command>`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
