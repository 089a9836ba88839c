//! Reads wheels back with the zip crate, independent of the builder's code.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The archive's entries, in archive order.
pub fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    (0..archive.len())
        .map(|index| {
            let mut file = archive.by_index(index).unwrap();
            let mut contents = Vec::new();
            file.read_to_end(&mut contents).unwrap();
            (file.name().to_string(), contents)
        })
        .collect()
}

pub fn text(entries: &[(String, Vec<u8>)], path: &str) -> String {
    let (_, contents) = entries
        .iter()
        .find(|(name, _)| name == path)
        .unwrap_or_else(|| panic!("no `{path}` in the wheel"));
    String::from_utf8(contents.clone()).unwrap()
}

/// RECORD lines as path → (hash, size); a quoted path is unquoted.
pub fn record(record: &str) -> BTreeMap<String, (String, String)> {
    record
        .lines()
        .map(|line| {
            let (path, rest) = if let Some(quoted) = line.strip_prefix('"') {
                let end = quoted.find("\",").unwrap();
                (quoted[..end].replace("\"\"", "\""), &quoted[end + 2..])
            } else {
                let (path, rest) = line.split_once(',').unwrap();
                (path.to_string(), rest)
            };
            let (hash, size) = rest.split_once(',').unwrap();
            (path, (hash.to_string(), size.to_string()))
        })
        .collect()
}

pub fn sha256_record_hash(contents: &[u8]) -> String {
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(contents))
    )
}

/// Every entry but RECORD is listed with a matching hash and size, and
/// RECORD lists itself with empty hash and size. Returns the mismatches.
pub fn record_mismatches(entries: &[(String, Vec<u8>)], record_path: &str) -> Vec<String> {
    let record = record(&text(entries, record_path));
    let mut mismatches = Vec::new();
    for (path, contents) in entries {
        let expected = if path == record_path {
            (String::new(), String::new())
        } else {
            (sha256_record_hash(contents), contents.len().to_string())
        };
        if record.get(path) != Some(&expected) {
            mismatches.push(path.clone());
        }
    }
    assert_eq!(record.len(), entries.len(), "RECORD lists other paths");
    mismatches
}
