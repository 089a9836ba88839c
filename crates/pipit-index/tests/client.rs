//! The index client against the in-process test index: formats, the HTTP
//! cache, offline mode, index strategies, credentials, retries and errors.
//!
//! Every test builds its `IndexSettings` directly (never from the machine's
//! environment) and reads netrc only from a file it names.

use std::path::Path;
use std::time::Duration;

use pipit_index::{
    ClientOptions, IndexClient, IndexError, IndexSettings, IndexStrategy, IndexUrl, NetrcSource,
    Origin, ProjectPage, Sourced, SIMPLE_ACCEPT,
};
use pipit_testkit::{Fault, IndexServer, PageFormat, WheelBuilder};
use url::Url;

const DEMO_WHEEL: &str = "demo_app-1.0.0-py3-none-any.whl";

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        origin: Origin::Default,
    }
}

fn settings(indexes: &[&str]) -> IndexSettings {
    let mut settings = IndexSettings {
        timeout: sourced(10.0),
        ..IndexSettings::default()
    };
    if let Some((first, rest)) = indexes.split_first() {
        settings.index_url = Some(sourced(first.to_string()));
        settings.extra_index_urls = rest.iter().map(|url| sourced(url.to_string())).collect();
    }
    settings
}

fn options(cache_dir: Option<&Path>) -> ClientOptions {
    ClientOptions {
        cache_dir: cache_dir.map(Path::to_path_buf),
        retry_base_delay: Duration::from_millis(1),
        netrc: NetrcSource::Disabled,
        ..ClientOptions::default()
    }
}

fn client(indexes: &[&str], options: ClientOptions) -> IndexClient {
    IndexClient::new(&settings(indexes), options).expect("client")
}

fn demo_server() -> IndexServer {
    IndexServer::with_wheels(&[WheelBuilder::new("demo-app", "1.0.0")])
}

fn index(url: &str) -> IndexUrl {
    IndexUrl::parse(url).expect("index url")
}

async fn demo_page(client: &IndexClient, server: &IndexServer) -> ProjectPage {
    client
        .project_page(&index(&server.url()), "demo-app")
        .await
        .expect("page")
        .expect("the project exists")
}

fn filenames(page: &ProjectPage) -> Vec<&str> {
    page.files
        .iter()
        .map(|file| file.filename.as_str())
        .collect()
}

#[tokio::test]
async fn html_page_with_the_pep_691_accept_header() {
    let server = demo_server();
    server.set_format(PageFormat::Html);
    let client = client(&[&server.url()], options(None));
    let page = demo_page(&client, &server).await;
    assert_eq!(filenames(&page), [DEMO_WHEEL]);
    assert_eq!(page.files[0].url.as_str(), server.file_url(DEMO_WHEEL));
    let sha256 = server.file_sha256(DEMO_WHEEL);
    assert_eq!(page.files[0].hashes.get("sha256"), sha256.as_ref());
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/simple/demo-app/");
    assert_eq!(requests[0].header("accept"), Some(SIMPLE_ACCEPT));
}

#[tokio::test]
async fn json_page() {
    let server = demo_server();
    server.set_format(PageFormat::Json);
    let client = client(&[&server.url()], options(None));
    let page = demo_page(&client, &server).await;
    assert_eq!(filenames(&page), [DEMO_WHEEL]);
    assert!(page.meta_api_version.is_some());
    assert!(page.files[0].size.is_some());
}

#[tokio::test]
async fn negotiated_page_is_json() {
    let server = demo_server();
    server.set_format(PageFormat::Negotiate);
    let client = client(&[&server.url()], options(None));
    let page = demo_page(&client, &server).await;
    // Only JSON pages carry PEP 700 sizes.
    assert!(page.files[0].size.is_some());
}

