//! Core metadata: a wheel's `.dist-info/METADATA` (the same text an index
//! serves as a PEP 658 `<file>.metadata` file), read into [`DistMetadata`].
//!
//! The format is RFC 822 email headers as Python's `email` parser reads them
//! with the `compat32` policy (which is what pip and `packaging` use):
//!
//! ```text
//! Metadata-Version: 2.1          header names are case-insensitive
//! Name: demo-app
//! Version: 1.0
//! Requires-Dist: demo-util>=1.0  multiple-use fields repeat the header
//! Requires-Dist: demo-tool; extra == "cli"
//! Description: first line        a line starting with a space or tab
//!         continues the previous header
//!                                the first blank line ends the headers;
//! The long description …         the rest is the body (the description)
//! ```
//!
//! Only `Name` and `Version` are required (the fields every Metadata-Version
//! from 1.0 to 2.4 has); a field this crate does not know is ignored, as pip
//! ignores it. The typed fields go through `pep440_rs` and `pep508_rs`: an
//! invalid `Version`, `Requires-Dist` or `Requires-Python` is an error that
//! names the source and the line, so the resolver can warn and skip that
//! candidate.
//!
//! The name [`DistMetadata`] (not `CoreMetadata`) is because the crate root
//! already exports [`crate::CoreMetadata`]: whether an index offers a
//! metadata file (PEP 658), not what is in it.

use std::io::{Cursor, Read};
use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::Requirement;

use crate::error::MetadataError;
use crate::filename::{normalize_name, WheelFilename};
use crate::zip_range::local_wheel_metadata_bytes;

/// METADATA larger than this is refused (a zip bomb is not metadata).
pub(crate) const MAX_METADATA_SIZE: u64 = 64 * 1024 * 1024;

/// What a distribution says about itself in its core metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistMetadata {
    /// `Metadata-Version` as written (`1.0` … `2.4`); `None` if absent.
    pub metadata_version: Option<String>,
    /// `Name` as written; compare with [`normalize_name`].
    pub name: String,
    pub version: Version,
    /// `Requires-Dist`, in file order, markers and extras kept.
    pub requires_dist: Vec<Requirement>,
    pub requires_python: Option<VersionSpecifiers>,
    /// `Provides-Extra`, normalized (PEP 685: like project names).
    pub provides_extra: Vec<String>,
    pub summary: Option<String>,
    /// The body after the headers, or else the legacy `Description` header.
    pub description: Option<String>,
    pub description_content_type: Option<String>,
    pub home_page: Option<String>,
    pub download_url: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub license: Option<String>,
    /// PEP 639 (Metadata 2.4): an SPDX expression.
    pub license_expression: Option<String>,
    pub license_files: Vec<String>,
    pub keywords: Option<String>,
    pub classifiers: Vec<String>,
    pub platforms: Vec<String>,
    pub supported_platforms: Vec<String>,
    /// `Project-URL` values as written (`Label, https://…`).
    pub project_urls: Vec<String>,
    pub requires_external: Vec<String>,
    pub provides_dist: Vec<String>,
    pub obsoletes_dist: Vec<String>,
    /// PEP 643: fields an sdist's backend may still change.
    pub dynamic: Vec<String>,
}

/// One header: its name as written, its value with continuation lines kept
/// (joined by `\n`), and the 1-based line it starts on.
struct Header<'a> {
    name: &'a str,
    value: String,
    line: usize,
}

impl Header<'_> {
    /// The value on one line: continuation lines unfolded with a space, as
    /// RFC 822 unfolding does, for fields that are single-line by nature.
    fn unfolded(&self) -> String {
        self.value
            .split('\n')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Split METADATA text into headers and body, as `email.parser` does: a
/// blank line ends the headers; so does a line that is neither a header nor
/// a continuation (Python records a defect and takes it as the body start).
fn split_headers(text: &str) -> (Vec<Header<'_>>, Option<&str>) {
    let mut headers: Vec<Header<'_>> = Vec::new();
    let mut offset = 0;
    for (index, raw_line) in text.split_inclusive('\n').enumerate() {
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            return (headers, Some(&text[offset + raw_line.len()..]));
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.value.push('\n');
                last.value.push_str(line);
                offset += raw_line.len();
                continue;
            }
        }
        match line.split_once(':') {
            Some((name, value))
                if !name.is_empty() && !name.contains([' ', '\t']) && name.is_ascii() =>
            {
                headers.push(Header {
                    name,
                    value: value.trim().to_string(),
                    line: index + 1,
                });
            }
            _ => return (headers, Some(&text[offset..])),
        }
        offset += raw_line.len();
    }
    (headers, None)
}

