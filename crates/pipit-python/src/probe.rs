//! Asking a real interpreter about itself, once, and remembering the answer.
//!
//! The probe runs `python -I -c <PROBE_SCRIPT>`, which prints one JSON object of
//! plain facts (no tag logic runs in Python). pipit adds what it reads from the
//! executable's ELF header (musl, 32-bit ARM/x86) and stores the whole answer:
//!
//! ```text
//! <cache_dir>/
//!   interpreters/
//!     <sha256 of path, resolved path, mtime, size>.json
//!         {"format", "path", "resolved", "mtime_ns", "size",
//!          "real": {"path", "mtime_ns", "size"}, "facts"}
//! ```
//!
//! An entry is used only while both files are unchanged (same mtime and
//! size): the one given, and the real interpreter it answered as
//! (`sys.executable`, resolved), so a launcher that now starts another
//! interpreter is probed again. A script (a file starting with `#!`, such as a
//! pyenv shim) is never cached: which interpreter it starts depends on its
//! environment (`PYENV_VERSION`, `.python-version`, the current folder), not
//! on the file. It is asked each time, cheaply, which interpreter it starts,
//! and that interpreter's entry is used (see the `script` module).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;

mod script;

/// Bump when the script, [`ProbeFacts`] or [`CacheEntry`] change, so old
/// cache entries are ignored.
const PROBE_FORMAT: u32 = 2;

/// Prints the facts the Rust side needs; kept small and dependency-free.
pub(crate) const PROBE_SCRIPT: &str = r#"
import json, os, platform, sys, sysconfig
try:
    from importlib.machinery import EXTENSION_SUFFIXES as suffixes
except Exception:
    suffixes = []
def full(info):
    text = "%d.%d.%d" % (info[0], info[1], info[2])
    if info[3] != "final":
        text += info[3][0] + str(info[4])
    return text
def glibc():
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")
        if text:
            return text.rsplit()[-1]
    except Exception:
        pass
    try:
        import ctypes
        function = ctypes.CDLL(None).gnu_get_libc_version
        function.restype = ctypes.c_char_p
        return function().decode("ascii")
    except Exception:
        return None
mac_version, _, mac_arch = platform.mac_ver()
if mac_version.startswith("10.16"):
    import subprocess
    mac_version = subprocess.run([sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"], env={"SYSTEM_VERSION_COMPAT": "0"}, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
names = ["SOABI", "EXT_SUFFIX", "Py_DEBUG", "Py_GIL_DISABLED", "WITH_PYMALLOC", "Py_UNICODE_SIZE", "py_version_nodot"]
paths = sysconfig.get_paths()
print(json.dumps({
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "version_info": list(sys.version_info[:3]) + [sys.version_info[3], sys.version_info[4]],
    "implementation_name": sys.implementation.name,
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": full(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
    "sysconfig_platform": sysconfig.get_platform(),
    "config": dict((name, sysconfig.get_config_var(name)) for name in names),
    "has_gettotalrefcount": hasattr(sys, "gettotalrefcount"),
    "extension_suffixes": list(suffixes),
    "is_32bit": sys.maxsize <= 2 ** 32,
    "maxunicode": sys.maxunicode,
    "glibc": glibc(),
    "mac_version": mac_version,
    "mac_arch": mac_arch,
    "paths": dict((key, paths.get(key)) for key in ["purelib", "platlib", "scripts", "data", "include"]),
}))
"#;

/// The PEP 508 marker values, exactly as the interpreter reports them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct MarkerFacts {
    pub implementation_name: String,
    pub implementation_version: String,
    pub os_name: String,
    pub platform_machine: String,
    pub platform_python_implementation: String,
    pub platform_release: String,
    pub platform_system: String,
    pub platform_version: String,
    pub python_full_version: String,
    pub python_version: String,
    pub sys_platform: String,
}

/// What pipit reads from the executable file itself (ELF, Linux only).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ExecutableFacts {
    /// `(major, minor)` of musl when the program interpreter is musl's loader.
    pub musl: Option<(u32, u32)>,
    pub armhf: bool,
    pub i686: bool,
}

