//! `IndexClient::fetch_file` against the in-process test index: the blob
//! store, hash verification, retries that restart the file, offline mode,
//! `file://` URLs and the scratch folder used without a cache.

mod common;

use std::path::Path;
use std::sync::Mutex;

use pipit_index::{FetchProgress, Fetched, IndexClient, IndexError};
use pipit_testkit::{Fault, IndexServer};
use sha2::{Digest, Sha256};
use url::Url;

const FILE: &str = "big-1.0.tar.gz";

/// Bytes that do not compress and span many chunks.
fn payload() -> Vec<u8> {
    let mut state: u32 = 12345;
    (0..300_000)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        })
        .collect()
}

fn server() -> IndexServer {
    let server = IndexServer::start();
    server.add_file(FILE, payload());
    server
}

fn file_url(server: &IndexServer) -> Url {
    Url::parse(&server.file_url(FILE)).unwrap()
}

/// Everything `fetch_file` reported.
#[derive(Default)]
struct Recorder(Mutex<Vec<FetchProgress>>);

impl Recorder {
    fn events(&self) -> Vec<FetchProgress> {
        self.0.lock().unwrap().clone()
    }

    /// The bytes reported since the last (re)start.
    fn bytes_of_last_attempt(&self) -> u64 {
        let events = self.events();
        let start = events
            .iter()
            .rposition(|event| matches!(event, FetchProgress::Started { .. }))
            .unwrap_or(0);
        events[start..]
            .iter()
            .map(|event| match event {
                FetchProgress::Bytes(bytes) => *bytes,
                _ => 0,
            })
            .sum()
    }
}

async fn fetch(
    client: &IndexClient,
    url: &Url,
    expected: Option<&str>,
    scratch: &Path,
    recorder: &Recorder,
) -> Result<Fetched, IndexError> {
    let progress = |event| recorder.0.lock().unwrap().push(event);
    client.fetch_file(url, expected, scratch, &progress).await
}

/// The names in `dir` (none when it does not exist).
fn names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn blobs(cache: &Path) -> std::path::PathBuf {
    cache.join("blobs-v1").join("sha256")
}

/// A test index serving [`FILE`], a cache folder and an online client that
/// uses it: what most tests start from.
struct Setup {
    server: IndexServer,
    cache: tempfile::TempDir,
    client: IndexClient,
    url: Url,
    sha256: String,
}

impl Setup {
    fn new() -> Self {
        let server = server();
        let cache = tempfile::tempdir().unwrap();
        let client = common::client(&server.url(), Some(cache.path()), false);
        let url = file_url(&server);
        let sha256 = server.file_sha256(FILE).unwrap();
        Setup {
            server,
            cache,
            client,
            url,
            sha256,
        }
    }

    fn blobs(&self) -> std::path::PathBuf {
        blobs(self.cache.path())
    }

    /// [`FILE`] through `client`, with the cache folder as scratch.
    async fn fetch_with(
        &self,
        client: &IndexClient,
        expected: Option<&str>,
        recorder: &Recorder,
    ) -> Result<Fetched, IndexError> {
        fetch(client, &self.url, expected, self.cache.path(), recorder).await
    }

    /// [`FILE`] through the setup's own client.
    async fn fetch(&self, expected: Option<&str>) -> Result<Fetched, IndexError> {
        self.fetch_with(&self.client, expected, &Recorder::default())
            .await
    }
}

#[tokio::test]
async fn fresh_fetch_stores_the_blob_and_reports_its_progress() {
    let setup = Setup::new();
    let scratch = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let fetched = fetch(&setup.client, &setup.url, None, scratch.path(), &recorder)
        .await
        .unwrap();
    let size = payload().len() as u64;
    assert_eq!(fetched.path, setup.blobs().join(&setup.sha256));
    assert_eq!(fetched.sha256, setup.sha256);
    assert_eq!(fetched.size, size);
    assert!(!fetched.from_cache);
    assert_eq!(fs_err::read(&fetched.path).unwrap(), payload());
    let events = recorder.events();
    assert_eq!(events[0], FetchProgress::Started { total: Some(size) });
    assert!(events.len() > 2, "the body came in several chunks");
    assert_eq!(recorder.bytes_of_last_attempt(), size);
    assert_eq!(names(&setup.blobs()), std::slice::from_ref(&setup.sha256));
    assert!(names(scratch.path()).is_empty());
}

