//! Core metadata: METADATA text, METADATA inside wheels, and METADATA read
//! from a served wheel with HTTP range requests.

use std::io::{Cursor, Write as _};

use pipit_index::{
    metadata_bytes_from_wheel_bytes, metadata_from_wheel_bytes, metadata_from_wheel_file,
    parse_metadata, wheel_metadata_by_range, wheel_metadata_bytes_by_range, DistMetadata,
    MetadataError, TAIL_SIZE,
};
use pipit_testkit::{IndexServer, WheelBuilder};
use url::Url;

const FULL: &str = "\
Metadata-Version: 2.4
Name: Demo.App
Version: 1.2.0rc1
Summary: A demo application
Home-page: https://example.invalid/demo
Download-URL: https://example.invalid/demo/download
Author: Ada
Author-email: Ada <ada@example.invalid>
Maintainer: Bob
Maintainer-email: bob@example.invalid
License-Expression: MIT OR Apache-2.0
License-File: LICENSE-MIT
License-File: LICENSE-APACHE
Keywords: demo,app
Classifier: Programming Language :: Python :: 3
Classifier: Operating System :: OS Independent
Platform: any
Supported-Platform: linux-x86_64
Project-URL: Source, https://example.invalid/src
Requires-External: libdemo (>=1.0)
Provides-Dist: demo-app-core
Obsoletes-Dist: old-demo
Dynamic: License
Requires-Python: >=3.8, <4
Requires-Dist: demo-util>=1.0
Requires-Dist: demo-tool[fast,Extra.Two] (<3,>=2) ; extra == 'cli' and python_version >= \"3.9\"
Requires-Dist: colorama; sys_platform == \"win32\"
Provides-Extra: cli
Provides-Extra: Extra.Two
Description-Content-Type: text/markdown
X-Unknown-Field: ignored

# Demo

The long description.
";

#[test]
fn parses_every_field() {
    let metadata = parse_metadata(FULL.as_bytes(), "demo/METADATA").unwrap();
    assert_eq!(metadata.metadata_version.as_deref(), Some("2.4"));
    assert_eq!(metadata.name, "Demo.App");
    assert_eq!(metadata.version, "1.2.0rc1".parse().unwrap());
    assert!(metadata.version.is_pre());
    assert_eq!(metadata.summary.as_deref(), Some("A demo application"));
    assert_eq!(
        metadata.home_page.as_deref(),
        Some("https://example.invalid/demo")
    );
    assert_eq!(
        metadata.download_url.as_deref(),
        Some("https://example.invalid/demo/download")
    );
    assert_eq!(metadata.author.as_deref(), Some("Ada"));
    assert_eq!(
        metadata.author_email.as_deref(),
        Some("Ada <ada@example.invalid>")
    );
    assert_eq!(metadata.maintainer.as_deref(), Some("Bob"));
    assert_eq!(
        metadata.maintainer_email.as_deref(),
        Some("bob@example.invalid")
    );
    assert_eq!(
        metadata.license_expression.as_deref(),
        Some("MIT OR Apache-2.0")
    );
    assert_eq!(metadata.license_files, ["LICENSE-MIT", "LICENSE-APACHE"]);
    assert_eq!(metadata.keywords.as_deref(), Some("demo,app"));
    assert_eq!(
        metadata.classifiers,
        [
            "Programming Language :: Python :: 3",
            "Operating System :: OS Independent"
        ]
    );
    assert_eq!(metadata.platforms, ["any"]);
    assert_eq!(metadata.supported_platforms, ["linux-x86_64"]);
    assert_eq!(
        metadata.project_urls,
        ["Source, https://example.invalid/src"]
    );
    assert_eq!(metadata.requires_external, ["libdemo (>=1.0)"]);
    assert_eq!(metadata.provides_dist, ["demo-app-core"]);
    assert_eq!(metadata.obsoletes_dist, ["old-demo"]);
    assert_eq!(metadata.dynamic, ["License"]);
    assert_eq!(
        metadata.requires_python.as_ref().map(ToString::to_string),
        Some(">=3.8, <4".to_string())
    );
    assert_eq!(metadata.provides_extra, ["cli", "extra-two"]);
    assert_eq!(
        metadata.description_content_type.as_deref(),
        Some("text/markdown")
    );
    assert_eq!(
        metadata.description.as_deref(),
        Some("# Demo\n\nThe long description.\n")
    );
}

