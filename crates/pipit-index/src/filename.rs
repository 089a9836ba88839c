//! Project names (PEP 503 normalization) and distribution file names
//! (PEP 427 wheels, sdists with pip's archive extensions).

/// PEP 503: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
pub fn normalize_name(name: &str) -> String {
    normalized_chars(name).collect()
}

/// Whether `name` normalizes (PEP 503) to `normalized`, without a copy:
/// pages compare thousands of file names with their project's.
pub(crate) fn normalizes_to(name: &str, normalized: &str) -> bool {
    normalized_chars(name).eq(normalized.chars())
}

/// The characters of `name`'s PEP 503 normal form.
fn normalized_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    let is_separator = |c: char| matches!(c, '-' | '_' | '.');
    let mut in_separator_run = false;
    name.chars()
        .filter(move |&c| {
            let separator = is_separator(c);
            let first_of_run = !(separator && in_separator_run);
            in_separator_run = separator;
            first_of_run
        })
        .flat_map(move |c| {
            let kept = if is_separator(c) { '-' } else { c };
            kept.to_lowercase()
        })
}

/// A wheel file name, split per PEP 427:
/// `{name}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl`.
/// Compressed tag sets (`py2.py3`) are expanded into their parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFilename {
    /// As written in the file name (escaped: `_` for `-`); compare with
    /// [`normalize_name`].
    pub name: String,
    pub version: String,
    /// PEP 427: starts with a digit; ordered by its leading number, then the rest.
    pub build_tag: Option<String>,
    pub python_tags: Vec<String>,
    pub abi_tags: Vec<String>,
    pub platform_tags: Vec<String>,
}

/// The file name as written (tags in their given order, `.whl` lowercase).
impl std::fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.name, self.version)?;
        if let Some(build) = &self.build_tag {
            write!(f, "-{build}")?;
        }
        write!(
            f,
            "-{}-{}-{}.whl",
            self.python_tags.join("."),
            self.abi_tags.join("."),
            self.platform_tags.join(".")
        )
    }
}

impl WheelFilename {
    /// Split a wheel file name; `None` if it is not one.
    pub fn parse(filename: &str) -> Option<Self> {
        let parts = WheelParts::split(filename)?;
        let split = |tag: &str| tag.split('.').map(str::to_string).collect::<Vec<_>>();
        Some(Self {
            name: parts.name.to_string(),
            version: parts.version.to_string(),
            build_tag: parts.build_tag.map(str::to_string),
            python_tags: split(parts.tags[0]),
            abi_tags: split(parts.tags[1]),
            platform_tags: split(parts.tags[2]),
        })
    }
}

/// A wheel file name's parts, borrowed: [`WheelFilename::parse`]'s checks
/// without its copies, for the many names a page lists.
struct WheelParts<'a> {
    name: &'a str,
    version: &'a str,
    build_tag: Option<&'a str>,
    /// Python, ABI and platform tags, each maybe compressed (`py2.py3`).
    tags: [&'a str; 3],
}

impl<'a> WheelParts<'a> {
    fn split(filename: &'a str) -> Option<Self> {
        let stem = strip_suffix_ignore_case(filename, ".whl")?;
        let mut parts = [""; 6];
        let mut count = 0;
        for part in stem.split('-') {
            *parts.get_mut(count)? = part;
            count += 1;
        }
        let (name, version, build_tag, tags) = match (count, parts) {
            (5, [name, version, python, abi, platform, _]) => {
                (name, version, None, [python, abi, platform])
            }
            (6, [name, version, build, python, abi, platform]) => {
                if !build.starts_with(|c: char| c.is_ascii_digit()) {
                    return None;
                }
                (name, version, Some(build), [python, abi, platform])
            }
            _ => return None,
        };
        if name.is_empty() || version.is_empty() || tags.iter().any(|tag| tag.is_empty()) {
            return None;
        }
        Some(Self {
            name,
            version,
            build_tag,
            tags,
        })
    }
}

/// The archive format of an sdist, from pip's list of archive extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdistFormat {
    /// `.tar.gz` / `.tgz` (PEP 625's only format).
    TarGz,
    Zip,
    /// Legacy formats pip still accepts.
    TarBz2,
    /// `.tar.xz` and the other names pip lists as xz (`.tlz`, `.tar.lz`, `.tar.lzma`).
    TarXz,
    Tar,
}