#[tokio::test]
async fn fetch_with_a_stored_hash_is_a_cache_hit_with_no_request() {
    let setup = Setup::new();
    let first = setup.fetch(Some(&setup.sha256)).await.unwrap();
    // Age the blob, so the hit must bring its "last used" time forward.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(90 * 86_400);
    std::fs::File::options()
        .append(true)
        .open(&first.path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    setup.server.clear_requests();
    let upper = setup.sha256.to_ascii_uppercase();
    let second = setup.fetch(Some(&upper)).await.unwrap();
    assert_eq!(setup.server.request_count(), 0);
    assert!(second.from_cache);
    assert_eq!(second.path, first.path);
    assert_eq!(second.size, first.size);
    assert_eq!(second.sha256, setup.sha256);
    let touched = fs_err::metadata(&second.path).unwrap().modified().unwrap();
    assert!(touched > old + std::time::Duration::from_secs(86_400));
}

#[tokio::test]
async fn a_pending_download_is_readable_across_its_move_into_the_store() {
    use std::io::{Read, Seek, SeekFrom};
    let setup = Setup::new();
    let scratch = tempfile::tempdir().unwrap();
    let (client, url, sha256) = (&setup.client, &setup.url, &setup.sha256);
    let pending = client
        .fetch_file_pending(url, Some(sha256), scratch.path(), &|_| {})
        .await
        .unwrap();
    assert!(pending.is_pending());
    let temporary = pending.fetched().path.clone();
    assert_eq!(temporary.parent(), Some(setup.blobs().as_path()));
    assert!(
        temporary
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".tmp-"),
        "not under its final name before it is synced: {}",
        temporary.display()
    );
    assert_eq!(names(&setup.blobs()).len(), 1);
    let mut reader = pending
        .reader()
        .unwrap()
        .expect("a pending file has a reader");
    let settled = pending.settle().unwrap();
    assert_eq!(settled.path, setup.blobs().join(sha256));
    assert_eq!(&settled.sha256, sha256);
    assert!(!temporary.exists());
    assert_eq!(names(&setup.blobs()), std::slice::from_ref(sha256));
    // The reader was opened before the move and still reads every byte.
    reader.seek(SeekFrom::Start(0)).unwrap();
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).unwrap();
    assert_eq!(bytes, payload());

    // Stored now: nothing is pending, and there is nothing to read aside.
    let again = client
        .fetch_file_pending(url, Some(sha256), scratch.path(), &|_| {})
        .await
        .unwrap();
    assert!(!again.is_pending());
    assert!(again.fetched().from_cache);
    assert!(again.reader().unwrap().is_none());
    assert_eq!(again.settle().unwrap().path, settled.path);
}

#[tokio::test]
async fn a_pending_download_dropped_unsettled_leaves_nothing() {
    let setup = Setup::new();
    let scratch = tempfile::tempdir().unwrap();
    let pending = setup
        .client
        .fetch_file_pending(&setup.url, None, scratch.path(), &|_| {})
        .await
        .unwrap();
    assert_eq!(names(&setup.blobs()).len(), 1);
    drop(pending);
    assert!(names(&setup.blobs()).is_empty());
    assert!(names(scratch.path()).is_empty());
}

#[tokio::test]
async fn wrong_expected_hash_leaves_no_blob_and_no_temporary_file() {
    let setup = Setup::new();
    let wrong = "0".repeat(64);
    let error = setup.fetch(Some(&wrong)).await.unwrap_err();
    match &error {
        IndexError::HashMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &wrong);
            assert_eq!(actual, &setup.sha256);
        }
        other => panic!("{other:?}"),
    }
    assert!(names(&setup.blobs()).is_empty());
}

#[tokio::test]
async fn a_server_serving_other_bytes_than_it_announced_is_a_hash_mismatch() {
    let setup = Setup::new();
    setup.server.inject("/files/", Fault::WrongHash, 10);
    let error = setup.fetch(Some(&setup.sha256)).await.unwrap_err();
    assert!(
        matches!(error, IndexError::HashMismatch { .. }),
        "{error:?}"
    );
    assert!(names(&setup.blobs()).is_empty());
}

