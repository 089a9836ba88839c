//! Simple API project pages: PEP 503 HTML and PEP 691 JSON, into one shape.
//!
//! Both formats become a [`ProjectPage`] whose files are absolute URLs with
//! their hashes, `requires-python`, yanked state (PEP 592), metadata file
//! (PEP 658/714) and, from JSON, size and upload time (PEP 700). Only
//! distributions are kept: wheels and sdists by their file name; other links
//! (signatures, navigation, eggs) are dropped. Whether a file belongs to the
//! project (its name matches) is the caller's question, answered by
//! [`crate::DistFilename::parse`].
//!
//! Where PEP and pip disagree on an edge, we do what pip does: a JSON
//! `"yanked": ""` is not yanked, and a metadata attribute with any value but
//! `true` or `name=hash` still announces a metadata file, without hashes.

use std::sync::{Arc, OnceLock};

use percent_encoding::percent_decode_str;

use serde::Deserialize;
use url::Url;

use crate::error::ParseError;
use crate::filename::is_distribution;
use crate::html;

/// Hash names pip accepts in a URL fragment or a `hashes` table, strongest first.
const HASH_NAMES: &[&str] = &["sha512", "sha384", "sha256", "sha224", "sha1", "md5"];

/// One project's page on one index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectPage {
    /// The project name as the index spells it (JSON only).
    pub name: Option<String>,
    pub files: Vec<IndexFile>,
    /// PEP 700: every version the index knows, even without files (JSON only).
    pub versions: Vec<String>,
    /// JSON `meta.api-version`, or HTML `<meta name="pypi:repository-version">`.
    pub meta_api_version: Option<String>,
}

/// Hash name (lowercase) to hex digest, sorted by name. A file has one or
/// two, and an index page has thousands of files: a `BTreeMap` node costs
/// about 550 bytes each, this one small vector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashes(Vec<(String, String)>);

impl Hashes {
    /// No hashes.
    pub fn new() -> Self {
        Self::default()
    }

    /// The digest for `name`.
    pub fn get(&self, name: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(key, _)| key.as_str().cmp(name))
            .ok()
            .map(|at| &self.0[at].1)
    }

    /// Whether there is a digest for `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets the digest for `name`, returning the one it replaces.
    pub fn insert(&mut self, name: String, digest: String) -> Option<String> {
        match self.0.binary_search_by(|(key, _)| key.cmp(&name)) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, digest)),
            Err(at) => {
                // Most files have one hash: no room for four.
                self.0.reserve_exact(1);
                self.0.insert(at, (name, digest));
                None
            }
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Name and digest pairs, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(name, digest)| (name, digest))
    }
}

/// `hashes["sha256"]`; panics when there is none, as a map's index does.
impl std::ops::Index<&str> for Hashes {
    type Output = String;

    fn index(&self, name: &str) -> &String {
        self.get(name).unwrap_or_else(|| panic!("no `{name}` hash"))
    }
}

/// As a JSON object, by name, as reports have always shown hashes.
impl serde::Serialize for Hashes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl FromIterator<(String, String)> for Hashes {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut hashes = Hashes::new();
        for (name, digest) in pairs {
            hashes.insert(name, digest);
        }
        hashes
    }
}

impl<const N: usize> From<[(String, String); N]> for Hashes {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

/// PEP 592.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yanked {
    NotYanked,
    /// Yanked, with the index's reason if it gave one.
    Yanked(Option<String>),
}

/// PEP 658/714: whether `<file url>.metadata` exists, with its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreMetadata {
    Absent,
    Present { hashes: Hashes },
}

/// One file an index offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub filename: String,
    /// Absolute. From an HTML page, without the hash fragment (the hashes
    /// are read from it); from JSON, as the page wrote it.
    pub url: FileUrl,
    /// Hash name (lowercase) to hex digest.
    pub hashes: Hashes,
    pub requires_python: Option<String>,
    pub yanked: Yanked,
    pub core_metadata: CoreMetadata,
    /// Bytes (PEP 700, JSON only).
    pub size: Option<u64>,
    /// PEP 700 upload time, kept as the index wrote it (RFC 3339). A later
    /// `--exclude-newer` compares it; until then no time crate is needed.
    pub upload_time: Option<String>,
}

