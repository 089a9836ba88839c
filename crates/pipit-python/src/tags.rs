//! Wheel compatibility tags (PEP 425, PEP 600, PEP 656) and their priority order.
//!
//! The generators here follow the rules of the `packaging` project's `tags`
//! module (the version that pip vendors): CPython tags, generic interpreter
//! tags, interpreter-less compatible tags, and the platform expansions for
//! manylinux, musllinux and macOS. They work from plain facts (versions,
//! architectures, libc versions) so that the same code serves a probed
//! interpreter and one described by pip's `--platform`/`--abi` flags.

use std::collections::HashMap;
use std::fmt;

use crate::Error;

/// One `(python, abi, platform)` triple, stored lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    pub interpreter: String,
    pub abi: String,
    pub platform: String,
}

impl Tag {
    pub fn new(interpreter: &str, abi: &str, platform: &str) -> Self {
        Self {
            interpreter: interpreter.to_lowercase(),
            abi: abi.to_lowercase(),
            platform: platform.to_lowercase(),
        }
    }

    /// Expand a wheel's (possibly compressed) tag set, e.g. `py2.py3-none-any`
    /// into `py2-none-any` and `py3-none-any` (PEP 425 "compressed tag sets").
    pub fn parse_compressed(text: &str) -> Result<Vec<Tag>, Error> {
        let invalid = |reason: &str| Error::InvalidTag {
            tag: text.to_string(),
            reason: reason.to_string(),
        };
        let mut parts = text.split('-');
        let (Some(interpreters), Some(abis), Some(platforms), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("expected three parts separated by `-`"));
        };
        let mut tags = Vec::new();
        for interpreter in interpreters.split('.') {
            for abi in abis.split('.') {
                for platform in platforms.split('.') {
                    if interpreter.is_empty() || abi.is_empty() || platform.is_empty() {
                        return Err(invalid("empty component"));
                    }
                    let tag = Tag::new(interpreter, abi, platform);
                    if !tags.contains(&tag) {
                        tags.push(tag);
                    }
                }
            }
        }
        Ok(tags)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.interpreter, self.abi, self.platform)
    }
}

impl std::str::FromStr for Tag {
    type Err = Error;

    /// Parse one uncompressed tag such as `cp311-cp311-manylinux_2_17_x86_64`.
    fn from_str(text: &str) -> Result<Self, Error> {
        let mut tags = Tag::parse_compressed(text)?;
        if tags.len() != 1 {
            return Err(Error::InvalidTag {
                tag: text.to_string(),
                reason: "a compressed tag set is not a single tag".to_string(),
            });
        }
        Ok(tags.remove(0))
    }
}

/// The tags an interpreter accepts, best first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    ordered: Vec<Tag>,
    rank: HashMap<Tag, usize>,
}

impl Tags {
    /// Build from an ordered list; a repeated tag keeps its first (best) rank.
    pub fn new(ordered: Vec<Tag>) -> Self {
        let mut rank = HashMap::with_capacity(ordered.len());
        for (index, tag) in ordered.iter().enumerate() {
            rank.entry(tag.clone()).or_insert(index);
        }
        Self { ordered, rank }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Tag> {
        self.ordered.iter()
    }

    pub fn len(&self) -> usize {
        self.ordered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }

    /// The rank of `tag` (lower is better), or `None` when it is not supported.
    pub fn priority(&self, tag: &Tag) -> Option<usize> {
        self.rank.get(tag).copied()
    }

    /// The best rank among a wheel's tag set (e.g. `py2.py3-none-any`), or
    /// `None` when the wheel does not fit this interpreter.
    pub fn wheel_priority(&self, compressed: &str) -> Result<Option<usize>, Error> {
        Ok(Tag::parse_compressed(compressed)?
            .iter()
            .filter_map(|tag| self.priority(tag))
            .min())
    }

    /// The tags as strings, best first.
    pub fn to_strings(&self) -> Vec<String> {
        self.ordered.iter().map(ToString::to_string).collect()
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = &'a Tag;
    type IntoIter = std::slice::Iter<'a, Tag>;
    fn into_iter(self) -> Self::IntoIter {
        self.ordered.iter()
    }
}

impl fmt::Display for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, tag) in self.ordered.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{tag}")?;
        }
        Ok(())
    }
}