#[tokio::test]
async fn gzip_pages_are_decoded() {
    let server = demo_server();
    server.set_gzip(true);
    server.set_format(PageFormat::Html);
    let client = client(&[&server.url()], options(None));
    let page = demo_page(&client, &server).await;
    assert_eq!(filenames(&page), [DEMO_WHEEL]);
    let requests = server.requests();
    let accept_encoding = requests[0].header("accept-encoding").unwrap_or_default();
    assert!(accept_encoding.contains("gzip"), "{accept_encoding}");
}

#[tokio::test]
async fn redirects_are_followed() {
    let server = demo_server();
    server.set_format(PageFormat::Html);
    let client = client(&[&server.url()], options(None));
    let url = Url::parse(&format!("{}Demo_App/", server.url())).unwrap();
    let body = client.get_bytes(&url).await.expect("redirected page");
    assert!(String::from_utf8_lossy(&body).contains(DEMO_WHEEL));
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/simple/Demo_App/", "/simple/demo-app/"]);
}

#[tokio::test]
async fn fresh_cache_entry_makes_no_request() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    server.set_cache_control(Some("max-age=600".to_string()));
    let first = client(&[&server.url()], options(Some(cache.path())));
    let page = demo_page(&first, &server).await;
    server.clear_requests();
    // A second client (another pipit run) shares the cache folder.
    let second = client(&[&server.url()], options(Some(cache.path())));
    assert_eq!(demo_page(&second, &server).await, page);
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn pages_without_caching_headers_are_fresh_for_the_index_ttl() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    let options = ClientOptions {
        index_ttl: Duration::from_secs(1),
        ..options(Some(cache.path()))
    };
    let client = client(&[&server.url()], options);
    demo_page(&client, &server).await;
    demo_page(&client, &server).await;
    assert_eq!(server.request_count(), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    demo_page(&client, &server).await;
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn stale_entry_with_etag_is_revalidated() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    server.set_etags(true);
    let options = ClientOptions {
        index_ttl: Duration::ZERO,
        ..options(Some(cache.path()))
    };
    let client = client(&[&server.url()], options);
    let page = demo_page(&client, &server).await;
    server.clear_requests();
    assert_eq!(demo_page(&client, &server).await, page);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].header("if-none-match").is_some());
}

#[tokio::test]
async fn refresh_revalidates_fresh_entries_once() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    server.set_etags(true);
    server.set_cache_control(Some("max-age=600".to_string()));
    let first = client(&[&server.url()], options(Some(cache.path())));
    demo_page(&first, &server).await;
    server.clear_requests();
    let refreshing = client(
        &[&server.url()],
        ClientOptions {
            refresh: true,
            ..options(Some(cache.path()))
        },
    );
    demo_page(&refreshing, &server).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].header("if-none-match").is_some());
    // Revalidated by this client: fresh again.
    demo_page(&refreshing, &server).await;
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn no_store_pages_are_not_cached() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    server.set_cache_control(Some("no-store".to_string()));
    let client = client(&[&server.url()], options(Some(cache.path())));
    demo_page(&client, &server).await;
    demo_page(&client, &server).await;
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn offline_uses_the_cache_after_the_server_is_gone() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    let url = server.url();
    let online = client(&[&url], options(Some(cache.path())));
    let page = demo_page(&online, &server).await;
    drop(server);
    let offline = client(
        &[&url],
        ClientOptions {
            offline: true,
            index_ttl: Duration::ZERO,
            ..options(Some(cache.path()))
        },
    );
    let files = offline.project_files("demo-app").await.expect("from cache");
    assert_eq!(files.files.len(), page.files.len());
    assert_eq!(files.files[0].file.filename, DEMO_WHEEL);
}

#[tokio::test]
async fn offline_miss_is_an_error() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    let offline = client(
        &[&server.url()],
        ClientOptions {
            offline: true,
            ..options(Some(cache.path()))
        },
    );
    let error = offline.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::Offline { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "`demo-app` is not in the cache; it cannot be found offline"
    );
    assert!(!error.is_network());
    assert_eq!(server.request_count(), 0);
}

