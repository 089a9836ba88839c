use url::Url;

use super::*;

fn page_url() -> Url {
    Url::parse("https://index.example/simple/foo-bar/").unwrap()
}

fn hashes(pairs: &[(&str, &str)]) -> Hashes {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const HTML_PAGE: &str = r#"<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for foo-bar</title>
  </head>
  <body>
    <h1>Links for foo-bar</h1>
    <a href="../../files/foo_bar-1.0.tar.gz#sha256=ABCDEF0123" data-requires-python="&gt;=3.8">foo_bar-1.0.tar.gz</a><br/>
    <a href="https://files.index.example/f/foo_bar-1.0-py3-none-any.whl#sha256=aa11&amp;egg=x" data-yanked="" data-core-metadata="sha256=bb22">w</a>
    <a href="foo_bar-0.9-py3-none-any.whl" data-yanked="broken &#39;setup&#39; &amp; more" data-dist-info-metadata="true">old</a>
    <a href="foo_bar-0.8-py3-none-any.whl" data-core-metadata="sha256=cc33" data-dist-info-metadata="sha256=dd44" data-requires-python="">older</a>
    <a href="../">parent</a>
    <a href="foo_bar-1.0.tar.gz.asc">signature</a>
    <a name="anchor-without-href">nothing</a>
  </body>
</html>
"#;

#[test]
fn html_page_all_attributes() {
    let page = parse_html(HTML_PAGE, &page_url()).unwrap();
    assert_eq!(page.meta_api_version.as_deref(), Some("1.1"));
    assert_eq!(page.name, None);
    assert!(page.versions.is_empty());
    let names: Vec<&str> = page.files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(
        names,
        [
            "foo_bar-1.0.tar.gz",
            "foo_bar-1.0-py3-none-any.whl",
            "foo_bar-0.9-py3-none-any.whl",
            "foo_bar-0.8-py3-none-any.whl",
        ]
    );

    let sdist = &page.files[0];
    assert_eq!(
        sdist.url.as_str(),
        "https://index.example/files/foo_bar-1.0.tar.gz"
    );
    assert_eq!(sdist.hashes, hashes(&[("sha256", "abcdef0123")]));
    assert_eq!(sdist.requires_python.as_deref(), Some(">=3.8"));
    assert_eq!(sdist.yanked, Yanked::NotYanked);
    assert_eq!(sdist.core_metadata, CoreMetadata::Absent);
    assert_eq!(sdist.size, None);
    assert_eq!(sdist.upload_time, None);

    let wheel = &page.files[1];
    assert_eq!(
        wheel.url.as_str(),
        "https://files.index.example/f/foo_bar-1.0-py3-none-any.whl"
    );
    assert_eq!(wheel.hashes, hashes(&[("sha256", "aa11")]));
    assert_eq!(wheel.yanked, Yanked::Yanked(None));
    assert_eq!(
        wheel.core_metadata,
        CoreMetadata::Present {
            hashes: hashes(&[("sha256", "bb22")])
        }
    );

    let old = &page.files[2];
    assert_eq!(
        old.url.as_str(),
        "https://index.example/simple/foo-bar/foo_bar-0.9-py3-none-any.whl"
    );
    assert!(old.hashes.is_empty());
    assert_eq!(
        old.yanked,
        Yanked::Yanked(Some("broken 'setup' & more".to_string()))
    );
    assert_eq!(
        old.core_metadata,
        CoreMetadata::Present {
            hashes: Hashes::new()
        }
    );

    // `data-core-metadata` wins over the legacy name; an empty
    // requires-python is none.
    let older = &page.files[3];
    assert_eq!(
        older.core_metadata,
        CoreMetadata::Present {
            hashes: hashes(&[("sha256", "cc33")])
        }
    );
    assert_eq!(older.requires_python, None);
}

#[test]
fn html_base_href_and_absolute_and_encoded_links() {
    let body = r#"<html><head><base href="/mirror/packages/"></head><body>
        <a href="foo_bar-1.0-py3-none-any.whl">rel</a>
        <a href="/abs/foo_bar-2.0.zip">abs path</a>
        <a href="https://other.example/x/foo%2Bbar-3.0.tar.gz?token=a&amp;b=c">query</a>
        <base href="/ignored/">
    </body></html>"#;
    let page = parse_html(body, &page_url()).unwrap();
    let urls: Vec<&str> = page.files.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://index.example/mirror/packages/foo_bar-1.0-py3-none-any.whl",
            "https://index.example/abs/foo_bar-2.0.zip",
            "https://other.example/x/foo%2Bbar-3.0.tar.gz?token=a&b=c",
        ]
    );
    assert_eq!(page.files[2].filename, "foo+bar-3.0.tar.gz");
    assert_eq!(page.meta_api_version, None);
}

