//! The per-project JSON API some indexes offer beside the Simple API
//! (`<root>/pypi/<name>/json` for an index at `<root>/simple/`), used only
//! as a fallback for facts a Simple API page lacks: an HTML page (PEP 503)
//! carries no upload times (PEP 700) or sizes, and `--exclude-newer` needs
//! the upload times.
//!
//! Best effort by design: an index without the API (404, or not laid out as
//! `…/simple/`), or an answer that is not the expected JSON, leaves the files
//! as they were. Only network failures are errors. A fact is taken only for
//! a file whose sha256 agrees with the page's, when both are known.

use std::collections::HashMap;

use url::Url;

use crate::client::{IndexClient, IndexUrl, ProjectFiles};
use crate::error::IndexError;
use crate::filename::normalize_name;

/// What the JSON API says of one file.
#[derive(Debug, Default)]
struct FileFacts {
    sha256: Option<String>,
    upload_time: Option<String>,
    size: Option<u64>,
    requires_python: Option<String>,
}

impl IndexClient {
    /// Fills in each file's missing upload time, size and requires-python
    /// from its index's JSON API, asking only indexes whose files lack an
    /// upload time or a size. Returns how many files gained a fact.
    pub async fn complete_from_json_api(
        &self,
        files: &mut ProjectFiles,
    ) -> Result<usize, IndexError> {
        let mut indexes: Vec<IndexUrl> = Vec::new();
        for indexed in &files.files {
            let file = &indexed.file;
            // Upload times and sizes are what HTML pages lack; a missing
            // requires-python is normal and alone is no reason to ask.
            let lacking = file.upload_time.is_none() || file.size.is_none();
            if lacking && !indexes.contains(&indexed.index) {
                indexes.push(indexed.index.clone());
            }
        }
        let mut completed = 0;
        for index in indexes {
            let Some(url) = json_api_url(&index, &files.name) else {
                continue;
            };
            let page = match self.cached_get(&url, "application/json", &files.name).await {
                Ok(Some(page)) => page,
                // No API, or offline with nothing cached: nothing to add.
                Ok(None) | Err(IndexError::Offline { .. }) => continue,
                Err(error) => return Err(error),
            };
            let facts = parse_facts(&page.body);
            for indexed in files
                .files
                .iter_mut()
                .filter(|indexed| indexed.index == index)
            {
                let file = &mut indexed.file;
                let Some(fact) = facts.get(&file.filename) else {
                    continue;
                };
                let page_sha256 = file.hashes.get("sha256");
                if let (Some(ours), Some(theirs)) = (page_sha256, &fact.sha256) {
                    if !ours.eq_ignore_ascii_case(theirs) {
                        continue;
                    }
                }
                let mut gained = false;
                if file.upload_time.is_none() && fact.upload_time.is_some() {
                    file.upload_time = fact.upload_time.clone();
                    gained = true;
                }
                if file.size.is_none() && fact.size.is_some() {
                    file.size = fact.size;
                    gained = true;
                }
                if file.requires_python.is_none() && fact.requires_python.is_some() {
                    file.requires_python = fact.requires_python.clone();
                    gained = true;
                }
                completed += usize::from(gained);
            }
        }
        Ok(completed)
    }
}

/// `<root>/pypi/<name>/json` for an index at `<root>/simple/`; `None` for an
/// index laid out otherwise (or on disk), which offers no such API.
fn json_api_url(index: &IndexUrl, name: &str) -> Option<Url> {
    let url = index.url();
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let root = url.path().strip_suffix("simple/")?;
    let mut api = url.clone();
    api.set_path(&format!("{root}pypi/{}/json", normalize_name(name)));
    api.set_query(None);
    Some(api)
}

/// Facts by file name from `{"releases": {version: [file, …]}}`; anything
/// not of that shape yields nothing.
fn parse_facts(body: &[u8]) -> HashMap<String, FileFacts> {
    let mut facts = HashMap::new();
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return facts;
    };
    let Some(releases) = json
        .get("releases")
        .and_then(|releases| releases.as_object())
    else {
        return facts;
    };
    for file in releases
        .values()
        .filter_map(|files| files.as_array())
        .flatten()
    {
        let Some(filename) = file.get("filename").and_then(|name| name.as_str()) else {
            continue;
        };
        let text = |key: &str| {
            file.get(key)
                .and_then(|value| value.as_str())
                .filter(|value| !value.is_empty())
                .map(str::to_string)
        };
        facts.insert(
            filename.to_string(),
            FileFacts {
                sha256: file
                    .get("digests")
                    .and_then(|digests| digests.get("sha256"))
                    .and_then(|sha256| sha256.as_str())
                    .map(str::to_string),
                upload_time: text("upload_time_iso_8601"),
                size: file.get("size").and_then(|size| size.as_u64()),
                requires_python: text("requires_python"),
            },
        );
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_url_sits_beside_the_simple_root() {
        let index = IndexUrl::parse("https://u:p@index.example/root/simple/").unwrap();
        let url = json_api_url(&index, "Demo_App").unwrap();
        assert_eq!(url.path(), "/root/pypi/demo-app/json");
        assert_eq!(
            url.username(),
            "u",
            "credentials go along to the same origin"
        );
        let elsewhere = IndexUrl::parse("https://index.example/packages/").unwrap();
        assert!(json_api_url(&elsewhere, "demo").is_none());
    }

    #[test]
    fn facts_come_from_releases_and_junk_yields_none() {
        let body = br#"{"releases": {"1.0": [{"filename": "a-1.0.tar.gz", "digests": {"sha256": "ab"},
            "upload_time_iso_8601": "2020-01-02T03:04:05.000000Z", "size": 12, "requires_python": ""}]}}"#;
        let facts = parse_facts(body);
        let fact = &facts["a-1.0.tar.gz"];
        assert_eq!(
            fact.upload_time.as_deref(),
            Some("2020-01-02T03:04:05.000000Z")
        );
        assert_eq!(fact.size, Some(12));
        assert_eq!(
            fact.requires_python, None,
            "an empty requires-python is no fact"
        );
        assert_eq!(fact.sha256.as_deref(), Some("ab"));
        assert!(parse_facts(b"<html>").is_empty());
        assert!(parse_facts(br#"{"releases": 3}"#).is_empty());
    }
}
