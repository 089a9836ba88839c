//! [`IndexClient`]: project pages from the configured indexes, through the
//! HTTP cache, with the index strategy applied.
//!
//! ```no_run
//! # async fn run() -> Result<(), pipit_index::IndexError> {
//! use pipit_index::{ClientOptions, IndexClient, IndexSettings};
//! let settings = IndexSettings::default(); // normally `pipit_index::load(..)`
//! let client = IndexClient::new(&settings, ClientOptions::from_settings(&settings))?;
//! let files = client.project_files("demo-app").await?;
//! for found in &files.files {
//!     println!("{} from {}", found.file.filename, found.index);
//! }
//! # Ok(()) }
//! ```
//!
//! A page is looked up in the cache first (see the `cache` module for the
//! rules and the layout); offline, the cache is all there is. `file://`
//! indexes are read from disk on every call, offline too.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{ACCEPT, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use url::Url;

use crate::cache::{
    now_ms, sha256_hex, BlobStore, CacheControl, CachedPage, HttpCache, LocalHashStore,
    WheelMetadataStore,
};
use crate::client_file;
use crate::config::{IndexSettings, IndexStrategy, DEFAULT_INDEX_TTL_SECS};
use crate::error::IndexError;
use crate::filename::normalize_name;
use crate::http::{status_error, Response, Transport, TransportConfig};
use crate::http_auth::{strip_credentials, NetrcSource};
use crate::simple::{parse_html, parse_json, redact, IndexFile, ProjectPage};

/// PEP 691 content negotiation: JSON preferred, HTML accepted.
pub const SIMPLE_ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The default pause before the first retry; it doubles on each retry.
pub const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_millis(250);

/// How the client behaves, beyond what [`IndexSettings`] says about indexes
/// and the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// pipit's cache root; `None`: no cache (`--no-cache-dir`).
    pub cache_dir: Option<PathBuf>,
    /// Never open a connection: pages come from the cache, whatever their age.
    pub offline: bool,
    /// Revalidate (or fetch again) each cached page once, the first time
    /// this client wants it.
    pub refresh: bool,
    /// How long a page whose server gave no lifetime is fresh.
    pub index_ttl: Duration,
    /// The pause before the first retry (doubling each time, at most 10 s).
    pub retry_base_delay: Duration,
    /// Where netrc credentials come from.
    pub netrc: NetrcSource,
    /// CA bundles trusted on top of the system store and `--cert`
    /// (see [`ca_bundles_from_env`]).
    pub extra_ca_files: Vec<PathBuf>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            cache_dir: None,
            offline: false,
            refresh: false,
            index_ttl: Duration::from_secs(DEFAULT_INDEX_TTL_SECS),
            retry_base_delay: DEFAULT_RETRY_BASE_DELAY,
            netrc: NetrcSource::Discover,
            extra_ca_files: Vec::new(),
        }
    }
}

impl ClientOptions {
    /// The cache folder, offline mode and TTL the settings name; the rest
    /// default. The caller adds `extra_ca_files` from its environment.
    pub fn from_settings(settings: &IndexSettings) -> Self {
        Self {
            cache_dir: settings
                .cache_dir
                .as_ref()
                .map(|cache_dir| cache_dir.value.clone()),
            offline: settings.offline.value,
            index_ttl: Duration::from_secs(settings.index_ttl.value),
            ..Self::default()
        }
    }
}

/// The CA bundles requests (and so pip) takes from the environment:
/// `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE` and `SSL_CERT_FILE`, empty values
/// ignored. `PIP_CERT` is a setting (`IndexSettings::cert`), not read here.
pub fn ca_bundles_from_env(env: &BTreeMap<String, String>) -> Vec<PathBuf> {
    ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"]
        .iter()
        .filter_map(|var| env.get(*var))
        .filter(|value| !value.trim().is_empty())
        .map(PathBuf::from)
        .collect()
}

/// One index's base URL (ending in `/`). It may carry credentials;
/// `Display` and `Debug` show it redacted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IndexUrl {
    url: Url,
}