#[test]
fn html_with_junk_markup_still_yields_anchors() {
    let body = "<<junk>> <p <!-- <a href=\"hidden-1.0.tar.gz\"> --> \
        <script>document.write('<a href=\"fake-1.0.tar.gz\">')</script>\
        <div class=unclosed><A  HREF = foo_bar-1.0.tar.gz >x</A><a href='foo_bar-1.1.tar.gz'data-yanked>y</a> 3 < 4 & 5";
    let page = parse_html(body, &page_url()).unwrap();
    let names: Vec<&str> = page.files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["foo_bar-1.0.tar.gz", "foo_bar-1.1.tar.gz"]);
    assert_eq!(page.files[1].yanked, Yanked::Yanked(None));
}

#[test]
fn html_malformed_is_an_error_naming_the_redacted_url() {
    let url = Url::parse("https://user:secret@index.example/simple/foo-bar/").unwrap();
    let error = parse_html("<a href=\"foo_bar-1.0.tar.gz", &url).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "malformed html simple api page `https://****@index.example/simple/foo-bar/`"
        ),
        "{message}"
    );
    assert!(!message.contains("secret"));

    let error = parse_html("<a href=\"http://[bad/foo-1.0.tar.gz\">x</a>", &url).unwrap_err();
    assert!(
        matches!(error, ParseError::Link { ref href, .. } if href == "http://[bad/foo-1.0.tar.gz")
    );
}

const JSON_PAGE: &str = r#"{
  "meta": {"api-version": "1.1", "_last-serial": 7},
  "name": "foo-bar",
  "versions": ["0.8", "0.9", "1.0", "2.0"],
  "files": [
    {
      "filename": "foo_bar-1.0.tar.gz",
      "url": "../../files/foo_bar-1.0.tar.gz",
      "hashes": {"sha256": "abc123", "SHA512": "def456"},
      "requires-python": ">=3.8",
      "yanked": false,
      "core-metadata": {"sha256": "meta1"},
      "dist-info-metadata": {"sha256": "legacy"},
      "size": 12345,
      "upload-time": "2024-01-02T03:04:05.678901Z"
    },
    {
      "filename": "foo_bar-1.0-py3-none-any.whl",
      "url": "https://files.index.example/foo_bar-1.0-py3-none-any.whl",
      "hashes": {},
      "yanked": "bad build",
      "dist-info-metadata": true
    },
    {
      "filename": "foo_bar-0.9-py3-none-any.whl",
      "url": "foo_bar-0.9-py3-none-any.whl",
      "hashes": {"sha256": "99"},
      "yanked": true,
      "core-metadata": false,
      "dist-info-metadata": true
    },
    {
      "filename": "foo_bar-0.8.zip",
      "url": "foo_bar-0.8.zip",
      "hashes": {},
      "yanked": ""
    },
    {
      "filename": "foo_bar-1.0.tar.gz.asc",
      "url": "foo_bar-1.0.tar.gz.asc",
      "hashes": {}
    }
  ]
}"#;

