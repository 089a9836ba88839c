//! The requirement part of a line: PEP 508 text, a wheel file, or another
//! bare path or URL (sdist, directory, VCS), told apart the way pip does.

use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement, VerbatimUrl};

use super::RequirementKind;
use crate::text::{condense, is_url, is_vcs_url, percent_decode};

/// Archive suffixes pip recognises as installable files.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".whl",
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
];

/// Hash algorithms pip accepts for `--hash`, with their hex digest lengths.
const HASH_ALGORITHMS: &[(&str, usize)] = &[("sha256", 64), ("sha384", 96), ("sha512", 128)];

/// Parses the requirement text of a line; `Err` is a one-line message.
pub(crate) fn parse_requirement(text: &str) -> Result<RequirementKind, String> {
    if is_url(text) {
        // pip: a URL may contain `;`, so its marker separator is `; `.
        let (target, markers) = split_markers(text, "; ")?;
        return bare(target, markers);
    }
    if is_bare_path_or_url(text) {
        let (target, _) = text.split_once(';').unwrap_or((text, ""));
        let (path, _) = pep508_rs::split_extras(target.trim()).unwrap_or((target.trim(), ""));
        if looks_like_path(path) || is_archive(path) {
            let (target, markers) = split_markers(text, ";")?;
            return bare(target, markers);
        }
    }
    Requirement::<VerbatimUrl>::from_str(text)
        .map(RequirementKind::Named)
        .map_err(|err| {
            let message = condense(&err.message.to_string());
            // pep508_rs only takes URLs after `@`; say how to write a local file.
            let hint = if message.to_ascii_lowercase().starts_with("not a url") {
                "; write the path alone or as `name @ file:///absolute/path`"
            } else {
                ""
            };
            format!("invalid requirement: {message}{hint}")
        })
}

/// Whether `text` may be a bare path or URL rather than PEP 508: a URL, or
/// text whose part before any `@` looks like a path (`name @ ./x.whl` and
/// `foo@https://…` are PEP 508 `name @ url`).
pub(crate) fn is_bare_path_or_url(text: &str) -> bool {
    is_url(text)
        || text
            .split_once('@')
            .is_none_or(|(before, _)| looks_like_path(before))
}

/// A bare path or URL, with its markers already split off.
fn bare(target: &str, markers: Option<MarkerTree>) -> Result<RequirementKind, String> {
    let (path_or_url, extras) = match pep508_rs::split_extras(target) {
        Some((path, extras)) if !is_url(target) => (path, parse_extras(extras)?),
        _ => (target, Vec::new()),
    };
    let file_name = file_name(path_or_url);
    if file_name.to_ascii_lowercase().ends_with(".whl") {
        let (name, version) = parse_wheel_name(&file_name)?;
        return Ok(RequirementKind::WheelFile {
            path_or_url: path_or_url.to_string(),
            name,
            version,
            extras,
            markers,
        });
    }
    Ok(RequirementKind::Source {
        text: target.to_string(),
        markers,
    })
}

/// `text` split at the first `separator` into the target and its markers.
fn split_markers<'a>(
    text: &'a str,
    separator: &str,
) -> Result<(&'a str, Option<MarkerTree>), String> {
    let Some((target, markers)) = text.split_once(separator) else {
        return Ok((text.trim(), None));
    };
    let markers = MarkerTree::from_str(markers.trim())
        .map_err(|err| format!("invalid marker: {}", condense(&err.message.to_string())))?;
    Ok((target.trim(), Some(markers)))
}

fn parse_extras(text: &str) -> Result<Vec<ExtraName>, String> {
    let inner = text
        .strip_prefix('[')
        .and_then(|text| text.strip_suffix(']'))
        .unwrap_or(text);
    inner
        .split(',')
        .map(str::trim)
        .filter(|extra| !extra.is_empty())
        .map(|extra| {
            ExtraName::from_str(extra).map_err(|err| format!("invalid extra `{extra}`: {err}"))
        })
        .collect()
}

/// The last path segment, without query or fragment, percent-decoded.
pub(crate) fn file_name(path_or_url: &str) -> String {
    let end = path_or_url.find(['?', '#']).unwrap_or(path_or_url.len());
    let path = &path_or_url[..end];
    let last = path.rsplit(['/', '\\']).next().unwrap_or(path);
    percent_decode(last)
}

