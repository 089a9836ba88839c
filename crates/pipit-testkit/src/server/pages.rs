//! Simple API pages: PEP 503 HTML and PEP 691 JSON (with PEP 592 yanked,
//! PEP 658/714 metadata files and PEP 700 sizes, versions and upload times),
//! content negotiation by `Accept`, and PEP 503 name normalisation.

use std::fmt::Write as _;

/// `application/vnd.pypi.simple.v1+json` (PEP 691).
pub(crate) const JSON_V1: &str = "application/vnd.pypi.simple.v1+json";
/// `application/vnd.pypi.simple.v1+html` (PEP 691).
pub(crate) const HTML_V1: &str = "application/vnd.pypi.simple.v1+html";
/// Plain HTML, what a PEP 503 client gets.
pub(crate) const TEXT_HTML: &str = "text/html";

/// The API version the pages declare: 1.1 is PEP 700 (sizes, versions,
/// upload times).
const API_VERSION: &str = "1.1";

/// PEP 503: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                normalized.push('-');
            }
            in_separator_run = true;
        } else {
            normalized.extend(character.to_lowercase());
            in_separator_run = false;
        }
    }
    normalized
}

/// The (unnormalised) project name and version a distribution file name
/// carries: the first two `-` fields of a wheel, `name-version.ext` for an
/// sdist and anything else.
pub(crate) fn split_file_name(file_name: &str) -> (String, Option<String>) {
    if let Some(stem) = file_name.strip_suffix(".whl") {
        let mut fields = stem.split('-');
        let name = fields.next().unwrap_or_default().to_string();
        return (name, fields.next().map(str::to_string));
    }
    let stem = [
        ".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar", ".egg",
    ]
    .iter()
    .find_map(|extension| file_name.strip_suffix(extension))
    .unwrap_or(file_name);
    match stem.rsplit_once('-') {
        Some((name, version)) => (name.to_string(), Some(version.to_string())),
        None => (stem.to_string(), None),
    }
}

/// Escapes text for an HTML attribute value or element content.
pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Percent-encodes a file name for a URL path segment.
pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+' | b'!') {
            encoded.push(byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// Decodes `%XX` escapes in a request path (invalid escapes stay as they are).
pub(crate) fn decode_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok();
            if let Some(value) = hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                decoded.push(value);
                index += 3;
                continue;
            }
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// How a file is listed on a project page.
#[derive(Debug, Clone)]
pub(crate) struct Listing {
    pub(crate) file_name: String,
    /// Absolute URL of the file (JSON); HTML uses a relative `../../files/` link.
    pub(crate) url: String,
    pub(crate) sha256: String,
    pub(crate) size: usize,
    pub(crate) requires_python: Option<String>,
    /// `None`: not yanked; `Some(None)`: yanked without a reason.
    pub(crate) yanked: Option<Option<String>>,
    /// sha256 of the metadata file, when one is served.
    pub(crate) metadata_sha256: Option<String>,
    pub(crate) upload_time: Option<String>,
}

/// PEP 503 root: one link per project.
pub(crate) fn root_html(projects: &[String]) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html>\n  <head>\n    \
         <meta name=\"pypi:repository-version\" content=\"1.1\">\n    \
         <title>Simple index</title>\n  </head>\n  <body>\n",
    );
    for project in projects {
        let project = escape_html(project);
        let _ = writeln!(page, "    <a href=\"{project}/\">{project}</a><br />");
    }
    page.push_str("  </body>\n</html>\n");
    page
}

/// PEP 691 root.
pub(crate) fn root_json(projects: &[String]) -> String {
    let projects: Vec<_> = projects
        .iter()
        .map(|name| serde_json::json!({ "name": name }))
        .collect();
    serde_json::json!({
        "meta": { "api-version": API_VERSION },
        "projects": projects,
    })
    .to_string()
}

/// PEP 503 project page with PEP 592/658/714 attributes.
pub(crate) fn project_html(project: &str, listings: &[Listing]) -> String {
    let project = escape_html(project);
    let mut page = format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    \
         <meta name=\"pypi:repository-version\" content=\"{API_VERSION}\">\n    \
         <title>Links for {project}</title>\n  </head>\n  <body>\n    \
         <h1>Links for {project}</h1>\n"
    );
    for listing in listings {
        let mut attributes = format!(
            "href=\"{}\"",
            escape_html(&format!(
                "../../files/{}#sha256={}",
                encode_path_segment(&listing.file_name),
                listing.sha256
            ))
        );
        if let Some(requires_python) = &listing.requires_python {
            let _ = write!(
                attributes,
                " data-requires-python=\"{}\"",
                escape_html(requires_python)
            );
        }
        if let Some(reason) = &listing.yanked {
            let _ = write!(
                attributes,
                " data-yanked=\"{}\"",
                escape_html(reason.as_deref().unwrap_or(""))
            );
        }
        if let Some(sha256) = &listing.metadata_sha256 {
            let _ = write!(
                attributes,
                " data-core-metadata=\"sha256={sha256}\" data-dist-info-metadata=\"sha256={sha256}\""
            );
        }
        if let Some(upload_time) = &listing.upload_time {
            // Not part of PEP 503 (upload times are JSON-only, PEP 700); here
            // so that HTML tests can see what was set.
            let _ = write!(
                attributes,
                " data-upload-time=\"{}\"",
                escape_html(upload_time)
            );
        }
        let _ = writeln!(
            page,
            "    <a {attributes}>{}</a><br />",
            escape_html(&listing.file_name)
        );
    }
    page.push_str("  </body>\n</html>\n");
    page
}

