//! [`SdistBuilder`]: a minimal but valid source distribution (`.tar.gz`),
//! for indexes that offer a version only as source.
//!
//! The archive (PEP 625 file name, POSIX ustar inside gzip):
//!
//! ```text
//! <escaped>-<version>.tar.gz
//! └── <escaped>-<version>/
//!     ├── PKG-INFO                 core metadata 2.2: Name, Version, Requires-Python, Requires-Dist
//!     ├── pyproject.toml           [build-system] setuptools, [project] name and version
//!     └── <import_name>/__init__.py
//! ```
//!
//! Nothing is compiled or run: the point is a file that a client recognises
//! as an sdist and that a real build frontend could build.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::names::{escape_name, escape_version, validate_name, validate_version};
use crate::Error;

/// Describes one sdist; [`SdistBuilder::build_bytes`] writes it.
#[derive(Debug, Clone)]
pub struct SdistBuilder {
    name: String,
    version: String,
    requires_dist: Vec<String>,
    requires_python: Option<String>,
}

impl SdistBuilder {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        SdistBuilder {
            name: name.into(),
            version: version.into(),
            requires_dist: Vec::new(),
            requires_python: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// A `Requires-Dist` line of PKG-INFO, written as given. Repeatable.
    pub fn requires(mut self, requirement: impl Into<String>) -> Self {
        self.requires_dist.push(requirement.into());
        self
    }

    pub fn requires_python(mut self, specifiers: impl Into<String>) -> Self {
        self.requires_python = Some(specifiers.into());
        self
    }

    /// PEP 625: `<escaped name>-<version>.tar.gz`.
    pub fn file_name(&self) -> Result<String, Error> {
        validate_name(&self.name)?;
        validate_version(&self.version)?;
        Ok(format!("{}.tar.gz", self.base_name()))
    }

    fn base_name(&self) -> String {
        format!(
            "{}-{}",
            escape_name(&self.name),
            escape_version(&self.version)
        )
    }