/// The legacy `Description` header: setuptools indents continuation lines
/// with eight spaces, older tools with seven and a `|`.
fn unindent_description(value: &str) -> String {
    let mut lines = value.split('\n');
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        out.push('\n');
        let stripped = line
            .strip_prefix("        ")
            .or_else(|| line.strip_prefix("       |"))
            .unwrap_or_else(|| line.trim_start());
        out.push_str(stripped);
    }
    out
}

impl DistMetadata {
    /// Parse METADATA (or PKG-INFO) bytes; `source` names where they came
    /// from (a file path, `wheel.whl!/x.dist-info/METADATA`, a URL) for errors.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Self, MetadataError> {
        // Lossy, not strict: old tools wrote Latin-1 descriptions, and a
        // bad byte in the body must not cost a candidate. A bad byte in a
        // field that matters fails that field's own parsing.
        let text = String::from_utf8_lossy(bytes);
        // A byte-order mark is not part of the first header name.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (headers, body) = split_headers(text);

        let invalid = |field: &str, header: &Header<'_>, message: String| MetadataError::Invalid {
            source_name: source.to_string(),
            line: header.line,
            field: field.to_string(),
            value: header.unfolded(),
            message,
        };

        let mut metadata_version = None;
        let mut name = None;
        let mut version = None;
        let mut metadata = DistMetadata {
            metadata_version: None,
            name: String::new(),
            version: Version::new([0]),
            requires_dist: Vec::new(),
            requires_python: None,
            provides_extra: Vec::new(),
            summary: None,
            description: None,
            description_content_type: None,
            home_page: None,
            download_url: None,
            author: None,
            author_email: None,
            maintainer: None,
            maintainer_email: None,
            license: None,
            license_expression: None,
            license_files: Vec::new(),
            keywords: None,
            classifiers: Vec::new(),
            platforms: Vec::new(),
            supported_platforms: Vec::new(),
            project_urls: Vec::new(),
            requires_external: Vec::new(),
            provides_dist: Vec::new(),
            obsoletes_dist: Vec::new(),
            dynamic: Vec::new(),
        };
        let mut description_header = None;

        for header in &headers {
            let value = header.unfolded();
            // Single-use fields: the first occurrence wins, as
            // `email.message.Message.get` returns the first.
            let set = |slot: &mut Option<String>| {
                if slot.is_none() {
                    *slot = Some(value.clone());
                }
            };
            match header.name.to_ascii_lowercase().as_str() {
                "metadata-version" => set(&mut metadata_version),
                "name" if name.is_none() => {
                    pep508_rs::PackageName::from_str(&value)
                        .map_err(|error| invalid("Name", header, error.to_string()))?;
                    name = Some(value);
                }
                "version" if version.is_none() => {
                    version = Some(
                        Version::from_str(&value)
                            .map_err(|error| invalid("Version", header, error.to_string()))?,
                    );
                }
                "requires-dist" => {
                    let requirement = Requirement::from_str(&value).map_err(|error| {
                        invalid("Requires-Dist", header, error.message.to_string())
                    })?;
                    metadata.requires_dist.push(requirement);
                }
                "requires-python" if metadata.requires_python.is_none() => {
                    metadata.requires_python =
                        Some(VersionSpecifiers::from_str(&value).map_err(|error| {
                            invalid("Requires-Python", header, error.to_string())
                        })?);
                }
                "provides-extra" => {
                    let extra = normalize_name(&value);
                    if !metadata.provides_extra.contains(&extra) {
                        metadata.provides_extra.push(extra);
                    }
                }
                "summary" => set(&mut metadata.summary),
                "description" if description_header.is_none() => {
                    description_header = Some(unindent_description(&header.value));
                }
                "description-content-type" => set(&mut metadata.description_content_type),
                "home-page" => set(&mut metadata.home_page),
                "download-url" => set(&mut metadata.download_url),
                "author" => set(&mut metadata.author),
                "author-email" => set(&mut metadata.author_email),
                "maintainer" => set(&mut metadata.maintainer),
                "maintainer-email" => set(&mut metadata.maintainer_email),
                "license" if metadata.license.is_none() => {
                    metadata.license = Some(unindent_description(&header.value));
                }
                "license-expression" => set(&mut metadata.license_expression),
                "license-file" => metadata.license_files.push(value),
                "keywords" => set(&mut metadata.keywords),
                "classifier" => metadata.classifiers.push(value),
                "platform" => metadata.platforms.push(value),
                "supported-platform" => metadata.supported_platforms.push(value),
                "project-url" => metadata.project_urls.push(value),
                "requires-external" => metadata.requires_external.push(value),
                "provides-dist" => metadata.provides_dist.push(value),
                "obsoletes-dist" => metadata.obsoletes_dist.push(value),
                "dynamic" => metadata.dynamic.push(value),
                _ => {}
            }
        }

        let missing = |field: &str| MetadataError::MissingField {
            source_name: source.to_string(),
            field: field.to_string(),
        };
        metadata.name = name.ok_or_else(|| missing("Name"))?;
        metadata.version = version.ok_or_else(|| missing("Version"))?;
        metadata.metadata_version = metadata_version;
        metadata.description = body
            .filter(|body| !body.trim().is_empty())
            .map(str::to_string)
            .or(description_header);
        Ok(metadata)
    }

    /// Check that this metadata belongs to the wheel `filename`: same
    /// normalized name, same PEP 440 version (pip refuses a wheel whose
    /// metadata disagrees with its file name).
    pub fn check_wheel_filename(&self, filename: &str) -> Result<(), MetadataError> {
        let wheel = parse_wheel_filename(filename)?;
        if normalize_name(&wheel.name) != normalize_name(&self.name) {
            return Err(MetadataError::Mismatch {
                wheel: filename.to_string(),
                field: "Name".to_string(),
                in_metadata: self.name.clone(),
                in_filename: wheel.name,
            });
        }
        let same_version = Version::from_str(&wheel.version)
            .map(|version| version == self.version)
            .unwrap_or(false);
        if !same_version {
            return Err(MetadataError::Mismatch {
                wheel: filename.to_string(),
                field: "Version".to_string(),
                in_metadata: self.version.to_string(),
                in_filename: wheel.version,
            });
        }
        Ok(())
    }
}

