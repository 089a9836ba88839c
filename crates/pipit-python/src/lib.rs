//! pipit-python: the target interpreter.
//!
//! This crate owns what pipit needs to know about the Python it installs for:
//! the version, the implementation, the PEP 508 marker environment, the
//! ordered list of wheel tags it accepts (manylinux with its legacy aliases,
//! musllinux, macOS releases and binary formats, Windows), and its install
//! scheme (purelib, platlib, scripts, data, include).
//!
//! It gets them in one of two ways:
//!
//! - [`Interpreter::probe`] runs a real interpreter once with a tiny inline
//!   script that prints plain facts as JSON, then derives markers and tags in
//!   Rust (the rules of `packaging.tags.sys_tags()`). The answer is cached by
//!   the executable's path, mtime and size, and checked against the real
//!   interpreter it came from, so a second probe spawns nothing. A script
//!   such as a pyenv shim is run every time, but only to ask which
//!   interpreter it starts; that interpreter's cached answer serves.
//! - [`Interpreter::from_flags`] builds one from pip's `--python-version`,
//!   `--platform`, `--implementation` and `--abi` with no subprocess, giving
//!   the tags `pip debug --verbose` prints for the same flags.
//!
//!   pip fills a missing flag from the interpreter it runs in, so the tags
//!   equal pip's only when the same interpreter is passed as `host`. One quirk
//!   shows how far that goes: for a non-CPython target (`--implementation pp`)
//!   without `--abi`, pip uses the host's `SOABI` as the ABI, giving tags such
//!   as `pp310-cpython_311_x86_64_linux_gnu-manylinux2014_x86_64`; pipit does
//!   the same with a host. Without a host no `SOABI` is known, so those tags
//!   are left out and only the `none` ABI and the compatible tags remain
//!   (one tag fewer per platform than pip run by a CPython).
//!
//! It never touches the network, resolves requirements or installs files:
//! `pipit-requirements` sits above it, `pipit-resolver` and `pipit-install`
//! below it consume [`Interpreter::markers`], [`Interpreter::tags`] and
//! [`Interpreter::scheme`].

mod machine;
mod probe;
mod tags;
mod version;

use std::path::{Path, PathBuf};

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use serde::Serialize;
use serde_json::json;

use crate::probe::{MarkerFacts, ProbeFacts};
use crate::tags::{CpythonAbiFacts, LinuxFacts};

pub use crate::tags::{Tag, Tags};
pub use crate::version::{PythonVersion, PythonVersionFlag};

/// Everything that can go wrong while finding or describing an interpreter.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("python interpreter `{}` not found", path.display())]
    NotFound {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to run python interpreter `{}`: {source}", path.display())]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("python interpreter `{}` failed to answer the probe ({status}){}", path.display(), colon_prefixed(stderr))]
    ProbeFailed {
        path: PathBuf,
        status: String,
        stderr: String,
    },
    #[error("python interpreter `{}` is python {version}, which is not supported: pipit installs for Python 3", path.display())]
    UnsupportedPython { path: PathBuf, version: String },
    #[error("python interpreter `{}` printed an answer pipit cannot read", path.display())]
    ProbeOutput {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("python interpreter `{}` reported an invalid marker version", path.display())]
    MarkerVersion {
        path: PathBuf,
        #[source]
        source: pep440_rs::VersionParseError,
    },
    #[error("failed to inspect `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no python interpreter found; tried {tried}")]
    NoInterpreter { tried: String },
    #[error("invalid --python-version value `{value}`: {reason}")]
    InvalidPythonVersion { value: String, reason: String },
    #[error("no python version to target: pass `--python-version` or an interpreter")]
    MissingPythonVersion,
    #[error("invalid wheel tag `{tag}`: {reason}")]
    InvalidTag { tag: String, reason: String },
    #[error("invalid `{flag}` value `{value}`: it must not be empty")]
    EmptyFlag { flag: &'static str, value: String },
}

/// Where a wheel's files go in this interpreter's environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scheme {
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub scripts: PathBuf,
    pub data: PathBuf,
    pub include: PathBuf,
    /// `sys.prefix`.
    pub prefix: PathBuf,
    /// Whether the interpreter runs in a virtual environment
    /// (`sys.prefix != sys.base_prefix`): pip puts headers elsewhere there.
    pub virtualenv: bool,
}

