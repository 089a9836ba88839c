//! `-f/--find-links`: distributions found outside any index.
//!
//! A location is one of
//!
//! ```text
//! /path/to/wheels/             a folder: the *.whl and sdist archives directly inside
//! file:///path/to/wheels/      the same, as a URL
//! /path/to/links.html          an HTML file (.html, .htm) of links (PEP 503 page syntax)
//! file:///path/to/links.html   the same, as a URL
//! /path/to/demo-1.0.tar.gz     any other file: itself, if it is the project's distribution
//! https://host/some/page.html  an HTML page of links, fetched over HTTP
//! ```
//!
//! Local locations (folders and `file:` URLs) never touch the network, so
//! `--offline` and `--no-index` runs work with them. Whether a local path is
//! a folder, an HTML file or a distribution is decided when it is read, as
//! pip does (an HTML file by its extension, as pip's `mimetypes` guess).
//!
//! pip warns about a location that does not exist and goes on; pipit stops
//! with [`FindLinksError::Missing`] naming the path, so that a typo never
//! silently becomes "no matching distribution".
//!
//! Files come back as [`IndexFile`]s, like an index page's: local files get
//! absolute `file://` URLs and their size, no hashes (the installer hashes
//! them), and no `requires-python` (a local wheel's `Requires-Python` can be
//! read from its METADATA when needed, see [`crate::metadata_from_wheel_file`]).
//! Links on HTML pages keep their `#sha256=` fragments and `data-*`
//! attributes, as [`crate::parse_html`] reads them.

use std::path::{Path, PathBuf};

use url::Url;

use crate::error::FindLinksError;
use crate::filename::DistFilename;
use crate::simple::{parse_html, redact, CoreMetadata, Hashes, IndexFile, Yanked};

/// One `--find-links` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindLinksEntry {
    /// A local folder, HTML file or distribution file (absolute).
    Local(PathBuf),
    /// An `http:` or `https:` page of links.
    Page(Url),
}

impl FindLinksEntry {
    /// Classify a location as written on the command line or in a
    /// requirements file. A relative path is made absolute against the
    /// current directory; a caller that knows better (a requirements file's
    /// folder) resolves it first.
    pub fn parse(location: &str) -> Result<Self, FindLinksError> {
        let invalid = |message: String| FindLinksError::InvalidLocation {
            location: location.to_string(),
            message,
        };
        let location = location.trim();
        if location.is_empty() {
            return Err(invalid("it is empty".to_string()));
        }
        // A one-letter "scheme" is a Windows drive (`C:\wheels`).
        if let Some(url) = Url::parse(location)
            .ok()
            .filter(|url| url.scheme().len() > 1)
        {
            return match url.scheme() {
                "http" | "https" => Ok(Self::Page(url)),
                "file" => url
                    .to_file_path()
                    .map(Self::Local)
                    .map_err(|()| invalid("not a local file url".to_string())),
                scheme => Err(invalid(format!("unsupported url scheme `{scheme}`"))),
            };
        }
        let path = std::path::absolute(location).map_err(|error| invalid(error.to_string()))?;
        Ok(Self::Local(path))
    }

    /// Whether reading this location needs the network.
    pub fn is_remote(&self) -> bool {
        matches!(self, Self::Page(_))
    }
}

/// All `--find-links` locations, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindLinks {
    pub entries: Vec<FindLinksEntry>,
}

impl FindLinks {
    pub fn new(entries: Vec<FindLinksEntry>) -> Self {
        Self { entries }
    }

    /// Parse each location with [`FindLinksEntry::parse`].
    pub fn from_locations<I, S>(locations: I) -> Result<Self, FindLinksError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entries = locations
            .into_iter()
            .map(|location| FindLinksEntry::parse(location.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(Self { entries })
    }

    /// `project`'s files from every location, in location order (files of
    /// one folder sorted by name), each URL once. Remote pages are fetched with `client`;
    /// without a client (offline) a remote page is
    /// [`FindLinksError::Offline`], and local locations are read as usual.
    pub async fn files_for(
        &self,
        client: Option<&reqwest::Client>,
        project: &str,
    ) -> Result<Vec<IndexFile>, FindLinksError> {
        let mut files = Vec::new();
        for entry in &self.entries {
            match entry {
                FindLinksEntry::Local(path) => files.extend(local_files(path, project)?),
                FindLinksEntry::Page(url) => {
                    let client =
                        client.ok_or_else(|| FindLinksError::Offline { url: redact(url) })?;
                    files.extend(page_files(client, url, project).await?);
                }
            }
        }
        Ok(without_repeats(files))
    }

    /// `project`'s files from the local locations only, without a runtime
    /// or a client; remote pages are skipped (use [`FindLinks::files_for`]
    /// for them).
    pub fn local_files_for(&self, project: &str) -> Result<Vec<IndexFile>, FindLinksError> {
        let mut files = Vec::new();
        for entry in &self.entries {
            if let FindLinksEntry::Local(path) = entry {
                files.extend(local_files(path, project)?);
            }
        }
        Ok(without_repeats(files))
    }
}

/// A local folder's distributions, a local HTML file's links, or a local
/// distribution file itself.
fn local_files(path: &Path, project: &str) -> Result<Vec<IndexFile>, FindLinksError> {
    let read_error = |source| FindLinksError::Read {
        path: path.to_path_buf(),
        source,
    };
    let metadata = match fs_err::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(FindLinksError::Missing {
                path: path.to_path_buf(),
            })
        }
        Err(error) => return Err(read_error(error)),
    };
    if metadata.is_dir() {
        return folder_files(path, project);
    }
    let filename = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("html" | "htm")) {
        if DistFilename::parse(filename, project).is_none() {
            return Ok(Vec::new());
        }
        return Ok(vec![local_file(filename, path, metadata.len())?]);
    }
    let body = fs_err::read_to_string(path).map_err(read_error)?;
    let page_url = file_url(path)?;
    Ok(matching(parse_html(&body, &page_url)?.files, project))
}

