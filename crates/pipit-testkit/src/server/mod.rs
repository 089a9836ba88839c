//! An in-process package index for tests: a Simple API (PEP 503 HTML,
//! PEP 691 JSON) over wheels the test kit builds, on `127.0.0.1`, port 0.
//!
//! ```text
//! GET      /simple/                 project list (HTML or JSON)
//! GET      /simple/<name>/          project page; a non-normalized name answers 301
//! GET|HEAD /files/<file>            the file (Range: bytes=… when enabled)
//! GET|HEAD /files/<file>.metadata   PEP 658: the wheel's METADATA (when enabled)
//! ```
//!
//! Every request is recorded before faults apply, so a test can count what a
//! client sent. Faults ([`Fault`]) are injected per path prefix for the next
//! N requests. The server is synchronous (a thread per connection) and all
//! methods only take a lock, so it works from plain `#[test]`s and from
//! tokio tests alike. Dropping the [`IndexServer`] closes the listener and
//! every open connection; its threads never keep the test process alive.
//!
//! ```no_run
//! use pipit_testkit::{IndexServer, WheelBuilder};
//! let server = IndexServer::with_wheels(&[WheelBuilder::new("demo-app", "1.0.0")]);
//! let index_url = server.url(); // http://127.0.0.1:PORT/simple/
//! # let _ = index_url;
//! ```

mod http;
mod pages;
mod routes;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufReader, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::{SdistBuilder, WheelBuilder};
use http::{BodyMode, Request, Response};
use routes::respond;

/// Which Simple API format project pages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageFormat {
    /// Always PEP 503 HTML.
    Html,
    /// Always PEP 691 JSON.
    Json,
    /// PEP 691 content negotiation on `Accept` (q-values honoured): the
    /// default. No `Accept` header gives HTML; nothing acceptable gives 406.
    #[default]
    Negotiate,
}

/// A fault for the next requests under a path prefix ([`IndexServer::inject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long before answering (combines with one other fault).
    Delay(Duration),
    /// Answer with this status and a short text body.
    Status(u16),
    /// Close the connection without a response.
    Reset,
    /// Announce `Content-Length: N`, send N/2 body bytes, close.
    Truncate,
    /// On a page: advertise sha256 values (file and metadata) that do not
    /// match what is served. On a file: serve bytes that do not match the
    /// advertised hash (the last byte flipped).
    WrongHash,
}

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The request target, query included.
    pub path: String,
    /// Header names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(header, _)| *header == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One file the index serves.
#[derive(Debug, Clone)]
struct ServedFile {
    /// PEP 503-normalized project name.
    project: String,
    version: Option<String>,
    bytes: Arc<Vec<u8>>,
    sha256: String,
    /// The wheel's `.dist-info/METADATA`, when it is a readable wheel.
    metadata: Option<Arc<Vec<u8>>>,
    metadata_sha256: Option<String>,
    /// `Requires-Python` from METADATA.
    requires_python: Option<String>,
}

#[derive(Debug)]
struct InjectedFault {
    path_prefix: String,
    fault: Fault,
    remaining: usize,
}

#[derive(Debug)]
struct State {
    /// Where the server listens, for absolute file URLs in JSON pages.
    address: SocketAddr,
    files: BTreeMap<String, ServedFile>,
    format: PageFormat,
    metadata_files: bool,
    etags: bool,
    json_api: bool,
    cache_control: Option<String>,
    range_requests: bool,
    gzip: bool,
    credentials: Option<(String, String)>,
    yanked: HashMap<String, Option<String>>,
    requires_python: HashMap<String, String>,
    /// Files listed with no Requires-Python at all ([`IndexServer::omit_requires_python`]).
    requires_python_omitted: HashSet<String>,
    upload_time: HashMap<String, String>,
    faults: Vec<InjectedFault>,
    requests: Vec<RecordedRequest>,
}

