//! Installing one unpacked wheel into a staging tree, by pip's rules, so
//! that the orchestrator can move it into place with renames.
//!
//! The staging tree mirrors the final layout below [`staging_base`], the
//! deepest folder holding every folder of the layout (the target itself with
//! `--target`; the environment's prefix otherwise):
//!
//! ```text
//! final:   <base>/lib/python3.12/site-packages/demo/__init__.py
//!          <base>/bin/demo
//! staged:  <staging_root>/lib/python3.12/site-packages/demo/__init__.py
//!          <staging_root>/bin/demo
//! ```
//!
//! Where each part of the wheel goes (pip's rules):
//!
//! | in the wheel                   | installed to                               |
//! |--------------------------------|--------------------------------------------|
//! | root files, `.dist-info`       | purelib if `Root-Is-Purelib`, else platlib |
//! | `.data/purelib/X`, `platlib/X` | purelib/X, platlib/X                       |
//! | `.data/scripts/X`              | scripts/X, `#!python` rewritten            |
//! | `.data/headers/X`              | headers/`<METADATA Name>`/X                |
//! | `.data/data/X`                 | data/X                                     |
//! | console and GUI entry points   | launchers in scripts                       |
//!
//! The new `RECORD` names every installed file relative to the folder that
//! holds the `.dist-info` folder (the target with `--target`): `bin/tool`,
//! not the `../../bin/tool` that pip's `--target` RECORD shows (pip installs
//! into a temporary `--home` layout and moves it, so its paths point into
//! that layout). Outside that folder (an environment's `bin/`), paths use
//! `..` as pip's do. Rows are sorted by path as pip sorts them; bytecode has
//! no hash or size, as pip writes it.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::at::LinkFolders;
use crate::cache::UnpackedWheel;
use crate::folders::Folders;
use crate::layout::InstallLayout;
use crate::link::Linker;
use crate::lock::STATE_DIR;
use crate::parallel::{in_parallel, split_by_weight, threads_for};
use crate::record::{encode_digest, record_hash, write_record, RecordEntry};
use crate::scripts::{launcher, parse_entry_points, rewrite_script, ENV_PYTHON};
use crate::wheel::WheelError;

/// How many files one thread places before a wheel's files are shared
/// out: below this, a thread costs more than it saves.
pub const FILES_PER_THREAD: u64 = 1500;

/// The `INSTALLER` file's content.
pub const INSTALLER: &str = "pipit\n";

/// What to write besides the wheel's files.
#[derive(Debug, Clone, Default)]
pub struct StageOptions {
    /// Write an empty `REQUESTED` (the user asked for this distribution).
    pub requested: bool,
    /// Write `direct_url.json` (PEP 610) with this content.
    pub direct_url: Option<serde_json::Value>,
    /// Compile the installed `.py` files to bytecode with this interpreter
    /// (pip's default `--compile`).
    pub compile: Option<PathBuf>,
    /// How many threads may place the files (one per
    /// [`FILES_PER_THREAD`]); 0 or 1: this thread alone.
    pub threads: usize,
}

/// One file in the staging tree and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    /// Where it is now, under the staging root.
    pub staged: PathBuf,
    /// Where it goes, absolute.
    pub final_path: PathBuf,
}

/// One wheel staged for installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedDist {
    /// The project name as `METADATA` spells it.
    pub name: String,
    /// The version as `METADATA` spells it.
    pub version: String,
    /// The final `.dist-info` folder.
    pub dist_info: PathBuf,
    /// Every staged file, `RECORD` included.
    pub files: Vec<StagedFile>,
    /// The rows of the new `RECORD`, as written.
    pub record: Vec<RecordEntry>,
}

/// The folder the staging tree stands for: the deepest common ancestor of
/// the layout's folders.
pub fn staging_base(layout: &InstallLayout) -> PathBuf {
    let mut base = layout.root.clone();
    for folder in layout.folders() {
        while !folder.starts_with(&base) {
            if !base.pop() {
                break;
            }
        }
    }
    base
}

enum Source {
    /// Linked from the cache; hash and size from the verified RECORD.
    Link {
        src: PathBuf,
        hash: String,
        size: u64,
    },
    /// Written fresh.
    Write { bytes: Vec<u8>, mode: FileMode },
}