/// PEP 691 project page with PEP 700 fields.
pub(crate) fn project_json(project: &str, versions: &[String], listings: &[Listing]) -> String {
    let files: Vec<_> = listings
        .iter()
        .map(|listing| {
            let yanked = match &listing.yanked {
                None => serde_json::Value::Bool(false),
                Some(None) => serde_json::Value::Bool(true),
                Some(Some(reason)) => serde_json::Value::String(reason.clone()),
            };
            let metadata = match &listing.metadata_sha256 {
                Some(sha256) => serde_json::json!({ "sha256": sha256 }),
                None => serde_json::Value::Bool(false),
            };
            let mut file = serde_json::json!({
                "filename": listing.file_name,
                "url": listing.url,
                "hashes": { "sha256": listing.sha256 },
                "requires-python": listing.requires_python,
                "yanked": yanked,
                "core-metadata": metadata,
                "dist-info-metadata": metadata,
                "size": listing.size,
            });
            if let Some(upload_time) = &listing.upload_time {
                file["upload-time"] = serde_json::Value::String(upload_time.clone());
            }
            file
        })
        .collect();
    serde_json::json!({
        "meta": { "api-version": API_VERSION },
        "name": project,
        "versions": versions,
        "files": files,
    })
    .to_string()
}

/// One media range of an `Accept` header.
struct MediaRange {
    media_type: String,
    quality: f32,
    position: usize,
}

fn parse_accept(accept: &str) -> Vec<MediaRange> {
    accept
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let media_type = parts.next()?.trim().to_ascii_lowercase();
            if media_type.is_empty() {
                return None;
            }
            let mut quality = 1.0;
            for parameter in parts {
                if let Some((key, value)) = parameter.split_once('=') {
                    if key.trim().eq_ignore_ascii_case("q") {
                        quality = value.trim().parse().unwrap_or(0.0);
                    }
                }
            }
            Some(MediaRange {
                media_type,
                quality,
                position,
            })
        })
        .collect()
}

/// How specifically `range` names `candidate`: 2 exact (the PEP 691
/// `latest` alias counts as exact), 1 `type/*`, 0 `*/*`, `None` no match.
fn specificity(range: &str, candidate: &str) -> Option<u8> {
    let alias = candidate.replace(".v1+", ".latest+");
    if range == candidate || range == alias {
        return Some(2);
    }
    if range == "*/*" {
        return Some(0);
    }
    let (range_type, range_subtype) = range.split_once('/')?;
    let (candidate_type, _) = candidate.split_once('/')?;
    (range_subtype == "*" && range_type == candidate_type).then_some(1)
}

/// Picks the content type among `candidates` (in the server's order of
/// preference) for an `Accept` header: the highest q-value of the most
/// specific matching range wins; ties go to the more specific match, then to
/// the range listed first, then to the server's order. `None` when nothing
/// is acceptable (406). A missing or empty header accepts the first candidate.
pub(crate) fn negotiate(accept: Option<&str>, candidates: &[&'static str]) -> Option<&'static str> {
    let ranges = match accept {
        Some(accept) if !accept.trim().is_empty() => parse_accept(accept),
        _ => return candidates.first().copied(),
    };
    let mut best: Option<(f32, u8, usize, usize, &'static str)> = None;
    for (order, candidate) in candidates.iter().enumerate() {
        let mut matched: Option<(u8, f32, usize)> = None;
        for range in &ranges {
            if let Some(level) = specificity(&range.media_type, candidate) {
                let better = match matched {
                    None => true,
                    Some((best_level, best_quality, _)) => {
                        level > best_level || (level == best_level && range.quality > best_quality)
                    }
                };
                if better {
                    matched = Some((level, range.quality, range.position));
                }
            }
        }
        let Some((level, quality, position)) = matched else {
            continue;
        };
        if quality <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_quality, best_level, best_position, best_order, _)) => {
                (
                    quality,
                    level,
                    std::cmp::Reverse(position),
                    std::cmp::Reverse(order),
                ) > (
                    best_quality,
                    best_level,
                    std::cmp::Reverse(best_position),
                    std::cmp::Reverse(best_order),
                )
            }
        };
        if better {
            best = Some((quality, level, position, order, candidate));
        }
    }
    best.map(|(_, _, _, _, candidate)| candidate)
}

/// Whether `Accept-Encoding` allows gzip (RFC 9110: `gzip` or `*` with q > 0,
/// unless `gzip;q=0` is explicit).
pub(crate) fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(accept_encoding) = accept_encoding else {
        return false;
    };
    let mut gzip = None;
    let mut any = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut quality: f32 = 1.0;
        for parameter in parts {
            if let Some((key, value)) = parameter.split_once('=') {
                if key.trim().eq_ignore_ascii_case("q") {
                    quality = value.trim().parse().unwrap_or(0.0);
                }
            }
        }
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(quality),
            "*" => any = Some(quality),
            _ => {}
        }
    }
    gzip.or(any).is_some_and(|quality| quality > 0.0)
}