/// One probe answer: plain facts, from which Rust derives markers and tags.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct ProbeFacts {
    pub executable: String,
    pub prefix: String,
    pub base_prefix: String,
    /// `(major, minor, micro, releaselevel, serial)`.
    pub version_info: (u8, u8, u8, String, u32),
    pub implementation_name: String,
    pub markers: MarkerFacts,
    pub sysconfig_platform: String,
    pub config: BTreeMap<String, serde_json::Value>,
    pub has_gettotalrefcount: bool,
    pub extension_suffixes: Vec<String>,
    pub is_32bit: bool,
    pub maxunicode: u32,
    pub glibc: Option<String>,
    pub mac_version: String,
    pub mac_arch: String,
    pub paths: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub executable_facts: ExecutableFacts,
}

impl ProbeFacts {
    /// A sysconfig variable, `None` when unset (Python's `None`).
    pub fn config_var(&self, name: &str) -> Option<&serde_json::Value> {
        self.config.get(name).filter(|value| !value.is_null())
    }

    /// Python truthiness of a sysconfig variable (`0`, `""` and `None` are false).
    pub fn config_truthy(&self, name: &str) -> Option<bool> {
        self.config_var(name).map(|value| match value {
            serde_json::Value::Bool(flag) => *flag,
            serde_json::Value::Number(number) => number.as_f64() != Some(0.0),
            serde_json::Value::String(text) => !text.is_empty(),
            serde_json::Value::Array(items) => !items.is_empty(),
            serde_json::Value::Object(map) => !map.is_empty(),
            serde_json::Value::Null => false,
        })
    }

    pub fn config_string(&self, name: &str) -> Option<&str> {
        self.config_var(name).and_then(serde_json::Value::as_str)
    }
}

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    format: u32,
    path: PathBuf,
    resolved: PathBuf,
    mtime_ns: u128,
    size: u64,
    /// The file `sys.executable` resolves to.
    real: FileIdentity,
    facts: ProbeFacts,
}

/// A file as the cache recognises it: resolved path, mtime and size.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FileIdentity {
    path: PathBuf,
    mtime_ns: u128,
    size: u64,
}

impl FileIdentity {
    /// `None` when the file cannot be resolved or read.
    fn of(path: &Path) -> Option<Self> {
        let path = fs_err::canonicalize(path).ok()?;
        let metadata = fs_err::metadata(&path).ok()?;
        Some(Self {
            mtime_ns: mtime_ns(&metadata),
            size: metadata.len(),
            path,
        })
    }
}

fn mtime_ns(metadata: &std::fs::Metadata) -> u128 {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |duration| duration.as_nanos())
}

/// Whether `file` is a script run through `#!`; an unreadable file counts as
/// one, so that it is never cached.
fn is_script(file: &Path) -> bool {
    let mut start = [0u8; 2];
    match fs_err::File::open(file).and_then(|mut opened| opened.read_exact(&mut start)) {
        Ok(()) => &start == b"#!",
        Err(error) => error.kind() != std::io::ErrorKind::UnexpectedEof,
    }
}

struct CacheKey {
    path: PathBuf,
    resolved: PathBuf,
    mtime_ns: u128,
    size: u64,
}

impl CacheKey {
    /// The path as given (a venv's `bin/python` differs from its base even when
    /// it links there) plus the resolved file's identity.
    fn new(executable: &Path) -> Result<Self, Error> {
        let path = std::path::absolute(executable).map_err(|source| Error::Io {
            path: executable.to_path_buf(),
            source,
        })?;
        let resolved = fs_err::canonicalize(&path).map_err(|source| Error::NotFound {
            path: executable.to_path_buf(),
            source,
        })?;
        let metadata = fs_err::metadata(&resolved).map_err(|source| Error::Io {
            path: resolved.clone(),
            source,
        })?;
        Ok(Self {
            path,
            resolved,
            mtime_ns: mtime_ns(&metadata),
            size: metadata.len(),
        })
    }