/// PEP 427: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, the
/// name escaped with `_` for `-`; returns the normalized name and the version.
pub(crate) fn parse_wheel_name(file_name: &str) -> Result<(String, Version), String> {
    let invalid = |why: &str| format!("invalid wheel file name `{file_name}`: {why}");
    let stem = &file_name[..file_name.len() - ".whl".len()];
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() != 5 && parts.len() != 6 {
        return Err(invalid(
            "expected `name-version(-build)?-python-abi-platform.whl`",
        ));
    }
    if parts.len() == 6 && !parts[2].starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid("the build tag must start with a digit"));
    }
    if parts[parts.len() - 3..].iter().any(|tag| tag.is_empty()) {
        return Err(invalid("empty compatibility tag"));
    }
    let name =
        PackageName::from_str(parts[0]).map_err(|err| invalid(&condense(&err.to_string())))?;
    let version =
        Version::from_str(parts[1]).map_err(|err| invalid(&condense(&err.to_string())))?;
    Ok((name.to_string(), version))
}

/// Validates `--hash` values: `algorithm:hexdigest`; the algorithm must be
/// lowercase (as pip requires), the digest is lowercased.
pub(crate) fn parse_hash(value: &str) -> Result<String, String> {
    let allowed = || {
        HASH_ALGORITHMS
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((algorithm, digest)) = value.split_once(':') else {
        return Err(format!(
            "invalid hash: expected `algorithm:hexdigest`, like `--hash=sha256:…` (allowed algorithms: {})",
            allowed()
        ));
    };
    // pip compares the name as written (`algo not in STRONG_HASHES`).
    if algorithm != algorithm.to_ascii_lowercase()
        && HASH_ALGORITHMS
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(algorithm))
    {
        return Err(format!(
            "invalid hash: hash algorithm names are lowercase, write `{}` instead of `{algorithm}` (as pip requires)",
            algorithm.to_ascii_lowercase()
        ));
    }
    let Some((_, length)) = HASH_ALGORITHMS.iter().find(|(name, _)| *name == algorithm) else {
        return Err(format!(
            "invalid hash: unsupported algorithm `{algorithm}` (allowed: {})",
            allowed()
        ));
    };
    if digest.len() != *length || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "invalid hash: a {algorithm} digest is {length} hexadecimal characters"
        ));
    }
    Ok(format!("{algorithm}:{}", digest.to_ascii_lowercase()))
}

/// pip's test for `-e`: a local project (a path, or an existing folder) or a
/// VCS URL; `file:` URLs are local projects too.
pub(crate) fn is_editable_target(target: &str) -> bool {
    let (path, _) = pep508_rs::split_extras(target).unwrap_or((target, ""));
    let lower = path.to_ascii_lowercase();
    is_vcs_url(path)
        || lower.starts_with("file:")
        || (!lower.contains("://") && looks_like_path(path))
        || std::path::Path::new(path).is_dir()
}

/// pip's `_looks_like_path`: a path separator, or a leading `.`.
fn looks_like_path(text: &str) -> bool {
    let text = text.trim();
    text.contains('/') || text.contains('\\') || text.starts_with('.')
}