impl State {
    fn new(address: SocketAddr) -> Self {
        Self {
            address,
            files: BTreeMap::new(),
            format: PageFormat::Negotiate,
            metadata_files: true,
            etags: false,
            json_api: false,
            cache_control: None,
            range_requests: true,
            gzip: false,
            credentials: None,
            yanked: HashMap::new(),
            requires_python: HashMap::new(),
            requires_python_omitted: HashSet::new(),
            upload_time: HashMap::new(),
            faults: Vec::new(),
            requests: Vec::new(),
        }
    }
}

#[derive(Debug)]
struct Shared {
    address: SocketAddr,
    state: Mutex<State>,
    shutdown: AtomicBool,
    /// Open connections, to close them on drop.
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not poison the server for the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn connections(&self) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An index server on `127.0.0.1:<free port>`; dropping it stops it.
#[derive(Debug)]
pub struct IndexServer {
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl IndexServer {
    /// An empty index.
    ///
    /// # Panics
    ///
    /// When no local port can be bound (a broken test machine).
    pub fn start() -> IndexServer {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .expect("the test index server binds 127.0.0.1 port 0");
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            address,
            state: Mutex::new(State::new(address)),
            shutdown: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = std::thread::Builder::new()
            .name(format!("pipit-testkit-index-{}", address.port()))
            .spawn(move || accept_loop(&listener, &accept_shared))
            .expect("spawn the test index server thread");
        IndexServer {
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// An index serving these wheels.
    ///
    /// # Panics
    ///
    /// When a wheel cannot be built (an invalid description is a test bug).
    pub fn with_wheels(wheels: &[WheelBuilder]) -> IndexServer {
        let server = Self::start();
        for wheel in wheels {
            server.add_wheel(wheel);
        }
        server
    }

    /// Builds the wheel and serves it (replacing a file of the same name).
    ///
    /// # Panics
    ///
    /// When the wheel cannot be built (an invalid description is a test bug).
    pub fn add_wheel(&self, wheel: &WheelBuilder) {
        let (file_name, bytes) = wheel
            .build_bytes()
            .unwrap_or_else(|error| panic!("test index: cannot build wheel: {error}"));
        self.add_file(&file_name, bytes);
    }

    /// Serves any file (an sdist, a hand-made wheel) under `/files/<filename>`
    /// and lists it on the page of the project its name starts with. A wheel's
    /// METADATA is read from the archive when it has one.
    pub fn add_file(&self, filename: &str, bytes: Vec<u8>) {
        let (name, version) = pages::split_file_name(filename);
        let metadata = if filename.ends_with(".whl") {
            read_wheel_metadata(&bytes)
        } else {
            None
        };
        let requires_python = metadata
            .as_deref()
            .and_then(|metadata| metadata_field(metadata, "Requires-Python"));
        let served = ServedFile {
            project: pages::normalize_name(&name),
            version,
            sha256: sha256_hex(&bytes),
            bytes: Arc::new(bytes),
            metadata_sha256: metadata.as_deref().map(sha256_hex),
            metadata: metadata.map(Arc::new),
            requires_python,
        };
        self.shared
            .state()
            .files
            .insert(filename.to_string(), served);
    }

    /// Stops serving and listing `filename`; true when it was served.
    pub fn remove_file(&self, filename: &str) -> bool {
        self.shared.state().files.remove(filename).is_some()
    }

    /// The names of the files served, sorted.
    pub fn file_names(&self) -> Vec<String> {
        self.shared.state().files.keys().cloned().collect()
    }

    /// The index URL, for `--index-url`: `http://127.0.0.1:PORT/simple/`.
    pub fn url(&self) -> String {
        format!("{}/simple/", self.base_url())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.address)
    }

    /// The socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.shared.address
    }

    /// The URL of a served file: `http://127.0.0.1:PORT/files/<filename>`.
    pub fn file_url(&self, filename: &str) -> String {
        format!(
            "{}/files/{}",
            self.base_url(),
            pages::encode_path_segment(filename)
        )
    }

    /// The sha256 (hex) of a served file, as pages advertise it.
    pub fn file_sha256(&self, filename: &str) -> Option<String> {
        self.shared
            .state()
            .files
            .get(filename)
            .map(|file| file.sha256.clone())
    }

    pub fn set_format(&self, format: PageFormat) {
        self.shared.state().format = format;
    }

    /// PEP 658/714: serve `<file>.metadata` and advertise it on pages
    /// (`data-core-metadata`, `data-dist-info-metadata`, `core-metadata`).
    /// Default true.
    pub fn set_metadata_files(&self, enabled: bool) {
        self.shared.state().metadata_files = enabled;
    }

    /// A strong `ETag` (the body's sha256) on pages, and 304 for a matching
    /// `If-None-Match`. Default false.
    pub fn set_etags(&self, enabled: bool) {
        self.shared.state().etags = enabled;
    }

    /// Serve the per-project JSON API some indexes offer beside the Simple
    /// API, at `/pypi/<name>/json` (`releases` with each file's upload time,
    /// size, digests and requires-python). Default false.
    pub fn set_json_api(&self, enabled: bool) {
        self.shared.state().json_api = enabled;
    }

    /// The `Cache-Control` value on pages. Default none.
    pub fn set_cache_control(&self, value: Option<String>) {
        self.shared.state().cache_control = value;
    }

    /// `Accept-Ranges: bytes` and 206 answers on files. Default true.
    pub fn set_range_requests(&self, enabled: bool) {
        self.shared.state().range_requests = enabled;
    }

    /// Gzip pages when `Accept-Encoding` allows it. Default false.
    pub fn set_gzip(&self, enabled: bool) {
        self.shared.state().gzip = enabled;
    }

    /// PEP 592: list `filename` as yanked, with an optional reason.
    pub fn set_yanked(&self, filename: &str, reason: Option<&str>) {
        self.shared
            .state()
            .yanked
            .insert(filename.to_string(), reason.map(str::to_string));
    }

    /// The Requires-Python a page advertises for `filename` (default: the
    /// wheel's METADATA).
    pub fn set_requires_python(&self, filename: &str, spec: &str) {
        self.shared
            .state()
            .requires_python
            .insert(filename.to_string(), spec.to_string());
    }

    /// Pages list `filename` with no Requires-Python, even when its METADATA
    /// (or [`IndexServer::set_requires_python`]) has one: a client then
    /// learns it only from the metadata. Files and metadata files are
    /// served unchanged.
    pub fn omit_requires_python(&self, filename: &str) {
        self.shared
            .state()
            .requires_python_omitted
            .insert(filename.to_string());
    }

    /// Builds the sdist and serves it (replacing a file of the same name).
    ///
    /// # Panics
    ///
    /// When the sdist cannot be built (an invalid description is a test bug).
    pub fn add_sdist(&self, sdist: &SdistBuilder) {
        let (file_name, bytes) = sdist
            .build_bytes()
            .unwrap_or_else(|error| panic!("test index: cannot build sdist: {error}"));
        self.add_file(&file_name, bytes);
    }

    /// PEP 700 upload time (RFC 3339), e.g. `2024-01-01T00:00:00Z`.
    pub fn set_upload_time(&self, filename: &str, rfc3339: &str) {
        self.shared
            .state()
            .upload_time
            .insert(filename.to_string(), rfc3339.to_string());
    }

    /// Require HTTP Basic auth with these credentials on every path (401 and
    /// `WWW-Authenticate` otherwise). `None` turns it off.
    pub fn set_credentials(&self, credentials: Option<(String, String)>) {
        self.shared.state().credentials = credentials;
    }

    /// The next `times` requests whose path starts with `path_prefix` get
    /// `fault`. Injections count down independently; a request matching
    /// several gets every matching delay and the first other fault.
    pub fn inject(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.shared.state().faults.push(InjectedFault {
            path_prefix: path_prefix.to_string(),
            fault,
            remaining: times,
        });
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.state().requests.len()
    }

    pub fn clear_requests(&self) {
        self.shared.state().requests.clear();
    }
}

impl Drop for IndexServer {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop, which then drops the listener.
        let _ = TcpStream::connect_timeout(&self.shared.address, Duration::from_secs(1));
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
        for (_, connection) in self.shared.connections().drain() {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            continue;
        };
        let id = shared.next_connection.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            shared.connections().insert(id, clone);
        }
        let connection_shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("pipit-testkit-index-connection".to_string())
            .spawn(move || {
                serve_connection(stream, &connection_shared);
                connection_shared.connections().remove(&id);
            });
        if spawned.is_err() {
            shared.connections().remove(&id);
        }
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut stream = stream;
    loop {
        let request = match http::read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(_) => {
                let response = Response::text(400, "bad request");
                let _ = http::write_response(&mut stream, &response, BodyMode::Full, false);
                close_after_reply(&stream, &mut reader);
                return;
            }
        };
        if shared.shutdown.load(Ordering::SeqCst) {
            return;
        }
        let (delay, fault) = record_and_take_faults(shared, &request);
        if !delay.is_zero() && !sleep_unless_shutdown(shared, delay) {
            return;
        }
        let mut keep_alive = request.keep_alive;
        let mut mode = if request.method == "HEAD" {
            BodyMode::None
        } else {
            BodyMode::Full
        };
        let response = match fault {
            Some(Fault::Reset) => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
            Some(Fault::Status(status)) => {
                Response::text(status, &format!("injected fault: status {status}"))
            }
            Some(Fault::Truncate) => {
                keep_alive = false;
                if mode == BodyMode::Full {
                    mode = BodyMode::Half;
                }
                respond(shared, &request, false)
            }
            Some(Fault::WrongHash) => respond(shared, &request, true),
            Some(Fault::Delay(_)) | None => respond(shared, &request, false),
        };
        if http::write_response(&mut stream, &response, mode, keep_alive).is_err() || !keep_alive {
            close_after_reply(&stream, &mut reader);
            return;
        }
    }
}

