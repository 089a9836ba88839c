//! Indexes on disk (`file://` index URLs): a folder laid out like a Simple
//! API, read without any network.
//!
//! ```text
//! <index dir>/
//!   <name>/index.html      a PEP 503 page (relative links resolve against it), or
//!   <name>/*.whl, *.tar.gz no page: the folder's distributions are the files
//! ```
//!
//! `<name>` is matched after normalization, so `Demo_App/` serves `demo-app`.

use std::path::{Path, PathBuf};

use url::Url;

use crate::error::IndexError;
use crate::filename::{is_distribution, normalize_name};
use crate::http::error_kind_message;
use crate::simple::{parse_html, CoreMetadata, Hashes, IndexFile, ProjectPage, Yanked};

/// The page of `name` in the index folder `index_dir`; `None` if the folder
/// has no such project.
pub(crate) fn project_page(
    index_dir: &Path,
    name: &str,
) -> Result<Option<ProjectPage>, IndexError> {
    let normalized = normalize_name(name);
    let Some(project_dir) = project_dir(index_dir, &normalized)? else {
        return Ok(None);
    };
    let page_path = project_dir.join("index.html");
    if page_path.is_file() {
        let body = fs_err::read(&page_path).map_err(|error| file_error(&page_path, &error))?;
        let page_url = file_url(&page_path)?;
        let page = parse_html(&String::from_utf8_lossy(&body), &page_url)?;
        return Ok(Some(page));
    }
    let mut files = Vec::new();
    let entries =
        fs_err::read_dir(&project_dir).map_err(|error| file_error(&project_dir, &error))?;
    for entry in entries {
        let entry = entry.map_err(|error| file_error(&project_dir, &error))?;
        let filename = entry.file_name().to_string_lossy().into_owned();
        if !is_distribution(&filename) || !entry.path().is_file() {
            continue;
        }
        files.push(IndexFile {
            url: file_url(&entry.path())?.into(),
            filename,
            hashes: Hashes::new(),
            requires_python: None,
            yanked: Yanked::NotYanked,
            core_metadata: CoreMetadata::Absent,
            size: entry.metadata().ok().map(|metadata| metadata.len()),
            upload_time: None,
        });
    }
    files.sort_by(|a, b| a.filename.cmp(&b.filename));
    Ok(Some(ProjectPage {
        files,
        ..ProjectPage::default()
    }))
}

/// `<index_dir>/<normalized>/`, or the sub-folder whose normalized name matches.
fn project_dir(index_dir: &Path, normalized: &str) -> Result<Option<PathBuf>, IndexError> {
    let direct = index_dir.join(normalized);
    if direct.is_dir() {
        return Ok(Some(direct));
    }
    if !index_dir.is_dir() {
        return Err(IndexError::File {
            path: index_dir.to_path_buf(),
            message: "the index folder does not exist".to_string(),
        });
    }
    let entries = fs_err::read_dir(index_dir).map_err(|error| file_error(index_dir, &error))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && normalize_name(&entry.file_name().to_string_lossy()) == normalized {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

fn file_url(path: &Path) -> Result<Url, IndexError> {
    Url::from_file_path(path).map_err(|()| IndexError::File {
        path: path.to_path_buf(),
        message: "not an absolute path".to_string(),
    })
}

pub(crate) fn file_error(path: &Path, error: &std::io::Error) -> IndexError {
    IndexError::File {
        path: path.to_path_buf(),
        message: error_kind_message(error),
    }
}
