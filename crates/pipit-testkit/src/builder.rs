//! [`WheelBuilder`]: one wheel, described in code, written as bytes.
//!
//! The archive it writes, in this order:
//!
//! ```text
//! <files given with .file(), sorted by path>      (or <import_name>/__init__.py)
//! <escaped>-<version>.data/<category>/<path>      (.data(), sorted)
//! <unchecked entries from .raw_entry(), sorted>
//! <escaped>-<version>.dist-info/METADATA
//! <escaped>-<version>.dist-info/WHEEL
//! <escaped>-<version>.dist-info/entry_points.txt  (only with entry points)
//! <escaped>-<version>.dist-info/RECORD            (last; left out by .omit_record())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::names::{
    escape_name, escape_version, expand_tag, validate_build_tag, validate_name, validate_version,
};
use crate::Error;

/// The `Generator` line of `WHEEL`. It holds no version on purpose: a version
/// bump of the workspace must not change the bytes of committed fixtures.
const GENERATOR: &str = "pipit-testkit";

/// The categories a wheel's `.data` directory may hold (binary distribution
/// format spec: the keys of `sysconfig` install schemes a wheel can target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DataCategory {
    Purelib,
    Platlib,
    Scripts,
    Headers,
    Data,
}

impl DataCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            DataCategory::Purelib => "purelib",
            DataCategory::Platlib => "platlib",
            DataCategory::Scripts => "scripts",
            DataCategory::Headers => "headers",
            DataCategory::Data => "data",
        }
    }
}

impl std::str::FromStr for DataCategory {
    type Err = Error;

    fn from_str(category: &str) -> Result<Self, Error> {
        match category {
            "purelib" => Ok(DataCategory::Purelib),
            "platlib" => Ok(DataCategory::Platlib),
            "scripts" => Ok(DataCategory::Scripts),
            "headers" => Ok(DataCategory::Headers),
            "data" => Ok(DataCategory::Data),
            other => Err(Error::UnknownDataCategory(other.to_string())),
        }
    }
}

/// Describes one wheel; [`WheelBuilder::build`] writes it.
///
/// Setters take and return `self`; nothing is checked until the wheel is
/// built, so a description is cheap to write and to clone.
#[derive(Debug, Clone)]
pub struct WheelBuilder {
    name: String,
    version: String,
    requires_dist: Vec<String>,
    provides_extra: Vec<String>,
    requires_python: Option<String>,
    tag: String,
    build_tag: Option<String>,
    root_is_purelib: bool,
    files: Vec<(String, Vec<u8>)>,
    data: Vec<(String, String, Vec<u8>)>,
    entry_points: BTreeMap<String, Vec<(String, String)>>,
    metadata_fields: Vec<(String, String)>,
    raw_entries: Vec<(String, Vec<u8>)>,
    corrupt_record_hashes: Vec<String>,
    omit_record: bool,
    symlinks: Vec<(String, String)>,
    modes: BTreeMap<String, u32>,
}

impl WheelBuilder {
    /// A pure-Python `py3-none-any` wheel of `name` at `version`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        WheelBuilder {
            name: name.into(),
            version: version.into(),
            requires_dist: Vec::new(),
            provides_extra: Vec::new(),
            requires_python: None,
            tag: "py3-none-any".to_string(),
            build_tag: None,
            root_is_purelib: true,
            files: Vec::new(),
            data: Vec::new(),
            entry_points: BTreeMap::new(),
            metadata_fields: Vec::new(),
            raw_entries: Vec::new(),
            corrupt_record_hashes: Vec::new(),
            omit_record: false,
            symlinks: Vec::new(),
            modes: BTreeMap::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// A `Requires-Dist` line, written as given (markers allowed:
    /// `"demo-tool; extra == 'cli'"`). Repeatable.
    pub fn requires(mut self, requirement: impl Into<String>) -> Self {
        self.requires_dist.push(requirement.into());
        self
    }

    /// A `Provides-Extra` line. Repeating an extra writes it once.
    pub fn extra(mut self, extra: impl Into<String>) -> Self {
        let extra = extra.into();
        if !self.provides_extra.contains(&extra) {
            self.provides_extra.push(extra);
        }
        self
    }

    /// Declares `extra` and a requirement that applies only with it:
    /// `extra_requires("fast", "demo-speed>=1")` writes
    /// `Requires-Dist: demo-speed>=1; extra == "fast"`. A marker already on
    /// the requirement is kept and joined with `and`.
    pub fn extra_requires(self, extra: impl Into<String>, requirement: &str) -> Self {
        let extra = extra.into();
        let requirement = match requirement.split_once(';') {
            Some((requirement, marker)) => format!(
                "{}; ({}) and extra == \"{extra}\"",
                requirement.trim(),
                marker.trim()
            ),
            None => format!("{}; extra == \"{extra}\"", requirement.trim()),
        };
        self.extra(extra).requires(requirement)
    }