/// A file's absolute URL, maybe joined to its page's URL only when first
/// used. A JSON page lists thousands of files and a resolution downloads a
/// few; joining every link was a fifth of a warm resolution. Only joins
/// that cannot fail are put off (see [`LinkJoiner`]), so a page with a bad
/// link still fails when it is parsed. Reads as a [`Url`].
#[derive(Clone)]
pub struct FileUrl(UrlState);

#[derive(Clone)]
enum UrlState {
    Joined(Url),
    Deferred {
        page: Arc<Url>,
        href: Box<str>,
        joined: OnceLock<Url>,
    },
}

impl std::ops::Deref for FileUrl {
    type Target = Url;

    fn deref(&self) -> &Url {
        match &self.0 {
            UrlState::Joined(url) => url,
            UrlState::Deferred { page, href, joined } => joined.get_or_init(|| {
                page.join(href)
                    .expect("a deferred link was checked to join when its page was parsed")
            }),
        }
    }
}

impl FileUrl {
    /// The URL, as an owned [`Url`].
    pub fn to_url(&self) -> Url {
        Url::clone(self)
    }
}

impl From<Url> for FileUrl {
    fn from(url: Url) -> Self {
        FileUrl(UrlState::Joined(url))
    }
}

impl PartialEq for FileUrl {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for FileUrl {}

impl PartialEq<Url> for FileUrl {
    fn eq(&self, other: &Url) -> bool {
        **self == *other
    }
}

impl std::fmt::Debug for FileUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, formatter)
    }
}

impl std::fmt::Display for FileUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&**self, formatter)
    }
}

/// Joins a page's links to the page's URL, putting off each join that
/// cannot fail:
///
/// - a relative link that only has a path, query or fragment (no scheme, no
///   `//` authority): joining parses no host or port, which is all that can
///   fail;
/// - an absolute `http(s)://authority…` link whose scheme and authority
///   are, byte for byte, those of a link of this page that joined already:
///   the host and port parse the same way again.
///
/// Links with control characters or spaces at either end are joined at once,
/// since the URL parser removes some of those and the checks above compare
/// the raw text.
struct LinkJoiner {
    page: Arc<Url>,
    /// The `scheme://authority` of the last absolute link that joined.
    known_authority: Option<String>,
}

impl LinkJoiner {
    fn new(page: &Url) -> Self {
        LinkJoiner {
            page: Arc::new(page.clone()),
            known_authority: None,
        }
    }

    /// The link's URL; a link that does not join comes back with the error.
    fn join(&mut self, href: String) -> Result<FileUrl, (url::ParseError, String)> {
        if self.cannot_fail(&href) {
            return Ok(FileUrl(UrlState::Deferred {
                page: self.page.clone(),
                href: href.into_boxed_str(),
                joined: OnceLock::new(),
            }));
        }
        let url = match self.page.join(&href) {
            Ok(url) => url,
            Err(error) => return Err((error, href)),
        };
        if let Some(authority) = scheme_and_authority(&href) {
            if url.has_host() && plain_text(&href) {
                self.known_authority = Some(authority.to_string());
            }
        }
        Ok(FileUrl::from(url))
    }

    fn cannot_fail(&self, href: &str) -> bool {
        if !plain_text(href) || self.page.cannot_be_a_base() {
            return false;
        }
        match scheme_end(href) {
            Some(_) => {
                let authority = scheme_and_authority(href);
                authority.is_some() && authority == self.known_authority.as_deref()
            }
            None => !href.starts_with(['/', '\\']) || !href[1..].starts_with(['/', '\\']),
        }
    }
}

/// No control characters (the parser drops tabs and newlines anywhere) and
/// no space at either end (the parser trims those).
fn plain_text(href: &str) -> bool {
    !href.bytes().any(|byte| byte.is_ascii_control())
        && !href.starts_with(' ')
        && !href.ends_with(' ')
}