/// Parse METADATA bytes; the same as [`DistMetadata::parse`].
pub fn parse_metadata(bytes: &[u8], source: &str) -> Result<DistMetadata, MetadataError> {
    DistMetadata::parse(bytes, source)
}

pub(crate) fn parse_wheel_filename(filename: &str) -> Result<WheelFilename, MetadataError> {
    WheelFilename::parse(filename).ok_or_else(|| MetadataError::NotAWheel {
        wheel: filename.to_string(),
    })
}

/// The archive path of `<name>-<version>.dist-info/METADATA` among `names`
/// (a wheel's entries), for the wheel `filename`.
///
/// Binary distribution format: the `.dist-info` directory is
/// `{escaped name}-{escaped version}.dist-info` at the archive root. Tools
/// differ in case and escaping, so a directory matches when its name part
/// normalizes to the file name's and its version is the same PEP 440
/// version (or the same text, ignoring case, if either does not parse).
/// None matching, or more than one, is an error.
pub fn find_metadata_entry<'a>(
    filename: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<&'a str, MetadataError> {
    let wheel = parse_wheel_filename(filename)?;
    let wanted_name = normalize_name(&wheel.name);
    let wanted_version = Version::from_str(&wheel.version).ok();

    let mut found = Vec::new();
    let mut matching = Vec::new();
    for entry in names {
        let Some((directory, file)) = entry.split_once('/') else {
            continue;
        };
        if file != "METADATA" {
            continue;
        }
        let Some(stem) = crate::filename::strip_suffix_ignore_case(directory, ".dist-info") else {
            continue;
        };
        found.push(directory.to_string());
        let Some((name, version)) = stem.rsplit_once('-') else {
            continue;
        };
        let same_version = match (&wanted_version, Version::from_str(version)) {
            (Some(wanted), Ok(version)) => *wanted == version,
            _ => version.eq_ignore_ascii_case(&wheel.version),
        };
        if normalize_name(name) == wanted_name && same_version {
            matching.push(entry);
        }
    }
    match matching.as_slice() {
        [entry] => Ok(entry),
        [] => Err(MetadataError::NoDistInfo {
            wheel: filename.to_string(),
            expected: format!("{}-{}.dist-info/METADATA", wheel.name, wheel.version),
            found,
        }),
        _ => Err(MetadataError::AmbiguousDistInfo {
            wheel: filename.to_string(),
            candidates: matching.iter().map(|entry| entry.to_string()).collect(),
        }),
    }
}