struct Planned {
    entry: String,
    final_path: PathBuf,
    /// Where it is staged, when known from its folder's staged place.
    staged: Option<PathBuf>,
    /// Its `RECORD` path when known without computing it: an entry that
    /// lands in the library folder keeps its archive path.
    record_path: Option<String>,
    source: Source,
}

/// Installs `unpacked` into `staging_root` for `layout`; see the module
/// documentation. Nothing outside `staging_root` is written.
pub fn stage_wheel(
    unpacked: &UnpackedWheel,
    layout: &InstallLayout,
    staging_root: &Path,
    linker: &Linker,
    options: &StageOptions,
) -> Result<StagedDist, WheelError> {
    let info = &unpacked.info;
    let wheel = unpacked.wheel.as_str();
    let python = layout
        .python
        .as_ref()
        .map(|python| python.to_string_lossy().into_owned())
        .unwrap_or_else(|| ENV_PYTHON.to_string());
    let lib_dir = if info.root_is_purelib {
        &layout.purelib
    } else {
        &layout.platlib
    };
    let dist_info_final = lib_dir.join(&info.dist_info_dir);
    let record_path = info.record_path();
    let generated = |name: &str| match name {
        "INSTALLER" | "RECORD" | "RECORD.jws" | "RECORD.p7s" => true,
        "REQUESTED" => options.requested,
        "direct_url.json" => options.direct_url.is_some(),
        _ => false,
    };

    // An archive entry lands in one of these folders; each folder's staged
    // place is found once, not by stripping every file's final path.
    let base = staging_base(layout);
    let staged_path =
        |final_path: &Path| staging_root.join(final_path.strip_prefix(&base).unwrap_or(final_path));
    let headers = layout.headers.join(&info.name);
    let dest_folder = |folder: DestFolder| -> &Path {
        match folder {
            DestFolder::Lib => lib_dir,
            DestFolder::Purelib => &layout.purelib,
            DestFolder::Platlib => &layout.platlib,
            DestFolder::Scripts => &layout.scripts,
            DestFolder::Headers => &headers,
            DestFolder::Data => &layout.data,
        }
    };
    let staged_dest_folders = DestFolder::ALL.map(|folder| staged_path(dest_folder(folder)));

    let mut plan = Vec::new();
    for entry in &info.record {
        if let Some(name) = entry
            .path
            .strip_prefix(info.dist_info_dir.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
        {
            if generated(name) {
                continue;
            }
        }
        if entry.path == record_path {
            continue;
        }
        let src = unpacked.dir.join(&entry.path);
        let (folder, rest) = destination(&entry.path);
        let final_path = join_slashed(dest_folder(folder), rest);
        let staged = join_slashed(&staged_dest_folders[folder as usize], rest);
        let rewritten = if matches!(folder, DestFolder::Scripts) {
            let bytes = std::fs::read(&src).map_err(WheelError::io(&src))?;
            match rewrite_script(&bytes, &python) {
                Some(bytes) => Some((bytes, mode_of(&src)?)),
                None => None,
            }
        } else {
            None
        };
        let source = match rewritten {
            Some((bytes, mode)) => Source::Write { bytes, mode },
            None => {
                let size = match entry.size {
                    Some(size) => size,
                    None => std::fs::metadata(&src).map_err(WheelError::io(&src))?.len(),
                };
                // The recorded spelling when it is already RECORD's own
                // (no padding): re-encoding 6,500 digests was a tenth of
                // staging's own work.
                let hash = match (entry.sha256(), entry.hash.as_deref()) {
                    (Some(_), Some(text)) if !text.ends_with('=') => text.to_string(),
                    (Some(digest), _) => encode_digest(&digest),
                    (None, _) => String::new(),
                };
                Source::Link { src, hash, size }
            }
        };
        plan.push(Planned {
            entry: entry.path.clone(),
            record_path: matches!(folder, DestFolder::Lib).then(|| entry.path.clone()),
            final_path,
            staged: Some(staged),
            source,
        });
    }
    if let Some(text) = &info.entry_points {
        for entry_point in parse_entry_points(text, wheel)? {
            plan.push(Planned {
                entry: format!(
                    "{}/entry_points.txt: {}",
                    info.dist_info_dir, entry_point.name
                ),
                final_path: layout.scripts.join(&entry_point.name),
                staged: None,
                record_path: None,
                source: Source::Write {
                    bytes: launcher(&entry_point, &python).into_bytes(),
                    mode: FileMode::Launcher,
                },
            });
        }
    }
    let metadata_file = |name: &str, bytes: Vec<u8>| Planned {
        entry: format!("{}/{name}", info.dist_info_dir),
        final_path: dist_info_final.join(name),
        staged: None,
        record_path: Some(format!("{}/{name}", info.dist_info_dir)),
        source: Source::Write {
            bytes,
            mode: FileMode::Default,
        },
    };
    plan.push(metadata_file("INSTALLER", INSTALLER.as_bytes().to_vec()));
    if options.requested {
        plan.push(metadata_file("REQUESTED", Vec::new()));
    }
    if let Some(direct_url) = &options.direct_url {
        plan.push(metadata_file(
            "direct_url.json",
            python_json(direct_url).into_bytes(),
        ));
    }

    let state_dir = layout.root.join(STATE_DIR);
    let mut destinations: HashMap<&Path, &str> = HashMap::with_capacity(plan.len());
    for planned in &plan {
        if in_state_dir(&planned.final_path, &layout.root, &state_dir) {
            return Err(WheelError::StateDir {
                wheel: wheel.to_string(),
                entry: planned.entry.clone(),
            });
        }
        if let Some(other) = destinations.insert(&planned.final_path, &planned.entry) {
            return Err(WheelError::SameDestination {
                wheel: wheel.to_string(),
                entry: planned.entry.clone(),
                other: other.to_string(),
                path: planned.final_path.clone(),
            });
        }
    }

    let mut files = Vec::with_capacity(plan.len() + 1);
    let mut record = Vec::with_capacity(plan.len() + 1);
    let place = |chunk: Vec<Planned>| {
        let mut placed = Vec::with_capacity(chunk.len());
        let mut folders = Folders::default();
        let mut open = LinkFolders::default();
        for planned in chunk {
            let staged = planned
                .staged
                .unwrap_or_else(|| staged_path(&planned.final_path));
            let named = |error| staging_error(error, wheel, &planned.entry);
            folders.create_parent(&staged).map_err(named)?;
            let (hash, size) = match planned.source {
                Source::Link { src, hash, size } => {
                    replacing(&staged, || linker.link_in(&mut open, &src, &staged))
                        .map_err(named)?;
                    (hash, size)
                }
                Source::Write { bytes, mode } => {
                    replacing(&staged, || write_new(&staged, &bytes, mode)).map_err(named)?;
                    (record_hash(&bytes), bytes.len() as u64)
                }
            };
            let entry = RecordEntry {
                path: planned
                    .record_path
                    .unwrap_or_else(|| record_relative(&planned.final_path, lib_dir)),
                hash: Some(hash),
                size: Some(size),
            };
            let file = StagedFile {
                staged,
                final_path: planned.final_path,
            };
            placed.push((entry, file));
        }
        Ok::<_, WheelError>(placed)
    };
    let threads = threads_for(plan.len() as u64, FILES_PER_THREAD, options.threads);
    for placed in in_parallel(split_by_weight(plan, threads, |_| 1), place) {
        for (entry, file) in placed? {
            record.push(entry);
            files.push(file);
        }
    }

    if let Some(interpreter) = &options.compile {
        let sources: Vec<PathBuf> = files
            .iter()
            .filter(|file| file.staged.extension().is_some_and(|ext| ext == "py"))
            .map(|file| file.staged.clone())
            .collect();
        for pyc in compile_bytecode(interpreter, &sources)? {
            let relative = pyc.strip_prefix(staging_root).unwrap_or(&pyc);
            let final_path = base.join(relative);
            record.push(RecordEntry {
                path: record_relative(&final_path, lib_dir),
                hash: None,
                size: None,
            });
            files.push(StagedFile {
                staged: pyc,
                final_path,
            });
        }
    }

    let record_final = dist_info_final.join("RECORD");
    record.push(RecordEntry {
        path: record_relative(&record_final, lib_dir),
        hash: None,
        size: None,
    });
    record.sort_by(|left, right| left.path.cmp(&right.path));
    let record_staged = staged_path(&record_final);
    let record_entry = format!("{}/RECORD", info.dist_info_dir);
    let named = |error| staging_error(error, wheel, &record_entry);
    // INSTALLER made the folder, on whichever thread placed it; this only
    // makes sure.
    if let Some(folder) = record_staged.parent() {
        std::fs::create_dir_all(folder)
            .map_err(WheelError::io(folder))
            .map_err(named)?;
    }
    let record_bytes = write_record(&record).into_bytes();
    replacing(&record_staged, || {
        write_new(&record_staged, &record_bytes, FileMode::Default)
    })
    .map_err(named)?;
    files.push(StagedFile {
        staged: record_staged,
        final_path: record_final,
    });

    Ok(StagedDist {
        name: info.name.clone(),
        version: info.version.clone(),
        dist_info: dist_info_final,
        files,
        record,
    })
}

/// Whether `path` is pipit's state folder `<root>/.pipit` or inside it,
/// also when a case-insensitive file system would make it so.
fn in_state_dir(path: &Path, root: &Path, state_dir: &Path) -> bool {
    if path.starts_with(state_dir) {
        return true;
    }
    path.strip_prefix(root)
        .ok()
        .and_then(|relative| relative.components().next())
        .is_some_and(|first| {
            first
                .as_os_str()
                .to_str()
                .is_some_and(|first| first.eq_ignore_ascii_case(STATE_DIR))
        })
}

/// Runs `place`, which creates `staged`; when another wheel of the same
/// install staged that path already, removes it and tries again: the wheel
/// placed last wins, as the one installed last does with pip (which one
/// that is depends on timing, since wheels are staged concurrently).
/// Retries a few times for the same reason.
fn replacing(
    staged: &Path,
    mut place: impl FnMut() -> Result<(), WheelError>,
) -> Result<(), WheelError> {
    let mut attempts = 0;
    loop {
        match place() {
            Err(WheelError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists && attempts < 8 =>
            {
                attempts += 1;
                match std::fs::remove_file(staged) {
                    Ok(()) => {}
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(WheelError::Io {
                            path: staged.to_path_buf(),
                            source,
                        })
                    }
                }
            }
            result => return result,
        }
    }
}

/// A file system error while staging, named by wheel and entry.
fn staging_error(error: WheelError, wheel: &str, entry: &str) -> WheelError {
    match error {
        WheelError::Io { path, source } => WheelError::Staging {
            wheel: wheel.to_string(),
            entry: entry.to_string(),
            path,
            source,
        },
        other => other,
    }
}

/// The folder an archive entry lands in: the library folder or one of the
/// layout's.
#[derive(Clone, Copy)]
enum DestFolder {
    Lib,
    Purelib,
    Platlib,
    Scripts,
    Headers,
    Data,
}

impl DestFolder {
    /// Every variant, each at its own index (`folder as usize`).
    const ALL: [DestFolder; 6] = [
        DestFolder::Lib,
        DestFolder::Purelib,
        DestFolder::Platlib,
        DestFolder::Scripts,
        DestFolder::Headers,
        DestFolder::Data,
    ];
}

/// Where the archive entry `path` lands: its folder and the path below it
/// (an entry of the library folder keeps its whole archive path).
fn destination(path: &str) -> (DestFolder, &str) {
    let mut parts = path.splitn(3, '/');
    let top = parts.next().unwrap_or_default();
    // pip treats every top-level `*.data` folder as the data folder; the
    // unpacker has checked its categories.
    if top.ends_with(".data") {
        if let (Some(category), Some(rest)) = (parts.next(), parts.next()) {
            return match category {
                "purelib" => (DestFolder::Purelib, rest),
                "platlib" => (DestFolder::Platlib, rest),
                "scripts" => (DestFolder::Scripts, rest),
                "headers" => (DestFolder::Headers, rest),
                _ => (DestFolder::Data, rest),
            };
        }
    }
    (DestFolder::Lib, path)
}

/// `folder` joined with the `/`-separated `relative`, an archive path
/// already checked (no empty, `.` or `..` parts, not absolute).
fn join_slashed(folder: &Path, relative: &str) -> PathBuf {
    if cfg!(unix) {
        // `/` is the separator: one join, not one per part.
        return folder.join(relative);
    }
    let mut path = folder.to_path_buf();
    for part in relative.split('/') {
        path.push(part);
    }
    path
}

/// `path` relative to `base`, `/`-separated, with `..` when outside it.
fn record_relative(path: &Path, base: &Path) -> String {
    let path_parts: Vec<Component> = path.components().collect();
    let base_parts: Vec<Component> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(left, right)| left == right)
        .count();
    let mut parts: Vec<String> = vec!["..".to_string(); base_parts.len() - common];
    parts.extend(
        path_parts[common..]
            .iter()
            .map(|part| part.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The permissions of a file written fresh.
#[derive(Debug, Clone, Copy)]
enum FileMode {
    /// The umask's default.
    Default,
    /// The default plus `r-x` for all, as distlib makes launchers.
    Launcher,
    /// Exactly these bits (a rewritten script keeps its archive mode).
    Exact(u32),
}

fn mode_of(path: &Path) -> Result<FileMode, WheelError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = std::fs::metadata(path).map_err(WheelError::io(path))?;
        Ok(FileMode::Exact(metadata.permissions().mode() & 0o7777))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(FileMode::Default)
    }
}

fn write_new(path: &Path, bytes: &[u8], mode: FileMode) -> Result<(), WheelError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(WheelError::io(path))?;
    file.write_all(bytes).map_err(WheelError::io(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match mode {
            FileMode::Default => None,
            FileMode::Launcher => {
                let current = file.metadata().map_err(WheelError::io(path))?;
                Some(current.permissions().mode() & 0o7777 | 0o555)
            }
            FileMode::Exact(mode) => Some(mode),
        };
        if let Some(mode) = mode {
            file.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(WheelError::io(path))?;
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

/// `json.dumps(value, sort_keys=True)`: sorted keys, `", "` and `": "`
/// separators, non-ASCII escaped, as pip writes `direct_url.json`.
pub fn python_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_python_json(value, &mut out);
    out
}

fn write_python_json(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => write_python_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_python_string(key, out);
                out.push_str(": ");
                write_python_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn write_python_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The script `compile_bytecode` runs: NUL-separated sources on stdin,
/// NUL-separated bytecode paths written on stdout. Failures to compile are
/// skipped quietly, as pip skips them.
const COMPILE_SCRIPT: &str = r#"
import compileall, importlib.util, os, sys, warnings
warnings.filterwarnings("ignore")
out = []
for raw in sys.stdin.buffer.read().split(b"\0"):
    if not raw:
        continue
    path = os.fsdecode(raw)
    if compileall.compile_file(path, force=True, quiet=2):
        pyc = importlib.util.cache_from_source(path)
        if os.path.exists(pyc):
            out.append(os.fsencode(pyc))
sys.stdout.buffer.write(b"\0".join(out))
"#;

/// Compiles `files` (`.py` files, usually staged) with `python` once, as
/// pip's `--compile` does, and returns the `.pyc` files written.
pub fn compile_bytecode(python: &Path, files: &[PathBuf]) -> Result<Vec<PathBuf>, WheelError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let fail = |message: String| WheelError::Compile {
        python: python.to_path_buf(),
        message,
    };
    let mut child = std::process::Command::new(python)
        .args(["-I", "-c", COMPILE_SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|error| fail(error.to_string()))?;
    let mut input = Vec::new();
    for file in files {
        input.extend_from_slice(file.as_os_str().as_encoded_bytes());
        input.push(0);
    }
    if let Some(mut stdin) = child.stdin.take() {
        // Written from a thread: a full stdout pipe must not stall the child.
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child
            .wait_with_output()
            .map_err(|error| fail(error.to_string()))?;
        let _ = writer.join();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().last().unwrap_or("no message").to_string();
            return Err(fail(format!("{}: {last}", output.status)));
        }
        return Ok(output
            .stdout
            .split(|&b| b == 0)
            .filter(|part| !part.is_empty())
            .map(path_from_bytes)
            .collect());
    }
    Err(fail("no stdin".to_string()))
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests;