    pub fn requires_python(mut self, specifiers: impl Into<String>) -> Self {
        self.requires_python = Some(specifiers.into());
        self
    }

    /// The wheel's tag, possibly a compressed tag set (`py2.py3-none-any`):
    /// written as given in the file name and expanded into `Tag` lines.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }

    /// The optional build tag of the file name (and the `Build` line of `WHEEL`).
    pub fn build_tag(mut self, build_tag: impl Into<String>) -> Self {
        self.build_tag = Some(build_tag.into());
        self
    }

    pub fn root_is_purelib(mut self, root_is_purelib: bool) -> Self {
        self.root_is_purelib = root_is_purelib;
        self
    }

    /// A file at the root of the archive (relative, `/`-separated). Without
    /// any, the wheel holds `<import_name>/__init__.py` defining
    /// `__version__`, `__wheel_tag__` and a `main()` that prints the name
    /// and version, so console scripts pointing at `<import_name>:main` run.
    pub fn file(mut self, path: impl Into<String>, contents: impl AsRef<[u8]>) -> Self {
        self.files.push((path.into(), contents.as_ref().to_vec()));
        self
    }

    /// A file under `<name>-<version>.data/<category>/<path>`; `category` is
    /// one of purelib, platlib, scripts, headers, data (checked at build).
    pub fn data(
        mut self,
        category: impl Into<String>,
        path: impl Into<String>,
        contents: impl AsRef<[u8]>,
    ) -> Self {
        self.data
            .push((category.into(), path.into(), contents.as_ref().to_vec()));
        self
    }

    /// `[console_scripts]` in `entry_points.txt`.
    pub fn console_script(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.entry_point("console_scripts", name, value)
    }

    /// `[gui_scripts]` in `entry_points.txt`.
    pub fn gui_script(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.entry_point("gui_scripts", name, value)
    }

    /// Any entry point group. Groups are written sorted by name, entries in
    /// the order given.
    pub fn entry_point(
        mut self,
        group: impl Into<String>,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.entry_points
            .entry(group.into())
            .or_default()
            .push((name.into(), value.into()));
        self
    }

    /// An extra `METADATA` header (`Summary`, `License`, …), written after
    /// `Version` and before `Requires-Python`, in the order given.
    pub fn metadata_field(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata_fields.push((field.into(), value.into()));
        self
    }

    /// Broken wheels: RECORD lists a wrong sha256 for `path` (its size stays
    /// right). `path` is the archive path, e.g. `demo_app/__init__.py`.
    pub fn corrupt_record_hash(mut self, path: impl Into<String>) -> Self {
        self.corrupt_record_hashes.push(path.into());
        self
    }

    /// Broken wheels: an archive entry whose name is not checked at all
    /// (`../evil.py`, `/etc/x`, `a\\b`). It is listed in RECORD with its
    /// correct hash, so the name is the only thing wrong with it.
    pub fn raw_entry(mut self, name: impl Into<String>, contents: impl AsRef<[u8]>) -> Self {
        self.raw_entries
            .push((name.into(), contents.as_ref().to_vec()));
        self
    }

    /// Hostile wheels: a symbolic link entry (unix mode `S_IFLNK` in the
    /// external attributes) named `name`, pointing at `target`. It is written
    /// after the raw entries and listed in RECORD with the hash of its target
    /// text, which is what a zip reader that ignores the mode extracts.
    pub fn symlink(mut self, name: impl Into<String>, target: impl Into<String>) -> Self {
        self.symlinks.push((name.into(), target.into()));
        self
    }

    /// The unix permission bits of the archive entry `path` (e.g. `0o755`
    /// for an executable module); entries not named keep their defaults.
    pub fn file_mode(mut self, path: impl Into<String>, mode: u32) -> Self {
        self.modes.insert(path.into(), mode);
        self
    }

    /// Broken wheels: leave RECORD out of the archive.
    pub fn omit_record(mut self) -> Self {
        self.omit_record = true;
        self
    }

