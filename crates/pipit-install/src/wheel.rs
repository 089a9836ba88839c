//! One wheel, from a verified `.whl` file to an unpacked folder whose every
//! file matches the wheel's `RECORD` (binary distribution format, PEP 427
//! and PEP 491).
//!
//! Everything is checked before a byte is written, except what only the
//! bytes can tell (hash, real size), which is checked while writing:
//!
//! - entry names: no `..`, `.` or empty components, no absolute paths, drive
//!   letters, backslashes or NUL;
//! - no symbolic link entries at all: a link inside the cache would later be
//!   hard-linked or copied into a target, and whether its target stays inside
//!   depends on where it lands, so pipit refuses them instead of judging them
//!   (pip extracts them as small text files holding the link target);
//! - no entry twice, also not twice under different case (they would collide
//!   on macOS and Windows);
//! - every file but `RECORD` and its signatures listed in `RECORD` with a
//!   sha256 hash, and matching it and the recorded size: a file missing from
//!   `RECORD` is refused, since nothing vouches for its bytes (`RECORD`
//!   rows naming files the archive lacks are ignored, as pip ignores them);
//! - `RECORD`, `METADATA` and `WHEEL` present, `Wheel-Version` 1.x, one
//!   `.dist-info` folder whose name and version, and whose `METADATA`
//!   `Name`/`Version`, match the file name (normalised name, PEP 440 equal
//!   version);
//! - decompression bounded: an entry never inflates past its declared size,
//!   and the declared sizes together stay under [`MAX_UNPACKED_SIZE`].
//!
//! `RECORD` may also have rows without hash for files that are not in the
//! archive; see [`WheelInfo::record`].

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;
use pipit_index::{normalize_name, WheelFilename};
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use crate::at::OpenFolder;
use crate::folders::Folders;
use crate::parallel::{in_parallel, split_by_weight, threads_for, Loan};
use crate::positional::PositionalReader;
use crate::record::{parse_record, RecordEntry, RecordError};

/// The most a wheel may unpack to, summed over its entries' declared sizes.
pub const MAX_UNPACKED_SIZE: u64 = 16 << 30;

/// The most a metadata file (`RECORD`, `METADATA`, `WHEEL`,
/// `entry_points.txt`) may hold; they are read into memory.
const MAX_METADATA_FILE: u64 = 64 << 20;

/// The `.data` categories a wheel may install into.
pub const DATA_CATEGORIES: [&str; 5] = ["purelib", "platlib", "scripts", "headers", "data"];