const SDIST_EXTENSIONS: &[(&str, SdistFormat)] = &[
    (".tar.gz", SdistFormat::TarGz),
    (".tgz", SdistFormat::TarGz),
    (".zip", SdistFormat::Zip),
    (".tar.bz2", SdistFormat::TarBz2),
    (".tbz", SdistFormat::TarBz2),
    (".tar.xz", SdistFormat::TarXz),
    (".txz", SdistFormat::TarXz),
    (".tlz", SdistFormat::TarXz),
    (".tar.lz", SdistFormat::TarXz),
    (".tar.lzma", SdistFormat::TarXz),
    (".tar", SdistFormat::Tar),
];

/// An sdist file name: `{name}-{version}{extension}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdistFilename {
    /// As written in the file name.
    pub name: String,
    pub version: String,
    pub format: SdistFormat,
}

impl SdistFilename {
    /// Split an sdist file name for `project`. Names may contain dashes
    /// (`foo-bar-1.0.tar.gz`), so the split is at the dash whose prefix
    /// normalizes to the project's name, as pip does; `None` if no prefix
    /// matches, the version is empty, or the extension is not an archive.
    pub fn parse(filename: &str, project: &str) -> Option<Self> {
        let (stem, format) = sdist_stem(filename)?;
        let (name, version) = split_sdist_stem(stem, &normalize_name(project))?;
        Some(Self {
            name: name.to_string(),
            version: version.to_string(),
            format,
        })
    }
}

/// An sdist's stem split into name and version at the first dash whose
/// prefix normalizes to `project` (normalized); `None` without a version.
fn split_sdist_stem<'a>(stem: &'a str, project: &str) -> Option<(&'a str, &'a str)> {
    let (index, _) = stem
        .match_indices('-')
        .find(|(index, _)| normalizes_to(&stem[..*index], project))?;
    let version = &stem[index + 1..];
    (!version.is_empty()).then_some((&stem[..index], version))
}

/// A file an index offers, by its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistFilename {
    Wheel(WheelFilename),
    Sdist(SdistFilename),
}

impl DistFilename {
    /// Classify a file of `project`'s page: a wheel or an sdist whose name is
    /// the project's; `None` for anything else (other projects' files,
    /// signatures, eggs, `.exe` installers), which index pages ignore.
    pub fn parse(filename: &str, project: &str) -> Option<Self> {
        if let Some(wheel) = WheelFilename::parse(filename) {
            return (normalize_name(&wheel.name) == normalize_name(project))
                .then_some(Self::Wheel(wheel));
        }
        SdistFilename::parse(filename, project).map(Self::Sdist)
    }

    /// The version of one of `project`'s (normalized) distributions, as
    /// [`DistFilename::parse`] would find it, without copying anything.
    pub(crate) fn version_of<'a>(filename: &'a str, project: &str) -> Option<&'a str> {
        if let Some(wheel) = WheelParts::split(filename) {
            return normalizes_to(wheel.name, project).then_some(wheel.version);
        }
        let (stem, _) = sdist_stem(filename)?;
        split_sdist_stem(stem, project).map(|(_, version)| version)
    }

    pub fn version(&self) -> &str {
        match self {
            Self::Wheel(wheel) => &wheel.version,
            Self::Sdist(sdist) => &sdist.version,
        }
    }
}

/// Whether a file name looks like a distribution at all (a wheel or an
/// archive), without knowing the project.
pub(crate) fn is_distribution(filename: &str) -> bool {
    WheelParts::split(filename).is_some() || sdist_stem(filename).is_some()
}

fn sdist_stem(filename: &str) -> Option<(&str, SdistFormat)> {
    SDIST_EXTENSIONS.iter().find_map(|(extension, format)| {
        strip_suffix_ignore_case(filename, extension)
            .filter(|stem| !stem.is_empty())
            .map(|stem| (stem, *format))
    })
}