/// `packaging`'s short interpreter names (PEP 425).
pub(crate) fn interpreter_short_name(implementation_name: &str) -> &str {
    match implementation_name {
        "python" => "py",
        "cpython" => "cp",
        "pypy" => "pp",
        "ironpython" => "ip",
        "jython" => "jy",
        other => other,
    }
}

/// The inverse of [`interpreter_short_name`], for `--implementation`.
pub(crate) fn implementation_long_name(short: &str) -> &str {
    match short {
        "py" => "python",
        "cp" => "cpython",
        "pp" => "pypy",
        "ip" => "ironpython",
        "jy" => "jython",
        other => other,
    }
}

pub(crate) fn version_nodot(version: &[u32]) -> String {
    version.iter().map(ToString::to_string).collect()
}

/// `sysconfig.get_platform()` spelled as a tag: `linux-x86_64` → `linux_x86_64`.
pub(crate) fn normalize_platform(text: &str) -> String {
    text.replace(['.', '-'], "_")
}

/// The build flags of a CPython that decide its ABI tag.
#[derive(Clone, Debug, Default)]
pub(crate) struct CpythonAbiFacts {
    /// `Py_DEBUG`, or for Windows builds `sys.gettotalrefcount`/`_d.pyd` hints.
    pub debug: bool,
    /// `WITH_PYMALLOC` (unset counts as set), used before Python 3.8.
    pub pymalloc: bool,
    /// `Py_UNICODE_SIZE == 4`, used before Python 3.3.
    pub ucs4: bool,
    /// `Py_GIL_DISABLED` (free-threaded build, Python 3.13+).
    pub gil_disabled: bool,
}

/// The ABI tags of a CPython version, best first (`cp311`, or `cp311d`, `cp311`).
pub(crate) fn cpython_abis(version: &[u32], facts: &CpythonAbiFacts) -> Vec<String> {
    let nodot = version_nodot(&version[..version.len().min(2)]);
    let at_least = |major: u32, minor: u32| {
        (version[0], version.get(1).copied().unwrap_or(0)) >= (major, minor)
    };
    let debug = if facts.debug { "d" } else { "" };
    let threading = if at_least(3, 13) && facts.gil_disabled {
        "t"
    } else {
        ""
    };
    let mut pymalloc = "";
    let mut ucs4 = "";
    let mut abis = Vec::new();
    if !at_least(3, 8) {
        if facts.pymalloc {
            pymalloc = "m";
        }
        if !at_least(3, 3) && facts.ucs4 {
            ucs4 = "u";
        }
    } else if facts.debug {
        // A debug build also loads ordinary extension modules.
        abis.push(format!("cp{nodot}{threading}"));
    }
    abis.insert(0, format!("cp{nodot}{threading}{debug}{pymalloc}{ucs4}"));
    abis
}