fn local_file(filename: &str, path: &Path, size: u64) -> Result<IndexFile, FindLinksError> {
    Ok(IndexFile {
        filename: filename.to_string(),
        url: file_url(path)?.into(),
        hashes: Hashes::new(),
        requires_python: None,
        yanked: Yanked::NotYanked,
        core_metadata: CoreMetadata::Absent,
        size: Some(size),
        upload_time: None,
    })
}

fn folder_files(folder: &Path, project: &str) -> Result<Vec<IndexFile>, FindLinksError> {
    let read_error = |source| FindLinksError::Read {
        path: folder.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for item in fs_err::read_dir(folder).map_err(read_error)? {
        let item = item.map_err(read_error)?;
        let Some(filename) = item.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if !may_name(&filename, project) || DistFilename::parse(&filename, project).is_none() {
            continue;
        }
        let path = item.path();
        // Follows symlinks: a linked wheel is a wheel; a folder named like
        // one is not.
        let metadata = fs_err::metadata(&path).map_err(|source| FindLinksError::Read {
            path: path.clone(),
            source,
        })?;
        if !metadata.is_file() {
            continue;
        }
        files.push(local_file(&filename, &path, metadata.len())?);
    }
    files.sort_by(|left, right| left.filename.cmp(&right.filename));
    Ok(files)
}

/// Whether `filename` can be a file of `project` at all: normalizing a
/// name only changes case and runs of `-`, `_` and `.`, so the file name's
/// letters and digits must start with the project's. A folder is listed
/// once per project; this keeps the full parse to the few files that may
/// match.
fn may_name(filename: &str, project: &str) -> bool {
    // Unicode lowercasing can turn other letters into ASCII ones (the
    // Kelvin sign into `k`): such names get the full parse.
    if !filename.is_ascii() {
        return true;
    }
    fn significant(text: &str) -> impl Iterator<Item = u8> + '_ {
        text.bytes()
            .filter(|byte| !matches!(byte, b'-' | b'_' | b'.'))
            .map(|byte| byte.to_ascii_lowercase())
    }
    let mut name = significant(filename);
    significant(project).all(|wanted| name.next() == Some(wanted))
}

/// A remote HTML page of links, fetched as pip fetches find-links pages
/// (any `2xx` answer is a page; redirects are followed by the client).
async fn page_files(
    client: &reqwest::Client,
    url: &Url,
    project: &str,
) -> Result<Vec<IndexFile>, FindLinksError> {
    let http_error = |source| FindLinksError::Http {
        url: redact(url),
        source,
    };
    let response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .map_err(http_error)?;
    if !response.status().is_success() {
        return Err(FindLinksError::Status {
            url: redact(url),
            status: response.status().as_u16(),
        });
    }
    // Relative links resolve against where the page ended up.
    let page_url = response.url().clone();
    let body = response.text().await.map_err(http_error)?;
    Ok(matching(parse_html(&body, &page_url)?.files, project))
}

/// The first file of each URL: a folder given twice, or a page linking a
/// file also found in a folder, lists it once (pip drops repeated links).
fn without_repeats(files: Vec<IndexFile>) -> Vec<IndexFile> {
    let mut seen = std::collections::HashSet::new();
    files
        .into_iter()
        .filter(|file| seen.insert(file.url.to_url()))
        .collect()
}

/// The files whose names are `project`'s (normalized), as
/// [`DistFilename::parse`] decides.
fn matching(files: Vec<IndexFile>, project: &str) -> Vec<IndexFile> {
    files
        .into_iter()
        .filter(|file| DistFilename::parse(&file.filename, project).is_some())
        .collect()
}

fn file_url(path: &Path) -> Result<Url, FindLinksError> {
    Url::from_file_path(path).map_err(|()| FindLinksError::InvalidLocation {
        location: path.display().to_string(),
        message: "not an absolute path".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::may_name;

    #[test]
    fn may_name_lets_through_every_spelling_of_the_project() {
        for filename in [
            "Demo_App-1.0-py3-none-any.whl",
            "demo.app-1.0.tar.gz",
            "demo__app-2.0.zip",
            "DEMO-APP-1.0-py3-none-any.whl",
        ] {
            assert!(may_name(filename, "demo-app"), "{filename}");
        }
        assert!(!may_name("demo-1.0-py3-none-any.whl", "demo-app"));
        assert!(!may_name("other-1.0.tar.gz", "demo-app"));
        assert!(may_name("\u{212a}iwi-1.0.tar.gz", "kiwi"));
    }
}
