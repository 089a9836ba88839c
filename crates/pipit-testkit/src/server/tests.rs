//! The index server seen from a client: a tiny hand-rolled HTTP/1.1 client
//! over `TcpStream`, so the tests see exactly the bytes on the wire.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::*;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
}

fn connect(server: &IndexServer) -> TcpStream {
    let stream = TcpStream::connect(server.address()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
}

fn send(stream: &mut TcpStream, method: &str, path: &str, headers: &[(&str, &str)]) {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
}

/// Reads one response; the body by `Content-Length` (none for HEAD/304).
fn read_reply(reader: &mut impl BufRead, head: bool) -> std::io::Result<Reply> {
    let mut status_line = String::new();
    if reader.read_line(&mut status_line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "closed without a response",
        ));
    }
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .expect("status code");
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header");
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let mut reply = Reply {
        status,
        headers,
        body: Vec::new(),
    };
    let length: usize = reply
        .header("content-length")
        .map_or(0, |length| length.parse().expect("length"));
    if !head && status != 304 {
        reply.body = vec![0; length];
        reader.read_exact(&mut reply.body)?;
    }
    Ok(reply)
}

fn request(
    server: &IndexServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let mut stream = connect(server);
    send(&mut stream, method, path, headers);
    read_reply(&mut BufReader::new(stream), method == "HEAD")
}

fn get(server: &IndexServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(server, "GET", path, headers).expect("response")
}

