//! What a target already holds: one [`InstalledDist`] per `.dist-info`
//! folder, and the files each one owns according to its `RECORD`.
//!
//! ```text
//! <purelib or platlib>/
//!   demo-1.0.dist-info/
//!     METADATA  RECORD  INSTALLER  WHEEL
//!     REQUESTED?  direct_url.json?  entry_points.txt?
//!   demo/__init__.py
//!   demo/__pycache__/__init__.cpython-311.pyc   (owned even when not recorded)
//! ```
//!
//! RECORD paths are relative to the folder that holds `.dist-info`. pip's
//! `--target` writes scripts, headers and data with the prefix of its
//! temporary `--home` layout (`../../bin/tool` for `DIR/bin/tool`), so in a
//! target folder a path that leaves it through `../../` is read back inside
//! it. Nothing here deletes: [`InstalledDist::files`] only says what would go.

use std::collections::{BTreeSet, HashMap};
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, PackageName, Requirement};
use pipit_index::{parse_metadata, DistMetadata, MetadataError};

use crate::layout::InstallLayout;
use crate::record::{parse_record, RecordEntry, RecordError};

/// An installed distribution could not be read, or its RECORD names a file
/// pipit must not touch.
#[derive(Debug, thiserror::Error)]
pub enum InstalledError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{source}")]
    Metadata {
        #[from]
        source: MetadataError,
    },
    #[error("invalid RECORD `{}`: {source}", path.display())]
    Record { path: PathBuf, source: RecordError },
    #[error("cannot uninstall `{name}`: no RECORD in `{}`", dist_info.display())]
    NoRecord {
        name: PackageName,
        dist_info: PathBuf,
    },
    #[error("`{name}` RECORD row `{row}` points outside the target's folders: `{}`", path.display())]
    OutsideLayout {
        name: PackageName,
        row: String,
        path: PathBuf,
    },
}

/// One `[group]` entry of `entry_points.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    /// The section, e.g. `console_scripts`.
    pub group: String,
    /// The name before `=`.
    pub name: String,
    /// The object reference after `=`, e.g. `demo.cli:main`.
    pub value: String,
}

/// A `.dist-info` folder found in a layout; its files are read on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledDist {
    /// The normalized project name.
    pub name: PackageName,
    /// The installed version.
    pub version: Version,
    /// The `.dist-info` folder (absolute when the layout is).
    pub dist_info: PathBuf,
}