    /// `<escaped name>-<version>[-<build>]-<tag>.whl`.
    pub fn file_name(&self) -> Result<String, Error> {
        validate_name(&self.name)?;
        validate_version(&self.version)?;
        expand_tag(&self.tag)?;
        let mut file_name = format!(
            "{}-{}",
            escape_name(&self.name),
            escape_version(&self.version)
        );
        if let Some(build_tag) = &self.build_tag {
            validate_build_tag(build_tag)?;
            file_name.push('-');
            file_name.push_str(build_tag);
        }
        file_name.push('-');
        file_name.push_str(&self.tag);
        file_name.push_str(".whl");
        Ok(file_name)
    }

    /// The name of the package directory the default `__init__.py` goes in.
    pub fn import_name(&self) -> String {
        escape_name(&self.name)
    }

    fn dist_info_dir(&self) -> String {
        format!(
            "{}-{}.dist-info",
            escape_name(&self.name),
            escape_version(&self.version)
        )
    }

    fn data_dir(&self) -> String {
        format!(
            "{}-{}.data",
            escape_name(&self.name),
            escape_version(&self.version)
        )
    }

    /// Writes the wheel into `dir` (created if missing) and returns its path.
    pub fn build(&self, dir: &Path) -> Result<PathBuf, Error> {
        let (file_name, bytes) = self.build_bytes()?;
        fs_err::create_dir_all(dir)?;
        let path = dir.join(file_name);
        fs_err::write(&path, bytes)?;
        Ok(path)
    }

    /// The wheel's file name and bytes, without touching the disk.
    pub fn build_bytes(&self) -> Result<(String, Vec<u8>), Error> {
        let file_name = self.file_name()?;
        let entries = self.entries(&file_name)?;
        let bytes = write_zip(&file_name, &entries)?;
        Ok((file_name, bytes))
    }