fn sha256(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

fn demo() -> WheelBuilder {
    WheelBuilder::new("Demo_App", "1.0.0").requires_python(">=3.8")
}

fn demo_bytes() -> (String, Vec<u8>) {
    demo().build_bytes().expect("build")
}

#[test]
fn html_page_lists_files_with_the_hash_of_the_served_bytes() {
    let server = IndexServer::with_wheels(&[demo(), WheelBuilder::new("demo-app", "2.0")]);
    let page = get(&server, "/simple/demo-app/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    assert!(html.contains(r#"<meta name="pypi:repository-version" content="1.1">"#));

    let (file_name, bytes) = demo_bytes();
    assert_eq!(file_name, "demo_app-1.0.0-py3-none-any.whl");
    let served = get(&server, &format!("/files/{file_name}"), &[]);
    assert_eq!(served.status, 200);
    assert_eq!(served.body, bytes);
    let href = format!(
        r#"href="../../files/{file_name}#sha256={}""#,
        sha256(&served.body)
    );
    assert!(html.contains(&href), "{html}");
    assert!(
        html.contains(r#"data-requires-python="&gt;=3.8""#),
        "{html}"
    );
    assert!(
        html.contains(">demo_app-2.0-py3-none-any.whl</a>"),
        "{html}"
    );
    assert_eq!(server.file_sha256(&file_name), Some(sha256(&bytes)));
}

#[test]
fn json_page_lists_files_versions_and_metadata() {
    let server = IndexServer::with_wheels(&[demo(), WheelBuilder::new("demo-app", "2.0")]);
    server.set_format(PageFormat::Json);
    let page = get(&server, "/simple/demo-app/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("application/vnd.pypi.simple.v1+json")
    );
    let json = page.json();
    assert_eq!(json["meta"]["api-version"], "1.1");
    assert_eq!(json["name"], "demo-app");
    assert_eq!(json["versions"], serde_json::json!(["1.0.0", "2.0"]));
    let (file_name, bytes) = demo_bytes();
    let file = &json["files"][0];
    assert_eq!(file["filename"], file_name.as_str());
    assert_eq!(file["url"], server.file_url(&file_name).as_str());
    assert_eq!(file["hashes"]["sha256"], sha256(&bytes).as_str());
    assert_eq!(file["requires-python"], ">=3.8");
    assert_eq!(file["yanked"], false);
    assert_eq!(file["size"], bytes.len());
    assert!(file.get("upload-time").is_none());
    let metadata = get(&server, &format!("/files/{file_name}.metadata"), &[]);
    assert_eq!(
        file["core-metadata"]["sha256"],
        sha256(&metadata.body).as_str()
    );
    assert_eq!(file["dist-info-metadata"], file["core-metadata"]);
    assert_eq!(json["files"][1]["requires-python"], serde_json::Value::Null);
}

#[test]
fn root_lists_projects_in_both_formats() {
    let server = IndexServer::with_wheels(&[demo(), WheelBuilder::new("other.pkg", "1.0")]);
    server.add_file("some_sdist-0.1.tar.gz", b"not really a tarball".to_vec());
    let html = get(&server, "/simple/", &[]).text();
    assert!(
        html.contains(r#"<a href="demo-app/">demo-app</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="other-pkg/">other-pkg</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="some-sdist/">some-sdist</a>"#),
        "{html}"
    );
    let json = get(
        &server,
        "/simple/",
        &[("Accept", "application/vnd.pypi.simple.v1+json")],
    )
    .json();
    assert_eq!(
        json["projects"],
        serde_json::json!([{"name": "demo-app"}, {"name": "other-pkg"}, {"name": "some-sdist"}])
    );
    let sdist = get(&server, "/simple/some-sdist/", &[]).text();
    assert!(sdist.contains("some_sdist-0.1.tar.gz"), "{sdist}");
    assert!(!sdist.contains("data-core-metadata"), "{sdist}");
}

#[test]
fn negotiation_follows_accept_and_q_values() {
    let server = IndexServer::with_wheels(&[demo()]);
    let content_type = |accept: &str| {
        let reply = get(&server, "/simple/demo-app/", &[("Accept", accept)]);
        (
            reply.status,
            reply.header("content-type").map(str::to_string),
        )
    };
    let json = Some("application/vnd.pypi.simple.v1+json".to_string());
    let v1_html = Some("application/vnd.pypi.simple.v1+html".to_string());
    let text_html = Some("text/html; charset=utf-8".to_string());
    assert_eq!(
        content_type("application/vnd.pypi.simple.v1+json"),
        (200, json.clone())
    );
    assert_eq!(
        content_type("application/vnd.pypi.simple.latest+json"),
        (200, json.clone())
    );
    assert_eq!(
        content_type("application/vnd.pypi.simple.v1+html"),
        (200, v1_html.clone())
    );
    assert_eq!(content_type("text/html"), (200, text_html.clone()));
    assert_eq!(content_type("*/*"), (200, text_html.clone()));
    assert_eq!(
        content_type(
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
        ),
        (200, json.clone())
    );
    assert_eq!(
        content_type("application/vnd.pypi.simple.v1+json;q=0.1, text/html"),
        (200, text_html.clone())
    );
    assert_eq!(
        content_type("application/vnd.pypi.simple.v1+json;q=0.5, */*;q=0.1"),
        (200, json.clone())
    );
    // What pip sends.
    assert_eq!(
        content_type(
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
        ),
        (200, json.clone())
    );
    assert_eq!(content_type("application/json").0, 406);
    // No Accept header: HTML.
    assert_eq!(
        get(&server, "/simple/demo-app/", &[])
            .header("content-type")
            .map(str::to_string),
        text_html
    );
    // A fixed format ignores Accept.
    server.set_format(PageFormat::Html);
    assert_eq!(
        content_type("application/vnd.pypi.simple.v1+json").1,
        Some("text/html; charset=utf-8".to_string())
    );
    server.set_format(PageFormat::Json);
    assert_eq!(content_type("text/html").1, json);
}

#[test]
fn non_normalized_names_redirect_and_unknown_paths_404() {
    let server = IndexServer::with_wheels(&[demo()]);
    let redirect = get(&server, "/simple/Demo_App/", &[]);
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/simple/demo-app/"));
    let redirect = get(&server, "/simple/demo.._app", &[]);
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/simple/demo-app/"));
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 200);
    assert_eq!(get(&server, "/simple/nothing-here/", &[]).status, 404);
    assert_eq!(
        get(&server, "/files/nothing-1.0-py3-none-any.whl", &[]).status,
        404
    );
    assert_eq!(get(&server, "/elsewhere", &[]).status, 404);
    assert_eq!(
        request(&server, "POST", "/simple/", &[])
            .expect("reply")
            .status,
        405
    );
}

#[test]
fn metadata_file_is_the_wheels_metadata_and_matches_its_hash() {
    let wheel = demo().requires("demo-util>=1.0");
    let server = IndexServer::with_wheels(std::slice::from_ref(&wheel));
    let (file_name, bytes) = wheel.build_bytes().expect("build");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut expected = String::new();
    archive
        .by_name("demo_app-1.0.0.dist-info/METADATA")
        .expect("METADATA")
        .read_to_string(&mut expected)
        .expect("read");
    assert!(expected.contains("Requires-Dist: demo-util>=1.0"));

    let metadata = get(&server, &format!("/files/{file_name}.metadata"), &[]);
    assert_eq!(metadata.status, 200);
    assert_eq!(metadata.text(), expected);
    let html = get(&server, "/simple/demo-app/", &[]).text();
    let hash = sha256(expected.as_bytes());
    assert!(
        html.contains(&format!(r#"data-core-metadata="sha256={hash}""#)),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"data-dist-info-metadata="sha256={hash}""#)),
        "{html}"
    );

    server.set_metadata_files(false);
    assert_eq!(
        get(&server, &format!("/files/{file_name}.metadata"), &[]).status,
        404
    );
    let html = get(&server, "/simple/demo-app/", &[]).text();
    assert!(!html.contains("metadata"), "{html}");
    server.set_format(PageFormat::Json);
    let json = get(&server, "/simple/demo-app/", &[]).json();
    assert_eq!(json["files"][0]["core-metadata"], false);
    assert_eq!(json["files"][0]["dist-info-metadata"], false);
}

#[test]
fn etags_answer_304_and_cache_control_is_sent() {
    let server = IndexServer::with_wheels(&[demo()]);
    let plain = get(&server, "/simple/demo-app/", &[]);
    assert_eq!(plain.header("etag"), None);
    assert_eq!(plain.header("cache-control"), None);

    server.set_etags(true);
    server.set_cache_control(Some("max-age=600".to_string()));
    let first = get(&server, "/simple/demo-app/", &[]);
    let etag = first.header("etag").expect("etag").to_string();
    assert_eq!(etag, format!("\"{}\"", sha256(&first.body)));
    assert_eq!(first.header("cache-control"), Some("max-age=600"));
    let again = get(&server, "/simple/demo-app/", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let stale = get(
        &server,
        "/simple/demo-app/",
        &[("If-None-Match", "\"other\"")],
    );
    assert_eq!(stale.status, 200);

    server.add_wheel(&WheelBuilder::new("demo-app", "2.0"));
    let changed = get(&server, "/simple/demo-app/", &[("If-None-Match", &etag)]);
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
}

#[test]
fn ranges_answer_206_with_the_right_bytes() {
    let server = IndexServer::with_wheels(&[demo()]);
    let (file_name, bytes) = demo_bytes();
    let path = format!("/files/{file_name}");
    let length = bytes.len();

    let head = request(&server, "HEAD", &path, &[]).expect("head");
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(length.to_string().as_str())
    );
    assert_eq!(head.header("accept-ranges"), Some("bytes"));

    let part = get(&server, &path, &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &bytes[10..20]);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 10-19/{length}").as_str())
    );

    let tail_from = get(
        &server,
        &path,
        &[("Range", &format!("bytes={}-", length - 5))],
    );
    assert_eq!(tail_from.status, 206);
    assert_eq!(tail_from.body, &bytes[length - 5..]);

    let suffix = get(&server, &path, &[("Range", "bytes=-22")]);
    assert_eq!(suffix.status, 206);
    assert_eq!(suffix.body, &bytes[length - 22..]);
    assert_eq!(
        suffix.header("content-range"),
        Some(format!("bytes {}-{}/{length}", length - 22, length - 1).as_str())
    );

    let beyond = get(&server, &path, &[("Range", &format!("bytes={length}-"))]);
    assert_eq!(beyond.status, 416);
    assert_eq!(
        beyond.header("content-range"),
        Some(format!("bytes */{length}").as_str())
    );

    server.set_range_requests(false);
    let whole = get(&server, &path, &[("Range", "bytes=10-19")]);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.header("accept-ranges"), None);
}

#[test]
fn delay_fault_is_observable() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.inject("/simple/", Fault::Delay(Duration::from_millis(300)), 1);
    let started = Instant::now();
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 200);
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[test]
fn status_fault_applies_the_given_number_of_times() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.inject("/simple/demo-app/", Fault::Status(503), 2);
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 503);
    assert_eq!(get(&server, "/simple/", &[]).status, 200);
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 503);
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 200);
}