/// pip's target options (`pip install --python-version … --platform …`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetFlags {
    pub python_version: Option<String>,
    pub platforms: Vec<String>,
    pub implementation: Option<String>,
    pub abis: Vec<String>,
}

/// The Python that pipit resolves and installs for.
#[derive(Clone, Debug)]
pub struct Interpreter {
    /// The probed executable (`sys.executable`); `None` when built from flags.
    pub executable: Option<PathBuf>,
    pub version: PythonVersion,
    /// `sys.implementation.name`, e.g. `cpython`.
    pub implementation: String,
    pub markers: MarkerEnvironment,
    /// Accepted wheel tags, best first.
    pub tags: Tags,
    /// Install paths; `None` when built from flags.
    pub scheme: Option<Scheme>,
    /// What pip takes from the running interpreter when a flag is missing.
    defaults: FlagDefaults,
}

/// The running interpreter's facts that pip falls back to for missing flags.
#[derive(Clone, Debug)]
struct FlagDefaults {
    /// Short interpreter name, `cp`.
    interpreter_name: String,
    /// `py_version_nodot`, `311`.
    interpreter_version: Option<String>,
    abi: CpythonAbiFacts,
    /// `SOABI`, which pip's generic (non-CPython) tags use as the ABI.
    soabi: Option<String>,
    platforms: Vec<String>,
    markers: MarkerFacts,
}

impl Interpreter {
    /// Ask `executable` about itself, or reuse the cached answer when neither
    /// the file nor the interpreter it answered as (`sys.executable`) has
    /// changed since (same path, mtime and size). A script (`#!`, such as a
    /// pyenv shim) is asked every time which interpreter it starts, since
    /// that depends on its environment; the answer of that interpreter is
    /// then cached as if it had been given.
    ///
    /// A bare name such as `python3.11` that is not a file in the current
    /// folder is looked up on `PATH`.
    pub fn probe(executable: &Path, cache_dir: Option<&Path>) -> Result<Self, Error> {
        let is_bare_name = executable.components().count() == 1 && !executable.is_file();
        let found = is_bare_name
            .then(|| executable.to_str().and_then(find_on_path))
            .flatten();
        let executable = found.as_deref().unwrap_or(executable);
        let facts = probe::probe_facts(executable, cache_dir)?;
        Self::from_probe(&facts, executable)
    }

    /// The default target: `$VIRTUAL_ENV`'s interpreter, else `python3`, then
    /// `python`, on `PATH`.
    pub fn discover(cache_dir: Option<&Path>) -> Result<Self, Error> {
        let mut tried = Vec::new();
        let mut candidates = Vec::new();
        if let Some(venv) = std::env::var_os("VIRTUAL_ENV").filter(|venv| !venv.is_empty()) {
            let venv = PathBuf::from(venv);
            candidates.push(if cfg!(windows) {
                venv.join("Scripts").join("python.exe")
            } else {
                venv.join("bin").join("python")
            });
        }
        for name in ["python3", "python"] {
            match find_on_path(name) {
                Some(path) => candidates.push(path),
                None => tried.push(format!("`{name}` on PATH (not found)")),
            }
        }
        for candidate in candidates {
            if !candidate.is_file() {
                tried.insert(0, format!("`{}` (not found)", candidate.display()));
                continue;
            }
            match Self::probe(&candidate, cache_dir) {
                Ok(interpreter) => return Ok(interpreter),
                Err(error) => tried.push(format!("`{}` ({error})", candidate.display())),
            }
        }
        Err(Error::NoInterpreter {
            tried: tried.join(", "),
        })
    }

