//! `--loaded`: what the host process has imported.

use std::path::PathBuf;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::error::EnvError;

/// One distribution the host process has loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedDist {
    /// The name as the host spelled it.
    pub display_name: String,
    /// The normalized name.
    pub name: PackageName,
    /// The loaded version.
    pub version: Version,
    /// The folder it was imported from, when the host said.
    pub location: Option<PathBuf>,
}

/// Reads `--loaded` items: `name==version`, or a JSON file holding a list
/// (or `{"packages": [...]}`) of `{"name", "version", "location"}` objects
/// (`path` is accepted for `location`).
pub fn parse_loaded(items: &[String]) -> Result<Vec<LoadedDist>, EnvError> {
    let mut loaded = Vec::new();
    for item in items {
        if let Some((name, version)) = item.split_once("==") {
            loaded.push(dist(item, name.trim(), version.trim(), None)?);
            continue;
        }
        let text = std::fs::read_to_string(item).map_err(|error| EnvError::Loaded {
            item: item.clone(),
            message: format!("neither `name==version` nor a readable JSON file: {error}"),
        })?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| EnvError::Loaded {
                item: item.clone(),
                message: format!("invalid JSON: {error}"),
            })?;
        let list = value
            .get("packages")
            .unwrap_or(&value)
            .as_array()
            .ok_or_else(|| EnvError::Loaded {
                item: item.clone(),
                message: "expected a list of {\"name\", \"version\", \"location\"} objects"
                    .to_string(),
            })?;
        for (index, entry) in list.iter().enumerate() {
            let text = |key: &str| entry.get(key).and_then(serde_json::Value::as_str);
            let (Some(name), Some(version)) = (text("name"), text("version")) else {
                return Err(EnvError::Loaded {
                    item: item.clone(),
                    message: format!(
                        "entry {} needs string `name` and `version` fields",
                        index + 1
                    ),
                });
            };
            let location = text("location").or_else(|| text("path")).map(PathBuf::from);
            loaded.push(dist(item, name, version, location)?);
        }
    }
    Ok(loaded)
}

fn dist(
    item: &str,
    name: &str,
    version: &str,
    location: Option<PathBuf>,
) -> Result<LoadedDist, EnvError> {
    let error = |message: String| EnvError::Loaded {
        item: item.to_string(),
        message,
    };
    Ok(LoadedDist {
        display_name: name.to_string(),
        name: PackageName::from_str(name)
            .map_err(|e| error(format!("invalid name `{name}`: {e}")))?,
        version: Version::from_str(version)
            .map_err(|e| error(format!("invalid version `{version}`: {e}")))?,
        location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_json_files_both_work() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("loaded.json");
        std::fs::write(
            &file,
            r#"[{"name": "Pkg_A", "version": "1.0", "location": "/envs/default"},
                {"name": "six", "version": "1.16.0", "path": "/host/site"}]"#,
        )
        .unwrap();
        let loaded =
            parse_loaded(&["numpy==1.26.4".to_string(), file.display().to_string()]).unwrap();
        assert_eq!(loaded.len(), 3);
        assert_eq!(loaded[1].name.as_ref(), "pkg-a");
        assert_eq!(loaded[1].display_name, "Pkg_A");
        assert_eq!(loaded[1].location, Some(PathBuf::from("/envs/default")));
        assert_eq!(loaded[2].location, Some(PathBuf::from("/host/site")));
        assert_eq!(loaded[0].location, None);
    }

    #[test]
    fn bad_items_say_which() {
        for (item, needle) in [
            ("numpy==not a version", "invalid version"),
            ("/no/such/file.json", "neither"),
        ] {
            let error = parse_loaded(&[item.to_string()]).unwrap_err().to_string();
            assert!(error.contains(item) && error.contains(needle), "{error}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.json");
        std::fs::write(&file, r#"[{"name": "a"}]"#).unwrap();
        let error = parse_loaded(&[file.display().to_string()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("entry 1"), "{error}");
    }
}