/// CPython tags: own ABIs, then `abi3`, then `none`, then older `abi3` versions.
///
/// `free_threading` applies the newer `packaging` rule that a free-threaded
/// ABI (`cp313t`) has no stable ABI; pip's `--abi` handling predates it.
pub(crate) fn cpython_tags(
    version: &[u32],
    abis: &[String],
    platforms: &[String],
    free_threading: bool,
) -> Vec<Tag> {
    let interpreter = format!("cp{}", version_nodot(&version[..version.len().min(2)]));
    let threaded = free_threading && abis.first().is_some_and(|abi| is_threaded_abi(abi));
    let abis: Vec<&String> = abis
        .iter()
        .filter(|abi| abi.as_str() != "abi3" && abi.as_str() != "none")
        .collect();
    let mut tags = Vec::new();
    for abi in &abis {
        for platform in platforms {
            tags.push(Tag::new(&interpreter, abi, platform));
        }
    }
    // PEP 384: the stable ABI exists from 3.2 on, but not for free-threaded builds.
    let abi3 = version.len() > 1 && (version[0], version[1]) >= (3, 2) && !threaded;
    if abi3 {
        for platform in platforms {
            tags.push(Tag::new(&interpreter, "abi3", platform));
        }
    }
    for platform in platforms {
        tags.push(Tag::new(&interpreter, "none", platform));
    }
    if abi3 {
        for minor in (2..version[1]).rev() {
            let older = format!("cp{}", version_nodot(&[version[0], minor]));
            for platform in platforms {
                tags.push(Tag::new(&older, "abi3", platform));
            }
        }
    }
    tags
}

/// An ABI like `cp313t` or `cp313td`: a `t` among the flags after `cp<digits>`.
fn is_threaded_abi(abi: &str) -> bool {
    let Some(rest) = abi.strip_prefix("cp") else {
        return false;
    };
    let flags = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    flags.len() < rest.len() && flags.contains('t')
}

/// Tags of a non-CPython interpreter: each ABI (plus `none`) on each platform.
pub(crate) fn generic_tags(interpreter: &str, abis: &[String], platforms: &[String]) -> Vec<Tag> {
    let mut abis = abis.to_vec();
    if !abis.iter().any(|abi| abi == "none") {
        abis.push("none".to_string());
    }
    let mut tags = Vec::new();
    for abi in &abis {
        for platform in platforms {
            tags.push(Tag::new(interpreter, abi, platform));
        }
    }
    tags
}

/// `py311`, `py3`, `py310`, … `py30` (or just `py3` for a major-only version).
fn py_interpreter_range(version: &[u32]) -> Vec<String> {
    let mut range = Vec::new();
    if version.len() > 1 {
        range.push(format!("py{}", version_nodot(&version[..2])));
    }
    range.push(format!("py{}", version[0]));
    if version.len() > 1 {
        for minor in (0..version[1]).rev() {
            range.push(format!("py{}", version_nodot(&[version[0], minor])));
        }
    }
    range
}

/// Interpreter-less tags: `py*-none-<platform>`, `<interpreter>-none-any`, `py*-none-any`.
pub(crate) fn compatible_tags(
    version: &[u32],
    interpreter: Option<&str>,
    platforms: &[String],
) -> Vec<Tag> {
    let range = py_interpreter_range(version);
    let mut tags = Vec::new();
    for python in &range {
        for platform in platforms {
            tags.push(Tag::new(python, "none", platform));
        }
    }
    if let Some(interpreter) = interpreter {
        tags.push(Tag::new(interpreter, "none", "any"));
    }
    for python in &range {
        tags.push(Tag::new(python, "none", "any"));
    }
    tags
}

/// The binary formats a macOS release accepts for one CPU architecture.
fn mac_binary_formats(version: (u32, u32), arch: &str) -> Vec<String> {
    let mut formats = vec![arch.to_string()];
    let extra: &[&str] = match arch {
        "x86_64" if version < (10, 4) => return Vec::new(),
        "x86_64" => &["intel", "fat64", "fat32"],
        "i386" if version < (10, 4) => return Vec::new(),
        "i386" => &["intel", "fat32", "fat"],
        "ppc64" if !((10, 4)..=(10, 5)).contains(&version) => return Vec::new(),
        "ppc64" => &["fat64"],
        "ppc" if version > (10, 6) => return Vec::new(),
        "ppc" => &["fat32", "fat"],
        _ => &[],
    };
    formats.extend(extra.iter().map(|format| format.to_string()));
    if matches!(arch, "arm64" | "x86_64") {
        formats.push("universal2".to_string());
    }
    if matches!(arch, "x86_64" | "i386" | "ppc64" | "ppc" | "intel") {
        formats.push("universal".to_string());
    }
    formats
}

