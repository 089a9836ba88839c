//! `.pipit/env.json`: what one environment holds and why.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{io, EnvError};

/// The record's format version; a newer one is refused rather than misread.
pub const FORMAT: u32 = 1;

/// Whether an environment may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EnvState {
    /// Complete and matching its `RECORD`s as far as pipit last checked.
    #[default]
    Ok,
    /// Found damaged or interrupted; `env gc` repairs or removes it.
    Invalid,
}

/// One environment's `env.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvRecord {
    /// [`FORMAT`].
    pub format: u32,
    /// The name scripts use (`# venv: <name>`), `default`, or `site-packages`.
    pub name: String,
    /// The 8 letters/digits assigned at creation (empty for `site-packages`).
    pub id: String,
    /// `ok` or `invalid`.
    pub state: EnvState,
    /// Why it is invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Created by `--on-conflict new-env`: only a separate process can use it.
    #[serde(default)]
    pub separate_process: bool,
    /// RFC 3339 times.
    pub created: String,
    /// Last install or state change.
    pub updated: String,
    /// What each script asked for, by script path.
    #[serde(default)]
    pub scripts: Vec<ScriptRecord>,
    /// What the folder holds after the last install.
    #[serde(default)]
    pub installed: Vec<InstalledRecord>,
}

/// What one script asked this environment for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRecord {
    /// The script's absolute path.
    pub script: String,
    /// Its requirements and wheels, as written.
    pub requests: Vec<ScriptRequest>,
    /// Index options its directives gave (`--find-links` and extra indexes),
    /// kept so that a later script's resolution can still find its packages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub find_links: Vec<String>,
    /// Index URLs its directives named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub index_urls: Vec<String>,
    /// When it last installed.
    pub updated: String,
}

/// One requirement of a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRequest {
    /// A PEP 508 requirement, or an absolute wheel path (`#wheel:`).
    pub spec: String,
    /// Its line in the script, for messages.
    pub line: usize,
}

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledRecord {
    /// The name as its metadata spells it.
    pub name: String,
    /// The version.
    pub version: String,
}

impl EnvRecord {
    /// A fresh record for a new environment.
    pub fn new(name: &str, id: &str, separate_process: bool) -> Self {
        let now = now();
        Self {
            format: FORMAT,
            name: name.to_string(),
            id: id.to_string(),
            state: EnvState::Ok,
            reason: None,
            separate_process,
            created: now.clone(),
            updated: now,
            scripts: Vec::new(),
            installed: Vec::new(),
        }
    }

    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, EnvError> {
        let text = fs_err::read_to_string(path).map_err(io("read", path))?;
        let record: EnvRecord = serde_json::from_str(&text).map_err(|error| EnvError::Record {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        if record.format > FORMAT {
            return Err(EnvError::Record {
                path: path.to_path_buf(),
                message: format!(
                    "format {} is newer than this pipit understands ({FORMAT})",
                    record.format
                ),
            });
        }
        Ok(record)
    }

    /// Writes `path` atomically (a temporary file renamed over it), so a
    /// reader never sees half a record.
    pub fn write(&self, path: &Path) -> Result<(), EnvError> {
        let text = serde_json::to_string_pretty(self).map_err(|error| EnvError::Record {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let parent = path.parent().unwrap_or(Path::new("."));
        fs_err::create_dir_all(parent).map_err(io("create", parent))?;
        let temporary = parent.join(format!("env.json.{}.tmp", random_id()));
        std::fs::write(&temporary, format!("{text}\n")).map_err(io("write", &temporary))?;
        std::fs::rename(&temporary, path).map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            EnvError::Io {
                action: "replace",
                path: path.to_path_buf(),
                source: error,
            }
        })
    }

    /// Records (or replaces) what `script` asks for.
    pub fn set_script(&mut self, script: ScriptRecord) {
        self.scripts.retain(|have| have.script != script.script);
        self.scripts.push(script);
        self.scripts.sort_by(|a, b| a.script.cmp(&b.script));
    }

    /// Marks the record invalid with `reason`.
    pub fn invalidate(&mut self, reason: String) {
        self.state = EnvState::Invalid;
        self.reason = Some(reason);
        self.updated = now();
    }

    /// Marks the record ok.
    pub fn validate(&mut self) {
        self.state = EnvState::Ok;
        self.reason = None;
        self.updated = now();
    }
}

/// Now, RFC 3339 in UTC.
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// 8 random lowercase letters and digits: lowercase only, so two ids never
/// differ by case alone on a case-insensitive file system.
pub fn random_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..8)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".pipit").join("env.json");
        let mut record = EnvRecord::new("tools", "ab12cd34", false);
        record.set_script(ScriptRecord {
            script: "/s/b.py".into(),
            requests: vec![ScriptRequest {
                spec: "pkg_b==2.0".into(),
                line: 3,
            }],
            find_links: vec![],
            index_urls: vec![],
            updated: now(),
        });
        record.write(&path).unwrap();
        assert_eq!(EnvRecord::read(&path).unwrap(), record);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"state\": \"ok\""), "{text}");
    }

    #[test]
    fn a_script_replaces_its_own_earlier_request() {
        let mut record = EnvRecord::new("default", "ab12cd34", false);
        for spec in ["a==1", "a==2"] {
            record.set_script(ScriptRecord {
                script: "/s/a.py".into(),
                requests: vec![ScriptRequest {
                    spec: spec.into(),
                    line: 1,
                }],
                find_links: vec![],
                index_urls: vec![],
                updated: now(),
            });
        }
        assert_eq!(record.scripts.len(), 1);
        assert_eq!(record.scripts[0].requests[0].spec, "a==2");
    }

    #[test]
    fn a_newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("env.json");
        let mut record = EnvRecord::new("x", "ab12cd34", false);
        record.format = FORMAT + 1;
        std::fs::write(&path, serde_json::to_string(&record).unwrap()).unwrap();
        let error = EnvRecord::read(&path).unwrap_err().to_string();
        assert!(error.contains("newer"), "{error}");
    }

    #[test]
    fn ids_are_eight_lowercase_letters_or_digits() {
        let id = random_id();
        assert_eq!(id.len(), 8);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }
}