#[test]
fn reset_fault_closes_without_a_response() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.inject("/files/", Fault::Reset, 1);
    let (file_name, _) = demo_bytes();
    let path = format!("/files/{file_name}");
    assert!(request(&server, "GET", &path, &[]).is_err());
    assert_eq!(get(&server, &path, &[]).status, 200);
}

#[test]
fn truncate_fault_sends_half_the_announced_body() {
    let server = IndexServer::with_wheels(&[demo()]);
    let (file_name, bytes) = demo_bytes();
    server.inject("/files/", Fault::Truncate, 1);
    let mut stream = connect(&server);
    send(&mut stream, "GET", &format!("/files/{file_name}"), &[]);
    let mut received = Vec::new();
    stream.read_to_end(&mut received).expect("read until close");
    let split = received
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("head")
        + 4;
    let head = String::from_utf8_lossy(&received[..split]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.contains(&format!("Content-Length: {}\r\n", bytes.len())),
        "{head}"
    );
    let body = &received[split..];
    assert_eq!(body.len(), bytes.len() / 2);
    assert_eq!(body, &bytes[..bytes.len() / 2]);
}

#[test]
fn wrong_hash_fault_advertises_hashes_that_do_not_match() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.set_format(PageFormat::Json);
    let (file_name, bytes) = demo_bytes();
    server.inject("/simple/demo-app/", Fault::WrongHash, 1);
    let lying = get(&server, "/simple/demo-app/", &[]).json();
    let metadata = get(&server, &format!("/files/{file_name}.metadata"), &[]).body;
    let served = get(&server, &format!("/files/{file_name}"), &[]).body;
    assert_eq!(served, bytes);
    assert_ne!(
        lying["files"][0]["hashes"]["sha256"],
        sha256(&served).as_str()
    );
    assert_ne!(
        lying["files"][0]["core-metadata"]["sha256"],
        sha256(&metadata).as_str()
    );
    let honest = get(&server, "/simple/demo-app/", &[]).json();
    assert_eq!(
        honest["files"][0]["hashes"]["sha256"],
        sha256(&served).as_str()
    );

    // On a file: the bytes change, the page stays.
    server.inject("/files/", Fault::WrongHash, 1);
    let corrupted = get(&server, &format!("/files/{file_name}"), &[]).body;
    assert_eq!(corrupted.len(), bytes.len());
    assert_ne!(sha256(&corrupted), sha256(&bytes));
}