/// A wheel that cannot be unpacked or installed, or a file system failure
/// while doing so. Messages are one line and name the wheel and the entry.
#[derive(Debug, thiserror::Error)]
pub enum WheelError {
    #[error("cannot access `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("wheel `{wheel}`: cannot read the archive: {message}")]
    Zip { wheel: String, message: String },
    #[error("wheel `{wheel}`: cannot read `{entry}`: {message}")]
    Entry {
        wheel: String,
        entry: String,
        message: String,
    },
    #[error("wheel `{wheel}` has an unsafe entry `{entry}`: {reason}")]
    UnsafePath {
        wheel: String,
        entry: String,
        reason: &'static str,
    },
    #[error("wheel `{wheel}` has a symbolic link entry `{entry}`; pipit does not install links from wheels")]
    Symlink { wheel: String, entry: String },
    #[error("wheel `{wheel}` holds `{entry}` twice (also as `{other}`)")]
    Duplicate {
        wheel: String,
        entry: String,
        other: String,
    },
    #[error("wheel `{wheel}`: `{entry}` does not match its RECORD hash")]
    HashMismatch { wheel: String, entry: String },
    #[error("wheel `{wheel}`: `{entry}` is {actual} bytes, RECORD says {recorded}")]
    SizeMismatch {
        wheel: String,
        entry: String,
        recorded: u64,
        actual: u64,
    },
    #[error("wheel `{wheel}`: `{entry}` is not listed in RECORD")]
    NotInRecord { wheel: String, entry: String },
    #[error("wheel `{wheel}`: RECORD has no sha256 hash for `{entry}`")]
    NoRecordHash { wheel: String, entry: String },
    #[error("wheel `{wheel}`: `{entry}` inflates past its declared size of {declared} bytes")]
    LyingSize {
        wheel: String,
        entry: String,
        declared: u64,
    },
    #[error("wheel `{wheel}`: `{entry}` ends before its declared size of {declared} bytes")]
    ShortEntry {
        wheel: String,
        entry: String,
        declared: u64,
    },
    #[error("wheel `{wheel}` unpacks to more than {limit} bytes (at `{entry}`)")]
    TooLarge {
        wheel: String,
        entry: String,
        limit: u64,
    },
    #[error("wheel `{wheel}` has no `{entry}`")]
    Missing { wheel: String, entry: String },
    #[error("wheel `{wheel}` has two `.dist-info` folders: `{entry}` and `{other}`")]
    TwoDistInfo {
        wheel: String,
        entry: String,
        other: String,
    },
    #[error("wheel `{wheel}`: `{entry}` does not match the file name (expected `{expected}`)")]
    DistInfoMismatch {
        wheel: String,
        entry: String,
        expected: String,
    },
    #[error("wheel `{wheel}`: `{field}: {found}` in `{entry}` does not match the file name's `{expected}`")]
    MetadataMismatch {
        wheel: String,
        entry: String,
        field: &'static str,
        found: String,
        expected: String,
    },
    #[error("wheel `{wheel}`: invalid `{entry}`: {message}")]
    InvalidMetadata {
        wheel: String,
        entry: String,
        message: String,
    },
    #[error("wheel `{wheel}`: invalid `{entry}`: {source}")]
    Record {
        wheel: String,
        entry: String,
        source: RecordError,
    },
    #[error("wheel `{wheel}` has `Wheel-Version: {version}` in `{entry}`; pipit installs version 1 wheels")]
    WheelVersion {
        wheel: String,
        entry: String,
        version: String,
    },
    #[error("wheel `{wheel}`: `{entry}` is not in a `.data` category (purelib, platlib, scripts, headers, data)")]
    DataCategory { wheel: String, entry: String },
    #[error("wheel `{wheel}`: invalid entry point `{entry}`: {reason}")]
    EntryPoint {
        wheel: String,
        entry: String,
        reason: String,
    },
    #[error("wheel `{wheel}`: `{entry}` and `{other}` both install to `{}`", path.display())]
    SameDestination {
        wheel: String,
        entry: String,
        other: String,
        path: PathBuf,
    },
    #[error("wheel `{wheel}`: `{entry}` would install into pipit's state folder `.pipit`")]
    StateDir { wheel: String, entry: String },
    #[error("wheel `{wheel}`: cannot stage `{entry}` at `{}`: {source}", path.display())]
    Staging {
        wheel: String,
        entry: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` is not a link mode (hardlink, clone, copy or symlink)")]
    LinkMode(String),
    #[error("`{0}` is not a lowercase sha256 hex digest")]
    CacheKey(String),
    #[error("cannot compile bytecode with `{}`: {message}", python.display())]
    Compile { python: PathBuf, message: String },
}

impl WheelError {
    /// An [`WheelError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> WheelError {
        let path = path.into();
        move |source| WheelError::Io { path, source }
    }
}

/// What pipit knows about an unpacked wheel after checking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelInfo {
    /// The project name as `METADATA` spells it.
    pub name: String,
    /// The version as `METADATA` spells it.
    pub version: String,
    /// `<name>-<version>.dist-info`, as the archive spells it.
    pub dist_info_dir: String,
    /// `<name>-<version>.data`, the `.dist-info` folder's stem plus `.data`.
    pub data_dir: String,
    /// `Root-Is-Purelib` of `WHEEL`.
    pub root_is_purelib: bool,
    /// The wheel's `RECORD` rows for the files it holds (each one verified
    /// when it was unpacked), in `RECORD`'s order, `RECORD` itself included.
    pub record: Vec<RecordEntry>,
    /// `entry_points.txt`, when the wheel has one.
    pub entry_points: Option<String>,
}

impl WheelInfo {
    /// `<dist-info>/RECORD`.
    pub fn record_path(&self) -> String {
        format!("{}/RECORD", self.dist_info_dir)
    }
}

/// A wheel's display name in messages: its file name (the file on disk
/// may be a blob named by its hash).
pub(crate) fn wheel_display(filename: &WheelFilename) -> String {
    filename.to_string()
}

/// Where a wheel's bytes are read: its path, and the file already open when
/// the path may change meanwhile (a download still moving into the cache).
#[derive(Debug, Clone, Copy)]
pub struct WheelSource<'a> {
    path: &'a Path,
    open: Option<&'a std::fs::File>,
}