#[test]
fn requires_dist_keeps_markers_and_extras() {
    let metadata = parse_metadata(FULL.as_bytes(), "demo/METADATA").unwrap();
    let requirements: Vec<String> = metadata
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        requirements,
        [
            "demo-util>=1.0",
            "demo-tool[fast,extra-two]>=2,<3 ; python_full_version >= '3.9' and extra == 'cli'",
            "colorama ; sys_platform == 'win32'",
        ]
    );
    let tool = &metadata.requires_dist[1];
    assert_eq!(tool.name.as_ref(), "demo-tool");
    let extras: Vec<&str> = tool.extras.iter().map(AsRef::as_ref).collect();
    assert_eq!(extras, ["fast", "extra-two"]);
    assert_eq!(
        tool.marker.try_to_string().as_deref(),
        Some("python_full_version >= '3.9' and extra == 'cli'")
    );
}

#[test]
fn continuation_lines_fold_into_their_header() {
    let text = "Metadata-Version: 2.1\n\
Name: demo\n\
Version: 1.0\n\
Summary: a summary that\n   goes on\n\tand on\n\
Requires-Dist: demo-util\n  >=1.0\n\
Description: First line\n        second line\n       |third line\n\
Keywords: a\n";
    let metadata = parse_metadata(text.as_bytes(), "METADATA").unwrap();
    assert_eq!(
        metadata.summary.as_deref(),
        Some("a summary that goes on and on")
    );
    assert_eq!(metadata.requires_dist[0].to_string(), "demo-util>=1.0");
    // No body: the legacy Description header is the description, unindented.
    assert_eq!(
        metadata.description.as_deref(),
        Some("First line\nsecond line\nthird line")
    );
    assert_eq!(metadata.keywords.as_deref(), Some("a"));
}

#[test]
fn metadata_version_1_0_minimal() {
    let text = "Metadata-Version: 1.0\r\nName: tiny\r\nVersion: 0.1\r\n";
    let metadata = parse_metadata(text.as_bytes(), "tiny/PKG-INFO").unwrap();
    assert_eq!(metadata.metadata_version.as_deref(), Some("1.0"));
    assert_eq!(metadata.name, "tiny");
    assert_eq!(metadata.version.to_string(), "0.1");
    assert!(metadata.requires_dist.is_empty());
    assert!(metadata.requires_python.is_none());
    assert!(metadata.provides_extra.is_empty());
    assert!(metadata.summary.is_none());
    assert!(metadata.description.is_none());
}

#[test]
fn invalid_requires_dist_names_the_source_and_line() {
    let text = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: ok>=1\nRequires-Dist: broken >=< 2\n";
    let error =
        parse_metadata(text.as_bytes(), "https://files.invalid/demo.whl.metadata").unwrap_err();
    assert!(
        matches!(
            &error,
            MetadataError::Invalid { line: 5, field, value, .. }
                if field == "Requires-Dist" && value == "broken >=< 2"
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(
            "invalid `Requires-Dist` in core metadata `https://files.invalid/demo.whl.metadata` line 5: `broken >=< 2`: "
        ),
        "{message}"
    );
}

#[test]
fn invalid_version_and_requires_python_and_missing_fields_are_errors() {
    let error = parse_metadata(b"Name: demo\nVersion: one.two\n", "m").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid `Version` in core metadata `m` line 2: `one.two`"),
        "{error}"
    );
    let error = parse_metadata(b"Name: demo\nVersion: 1\nRequires-Python: >>3\n", "m").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid `Requires-Python` in core metadata `m` line 3"),
        "{error}"
    );
    let error = parse_metadata(b"Metadata-Version: 2.1\nName: demo\n", "m").unwrap_err();
    assert_eq!(
        error.to_string(),
        "core metadata `m` has no `Version` field"
    );
    // A byte that is not UTF-8 in the description costs nothing.
    let metadata = parse_metadata(b"Name: demo\nVersion: 1\n\ncaf\xe9\n", "m").unwrap();
    assert_eq!(metadata.description.as_deref(), Some("caf\u{fffd}\n"));
}

