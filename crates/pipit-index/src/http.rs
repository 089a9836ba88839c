//! The transport under [`crate::IndexClient`]: one GET with TLS, auth,
//! timeouts and retries, and the mapping of failures to [`IndexError`].
//!
//! - TLS trusts the system certificate store (reqwest's rustls backend with
//!   the platform verifier, which on Linux reads the store the way OpenSSL
//!   does, `SSL_CERT_FILE`/`SSL_CERT_DIR` included) plus every extra CA
//!   bundle given (`--cert`, `REQUESTS_CA_BUNDLE`, …), and presents
//!   `--client-cert` when asked.
//! - `--trusted-host` hosts may be reached over plain http and their
//!   certificates are not verified, as in pip; a second client without
//!   verification serves them. Plain http to any other host that is not
//!   local is refused, where pip would skip the index with a warning.
//! - Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`
//!   (reqwest's default system proxy).
//! - A connection error, a timeout, a 5xx or 429 status, or a body cut short
//!   (fewer bytes than `Content-Length`) is retried `--retries` times with
//!   exponential backoff; the body is read inside the attempt so a
//!   truncated download is retried like a refused connection.
//! - The clients are built by the first request, not before: reading the
//!   CA bundles and the system store costs tens of milliseconds that a run
//!   with nothing to fetch must not pay.

use std::error::Error as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::error::IndexError;
use crate::http_auth::{same_origin, strip_credentials, Credentials, Netrc, NetrcSource};
use crate::simple::redact;

/// Longest pause between two attempts, whatever the base delay.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// What the transport needs to know, gathered by the client.
pub(crate) struct TransportConfig {
    pub(crate) ca_files: Vec<PathBuf>,
    pub(crate) client_cert: Option<PathBuf>,
    pub(crate) timeout_secs: f64,
    pub(crate) retries: u32,
    pub(crate) retry_base_delay: Duration,
    pub(crate) trusted_hosts: Vec<String>,
    pub(crate) netrc: NetrcSource,
    /// The configured index URLs, whose credentials also serve their origin.
    pub(crate) indexes: Vec<Url>,
}

/// An answer with its body read in full.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    /// After redirects, without credentials.
    pub(crate) final_url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// Whether credentials were sent (for the 401/403 message).
    pub(crate) sent_credentials: bool,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

pub(crate) struct Transport {
    /// What the HTTP clients are built from, on first use.
    tls: TlsConfig,
    /// The clients, once built: building them reads every CA bundle and
    /// the system store (tens of milliseconds), which a run that never
    /// opens a connection (an install with nothing to do) must not pay.
    clients: OnceLock<Clients>,
    /// Held while building, so that concurrent first requests build once.
    building: Mutex<()>,
    trusted_hosts: Vec<String>,
    retries: u32,
    retry_base_delay: Duration,
    timeout_secs: f64,
    netrc: Netrc,
    index_credentials: Vec<(Url, Credentials)>,
}

/// The TLS and timeout settings of the HTTP clients.
struct TlsConfig {
    ca_files: Vec<PathBuf>,
    client_cert: Option<PathBuf>,
    timeout_secs: f64,
}

struct Clients {
    verified: reqwest::Client,
    /// For `--trusted-host` hosts: no certificate verification.
    unverified: reqwest::Client,
}

impl Clients {
    /// Reads the CA bundles and the client certificate, and builds both
    /// clients; an unreadable or empty bundle is an error naming the file.
    fn build(config: &TlsConfig) -> Result<Self, IndexError> {
        let mut certificates = Vec::new();
        for path in &config.ca_files {
            let pem = read_file(path)?;
            let bundle = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
                IndexError::Certificate {
                    path: path.clone(),
                    message: error_chain(&error),
                }
            })?;
            if bundle.is_empty() {
                return Err(IndexError::Certificate {
                    path: path.clone(),
                    message: "no pem certificate in it".to_string(),
                });
            }
            certificates.extend(bundle);
        }
        let identity = match &config.client_cert {
            None => None,
            Some(path) => {
                let pem = read_file(path)?;
                Some(reqwest::Identity::from_pem(&pem).map_err(|error| {
                    IndexError::Certificate {
                        path: path.clone(),
                        message: format!(
                            "{} (a pem file with the key and the certificate is needed)",
                            error_chain(&error)
                        ),
                    }
                })?)
            }
        };

        let build = |verify: bool| -> Result<reqwest::Client, IndexError> {
            let mut builder = reqwest::Client::builder()
                .user_agent(concat!("pipit/", env!("CARGO_PKG_VERSION")))
                .tls_certs_merge(certificates.clone());
            if let Some(identity) = &identity {
                builder = builder.identity(identity.clone());
            }
            if config.timeout_secs > 0.0 && config.timeout_secs.is_finite() {
                let timeout = Duration::from_secs_f64(config.timeout_secs);
                builder = builder.connect_timeout(timeout).read_timeout(timeout);
            }
            if !verify {
                builder = builder.tls_danger_accept_invalid_certs(true);
            }
            builder.build().map_err(|error| IndexError::Client {
                message: error_chain(&error),
            })
        };
        Ok(Self {
            verified: build(true)?,
            unverified: build(false)?,
        })
    }
}