/// The METADATA bytes of a whole wheel held in memory.
pub fn metadata_bytes_from_wheel_bytes(
    filename: &str,
    bytes: &[u8],
) -> Result<Vec<u8>, MetadataError> {
    metadata_bytes_from_zip(filename, Cursor::new(bytes))
}

/// The METADATA bytes of the wheel `filename` read from `reader`: only the
/// central directory and the one entry are read, so a wheel on disk costs
/// a few small reads, not its size.
fn metadata_bytes_from_zip<R: Read + std::io::Seek>(
    filename: &str,
    reader: R,
) -> Result<Vec<u8>, MetadataError> {
    let zip_error = |error: zip::result::ZipError| MetadataError::Zip {
        wheel: filename.to_string(),
        message: error.to_string(),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(zip_error)?;
    let entry = find_metadata_entry(filename, archive.file_names())?.to_string();
    let file = archive.by_name(&entry).map_err(zip_error)?;
    if file.size() > MAX_METADATA_SIZE {
        return Err(MetadataError::Zip {
            wheel: filename.to_string(),
            message: format!(
                "`{entry}` is {} bytes, more than metadata can be",
                file.size()
            ),
        });
    }
    let mut metadata = Vec::new();
    file.take(MAX_METADATA_SIZE)
        .read_to_end(&mut metadata)
        .map_err(|error| MetadataError::Zip {
            wheel: filename.to_string(),
            message: format!("cannot read `{entry}`: {error}"),
        })?;
    Ok(metadata)
}

/// The core metadata of a whole wheel held in memory, checked against its
/// file name.
pub fn metadata_from_wheel_bytes(
    filename: &str,
    bytes: &[u8],
) -> Result<DistMetadata, MetadataError> {
    checked_metadata(filename, &metadata_bytes_from_wheel_bytes(filename, bytes)?)
}

/// The METADATA bytes of wheel `filename` parsed, and checked against its name.
fn checked_metadata(filename: &str, metadata: &[u8]) -> Result<DistMetadata, MetadataError> {
    let parsed = DistMetadata::parse(metadata, &format!("{filename}!METADATA"))?;
    parsed.check_wheel_filename(filename)?;
    Ok(parsed)
}

/// The core metadata of a wheel file on disk, checked against its file name.
pub fn metadata_from_wheel_file(path: &Path) -> Result<DistMetadata, MetadataError> {
    let filename = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| MetadataError::NotAWheel {
            wheel: path.display().to_string(),
        })?;
    // The zip crate reads the central directory entry by entry (two system
    // calls each, thousands for a large wheel); the range reader reads it
    // at once. What it refuses (bytes before the archive, which the zip
    // crate allows for; a damaged archive) goes to the zip crate, so what
    // reads and the error shown are as before.
    let metadata = match local_wheel_metadata_bytes(path, filename) {
        Ok(metadata) => metadata,
        Err(_) => {
            let file = fs_err::File::open(path).map_err(|source| MetadataError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            metadata_bytes_from_zip(filename, std::io::BufReader::new(file))?
        }
    };
    checked_metadata(filename, &metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_continuations_and_body() {
        let text = "Metadata-Version: 2.1\r\nName: x\r\nVersion: 1\r\nSummary: a\r\n  b\r\n\r\nbody\nmore\n";
        let metadata = DistMetadata::parse(text.as_bytes(), "t").unwrap();
        assert_eq!(metadata.summary.as_deref(), Some("a b"));
        assert_eq!(metadata.description.as_deref(), Some("body\nmore\n"));
    }

    #[test]
    fn a_non_header_line_starts_the_body() {
        let text = "Name: x\nVersion: 1\nnot a header\nRequires-Dist: y\n";
        let metadata = DistMetadata::parse(text.as_bytes(), "t").unwrap();
        assert!(metadata.requires_dist.is_empty());
        assert_eq!(
            metadata.description.as_deref(),
            Some("not a header\nRequires-Dist: y\n")
        );
    }

    #[test]
    fn finds_dist_info_case_insensitively() {
        let names = [
            "demo/__init__.py",
            "Demo_Odd.Name-1.0.0.DIST-INFO/METADATA",
            "Demo_Odd.Name-1.0.0.dist-info/RECORD",
            "other-1.0.dist-info/METADATA",
            "deep/x-1.0.dist-info/METADATA",
        ];
        assert_eq!(
            find_metadata_entry("demo_odd_name-1.0-py3-none-any.whl", names).unwrap(),
            "Demo_Odd.Name-1.0.0.DIST-INFO/METADATA"
        );
    }
}
