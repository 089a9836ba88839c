//! `pipit index versions`: what the indexes and find-links offer for a project.

use std::fmt::Write;

use pipit_index::{list_project, CoreMetadata, FileOrigin, Yanked};
use serde_json::json;

use crate::cli::{IndexVersionsArgs, Output};
use crate::exit::CliError;

/// Lists a project's versions, newest first, and with `--json` its files.
pub fn versions(args: &IndexVersionsArgs) -> Result<Output, CliError> {
    let sources = super::package_sources("index", &args.index, args.pre, &args.cache)?;
    let listing = super::block_on(list_project(
        Some(&sources.client),
        &sources.find_links,
        &args.name,
    ))?
    .map_err(CliError::from)?;
    let include_prereleases = sources.settings.pre.value;
    let versions: Vec<String> = listing
        .versions(include_prereleases)
        .iter()
        .map(ToString::to_string)
        .collect();
    if versions.is_empty() {
        return Err(CliError::resolution(format!(
            "`{}` has only pre-release versions",
            listing.name
        ))
        .hint("pass --pre to list them"));
    }
    if args.json {
        let files: Vec<serde_json::Value> = listing
            .files
            .iter()
            .map(|listed| {
                let file = &listed.file;
                json!({
                    "filename": file.filename,
                    "url": pipit_index::redact(&file.url),
                    "hashes": file.hashes,
                    "requires_python": file.requires_python,
                    "yanked": match &file.yanked {
                        Yanked::NotYanked => json!(false),
                        Yanked::Yanked(Some(reason)) => json!(reason),
                        Yanked::Yanked(None) => json!(true),
                    },
                    "size": file.size,
                    "upload_time": file.upload_time,
                    "metadata": matches!(file.core_metadata, CoreMetadata::Present { .. }),
                    "version": listed.version.to_string(),
                    "origin": match &listed.origin {
                        FileOrigin::Index(index) => index.redacted(),
                        FileOrigin::FindLinks => "find-links".to_string(),
                    },
                })
            })
            .collect();
        let out = json!({"name": listing.name, "versions": versions, "files": files});
        return Ok(Output {
            stdout: format!("{out}\n"),
            ..Output::default()
        });
    }
    // pip's own two-line form.
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", listing.name, versions[0]);
    let _ = writeln!(out, "Available versions: {}", versions.join(", "));
    Ok(Output {
        stdout: out,
        ..Output::default()
    })
}