impl Transport {
    /// Nothing is read from disk here but netrc: the CA bundles, the client
    /// certificate and the system store are read by the first request, and
    /// their errors are that request's errors (as pip reports a bad `--cert`
    /// only when it connects).
    pub(crate) fn new(config: TransportConfig) -> Self {
        let mut index_credentials = Vec::new();
        for index in &config.indexes {
            if let Some(credentials) = Credentials::from_url(index) {
                index_credentials.push((strip_credentials(index), credentials));
            }
        }
        let netrc = config
            .netrc
            .path()
            .map(|path| Netrc::load(&path))
            .unwrap_or_default();

        Self {
            tls: TlsConfig {
                ca_files: config.ca_files,
                client_cert: config.client_cert,
                timeout_secs: config.timeout_secs,
            },
            clients: OnceLock::new(),
            building: Mutex::new(()),
            trusted_hosts: config.trusted_hosts,
            retries: config.retries,
            retry_base_delay: config.retry_base_delay,
            timeout_secs: config.timeout_secs,
            netrc,
            index_credentials,
        }
    }

    /// The HTTP clients, built on the first call.
    fn clients(&self) -> Result<&Clients, IndexError> {
        if let Some(clients) = self.clients.get() {
            return Ok(clients);
        }
        let _building = self.building.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(clients) = self.clients.get() {
            return Ok(clients);
        }
        let built = Clients::build(&self.tls)?;
        Ok(self.clients.get_or_init(|| built))
    }

    /// Whether `url`'s host is a `--trusted-host` entry (`host` or `host:port`).
    fn is_trusted(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host_port = url.port().map(|port| format!("{host}:{port}"));
        self.trusted_hosts.iter().any(|trusted| {
            let trusted = trusted.trim();
            trusted.eq_ignore_ascii_case(host)
                || host_port
                    .as_deref()
                    .is_some_and(|host_port| trusted.eq_ignore_ascii_case(host_port))
        })
    }

    /// The client for `url`: without certificate verification for a
    /// `--trusted-host`.
    pub(crate) fn client_for(&self, url: &Url) -> Result<&reqwest::Client, IndexError> {
        let clients = self.clients()?;
        Ok(if self.is_trusted(url) {
            &clients.unverified
        } else {
            &clients.verified
        })
    }

    /// pip's secure origins: https, local hosts, and `--trusted-host`.
    pub(crate) fn check_origin(&self, url: &Url) -> Result<(), IndexError> {
        if url.scheme() != "http" || self.is_trusted(url) {
            return Ok(());
        }
        let local = match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => false,
        };
        if local {
            return Ok(());
        }
        Err(IndexError::InsecureOrigin {
            url: redact(url),
            host: url.host_str().unwrap_or_default().to_string(),
        })
    }

    /// The credentials to send to `url`: its own, an index's on the same
    /// origin, or netrc's for its host.
    fn credentials_for(&self, url: &Url) -> Option<Credentials> {
        if let Some(credentials) = Credentials::from_url(url) {
            return Some(credentials);
        }
        if let Some((_, credentials)) = self
            .index_credentials
            .iter()
            .find(|(index, _)| same_origin(index, url))
        {
            return Some(credentials.clone());
        }
        self.netrc.lookup(url.host_str()?).cloned()
    }

    /// GET `url` with `headers`, retrying what is worth retrying, and read
    /// the whole body. Any status is returned; see [`status_error`].
    pub(crate) async fn get(
        &self,
        url: &Url,
        headers: &[(HeaderName, String)],
    ) -> Result<Response, IndexError> {
        let mut attempts = self.attempts(url, headers, &|_| {})?;
        loop {
            let response = attempts.send().await?;
            let status = response.status().as_u16();
            let final_url = strip_credentials(response.url());
            let response_headers = response.headers().clone();
            match response.bytes().await {
                Ok(body) => {
                    return Ok(Response {
                        status,
                        final_url,
                        headers: response_headers,
                        body: body.to_vec(),
                        sent_credentials: attempts.sends_credentials(),
                    })
                }
                Err(error) => attempts.retry_after_body_error(&error).await?,
            }
        }
    }

    /// The attempts of one GET: the request is built once (origin checked,
    /// credentials looked up) and [`Attempts`] sends it as often as the
    /// retry policy allows. `on_retry` hears of each new attempt.
    pub(crate) fn attempts<'a>(
        &'a self,
        url: &'a Url,
        headers: &'a [(HeaderName, String)],
        on_retry: &'a (dyn Fn(u32) + Send + Sync),
    ) -> Result<Attempts<'a>, IndexError> {
        self.check_origin(url)?;
        Ok(Attempts {
            transport: self,
            url,
            request_url: strip_credentials(url),
            credentials: self.credentials_for(url),
            headers,
            on_retry,
            attempt: 0,
        })
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(16));
        self.retry_base_delay
            .saturating_mul(factor)
            .min(MAX_BACKOFF)
    }

    fn map_error(&self, url: &Url, error: &reqwest::Error) -> IndexError {
        let url = redact(url);
        let message = error_chain(error);
        if error.is_timeout() {
            return IndexError::Timeout {
                url,
                seconds: self.timeout_secs,
            };
        }
        if has_io_kind(error, std::io::ErrorKind::ConnectionRefused) {
            return IndexError::ConnectionRefused { url };
        }
        if error.is_dns() {
            return IndexError::Dns { url, message };
        }
        let lowercase = message.to_ascii_lowercase();
        if is_tls_error(error)
            || ["certificate", "tls", "ssl", "handshake"]
                .iter()
                .any(|word| lowercase.contains(word))
        {
            return IndexError::Tls { url, message };
        }
        IndexError::Connect { url, message }
    }
}