/// Sends FIN first and drains what the client may still send: closing with
/// unread bytes would turn into a reset that can destroy the reply before
/// the client reads it.
fn close_after_reply(stream: &TcpStream, reader: &mut impl Read) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut sink = [0; 4096];
    while matches!(reader.read(&mut sink), Ok(read) if read > 0) {}
}

/// Records the request, then takes the faults that apply to it: the sum of
/// matching delays and the first other matching fault.
fn record_and_take_faults(shared: &Shared, request: &Request) -> (Duration, Option<Fault>) {
    let mut state = shared.state();
    state.requests.push(RecordedRequest {
        method: request.method.clone(),
        path: request.target.clone(),
        headers: request.headers.clone(),
    });
    let mut delay = Duration::ZERO;
    let mut fault = None;
    for injected in &mut state.faults {
        if injected.remaining == 0 || !request.target.starts_with(&injected.path_prefix) {
            continue;
        }
        match &injected.fault {
            Fault::Delay(duration) => {
                delay += *duration;
                injected.remaining -= 1;
            }
            other if fault.is_none() => {
                fault = Some(*other);
                injected.remaining -= 1;
            }
            _ => {}
        }
    }
    state.faults.retain(|injected| injected.remaining > 0);
    (delay, fault)
}

/// Sleeps in small steps; false when the server stopped meanwhile.
fn sleep_unless_shutdown(shared: &Shared, delay: Duration) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if shared.shutdown.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(10)));
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// The `<name>.dist-info/METADATA` entry of a wheel archive.
fn read_wheel_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let name = archive
        .file_names()
        .find(|name| {
            name.split_once('/').is_some_and(|(directory, rest)| {
                directory.ends_with(".dist-info") && rest == "METADATA"
            })
        })?
        .to_string();
    let mut entry = archive.by_name(&name).ok()?;
    let mut metadata = Vec::new();
    entry.read_to_end(&mut metadata).ok()?;
    Some(metadata)
}

/// A header field of core metadata (RFC 822 style; the headers end at the
/// first blank line).
fn metadata_field(metadata: &[u8], field: &str) -> Option<String> {
    let text = String::from_utf8_lossy(metadata);
    text.lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case(field)
                .then(|| value.trim().to_string())
        })
}