/// Where a link's scheme ends (the `:`), when it starts with one:
/// a letter, then letters, digits, `+`, `-` or `.`.
fn scheme_end(href: &str) -> Option<usize> {
    let end = href.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))?;
    let starts_with_letter = href.starts_with(|c: char| c.is_ascii_alphabetic());
    (starts_with_letter && href[end..].starts_with(':')).then_some(end)
}

/// `scheme://authority` of an absolute `http` or `https` link, up to the
/// first `/`, `\`, `?` or `#` after the `//`; `None` for other links and
/// for an empty authority. Only these two schemes: for them the parser ends
/// the authority where this does, while other schemes treat `\` as part of
/// the host, and `https:///host` (slashes skipped) would otherwise record
/// an empty authority that any later host would match.
fn scheme_and_authority(href: &str) -> Option<&str> {
    let colon = scheme_end(href)?;
    let scheme = &href[..colon];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = href[colon + 1..].strip_prefix("//")?;
    let length = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    (length > 0).then(|| &href[..colon + 3 + length])
}

/// The URL with any user name or password replaced by `****`, for messages.
pub fn redact(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut redacted = url.clone();
    // Setting credentials only fails for URLs that cannot have them, and
    // those have none to hide.
    if redacted.set_password(None).is_ok() && redacted.set_username("****").is_ok() {
        return redacted.to_string();
    }
    url.to_string()
}

/// Parse a PEP 503 HTML page fetched from `page_url`.
pub fn parse_html(body: &str, page_url: &Url) -> Result<ProjectPage, ParseError> {
    let tags = html::scan(body, &["a", "base", "meta"]).map_err(|message| ParseError::Html {
        url: redact(page_url),
        message,
    })?;
    let link_error = |href: &str, message: String| ParseError::Link {
        url: redact(page_url),
        href: href.to_string(),
        message,
    };

    // The first `<base href>` decides how relative links resolve.
    let mut base = page_url.clone();
    if let Some(href) = tags
        .iter()
        .filter(|tag| tag.name == "base")
        .find_map(|tag| tag.attribute("href").flatten())
    {
        base = page_url
            .join(href.trim())
            .map_err(|error| link_error(href, error.to_string()))?;
    }

    let mut page = ProjectPage::default();
    for tag in &tags {
        match tag.name.as_str() {
            "meta"
                if page.meta_api_version.is_none()
                    && tag.attribute("name").flatten() == Some("pypi:repository-version") =>
            {
                page.meta_api_version = tag.attribute("content").flatten().map(str::to_string);
            }
            "a" => {
                let Some(href) = tag.attribute("href").flatten() else {
                    continue;
                };
                let mut url = base
                    .join(href.trim())
                    .map_err(|error| link_error(href, error.to_string()))?;
                let Some(filename) = filename_of(&url) else {
                    continue;
                };
                if !is_distribution(&filename) {
                    continue;
                }
                let hashes = url.fragment().map(fragment_hashes).unwrap_or_default();
                url.set_fragment(None);
                let yanked = match tag.attribute("data-yanked") {
                    None => Yanked::NotYanked,
                    Some(reason) => {
                        Yanked::Yanked(reason.filter(|r| !r.is_empty()).map(str::to_string))
                    }
                };
                let metadata = tag
                    .attribute("data-core-metadata")
                    .or_else(|| tag.attribute("data-dist-info-metadata"));
                let core_metadata = match metadata {
                    None => CoreMetadata::Absent,
                    Some(value) => CoreMetadata::Present {
                        hashes: value.map(metadata_attribute_hashes).unwrap_or_default(),
                    },
                };
                page.files.push(IndexFile {
                    filename,
                    url: url.into(),
                    hashes,
                    requires_python: tag
                        .attribute("data-requires-python")
                        .flatten()
                        .map(str::trim)
                        .filter(|value| !value.is_empty())
                        .map(str::to_string),
                    yanked,
                    core_metadata,
                    size: None,
                    upload_time: None,
                });
            }
            _ => {}
        }
    }
    Ok(page)
}

/// The last path segment, percent-decoded; `None` for a directory link.
fn filename_of(url: &Url) -> Option<String> {
    let segment = url.path_segments()?.next_back()?;
    if segment.is_empty() {
        return None;
    }
    let decoded = decode(segment);
    Some(decoded)
}