/// macOS platform tags for a release and architecture, newest first.
pub(crate) fn mac_platforms(version: (u32, u32), arch: &str) -> Vec<String> {
    let mut platforms = Vec::new();
    let mut push_all = |major: u32, minor: u32| {
        for format in mac_binary_formats((major, minor), arch) {
            platforms.push(format!("macosx_{major}_{minor}_{format}"));
        }
    };
    if ((10, 0)..(11, 0)).contains(&version) {
        // Before macOS 11 every yearly release bumped the minor version.
        for minor in (0..=version.1).rev() {
            push_all(10, minor);
        }
    }
    if version >= (11, 0) {
        // From macOS 11 on, the major version counts the yearly releases.
        for major in (11..=version.0).rev() {
            push_all(major, 0);
        }
        if arch == "x86_64" {
            for minor in (4..=16).rev() {
                push_all(10, minor);
            }
        } else {
            // Only `universal2` binaries for arm64 can name a release before 11.
            for minor in (4..=16).rev() {
                platforms.push(format!("macosx_10_{minor}_universal2"));
            }
        }
    }
    platforms
}

/// Facts about a Linux interpreter that decide its platform tags.
#[derive(Clone, Debug, Default)]
pub(crate) struct LinuxFacts {
    /// `(major, minor)` of glibc, when the interpreter runs on glibc.
    pub glibc: Option<(u32, u32)>,
    /// `(major, minor)` of musl, when the interpreter is linked against musl.
    pub musl: Option<(u32, u32)>,
    /// The ELF header says 32-bit little-endian ARM with the hard-float ABI.
    pub armhf: bool,
    /// The ELF header says 32-bit little-endian x86.
    pub i686: bool,
}

/// Linux platform tags: manylinux (with legacy aliases), musllinux, then `linux_<arch>`.
pub(crate) fn linux_platforms(
    sysconfig_platform: &str,
    is_32bit: bool,
    facts: &LinuxFacts,
) -> Vec<String> {
    let mut linux = normalize_platform(sysconfig_platform);
    if !linux.starts_with("linux_") {
        return vec![linux];
    }
    if is_32bit {
        if linux == "linux_x86_64" {
            linux = "linux_i686".to_string();
        } else if linux == "linux_aarch64" {
            linux = "linux_armv8l".to_string();
        }
    }
    let arch = &linux["linux_".len()..];
    let archs: Vec<&str> = if arch == "armv8l" {
        vec!["armv8l", "armv7l"]
    } else {
        vec![arch]
    };
    let mut platforms = manylinux_platforms(&archs, facts);
    if let Some((major, minor)) = facts.musl {
        for arch in &archs {
            for minor in (0..=minor).rev() {
                platforms.push(format!("musllinux_{major}_{minor}_{arch}"));
            }
        }
    }
    platforms.extend(archs.iter().map(|arch| format!("linux_{arch}")));
    platforms
}

/// PEP 600 tags from the running glibc down to the oldest one the architecture knows.
fn manylinux_platforms(archs: &[&str], facts: &LinuxFacts) -> Vec<String> {
    let Some(current) = facts.glibc else {
        return Vec::new();
    };
    let compatible_abi = if archs.contains(&"armv7l") {
        facts.armhf
    } else if archs.contains(&"i686") {
        facts.i686
    } else {
        archs.iter().any(|arch| {
            matches!(
                *arch,
                "x86_64" | "aarch64" | "ppc64" | "ppc64le" | "s390x" | "loongarch64" | "riscv64"
            )
        })
    };
    if !compatible_abi {
        return Vec::new();
    }
    // glibc 2.17 is the oldest manylinux baseline, except 2.5 on x86.
    let too_old = if archs.iter().any(|arch| matches!(*arch, "x86_64" | "i686")) {
        (2, 4)
    } else {
        (2, 16)
    };
    // Compatibility holds across glibc major versions; assume 50 minors for a past major.
    let mut maxima = vec![current];
    for major in (2..current.0).rev() {
        maxima.push((major, 50));
    }
    let mut platforms = Vec::new();
    for arch in archs {
        for &(major, max_minor) in &maxima {
            let lowest = if major == too_old.0 { too_old.1 + 1 } else { 0 };
            for minor in (lowest..=max_minor).rev() {
                platforms.push(format!("manylinux_{major}_{minor}_{arch}"));
                if let Some(legacy) = legacy_manylinux((major, minor)) {
                    platforms.push(format!("{legacy}_{arch}"));
                }
            }
        }
    }
    platforms
}