#[test]
fn checks_name_and_version_against_the_wheel_file_name() {
    let metadata = parse_metadata(b"Name: Demo.App\nVersion: 1.0\n", "m").unwrap();
    metadata
        .check_wheel_filename("demo_app-1.0.0-py3-none-any.whl")
        .unwrap();
    let error = metadata
        .check_wheel_filename("other_app-1.0-py3-none-any.whl")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "wheel `other_app-1.0-py3-none-any.whl` has `Name: Demo.App` in its metadata but `other_app` in its file name"
    );
    let error = metadata
        .check_wheel_filename("demo_app-1.1-py3-none-any.whl")
        .unwrap_err();
    assert!(
        matches!(&error, MetadataError::Mismatch { field, .. } if field == "Version"),
        "{error:?}"
    );
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, contents) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(contents.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn reads_metadata_from_wheels_with_escaped_names() {
    let builder = WheelBuilder::new("Demo.Odd_Name", "2.0.post1")
        .requires("demo-util>=1.0")
        .extra_requires("cli", "demo-tool")
        .requires_python(">=3.9");
    let (filename, bytes) = builder.build_bytes().unwrap();
    assert_eq!(filename, "demo_odd_name-2.0.post1-py3-none-any.whl");

    let metadata = metadata_from_wheel_bytes(&filename, &bytes).unwrap();
    assert_eq!(metadata.name, "Demo.Odd_Name");
    assert_eq!(metadata.version.to_string(), "2.0.post1");
    assert_eq!(metadata.provides_extra, ["cli"]);
    assert_eq!(metadata.requires_dist.len(), 2);
    assert_eq!(
        metadata
            .requires_python
            .map(|specifiers| specifiers.to_string()),
        Some(">=3.9".to_string())
    );

    let folder = tempfile::tempdir().unwrap();
    let path = builder.build(folder.path()).unwrap();
    let from_file = metadata_from_wheel_file(&path).unwrap();
    assert_eq!(from_file.name, "Demo.Odd_Name");

    // Bytes before the archive (a self-extracting stub): the range reader
    // refuses the shifted offsets, the zip crate reads it, as before.
    let mut prefixed = b"#!/bin/sh\nexit 0\n".to_vec();
    prefixed.extend_from_slice(&fs_err::read(&path).unwrap());
    fs_err::write(&path, &prefixed).unwrap();
    let from_prefixed = metadata_from_wheel_file(&path).unwrap();
    assert_eq!(from_prefixed.name, "Demo.Odd_Name");

    // The same bytes under a name that is not this wheel's: no dist-info matches.
    let error = metadata_from_wheel_bytes("other-2.0.post1-py3-none-any.whl", &bytes).unwrap_err();
    assert!(
        matches!(&error, MetadataError::NoDistInfo { found, .. }
            if found == &["demo_odd_name-2.0.post1.dist-info".to_string()]),
        "{error:?}"
    );
}

#[test]
fn dist_info_lookup_ignores_case_and_escaping() {
    let bytes = zip_of(&[
        ("demo/__init__.py", ""),
        (
            "Demo.Odd-Name-2.0.DIST-INFO/METADATA",
            "Name: demo.odd-name\nVersion: 2.0\n",
        ),
    ]);
    let metadata = metadata_from_wheel_bytes("demo_odd_name-2.0-py3-none-any.whl", &bytes).unwrap();
    assert_eq!(metadata.name, "demo.odd-name");
}

#[test]
fn missing_ambiguous_and_mismatched_dist_info_are_errors() {
    let missing = zip_of(&[("demo/__init__.py", "")]);
    let error = metadata_from_wheel_bytes("demo-1.0-py3-none-any.whl", &missing).unwrap_err();
    assert_eq!(
        error.to_string(),
        "wheel `demo-1.0-py3-none-any.whl` has no `demo-1.0.dist-info/METADATA` (dist-info METADATA found: [])"
    );

    let (filename, bytes) = WheelBuilder::new("demo-app", "1.0")
        .raw_entry(
            "Demo_App-1.0.dist-info/METADATA",
            "Name: demo-app\nVersion: 1.0\n",
        )
        .build_bytes()
        .unwrap();
    let error = metadata_from_wheel_bytes(&filename, &bytes).unwrap_err();
    assert!(
        matches!(&error, MetadataError::AmbiguousDistInfo { candidates, .. } if candidates.len() == 2),
        "{error:?}"
    );

    let lying = zip_of(&[("demo-1.0.dist-info/METADATA", "Name: other\nVersion: 1.0\n")]);
    let error = metadata_from_wheel_bytes("demo-1.0-py3-none-any.whl", &lying).unwrap_err();
    assert!(
        matches!(&error, MetadataError::Mismatch { field, in_metadata, .. }
            if field == "Name" && in_metadata == "other"),
        "{error:?}"
    );

    let error = metadata_from_wheel_bytes("demo-1.0.tar.gz", &lying).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`demo-1.0.tar.gz` is not a wheel file name"
    );
    let error = metadata_from_wheel_bytes("demo-1.0-py3-none-any.whl", b"not a zip").unwrap_err();
    assert!(matches!(error, MetadataError::Zip { .. }), "{error:?}");
}