    /// Describe a target from pip's flags, with no subprocess. What a flag
    /// leaves open comes from `host` (as pip takes it from the interpreter it
    /// runs in), else from the machine pipit runs on.
    pub fn from_flags(flags: &TargetFlags, host: Option<&Interpreter>) -> Result<Self, Error> {
        // An empty value would become a tag part such as `cp311-cp311-`.
        let given = flags
            .platforms
            .iter()
            .map(|value| ("--platform", value))
            .chain(flags.abis.iter().map(|value| ("--abi", value)))
            .chain(
                flags
                    .implementation
                    .iter()
                    .map(|value| ("--implementation", value)),
            );
        for (flag, value) in given {
            if value.trim().is_empty() {
                return Err(Error::EmptyFlag {
                    flag,
                    value: value.clone(),
                });
            }
        }
        let version_flag = match flags.python_version.as_deref() {
            Some(value) => PythonVersionFlag::parse(value)?,
            None => None,
        };
        let defaults = match host {
            Some(host) => host.defaults.clone(),
            None => machine_defaults(),
        };
        let (tag_version, full_version) = match (&version_flag, host) {
            (Some(flag), _) => {
                let value = flags.python_version.as_deref().unwrap_or_default();
                (flag.tag_version(), flag.full_version(value)?)
            }
            (None, Some(host)) => (
                vec![u32::from(host.version.major), u32::from(host.version.minor)],
                host.version,
            ),
            (None, None) => return Err(Error::MissingPythonVersion),
        };
        let implementation_short = flags
            .implementation
            .clone()
            .unwrap_or_else(|| defaults.interpreter_name.clone());
        let interpreter_version = match (&version_flag, &defaults.interpreter_version) {
            (Some(flag), _) => flag.nodot(),
            (None, Some(nodot)) => nodot.clone(),
            (None, None) => tags::version_nodot(&tag_version),
        };
        let interpreter_tag = format!("{implementation_short}{interpreter_version}");
        let platforms = if flags.platforms.is_empty() {
            defaults.platforms.clone()
        } else {
            tags::expand_custom_platforms(&flags.platforms)
        };
        let given_abis = (!flags.abis.is_empty()).then(|| flags.abis.clone());

        // pip's `get_supported()`: CPython or generic tags, then compatible tags.
        let mut ordered = if implementation_short == "cp" {
            let abis = given_abis.unwrap_or_else(|| {
                if tag_version.len() > 1 {
                    // pip predates free-threaded ABIs.
                    let abi = CpythonAbiFacts {
                        gil_disabled: false,
                        ..defaults.abi.clone()
                    };
                    tags::cpython_abis(&tag_version, &abi)
                } else {
                    Vec::new()
                }
            });
            tags::cpython_tags(&tag_version, &abis, &platforms, false)
        } else {
            let abis = given_abis.unwrap_or_else(|| {
                defaults
                    .soabi
                    .iter()
                    .filter(|soabi| !soabi.is_empty())
                    .map(|soabi| tags::normalize_platform(soabi))
                    .collect()
            });
            tags::generic_tags(&interpreter_tag, &abis, &platforms)
        };
        ordered.extend(tags::compatible_tags(
            &tag_version,
            Some(&interpreter_tag),
            &platforms,
        ));

        let implementation = tags::implementation_long_name(&implementation_short).to_string();
        let markers = flag_markers(
            &defaults.markers,
            &implementation,
            flags.implementation.is_some() || host.is_none(),
            full_version,
            version_flag.is_some(),
            flags.platforms.first().map(String::as_str),
        );
        let marker_environment = build_markers(&markers, Path::new("--python-version"))?;
        Ok(Self {
            executable: None,
            version: full_version,
            implementation,
            markers: marker_environment,
            tags: Tags::new(ordered),
            scheme: None,
            defaults: FlagDefaults {
                interpreter_name: implementation_short,
                interpreter_version: Some(interpreter_version),
                platforms,
                markers,
                ..defaults
            },
        })
    }

    /// A JSON description for `--json` output and diagnostics.
    pub fn to_json(&self) -> serde_json::Value {
        let markers = marker_facts(&self.markers);
        json!({
            "version": self.version.to_string(),
            "implementation": self.implementation,
            "markers": {
                "implementation_name": markers.implementation_name,
                "implementation_version": markers.implementation_version,
                "os_name": markers.os_name,
                "platform_machine": markers.platform_machine,
                "platform_python_implementation": markers.platform_python_implementation,
                "platform_release": markers.platform_release,
                "platform_system": markers.platform_system,
                "platform_version": markers.platform_version,
                "python_full_version": markers.python_full_version,
                "python_version": markers.python_version,
                "sys_platform": markers.sys_platform,
            },
            "tags": self.tags.to_strings(),
            "executable": self.executable,
            "scheme": self.scheme,
        })
    }