/// The pre-PEP 600 names of three glibc baselines (PEP 513, 571, 599).
fn legacy_manylinux(glibc: (u32, u32)) -> Option<&'static str> {
    match glibc {
        (2, 17) => Some("manylinux2014"),
        (2, 12) => Some("manylinux2010"),
        (2, 5) => Some("manylinux1"),
        _ => None,
    }
}

/// pip's expansion of `--platform` values: a macOS tag grows to every older
/// compatible release and format, `manylinux2014`/`manylinux2010` gain the
/// older legacy tags; duplicates are dropped, first occurrence wins.
pub(crate) fn expand_custom_platforms(platforms: &[String]) -> Vec<String> {
    let mut result: Vec<String> = Vec::new();
    for platform in platforms {
        if result.contains(platform) {
            continue;
        }
        for candidate in custom_platform(platform) {
            if !result.contains(&candidate) {
                result.push(candidate);
            }
        }
    }
    result
}

fn custom_platform(platform: &str) -> Vec<String> {
    let (prefix, suffix) = platform.split_once('_').unwrap_or((platform, ""));
    if platform.starts_with("macosx") {
        return custom_mac_platforms(platform);
    }
    let mut result = vec![platform.to_string()];
    match prefix {
        "manylinux2014" if matches!(suffix, "i686" | "x86_64") => {
            result.push(format!("manylinux2010_{suffix}"));
            result.push(format!("manylinux1_{suffix}"));
        }
        "manylinux2010" => result.push(format!("manylinux1_{suffix}")),
        _ => {}
    }
    result
}