    fn file(&self, cache_dir: &Path) -> PathBuf {
        let mut hasher = Sha256::new();
        hasher.update(self.path.as_os_str().as_encoded_bytes());
        hasher.update([0]);
        hasher.update(self.resolved.as_os_str().as_encoded_bytes());
        hasher.update(self.mtime_ns.to_le_bytes());
        hasher.update(self.size.to_le_bytes());
        let digest = hasher.finalize();
        let name: String = digest[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        cache_dir.join("interpreters").join(format!("{name}.json"))
    }

    fn matches(&self, entry: &CacheEntry) -> bool {
        entry.format == PROBE_FORMAT
            && entry.path == self.path
            && entry.resolved == self.resolved
            && entry.mtime_ns == self.mtime_ns
            && entry.size == self.size
            && FileIdentity::of(Path::new(&entry.facts.executable)).as_ref() == Some(&entry.real)
    }
}

/// The facts of `executable`, from the cache when neither it nor the real
/// interpreter behind it changed. A script is run every time, since what it
/// starts depends on its environment: first only to ask which interpreter
/// it starts, whose cached facts then serve (see the `script` module), and
/// else with the whole probe, whose answer is not kept.
pub(crate) fn probe_facts(
    executable: &Path,
    cache_dir: Option<&Path>,
) -> Result<ProbeFacts, Error> {
    let key = CacheKey::new(executable)?;
    if is_script(&key.resolved) {
        if let Some(facts) = cache_dir.and_then(|dir| script::through_script(executable, dir)) {
            return Ok(facts);
        }
        return run_probe(executable);
    }
    probe_file(key, executable, cache_dir, |_| true)
}

/// The facts of a file that is not a script: a cached answer when it is
/// still valid and `accept` takes it, else a new probe, which is kept.
fn probe_file(
    key: CacheKey,
    executable: &Path,
    cache_dir: Option<&Path>,
    accept: impl Fn(&ProbeFacts) -> bool,
) -> Result<ProbeFacts, Error> {
    let cache_file = cache_dir.map(|dir| key.file(dir));
    if let Some(file) = &cache_file {
        // A missing or unreadable entry is only a miss.
        if let Ok(text) = fs_err::read_to_string(file) {
            if let Ok(entry) = serde_json::from_str::<CacheEntry>(&text) {
                if key.matches(&entry) && accept(&entry.facts) {
                    return Ok(entry.facts);
                }
            }
        }
    }
    let facts = run_probe(executable)?;
    // Without a real interpreter to check on reads, the answer is not kept.
    let real = FileIdentity::of(Path::new(&facts.executable));
    if let (Some(file), Some(real)) = (&cache_file, real) {
        let entry = CacheEntry {
            format: PROBE_FORMAT,
            path: key.path,
            resolved: key.resolved,
            mtime_ns: key.mtime_ns,
            size: key.size,
            real,
            facts: facts.clone(),
        };
        // The cache only saves time: a read-only cache folder must not fail the probe.
        let _ = write_cache(file, &entry);
    }
    Ok(facts)
}

fn write_cache(file: &Path, entry: &CacheEntry) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(entry).map_err(std::io::Error::other)?;
    let dir = file.parent().unwrap_or(file);
    fs_err::create_dir_all(dir)?;
    // Write a sibling and rename, so a concurrent reader never sees half a file.
    let partial = file.with_extension(format!("json.{}.tmp", std::process::id()));
    fs_err::write(&partial, text)?;
    fs_err::rename(&partial, file)
}

