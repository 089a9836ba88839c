//! Wheelhouses: a folder of wheels generated from one description.
//!
//! ```text
//! fixtures/wheelhouse.txt   the description (see `description`)
//! fixtures/wheelhouse/      the generated *.whl files and a README.md
//! ```

use std::path::{Path, PathBuf};

use crate::{parse_description, Error};

/// Builds every wheel of a description in memory, sorted by file name.
/// Two lines that produce the same file name are an error.
pub fn build_wheelhouse(description: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut wheels = Vec::new();
    for builder in parse_description(description)? {
        wheels.push(builder.build_bytes()?);
    }
    wheels.sort_by(|left, right| left.0.cmp(&right.0));
    if let Some(pair) = wheels.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(Error::DuplicateWheel(pair[0].0.clone()));
    }
    Ok(wheels)
}

/// Writes the wheels of a description into `out_dir` (created if missing),
/// first removing every `*.whl` already there so no stale wheel survives.
/// Other files (a README) are left alone. Returns the written paths, sorted.
pub fn write_wheelhouse(description: &str, out_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    // Build everything before deleting anything: a bad description leaves
    // the folder as it was.
    let wheels = build_wheelhouse(description)?;
    fs_err::create_dir_all(out_dir)?;
    for entry in fs_err::read_dir(out_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|extension| extension == "whl") && path.is_file() {
            fs_err::remove_file(&path)?;
        }
    }
    let mut paths = Vec::with_capacity(wheels.len());
    for (file_name, bytes) in wheels {
        let path = out_dir.join(file_name);
        fs_err::write(&path, bytes)?;
        paths.push(path);
    }
    Ok(paths)
}