    fn from_probe(facts: &ProbeFacts, probed: &Path) -> Result<Self, Error> {
        let (major, minor, patch, _, _) = facts.version_info;
        let version = PythonVersion::new(major, minor, patch);
        let interpreter_name = tags::interpreter_short_name(&facts.implementation_name).to_string();
        let interpreter_version = facts
            .config_var("py_version_nodot")
            .filter(|_| facts.config_truthy("py_version_nodot") == Some(true))
            .map(|value| match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| format!("{major}{minor}"));
        let abi = probe_abi_facts(facts);
        let platforms = probe_platforms(facts);
        let tag_version = [u32::from(major), u32::from(minor)];

        // `packaging.tags.sys_tags()`.
        let mut ordered = if interpreter_name == "cp" {
            let abis = tags::cpython_abis(&tag_version, &abi);
            tags::cpython_tags(&tag_version, &abis, &platforms, true)
        } else {
            let interpreter = format!("{interpreter_name}{interpreter_version}");
            tags::generic_tags(&interpreter, &generic_abis(facts, &abi), &platforms)
        };
        let compatible_interpreter = match interpreter_name.as_str() {
            "pp" => Some("pp3".to_string()),
            "cp" => Some(format!("cp{interpreter_version}")),
            _ => None,
        };
        ordered.extend(tags::compatible_tags(
            &tag_version,
            compatible_interpreter.as_deref(),
            &platforms,
        ));

        let executable = if facts.executable.is_empty() {
            probed.to_path_buf()
        } else {
            PathBuf::from(&facts.executable)
        };
        let path = |key: &str| facts.paths.get(key).cloned().flatten().map(PathBuf::from);
        let scheme = match (
            path("purelib"),
            path("platlib"),
            path("scripts"),
            path("data"),
        ) {
            (Some(purelib), Some(platlib), Some(scripts), Some(data)) => Some(Scheme {
                purelib,
                platlib,
                scripts,
                data,
                include: path("include").unwrap_or_default(),
                prefix: PathBuf::from(&facts.prefix),
                virtualenv: facts.prefix != facts.base_prefix,
            }),
            _ => None,
        };
        Ok(Self {
            markers: build_markers(&facts.markers, &executable)?,
            executable: Some(executable),
            version,
            implementation: facts.implementation_name.clone(),
            tags: Tags::new(ordered),
            scheme,
            defaults: FlagDefaults {
                interpreter_name,
                interpreter_version: Some(interpreter_version),
                abi,
                soabi: facts.config_string("SOABI").map(str::to_string),
                platforms,
                markers: facts.markers.clone(),
            },
        })
    }
}

/// pip's fallbacks when neither flags nor a host interpreter say otherwise:
/// a release CPython on this machine's platforms.
fn machine_defaults() -> FlagDefaults {
    FlagDefaults {
        interpreter_name: "cp".to_string(),
        interpreter_version: None,
        abi: CpythonAbiFacts {
            debug: false,
            // Unset `WITH_PYMALLOC` counts as set; Python 3 is always UCS-4.
            pymalloc: true,
            ucs4: true,
            gil_disabled: false,
        },
        soabi: None,
        platforms: machine::platforms(),
        markers: machine::markers(),
    }
}

fn probe_abi_facts(facts: &ProbeFacts) -> CpythonAbiFacts {
    // Windows does not set Py_DEBUG; a debug build shows in its refcount hook
    // or its `_d.pyd` extension suffix.
    let debug = match facts.config_truthy("Py_DEBUG") {
        Some(flag) => flag,
        None => {
            facts.has_gettotalrefcount
                || facts
                    .extension_suffixes
                    .iter()
                    .any(|suffix| suffix == "_d.pyd")
        }
    };
    let ucs4 = match facts.config_var("Py_UNICODE_SIZE") {
        Some(value) => value.as_i64() == Some(4),
        None => facts.maxunicode == 0x10FFFF,
    };
    CpythonAbiFacts {
        debug,
        pymalloc: facts.config_truthy("WITH_PYMALLOC").unwrap_or(true),
        ucs4,
        gil_disabled: facts.config_truthy("Py_GIL_DISABLED").unwrap_or(false),
    }
}

