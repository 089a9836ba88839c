//! Routing: what the index answers to a request, given its state.

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine as _;

use super::http::{self, RangeRequest, Request, Response};
use super::pages::{self, Listing};
use super::{sha256_hex, PageFormat, Shared, State};

/// The normal answer to `request` (`wrong_hash`: the WrongHash fault).
pub(super) fn respond(shared: &Shared, request: &Request, wrong_hash: bool) -> Response {
    let state = shared.state();
    if let Some((username, password)) = &state.credentials {
        if !authorized(request.header("authorization"), username, password) {
            return Response::text(401, "authentication required")
                .header("WWW-Authenticate", "Basic realm=\"pipit-testkit\"");
        }
    }
    if request.method != "GET" && request.method != "HEAD" {
        return Response::text(405, "method not allowed").header("Allow", "GET, HEAD");
    }
    let path = pages::decode_path(request.path());
    if path == "/simple" {
        return Response::redirect("/simple/");
    }
    if path == "/simple/" {
        return page(&state, request, PageKind::Root);
    }
    if let Some(rest) = path.strip_prefix("/simple/") {
        let (name, trailing_slash) = match rest.strip_suffix('/') {
            Some(name) => (name, true),
            None => (rest, false),
        };
        if name.is_empty() || name.contains('/') {
            return Response::text(404, "not found");
        }
        let project = pages::normalize_name(name);
        if !state.files.values().any(|file| file.project == project) {
            return Response::text(404, &format!("no project `{project}`"));
        }
        if project != name || !trailing_slash {
            return Response::redirect(&format!("/simple/{project}/"));
        }
        return page(
            &state,
            request,
            PageKind::Project {
                project,
                wrong_hash,
            },
        );
    }
    if let Some(file_name) = path.strip_prefix("/files/") {
        return file(&state, request, file_name, wrong_hash);
    }
    if let Some(name) = path
        .strip_prefix("/pypi/")
        .and_then(|rest| rest.strip_suffix("/json"))
    {
        return json_api(&state, name, wrong_hash);
    }
    Response::text(404, "not found")
}

/// The per-project JSON API: `{"info": {…}, "releases": {version: [file…]}}`.
fn json_api(state: &State, name: &str, wrong_hash: bool) -> Response {
    let project = pages::normalize_name(name);
    if !state.json_api || !state.files.values().any(|file| file.project == project) {
        return Response::text(404, "not found");
    }
    let (versions, listings) = listings(state, &project, wrong_hash);
    let mut releases = serde_json::Map::new();
    for version in &versions {
        releases.insert(version.clone(), serde_json::Value::Array(Vec::new()));
    }
    for listing in &listings {
        let Some(version) = state
            .files
            .get(&listing.file_name)
            .and_then(|file| file.version.clone())
        else {
            continue;
        };
        let entry = serde_json::json!({
            "filename": listing.file_name,
            "url": listing.url,
            "digests": {"sha256": listing.sha256},
            "requires_python": listing.requires_python,
            "size": listing.size,
            "upload_time_iso_8601": listing.upload_time,
            "yanked": listing.yanked.is_some(),
            "yanked_reason": listing.yanked.clone().flatten(),
        });
        if let Some(serde_json::Value::Array(files)) = releases.get_mut(&version) {
            files.push(entry);
        }
    }
    let body = serde_json::json!({
        "info": {"name": project},
        "releases": releases,
    });
    Response::new(200, "application/json", body.to_string())
}

fn authorized(header: Option<&str>, username: &str, password: &str) -> bool {
    let Some(encoded) = header.and_then(|header| {
        let (scheme, value) = header.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("basic").then_some(value.trim())
    }) else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return false;
    };
    decoded == format!("{username}:{password}").as_bytes()
}

enum PageKind {
    Root,
    Project { project: String, wrong_hash: bool },
}

