//! The per-project JSON API fills in what an HTML Simple API page lacks.

mod common;

use std::path::Path;

use pipit_index::IndexClient;
use pipit_testkit::{Fault, IndexServer, PageFormat, WheelBuilder};

const WHEEL: &str = "demo_app-1.0.0-py3-none-any.whl";
const UPLOADED: &str = "2024-05-06T07:08:09.000000Z";

fn server() -> IndexServer {
    let server = IndexServer::with_wheels(&[WheelBuilder::new("demo-app", "1.0.0")]);
    server.set_format(PageFormat::Html);
    server.set_upload_time(WHEEL, UPLOADED);
    server
}

fn client(server: &IndexServer, cache: Option<&Path>, offline: bool) -> IndexClient {
    common::client(&server.url(), cache, offline)
}

#[tokio::test]
async fn upload_times_and_sizes_come_from_the_json_api_once() {
    let server = server();
    server.set_json_api(true);
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server, Some(cache.path()), false);
    let mut files = client.project_files("demo-app").await.unwrap();
    assert_eq!(
        files.files[0].file.upload_time, None,
        "HTML carries no upload time"
    );
    assert_eq!(client.complete_from_json_api(&mut files).await.unwrap(), 1);
    let file = &files.files[0].file;
    assert_eq!(file.upload_time.as_deref(), Some(UPLOADED));
    // The test kit builds byte-identical wheels, so this is the served size.
    let (_, bytes) = WheelBuilder::new("demo-app", "1.0.0")
        .build_bytes()
        .unwrap();
    assert_eq!(file.size, Some(bytes.len() as u64));

    // Within the page lifetime the API answer comes from the cache.
    server.clear_requests();
    let mut again = client.project_files("demo-app").await.unwrap();
    client.complete_from_json_api(&mut again).await.unwrap();
    assert_eq!(again.files[0].file.upload_time.as_deref(), Some(UPLOADED));
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn an_index_without_the_api_or_offline_changes_nothing() {
    let server = server();
    let client_online = client(&server, None, false);
    let mut files = client_online.project_files("demo-app").await.unwrap();
    assert_eq!(
        client_online
            .complete_from_json_api(&mut files)
            .await
            .unwrap(),
        0
    );
    assert_eq!(files.files[0].file.upload_time, None);
    assert!(server
        .requests()
        .iter()
        .any(|request| request.path == "/pypi/demo-app/json"));

    let cache = tempfile::tempdir().unwrap();
    let warm = client(&server, Some(cache.path()), false);
    let mut listed = warm.project_files("demo-app").await.unwrap();
    let offline = client(&server, Some(cache.path()), true);
    assert_eq!(
        offline.complete_from_json_api(&mut listed).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn facts_for_a_file_with_another_hash_are_not_taken() {
    let server = server();
    server.set_json_api(true);
    server.inject("/pypi/", Fault::WrongHash, 1);
    let client = client(&server, None, false);
    let mut files = client.project_files("demo-app").await.unwrap();
    assert_eq!(client.complete_from_json_api(&mut files).await.unwrap(), 0);
    assert_eq!(files.files[0].file.upload_time, None);
}
