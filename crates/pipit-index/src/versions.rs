//! What one project offers across the configured indexes and find-links
//! locations: its files, where each came from, and its versions.
//!
//! This is the answer to `pipit index versions`, and the list of candidates
//! the resolver starts from.

use std::str::FromStr;

use pep440_rs::Version;

use crate::client::{IndexClient, IndexUrl};
use crate::error::{FindLinksError, IndexError};
use crate::filename::{normalize_name, DistFilename};
use crate::find_links::{FindLinks, FindLinksEntry};
use crate::simple::{redact, IndexFile};

/// Where a listed file was found.
#[derive(Debug, Clone)]
pub enum FileOrigin {
    /// On this index's project page.
    Index(IndexUrl),
    /// In a `--find-links` location.
    FindLinks,
}

/// One distribution file of the project, with its parsed version.
#[derive(Debug, Clone)]
pub struct ListedFile {
    /// Where the file was found.
    pub origin: FileOrigin,
    /// The file as the page or folder described it.
    pub file: IndexFile,
    /// The version from the file name (PEP 427 / sdist naming).
    pub version: Version,
}

/// Every file a project has on the indexes and find-links locations.
#[derive(Debug, Clone)]
pub struct ProjectListing {
    /// The PEP 503 normalized project name.
    pub name: String,
    /// Index files first (in index order), then find-links files.
    pub files: Vec<ListedFile>,
}

impl ProjectListing {
    /// The versions offered, newest first, each once. Pre-releases (PEP 440)
    /// only with `include_prereleases`, as `pip index versions --pre`.
    pub fn versions(&self, include_prereleases: bool) -> Vec<Version> {
        let mut versions: Vec<Version> = self
            .files
            .iter()
            .map(|listed| listed.version.clone())
            .filter(|version| include_prereleases || !version.any_prerelease())
            .collect();
        versions.sort_by(|a, b| b.cmp(a));
        versions.dedup();
        versions
    }
}

/// Why a project could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// An index could not be read, or no location has the project.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A find-links location could not be read.
    #[error(transparent)]
    FindLinks(#[from] FindLinksError),
}

impl ListError {
    /// Whether the failure is the network's or an index's (exit code 3).
    pub fn is_network(&self) -> bool {
        match self {
            ListError::Index(error) => error.is_network(),
            ListError::FindLinks(error) => matches!(
                error,
                FindLinksError::Http { .. }
                    | FindLinksError::Status { .. }
                    | FindLinksError::Parse(_)
            ),
        }
    }
}

/// Lists `name` from the client's indexes (none without a client) and the
/// find-links locations. A project that only find-links has is found even
/// offline or when no index has it; one that nothing has is
/// [`IndexError::NotFound`] naming every place asked, or
/// [`IndexError::Offline`] when the cache could not answer.
pub async fn list_project(
    client: Option<&IndexClient>,
    find_links: &FindLinks,
    name: &str,
) -> Result<ProjectListing, ListError> {
    list_project_with(client, find_links, name, false).await
}

/// [`list_project`], and with `upload_times` the index files' missing upload
/// times (and sizes) filled in from the index's JSON API
/// ([`IndexClient::complete_from_json_api`]), which `--exclude-newer` needs
/// when an index serves HTML pages.
pub async fn list_project_with(
    client: Option<&IndexClient>,
    find_links: &FindLinks,
    name: &str,
    upload_times: bool,
) -> Result<ProjectListing, ListError> {
    let normalized = normalize_name(name);
    let mut lister = Lister::new(&normalized);
    let mut files = Vec::new();
    let mut miss: Option<IndexError> = None;
    if let Some(client) = client.filter(|client| !client.indexes().is_empty()) {
        let found = match client.project_files(name).await {
            Ok(mut found) if upload_times => {
                client.complete_from_json_api(&mut found).await?;
                Ok(found)
            }
            other => other,
        };
        match found {
            Ok(found) => files.extend(found.files.into_iter().filter_map(|indexed| {
                lister.listed(FileOrigin::Index(indexed.index), indexed.file)
            })),
            Err(error @ (IndexError::NotFound { .. } | IndexError::Offline { .. })) => {
                miss = Some(error);
            }
            Err(error) => return Err(error.into()),
        }
    }
    // Remote find-links pages go through the index client's HTTP stack (TLS,
    // proxies); offline, or with no client, only local locations are read.
    let http = client
        .filter(|client| !client.options().offline)
        .and_then(|client| {
            find_links.entries.iter().find_map(|entry| match entry {
                FindLinksEntry::Page(url) => Some(client.http_client_for(url)),
                FindLinksEntry::Local(_) => None,
            })
        })
        .transpose()?;
    let found = match http {
        Some(http) => find_links.files_for(Some(http), name).await?,
        None => find_links.local_files_for(name)?,
    };
    files.extend(
        found
            .into_iter()
            .filter_map(|file| lister.listed(FileOrigin::FindLinks, file)),
    );
    if files.is_empty() {
        let asked_find_links = find_links.entries.iter().map(|entry| match entry {
            FindLinksEntry::Local(path) => path.display().to_string(),
            FindLinksEntry::Page(url) => redact(url),
        });
        return Err(match miss {
            Some(IndexError::NotFound { name, mut indexes }) => {
                indexes.extend(asked_find_links);
                IndexError::NotFound { name, indexes }
            }
            Some(other) => other,
            None => IndexError::NotFound {
                name: name.to_string(),
                indexes: asked_find_links.collect(),
            },
        }
        .into());
    }
    Ok(ProjectListing {
        name: normalized,
        files,
    })
}

/// Turns a project's files into listed files, parsing each version once
/// for a run of files that share it: pages list every wheel of a release
/// one after another, and some releases have hundreds.
struct Lister<'a> {
    /// The project's normalized name.
    project: &'a str,
    /// The last version parsed, as written and parsed.
    last: Option<(String, Version)>,
}

impl<'a> Lister<'a> {
    fn new(project: &'a str) -> Self {
        Lister {
            project,
            last: None,
        }
    }

    /// The file, when its name is one of the project's distributions with
    /// a valid version; anything else on a page is not a candidate.
    fn listed(&mut self, origin: FileOrigin, file: IndexFile) -> Option<ListedFile> {
        let text = DistFilename::version_of(&file.filename, self.project)?;
        let version = match &self.last {
            Some((last_text, version)) if last_text == text => version.clone(),
            _ => {
                let version = Version::from_str(text).ok()?;
                self.last = Some((text.to_string(), version.clone()));
                version
            }
        };
        Some(ListedFile {
            origin,
            file,
            version,
        })
    }
}