impl IndexUrl {
    /// A URL, or an absolute path to an index folder; a `/` is added to the
    /// path if missing.
    pub fn parse(text: &str) -> Result<Self, IndexError> {
        let text = text.trim();
        let parsed = match Url::parse(text) {
            Ok(url) => url,
            Err(error) => {
                let path = std::path::Path::new(text);
                if path.is_absolute() {
                    Url::from_directory_path(path).map_err(|()| IndexError::InvalidUrl {
                        url: text.to_string(),
                        message: "not an absolute path".to_string(),
                    })?
                } else {
                    return Err(IndexError::InvalidUrl {
                        // Not a URL, so it has no userinfo to hide; still,
                        // keep anything before an `@` out of the message.
                        url: text.rsplit('@').next().unwrap_or_default().to_string(),
                        message: error.to_string(),
                    });
                }
            }
        };
        Self::from_url(parsed)
    }

    pub fn from_url(mut url: Url) -> Result<Self, IndexError> {
        if !matches!(url.scheme(), "http" | "https" | "file") {
            return Err(IndexError::InvalidUrl {
                url: redact(&url),
                message: "only http, https and file urls can be indexes".to_string(),
            });
        }
        url.set_fragment(None);
        url.set_query(None);
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self { url })
    }

    /// The URL, credentials included: do not print it, print `self`.
    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn redacted(&self) -> String {
        redact(&self.url)
    }

    /// `<index>/<normalized name>/`.
    pub fn project_url(&self, name: &str) -> Result<Url, IndexError> {
        self.url
            .join(&format!("{}/", normalize_name(name)))
            .map_err(|error| IndexError::InvalidUrl {
                url: self.redacted(),
                message: error.to_string(),
            })
    }
}

impl fmt::Display for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndexUrl({})", self.redacted())
    }
}

/// A file and the index whose page listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedFile {
    pub index: IndexUrl,
    pub file: IndexFile,
}

/// Every file the indexes offer for one project, after the index strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFiles {
    /// The normalized project name.
    pub name: String,
    /// In index order, then page order.
    pub files: Vec<IndexedFile>,
}

/// The index client. Cloning is cheap; clones share connections and options.
#[derive(Clone)]
pub struct IndexClient {
    inner: Arc<Inner>,
}

struct Inner {
    indexes: Vec<IndexUrl>,
    strategy: IndexStrategy,
    transport: Transport,
    pages: Option<HttpCache>,
    blobs: Option<BlobStore>,
    wheel_metadata: Option<WheelMetadataStore>,
    local_hashes: Option<LocalHashStore>,
    options: ClientOptions,
    /// With `refresh`, the cache keys of the pages this client has fetched
    /// or revalidated: every other cached page is stale. (A timestamp
    /// comparison was not enough: a client made within the millisecond a
    /// page was stored took that page as its own.)
    refreshed: Mutex<HashSet<String>>,
}

impl Inner {
    /// Whether this client has fetched or revalidated the page under `key`.
    fn refreshed_page(&self, key: &str) -> bool {
        self.refreshed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(key)
    }
}