#[test]
fn json_page_all_fields() {
    let page = parse_json(JSON_PAGE.as_bytes(), &page_url()).unwrap();
    assert_eq!(page.name.as_deref(), Some("foo-bar"));
    assert_eq!(page.meta_api_version.as_deref(), Some("1.1"));
    assert_eq!(page.versions, ["0.8", "0.9", "1.0", "2.0"]);
    assert_eq!(page.files.len(), 4);

    let sdist = &page.files[0];
    assert_eq!(
        sdist.url.as_str(),
        "https://index.example/files/foo_bar-1.0.tar.gz"
    );
    assert_eq!(
        sdist.hashes,
        hashes(&[("sha256", "abc123"), ("sha512", "def456")])
    );
    assert_eq!(sdist.requires_python.as_deref(), Some(">=3.8"));
    assert_eq!(sdist.yanked, Yanked::NotYanked);
    assert_eq!(
        sdist.core_metadata,
        CoreMetadata::Present {
            hashes: hashes(&[("sha256", "meta1")])
        }
    );
    assert_eq!(sdist.size, Some(12345));
    assert_eq!(
        sdist.upload_time.as_deref(),
        Some("2024-01-02T03:04:05.678901Z")
    );

    let wheel = &page.files[1];
    assert_eq!(
        wheel.url.as_str(),
        "https://files.index.example/foo_bar-1.0-py3-none-any.whl"
    );
    assert_eq!(wheel.yanked, Yanked::Yanked(Some("bad build".to_string())));
    assert_eq!(
        wheel.core_metadata,
        CoreMetadata::Present {
            hashes: Hashes::new()
        }
    );
    assert_eq!(wheel.requires_python, None);
    assert_eq!(wheel.size, None);
    assert_eq!(wheel.upload_time, None);

    // `core-metadata: false` wins over a legacy `true`.
    let old = &page.files[2];
    assert_eq!(old.yanked, Yanked::Yanked(None));
    assert_eq!(old.core_metadata, CoreMetadata::Absent);
    assert_eq!(
        old.url.as_str(),
        "https://index.example/simple/foo-bar/foo_bar-0.9-py3-none-any.whl"
    );

    // pip reads an empty yanked reason as "not yanked".
    assert_eq!(page.files[3].yanked, Yanked::NotYanked);
}

#[test]
fn json_minimal_page_and_missing_optional_fields() {
    let body = br#"{"meta": {"api-version": "1.0"}, "name": "foo-bar", "files": [
        {"filename": "foo_bar-1.0-py3-none-any.whl", "url": "foo_bar-1.0-py3-none-any.whl", "hashes": {}}
    ]}"#;
    let page = parse_json(body, &page_url()).unwrap();
    assert!(page.versions.is_empty());
    let file = &page.files[0];
    assert_eq!(file.yanked, Yanked::NotYanked);
    assert_eq!(file.core_metadata, CoreMetadata::Absent);
    assert_eq!(file.requires_python, None);
    assert!(file.hashes.is_empty());
}

#[test]
fn json_malformed_is_an_error_naming_the_redacted_url() {
    let url = Url::parse("https://token@index.example/simple/foo-bar/").unwrap();
    for body in [
        &b"{\"files\": [}"[..],
        &b"<html></html>"[..],
        &b"{\"name\": \"foo\"}"[..],
        &b"{\"files\": [{\"filename\": \"a-1.0.tar.gz\", \"url\": \"a\", \"yanked\": 3}]}"[..],
    ] {
        let error = parse_json(body, &url).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(
                "malformed json simple api page `https://****@index.example/simple/foo-bar/`: "
            ),
            "{message}"
        );
        assert!(!message.contains("token"));
    }
}

#[test]
fn redaction_hides_credentials_only() {
    let with = Url::parse("https://user:pass@index.example/simple/").unwrap();
    assert_eq!(redact(&with), "https://****@index.example/simple/");
    let user_only = Url::parse("https://__token__@index.example/simple/").unwrap();
    assert_eq!(redact(&user_only), "https://****@index.example/simple/");
    let password_only = Url::parse("https://:pass@index.example/simple/").unwrap();
    assert_eq!(redact(&password_only), "https://****@index.example/simple/");
    let plain = Url::parse("https://index.example/simple/").unwrap();
    assert_eq!(redact(&plain), "https://index.example/simple/");
}

