//! `--find-links`: local folders, local HTML files and remote pages of links.

use std::path::Path;

use pipit_index::{FindLinks, FindLinksEntry, FindLinksError, IndexFile, Yanked};
use pipit_testkit::{IndexServer, WheelBuilder};
use url::Url;

fn filenames(files: &[IndexFile]) -> Vec<&str> {
    files.iter().map(|file| file.filename.as_str()).collect()
}

/// A folder with wheels and sdists of `demo-app`, another project's wheel,
/// and things that are not distributions.
fn wheelhouse(folder: &Path) {
    WheelBuilder::new("Demo_App", "1.0").build(folder).unwrap();
    WheelBuilder::new("demo-app", "2.0")
        .tag("cp312-cp312-manylinux_2_17_x86_64")
        .build(folder)
        .unwrap();
    WheelBuilder::new("other", "1.0").build(folder).unwrap();
    for name in [
        "Demo_App-2.1.tar.gz",
        "demo-app-0.9.zip",
        "demo.app-0.8.tar.bz2",
        "demo_app-1.0.tar.gz.asc",
        "README.txt",
        "demo_app-0.1-py3.6.egg",
        "demo-application-1.0.tar.gz",
    ] {
        fs_err::write(folder.join(name), name).unwrap();
    }
    // A folder named like a distribution is not one.
    fs_err::create_dir(folder.join("demo_app-3.0.tar.gz")).unwrap();
    // Nor is anything in a subfolder.
    fs_err::create_dir(folder.join("nested")).unwrap();
    WheelBuilder::new("demo-app", "9.0")
        .build(&folder.join("nested"))
        .unwrap();
}

#[tokio::test]
async fn a_local_folder_lists_the_projects_distributions() {
    let folder = tempfile::tempdir().unwrap();
    wheelhouse(folder.path());
    let find_links = FindLinks::from_locations([folder.path().to_str().unwrap()]).unwrap();

    let files = find_links.files_for(None, "demo-app").await.unwrap();
    assert_eq!(
        filenames(&files),
        [
            "Demo_App-2.1.tar.gz",
            "demo-app-0.9.zip",
            "demo.app-0.8.tar.bz2",
            "demo_app-1.0-py3-none-any.whl",
            "demo_app-2.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        ]
    );
    let wheel = &files[3];
    let path = folder.path().join("demo_app-1.0-py3-none-any.whl");
    assert_eq!(wheel.url.scheme(), "file");
    assert_eq!(wheel.url.to_file_path().unwrap(), path);
    assert_eq!(wheel.size, Some(fs_err::metadata(&path).unwrap().len()));
    assert!(wheel.hashes.is_empty());
    assert_eq!(wheel.requires_python, None);
    assert_eq!(wheel.yanked, Yanked::NotYanked);

    // The project name is normalized the same way on both sides.
    let again = find_links.local_files_for("DEMO_app").unwrap();
    assert_eq!(again, files);
    assert_eq!(
        filenames(&find_links.local_files_for("other").unwrap()),
        ["other-1.0-py3-none-any.whl"]
    );
    assert!(find_links.local_files_for("absent").unwrap().is_empty());

    // The same folder twice, once as a URL: each file once.
    let url = Url::from_directory_path(folder.path()).unwrap();
    let twice = FindLinks::from_locations([folder.path().to_str().unwrap(), url.as_str()]).unwrap();
    assert_eq!(twice.files_for(None, "demo-app").await.unwrap(), files);
}

#[tokio::test]
async fn a_file_url_of_a_folder_is_the_folder() {
    let folder = tempfile::tempdir().unwrap();
    wheelhouse(folder.path());
    let url = Url::from_directory_path(folder.path()).unwrap();
    let find_links = FindLinks::from_locations([url.as_str()]).unwrap();
    assert_eq!(
        find_links.entries,
        [FindLinksEntry::Local(folder.path().to_path_buf())]
    );
    let files = find_links.files_for(None, "other").await.unwrap();
    assert_eq!(filenames(&files), ["other-1.0-py3-none-any.whl"]);
}

#[tokio::test]
async fn a_local_html_file_of_links() {
    let folder = tempfile::tempdir().unwrap();
    let wheels = folder.path().join("wheels");
    let path = WheelBuilder::new("demo-app", "1.0").build(&wheels).unwrap();
    let sha256 = "a".repeat(64);
    let page = format!(
        "<html><body>\n\
         <a href=\"wheels/demo_app-1.0-py3-none-any.whl#sha256={sha256}\">demo_app-1.0</a>\n\
         <a href=\"https://files.invalid/demo_app-2.0.tar.gz\" data-requires-python=\"&gt;=3.9\">sdist</a>\n\
         <a href=\"wheels/other-1.0-py3-none-any.whl\">other</a>\n\
         <a href=\"../elsewhere/\">a folder</a>\n\
         </body></html>\n"
    );
    let html = folder.path().join("links.html");
    fs_err::write(&html, page).unwrap();

    for location in [
        html.to_str().unwrap().to_string(),
        Url::from_file_path(&html).unwrap().to_string(),
    ] {
        let find_links = FindLinks::from_locations([location.as_str()]).unwrap();
        let files = find_links.files_for(None, "demo_app").await.unwrap();
        assert_eq!(
            filenames(&files),
            ["demo_app-1.0-py3-none-any.whl", "demo_app-2.0.tar.gz"]
        );
        assert_eq!(files[0].url.to_file_path().unwrap(), path);
        assert_eq!(files[0].hashes.get("sha256"), Some(&sha256));
        assert_eq!(
            files[1].url.as_str(),
            "https://files.invalid/demo_app-2.0.tar.gz"
        );
        assert_eq!(files[1].requires_python.as_deref(), Some(">=3.9"));
    }
}

#[tokio::test]
async fn a_missing_location_is_an_error_naming_the_path() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("no-such-wheels");
    let find_links = FindLinks::from_locations([missing.to_str().unwrap()]).unwrap();
    let error = find_links.files_for(None, "demo-app").await.unwrap_err();
    assert!(
        matches!(&error, FindLinksError::Missing { path } if *path == missing),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("find-links location `{}` does not exist", missing.display())
    );
}