impl<'a> WheelSource<'a> {
    /// The wheel at `path`, read through `file`, which was opened there.
    pub fn open(path: &'a Path, file: &'a std::fs::File) -> Self {
        Self {
            path,
            open: Some(file),
        }
    }

    /// Where the wheel is (or was, when it was opened), for messages.
    pub fn path(&self) -> &'a Path {
        self.path
    }

    fn file(&self) -> Result<std::fs::File, WheelError> {
        match self.open {
            Some(file) => file.try_clone(),
            None => std::fs::File::open(self.path),
        }
        .map_err(WheelError::io(self.path))
    }
}

impl<'a, P: AsRef<Path> + ?Sized> From<&'a P> for WheelSource<'a> {
    fn from(path: &'a P) -> Self {
        Self {
            path: path.as_ref(),
            open: None,
        }
    }
}

/// Unpacks `wheel` into `dest` (an empty or missing folder), checking it
/// as the module documentation says. On error `dest` may hold part of the
/// wheel: callers unpack into a folder of their own and discard it.
pub fn unpack_wheel<'a>(
    wheel: impl Into<WheelSource<'a>>,
    filename: &WheelFilename,
    dest: &Path,
) -> Result<WheelInfo, WheelError> {
    unpack_wheel_limited(wheel, filename, dest, MAX_UNPACKED_SIZE, |_| Loan::alone())
}

/// How many bytes (uncompressed, plus [`FILE_WEIGHT`] per file) one
/// thread extracts before a wheel's entries are shared out.
pub const BYTES_PER_THREAD: u64 = 16 * 1024 * 1024;

/// What creating one file costs, counted as bytes extracted.
const FILE_WEIGHT: u64 = 16 * 1024;

struct Item {
    index: usize,
    name: String,
    size: u64,
    executable: bool,
}

