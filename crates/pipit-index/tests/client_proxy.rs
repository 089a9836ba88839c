//! Proxies come from the environment (`HTTP_PROXY`, `HTTPS_PROXY`,
//! `NO_PROXY`). This file is its own test binary with one test, so setting
//! the variables cannot race with other tests' clients.

use std::time::Duration;

use pipit_index::{
    ClientOptions, IndexClient, IndexError, IndexSettings, NetrcSource, Origin, Sourced,
};
use pipit_testkit::IndexServer;

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        origin: Origin::Default,
    }
}

#[tokio::test]
async fn http_proxy_from_the_environment_is_used() {
    let proxy = IndexServer::start();
    for var in [
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
        "https_proxy",
    ] {
        std::env::remove_var(var);
    }
    std::env::set_var("HTTP_PROXY", proxy.base_url());
    std::env::set_var("http_proxy", proxy.base_url());

    let settings = IndexSettings {
        index_url: Some(sourced("http://index.example/simple/".to_string())),
        trusted_hosts: vec![sourced("index.example".to_string())],
        retries: sourced(0),
        ..IndexSettings::default()
    };
    let options = ClientOptions {
        retry_base_delay: Duration::from_millis(1),
        netrc: NetrcSource::Disabled,
        ..ClientOptions::default()
    };
    let client = IndexClient::new(&settings, options).unwrap();
    // The proxy (our test index) does not know the absolute-form target and
    // answers 404: the project is not found, but the request went through it.
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::NotFound { .. }), "{error:?}");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].path.contains("index.example/simple/demo-app/"),
        "{requests:?}"
    );
}