fn run_probe(executable: &Path) -> Result<ProbeFacts, Error> {
    let output = Command::new(executable)
        .arg("-I")
        .arg("-c")
        .arg(PROBE_SCRIPT)
        .output()
        .map_err(|source| Error::Spawn {
            path: executable.to_path_buf(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut summary = stderr_summary(&stderr);
        // `-I` is new in Python 3.4: older interpreters stop at the option.
        if summary == "Unknown option: -I" {
            if let Some(version) = old_python_version(executable) {
                return Err(Error::UnsupportedPython {
                    path: executable.to_path_buf(),
                    version,
                });
            }
            summary.push_str(" (Python 2 and Python 3 before 3.4 are not supported)");
        }
        return Err(Error::ProbeFailed {
            path: executable.to_path_buf(),
            status: output.status.to_string(),
            stderr: summary,
        });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut facts: ProbeFacts =
        serde_json::from_str(stdout.trim()).map_err(|source| Error::ProbeOutput {
            path: executable.to_path_buf(),
            source,
        })?;
    if facts.markers.platform_system == "Linux" {
        facts.executable_facts = read_executable_facts(Path::new(&facts.executable));
    }
    Ok(facts)
}

/// One line of a failed probe's stderr: a traceback's last line names the
/// exception; otherwise the first line says what went wrong (Python 2's
/// `Unknown option: -I` is followed by usage lines).
fn stderr_summary(stderr: &str) -> String {
    let mut lines = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let line = if stderr.contains("Traceback (most recent call last):") {
        lines.next_back()
    } else {
        lines.next()
    };
    line.unwrap_or_default().to_string()
}

/// The `major.minor` of an interpreter that rejected `-I`, when it is older
/// than Python 3 (asked with options Python 2 knows).
fn old_python_version(executable: &Path) -> Option<String> {
    let output = Command::new(executable)
        .args(["-E", "-s", "-c"])
        .arg("import sys; sys.stdout.write('%d.%d' % sys.version_info[:2])")
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let (major, _) = parse_major_minor(&format!("{version}.0"))?;
    (output.status.success() && major < 3).then_some(version)
}

/// Read the ELF header and program interpreter of the executable. Anything
/// unreadable means "no special facts", as in `packaging`.
fn read_executable_facts(executable: &Path) -> ExecutableFacts {
    let Some(elf) = read_elf(executable) else {
        return ExecutableFacts::default();
    };
    const EM_386: u16 = 3;
    const EM_ARM: u16 = 40;
    const EF_ARM_ABIMASK: u32 = 0xFF00_0000;
    const EF_ARM_ABI_VER5: u32 = 0x0500_0000;
    const EF_ARM_ABI_FLOAT_HARD: u32 = 0x0000_0400;
    let little_32 = elf.class32 && elf.little_endian;
    ExecutableFacts {
        armhf: little_32
            && elf.machine == EM_ARM
            && elf.flags & EF_ARM_ABIMASK == EF_ARM_ABI_VER5
            && elf.flags & EF_ARM_ABI_FLOAT_HARD == EF_ARM_ABI_FLOAT_HARD,
        i686: little_32 && elf.machine == EM_386,
        musl: elf
            .interpreter
            .filter(|loader| loader.contains("musl"))
            .and_then(|loader| musl_version(Path::new(&loader))),
    }
}

struct Elf {
    class32: bool,
    little_endian: bool,
    machine: u16,
    flags: u32,
    interpreter: Option<String>,
}

fn read_elf(path: &Path) -> Option<Elf> {
    let mut file = fs_err::File::open(path).ok()?;
    let mut header = [0u8; 64];
    file.read_exact(&mut header[..52]).ok()?;
    let _ = file.read(&mut header[52..]);
    if &header[..4] != b"\x7fELF" {
        return None;
    }
    let class32 = match header[4] {
        1 => true,
        2 => false,
        _ => return None,
    };
    let little_endian = match header[5] {
        1 => true,
        2 => false,
        _ => return None,
    };
    let u16_at = |bytes: &[u8], at: usize| -> Option<u16> {
        let raw: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if little_endian {
            u16::from_le_bytes(raw)
        } else {
            u16::from_be_bytes(raw)
        })
    };
    let u32_at = |bytes: &[u8], at: usize| -> Option<u32> {
        let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if little_endian {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        })
    };
    let u64_at = |bytes: &[u8], at: usize| -> Option<u64> {
        let raw: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
        Some(if little_endian {
            u64::from_le_bytes(raw)
        } else {
            u64::from_be_bytes(raw)
        })
    };
    let machine = u16_at(&header, 18)?;
    let (phoff, flags, phentsize, phnum) = if class32 {
        (
            u64::from(u32_at(&header, 28)?),
            u32_at(&header, 36)?,
            u16_at(&header, 42)?,
            u16_at(&header, 44)?,
        )
    } else {
        (
            u64_at(&header, 32)?,
            u32_at(&header, 48)?,
            u16_at(&header, 54)?,
            u16_at(&header, 56)?,
        )
    };
    const PT_INTERP: u32 = 3;
    let mut interpreter = None;
    let mut entry = vec![0u8; usize::from(phentsize)];
    for index in 0..u64::from(phnum) {
        file.seek(SeekFrom::Start(phoff + u64::from(phentsize) * index))
            .ok()?;
        file.read_exact(&mut entry).ok()?;
        if u32_at(&entry, 0)? != PT_INTERP {
            continue;
        }
        let (offset, size) = if class32 {
            (
                u64::from(u32_at(&entry, 4)?),
                u64::from(u32_at(&entry, 16)?),
            )
        } else {
            (u64_at(&entry, 8)?, u64_at(&entry, 32)?)
        };
        file.seek(SeekFrom::Start(offset)).ok()?;
        let mut raw = vec![0u8; usize::try_from(size.min(4096)).ok()?];
        file.read_exact(&mut raw).ok()?;
        interpreter = Some(
            String::from_utf8_lossy(&raw)
                .trim_end_matches('\0')
                .to_string(),
        );
        break;
    }
    Some(Elf {
        class32,
        little_endian,
        machine,
        flags,
        interpreter,
    })
}

/// Run musl's loader with no arguments: it prints `musl libc (arch)` and
/// `Version 1.2.3` on stderr.
fn musl_version(loader: &Path) -> Option<(u32, u32)> {
    let output = Command::new(loader).output().ok()?;
    parse_musl_version(&String::from_utf8_lossy(&output.stderr))
}

pub(crate) fn parse_musl_version(text: &str) -> Option<(u32, u32)> {
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    if !lines.next()?.starts_with("musl") {
        return None;
    }
    parse_major_minor(lines.next()?.strip_prefix("Version ")?)
}

/// The leading `major.minor` of a version string such as `2.20-2014.11`.
pub(crate) fn parse_major_minor(text: &str) -> Option<(u32, u32)> {
    let mut numbers = text.splitn(3, '.');
    let major = numbers.next()?;
    let minor = numbers.next()?;
    let minor_digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    Some((major.parse().ok()?, minor_digits.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn musl_loader_output() {
        let text = "musl libc (x86_64)\nVersion 1.2.4\nDynamic Program Loader\n";
        assert_eq!(parse_musl_version(text), Some((1, 2)));
        assert_eq!(parse_musl_version("ld.so: nothing"), None);
        assert_eq!(parse_major_minor("2.20-2014.11"), Some((2, 20)));
        assert_eq!(parse_major_minor("2"), None);
    }

    #[test]
    fn this_test_binary_is_not_musl_unless_built_for_it() {
        let Ok(me) = std::env::current_exe() else {
            return;
        };
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            let facts = read_executable_facts(&me);
            assert_eq!(facts.musl, None);
            assert!(read_elf(&me).is_some_and(|elf| elf.interpreter.is_some()));
        }
    }
}