impl fmt::Debug for IndexClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexClient")
            .field("indexes", &self.inner.indexes)
            .field("strategy", &self.inner.strategy)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl IndexClient {
    /// The indexes are `index_url` then `extra_index_urls`, none with
    /// `no_index`. Only the index URLs are checked here: the `--cert` and
    /// `--client-cert` files (and the system certificate store) are read by
    /// the first request, whose error says when one is unusable.
    pub fn new(settings: &IndexSettings, options: ClientOptions) -> Result<Self, IndexError> {
        let mut indexes = Vec::new();
        if !settings.no_index.value {
            for text in settings
                .index_url
                .iter()
                .chain(settings.extra_index_urls.iter())
            {
                let index = IndexUrl::parse(&text.value)?;
                if !indexes.contains(&index) {
                    indexes.push(index);
                }
            }
        }
        let mut ca_files: Vec<PathBuf> = settings
            .cert
            .iter()
            .map(|cert| cert.value.clone())
            .collect();
        // `--cert X` with `SSL_CERT_FILE=X` is one bundle, read once.
        for extra in &options.extra_ca_files {
            if !ca_files.contains(extra) {
                ca_files.push(extra.clone());
            }
        }
        let transport = Transport::new(TransportConfig {
            ca_files,
            client_cert: settings.client_cert.as_ref().map(|cert| cert.value.clone()),
            timeout_secs: settings.timeout.value,
            retries: settings.retries.value,
            retry_base_delay: options.retry_base_delay,
            trusted_hosts: settings
                .trusted_hosts
                .iter()
                .map(|host| host.value.clone())
                .collect(),
            netrc: options.netrc.clone(),
            indexes: indexes.iter().map(|index| index.url.clone()).collect(),
        });
        Ok(Self {
            inner: Arc::new(Inner {
                indexes,
                strategy: settings.index_strategy.value,
                transport,
                pages: options.cache_dir.as_deref().map(HttpCache::new),
                blobs: options.cache_dir.as_deref().map(BlobStore::new),
                wheel_metadata: options.cache_dir.as_deref().map(WheelMetadataStore::new),
                local_hashes: options.cache_dir.as_deref().and_then(LocalHashStore::new),
                options,
                refreshed: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The indexes, in the order they are consulted.
    pub fn indexes(&self) -> &[IndexUrl] {
        &self.inner.indexes
    }

    pub fn strategy(&self) -> IndexStrategy {
        self.inner.strategy
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The files of `name` on the indexes. `first-index`: the first index
    /// (in order) that has the project is the only one used, so a project
    /// cannot be shadowed from a later index (dependency confusion).
    /// `unsafe-best-match`: every index's files, pooled.
    pub async fn project_files(&self, name: &str) -> Result<ProjectFiles, IndexError> {
        let pages = match self.inner.strategy {
            // In order, and no further than needed: later indexes are not
            // even asked about a project an earlier one has.
            IndexStrategy::FirstIndex => {
                let mut pages = Vec::new();
                for index in &self.inner.indexes {
                    if let Some(page) = self.project_page(index, name).await? {
                        pages.push((index.clone(), page));
                        break;
                    }
                }
                pages
            }
            // Every index at once; results are kept in index order.
            IndexStrategy::UnsafeBestMatch => {
                let tasks: Vec<_> = self
                    .inner
                    .indexes
                    .iter()
                    .map(|index| {
                        let client = self.clone();
                        let index = index.clone();
                        let name = name.to_string();
                        tokio::spawn(async move {
                            let page = client.project_page(&index, &name).await;
                            (index, page)
                        })
                    })
                    .collect();
                let mut pages = Vec::new();
                for task in tasks {
                    let (index, page) = task.await.map_err(|error| IndexError::Client {
                        message: format!("an index request task failed: {error}"),
                    })?;
                    if let Some(page) = page? {
                        pages.push((index, page));
                    }
                }
                pages
            }
        };
        if pages.is_empty() {
            return Err(IndexError::NotFound {
                name: name.to_string(),
                indexes: self.inner.indexes.iter().map(IndexUrl::redacted).collect(),
            });
        }
        let files = pages
            .into_iter()
            .flat_map(|(index, page)| {
                page.files.into_iter().map(move |file| IndexedFile {
                    index: index.clone(),
                    file,
                })
            })
            .collect();
        Ok(ProjectFiles {
            name: normalize_name(name),
            files,
        })
    }

    /// The page of `name` on `index`; `None` when the index does not have
    /// the project (404 or 410, or no folder on disk).
    pub async fn project_page(
        &self,
        index: &IndexUrl,
        name: &str,
    ) -> Result<Option<ProjectPage>, IndexError> {
        let url = index.project_url(name)?;
        if url.scheme() == "file" {
            let directory = index
                .url
                .to_file_path()
                .map_err(|()| IndexError::InvalidUrl {
                    url: index.redacted(),
                    message: "not a local path".to_string(),
                })?;
            return client_file::project_page(&directory, name);
        }
        self.cached_get(&url, SIMPLE_ACCEPT, name)
            .await?
            .map(|page| parse_page(&page))
            .transpose()
    }

    /// GET `url` through the HTTP cache: a fresh entry answers with no
    /// request, a stale one is revalidated, and offline only the cache
    /// answers (else [`IndexError::Offline`] naming `name`). `None` for 404
    /// and 410.
    pub(crate) async fn cached_get(
        &self,
        url: &Url,
        accept: &str,
        name: &str,
    ) -> Result<Option<CachedPage>, IndexError> {
        let inner = &self.inner;
        inner.transport.check_origin(url)?;
        let key = HttpCache::key(url, accept);
        let cached = inner.pages.as_ref().and_then(|cache| cache.read(&key));

        if inner.options.offline {
            return match cached {
                Some(page) => Ok(Some(page)),
                None => Err(IndexError::Offline {
                    name: name.to_string(),
                }),
            };
        }
        let now = now_ms();
        if let Some(page) = cached.as_ref() {
            let refreshing = inner.options.refresh && !inner.refreshed_page(&key);
            if !refreshing && page.is_fresh(now, inner.options.index_ttl) {
                return Ok(cached);
            }
        }

        let mut headers = vec![(ACCEPT, accept.to_string())];
        if let Some(page) = cached.as_ref().filter(|page| page.has_validators()) {
            if let Some(etag) = &page.etag {
                headers.push((IF_NONE_MATCH, etag.clone()));
            }
            if let Some(last_modified) = &page.last_modified {
                headers.push((IF_MODIFIED_SINCE, last_modified.clone()));
            }
        }
        let response = inner.transport.get(url, &headers).await?;
        if inner.options.refresh {
            inner
                .refreshed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key.clone());
        }
        match (response.status, cached) {
            (304, Some(mut page)) => {
                // RFC 9111 4.3.4: the 304's headers update the stored ones.
                let control = response.header("cache-control").map(CacheControl::parse);
                if let Some(control) = control {
                    page.max_age = control.max_age;
                    page.no_cache = control.no_cache;
                }
                if let Some(etag) = response.header("etag") {
                    page.etag = Some(etag.to_string());
                }
                if let Some(last_modified) = response.header("last-modified") {
                    page.last_modified = Some(last_modified.to_string());
                }
                page.fetched_at_ms = now_ms();
                if let Some(cache) = &inner.pages {
                    if !control.is_some_and(|control| control.no_store) {
                        cache.write(&key, &page);
                    }
                }
                Ok(Some(page))
            }
            (404 | 410, _) => Ok(None),
            (_, _) => {
                if let Some(error) = status_error(url, &response) {
                    return Err(error);
                }
                if response.status == 304 {
                    // A 304 to a request without validators.
                    return Err(IndexError::Status {
                        url: redact(url),
                        status: 304,
                    });
                }
                let (page, no_store) = page_from_response(url, response);
                if let (Some(cache), false) = (&inner.pages, no_store) {
                    cache.write(&key, &page);
                }
                Ok(Some(page))
            }
        }
    }

    /// The bytes at `url` (`http`, `https` or `file`), with the transport's
    /// auth and retries and no caching. Offline, only `file` URLs work.
    pub async fn get_bytes(&self, url: &Url) -> Result<Vec<u8>, IndexError> {
        if url.scheme() == "file" {
            let path = url.to_file_path().map_err(|()| IndexError::InvalidUrl {
                url: redact(url),
                message: "not a local path".to_string(),
            })?;
            return fs_err::read(&path).map_err(|error| client_file::file_error(&path, &error));
        }
        if self.inner.options.offline {
            return Err(IndexError::Offline {
                name: last_segment(url),
            });
        }
        let response = self.inner.transport.get(url, &[]).await?;
        if let Some(error) = status_error(url, &response) {
            return Err(error);
        }
        Ok(response.body)
    }

    /// The bytes at `url`, whose sha256 must be `sha256` (hex). They come
    /// from `<cache_dir>/blobs-v1/sha256/<sha256>` when stored there, so a
    /// file addressed by hash is fetched once; fetched bytes are verified
    /// before they are stored or returned.
    pub async fn get_bytes_by_hash(&self, url: &Url, sha256: &str) -> Result<Vec<u8>, IndexError> {
        let expected = sha256.trim().to_ascii_lowercase();
        let addressable = expected.len() == 64 && expected.bytes().all(|b| b.is_ascii_hexdigit());
        if addressable {
            if let Some(bytes) = self
                .inner
                .blobs
                .as_ref()
                .and_then(|blobs| blobs.read(&expected))
            {
                return Ok(bytes);
            }
        }
        let bytes = self.get_bytes(url).await?;
        let actual = sha256_hex(&bytes);
        if actual != expected {
            return Err(IndexError::HashMismatch {
                url: redact(url),
                expected,
                actual,
            });
        }
        if let Some(blobs) = &self.inner.blobs {
            blobs.write(&expected, &bytes);
        }
        Ok(bytes)
    }

    /// The underlying HTTP client for `url`: the one without certificate
    /// verification for a `--trusted-host`, the verifying one otherwise. It
    /// carries TLS, proxy and timeout settings but not credentials or
    /// retries: prefer [`IndexClient::get_bytes`] where those matter. The
    /// first call builds the clients, so it fails when a `--cert` or
    /// `--client-cert` file is unusable.
    pub fn http_client_for(&self, url: &Url) -> Result<&reqwest::Client, IndexError> {
        self.inner.transport.client_for(url)
    }

    /// The `METADATA` of the wheel at `url` with this sha256, as an earlier
    /// range read stored it.
    pub(crate) fn stored_wheel_metadata(&self, url: &Url, wheel_sha256: &str) -> Option<Vec<u8>> {
        self.inner.wheel_metadata.as_ref()?.read(url, wheel_sha256)
    }

    /// Keeps the `METADATA` read by range requests from the wheel with this sha256.
    pub(crate) fn store_wheel_metadata(&self, url: &Url, wheel_sha256: &str, bytes: &[u8]) {
        if let Some(store) = &self.inner.wheel_metadata {
            store.write(url, wheel_sha256, bytes);
        }
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    pub(crate) fn blob_store(&self) -> Option<&BlobStore> {
        self.inner.blobs.as_ref()
    }

    pub(crate) fn local_hashes(&self) -> Option<&LocalHashStore> {
        self.inner.local_hashes.as_ref()
    }

    /// Where `get_bytes_by_hash` keeps the file with this sha256, if there
    /// is a cache folder (the file may not exist yet).
    pub fn blob_path(&self, sha256: &str) -> Option<PathBuf> {
        self.inner
            .blobs
            .as_ref()
            .map(|blobs| blobs.path(&sha256.to_ascii_lowercase()))
    }
}

/// The entry to cache for a fresh 200, and whether it must not be stored.
fn page_from_response(url: &Url, response: Response) -> (CachedPage, bool) {
    let control = response
        .header("cache-control")
        .map(CacheControl::parse)
        .unwrap_or_default();
    let page = CachedPage {
        url: redact(url),
        final_url: strip_credentials(&response.final_url).to_string(),
        content_type: response.header("content-type").map(str::to_string),
        etag: response.header("etag").map(str::to_string),
        last_modified: response.header("last-modified").map(str::to_string),
        max_age: control.max_age,
        no_cache: control.no_cache,
        fetched_at_ms: now_ms(),
        body: response.body,
    };
    (page, control.no_store)
}

/// Parse by content type: JSON for a `+json` or `json` type, HTML otherwise.
fn parse_page(page: &CachedPage) -> Result<ProjectPage, IndexError> {
    let final_url = Url::parse(&page.final_url).map_err(|error| IndexError::InvalidUrl {
        url: page.url.clone(),
        message: error.to_string(),
    })?;
    let content_type = page
        .content_type
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    let parsed = if media_type.ends_with("json") {
        parse_json(&page.body, &final_url)
    } else {
        parse_html(&String::from_utf8_lossy(&page.body), &final_url)
    };
    Ok(parsed?)
}

pub(crate) fn last_segment(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back().map(str::to_string))
        .filter(|segment| !segment.is_empty())
        .unwrap_or_else(|| redact(url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ParseError;

    fn cached(content_type: &str, body: &str) -> CachedPage {
        CachedPage {
            url: "https://****@index.example/simple/demo/".to_string(),
            final_url: "https://index.example/simple/demo/".to_string(),
            content_type: Some(content_type.to_string()),
            etag: None,
            last_modified: None,
            max_age: None,
            no_cache: false,
            fetched_at_ms: 0,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn malformed_json_page_is_a_malformed_error() {
        let page = cached("application/vnd.pypi.simple.v1+json", "{\"files\": [");
        let error = parse_page(&page).unwrap_err();
        assert!(
            matches!(error, IndexError::Malformed(ParseError::Json { .. })),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message
                .starts_with("malformed json simple api page `https://index.example/simple/demo/`"),
            "{message}"
        );
        assert!(error.is_network());
    }

    #[test]
    fn content_type_chooses_the_parser() {
        let html = cached(
            "text/html; charset=utf-8",
            "<a href=\"../../files/demo-1.0.tar.gz#sha256=aa\">demo</a>",
        );
        let page = parse_page(&html).unwrap();
        assert_eq!(
            page.files[0].url.as_str(),
            "https://index.example/files/demo-1.0.tar.gz"
        );
        let json = cached(
            "application/vnd.pypi.simple.v1+json",
            r#"{"meta": {"api-version": "1.1"}, "name": "demo", "files": []}"#,
        );
        assert_eq!(
            parse_page(&json).unwrap().meta_api_version.as_deref(),
            Some("1.1")
        );
    }
}
