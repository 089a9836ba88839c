//! `pipit-index`: pipit's index client.
//!
//! It owns everything between "a project name and a set of indexes" and "the
//! files those indexes offer": pip's configuration (pip.conf files, `PIP_*`
//! and `PIPIT_*` variables, `--isolated`) as far as it concerns indexes and
//! the network, and the Simple API pages themselves (PEP 503 HTML, PEP 691
//! JSON, with PEP 592 yanked files, PEP 658/714 metadata files and PEP 700
//! sizes and upload times).
//!
//! The pieces, top to bottom:
//!
//! - [`config`]: pip's configuration from injected sources (environment and
//!   files) into [`IndexSettings`], each value with its origin.
//! - [`IndexClient`]: the HTTP side: content negotiation (PEP 691 JSON, PEP
//!   503 HTML), several indexes with a safe strategy, credentials from URLs
//!   and netrc, TLS from the system store plus `--cert`, retries with backoff,
//!   `file://` indexes, and the HTTP cache (fresh entries answer with no
//!   request, stale ones revalidate, pages without caching headers live for
//!   `--index-ttl`, blobs are addressed by hash, `--offline` never connects).
//! - [`IndexClient::fetch_file`]: the download primitive: a file streamed
//!   to disk while hashed, verified, and kept in the content-addressed blob
//!   store ([`Fetched`], with [`FetchProgress`] for progress bars).
//! - [`cache_info`], [`clean_cache`], [`prune_cache`]: `pipit cache`'s
//!   view of the cache root's five areas (pages, blobs, metadata, local
//!   wheels' hashes, and the installer's unpacked wheels).
//! - [`FindLinks`]: `-f` folders, files and pages of links.
//! - [`list_project`]: one project's files and versions across all of them.
//! - [`IndexClient::complete_from_json_api`]: upload times, sizes and
//!   requires-python that an HTML page lacks, from the index's per-project
//!   JSON API where it offers one (for `--exclude-newer`).
//! - [`DistMetadata`]: core metadata, from a PEP 658 file, from a wheel, or
//!   from a remote wheel through HTTP range requests
//!   ([`wheel_metadata_by_range`]).
//!
//! It never resolves (that is `pipit-resolver`, which calls this crate), never
//! installs or unpacks (`pipit-install`), and never knows an index host of its
//! own: without a configured index there is no index, and the CLI says how to
//! set one. URLs that leave this crate in messages go through
//! [`simple::redact`] so credentials are never printed.

mod cache;
mod cache_admin;
mod candidate;
mod client;
mod client_file;
pub mod config;
mod error;
mod fetch;
mod filename;
mod find_links;
mod html;
mod http;
mod http_auth;
mod ini;
mod json_api;
mod metadata;
pub mod simple;
mod versions;
mod zip_range;

pub use cache_admin::{
    cache_info, clean_cache, disk_usage, prune_cache, AreaUsage, CacheArea, CacheUsage, Usage,
    TEMPORARY_MAX_AGE,
};
pub use candidate::{CandidateMetadataError, MetadataSource};
pub use client::{
    ca_bundles_from_env, ClientOptions, IndexClient, IndexUrl, IndexedFile, ProjectFiles,
    DEFAULT_RETRY_BASE_DELAY, SIMPLE_ACCEPT,
};
pub use config::{
    default_config_files, load, CommandLine, ConfigFile, ConfigFileKind, ConfigSources,
    IndexSettings, IndexStrategy, Origin, Sourced,
};
pub use error::{
    CacheAdminError, ConfigError, FindLinksError, IndexError, MetadataError, ParseError,
};
pub use fetch::{hash_file, FetchProgress, Fetched, Pending};
pub use filename::{normalize_name, DistFilename, SdistFilename, SdistFormat, WheelFilename};
pub use find_links::{FindLinks, FindLinksEntry};
pub use http_auth::NetrcSource;
pub use metadata::{
    find_metadata_entry, metadata_bytes_from_wheel_bytes, metadata_from_wheel_bytes,
    metadata_from_wheel_file, parse_metadata, DistMetadata,
};
pub use simple::{
    parse_html, parse_json, redact, CoreMetadata, FileUrl, Hashes, IndexFile, ProjectPage, Yanked,
};
pub use versions::{
    list_project, list_project_with, FileOrigin, ListError, ListedFile, ProjectListing,
};
pub use zip_range::{wheel_metadata_by_range, wheel_metadata_bytes_by_range, TAIL_SIZE};