#[test]
fn requests_are_recorded_before_faults_and_counted() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.inject("/simple/", Fault::Reset, 1);
    let _ = request(
        &server,
        "GET",
        "/simple/demo-app/?x=1",
        &[("Accept", "text/html"), ("X-Test", "yes")],
    );
    get(&server, "/simple/", &[]);
    assert_eq!(server.request_count(), 2);
    let requests = server.requests();
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/simple/demo-app/?x=1");
    assert_eq!(requests[0].header("accept"), Some("text/html"));
    assert!(requests[0]
        .headers
        .contains(&("x-test".to_string(), "yes".to_string())));
    assert_eq!(requests[1].path, "/simple/");
    server.clear_requests();
    assert_eq!(server.request_count(), 0);
}

#[test]
fn a_tls_handshake_is_refused_at_once_without_waiting_for_a_line() {
    let server = IndexServer::with_wheels(&[demo()]);
    let mut stream = connect(&server);
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    // A TLS record header and the start of a ClientHello: no line feed.
    stream
        .write_all(&[0x16, 0x03, 0x01, 0x00, 0xf4, 0x01, 0x00, 0x00, 0xf0])
        .expect("write");
    let reply = read_reply(&mut BufReader::new(stream), false).expect("reply");
    assert_eq!(reply.status, 400);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = IndexServer::with_wheels(&[demo()]);
    let mut stream = connect(&server);
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    for _ in 0..3 {
        send(&mut stream, "GET", "/simple/demo-app/", &[]);
        let reply = read_reply(&mut reader, false).expect("reply");
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("connection"), Some("keep-alive"));
    }
    assert_eq!(server.request_count(), 3);
}