impl InstalledDist {
    /// Reads the `.dist-info` folder at `dist_info`: name and version from
    /// the folder name, or from METADATA when the folder name is odd.
    pub fn from_dist_info(dist_info: &Path) -> Result<Self, InstalledError> {
        let from_folder_name = dist_info
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".dist-info"))
            .and_then(|stem| {
                // `{name}-{version}`: pip escapes `-` in the name, so the
                // first `-` splits; legacy folders may have it elsewhere.
                [stem.split_once('-'), stem.rsplit_once('-')]
                    .into_iter()
                    .flatten()
                    .find_map(|(name, version)| {
                        Some((
                            PackageName::from_str(name).ok()?,
                            Version::from_str(version).ok()?,
                        ))
                    })
            });
        let (name, version) = match from_folder_name {
            Some(found) => found,
            None => {
                let metadata = read_metadata(dist_info)?;
                let name = PackageName::from_str(&metadata.name).map_err(|error| {
                    MetadataError::Invalid {
                        source_name: dist_info.join("METADATA").display().to_string(),
                        line: 0,
                        field: "Name".to_string(),
                        value: metadata.name.clone(),
                        message: error.to_string(),
                    }
                })?;
                (name, metadata.version)
            }
        };
        Ok(Self {
            name,
            version,
            dist_info: dist_info.to_path_buf(),
        })
    }

    /// The folder that holds the `.dist-info` folder (pip's `Location`).
    pub fn location(&self) -> &Path {
        self.dist_info.parent().unwrap_or(Path::new(""))
    }

    /// Parses `METADATA`.
    pub fn metadata(&self) -> Result<DistMetadata, InstalledError> {
        read_metadata(&self.dist_info)
    }

    /// `Requires-Dist`, read from METADATA's headers alone: the body (the
    /// long description, most of the file) is neither read nor decoded.
    /// The headers are checked as [`InstalledDist::metadata`] checks them,
    /// so a METADATA that one refuses, this refuses too.
    pub fn requires_dist(&self) -> Result<Vec<Requirement>, InstalledError> {
        let path = self.dist_info.join("METADATA");
        let headers = read_headers(&path).map_err(|source| InstalledError::Io {
            path: path.clone(),
            source,
        })?;
        // Every field the parser checks, so that it refuses what it would
        // refuse in the whole file.
        let fields = fields_only(
            &headers,
            &["name", "version", "requires-dist", "requires-python"],
        );
        Ok(parse_metadata(&fields, &path.display().to_string())?.requires_dist)
    }

    /// The `Requires-Dist` entries that apply to `markers` when no extra is
    /// requested (pip's `iter_dependencies()`).
    pub fn dependencies(
        &self,
        markers: &MarkerEnvironment,
    ) -> Result<Vec<Requirement>, InstalledError> {
        Ok(self
            .metadata()?
            .requires_dist
            .into_iter()
            .filter(|requirement| requirement.evaluate_markers(markers, &[]))
            .collect())
    }

    /// Parses `RECORD`; a missing RECORD is [`InstalledError::NoRecord`].
    pub fn record(&self) -> Result<Vec<RecordEntry>, InstalledError> {
        let path = self.dist_info.join("RECORD");
        let text = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return Err(InstalledError::NoRecord {
                    name: self.name.clone(),
                    dist_info: self.dist_info.clone(),
                })
            }
            Err(source) => return Err(InstalledError::Io { path, source }),
        };
        parse_record(&text).map_err(|source| InstalledError::Record { path, source })
    }

    /// The first line of `INSTALLER` (`pip`, `pipit`, `uv`…), if any.
    pub fn installer(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.dist_info.join("INSTALLER")).ok()?;
        let line = text.lines().next()?.trim();
        (!line.is_empty()).then(|| line.to_string())
    }

    /// Whether the user asked for it by name (a `REQUESTED` file exists).
    pub fn requested(&self) -> bool {
        self.dist_info.join("REQUESTED").is_file()
    }

    /// `direct_url.json` (PEP 610), when present and valid JSON.
    pub fn direct_url(&self) -> Option<serde_json::Value> {
        let bytes = std::fs::read(self.dist_info.join("direct_url.json")).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The entries of `entry_points.txt`, in file order (none when missing).
    pub fn entry_points(&self) -> Result<Vec<EntryPoint>, InstalledError> {
        let path = self.dist_info.join("entry_points.txt");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(InstalledError::Io { path, source }),
        };
        Ok(parse_entry_points(&text))
    }

    /// The absolute paths this distribution owns: every RECORD row, the
    /// files of the `.dist-info` folder, and the `__pycache__/<stem>.*.pyc`
    /// next to each recorded `.py` (as pip's uninstall adds them). Sorted,
    /// without repeats; a recorded file may no longer exist. A row that
    /// points outside the layout's folders is an error: nothing outside is
    /// ever removed.
    pub fn files(&self, layout: &InstallLayout) -> Result<Vec<PathBuf>, InstalledError> {
        let mut files: BTreeSet<PathBuf> = self
            .recorded_files(layout)?
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        let mut pycache: HashMap<PathBuf, Vec<String>> = HashMap::new();
        let sources: Vec<PathBuf> = files
            .iter()
            .filter(|path| path.extension().is_some_and(|extension| extension == "py"))
            .cloned()
            .collect();
        for source in sources {
            let (Some(parent), Some(stem)) = (source.parent(), source.file_stem()) else {
                continue;
            };
            let cache_dir = parent.join("__pycache__");
            let names = pycache
                .entry(cache_dir.clone())
                .or_insert_with(|| list_names(&cache_dir));
            let prefix = format!("{}.", stem.to_string_lossy());
            for name in names.iter() {
                if name.starts_with(&prefix) && name.ends_with(".pyc") {
                    files.insert(cache_dir.join(name));
                }
            }
        }
        walk_files(&normalize_lexically(&self.dist_info), &mut files)?;
        Ok(files.into_iter().collect())
    }

    /// Every RECORD row with the absolute path it names. A row that points
    /// outside the layout's folders (or into pipit's `.pipit/`) is an error.
    pub fn recorded_files(
        &self,
        layout: &InstallLayout,
    ) -> Result<Vec<(RecordEntry, PathBuf)>, InstalledError> {
        let base = self.location().to_path_buf();
        let folders: Vec<PathBuf> = layout
            .folders()
            .into_iter()
            .map(normalize_lexically)
            .collect();
        let root = normalize_lexically(&layout.root);
        let mut rows = Vec::new();
        for entry in self.record()? {
            let path = self.resolve_row(&entry.path, &base, &root, layout.target_mode);
            let inside = folders
                .iter()
                .any(|folder| path.starts_with(folder) && path != *folder);
            if !inside || path.starts_with(root.join(crate::lock::STATE_DIR)) {
                return Err(InstalledError::OutsideLayout {
                    name: self.name.clone(),
                    row: entry.path,
                    path,
                });
            }
            rows.push((entry, path));
        }
        Ok(rows)
    }

    fn resolve_row(&self, row: &str, base: &Path, root: &Path, target_mode: bool) -> PathBuf {
        let relative = Path::new(row);
        if relative.is_absolute() {
            return normalize_lexically(relative);
        }
        if target_mode {
            // pip's `--target` wrote the row relative to `<tmp>/lib/python`
            // and then moved `<tmp>/*` into the target.
            let mut components = relative.components();
            let leading: Vec<Component> = components.by_ref().take(2).collect();
            if leading == [Component::ParentDir, Component::ParentDir] {
                return normalize_lexically(&root.join(components.as_path()));
            }
        }
        normalize_lexically(&base.join(relative))
    }
}

