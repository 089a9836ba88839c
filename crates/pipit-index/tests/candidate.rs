//! `IndexClient::dist_metadata`: a candidate's metadata the cheapest way the
//! index allows, counted in requests against the in-process index.

mod common;

use std::path::Path;

use pipit_index::{CandidateMetadataError, IndexClient, IndexError, IndexFile, MetadataSource};
use pipit_testkit::{Fault, IndexServer, WheelBuilder};

fn client(server: &IndexServer, cache: Option<&Path>, offline: bool) -> IndexClient {
    common::client(&server.url(), cache, offline)
}

fn server() -> IndexServer {
    IndexServer::with_wheels(&[WheelBuilder::new("demo-app", "1.0.0")
        .requires("demo-util>=1.0")
        .requires_python(">=3.8")])
}

async fn the_file(client: &IndexClient) -> IndexFile {
    let files = client.project_files("demo-app").await.expect("listed");
    files.files.into_iter().next().expect("one file").file
}

fn wheel_downloads(server: &IndexServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|request| {
            request.path.ends_with(".whl")
                && request.method == "GET"
                && request.header("range").is_none()
        })
        .count()
}

#[tokio::test]
async fn metadata_file_is_used_then_served_from_the_cache() {
    let server = server();
    let cache = tempfile::tempdir().unwrap();
    let first = client(&server, Some(cache.path()), false);
    let file = the_file(&first).await;
    server.clear_requests();
    let (metadata, source) = first.dist_metadata(&file).await.unwrap();
    assert_eq!(source, MetadataSource::MetadataFile);
    assert_eq!(metadata.name, "demo-app");
    assert_eq!(metadata.requires_dist.len(), 1);
    assert_eq!(metadata.requires_dist[0].name.as_ref(), "demo-util");
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|request| request.path.clone())
        .collect();
    assert_eq!(
        paths,
        vec!["/files/demo_app-1.0.0-py3-none-any.whl.metadata".to_string()]
    );

    // Addressed by its hash: never fetched twice, even by a new client.
    server.clear_requests();
    let again = client(&server, Some(cache.path()), false);
    let (_, source) = again.dist_metadata(&file).await.unwrap();
    assert_eq!(source, MetadataSource::MetadataFile);
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn without_metadata_files_range_requests_read_only_the_metadata() {
    let server = server();
    server.set_metadata_files(false);
    let client = client(&server, None, false);
    let file = the_file(&client).await;
    server.clear_requests();
    let (metadata, source) = client.dist_metadata(&file).await.unwrap();
    assert_eq!(source, MetadataSource::RangeRequests);
    assert_eq!(metadata.version.to_string(), "1.0.0");
    assert_eq!(wheel_downloads(&server), 0, "no whole-wheel download");
    assert!(server
        .requests()
        .iter()
        .all(|request| request.header("range").is_some()));
}

#[tokio::test]
async fn without_ranges_the_whole_wheel_is_read_and_cached() {
    let server = server();
    server.set_metadata_files(false);
    server.set_range_requests(false);
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server, Some(cache.path()), false);
    let file = the_file(&client).await;
    let (metadata, source) = client.dist_metadata(&file).await.unwrap();
    assert_eq!(source, MetadataSource::WholeWheel);
    assert_eq!(metadata.requires_python.unwrap().to_string(), ">=3.8");
    assert_eq!(wheel_downloads(&server), 1);

    // Offline, the cached wheel answers.
    server.clear_requests();
    let offline = client_offline(&server, cache.path());
    let (_, source) = offline.dist_metadata(&file).await.unwrap();
    assert_eq!(source, MetadataSource::WholeWheel);
    assert_eq!(server.request_count(), 0);
}

fn client_offline(server: &IndexServer, cache: &Path) -> IndexClient {
    client(server, Some(cache), true)
}

#[tokio::test]
async fn a_metadata_file_that_lies_about_its_hash_is_refused() {
    let server = server();
    server.inject("/simple/", Fault::WrongHash, 1);
    let client = client(&server, None, false);
    let file = the_file(&client).await;
    let error = client.dist_metadata(&file).await.unwrap_err();
    assert!(
        matches!(
            error,
            CandidateMetadataError::Index(IndexError::HashMismatch { .. })
        ),
        "{error}"
    );
    assert!(error.to_string().contains(".metadata"), "{error}");
}

#[tokio::test]
async fn source_distributions_need_a_build() {
    let server = IndexServer::start();
    server.add_file("demo-src-1.0.tar.gz", b"not really".to_vec());
    let client = client(&server, None, false);
    let files = client.project_files("demo-src").await.unwrap();
    let error = client
        .dist_metadata(&files.files[0].file)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CandidateMetadataError::SourceDistribution { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn local_wheels_are_read_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = WheelBuilder::new("demo-local", "2.0.0")
        .requires("demo-util")
        .build(dir.path())
        .unwrap();
    let links = pipit_index::FindLinks::from_locations([dir.path().to_string_lossy()]).unwrap();
    let files = links.local_files_for("demo-local").unwrap();
    let server = IndexServer::start();
    let client = client(&server, None, true);
    let (metadata, source) = client.dist_metadata(&files[0]).await.unwrap();
    assert_eq!(source, MetadataSource::LocalFile);
    assert_eq!(metadata.name, "demo-local");
    assert!(path.is_file());
}

/// Range requests carry no credentials: on an index that wants them, the
/// metadata still comes, through the authenticated whole-wheel download.
#[tokio::test]
async fn a_private_index_without_metadata_files_falls_back_to_the_whole_wheel() {
    let server = server();
    server.set_metadata_files(false);
    server.set_credentials(Some(("alice".to_string(), "s3cret".to_string())));
    let with_credentials = server.url().replace("http://", "http://alice:s3cret@");
    let client = common::client(&with_credentials, None, false);
    let file = the_file(&client).await;
    let (metadata, source) = client.dist_metadata(&file).await.unwrap();
    assert_eq!(source, MetadataSource::WholeWheel);
    assert_eq!(metadata.name, "demo-app");
}