#[test]
fn basic_auth_is_required_when_credentials_are_set() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.set_credentials(Some(("user".to_string(), "secret".to_string())));
    let (file_name, _) = demo_bytes();
    let denied = get(&server, "/simple/demo-app/", &[]);
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.header("www-authenticate"),
        Some("Basic realm=\"pipit-testkit\"")
    );
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("user:wrong")
    );
    assert_eq!(
        get(&server, "/simple/demo-app/", &[("Authorization", &wrong)]).status,
        401
    );
    let right = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("user:secret")
    );
    assert_eq!(
        get(&server, "/simple/demo-app/", &[("Authorization", &right)]).status,
        200
    );
    assert_eq!(
        get(
            &server,
            &format!("/files/{file_name}"),
            &[("Authorization", &right)]
        )
        .status,
        200
    );
    assert_eq!(
        get(&server, &format!("/files/{file_name}"), &[]).status,
        401
    );
    server.set_credentials(None);
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 200);
}

#[test]
fn yanked_requires_python_and_upload_time_appear_in_both_formats() {
    let server = IndexServer::with_wheels(&[demo(), WheelBuilder::new("demo-app", "2.0")]);
    let old = "demo_app-1.0.0-py3-none-any.whl";
    let new = "demo_app-2.0-py3-none-any.whl";
    server.set_yanked(old, Some("broken \"build\" <b>"));
    server.set_yanked(new, None);
    server.set_requires_python(new, "<4,>=3.9");
    server.set_upload_time(old, "2024-01-02T03:04:05Z");

    let html = get(&server, "/simple/demo-app/", &[]).text();
    assert!(
        html.contains(r#"data-yanked="broken &quot;build&quot; &lt;b&gt;""#),
        "{html}"
    );
    assert!(html.contains(r#"data-yanked="""#), "{html}");
    assert!(
        html.contains(r#"data-requires-python="&lt;4,&gt;=3.9""#),
        "{html}"
    );
    assert!(
        html.contains(r#"data-upload-time="2024-01-02T03:04:05Z""#),
        "{html}"
    );

    server.set_format(PageFormat::Json);
    let json = get(&server, "/simple/demo-app/", &[]).json();
    let files = &json["files"];
    assert_eq!(files[0]["filename"], old);
    assert_eq!(files[0]["yanked"], "broken \"build\" <b>");
    assert_eq!(files[0]["upload-time"], "2024-01-02T03:04:05Z");
    assert_eq!(files[0]["requires-python"], ">=3.8");
    assert_eq!(files[1]["yanked"], true);
    assert_eq!(files[1]["requires-python"], "<4,>=3.9");
}

#[test]
fn gzip_pages_when_accepted() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.set_gzip(true);
    let plain = get(&server, "/simple/demo-app/", &[]);
    assert_eq!(plain.header("content-encoding"), None);
    let zipped = get(
        &server,
        "/simple/demo-app/",
        &[("Accept-Encoding", "gzip, br")],
    );
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(zipped.body.as_slice())
        .read_to_end(&mut unzipped)
        .expect("gunzip");
    assert_eq!(unzipped, plain.body);
    let refused = get(
        &server,
        "/simple/demo-app/",
        &[("Accept-Encoding", "gzip;q=0")],
    );
    assert_eq!(refused.header("content-encoding"), None);
}

#[test]
fn server_stops_on_drop() {
    let server = IndexServer::start();
    let address = server.address();
    // An idle keep-alive connection must not keep it alive.
    let mut idle = connect(&server);
    send(&mut idle, "GET", "/simple/", &[]);
    read_reply(&mut BufReader::new(idle.try_clone().expect("clone")), false).expect("reply");
    drop(server);
    assert!(TcpStream::connect(address).is_err());
    let mut rest = Vec::new();
    assert_eq!(idle.read_to_end(&mut rest).unwrap_or(0), 0);
}

#[test]
fn works_from_many_threads_at_once() {
    let server = IndexServer::with_wheels(&[demo()]);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 200));
        }
    });
    assert_eq!(server.request_count(), 8);
}