    /// Every archive entry but RECORD, in archive order.
    fn entries(&self, file_name: &str) -> Result<Vec<Entry>, Error> {
        let mut files = if self.files.is_empty() {
            vec![(
                format!("{}/__init__.py", self.import_name()),
                self.default_init().into_bytes(),
            )]
        } else {
            self.files.clone()
        };
        for (path, _) in &files {
            check_relative_path(file_name, path)?;
        }
        files.sort_by(|left, right| left.0.cmp(&right.0));

        let mut data = Vec::with_capacity(self.data.len());
        for (category, path, contents) in &self.data {
            let category: DataCategory = category.parse()?;
            check_relative_path(file_name, path)?;
            data.push((
                format!("{}/{}/{path}", self.data_dir(), category.as_str()),
                contents.clone(),
            ));
        }
        data.sort_by(|left, right| left.0.cmp(&right.0));

        let mut raw = self.raw_entries.clone();
        raw.sort_by(|left, right| left.0.cmp(&right.0));

        let dist_info = self.dist_info_dir();
        let mut metadata_files = vec![
            (
                format!("{dist_info}/METADATA"),
                self.metadata().into_bytes(),
            ),
            (
                format!("{dist_info}/WHEEL"),
                self.wheel_file()?.into_bytes(),
            ),
        ];
        if !self.entry_points.is_empty() {
            metadata_files.push((
                format!("{dist_info}/entry_points.txt"),
                self.entry_points_file().into_bytes(),
            ));
        }

        let mut entries = Vec::new();
        for (path, contents) in files {
            entries.push(Entry::new(path, contents, 0o644));
        }
        for (path, contents) in data {
            // Scripts are executable in the archive, as build backends write them.
            let mode = if path.contains(".data/scripts/") {
                0o755
            } else {
                0o644
            };
            entries.push(Entry::new(path, contents, mode));
        }
        for (path, contents) in raw {
            entries.push(Entry::new(path, contents, 0o644));
        }
        let mut symlinks = self.symlinks.clone();
        symlinks.sort();
        for (path, target) in symlinks {
            let mut entry = Entry::new(path, target.into_bytes(), 0o777);
            entry.symlink = true;
            entries.push(entry);
        }
        for (path, contents) in metadata_files {
            entries.push(Entry::new(path, contents, 0o644));
        }

        for entry in &mut entries {
            if let Some(mode) = self.modes.get(&entry.path) {
                entry.unix_mode = *mode;
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for entry in &entries {
            if !seen.insert(entry.path.as_str()) {
                return Err(Error::DuplicateEntry {
                    wheel: file_name.to_string(),
                    path: entry.path.clone(),
                });
            }
        }
        for path in self.corrupt_record_hashes.iter().chain(self.modes.keys()) {
            if !seen.contains(path.as_str()) {
                return Err(Error::UnknownRecordPath {
                    wheel: file_name.to_string(),
                    path: path.clone(),
                });
            }
        }

        if !self.omit_record {
            let record = self.record(&dist_info, &entries);
            entries.push(Entry::new(
                format!("{dist_info}/RECORD"),
                record.into_bytes(),
                0o644,
            ));
        }
        Ok(entries)
    }

    fn default_init(&self) -> String {
        format!(
            "__version__ = \"{version}\"\n__wheel_tag__ = \"{tag}\"\n\n\ndef main():\n    print(\"{name} {version}\")\n",
            version = self.version,
            tag = self.tag,
            name = self.name,
        )
    }

    fn metadata(&self) -> String {
        let mut metadata = String::new();
        metadata.push_str("Metadata-Version: 2.1\n");
        let _ = writeln!(metadata, "Name: {}", self.name);
        let _ = writeln!(metadata, "Version: {}", self.version);
        for (field, value) in &self.metadata_fields {
            let _ = writeln!(metadata, "{field}: {value}");
        }
        if let Some(requires_python) = &self.requires_python {
            let _ = writeln!(metadata, "Requires-Python: {requires_python}");
        }
        for requirement in &self.requires_dist {
            let _ = writeln!(metadata, "Requires-Dist: {requirement}");
        }
        for extra in &self.provides_extra {
            let _ = writeln!(metadata, "Provides-Extra: {extra}");
        }
        metadata
    }

    fn wheel_file(&self) -> Result<String, Error> {
        let mut wheel = String::new();
        wheel.push_str("Wheel-Version: 1.0\n");
        let _ = writeln!(wheel, "Generator: {GENERATOR}");
        let _ = writeln!(wheel, "Root-Is-Purelib: {}", self.root_is_purelib);
        for tag in expand_tag(&self.tag)? {
            let _ = writeln!(wheel, "Tag: {tag}");
        }
        if let Some(build_tag) = &self.build_tag {
            let _ = writeln!(wheel, "Build: {build_tag}");
        }
        Ok(wheel)
    }

    fn entry_points_file(&self) -> String {
        let mut text = String::new();
        for (index, (group, entries)) in self.entry_points.iter().enumerate() {
            if index > 0 {
                text.push('\n');
            }
            let _ = writeln!(text, "[{group}]");
            for (name, value) in entries {
                let _ = writeln!(text, "{name} = {value}");
            }
        }
        text
    }

    fn record(&self, dist_info: &str, entries: &[Entry]) -> String {
        let mut record = String::new();
        for entry in entries {
            let hash = if self.corrupt_record_hashes.contains(&entry.path) {
                // Same size, different content: only the hash check can catch it.
                let mut wrong = entry.contents.clone();
                wrong.reverse();
                wrong.push(b'!');
                sha256_base64(&wrong)
            } else {
                sha256_base64(&entry.contents)
            };
            let _ = writeln!(
                record,
                "{},sha256={hash},{}",
                csv_field(&entry.path),
                entry.contents.len()
            );
        }
        let _ = writeln!(record, "{},,", csv_field(&format!("{dist_info}/RECORD")));
        record
    }
}

struct Entry {
    path: String,
    contents: Vec<u8>,
    unix_mode: u32,
    symlink: bool,
}

impl Entry {
    fn new(path: String, contents: Vec<u8>, unix_mode: u32) -> Self {
        Entry {
            path,
            contents,
            unix_mode,
            symlink: false,
        }
    }
}

/// `sha256=` value of RECORD: urlsafe base64 without padding (PEP 376/427).
fn sha256_base64(contents: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(contents))
}

/// RECORD is CSV: quote a field holding a comma, quote or line break.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn check_relative_path(wheel: &str, path: &str) -> Result<(), Error> {
    let reason = if path.is_empty() {
        Some("it is empty")
    } else if path.starts_with('/') || path.contains(':') {
        Some("it is absolute")
    } else if path.contains('\\') {
        Some("it holds a backslash (use `/`)")
    } else if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        Some("it holds an empty, `.` or `..` component (use `raw_entry` for that)")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidPath {
            wheel: wheel.to_string(),
            path: path.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

fn write_zip(file_name: &str, entries: &[Entry]) -> Result<Vec<u8>, Error> {
    let zip_error = |source| Error::Zip {
        wheel: file_name.to_string(),
        source,
    };
    // A fixed timestamp (the zip epoch) keeps regenerated wheels byte-identical.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default());
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for entry in entries {
        if entry.symlink {
            let target = String::from_utf8_lossy(&entry.contents);
            writer
                .add_symlink(entry.path.as_str(), target, options)
                .map_err(zip_error)?;
            continue;
        }
        writer
            .start_file(
                entry.path.as_str(),
                options.unix_permissions(entry.unix_mode),
            )
            .map_err(zip_error)?;
        writer.write_all(&entry.contents)?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}