/// Bytes that deflate cannot shrink much: hex digits of a simple generator.
fn noise(length: usize, seed: u64) -> String {
    let mut state = seed;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from_digit((state % 16) as u32, 16).unwrap_or('0')
        })
        .collect()
}

/// The requests the server saw for `/files/…`, as their `Range` headers.
fn file_ranges(server: &IndexServer) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/files/"))
        .map(|request| request.header("range").map(str::to_string))
        .collect()
}

fn served(server: &IndexServer, builder: &WheelBuilder) -> (String, Vec<u8>, Url) {
    let (filename, bytes) = builder.build_bytes().unwrap();
    server.add_wheel(builder);
    let url = Url::parse(&server.file_url(&filename)).unwrap();
    (filename, bytes, url)
}

/// The last byte a `bytes=a-b` range asks for, and how many.
fn range_length(range: &str) -> u64 {
    let (first, last) = range
        .strip_prefix("bytes=")
        .and_then(|range| range.split_once('-'))
        .unwrap();
    last.parse::<u64>().unwrap() - first.parse::<u64>().unwrap() + 1
}

#[tokio::test]
async fn range_reads_the_tail_then_the_metadata_entry() {
    // METADATA is compressed to more than the tail, so it needs its own request.
    let builder = WheelBuilder::new("demo-app", "1.0")
        .file("demo_app/blob.bin", noise(300_000, 1))
        .metadata_field("X-Padding", noise(220_000, 2));
    let server = IndexServer::start();
    let (filename, bytes, url) = served(&server, &builder);
    let client = reqwest::Client::new();

    let metadata = wheel_metadata_bytes_by_range(&client, &url, &filename)
        .await
        .unwrap()
        .expect("the server supports ranges");
    assert_eq!(
        metadata,
        metadata_bytes_from_wheel_bytes(&filename, &bytes).unwrap()
    );

    let ranges = file_ranges(&server);
    assert_eq!(ranges.len(), 2, "{ranges:?}");
    assert_eq!(
        ranges[0].as_deref(),
        Some(format!("bytes=-{TAIL_SIZE}").as_str())
    );
    let second = ranges[1].as_deref().unwrap();
    assert!(
        range_length(second) < bytes.len() as u64 - TAIL_SIZE,
        "{second}"
    );

    let parsed = wheel_metadata_by_range(&client, &url, &filename)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(parsed.name, "demo-app");
    assert_eq!(file_ranges(&server).len(), 4);
}

#[tokio::test]
async fn range_reads_a_large_central_directory_in_a_third_request() {
    let mut builder = WheelBuilder::new("Demo.Odd_Name", "3.0");
    for index in 0..1500 {
        builder = builder.file(
            format!("demo_odd_name/a_module_with_a_rather_long_name_{index:04}.py"),
            format!("value = {index}\n"),
        );
    }
    let server = IndexServer::start();
    let (filename, bytes, url) = served(&server, &builder);
    assert!(bytes.len() as u64 > 2 * TAIL_SIZE);
    let client = reqwest::Client::new();

    let metadata: DistMetadata = wheel_metadata_by_range(&client, &url, &filename)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(metadata.name, "Demo.Odd_Name");
    assert_eq!(metadata.version.to_string(), "3.0");

    let ranges = file_ranges(&server);
    assert_eq!(ranges.len(), 3, "{ranges:?}");
    let fetched: u64 = TAIL_SIZE
        + ranges[1..]
            .iter()
            .map(|range| range_length(range.as_deref().unwrap()))
            .sum::<u64>();
    assert!(fetched < bytes.len() as u64, "{fetched} of {}", bytes.len());
}