/// The ABI of a non-CPython interpreter, from the middle of `EXT_SUFFIX`
/// (`.pypy39-pp73-x86_64-linux-gnu.so` → `pypy39_pp73`).
fn generic_abis(facts: &ProbeFacts, abi: &CpythonAbiFacts) -> Vec<String> {
    let Some(suffix) = facts
        .config_string("EXT_SUFFIX")
        .filter(|suffix| suffix.starts_with('.'))
    else {
        return Vec::new();
    };
    let parts: Vec<&str> = suffix.split('.').collect();
    if parts.len() < 3 {
        let (major, minor, ..) = facts.version_info;
        return tags::cpython_abis(&[u32::from(major), u32::from(minor)], abi);
    }
    let soabi = parts[1];
    let dashed: Vec<&str> = soabi.split('-').collect();
    let abi = if soabi.starts_with("cpython") {
        format!("cp{}", dashed.get(1).copied().unwrap_or_default())
    } else if soabi.starts_with("cp") {
        dashed[0].to_string()
    } else if soabi.starts_with("pypy") {
        dashed[..dashed.len().min(2)].join("-")
    } else if soabi.starts_with("graalpy") {
        dashed[..dashed.len().min(3)].join("-")
    } else if !soabi.is_empty() {
        soabi.to_string()
    } else {
        return Vec::new();
    };
    vec![tags::normalize_platform(&abi)]
}

/// `packaging.tags.platform_tags()` for the probed interpreter.
fn probe_platforms(facts: &ProbeFacts) -> Vec<String> {
    match facts.markers.platform_system.as_str() {
        "Darwin" => {
            let mut numbers = facts
                .mac_version
                .split('.')
                .map(|part| part.parse::<u32>().ok());
            let version = match (numbers.next().flatten(), numbers.next().flatten()) {
                (Some(major), Some(minor)) => Some((major, minor)),
                (Some(major), None) => Some((major, 0)),
                _ => None,
            };
            let arch = if !facts.is_32bit {
                facts.mac_arch.clone()
            } else if facts.mac_arch.starts_with("ppc") {
                "ppc".to_string()
            } else {
                "i386".to_string()
            };
            match version {
                Some(version) => tags::mac_platforms(version, &arch),
                None => vec![tags::normalize_platform(&facts.sysconfig_platform)],
            }
        }
        "Linux" => {
            let linux = LinuxFacts {
                glibc: facts.glibc.as_deref().and_then(probe::parse_major_minor),
                musl: facts.executable_facts.musl,
                armhf: facts.executable_facts.armhf,
                i686: facts.executable_facts.i686,
            };
            tags::linux_platforms(&facts.sysconfig_platform, facts.is_32bit, &linux)
        }
        _ => vec![tags::normalize_platform(&facts.sysconfig_platform)],
    }
}

/// Marker values for a flag-built target: the fallback's values, with the
/// Python version, implementation and platform replaced by what flags say.
fn flag_markers(
    fallback: &MarkerFacts,
    implementation: &str,
    replace_implementation: bool,
    full_version: PythonVersion,
    version_given: bool,
    platform: Option<&str>,
) -> MarkerFacts {
    let mut markers = fallback.clone();
    let version_text = full_version.to_string();
    if version_given || markers.python_full_version.is_empty() {
        markers.python_full_version = version_text.clone();
        markers.python_version = full_version.major_minor();
    }
    if replace_implementation {
        markers.implementation_name = implementation.to_string();
        markers.platform_python_implementation = match implementation {
            "cpython" => "CPython".to_string(),
            "pypy" => "PyPy".to_string(),
            "ironpython" => "IronPython".to_string(),
            "jython" => "Jython".to_string(),
            other => other.to_string(),
        };
    }
    if replace_implementation || version_given || markers.implementation_version.is_empty() {
        // Only CPython's implementation version is its Python version; for
        // others it is unknown without an interpreter, so the Python version
        // stands in.
        markers.implementation_version = version_text;
    }
    if let Some(platform) = platform.map(str::to_lowercase) {
        apply_platform_markers(&mut markers, &platform);
    }
    markers
}

