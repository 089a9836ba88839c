//! A small HTTP/1.1 server side: request parsing, responses with
//! `Content-Length`, keep-alive, byte ranges. Hand-written so that faults
//! (a reset, a truncated body) can be produced at exactly the right byte.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;

/// Longest request head accepted (request line and headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The request target as sent, query included.
    pub(crate) target: String,
    /// Header names in lowercase, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    /// HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0
    /// closes unless `Connection: keep-alive`.
    pub(crate) keep_alive: bool,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    }

    /// The target without its query string.
    pub(crate) fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }
}

/// Reads one request; `Ok(None)` when the client closed the connection
/// cleanly before sending one.
pub(crate) fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut head_bytes = 0;
    let mut request_line = String::new();
    // Skip empty lines before a request (RFC 9112 allows one stray CRLF).
    loop {
        // A TLS handshake (or other binary) may hold no line feed for a long
        // while: refuse it at its first byte, as a real server does, rather
        // than wait for a line.
        if let Some(&first) = reader.fill_buf()?.first() {
            if !(first.is_ascii_graphic() || matches!(first, b' ' | b'\t' | b'\r' | b'\n')) {
                return Err(invalid(format!(
                    "not an HTTP request (it starts with byte {first:#04x})"
                )));
            }
        }
        request_line.clear();
        let read = read_line(reader, &mut request_line, &mut head_bytes)?;
        if read == 0 {
            return Ok(None);
        }
        if !request_line.trim().is_empty() {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!(
            "malformed request line `{}`",
            request_line.trim()
        )));
    };
    let (method, target, version) = (method.to_string(), target.to_string(), version.to_string());

    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if read_line(reader, &mut line, &mut head_bytes)? == 0 {
            return Err(invalid(
                "connection closed inside the request head".to_string(),
            ));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(invalid(format!("malformed header line `{line}`")));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }

    let connection = headers
        .iter()
        .find(|(name, _)| name == "connection")
        .map(|(_, value)| value.to_ascii_lowercase());
    let keep_alive = match version.as_str() {
        "HTTP/1.0" => connection.as_deref() == Some("keep-alive"),
        _ => connection.as_deref() != Some("close"),
    };

    // Tests send no bodies, but a request body must not be read as the next
    // request.
    let body_length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(0);
    if body_length > 0 {
        io::copy(&mut reader.take(body_length), &mut io::sink())?;
    }

    Ok(Some(Request {
        method,
        target,
        headers,
        keep_alive,
    }))
}

fn read_line(
    reader: &mut impl BufRead,
    line: &mut String,
    head_bytes: &mut usize,
) -> io::Result<usize> {
    let mut bytes = Vec::new();
    let read = reader
        .take((MAX_HEAD_BYTES - *head_bytes) as u64 + 1)
        .read_until(b'\n', &mut bytes)?;
    *head_bytes += read;
    if *head_bytes > MAX_HEAD_BYTES {
        return Err(invalid("request head too large".to_string()));
    }
    line.push_str(&String::from_utf8_lossy(&bytes));
    Ok(read)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// A response before it is written.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    /// A short plain-text response.
    pub(crate) fn text(status: u16, message: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", format!("{message}\n"))
    }

    pub(crate) fn redirect(location: &str) -> Self {
        Self::text(301, &format!("moved to {location}")).header("Location", location)
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// How much of the body to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyMode {
    Full,
    /// HEAD: headers (with the real `Content-Length`) only.
    None,
    /// Fault: announce the full length, send half.
    Half,
}

/// Writes `response`; `Content-Length` is always set from the body (a 304
/// carries neither).
pub(crate) fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    mode: BodyMode,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if response.status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n"
    } else {
        "Connection: close\r\n"
    });
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if response.status != 304 {
        match mode {
            BodyMode::Full => bytes.extend_from_slice(&response.body),
            BodyMode::None => {}
            BodyMode::Half => bytes.extend_from_slice(&response.body[..response.body.len() / 2]),
        }
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// What a `Range` header asks of a body of `length` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// No usable range (absent, malformed, or several ranges): send it all.
    Whole,
    /// Inclusive byte positions.
    Part { first: usize, last: usize },
    /// 416.
    Unsatisfiable,
}

/// RFC 9110 single byte ranges: `bytes=a-b`, `bytes=a-`, `bytes=-n`.
pub(crate) fn parse_range(header: Option<&str>, length: usize) -> RangeRequest {
    let Some(spec) = header.and_then(|header| header.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let (start, end) = (start.trim(), end.trim());
    if start.is_empty() {
        // Suffix: the last n bytes.
        let Ok(suffix) = end.parse::<usize>() else {
            return RangeRequest::Whole;
        };
        if suffix == 0 || length == 0 {
            return RangeRequest::Unsatisfiable;
        }
        return RangeRequest::Part {
            first: length.saturating_sub(suffix),
            last: length - 1,
        };
    }
    let Ok(first) = start.parse::<usize>() else {
        return RangeRequest::Whole;
    };
    let last = if end.is_empty() {
        usize::MAX
    } else {
        match end.parse::<usize>() {
            Ok(last) if last >= first => last,
            _ => return RangeRequest::Whole,
        }
    };
    if first >= length {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Part {
        first,
        last: last.min(length - 1),
    }
}