#[test]
fn hashes_stay_sorted_and_replace_by_name() {
    let mut table = Hashes::new();
    assert_eq!(table.insert("sha512".into(), "bb".into()), None);
    assert_eq!(table.insert("md5".into(), "aa".into()), None);
    assert_eq!(
        table.insert("sha512".into(), "cc".into()),
        Some("bb".to_string())
    );
    assert_eq!(table.len(), 2);
    assert_eq!(table.get("sha512").map(String::as_str), Some("cc"));
    assert!(!table.contains_key("sha256"));
    let names: Vec<&String> = table.iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["md5", "sha512"]);
    assert_eq!(
        serde_json::to_string(&table).unwrap(),
        r#"{"md5":"aa","sha512":"cc"}"#
    );
    // A JSON page's table is read with its names lowercased.
    let page = parse_json(
        br#"{"meta":{"api-version":"1.1"},"name":"a","files":[{"filename":"a-1.0.tar.gz","url":"a-1.0.tar.gz","hashes":{"SHA256":"ab","md5":"cd"}}]}"#,
        &Url::parse("https://example.invalid/simple/a/").unwrap(),
    )
    .unwrap();
    assert_eq!(
        page.files[0].hashes,
        hashes(&[("md5", "cd"), ("sha256", "ab")])
    );
}

#[test]
fn deferred_links_join_as_eager_ones_would() {
    let page = page_url();
    let mut joiner = LinkJoiner::new(&page);
    let hrefs = [
        // The first absolute link of an authority is joined at once.
        "https://files.example/packages/a/foo_bar-1.0.tar.gz",
        "https://files.example/packages/b/foo_bar-1.1.tar.gz#sha256=ab",
        "https://files.example?x=1",
        "https://files.example.evil/packages/foo_bar-1.0.tar.gz",
        "https://user:pw@files.example:8443/p/foo_bar-1.0.tar.gz",
        "https://user:pw@files.example:8443/p/foo_bar-2.0.tar.gz",
        "HTTPS://FILES.EXAMPLE/packages/foo_bar-2.0.tar.gz",
        "../../packages/foo%20bar-1.0.tar.gz",
        "/packages/foo_bar-1.0.tar.gz",
        "foo_bar-1.0.tar.gz?query#frag",
        "//other.example/foo_bar-1.0.tar.gz",
        "/\\other.example/foo_bar-1.0.tar.gz",
        "\\\\other.example/foo_bar-1.0.tar.gz",
        " https://x.example/foo_bar-1.0.tar.gz",
        "/\t/x.example/foo_bar-1.0.tar.gz",
        "https:files.example/foo_bar-1.0.tar.gz",
        "c:/foo_bar-1.0.tar.gz",
        "a@b:c/foo_bar-1.0.tar.gz",
    ];
    let mut deferred = 0;
    for href in hrefs {
        let url = joiner.join(href.to_string()).unwrap();
        deferred += usize::from(matches!(url.0, UrlState::Deferred { .. }));
        assert_eq!(*url, page.join(href).unwrap(), "{href:?}");
    }
    assert_eq!(
        deferred, 7,
        "the three repeated authorities and the four relative links without an authority"
    );
}

#[test]
fn a_bad_link_fails_the_page_even_after_good_ones() {
    let page = page_url();
    let mut joiner = LinkJoiner::new(&page);
    joiner
        .join("https://files.example/a.tar.gz".to_string())
        .unwrap();
    // Links whose authority text looks like a known one but parses apart:
    // skipped slashes, and a non-special scheme's backslash in the host.
    joiner.join("https:///files.example/a".to_string()).unwrap();
    joiner.join("foo://a/x".to_string()).unwrap();
    for bad in [
        "https:///999.1.1.1/a",
        "https://\\bad host/a",
        "foo://a\\b/x",
        "https://files.example:99999/a.tar.gz",
        "https://files example/a.tar.gz",
        "//[::1/a.tar.gz",
        "https://999.1.1.1/a.tar.gz",
    ] {
        let (_, href) = joiner.join(bad.to_string()).unwrap_err();
        assert_eq!(href, bad);
    }
    let body = br#"{"files": [
        {"filename": "foo_bar-1.0.tar.gz", "url": "https://files.example/foo_bar-1.0.tar.gz", "hashes": {}},
        {"filename": "foo_bar-1.1.tar.gz", "url": "https://files.example:x/foo_bar-1.1.tar.gz", "hashes": {}}
    ]}"#;
    let message = parse_json(body, &page).unwrap_err().to_string();
    assert!(message.contains("files.example:x"), "{message}");
}
