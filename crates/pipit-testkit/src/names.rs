//! Name, version and tag spelling in wheel file names (PEP 427, PEP 491,
//! and the binary distribution format spec).

use crate::Error;

/// The distribution name as it appears in a wheel file name and in the
/// `.dist-info`/`.data` directory names: lowercase, every run of `-`, `_`
/// and `.` replaced by one `_` (PEP 503 normalization, then `-` → `_`).
///
/// `Foo.Bar-Baz` → `foo_bar_baz`.
pub fn escape_name(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                escaped.push('_');
            }
            in_separator_run = true;
        } else {
            escaped.extend(character.to_lowercase());
            in_separator_run = false;
        }
    }
    escaped
}

/// The version as it appears in a wheel file name: `-` becomes `_`.
///
/// The version is otherwise used as given (not PEP 440 normalized), so a test
/// can write an unnormalized version on purpose.
pub fn escape_version(version: &str) -> String {
    version.replace('-', "_")
}

/// PEP 508 names: ASCII letters and digits, with `-_.` inside.
pub(crate) fn validate_name(name: &str) -> Result<(), Error> {
    let bytes = name.as_bytes();
    let valid = !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidName(name.to_string()))
    }
}

pub(crate) fn validate_version(version: &str) -> Result<(), Error> {
    let valid = !version.is_empty()
        && version
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "._-+!".contains(character));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidVersion(version.to_string()))
    }
}

pub(crate) fn validate_build_tag(build_tag: &str) -> Result<(), Error> {
    let valid = build_tag.starts_with(|character: char| character.is_ascii_digit())
        && build_tag
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidBuildTag(build_tag.to_string()))
    }
}

/// Expands a compressed tag set into single tags, in the order the parts are
/// written: `py2.py3-none-any` → `["py2-none-any", "py3-none-any"]`.
pub fn expand_tag(tag: &str) -> Result<Vec<String>, Error> {
    let parts: Vec<&str> = tag.split('-').collect();
    let well_formed = parts.len() == 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part.split('.').all(|piece| {
                    !piece.is_empty()
                        && piece
                            .chars()
                            .all(|character| character.is_ascii_alphanumeric() || character == '_')
                })
        });
    if !well_formed {
        return Err(Error::InvalidTag(tag.to_string()));
    }
    let mut tags = Vec::new();
    for python in parts[0].split('.') {
        for abi in parts[1].split('.') {
            for platform in parts[2].split('.') {
                tags.push(format!("{python}-{abi}-{platform}"));
            }
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_names_per_pep_491() {
        assert_eq!(escape_name("Foo.Bar-Baz"), "foo_bar_baz");
        assert_eq!(escape_name("demo-app"), "demo_app");
        assert_eq!(escape_name("a__-._b"), "a_b");
        assert_eq!(escape_name("Django"), "django");
    }

    #[test]
    fn validates_names() {
        assert!(validate_name("Foo.Bar-Baz").is_ok());
        assert!(validate_name("x").is_ok());
        assert!(validate_name("-x").is_err());
        assert!(validate_name("x y").is_err());
        assert!(validate_name("").is_err());
    }

    #[test]
    fn expands_compressed_tag_sets() {
        assert_eq!(
            expand_tag("py2.py3-none-any").unwrap(),
            ["py2-none-any", "py3-none-any"]
        );
        assert_eq!(
            expand_tag("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64").unwrap(),
            [
                "cp311-cp311-manylinux_2_17_x86_64",
                "cp311-cp311-manylinux2014_x86_64"
            ]
        );
        assert!(expand_tag("py3-none").is_err());
        assert!(expand_tag("py3..py2-none-any").is_err());
    }

    #[test]
    fn build_tags_start_with_a_digit() {
        assert!(validate_build_tag("1").is_ok());
        assert!(validate_build_tag("2_beta").is_ok());
        assert!(validate_build_tag("beta").is_err());
        assert!(validate_build_tag("1-2").is_err());
    }
}