#[tokio::test]
async fn range_read_of_a_small_wheel_is_one_request() {
    let builder = WheelBuilder::new("demo-small", "0.1").requires("demo-util");
    let server = IndexServer::start();
    let (filename, bytes, url) = served(&server, &builder);
    assert!((bytes.len() as u64) < TAIL_SIZE);
    let client = reqwest::Client::new();
    let metadata = wheel_metadata_by_range(&client, &url, &filename)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(metadata.requires_dist[0].name.as_ref(), "demo-util");
    assert_eq!(file_ranges(&server).len(), 1);
}

#[tokio::test]
async fn without_range_support_the_caller_is_told_to_download() {
    let builder = WheelBuilder::new("demo-app", "1.0").file("demo_app/blob.bin", noise(200_000, 3));
    let server = IndexServer::start();
    server.set_range_requests(false);
    let (filename, _, url) = served(&server, &builder);
    let client = reqwest::Client::new();
    let result = wheel_metadata_by_range(&client, &url, &filename)
        .await
        .unwrap();
    assert!(result.is_none());
    assert_eq!(file_ranges(&server).len(), 1);

    // A range the server cannot satisfy (an empty file has no last bytes)
    // also leaves the download to the caller.
    server.set_range_requests(true);
    server.add_file("demo_empty-1.0-py3-none-any.whl", Vec::new());
    let url = Url::parse(&server.file_url("demo_empty-1.0-py3-none-any.whl")).unwrap();
    let result = wheel_metadata_by_range(&client, &url, "demo_empty-1.0-py3-none-any.whl")
        .await
        .unwrap();
    assert!(result.is_none());
}

#[tokio::test]
async fn range_read_of_a_missing_file_is_a_status_error() {
    let server = IndexServer::start();
    let url = Url::parse(&server.file_url("demo-1.0-py3-none-any.whl")).unwrap();
    let client = reqwest::Client::new();
    let error = wheel_metadata_by_range(&client, &url, "demo-1.0-py3-none-any.whl")
        .await
        .unwrap_err();
    assert!(
        matches!(error, MetadataError::Status { status: 404, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn range_read_handles_zip64_end_records_and_a_comment() {
    // Hand-made with the zip crate: METADATA first, a large entry after it,
    // an archive comment, and the ZIP64 end records (which the zip crate
    // writes when the archive has a ZIP64 comment).
    let metadata =
        "Metadata-Version: 2.1\nName: demo-z64\nVersion: 1.0\nRequires-Dist: demo-util\n";
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer
        .start_file("demo_z64-1.0.dist-info/METADATA", options)
        .unwrap();
    writer.write_all(metadata.as_bytes()).unwrap();
    writer
        .start_file(
            "demo_z64/blob.bin",
            options.compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
    writer.write_all(noise(300_000, 4).as_bytes()).unwrap();
    writer.set_comment("built by hand, with a comment");
    writer.set_zip64_comment(Some("and a zip64 comment"));
    let bytes = writer.finish().unwrap().into_inner();
    let filename = "demo_z64-1.0-py3-none-any.whl";

    let server = IndexServer::start();
    server.add_file(filename, bytes.clone());
    let url = Url::parse(&server.file_url(filename)).unwrap();
    let client = reqwest::Client::new();
    let fetched = wheel_metadata_bytes_by_range(&client, &url, filename)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched, metadata.as_bytes());
    let ranges = file_ranges(&server);
    assert_eq!(ranges.len(), 2, "{ranges:?}");
    // METADATA is the first entry: the second request starts at byte 0 and
    // stops where the large entry starts.
    let second = ranges[1].as_deref().unwrap();
    assert!(second.starts_with("bytes=0-"), "{second}");
    assert!(range_length(second) < 1000, "{second}");
}