#[tokio::test]
async fn truncated_bodies_and_server_errors_are_retried_from_the_start() {
    let setup = Setup::new();
    let server = &setup.server;
    server.inject("/files/", Fault::Truncate, 1);
    server.inject("/files/", Fault::Status(503), 1);
    server.inject("/files/", Fault::Truncate, 1);
    let recorder = Recorder::default();
    let fetched = setup
        .fetch_with(&setup.client, Some(&setup.sha256), &recorder)
        .await
        .unwrap();
    assert_eq!(server.request_count(), 4);
    assert_eq!(fs_err::read(&fetched.path).unwrap(), payload());
    let retries: Vec<u32> = recorder
        .events()
        .iter()
        .filter_map(|event| match event {
            FetchProgress::Retrying { attempt } => Some(*attempt),
            _ => None,
        })
        .collect();
    assert_eq!(retries, [1, 2, 3]);
    assert_eq!(recorder.bytes_of_last_attempt(), payload().len() as u64);
    assert_eq!(names(&setup.blobs()), std::slice::from_ref(&setup.sha256));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let setup = Setup::new();
    let missing = Url::parse(&setup.server.file_url("missing-1.0.tar.gz")).unwrap();
    let error = fetch(
        &setup.client,
        &missing,
        None,
        setup.cache.path(),
        &Recorder::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, IndexError::Status { status: 404, .. }),
        "{error:?}"
    );
    assert_eq!(setup.server.request_count(), 1);
    assert!(names(&setup.blobs()).is_empty());
}

#[tokio::test]
async fn offline_serves_stored_blobs_only() {
    let setup = Setup::new();
    let offline = common::client(&setup.server.url(), Some(setup.cache.path()), true);
    let sha256 = Some(setup.sha256.as_str());
    let error = setup
        .fetch_with(&offline, sha256, &Recorder::default())
        .await
        .unwrap_err();
    assert!(matches!(error, IndexError::Offline { .. }), "{error:?}");
    assert_eq!(setup.server.request_count(), 0);

    setup.fetch(sha256).await.unwrap();
    setup.server.clear_requests();
    let fetched = setup
        .fetch_with(&offline, sha256, &Recorder::default())
        .await
        .unwrap();
    assert!(fetched.from_cache);
    assert_eq!(setup.server.request_count(), 0);
}

/// The payload written to a local file, and an offline client with a cache:
/// a local file needs no network.
struct LocalFile {
    cache: tempfile::TempDir,
    _folder: tempfile::TempDir,
    path: std::path::PathBuf,
    url: Url,
    client: IndexClient,
}

impl LocalFile {
    /// `fetch` of the file's URL through the cache, expecting `expected`.
    async fn fetch(&self, expected: Option<&str>) -> Result<Fetched, IndexError> {
        let cache = self.cache.path();
        fetch(
            &self.client,
            &self.url,
            expected,
            cache,
            &Recorder::default(),
        )
        .await
    }
}

fn local_file() -> LocalFile {
    let cache = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join(FILE);
    fs_err::write(&path, payload()).unwrap();
    let url = Url::from_file_path(&path).unwrap();
    let client = common::client("http://127.0.0.1:9/simple/", Some(cache.path()), true);
    LocalFile {
        cache,
        _folder: folder,
        path,
        url,
        client,
    }
}

#[tokio::test]
async fn file_urls_are_hashed_in_place() {
    let local = local_file();
    let (cache, path) = (&local.cache, &local.path);
    let fetched = local.fetch(None).await.unwrap();
    assert_eq!(&fetched.path, path);
    assert_eq!(fetched.size, payload().len() as u64);
    assert!(!fetched.from_cache);
    assert!(names(&blobs(cache.path())).is_empty());
    let again = local.fetch(Some(&fetched.sha256)).await.unwrap();
    assert_eq!(again, fetched);
    let error = local.fetch(Some(&"1".repeat(64))).await.unwrap_err();
    assert!(
        matches!(error, IndexError::HashMismatch { .. }),
        "{error:?}"
    );
}