/// [`unpack_wheel`] with an unpacked-size limit, on the threads `lend`
/// spares it (it asks for one per [`BYTES_PER_THREAD`]).
pub(crate) fn unpack_wheel_limited<'a>(
    wheel: impl Into<WheelSource<'a>>,
    filename: &WheelFilename,
    dest: &Path,
    limit: u64,
    lend: impl Fn(usize) -> Loan,
) -> Result<WheelInfo, WheelError> {
    let display = wheel_display(filename);
    let zip_error = |error: zip::result::ZipError| WheelError::Zip {
        wheel: display.clone(),
        message: error.to_string(),
    };
    let wheel = wheel.into();
    let reader = PositionalReader::new(wheel.file()?).map_err(WheelError::io(wheel.path()))?;
    let mut archive = ZipArchive::new(reader).map_err(zip_error)?;

    let mut files: Vec<Item> = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(zip_error)?;
        let name = entry.name().to_string();
        let unsafe_path = |reason| WheelError::UnsafePath {
            wheel: display.clone(),
            entry: name.escape_default().to_string(),
            reason,
        };
        if entry.name_raw().contains(&0) {
            return Err(unsafe_path("it holds a NUL byte"));
        }
        let is_dir = name.ends_with('/');
        check_entry_name(name.strip_suffix('/').unwrap_or(&name)).map_err(unsafe_path)?;
        if entry
            .unix_mode()
            .is_some_and(|mode| mode & 0o170000 == 0o120000)
        {
            return Err(WheelError::Symlink {
                wheel: display.clone(),
                entry: name,
            });
        }
        if is_dir {
            dirs.push(name);
            continue;
        }
        // Case-insensitive file systems would merge these two entries.
        if let Some(other) = seen.insert(name.to_lowercase(), name.clone()) {
            return Err(WheelError::Duplicate {
                wheel: display.clone(),
                entry: name,
                other,
            });
        }
        total = total.saturating_add(entry.size());
        if total > limit {
            return Err(WheelError::TooLarge {
                wheel: display.clone(),
                entry: name,
                limit,
            });
        }
        files.push(Item {
            index,
            size: entry.size(),
            executable: entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0),
            name,
        });
    }

    let dist_info_dir = find_dist_info(&display, filename, files.iter().map(|f| f.name.as_str()))?;
    let mut read_small = |entry: &str| -> Result<Option<Vec<u8>>, WheelError> {
        if !seen.contains_key(&entry.to_lowercase()) {
            return Ok(None);
        }
        let Ok(file) = archive.by_name(entry) else {
            return Ok(None);
        };
        read_bounded(file, &display, entry).map(Some)
    };
    let record_path = format!("{dist_info_dir}/RECORD");
    let record = read_small(&record_path)?;
    let wheel_file = read_small(&format!("{dist_info_dir}/WHEEL"))?;
    let metadata = read_small(&format!("{dist_info_dir}/METADATA"))?;
    let entry_points = read_small(&format!("{dist_info_dir}/entry_points.txt"))?;
    let present: BTreeSet<&str> = files.iter().map(|item| item.name.as_str()).collect();
    let info = build_info(
        &display,
        filename,
        &dist_info_dir,
        MetadataFiles {
            record,
            wheel: wheel_file,
            metadata,
            entry_points,
        },
        |entry| present.contains(entry.path.as_str()),
    )?;

    let recorded: HashMap<&str, &RecordEntry> = info
        .record
        .iter()
        .map(|entry| (entry.path.as_str(), entry))
        .collect();
    let mut expected: Vec<Option<Vec<u8>>> = Vec::with_capacity(files.len());
    for item in &files {
        check_data_entry(&display, &item.name)?;
        if item.name == record_path || is_record_signature(&dist_info_dir, &item.name) {
            expected.push(None);
            continue;
        }
        let Some(entry) = recorded.get(item.name.as_str()) else {
            return Err(WheelError::NotInRecord {
                wheel: display.clone(),
                entry: item.name.clone(),
            });
        };
        let Some(digest) = entry.sha256() else {
            return Err(WheelError::NoRecordHash {
                wheel: display.clone(),
                entry: item.name.clone(),
            });
        };
        if let Some(recorded) = entry.size.filter(|size| *size != item.size) {
            return Err(WheelError::SizeMismatch {
                wheel: display.clone(),
                entry: item.name.clone(),
                recorded,
                actual: item.size,
            });
        }
        expected.push(Some(digest));
    }

    std::fs::create_dir_all(dest).map_err(WheelError::io(dest))?;
    for dir in &dirs {
        let path = dest.join(dir.trim_end_matches('/'));
        std::fs::create_dir_all(&path).map_err(WheelError::io(&path))?;
    }
    let extract = |archive: &mut ZipArchive<PositionalReader>,
                   part: Vec<(&Item, Option<Vec<u8>>)>| {
        let mut folders = Folders::default();
        let mut buffer = vec![0u8; EXTRACT_CHUNK];
        for (item, digest) in part {
            let entry = archive.by_index(item.index).map_err(zip_error)?;
            let path = dest.join(&item.name);
            folders.create_parent(&path)?;
            let actual = extract_entry(entry, item, &path, &display, &mut buffer)?;
            if let Some(digest) = digest {
                if actual != digest {
                    return Err(WheelError::HashMismatch {
                        wheel: display.clone(),
                        entry: item.name.clone(),
                    });
                }
            }
        }
        Ok(())
    };
    let weight = |(item, _): &(&Item, Option<Vec<u8>>)| item.size.saturating_add(FILE_WEIGHT);
    let work: Vec<(&Item, Option<Vec<u8>>)> = files.iter().zip(expected).collect();
    let amount = work.iter().map(weight).fold(0, u64::saturating_add);
    let loan = lend(threads_for(amount, BYTES_PER_THREAD, usize::MAX));
    let mut parts = split_by_weight(work, loan.threads, weight);
    if parts.len() == 1 {
        drop(loan);
        extract(&mut archive, parts.pop().unwrap_or_default())?;
    } else {
        // Each thread reads the same open file through its own copy of the
        // archive (and of its position).
        let archive = &archive;
        let results = in_parallel(parts, |part| extract(&mut archive.clone(), part));
        drop(loan);
        for result in results {
            result?;
        }
    }
    Ok(info)
}

/// How much of an entry is inflated before it is hashed and written. The
/// inflater hands out uneven pieces; gathering them makes one `write` per
/// file up to this size, and page-aligned writes beyond it, so the kernel
/// neither enters once per piece nor zeroes and fills the same page twice.
const EXTRACT_CHUNK: usize = 256 * 1024;