fn page(state: &State, request: &Request, kind: PageKind) -> Response {
    let accept = request.header("accept");
    let content_type = match state.format {
        PageFormat::Json => pages::JSON_V1,
        PageFormat::Html => pages::negotiate(accept, &[pages::TEXT_HTML, pages::HTML_V1])
            .unwrap_or(pages::TEXT_HTML),
        PageFormat::Negotiate => {
            match pages::negotiate(accept, &[pages::TEXT_HTML, pages::HTML_V1, pages::JSON_V1]) {
                Some(content_type) => content_type,
                None => {
                    return Response::text(406, "not acceptable: ask for a PEP 691 content type")
                }
            }
        }
    };
    let json = content_type == pages::JSON_V1;
    let body = match kind {
        PageKind::Root => {
            let projects: Vec<String> = state
                .files
                .values()
                .map(|file| file.project.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if json {
                pages::root_json(&projects)
            } else {
                pages::root_html(&projects)
            }
        }
        PageKind::Project {
            project,
            wrong_hash,
        } => {
            let (versions, listings) = listings(state, &project, wrong_hash);
            if json {
                pages::project_json(&project, &versions, &listings)
            } else {
                pages::project_html(&project, &listings)
            }
        }
    };
    let header_value = if content_type == pages::TEXT_HTML {
        "text/html; charset=utf-8"
    } else {
        content_type
    };
    let mut body = body.into_bytes();
    let mut response_headers = vec![("Content-Type".to_string(), header_value.to_string())];
    let mut vary = vec!["Accept"];
    if state.gzip {
        vary.push("Accept-Encoding");
        if pages::accepts_gzip(request.header("accept-encoding")) {
            body = gzip(&body);
            response_headers.push(("Content-Encoding".to_string(), "gzip".to_string()));
        }
    }
    response_headers.push(("Vary".to_string(), vary.join(", ")));
    if let Some(cache_control) = &state.cache_control {
        response_headers.push(("Cache-Control".to_string(), cache_control.clone()));
    }
    if state.etags {
        let etag = format!("\"{}\"", sha256_hex(&body));
        response_headers.push(("ETag".to_string(), etag.clone()));
        if if_none_match(request.header("if-none-match"), &etag) {
            return Response {
                status: 304,
                headers: response_headers
                    .into_iter()
                    .filter(|(name, _)| name != "Content-Type" && name != "Content-Encoding")
                    .collect(),
                body: Vec::new(),
            };
        }
    }
    Response {
        status: 200,
        headers: response_headers,
        body,
    }
}

/// RFC 9110 `If-None-Match`: `*` or a list of (weakly compared) tags.
fn if_none_match(header: Option<&str>, etag: &str) -> bool {
    let Some(header) = header else {
        return false;
    };
    header.split(',').any(|tag| {
        let tag = tag.trim();
        tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
    })
}

fn listings(state: &State, project: &str, wrong_hash: bool) -> (Vec<String>, Vec<Listing>) {
    let mut versions = BTreeSet::new();
    let mut listings = Vec::new();
    for (file_name, file) in &state.files {
        if file.project != project {
            continue;
        }
        if let Some(version) = &file.version {
            versions.insert(version.clone());
        }
        let lie = |sha256: &str| {
            if wrong_hash {
                sha256_hex(format!("not {sha256}").as_bytes())
            } else {
                sha256.to_string()
            }
        };
        let metadata_sha256 = if state.metadata_files {
            file.metadata_sha256.as_deref().map(lie)
        } else {
            None
        };
        listings.push(Listing {
            file_name: file_name.clone(),
            url: format!(
                "http://{}/files/{}",
                state.address,
                pages::encode_path_segment(file_name)
            ),
            sha256: lie(&file.sha256),
            size: file.bytes.len(),
            requires_python: if state.requires_python_omitted.contains(file_name) {
                None
            } else {
                state
                    .requires_python
                    .get(file_name)
                    .cloned()
                    .or_else(|| file.requires_python.clone())
            },
            yanked: state.yanked.get(file_name).cloned(),
            metadata_sha256,
            upload_time: state.upload_time.get(file_name).cloned(),
        });
    }
    (versions.into_iter().collect(), listings)
}

fn file(state: &State, request: &Request, file_name: &str, wrong_hash: bool) -> Response {
    let bytes = if let Some(file) = state.files.get(file_name) {
        Arc::clone(&file.bytes)
    } else if let Some(metadata) = file_name
        .strip_suffix(".metadata")
        .and_then(|wheel| state.files.get(wheel))
        .filter(|_| state.metadata_files)
        .and_then(|file| file.metadata.clone())
    {
        metadata
    } else {
        return Response::text(404, &format!("no file `{file_name}`"));
    };
    let mut body = bytes.as_ref().clone();
    if wrong_hash {
        if let Some(last) = body.last_mut() {
            *last ^= 0xff;
        } else {
            body.push(0);
        }
    }
    let mut response = Response::new(200, "application/octet-stream", Vec::new());
    if state.range_requests {
        response = response.header("Accept-Ranges", "bytes");
        match http::parse_range(request.header("range"), body.len()) {
            RangeRequest::Whole => {}
            RangeRequest::Part { first, last } => {
                response.status = 206;
                response = response.header(
                    "Content-Range",
                    format!("bytes {first}-{last}/{}", body.len()),
                );
                response.body = body[first..=last].to_vec();
                return response;
            }
            RangeRequest::Unsatisfiable => {
                let length = body.len();
                return Response::text(416, "range not satisfiable")
                    .header("Content-Range", format!("bytes */{length}"));
            }
        }
    }
    response.body = body;
    response
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