/// `#sha256=…` (also `&`-joined with other keys, as `egg=` links have).
fn fragment_hashes(fragment: &str) -> Hashes {
    fragment
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, value)| HASH_NAMES.contains(name) && is_hex(value))
        .map(|(name, value)| (name.to_string(), value.to_ascii_lowercase()))
        .collect()
}

/// PEP 658 attribute: `true`, or `name=hash`; pip reads any other value as
/// "present, no hashes".
fn metadata_attribute_hashes(value: &str) -> Hashes {
    match value.split_once('=') {
        Some((name, hash)) if HASH_NAMES.contains(&name) => {
            Hashes::from([(name.to_string(), hash.to_string())])
        }
        _ => Hashes::new(),
    }
}

fn is_hex(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Deserialize)]
struct JsonPage {
    meta: Option<JsonMeta>,
    name: Option<String>,
    files: Vec<JsonFile>,
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct JsonMeta {
    #[serde(rename = "api-version")]
    api_version: Option<String>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: LowercaseHashes,
    #[serde(rename = "requires-python")]
    requires_python: Option<String>,
    yanked: Option<BoolOrString>,
    #[serde(rename = "core-metadata")]
    core_metadata: Option<BoolOrHashes>,
    #[serde(rename = "dist-info-metadata")]
    dist_info_metadata: Option<BoolOrHashes>,
    size: Option<u64>,
    #[serde(rename = "upload-time")]
    upload_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrString {
    Bool(bool),
    String(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrHashes {
    Bool(bool),
    Hashes(LowercaseHashes),
}

/// Parse a PEP 691 JSON page fetched from `page_url`.
pub fn parse_json(body: &[u8], page_url: &Url) -> Result<ProjectPage, ParseError> {
    let page: JsonPage = serde_json::from_slice(body).map_err(|error| ParseError::Json {
        url: redact(page_url),
        message: error.to_string(),
    })?;
    let mut files = Vec::with_capacity(page.files.len());
    let mut joiner = LinkJoiner::new(page_url);
    for file in page.files {
        if !is_distribution(&file.filename) {
            continue;
        }
        let url = joiner
            .join(file.url)
            .map_err(|(error, href)| ParseError::Link {
                url: redact(page_url),
                href,
                message: error.to_string(),
            })?;
        let yanked = match file.yanked {
            Some(BoolOrString::Bool(true)) => Yanked::Yanked(None),
            // pip: an empty reason is "not yanked", a falsy value in Python.
            Some(BoolOrString::String(reason)) if !reason.is_empty() => {
                Yanked::Yanked(Some(reason))
            }
            _ => Yanked::NotYanked,
        };
        // PEP 714: `core-metadata` wins; `dist-info-metadata` is the old name.
        let core_metadata = match file.core_metadata.or(file.dist_info_metadata) {
            Some(BoolOrHashes::Bool(true)) => CoreMetadata::Present {
                hashes: Hashes::new(),
            },
            Some(BoolOrHashes::Hashes(hashes)) => CoreMetadata::Present { hashes: hashes.0 },
            _ => CoreMetadata::Absent,
        };
        files.push(IndexFile {
            filename: file.filename,
            url,
            hashes: file.hashes.0,
            requires_python: file
                .requires_python
                .filter(|value| !value.trim().is_empty()),
            yanked,
            core_metadata,
            size: file.size,
            upload_time: file.upload_time,
        });
    }
    Ok(ProjectPage {
        name: page.name,
        files,
        versions: page.versions,
        meta_api_version: page.meta.and_then(|meta| meta.api_version),
    })
}

/// A JSON `hashes` table read straight into [`Hashes`], names lowercased.
#[derive(Default)]
struct LowercaseHashes(Hashes);

impl<'de> Deserialize<'de> for LowercaseHashes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = LowercaseHashes;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a table of hash names to digests")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut hashes = Hashes::new();
                while let Some((name, digest)) = map.next_entry::<String, String>()? {
                    hashes.insert(name.to_ascii_lowercase(), digest);
                }
                Ok(LowercaseHashes(hashes))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Percent-decoded text; bytes that are not UTF-8 become U+FFFD.
pub(crate) fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests;