/// Writes one entry to `path` while hashing it, never past its declared
/// size; returns the sha256 digest. `buffer` is scratch space, reused
/// across entries.
fn extract_entry(
    mut entry: zip::read::ZipFile<'_, PositionalReader>,
    item: &Item,
    path: &Path,
    wheel: &str,
    buffer: &mut [u8],
) -> Result<Vec<u8>, WheelError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if item.executable {
        use std::os::unix::fs::OpenOptionsExt;
        // The kernel applies the umask; x bits are forced below, as pip does.
        options.mode(0o777);
    }
    let mut file = options.open(path).map_err(WheelError::io(path))?;
    let mut hasher = Sha256::new();
    let mut written: u64 = 0;
    loop {
        // One byte more than is left: enough to see an entry that inflates
        // past its declared size, and no more.
        let left = item.size.saturating_sub(written).saturating_add(1);
        let wanted = usize::try_from(left).map_or(buffer.len(), |left| left.min(buffer.len()));
        let read = fill(&mut entry, &mut buffer[..wanted]).map_err(|error| WheelError::Entry {
            wheel: wheel.to_string(),
            entry: item.name.clone(),
            message: error.to_string(),
        })?;
        if read == 0 {
            break;
        }
        written += read as u64;
        if written > item.size {
            return Err(WheelError::LyingSize {
                wheel: wheel.to_string(),
                entry: item.name.clone(),
                declared: item.size,
            });
        }
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read])
            .map_err(WheelError::io(path))?;
        if read < wanted {
            break;
        }
    }
    if written != item.size {
        return Err(WheelError::ShortEntry {
            wheel: wheel.to_string(),
            entry: item.name.clone(),
            declared: item.size,
        });
    }
    #[cfg(unix)]
    if item.executable {
        use std::os::unix::fs::PermissionsExt;
        // pip: `0o777 & ~umask | 0o111`; the file was created with the first part.
        let metadata = file.metadata().map_err(WheelError::io(path))?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o111 != 0o111 {
            file.set_permissions(std::fs::Permissions::from_mode(mode | 0o111))
                .map_err(WheelError::io(path))?;
        }
    }
    Ok(hasher.finalize().to_vec())
}

/// Reads until `buffer` is full or the reader ends; how many bytes it got.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn read_bounded(file: impl Read, wheel: &str, entry: &str) -> Result<Vec<u8>, WheelError> {
    let mut bytes = Vec::new();
    file.take(MAX_METADATA_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| WheelError::Entry {
            wheel: wheel.to_string(),
            entry: entry.to_string(),
            message: error.to_string(),
        })?;
    if bytes.len() as u64 > MAX_METADATA_FILE {
        return Err(WheelError::TooLarge {
            wheel: wheel.to_string(),
            entry: entry.to_string(),
            limit: MAX_METADATA_FILE,
        });
    }
    Ok(bytes)
}

/// Why an archive entry name is unsafe to join to a folder, if it is.
pub(crate) fn check_entry_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    // One pass over the bytes (every RECORD row of every cached wheel is
    // checked again on each warm install); the errors keep their order.
    let (mut nul, mut backslash, mut dot_dot, mut empty_or_dot) = (false, false, false, false);
    for part in bytes.split(|byte| *byte == b'/') {
        nul |= part.contains(&0);
        backslash |= part.contains(&b'\\');
        dot_dot |= part == b"..";
        empty_or_dot |= part.is_empty() || part == b".";
    }
    if name.is_empty() {
        Err("it is empty")
    } else if nul {
        Err("it holds a NUL byte")
    } else if backslash {
        Err("it holds a backslash")
    } else if name.starts_with('/') {
        Err("it is an absolute path")
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        Err("it starts with a drive letter")
    } else if dot_dot {
        Err("it holds a `..` component")
    } else if empty_or_dot {
        Err("it holds an empty or `.` component")
    } else {
        Ok(())
    }
}

fn is_record_signature(dist_info_dir: &str, name: &str) -> bool {
    name.strip_prefix(dist_info_dir)
        .is_some_and(|rest| rest == "/RECORD.jws" || rest == "/RECORD.p7s")
}

/// pip's rule: a top-level `*.data` folder holds `<category>/<path>`.
fn check_data_entry(wheel: &str, name: &str) -> Result<(), WheelError> {
    let mut parts = name.splitn(3, '/');
    let top = parts.next().unwrap_or_default();
    if !top.ends_with(".data") {
        return Ok(());
    }
    match (parts.next(), parts.next()) {
        (Some(category), Some(_)) if DATA_CATEGORIES.contains(&category) => Ok(()),
        (Some(_), None) if top == name => Ok(()),
        _ => Err(WheelError::DataCategory {
            wheel: wheel.to_string(),
            entry: name.to_string(),
        }),
    }
}