fn two_servers() -> (IndexServer, IndexServer) {
    let first = IndexServer::with_wheels(&[WheelBuilder::new("demo-app", "1.0.0")]);
    let second = IndexServer::with_wheels(&[
        WheelBuilder::new("demo-app", "2.0.0"),
        WheelBuilder::new("demo-util", "1.0.0"),
    ]);
    (first, second)
}

#[tokio::test]
async fn first_index_takes_the_first_index_that_has_the_project() {
    let (first, second) = two_servers();
    let client = client(&[&first.url(), &second.url()], options(None));
    assert_eq!(client.strategy(), IndexStrategy::FirstIndex);
    let files = client.project_files("demo-app").await.unwrap();
    let names: Vec<&str> = files
        .files
        .iter()
        .map(|f| f.file.filename.as_str())
        .collect();
    assert_eq!(names, [DEMO_WHEEL]);
    assert_eq!(files.files[0].index.to_string(), first.url());
    assert_eq!(second.request_count(), 0);

    let util = client.project_files("demo-util").await.unwrap();
    assert_eq!(util.files.len(), 1);
    assert_eq!(util.files[0].index.to_string(), second.url());
}

#[tokio::test]
async fn unsafe_best_match_pools_every_index() {
    let (first, second) = two_servers();
    let mut settings = settings(&[&first.url(), &second.url()]);
    settings.index_strategy = sourced(IndexStrategy::UnsafeBestMatch);
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let files = client.project_files("Demo.App").await.unwrap();
    assert_eq!(files.name, "demo-app");
    let found: Vec<(String, &str)> = files
        .files
        .iter()
        .map(|f| (f.index.to_string(), f.file.filename.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (first.url(), DEMO_WHEEL),
            (second.url(), "demo_app-2.0.0-py3-none-any.whl")
        ]
    );
}

#[tokio::test]
async fn not_found_names_every_index_redacted() {
    let (first, second) = two_servers();
    let with_password = first.url().replace("http://", "http://alice:s3cret@");
    let client = client(&[&with_password, &second.url()], options(None));
    let error = client.project_files("missing-project").await.unwrap_err();
    let IndexError::NotFound { name, indexes } = &error else {
        panic!("expected not found, got {error:?}");
    };
    assert_eq!(name, "missing-project");
    assert_eq!(
        indexes,
        &[first.url().replace("http://", "http://****@"), second.url()]
    );
    let message = error.to_string();
    assert!(
        !message.contains("s3cret") && !message.contains("alice"),
        "{message}"
    );
    assert!(!error.is_network());
}

#[tokio::test]
async fn credentials_from_the_url_are_sent_to_pages_and_files() {
    let server = demo_server();
    server.set_credentials(Some(("alice".to_string(), "s3cret".to_string())));
    let with_password = server.url().replace("http://", "http://alice:s3cret@");
    let client = client(&[&with_password], options(None));
    let files = client.project_files("demo-app").await.expect("authorized");
    let file = &files.files[0].file;
    // The file URL on the page has no credentials; the index's are reused.
    assert!(file.url.username().is_empty());
    let sha256 = file.hashes["sha256"].clone();
    client
        .get_bytes_by_hash(&file.url, &sha256)
        .await
        .expect("file fetched with the index's credentials");
    for request in server.requests() {
        assert!(request.header("authorization").is_some(), "{request:?}");
    }
}

