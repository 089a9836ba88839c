//! The client the metadata and JSON API tests use: one index, short retry
//! delays, no netrc of the machine's.

use std::path::Path;
use std::time::Duration;

use pipit_index::{ClientOptions, IndexClient, IndexSettings, NetrcSource, Origin, Sourced};

/// A client for the index at `index_url`, caching in `cache` when given.
pub fn client(index_url: &str, cache: Option<&Path>, offline: bool) -> IndexClient {
    let settings = IndexSettings {
        index_url: Some(Sourced {
            value: index_url.to_string(),
            origin: Origin::Default,
        }),
        ..IndexSettings::default()
    };
    let options = ClientOptions {
        cache_dir: cache.map(Path::to_path_buf),
        offline,
        retry_base_delay: Duration::from_millis(1),
        netrc: NetrcSource::Disabled,
        ..ClientOptions::default()
    };
    IndexClient::new(&settings, options).expect("client")
}