/// The one top-level `.dist-info` folder among `names`, checked against the
/// file name.
fn find_dist_info<'a>(
    wheel: &str,
    filename: &WheelFilename,
    names: impl Iterator<Item = &'a str>,
) -> Result<String, WheelError> {
    let mut found: Option<&str> = None;
    for name in names {
        let Some((top, _)) = name.split_once('/') else {
            continue;
        };
        if !top.to_ascii_lowercase().ends_with(".dist-info") {
            continue;
        }
        match found {
            Some(first) if first != top => {
                return Err(WheelError::TwoDistInfo {
                    wheel: wheel.to_string(),
                    entry: first.to_string(),
                    other: top.to_string(),
                })
            }
            _ => found = Some(top),
        }
    }
    let expected = format!("{}-{}.dist-info", filename.name, filename.version);
    let Some(dist_info) = found else {
        return Err(WheelError::Missing {
            wheel: wheel.to_string(),
            entry: expected,
        });
    };
    let stem = &dist_info[..dist_info.len() - ".dist-info".len()];
    let matches = stem.rsplit_once('-').is_some_and(|(name, version)| {
        normalize_name(name) == normalize_name(&filename.name)
            && same_version(version, &filename.version)
    });
    if !matches {
        return Err(WheelError::DistInfoMismatch {
            wheel: wheel.to_string(),
            entry: dist_info.to_string(),
            expected,
        });
    }
    Ok(dist_info.to_string())
}

/// PEP 440 equality, or the same text when either side does not parse.
fn same_version(left: &str, right: &str) -> bool {
    match (Version::from_str(left), Version::from_str(right)) {
        (Ok(left), Ok(right)) => left == right,
        _ => left.eq_ignore_ascii_case(right),
    }
}

pub(crate) struct MetadataFiles {
    pub(crate) record: Option<Vec<u8>>,
    pub(crate) wheel: Option<Vec<u8>>,
    pub(crate) metadata: Option<Vec<u8>>,
    pub(crate) entry_points: Option<Vec<u8>>,
}