/// `text` without `suffix`, compared ASCII-case-insensitively.
pub(crate) fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    if !text.is_char_boundary(split) || !text[split..].eq_ignore_ascii_case(suffix) {
        return None;
    }
    Some(&text[..split])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names_per_pep_503() {
        assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize_name("FRIENDLY._-BARD"), "friendly-bard");
        assert_eq!(normalize_name("friendly.bard"), "friendly-bard");
        assert_eq!(normalize_name("Friendly__Bard"), "friendly-bard");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("-A-"), "-a-");
        assert_eq!(normalize_name("İx"), "i\u{307}x", "lowercase may be longer");
        assert!(normalizes_to("Zope._Interface", "zope-interface"));
        assert!(normalizes_to("İx", "i\u{307}x"));
        assert!(!normalizes_to("zope", "zope-interface"));
        assert!(!normalizes_to("zope-interfaces", "zope-interface"));
    }

    #[test]
    fn parses_wheels() {
        let wheel = WheelFilename::parse("foo_bar-1.0-py2.py3-none-any.whl").unwrap();
        assert_eq!(wheel.name, "foo_bar");
        assert_eq!(wheel.version, "1.0");
        assert_eq!(wheel.build_tag, None);
        assert_eq!(wheel.python_tags, ["py2", "py3"]);
        assert_eq!(wheel.abi_tags, ["none"]);
        assert_eq!(wheel.platform_tags, ["any"]);

        let built = WheelFilename::parse(
            "numpyish-2.1.0-1build-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        )
        .unwrap();
        assert_eq!(built.build_tag.as_deref(), Some("1build"));
        assert_eq!(built.python_tags, ["cp312"]);
        assert_eq!(
            built.platform_tags,
            ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]
        );

        assert_eq!(WheelFilename::parse("foo-1.0-x-py3-none-any.whl"), None);
        assert_eq!(WheelFilename::parse("foo-1.0-py3-none.whl"), None);
        assert_eq!(WheelFilename::parse("foo-1.0-1-2-py3-none-any.whl"), None);
        assert_eq!(WheelFilename::parse("foo-1.0--none-any.whl"), None);
        assert_eq!(WheelFilename::parse("foo-1.0.tar.gz"), None);
    }

    #[test]
    fn parses_sdists_with_dashes_in_names() {
        assert_eq!(
            SdistFilename::parse("foo-bar-baz-1.0.post1.tar.gz", "Foo_Bar.baz"),
            Some(SdistFilename {
                name: "foo-bar-baz".to_string(),
                version: "1.0.post1".to_string(),
                format: SdistFormat::TarGz,
            })
        );
        assert_eq!(
            SdistFilename::parse("foo_bar-2.0.zip", "foo-bar")
                .map(|s| (s.name, s.version, s.format)),
            Some(("foo_bar".to_string(), "2.0".to_string(), SdistFormat::Zip))
        );
        assert_eq!(
            SdistFilename::parse("Legacy-0.9.TAR.BZ2", "legacy").map(|s| s.format),
            Some(SdistFormat::TarBz2)
        );
        assert_eq!(
            SdistFilename::parse("foo-bar-1.0.tar.gz", "foo").map(|s| s.version),
            Some("bar-1.0".to_string())
        );
        assert_eq!(SdistFilename::parse("other-1.0.tar.gz", "foo"), None);
        assert_eq!(SdistFilename::parse("foo-.tar.gz", "foo"), None);
    }

    #[test]
    fn classifies_files_of_a_project() {
        assert!(matches!(
            DistFilename::parse("Foo.Bar-1.0-1-py3-none-any.whl", "foo-bar"),
            Some(DistFilename::Wheel(WheelFilename { ref build_tag, .. })) if build_tag.as_deref() == Some("1")
        ));
        assert_eq!(
            DistFilename::parse("foo_bar-3.0.tar.gz", "foo-bar").map(|d| d.version().to_string()),
            Some("3.0".to_string())
        );
        assert_eq!(
            DistFilename::parse("other-1.0-py3-none-any.whl", "foo-bar"),
            None
        );
        assert_eq!(
            DistFilename::parse("foo_bar-1.0.tar.gz.asc", "foo-bar"),
            None
        );
        assert_eq!(
            DistFilename::parse("foo_bar-1.0-py3.6.egg", "foo-bar"),
            None
        );
        for (filename, project) in [
            ("Foo.Bar-1.0-1-py3-none-any.whl", "foo-bar"),
            ("foo_bar-3.0.tar.gz", "foo-bar"),
            ("Foo__Bar-3.0.TGZ", "foo-bar"),
            ("foo-bar-1.0.tar.gz", "foo"),
            ("other-1.0-py3-none-any.whl", "foo-bar"),
            ("foo_bar-1.0-py3.6.egg", "foo-bar"),
            ("foo_bar-.tar.gz", "foo-bar"),
            ("foo_bar-1.0-x-py3-none-any.whl", "foo-bar"),
            ("foo_bar-1.0-1-2-py3-none-any.whl", "foo-bar"),
        ] {
            assert_eq!(
                DistFilename::version_of(filename, project),
                DistFilename::parse(filename, project)
                    .map(|d| d.version().to_string())
                    .as_deref(),
                "{filename}"
            );
        }
        assert!(is_distribution("anything-1.0.zip"));
        assert!(!is_distribution("index.html"));
    }
}