fn is_archive(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ARCHIVE_SUFFIXES
        .iter()
        .any(|suffix| lower.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wheel(text: &str) -> (String, String, String, Vec<String>, Option<String>) {
        match parse_requirement(text).unwrap() {
            RequirementKind::WheelFile {
                path_or_url,
                name,
                version,
                extras,
                markers,
            } => (
                path_or_url,
                name,
                version.to_string(),
                extras.iter().map(ToString::to_string).collect(),
                markers.and_then(|m| m.try_to_string()),
            ),
            other => panic!("not a wheel: {other:?}"),
        }
    }

    fn source(text: &str) -> (String, Option<String>) {
        match parse_requirement(text).unwrap() {
            RequirementKind::Source { text, markers } => {
                (text, markers.and_then(|m| m.try_to_string()))
            }
            other => panic!("not a source: {other:?}"),
        }
    }

    #[test]
    fn named_requirements_go_to_pep508() {
        let RequirementKind::Named(req) =
            parse_requirement("Requests[socks,security] >=2.8, <3 ; python_version >= '3.8'")
                .unwrap()
        else {
            panic!("not named")
        };
        assert_eq!(req.name.to_string(), "requests");
        assert_eq!(
            req.extras
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["socks", "security"]
        );
        assert_eq!(req.version_or_url.unwrap().to_string(), ">=2.8, <3");
        assert_eq!(
            req.marker.try_to_string().unwrap(),
            "python_full_version >= '3.8'"
        );
    }

    #[test]
    fn name_at_url_is_pep508() {
        let RequirementKind::Named(req) =
            parse_requirement("demo @ file:///opt/wheels/demo-1.0-py3-none-any.whl").unwrap()
        else {
            panic!("not named")
        };
        assert_eq!(req.name.to_string(), "demo");
        assert_eq!(
            req.version_or_url.unwrap().to_string(),
            "file:///opt/wheels/demo-1.0-py3-none-any.whl"
        );
    }

    #[test]
    fn invalid_pep508_is_one_line() {
        let message = parse_requirement("numpy==").unwrap_err();
        assert!(message.starts_with("invalid requirement: "), "{message}");
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("version"), "{message}");
    }

    #[test]
    fn local_wheel_with_build_tag_and_escaped_name() {
        assert_eq!(
            wheel("./wheels/my_pkg.name-2.0.1-1b-py3-none-any.whl"),
            (
                "./wheels/my_pkg.name-2.0.1-1b-py3-none-any.whl".to_string(),
                "my-pkg-name".to_string(),
                "2.0.1".to_string(),
                vec![],
                None
            )
        );
    }

    #[test]
    fn wheel_with_markers_and_extras() {
        assert_eq!(
            wheel("wheels/foo-1.0-py3-none-any.whl[cli] ; sys_platform == 'linux'"),
            (
                "wheels/foo-1.0-py3-none-any.whl".to_string(),
                "foo".to_string(),
                "1.0".to_string(),
                vec!["cli".to_string()],
                Some("sys_platform == 'linux'".to_string())
            )
        );
    }

    #[test]
    fn remote_wheel_with_fragment_and_encoded_local_version() {
        let (url, name, version, _, markers) = wheel(
            "https://files.example/p/Foo_Bar-1.0%2Bcpu-cp312-cp312-manylinux_2_17_x86_64.whl#sha256=00; python_version > '3.8'",
        );
        assert_eq!(
            url,
            "https://files.example/p/Foo_Bar-1.0%2Bcpu-cp312-cp312-manylinux_2_17_x86_64.whl#sha256=00"
        );
        assert_eq!(name, "foo-bar");
        assert_eq!(version, "1.0+cpu");
        assert_eq!(markers.unwrap(), "python_full_version >= '3.9'");
    }

    #[test]
    fn bad_wheel_names_are_errors() {
        let message = parse_requirement("./foo-1.0.whl").unwrap_err();
        assert!(
            message.contains("invalid wheel file name `foo-1.0.whl`"),
            "{message}"
        );
        let message = parse_requirement("./foo-1.0-x-py3-none-any.whl").unwrap_err();
        assert!(message.contains("build tag"), "{message}");
        let message = parse_requirement("./foo-one-py3-none-any.whl").unwrap_err();
        assert!(message.contains("invalid wheel file name"), "{message}");
    }

    #[test]
    fn other_paths_and_urls_are_sources() {
        assert_eq!(source("./src/pkg"), ("./src/pkg".to_string(), None));
        assert_eq!(source(".[dev]"), (".[dev]".to_string(), None));
        assert_eq!(
            source("foo-1.0.tar.gz; os_name == 'posix'"),
            (
                "foo-1.0.tar.gz".to_string(),
                Some("os_name == 'posix'".to_string())
            )
        );
        assert_eq!(
            source("git+https://git.example/org/repo.git@v1.0#egg=repo"),
            (
                "git+https://git.example/org/repo.git@v1.0#egg=repo".to_string(),
                None
            )
        );
        // A URL's marker separator is `; `, since URLs may contain `;`.
        assert_eq!(
            source("https://files.example/a;b/foo-1.0.zip"),
            ("https://files.example/a;b/foo-1.0.zip".to_string(), None)
        );
    }

    #[test]
    fn hashes_are_validated_and_lowercased() {
        let digest = "AB".repeat(32);
        assert_eq!(
            parse_hash(&format!("sha256:{digest}")).unwrap(),
            format!("sha256:{}", "ab".repeat(32))
        );
        assert_eq!(
            parse_hash(&format!("sha512:{}", "0".repeat(128))).unwrap(),
            format!("sha512:{}", "0".repeat(128))
        );
        assert!(parse_hash(&format!("md5:{}", "0".repeat(32)))
            .unwrap_err()
            .contains("unsupported algorithm `md5`"));
        assert!(parse_hash("sha256:abc")
            .unwrap_err()
            .contains("64 hexadecimal"));
        assert!(parse_hash(&format!("sha256:{}", "g".repeat(64)))
            .unwrap_err()
            .contains("64 hexadecimal"));
        assert!(parse_hash("deadbeef")
            .unwrap_err()
            .contains("algorithm:hexdigest"));
    }

    #[test]
    fn uppercase_hash_algorithm_is_rejected_like_pip() {
        let message = parse_hash(&format!("SHA256:{}", "a".repeat(64))).unwrap_err();
        assert!(
            message.contains("hash algorithm names are lowercase, write `sha256`"),
            "{message}"
        );
        assert!(parse_hash(&format!("Sha512:{}", "0".repeat(128))).is_err());
    }

    #[test]
    fn editable_targets() {
        assert!(is_editable_target("."));
        assert!(is_editable_target("./src/pkg[dev]"));
        assert!(is_editable_target("git+https://git.example/r.git#egg=r"));
        assert!(is_editable_target("file:///opt/src/pkg"));
        assert!(!is_editable_target("requests==2.0"));
        assert!(!is_editable_target("https://files.example/pkg.zip"));
    }
}