/// Checks a wheel's `.dist-info` files and builds its [`WheelInfo`];
/// `present` says whether the archive holds a RECORD row's file (it is
/// asked once per row with a safe path, RECORD's own row aside).
pub(crate) fn build_info(
    wheel: &str,
    filename: &WheelFilename,
    dist_info_dir: &str,
    files: MetadataFiles,
    mut present: impl FnMut(&RecordEntry) -> bool,
) -> Result<WheelInfo, WheelError> {
    let missing = |file: &str| WheelError::Missing {
        wheel: wheel.to_string(),
        entry: format!("{dist_info_dir}/{file}"),
    };
    let text = |file: &str, bytes: Vec<u8>| {
        String::from_utf8(bytes).map_err(|_| WheelError::InvalidMetadata {
            wheel: wheel.to_string(),
            entry: format!("{dist_info_dir}/{file}"),
            message: "it is not UTF-8".to_string(),
        })
    };
    let record_text = text("RECORD", files.record.ok_or_else(|| missing("RECORD"))?)?;
    let wheel_text = text("WHEEL", files.wheel.ok_or_else(|| missing("WHEEL"))?)?;
    let metadata_bytes = files.metadata.ok_or_else(|| missing("METADATA"))?;
    let entry_points = files
        .entry_points
        .map(|bytes| text("entry_points.txt", bytes))
        .transpose()?;

    let wheel_entry = format!("{dist_info_dir}/WHEEL");
    let field = |name: &str| {
        wheel_text.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let wheel_version = field("Wheel-Version").ok_or_else(|| WheelError::InvalidMetadata {
        wheel: wheel.to_string(),
        entry: wheel_entry.clone(),
        message: "it has no `Wheel-Version`".to_string(),
    })?;
    if wheel_version.split('.').next() != Some("1") {
        return Err(WheelError::WheelVersion {
            wheel: wheel.to_string(),
            entry: wheel_entry,
            version: wheel_version,
        });
    }
    let root_is_purelib = field("Root-Is-Purelib").is_some_and(|v| v.eq_ignore_ascii_case("true"));

    let metadata_entry = format!("{dist_info_dir}/METADATA");
    let metadata =
        pipit_index::parse_metadata(&metadata_bytes, &metadata_entry).map_err(|error| {
            WheelError::InvalidMetadata {
                wheel: wheel.to_string(),
                entry: metadata_entry.clone(),
                message: error.to_string(),
            }
        })?;
    if normalize_name(&metadata.name) != normalize_name(&filename.name) {
        return Err(WheelError::MetadataMismatch {
            wheel: wheel.to_string(),
            entry: metadata_entry,
            field: "Name",
            found: metadata.name,
            expected: filename.name.clone(),
        });
    }
    if !Version::from_str(&filename.version).is_ok_and(|version| version == metadata.version) {
        return Err(WheelError::MetadataMismatch {
            wheel: wheel.to_string(),
            entry: metadata_entry,
            field: "Version",
            found: metadata.version.to_string(),
            expected: filename.version.clone(),
        });
    }

    let record_path = format!("{dist_info_dir}/RECORD");
    let mut record = parse_record(&record_text).map_err(|source| WheelError::Record {
        wheel: wheel.to_string(),
        entry: record_path.clone(),
        source,
    })?;
    record.retain(|entry| {
        entry.path == record_path || (check_entry_name(&entry.path).is_ok() && present(entry))
    });
    if !record.iter().any(|entry| entry.path == record_path) {
        record.push(RecordEntry {
            path: record_path,
            hash: None,
            size: None,
        });
    }
    let stem = &dist_info_dir[..dist_info_dir.len() - ".dist-info".len()];
    Ok(WheelInfo {
        name: metadata.name,
        version: metadata_version_text(&metadata_bytes)
            .unwrap_or_else(|| metadata.version.to_string()),
        dist_info_dir: dist_info_dir.to_string(),
        data_dir: format!("{stem}.data"),
        root_is_purelib,
        record,
        entry_points,
    })
}

/// The `Version` header as written (the parsed form normalises it).
fn metadata_version_text(metadata: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(metadata);
    text.lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case("version")
                .then(|| value.trim().to_string())
        })
}

/// Reads the [`WheelInfo`] of a folder that [`unpack_wheel`] filled, without
/// re-hashing its files.
pub fn read_unpacked_info(dir: &Path, filename: &WheelFilename) -> Result<WheelInfo, WheelError> {
    read_unpacked_checked(dir, filename).map(|(info, _)| info)
}

/// [`read_unpacked_info`], and the RECORD rows with a hash whose file is
/// missing or not of the recorded size, from one `lstat` per row (asked
/// through the open folder, see `at.rs`): the check a cached tree passes
/// before it is linked from, nothing is read.
pub fn read_unpacked_checked(
    dir: &Path,
    filename: &WheelFilename,
) -> Result<(WheelInfo, Vec<String>), WheelError> {
    let wheel = format!("{}-{}", filename.name, filename.version);
    let mut tops = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(WheelError::io(dir))? {
        let entry = entry.map_err(WheelError::io(dir))?;
        if let Some(name) = entry.file_name().to_str() {
            tops.push(format!("{name}/x"));
        }
    }
    let dist_info_dir = find_dist_info(&wheel, filename, tops.iter().map(String::as_str))?;
    let read = |file: &str| -> Result<Option<Vec<u8>>, WheelError> {
        let path = dir.join(&dist_info_dir).join(file);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(WheelError::Io { path, source }),
        }
    };
    let files = MetadataFiles {
        record: read("RECORD")?,
        wheel: read("WHEEL")?,
        metadata: read("METADATA")?,
        entry_points: read("entry_points.txt")?,
    };
    let incomplete = std::cell::RefCell::new(Vec::new());
    let mut folder = OpenFolder::default();
    let info = build_info(&wheel, filename, &dist_info_dir, files, |entry| {
        let size = folder.regular_file_size(&dir.join(&entry.path));
        let complete = size.is_some_and(|size| entry.size.is_none_or(|recorded| recorded == size));
        if entry.hash.is_some() && !complete {
            incomplete.borrow_mut().push(entry.path.clone());
        }
        size.is_some()
    })?;
    Ok((info, incomplete.into_inner()))
}

#[cfg(test)]
pub(crate) mod tests;