    /// The sdist's file name and bytes. Deterministic: fixed times, owners
    /// and modes, so the same description gives the same bytes.
    pub fn build_bytes(&self) -> Result<(String, Vec<u8>), Error> {
        let file_name = self.file_name()?;
        let base = self.base_name();
        let entries = [
            (format!("{base}/PKG-INFO"), self.pkg_info()),
            (format!("{base}/pyproject.toml"), self.pyproject()),
            (
                format!("{base}/{}/__init__.py", escape_name(&self.name)),
                format!("__version__ = \"{}\"\n", self.version),
            ),
        ];
        let mut tar = Vec::new();
        for (path, contents) in &entries {
            append_tar_file(&mut tar, path, contents.as_bytes());
        }
        // Two zero blocks end a tar archive.
        tar.extend_from_slice(&[0; 1024]);
        let mut encoder = flate2::GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), flate2::Compression::default());
        encoder.write_all(&tar)?;
        Ok((file_name, encoder.finish()?))
    }

    fn pkg_info(&self) -> String {
        let mut metadata = String::from("Metadata-Version: 2.2\n");
        let _ = writeln!(metadata, "Name: {}", self.name);
        let _ = writeln!(metadata, "Version: {}", self.version);
        if let Some(requires_python) = &self.requires_python {
            let _ = writeln!(metadata, "Requires-Python: {requires_python}");
        }
        for requirement in &self.requires_dist {
            let _ = writeln!(metadata, "Requires-Dist: {requirement}");
        }
        metadata
    }

    fn pyproject(&self) -> String {
        let mut pyproject = String::from(
            "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\n",
        );
        let _ = writeln!(pyproject, "name = \"{}\"", self.name);
        let _ = writeln!(pyproject, "version = \"{}\"", self.version);
        if let Some(requires_python) = &self.requires_python {
            let _ = writeln!(pyproject, "requires-python = \"{requires_python}\"");
        }
        if !self.requires_dist.is_empty() {
            pyproject.push_str("dependencies = [\n");
            for requirement in &self.requires_dist {
                let _ = writeln!(pyproject, "    {},", toml_string(requirement));
            }
            pyproject.push_str("]\n");
        }
        pyproject
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One regular file as a POSIX ustar header block plus its contents padded
/// to 512 bytes. Paths here are short (`name-version/...`); a path longer
/// than the 100-byte name field goes into the 155-byte prefix field.
fn append_tar_file(tar: &mut Vec<u8>, path: &str, contents: &[u8]) {
    let mut header = [0u8; 512];
    let (prefix, name) = if path.len() <= 100 {
        ("", path)
    } else {
        let split = path[..path.len().min(156)]
            .rfind('/')
            .expect("sdist paths hold a `/`");
        (&path[..split], &path[split + 1..])
    };
    assert!(
        name.len() <= 100 && prefix.len() <= 155,
        "sdist entry path `{path}` is too long for ustar"
    );
    header[..name.len()].copy_from_slice(name.as_bytes());
    write_octal(&mut header[100..108], 0o644);
    write_octal(&mut header[108..116], 0);
    write_octal(&mut header[116..124], 0);
    write_octal(&mut header[124..136], contents.len() as u64);
    write_octal(&mut header[136..148], 0);
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    // The checksum is computed with its own field read as spaces.
    header[148..156].copy_from_slice(b"        ");
    let checksum: u64 = header.iter().map(|byte| u64::from(*byte)).sum();
    let digits = format!("{checksum:06o}\0 ");
    header[148..156].copy_from_slice(digits.as_bytes());
    tar.extend_from_slice(&header);
    tar.extend_from_slice(contents);
    let padding = (512 - contents.len() % 512) % 512;
    tar.extend(std::iter::repeat_n(0u8, padding));
}

/// Zero-padded octal with a trailing NUL, filling the field.
fn write_octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let digits = format!("{value:0width$o}");
    field[..width].copy_from_slice(digits.as_bytes());
    field[width] = 0;
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    /// (path, contents) of every member, read back with a minimal ustar reader
    /// that also checks each header's checksum.
    fn members(gz: &[u8]) -> Vec<(String, String)> {
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut tar)
            .unwrap();
        assert_eq!(tar.len() % 512, 0);
        let mut members = Vec::new();
        let mut offset = 0;
        while tar[offset..offset + 512].iter().any(|byte| *byte != 0) {
            let header = &tar[offset..offset + 512];
            let field = |range: std::ops::Range<usize>| {
                String::from_utf8(header[range].to_vec())
                    .unwrap()
                    .trim_end_matches(['\0', ' '])
                    .to_string()
            };
            let mut blank = header.to_vec();
            blank[148..156].copy_from_slice(b"        ");
            let sum: u64 = blank.iter().map(|byte| u64::from(*byte)).sum();
            assert_eq!(u64::from_str_radix(&field(148..154), 8).unwrap(), sum);
            assert_eq!(&header[257..263], b"ustar\0");
            let size = usize::from_str_radix(&field(124..135), 8).unwrap();
            let prefix = field(345..500);
            let name = field(0..100);
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let contents = &tar[offset + 512..offset + 512 + size];
            members.push((path, String::from_utf8(contents.to_vec()).unwrap()));
            offset += 512 + size.div_ceil(512) * 512;
        }
        assert!(tar[offset..].iter().all(|byte| *byte == 0));
        members
    }

    #[test]
    fn writes_pkg_info_pyproject_and_a_module_under_the_pep_625_name() {
        let (file_name, bytes) = SdistBuilder::new("Demo.Src", "1.0")
            .requires("demo-util>=1; python_version < \"3.12\"")
            .requires_python(">=3.8")
            .build_bytes()
            .unwrap();
        assert_eq!(file_name, "demo_src-1.0.tar.gz");
        let members = members(&bytes);
        let paths: Vec<&str> = members.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "demo_src-1.0/PKG-INFO",
                "demo_src-1.0/pyproject.toml",
                "demo_src-1.0/demo_src/__init__.py"
            ]
        );
        assert_eq!(
            members[0].1,
            "Metadata-Version: 2.2\nName: Demo.Src\nVersion: 1.0\nRequires-Python: >=3.8\n\
             Requires-Dist: demo-util>=1; python_version < \"3.12\"\n"
        );
        assert!(members[1]
            .1
            .contains("dependencies = [\n    \"demo-util>=1; python_version < \\\"3.12\\\"\",\n]"));
        assert!(members[1]
            .1
            .contains("build-backend = \"setuptools.build_meta\""));
    }

    #[test]
    fn is_deterministic_and_rejects_bad_names() {
        let sdist = SdistBuilder::new("a", "2.0");
        assert_eq!(sdist.build_bytes().unwrap(), sdist.build_bytes().unwrap());
        assert!(matches!(
            SdistBuilder::new("-a", "1").build_bytes(),
            Err(Error::InvalidName(_))
        ));
    }

    #[test]
    fn long_paths_use_the_ustar_prefix_field() {
        let mut tar = Vec::new();
        let path = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        append_tar_file(&mut tar, &path, b"x");
        tar.extend_from_slice(&[0; 1024]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        let members = members(&gz.finish().unwrap());
        assert_eq!(members, [(path, "x".to_string())]);
    }
}
