//! The Python version of the target, and pip's `--python-version` forms.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A Python release version, displayed as `3.11.7`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PythonVersion {
    pub major: u8,
    pub minor: u8,
    pub patch: u8,
}

impl PythonVersion {
    pub fn new(major: u8, minor: u8, patch: u8) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// `3.11`, as the `python_version` marker spells it.
    pub fn major_minor(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A `--python-version` value as pip reads it: `3`, `3.9`, `39`, `310` or `3.9.1`.
///
/// `parts` keeps what was given (one to three numbers); pip pads it to three
/// numbers for `Requires-Python` and markers, and uses the first two for tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonVersionFlag {
    pub parts: Vec<u32>,
}

impl PythonVersionFlag {
    /// Parse the value of `--python-version`; the empty string means "not given".
    pub fn parse(value: &str) -> Result<Option<Self>, Error> {
        if value.is_empty() {
            return Ok(None);
        }
        let invalid = |reason: &str| Error::InvalidPythonVersion {
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let mut parts: Vec<&str> = value.split('.').collect();
        if parts.len() > 3 {
            return Err(invalid("at most three version parts are allowed"));
        }
        // `37` means 3.7 and `310` means 3.10: the first digit is the major version.
        if parts.len() == 1 && value.len() > 1 && value.is_char_boundary(1) {
            parts = vec![&value[..1], &value[1..]];
        }
        let numbers = parts
            .iter()
            .map(|part| {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                part.parse::<u32>().ok()
            })
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| invalid("each version part must be an integer"))?;
        Ok(Some(Self { parts: numbers }))
    }

    /// The version pip gives to tag generation: the first two numbers are
    /// joined without a dot and split again after the first digit, so `3.10`
    /// stays `(3, 10)` and `3` stays `(3,)`.
    pub(crate) fn tag_version(&self) -> Vec<u32> {
        let nodot = self.nodot();
        match (nodot.get(..1), nodot.get(1..)) {
            (Some(major), Some(minor)) if !minor.is_empty() => {
                let major = major.parse().unwrap_or(0);
                let minor = minor.parse().unwrap_or(0);
                vec![major, minor]
            }
            _ => vec![nodot.parse().unwrap_or(0)],
        }
    }

    /// `39` for `3.9.1`, `3` for `3`: the version part of pip's interpreter tag.
    pub(crate) fn nodot(&self) -> String {
        self.parts.iter().take(2).map(ToString::to_string).collect()
    }

    /// The full version pip assumes: missing parts are zero (`3.9` → `3.9.0`).
    pub fn full_version(&self, value_for_errors: &str) -> Result<PythonVersion, Error> {
        let get = |index: usize| -> Result<u8, Error> {
            let number = self.parts.get(index).copied().unwrap_or(0);
            u8::try_from(number).map_err(|_| Error::InvalidPythonVersion {
                value: value_for_errors.to_string(),
                reason: format!("version part `{number}` is too large"),
            })
        };
        Ok(PythonVersion::new(get(0)?, get(1)?, get(2)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(value: &str) -> Vec<u32> {
        PythonVersionFlag::parse(value).unwrap().unwrap().parts
    }

    #[test]
    fn pip_version_forms() {
        assert_eq!(parts("3"), [3]);
        assert_eq!(parts("3.9"), [3, 9]);
        assert_eq!(parts("39"), [3, 9]);
        assert_eq!(parts("310"), [3, 10]);
        assert_eq!(parts("3.9.1"), [3, 9, 1]);
        assert_eq!(PythonVersionFlag::parse("").unwrap(), None);
    }

    #[test]
    fn invalid_versions_are_errors() {
        for value in ["3.9.1.2", "3.x", "three", "3..9", "-3", "3.9 "] {
            let error = PythonVersionFlag::parse(value).unwrap_err();
            assert!(error.to_string().contains(value), "{error}");
        }
    }

    #[test]
    fn tag_and_full_versions() {
        let flag = PythonVersionFlag::parse("3.10").unwrap().unwrap();
        assert_eq!(flag.tag_version(), [3, 10]);
        assert_eq!(flag.nodot(), "310");
        assert_eq!(flag.full_version("3.10").unwrap().to_string(), "3.10.0");
        let major = PythonVersionFlag::parse("3").unwrap().unwrap();
        assert_eq!(major.tag_version(), [3]);
        assert_eq!(
            major.full_version("3").unwrap(),
            PythonVersion::new(3, 0, 0)
        );
        let big = PythonVersionFlag::parse("3.300").unwrap().unwrap();
        assert!(big.full_version("3.300").is_err());
    }
}