/// The OS markers a wheel platform tag implies.
fn apply_platform_markers(markers: &mut MarkerFacts, platform: &str) {
    let set = |markers: &mut MarkerFacts, os: &str, sys: &str, system: &str, machine: &str| {
        markers.os_name = os.to_string();
        markers.sys_platform = sys.to_string();
        markers.platform_system = system.to_string();
        markers.platform_machine = machine.to_string();
        markers.platform_release = String::new();
        markers.platform_version = String::new();
    };
    if let Some(arch) = platform.strip_prefix("win") {
        let machine = match arch {
            "32" => "x86",
            "_arm64" => "ARM64",
            "_amd64" => "AMD64",
            other => other.trim_start_matches('_'),
        };
        set(markers, "nt", "win32", "Windows", machine);
    } else if platform.starts_with("macosx_") {
        let format = platform.rsplit('_').next().unwrap_or_default();
        let machine = match format {
            "arm64" | "universal2" => "arm64",
            "i386" | "fat" | "fat32" => "i386",
            "ppc" | "ppc64" => format,
            _ => "x86_64",
        };
        let machine = if platform.ends_with("_x86_64") {
            "x86_64"
        } else {
            machine
        };
        set(markers, "posix", "darwin", "Darwin", machine);
    } else if let Some(arch) = linux_arch(platform) {
        set(markers, "posix", "linux", "Linux", &arch);
    }
}

/// The architecture of `linux_*`, `manylinux*` and `musllinux_*` tags.
fn linux_arch(platform: &str) -> Option<String> {
    let rest = if let Some(rest) = platform.strip_prefix("linux_") {
        return Some(rest.to_string());
    } else if let Some(rest) = platform
        .strip_prefix("manylinux_")
        .or_else(|| platform.strip_prefix("musllinux_"))
    {
        // `<major>_<minor>_<arch>`
        rest.splitn(3, '_').nth(2)?
    } else {
        let rest = ["manylinux2014_", "manylinux2010_", "manylinux1_"]
            .iter()
            .find_map(|prefix| platform.strip_prefix(prefix))?;
        rest
    };
    Some(rest.to_string())
}

fn build_markers(markers: &MarkerFacts, path: &Path) -> Result<MarkerEnvironment, Error> {
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: &markers.implementation_name,
        implementation_version: &markers.implementation_version,
        os_name: &markers.os_name,
        platform_machine: &markers.platform_machine,
        platform_python_implementation: &markers.platform_python_implementation,
        platform_release: &markers.platform_release,
        platform_system: &markers.platform_system,
        platform_version: &markers.platform_version,
        python_full_version: &markers.python_full_version,
        python_version: &markers.python_version,
        sys_platform: &markers.sys_platform,
    })
    .map_err(|source| Error::MarkerVersion {
        path: path.to_path_buf(),
        source,
    })
}

fn marker_facts(markers: &MarkerEnvironment) -> MarkerFacts {
    MarkerFacts {
        implementation_name: markers.implementation_name().to_string(),
        implementation_version: markers.implementation_version().string.clone(),
        os_name: markers.os_name().to_string(),
        platform_machine: markers.platform_machine().to_string(),
        platform_python_implementation: markers.platform_python_implementation().to_string(),
        platform_release: markers.platform_release().to_string(),
        platform_system: markers.platform_system().to_string(),
        platform_version: markers.platform_version().to_string(),
        python_full_version: markers.python_full_version().string.clone(),
        python_version: markers.python_version().string.clone(),
        sys_platform: markers.sys_platform().to_string(),
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let file_name = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    std::env::split_paths(&path)
        .map(|dir| dir.join(&file_name))
        .find(|candidate| candidate.is_file())
}

/// `": text"`, or nothing for empty text, so messages never end in a colon.
fn colon_prefixed(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

#[cfg(test)]
mod tests;