#[tokio::test]
async fn missing_and_refused_credentials() {
    let server = demo_server();
    server.set_credentials(Some(("alice".to_string(), "s3cret".to_string())));
    let anonymous = client(&[&server.url()], options(None));
    let error = anonymous.project_files("demo-app").await.unwrap_err();
    assert!(
        matches!(error, IndexError::Unauthorized { status: 401, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("credentials are missing"),
        "{error}"
    );
    assert!(error.is_network());

    let wrong = server.url().replace("http://", "http://alice:wrong@");
    let refused = client(&[&wrong], options(None));
    let error = refused.project_files("demo-app").await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("refused"), "{message}");
    assert!(!message.contains("wrong"), "{message}");
}

#[tokio::test]
async fn credentials_from_a_netrc_file() {
    let server = demo_server();
    server.set_credentials(Some(("alice".to_string(), "s3cret".to_string())));
    let dir = tempfile::tempdir().unwrap();
    let netrc = dir.path().join("netrc");
    fs_err::write(
        &netrc,
        "machine elsewhere.example login bob password nope\n\
         machine 127.0.0.1\n  login alice\n  password s3cret\n",
    )
    .unwrap();
    let client = client(
        &[&server.url()],
        ClientOptions {
            netrc: NetrcSource::Path(netrc),
            ..options(None)
        },
    );
    let page = demo_page(&client, &server).await;
    assert_eq!(filenames(&page), [DEMO_WHEEL]);
}

#[tokio::test]
async fn retries_after_503() {
    let server = demo_server();
    server.inject("/simple/demo-app/", Fault::Status(503), 2);
    let client = client(&[&server.url()], options(None));
    demo_page(&client, &server).await;
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn gives_up_after_the_retries() {
    let server = demo_server();
    server.inject("/simple/demo-app/", Fault::Status(503), 10);
    let mut settings = settings(&[&server.url()]);
    settings.retries = sourced(2);
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(
        matches!(error, IndexError::Status { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.is_network());
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn retries_after_a_reset_connection() {
    let server = demo_server();
    server.inject("/simple/demo-app/", Fault::Reset, 2);
    let client = client(&[&server.url()], options(None));
    demo_page(&client, &server).await;
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn retries_after_a_truncated_body() {
    let server = demo_server();
    server.inject("/simple/demo-app/", Fault::Truncate, 1);
    server.inject("/files/", Fault::Truncate, 2);
    let client = client(&[&server.url()], options(None));
    let page = demo_page(&client, &server).await;
    let file = &page.files[0];
    // The hash is checked, so the bytes are whole.
    client
        .get_bytes_by_hash(&file.url, &file.hashes["sha256"])
        .await
        .expect("complete after retries");
    assert_eq!(server.request_count(), 5);
}

#[tokio::test]
async fn timeout_is_reported_as_such() {
    let server = demo_server();
    server.inject("/simple/", Fault::Delay(Duration::from_secs(3)), 5);
    let mut settings = settings(&[&server.url()]);
    settings.timeout = sourced(0.3);
    settings.retries = sourced(0);
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::Timeout { .. }), "{error:?}");
    assert!(error.is_network());
}

#[tokio::test]
async fn a_404_page_is_not_found() {
    let server = demo_server();
    let client = client(&[&server.url()], options(None));
    let page = client
        .project_page(&index(&server.url()), "missing-project")
        .await
        .unwrap();
    assert!(page.is_none());
}

#[tokio::test]
async fn other_statuses_are_errors() {
    let server = demo_server();
    server.inject("/simple/demo-app/", Fault::Status(418), 1);
    let client = client(&[&server.url()], options(None));
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(
        matches!(error, IndexError::Status { status: 418, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("`{}demo-app/` answered http 418", server.url())
    );
}

#[tokio::test]
async fn connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://user:hunter2@127.0.0.1:{port}/simple/");
    let mut settings = settings(&[&url]);
    settings.retries = sourced(1);
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(
        matches!(error, IndexError::ConnectionRefused { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "cannot connect to `http://****@127.0.0.1:{port}/simple/demo-app/`: connection refused"
        )
    );
    assert!(error.is_network());
}

#[tokio::test]
async fn tls_failure_mentions_cert() {
    // https to a plain-http server: the handshake fails.
    let server = demo_server();
    let url = server.url().replace("http://", "https://");
    let mut settings = settings(&[&url]);
    settings.retries = sourced(0);
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::Tls { .. }), "{error:?}");
    assert!(error.to_string().contains("--cert"), "{error}");
}

#[tokio::test]
async fn plain_http_needs_a_trusted_host_unless_local() {
    let client = client(&["http://index.example/simple/"], options(None));
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(
        matches!(error, IndexError::InsecureOrigin { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("--trusted-host index.example"),
        "{error}"
    );
}

#[tokio::test]
async fn malformed_page_on_a_file_index() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo-app");
    fs_err::create_dir_all(&project).unwrap();
    fs_err::write(project.join("index.html"), "<html><a href=\"x.whl\"").unwrap();
    let url = Url::from_directory_path(dir.path()).unwrap();
    let client = client(&[url.as_str()], options(None));
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn file_index_page_and_folder_listing() {
    let dir = tempfile::tempdir().unwrap();
    // A page for one project…
    let with_page = dir.path().join("demo-app");
    fs_err::create_dir_all(&with_page).unwrap();
    fs_err::write(
        with_page.join("index.html"),
        "<a href=\"../../files/demo_app-1.0.0-py3-none-any.whl#sha256=ab\">w</a>",
    )
    .unwrap();
    // …and a bare folder of files for another, under a non-normalized name.
    let listing = dir.path().join("Demo_Util");
    fs_err::create_dir_all(&listing).unwrap();
    let (name, bytes) = WheelBuilder::new("demo-util", "1.0.0")
        .build_bytes()
        .unwrap();
    fs_err::write(listing.join(&name), &bytes).unwrap();
    fs_err::write(listing.join("notes.txt"), "not a distribution").unwrap();

    let url = Url::from_directory_path(dir.path()).unwrap();
    let client = client(&[url.as_str()], options(None));
    let app = client.project_files("demo-app").await.unwrap();
    assert_eq!(app.files[0].file.filename, DEMO_WHEEL);
    assert_eq!(app.files[0].file.hashes["sha256"], "ab");
    let util = client.project_files("demo_util").await.unwrap();
    assert_eq!(util.files.len(), 1);
    let fetched = client
        .get_bytes_by_hash(
            &util.files[0].file.url,
            &format!("{:x}", sha2_digest(&bytes)),
        )
        .await
        .unwrap();
    assert_eq!(fetched, bytes);
    assert!(client.project_files("missing").await.is_err());
}

fn sha2_digest(bytes: &[u8]) -> impl std::fmt::LowerHex {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
}

#[tokio::test]
async fn hash_mismatch_then_content_addressed_reuse() {
    let cache = tempfile::tempdir().unwrap();
    let server = demo_server();
    let url = Url::parse(&server.file_url(DEMO_WHEEL)).unwrap();
    let sha256 = server.file_sha256(DEMO_WHEEL).unwrap();
    server.inject("/files/", Fault::WrongHash, 1);
    let client = client(&[&server.url()], options(Some(cache.path())));
    let error = client.get_bytes_by_hash(&url, &sha256).await.unwrap_err();
    let IndexError::HashMismatch {
        expected, actual, ..
    } = &error
    else {
        panic!("expected a hash mismatch, got {error:?}");
    };
    assert_eq!(expected, &sha256);
    assert_ne!(actual, &sha256);

    let bytes = client.get_bytes_by_hash(&url, &sha256).await.unwrap();
    let stored = cache.path().join("blobs-v1").join("sha256").join(&sha256);
    assert_eq!(fs_err::read(&stored).unwrap(), bytes);
    assert_eq!(client.blob_path(&sha256), Some(stored));
    let count = server.request_count();
    drop(server);
    let again = client.get_bytes_by_hash(&url, &sha256).await.unwrap();
    assert_eq!(again, bytes);
    assert_eq!(count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cache_writers_do_not_corrupt_entries() {
    let cache = tempfile::tempdir().unwrap();
    let server = IndexServer::with_wheels(&[
        WheelBuilder::new("demo-app", "1.0.0"),
        WheelBuilder::new("demo-util", "1.0.0"),
    ]);
    server.set_etags(true);
    let always_stale = ClientOptions {
        index_ttl: Duration::ZERO,
        ..options(Some(cache.path()))
    };
    let clients = [
        client(&[&server.url()], always_stale.clone()),
        client(&[&server.url()], always_stale),
    ];
    let mut tasks = Vec::new();
    for round in 0..40 {
        let client = clients[round % 2].clone();
        let name = if round % 3 == 0 {
            "demo-util"
        } else {
            "demo-app"
        };
        tasks.push(tokio::spawn(async move {
            client
                .project_files(name)
                .await
                .map(|files| files.files.len())
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    let leftovers: Vec<String> = fs_err::read_dir(cache.path().join("http-v1"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let url = server.url();
    drop(server);
    let offline = client(
        &[&url],
        ClientOptions {
            offline: true,
            ..options(Some(cache.path()))
        },
    );
    for name in ["demo-app", "demo-util"] {
        assert_eq!(offline.project_files(name).await.unwrap().files.len(), 1);
    }
}

#[test]
fn index_urls_display_redacted_and_gain_a_slash() {
    let url = index("https://user:pass@index.example/simple");
    assert_eq!(url.to_string(), "https://****@index.example/simple/");
    assert_eq!(
        format!("{url:?}"),
        "IndexUrl(https://****@index.example/simple/)"
    );
    assert_eq!(
        url.project_url("Demo_App").unwrap().path(),
        "/simple/demo-app/"
    );
    assert!(IndexUrl::parse("ftp://index.example/").is_err());
}

#[test]
fn no_index_means_no_indexes() {
    let mut settings = settings(&["https://index.example/simple/"]);
    settings.no_index = sourced(true);
    let client = IndexClient::new(&settings, options(None)).unwrap();
    assert!(client.indexes().is_empty());
}

/// The certificate files are read by the first request, not by `new`: a
/// run that fetches nothing (an install with nothing to do) never reads
/// them, as pip only reads `--cert` when it connects.
#[tokio::test]
async fn unreadable_or_invalid_certificate_files_fail_the_first_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&["https://index.example/simple/"]);
    settings.retries = sourced(0);
    settings.cert = Some(sourced(dir.path().join("missing.pem")));
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::File { .. }), "{error:?}");

    let not_pem = dir.path().join("not.pem");
    fs_err::write(&not_pem, "hello").unwrap();
    settings.cert = Some(sourced(not_pem.clone()));
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::Certificate { .. }), "{error:?}");
    let url = Url::parse("https://index.example/a.whl").unwrap();
    assert!(client.http_client_for(&url).is_err());

    settings.cert = None;
    settings.client_cert = Some(sourced(not_pem));
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::Certificate { .. }), "{error:?}");
    assert!(error.to_string().contains("key"), "{error}");
}

#[test]
fn ca_bundles_come_from_the_requests_variables() {
    let env = std::collections::BTreeMap::from([
        (
            "REQUESTS_CA_BUNDLE".to_string(),
            "/etc/bundle.pem".to_string(),
        ),
        ("SSL_CERT_FILE".to_string(), String::new()),
        ("PIP_CERT".to_string(), "/ignored.pem".to_string()),
    ]);
    assert_eq!(
        pipit_index::ca_bundles_from_env(&env),
        [std::path::PathBuf::from("/etc/bundle.pem")]
    );
}

#[tokio::test]
async fn trusted_host_client_is_available_for_other_crates() {
    let server = demo_server();
    let mut settings = settings(&[&server.url()]);
    settings.trusted_hosts = vec![sourced("127.0.0.1".to_string())];
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let url = Url::parse(&server.file_url(DEMO_WHEEL)).unwrap();
    let response = client
        .http_client_for(&url)
        .unwrap()
        .get(url.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn unknown_host_is_a_dns_error() {
    // RFC 6761: `.invalid` never resolves, and resolvers answer at once.
    let mut settings = settings(&["https://user:hunter2@pipit-test.invalid/simple/"]);
    settings.retries = sourced(0);
    let client = IndexClient::new(&settings, options(None)).unwrap();
    let error = client.project_files("demo-app").await.unwrap_err();
    assert!(matches!(error, IndexError::Dns { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(
            "cannot resolve the host of `https://****@pipit-test.invalid/simple/demo-app/`"
        ),
        "{message}"
    );
    assert!(error.is_network());
}