#[test]
fn page_helpers() {
    assert_eq!(pages::normalize_name("Foo.._Bar-baz"), "foo-bar-baz");
    assert_eq!(
        pages::split_file_name("my-pkg-1.0.tar.gz"),
        ("my-pkg".to_string(), Some("1.0".to_string()))
    );
    assert_eq!(pages::decode_path("/files/a%2Bb%zz"), "/files/a+b%zz");
    assert_eq!(pages::encode_path_segment("a+b c.whl"), "a+b%20c.whl");
    assert_eq!(
        http::parse_range(Some("bytes=0-1,4-5"), 10),
        http::RangeRequest::Whole
    );
    assert_eq!(
        http::parse_range(Some("bytes=-100"), 10),
        http::RangeRequest::Part { first: 0, last: 9 }
    );
}

#[test]
fn files_can_be_removed_at_runtime() {
    let server = IndexServer::with_wheels(&[demo(), WheelBuilder::new("demo-app", "2.0")]);
    assert_eq!(
        server.file_names(),
        [
            "demo_app-1.0.0-py3-none-any.whl",
            "demo_app-2.0-py3-none-any.whl"
        ]
    );
    assert!(server.remove_file("demo_app-1.0.0-py3-none-any.whl"));
    assert!(!server.remove_file("demo_app-1.0.0-py3-none-any.whl"));
    let html = get(&server, "/simple/demo-app/", &[]).text();
    assert!(!html.contains("1.0.0"), "{html}");
    assert_eq!(
        get(&server, "/files/demo_app-1.0.0-py3-none-any.whl", &[]).status,
        404
    );
    assert!(server.remove_file("demo_app-2.0-py3-none-any.whl"));
    assert_eq!(get(&server, "/simple/demo-app/", &[]).status, 404);
}

#[test]
fn the_server_can_be_shared_across_threads_and_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<IndexServer>();
    assert_send_sync::<RecordedRequest>();
}

#[test]
fn omitted_requires_python_leaves_pages_but_not_metadata() {
    let server = IndexServer::with_wheels(&[demo()]);
    let wheel = "demo_app-1.0.0-py3-none-any.whl";
    server.omit_requires_python(wheel);
    let html = get(&server, "/simple/demo-app/", &[]).text();
    assert!(!html.contains("data-requires-python"), "{html}");
    server.set_format(PageFormat::Json);
    let json = get(&server, "/simple/demo-app/", &[]).json();
    assert_eq!(json["files"][0]["requires-python"], serde_json::Value::Null);
    let metadata = get(&server, &format!("/files/{wheel}.metadata"), &[]).text();
    assert!(metadata.contains("Requires-Python: >=3.8\n"), "{metadata}");
}

#[test]
fn sdists_are_listed_and_served() {
    let server = IndexServer::with_wheels(&[demo()]);
    server.add_sdist(&crate::SdistBuilder::new("Demo_App", "2.0"));
    let html = get(&server, "/simple/demo-app/", &[]).text();
    assert!(html.contains(">demo_app-2.0.tar.gz</a>"), "{html}");
    let file = get(&server, "/files/demo_app-2.0.tar.gz", &[]);
    assert_eq!(file.status, 200);
    assert_eq!(&file.body[..2], &[0x1f, 0x8b], "a gzip stream");
    assert_eq!(
        get(&server, "/files/demo_app-2.0.tar.gz.metadata", &[]).status,
        404
    );
}