/// pip matches `(.+)_(\d+)_(\d+)_(.+)` greedily and keeps the user's prefix.
fn custom_mac_platforms(platform: &str) -> Vec<String> {
    let parts: Vec<&str> = platform.split('_').collect();
    let is_number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let split = (1..parts.len().saturating_sub(2)).rev().find(|&index| {
        is_number(parts[index]) && is_number(parts[index + 1]) && index + 2 < parts.len()
    });
    let parsed = split.and_then(|index| {
        let major = parts[index].parse::<u32>().ok()?;
        let minor = parts[index + 1].parse::<u32>().ok()?;
        Some((
            parts[..index].join("_"),
            major,
            minor,
            parts[index + 2..].join("_"),
        ))
    });
    let Some((name, major, minor, arch)) = parsed else {
        return vec![platform.to_string()];
    };
    mac_platforms((major, minor), &arch)
        .into_iter()
        .map(|tag| format!("{name}_{}", &tag["macosx_".len()..]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_tag_sets_expand() {
        let tags = Tag::parse_compressed("py2.py3-none-any").unwrap();
        let names: Vec<String> = tags.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["py2-none-any", "py3-none-any"]);
        assert!(Tag::parse_compressed("py3-none").is_err());
        assert!(Tag::parse_compressed("py3-none-any-x").is_err());
        assert!("py3..-none-any".parse::<Tag>().is_err());
    }

    #[test]
    fn priority_prefers_earlier_tags() {
        let tags = Tags::new(vec![
            Tag::new("cp311", "cp311", "linux_x86_64"),
            Tag::new("cp311", "abi3", "linux_x86_64"),
            Tag::new("py3", "none", "any"),
            Tag::new("cp311", "cp311", "linux_x86_64"),
        ]);
        let best = "cp311-cp311-linux_x86_64".parse::<Tag>().unwrap();
        assert_eq!(tags.priority(&best), Some(0));
        assert_eq!(tags.priority(&Tag::new("py3", "none", "any")), Some(2));
        assert_eq!(tags.priority(&Tag::new("py2", "none", "any")), None);
        assert_eq!(tags.wheel_priority("py2.py3-none-any").unwrap(), Some(2));
        assert_eq!(
            tags.wheel_priority("cp311-abi3.cp311-linux_x86_64")
                .unwrap(),
            Some(0)
        );
        assert_eq!(tags.wheel_priority("py2-none-any").unwrap(), None);
        assert_eq!(
            tags.to_string().lines().next(),
            Some("cp311-cp311-linux_x86_64")
        );
    }

    #[test]
    fn debug_and_old_abis() {
        let release = CpythonAbiFacts {
            pymalloc: true,
            ..Default::default()
        };
        assert_eq!(cpython_abis(&[3, 11], &release), ["cp311"]);
        assert_eq!(cpython_abis(&[3, 7], &release), ["cp37m"]);
        let debug = CpythonAbiFacts {
            debug: true,
            pymalloc: true,
            ..Default::default()
        };
        assert_eq!(cpython_abis(&[3, 11], &debug), ["cp311d", "cp311"]);
        let free = CpythonAbiFacts {
            gil_disabled: true,
            ..Default::default()
        };
        assert_eq!(cpython_abis(&[3, 13], &free), ["cp313t"]);
        let tags = cpython_tags(
            &[3, 13],
            &cpython_abis(&[3, 13], &free),
            &["linux_x86_64".into()],
            true,
        );
        assert!(tags.iter().all(|tag| tag.abi != "abi3"));
    }

    #[test]
    fn manylinux_includes_legacy_aliases_in_place() {
        let facts = LinuxFacts {
            glibc: Some((2, 17)),
            ..Default::default()
        };
        let platforms = linux_platforms("linux-x86_64", false, &facts);
        assert_eq!(platforms[0], "manylinux_2_17_x86_64");
        assert_eq!(platforms[1], "manylinux2014_x86_64");
        assert!(platforms.contains(&"manylinux1_x86_64".to_string()));
        assert_eq!(platforms.last().map(String::as_str), Some("linux_x86_64"));
        let arm = linux_platforms(
            "linux-aarch64",
            false,
            &LinuxFacts {
                glibc: Some((2, 28)),
                ..Default::default()
            },
        );
        assert_eq!(
            arm.iter()
                .rfind(|p| p.starts_with("manylinux_2_"))
                .map(String::as_str),
            Some("manylinux_2_17_aarch64")
        );
        let musl = linux_platforms(
            "linux-x86_64",
            false,
            &LinuxFacts {
                musl: Some((1, 2)),
                ..Default::default()
            },
        );
        assert_eq!(
            musl,
            [
                "musllinux_1_2_x86_64",
                "musllinux_1_1_x86_64",
                "musllinux_1_0_x86_64",
                "linux_x86_64"
            ]
        );
    }

    #[test]
    fn mac_platforms_expand() {
        let arm = mac_platforms((11, 0), "arm64");
        assert_eq!(
            arm[..2],
            [
                "macosx_11_0_arm64".to_string(),
                "macosx_11_0_universal2".to_string()
            ]
        );
        assert_eq!(
            arm.last().map(String::as_str),
            Some("macosx_10_4_universal2")
        );
        let intel = mac_platforms((10, 9), "x86_64");
        assert_eq!(intel[0], "macosx_10_9_x86_64");
        assert!(intel.contains(&"macosx_10_4_fat32".to_string()));
        assert!(custom_mac_platforms("macosx_9_0_x86_64").is_empty());
    }
}