// The store is Unix-only: elsewhere no stamp covers a rewrite.
#[cfg(unix)]
#[tokio::test]
async fn local_hashes_are_kept_until_the_file_changes() {
    let local = local_file();
    let (cache, path) = (&local.cache, &local.path);
    let first = local.fetch(None).await.unwrap();
    // Just written: a rewrite within the same clock tick would keep its
    // times, so the digest is not kept yet.
    let store = cache.path().join("local-v1");
    assert!(names(&store).is_empty(), "{:?}", names(&store));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let settled = local.fetch(None).await.unwrap();
    assert_eq!(settled.sha256, first.sha256);
    let entries = names(&store);
    assert_eq!(entries.len(), 1, "{entries:?}");

    // The stored digest is what the next fetch answers: the file is not
    // read again. (Planting another digest shows it.)
    let entry = store.join(&entries[0]);
    let mut stored: serde_json::Value =
        serde_json::from_slice(&fs_err::read(&entry).unwrap()).unwrap();
    assert_eq!(stored["sha256"], first.sha256.as_str());
    let planted = "f".repeat(64);
    stored["sha256"] = planted.clone().into();
    fs_err::write(&entry, serde_json::to_vec(&stored).unwrap()).unwrap();
    let again = local.fetch(None).await.unwrap();
    assert_eq!(again.sha256, planted);

    // Other bytes of the same size, with the old modification time put
    // back: the change time differs, so the file is hashed again.
    let modified = fs_err::metadata(path).unwrap().modified().unwrap();
    let mut other = payload();
    other[0] ^= 0xff;
    fs_err::write(path, &other).unwrap();
    std::fs::File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let changed = local.fetch(None).await.unwrap();
    assert_eq!(changed.sha256, format!("{:x}", Sha256::digest(&other)));
    assert_ne!(changed.sha256, first.sha256);
}

#[tokio::test]
async fn without_a_cache_the_file_goes_to_the_scratch_folder() {
    let setup = Setup::new();
    let scratch = tempfile::tempdir().unwrap();
    let client = common::client(&setup.server.url(), None, false);
    let fetch_to_scratch = |expected: String| {
        let (client, url, scratch) = (&client, &setup.url, scratch.path());
        async move { fetch(client, url, Some(&expected), scratch, &Recorder::default()).await }
    };
    let fetched = fetch_to_scratch(setup.sha256.clone()).await.unwrap();
    assert_eq!(fetched.path.parent(), Some(scratch.path()));
    assert!(!fetched.from_cache);
    assert_eq!(fs_err::read(&fetched.path).unwrap(), payload());
    let second = fetch_to_scratch(setup.sha256.clone()).await.unwrap();
    assert_ne!(
        second.path, fetched.path,
        "each fetch gets a file of its own"
    );
    assert_eq!(setup.server.request_count(), 2);
    let error = fetch_to_scratch("2".repeat(64)).await.unwrap_err();
    assert!(matches!(error, IndexError::HashMismatch { .. }));
    // Only the two verified files: no temporary file is left behind.
    assert_eq!(names(scratch.path()).len(), 2);
    assert!(names(scratch.path())
        .iter()
        .all(|name| !name.starts_with('.')));
}

#[tokio::test]
async fn credentials_reach_the_server_but_not_the_disk() {
    let server = server();
    server.set_credentials(Some(("user".to_string(), "pa55word".to_string())));
    let cache = tempfile::tempdir().unwrap();
    let index = server.url().replacen("http://", "http://user:pa55word@", 1);
    let client = common::client(&index, Some(cache.path()), false);
    let url = Url::parse(
        &server
            .file_url(FILE)
            .replacen("http://", "http://user:pa55word@", 1),
    )
    .unwrap();
    let fetched = fetch(&client, &url, None, cache.path(), &Recorder::default())
        .await
        .unwrap();
    assert!(!fetched.path.to_string_lossy().contains("pa55word"));
    let wrong = fetch(
        &client,
        &url,
        Some(&"3".repeat(64)),
        cache.path(),
        &Recorder::default(),
    )
    .await;
    // A hit on the stored blob would be wrong here: the expected hash differs.
    let message = wrong.unwrap_err().to_string();
    assert!(!message.contains("pa55word"), "{message}");
}