#[tokio::test]
async fn a_remote_page_is_fetched_with_the_client_and_only_then() {
    let server = IndexServer::with_wheels(&[
        WheelBuilder::new("demo-app", "1.0"),
        WheelBuilder::new("demo-app", "1.1"),
    ]);
    let page = format!("{}demo-app/", server.url());
    let folder = tempfile::tempdir().unwrap();
    WheelBuilder::new("demo-app", "0.5")
        .build(folder.path())
        .unwrap();
    let find_links =
        FindLinks::from_locations([folder.path().to_str().unwrap(), page.as_str()]).unwrap();
    assert!(find_links.entries[1].is_remote());

    // Offline: the local folder would be fine, the page is not.
    let error = find_links.files_for(None, "demo-app").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("find-links page `{page}` needs the network, which is off")
    );
    assert_eq!(server.request_count(), 0);
    assert_eq!(
        filenames(&find_links.local_files_for("demo-app").unwrap()),
        ["demo_app-0.5-py3-none-any.whl"]
    );
    assert_eq!(server.request_count(), 0);

    let client = reqwest::Client::new();
    let files = find_links
        .files_for(Some(&client), "Demo.App")
        .await
        .unwrap();
    assert_eq!(
        filenames(&files),
        [
            "demo_app-0.5-py3-none-any.whl",
            "demo_app-1.0-py3-none-any.whl",
            "demo_app-1.1-py3-none-any.whl",
        ]
    );
    assert_eq!(
        files[1].url.as_str(),
        server.file_url("demo_app-1.0-py3-none-any.whl")
    );
    assert_eq!(
        files[1].hashes.get("sha256"),
        server.file_sha256("demo_app-1.0-py3-none-any.whl").as_ref()
    );
    assert_eq!(server.request_count(), 1);

    let missing = FindLinks::from_locations([format!("{}nothing/", server.url())]).unwrap();
    let error = missing
        .files_for(Some(&client), "demo-app")
        .await
        .unwrap_err();
    assert!(
        matches!(error, FindLinksError::Status { status: 404, .. }),
        "{error:?}"
    );
}

#[test]
fn locations_are_classified() {
    assert_eq!(
        FindLinksEntry::parse("https://example.invalid/links.html").unwrap(),
        FindLinksEntry::Page(Url::parse("https://example.invalid/links.html").unwrap())
    );
    let relative = FindLinksEntry::parse("wheels").unwrap();
    assert_eq!(
        relative,
        FindLinksEntry::Local(std::env::current_dir().unwrap().join("wheels"))
    );
    assert!(!relative.is_remote());
    let error = FindLinksEntry::parse("ftp://example.invalid/wheels").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid find-links location `ftp://example.invalid/wheels`: unsupported url scheme `ftp`"
    );
    assert!(FindLinksEntry::parse("  ").is_err());
}

#[tokio::test]
async fn a_local_distribution_file_is_itself() {
    let folder = tempfile::tempdir().unwrap();
    let wheel = WheelBuilder::new("demo-app", "1.0")
        .build(folder.path())
        .unwrap();
    let find_links = FindLinks::from_locations([wheel.to_str().unwrap()]).unwrap();
    let files = find_links.files_for(None, "demo_app").await.unwrap();
    assert_eq!(filenames(&files), ["demo_app-1.0-py3-none-any.whl"]);
    assert_eq!(files[0].url.to_file_path().unwrap(), wheel);
    assert!(find_links
        .files_for(None, "other")
        .await
        .unwrap()
        .is_empty());

    // Not HTML by its extension, not a distribution: nothing, and no error.
    let notes = folder.path().join("notes.txt");
    fs_err::write(&notes, "<a href=\"demo_app-2.0.tar.gz\">x</a>").unwrap();
    let find_links = FindLinks::from_locations([notes.to_str().unwrap()]).unwrap();
    assert!(find_links
        .files_for(None, "demo-app")
        .await
        .unwrap()
        .is_empty());
}