/// Every `.dist-info` folder in the layout's purelib and platlib folders,
/// sorted by name then version. A missing folder holds nothing; a folder
/// whose name and METADATA both fail to say what it is, is skipped.
pub fn installed_dists(layout: &InstallLayout) -> Result<Vec<InstalledDist>, InstalledError> {
    let mut folders = vec![&layout.purelib];
    if layout.platlib != layout.purelib {
        folders.push(&layout.platlib);
    }
    let mut dists = Vec::new();
    for folder in folders {
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(InstalledError::Io {
                    path: folder.clone(),
                    source,
                })
            }
        };
        for entry in entries {
            let entry = entry.map_err(|source| InstalledError::Io {
                path: folder.clone(),
                source,
            })?;
            let path = entry.path();
            let is_dist_info = path
                .extension()
                .is_some_and(|extension| extension == "dist-info");
            if !is_dist_info || !is_dir(&entry) {
                continue;
            }
            // An unreadable `.dist-info` is not a distribution (pip skips it too).
            if let Ok(dist) = InstalledDist::from_dist_info(&path) {
                dists.push(dist);
            }
        }
    }
    dists.sort_by(|a, b| {
        (&a.name, &a.version, &a.dist_info).cmp(&(&b.name, &b.version, &b.dist_info))
    });
    Ok(dists)
}

/// Whether a folder entry is a folder, or a link to one, from the type the
/// listing already gives (no `stat` per entry, except for links).
fn is_dir(entry: &std::fs::DirEntry) -> bool {
    match entry.file_type() {
        Ok(kind) if kind.is_dir() => true,
        Ok(kind) if !kind.is_symlink() => false,
        _ => entry.path().is_dir(),
    }
}

/// Parses `entry_points.txt` (INI: `[group]`, then `name = value` lines).
pub fn parse_entry_points(text: &str) -> Vec<EntryPoint> {
    let mut group = None;
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = Some(section.trim().to_string());
            continue;
        }
        let (Some(group), Some((name, value))) = (&group, line.split_once('=')) else {
            continue;
        };
        entries.push(EntryPoint {
            group: group.clone(),
            name: name.trim().to_string(),
            value: value.trim().to_string(),
        });
    }
    entries
}

fn read_metadata(dist_info: &Path) -> Result<DistMetadata, InstalledError> {
    let path = dist_info.join("METADATA");
    let bytes = std::fs::read(&path).map_err(|source| InstalledError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(parse_metadata(&bytes, &path.display().to_string())?)
}

/// The bytes of METADATA up to its first empty line, where the headers
/// end and the body starts (as `email.parser` reads it: the line is empty
/// once its `\n` and `\r` are gone). Line by line, so a long body is not
/// read at all.
fn read_headers(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut headers = Vec::new();
    loop {
        let start = headers.len();
        if reader.read_until(b'\n', &mut headers)? == 0 {
            return Ok(headers);
        }
        let line = &headers[start..];
        if line.iter().all(|byte| matches!(byte, b'\n' | b'\r')) {
            headers.truncate(start);
            return Ok(headers);
        }
    }
}

/// The lines of the `fields` headers (lowercase names), continuation lines
/// included, of METADATA's header block: what the metadata parser would
/// make of those fields is unchanged, and it has much less to go through
/// (classifiers and project URLs are most of the headers). A header ends
/// where the parser ends it: at a line that is neither a header (`Name:`,
/// an ASCII name without blanks) nor a continuation (leading blank).
fn fields_only(headers: &[u8], fields: &[&str]) -> Vec<u8> {
    let headers = headers.strip_prefix(b"\xef\xbb\xbf").unwrap_or(headers);
    let mut kept = Vec::new();
    let mut in_header = false;
    let mut keep = false;
    for line in headers.split_inclusive(|byte| *byte == b'\n') {
        if in_header && (line.starts_with(b" ") || line.starts_with(b"\t")) {
            if keep {
                kept.extend_from_slice(line);
            }
            continue;
        }
        let colon = line.iter().position(|byte| *byte == b':');
        let name = colon.map(|colon| &line[..colon]);
        match name {
            Some(name)
                if !name.is_empty()
                    && name.is_ascii()
                    && !name.iter().any(|byte| matches!(byte, b' ' | b'\t')) =>
            {
                in_header = true;
                keep = fields
                    .iter()
                    .any(|field| name.eq_ignore_ascii_case(field.as_bytes()));
                if keep {
                    kept.extend_from_slice(line);
                }
            }
            // The parser takes the rest as the body.
            _ => break,
        }
    }
    kept
}

fn list_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Adds every file (and symlink) under `dir`, without following links.
fn walk_files(dir: &Path, files: &mut BTreeSet<PathBuf>) -> Result<(), InstalledError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(InstalledError::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| InstalledError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let is_dir = entry
            .file_type()
            .map(|kind| kind.is_dir())
            .map_err(|source| InstalledError::Io {
                path: path.clone(),
                source,
            })?;
        if is_dir {
            walk_files(&path, files)?;
        } else {
            files.insert(path);
        }
    }
    Ok(())
}

/// `path` with `.` and `..` resolved without touching the file system
/// (symlinks are not followed: a RECORD row names the link, not its target).
pub fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let can_pop = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if can_pop {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