/// One request and its retries. The retry loop lives here so that a
/// whole-body GET and a streamed download share it: [`Attempts::send`]
/// retries connection failures and retryable statuses itself, and a
/// caller that fails while reading the body asks
/// [`Attempts::retry_after`] whether to start over.
pub(crate) struct Attempts<'a> {
    transport: &'a Transport,
    url: &'a Url,
    request_url: Url,
    credentials: Option<Credentials>,
    headers: &'a [(HeaderName, String)],
    on_retry: &'a (dyn Fn(u32) + Send + Sync),
    /// 0 for the first attempt.
    attempt: u32,
}

impl Attempts<'_> {
    /// Whether credentials go with the request (for the 401/403 message).
    pub(crate) fn sends_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// Sends the request until a response worth reading arrives: any status
    /// but a 5xx or 429 with retries left. The body is not read.
    pub(crate) async fn send(&mut self) -> Result<reqwest::Response, IndexError> {
        let client = self.transport.client_for(self.url)?;
        loop {
            let mut request = client.get(self.request_url.clone());
            for (name, value) in self.headers {
                if let Ok(value) = HeaderValue::from_str(value) {
                    request = request.header(name, value);
                }
            }
            if let Some(credentials) = &self.credentials {
                request = request.basic_auth(&credentials.username, credentials.password.as_ref());
            }
            match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retryable_status = status >= 500 || status == 429;
                    if !retryable_status || self.attempt >= self.transport.retries {
                        return Ok(response);
                    }
                }
                Err(error) => {
                    if !is_retryable(&error) || self.attempt >= self.transport.retries {
                        return Err(self.transport.map_error(self.url, &error));
                    }
                }
            }
            self.pause().await;
        }
    }

    /// After the body failed to arrive in full: `Ok` (after the backoff)
    /// when another attempt is allowed, else the error.
    pub(crate) async fn retry_after_body_error(
        &mut self,
        error: &reqwest::Error,
    ) -> Result<(), IndexError> {
        let mapped = self.transport.map_error(self.url, error);
        if !is_retryable(error) {
            return Err(mapped);
        }
        self.retry_after(mapped).await
    }

    /// `Ok` (after the backoff) when another attempt is allowed, else `error`.
    pub(crate) async fn retry_after(&mut self, error: IndexError) -> Result<(), IndexError> {
        if self.attempt >= self.transport.retries {
            return Err(error);
        }
        self.pause().await;
        Ok(())
    }

    async fn pause(&mut self) {
        tokio::time::sleep(self.transport.backoff(self.attempt)).await;
        self.attempt += 1;
        (self.on_retry)(self.attempt);
    }
}

/// The error for a status that is not a success (nor 304), if any.
pub(crate) fn status_error(url: &Url, response: &Response) -> Option<IndexError> {
    status_error_for(url, response.status, response.sent_credentials)
}

