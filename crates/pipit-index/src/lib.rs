//! `pipit-index`: pipit's index client.
//!
//! It owns everything between "a project name and a set of indexes" and "the
//! files those indexes offer": pip's configuration (pip.conf files, `PIP_*`
//! and `PIPIT_*` variables, `--isolated`) as far as it concerns indexes and
//! the network, and the Simple API pages themselves (PEP 503 HTML, PEP 691
//! JSON, with PEP 592 yanked files, PEP 658/714 metadata files and PEP 700
//! sizes and upload times).
//!
//! What is here now is pure: [`config::load`] turns injected sources (an
//! environment map and a list of files) into [`config::IndexSettings`], and
//! [`simple::parse_html`] / [`simple::parse_json`] turn a page body into a
//! [`simple::ProjectPage`]. The HTTP client, the HTTP cache with revalidation,
//! offline mode, retries, auth and find-links come next, on top of these.
//!
//! It never resolves (that is `pipit-resolver`, which calls this crate), never
//! installs or unpacks (`pipit-install`), and never knows an index host of its
//! own: without a configured index there is no index, and the CLI says how to
//! set one. URLs that leave this crate in messages go through
//! [`simple::redact`] so credentials are never printed.

mod cache;
mod client;
mod client_file;
pub mod config;
mod error;
mod filename;
mod find_links;
mod html;
mod http;
mod http_auth;
mod ini;
mod metadata;
pub mod simple;
mod zip_range;

pub use client::{
    ca_bundles_from_env, ClientOptions, IndexClient, IndexUrl, IndexedFile, ProjectFiles,
    DEFAULT_RETRY_BASE_DELAY, SIMPLE_ACCEPT,
};
pub use config::{
    default_config_files, load, CommandLine, ConfigFile, ConfigFileKind, ConfigSources,
    IndexSettings, IndexStrategy, Origin, Sourced,
};
pub use error::{ConfigError, FindLinksError, IndexError, MetadataError, ParseError};
pub use filename::{normalize_name, DistFilename, SdistFilename, SdistFormat, WheelFilename};
pub use find_links::{FindLinks, FindLinksEntry};
pub use http_auth::NetrcSource;
pub use metadata::{
    find_metadata_entry, metadata_bytes_from_wheel_bytes, metadata_from_wheel_bytes,
    metadata_from_wheel_file, parse_metadata, DistMetadata,
};
pub use simple::{parse_html, parse_json, redact, CoreMetadata, IndexFile, ProjectPage, Yanked};
pub use zip_range::{wheel_metadata_by_range, wheel_metadata_bytes_by_range, TAIL_SIZE};