/// The error for `status` when it is not a success (nor 304), if any.
pub(crate) fn status_error_for(
    url: &Url,
    status: u16,
    sent_credentials: bool,
) -> Option<IndexError> {
    if (200..300).contains(&status) || status == 304 {
        return None;
    }
    let url = redact(url);
    Some(match (status, sent_credentials) {
        (401, false) => IndexError::Unauthorized {
            url,
            status,
            reason: "credentials are missing; put them in the index url or in a netrc file",
        },
        (401, true) => IndexError::Unauthorized {
            url,
            status,
            reason: "the credentials sent were refused",
        },
        (403, false) => IndexError::Unauthorized {
            url,
            status,
            reason: "access forbidden and no credentials were sent",
        },
        (403, true) => IndexError::Unauthorized {
            url,
            status,
            reason: "access forbidden with the credentials sent",
        },
        _ => IndexError::Status { url, status },
    })
}

fn is_retryable(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect() || error.is_status())
}

/// Whether a rustls error is in the chain. tokio-rustls wraps it in io
/// errors (nested), whose `source()` skips the wrapped error itself.
fn is_tls_error(error: &reqwest::Error) -> bool {
    fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
        if error.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        match error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => is_tls(inner),
            None => false,
        }
    }
    let mut source = error.source();
    while let Some(current) = source {
        if is_tls(current) {
            return true;
        }
        source = current.source();
    }
    false
}

fn has_io_kind(error: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    let mut source = error.source();
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io.kind() == kind {
                return true;
            }
        }
        source = current.source();
    }
    false
}

/// An error and its causes on one line, without reqwest's URL (callers put
/// the redacted URL in their message).
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let first = match error.downcast_ref::<reqwest::Error>() {
        Some(error) => {
            let mut text = error.to_string();
            if let Some(url) = error.url() {
                text = text.replace(&format!(" for url ({url})"), "");
                text = text.replace(url.as_str(), "");
            }
            text
        }
        None => error.to_string(),
    };
    parts.push(first);
    let mut source = error.source();
    while let Some(current) = source {
        let text = current.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = current.source();
    }
    parts.join(": ").replace('\n', " ")
}

fn read_file(path: &Path) -> Result<Vec<u8>, IndexError> {
    fs_err::read(path).map_err(|error| IndexError::File {
        path: path.to_path_buf(),
        message: error_kind_message(&error),
    })
}

/// An io error's message without the path `fs_err` adds (callers name it).
pub(crate) fn error_kind_message(error: &std::io::Error) -> String {
    match error.get_ref().and_then(|inner| inner.source()) {
        Some(source) => source.to_string(),
        None => error.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(trusted_hosts: &[&str]) -> Transport {
        Transport::new(TransportConfig {
            ca_files: Vec::new(),
            client_cert: None,
            timeout_secs: 1.0,
            retries: 0,
            retry_base_delay: Duration::from_millis(1),
            trusted_hosts: trusted_hosts.iter().map(|host| host.to_string()).collect(),
            netrc: NetrcSource::Disabled,
            indexes: vec![Url::parse("https://alice:pw@index.example/simple/").unwrap()],
        })
    }

    #[test]
    fn secure_origins_are_https_local_and_trusted_hosts() {
        let transport = transport(&["mirror.example", "other.example:8080"]);
        let ok = |url: &str| transport.check_origin(&Url::parse(url).unwrap()).is_ok();
        assert!(ok("https://index.example/simple/"));
        assert!(ok("http://127.0.0.1:9000/simple/"));
        assert!(ok("http://localhost/simple/"));
        assert!(ok("http://[::1]:8000/simple/"));
        assert!(ok("http://mirror.example/simple/"));
        assert!(ok("http://mirror.example:81/simple/"));
        assert!(ok("http://other.example:8080/simple/"));
        assert!(!ok("http://other.example:8081/simple/"));
        assert!(!ok("http://index.example/simple/"));
    }

    #[test]
    fn index_credentials_serve_their_origin_only() {
        let transport = transport(&[]);
        let on_index = Url::parse("https://index.example/files/a.whl").unwrap();
        let credentials = transport.credentials_for(&on_index).unwrap();
        assert_eq!(credentials.username, "alice");
        let elsewhere = Url::parse("https://files.example/a.whl").unwrap();
        assert!(transport.credentials_for(&elsewhere).is_none());
        let other_port = Url::parse("https://index.example:8443/a.whl").unwrap();
        assert!(transport.credentials_for(&other_port).is_none());
    }

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let mut transport = transport(&[]);
        transport.retry_base_delay = Duration::from_millis(250);
        assert_eq!(transport.backoff(0), Duration::from_millis(250));
        assert_eq!(transport.backoff(2), Duration::from_secs(1));
        assert_eq!(transport.backoff(30), MAX_BACKOFF);
    }
}
