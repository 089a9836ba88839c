//! `pipit show`: pip's fields of installed packages, separated by `---`.

use std::fmt::Write;
use std::str::FromStr;

use pep508_rs::{MarkerEnvironment, PackageName};
use pipit_index::DistMetadata;
use pipit_install::{installed_dists, InstalledDist};
use serde_json::{json, Value};

use crate::cli::{Output, ShowArgs};
use crate::exit::{CliError, ErrorKind};

/// Shows each named package; names not installed are warned about, and
/// when none is installed the command fails (exit 1), as pip's does.
pub fn show(args: &ShowArgs) -> Result<Output, CliError> {
    let (layout, interpreter) = super::installed::layout(&args.installed, true)?;
    let markers = interpreter
        .map(|interpreter| interpreter.markers)
        .ok_or_else(|| CliError::usage("no interpreter to evaluate markers with"))?;
    let installed = installed_dists(&layout)?;
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for text in &args.names {
        let dist = PackageName::from_str(text)
            .ok()
            .and_then(|name| installed.iter().rev().find(|dist| dist.name == name));
        match dist {
            Some(dist) => found.push(describe(dist, &installed, &markers, args.files)?),
            None => missing.push(text.clone()),
        }
    }
    let mut output = Output::default();
    if found.is_empty() {
        output.failure = Some(ErrorKind::Resolution);
    }
    if args.json {
        output.stdout = format!("{}\n", json!({"packages": found, "not_found": missing}));
        return Ok(output);
    }
    if !missing.is_empty() {
        missing.sort();
        let _ = writeln!(
            output.stderr,
            "WARNING: Package(s) not found: {}",
            missing.join(", ")
        );
    }
    for (index, package) in found.iter().enumerate() {
        if index > 0 {
            output.stdout.push_str("---\n");
        }
        render(&mut output.stdout, package);
    }
    Ok(output)
}

fn describe(
    dist: &InstalledDist,
    installed: &[InstalledDist],
    markers: &MarkerEnvironment,
    with_files: bool,
) -> Result<Value, CliError> {
    let metadata = dist.metadata()?;
    let mut requires: Vec<String> = dist
        .dependencies(markers)?
        .iter()
        .map(|requirement| requirement.name.to_string())
        .collect();
    requires.sort_by_key(|name| name.to_lowercase());
    requires.dedup();
    let mut required_by: Vec<String> = installed
        .iter()
        .filter(|other| {
            other.dependencies(markers).is_ok_and(|requirements| {
                requirements
                    .iter()
                    .any(|requirement| requirement.name == dist.name)
            })
        })
        .map(|other| {
            other
                .metadata()
                .map_or_else(|_| other.name.to_string(), |metadata| metadata.name)
        })
        .collect();
    required_by.sort_by_key(|name| name.to_lowercase());
    required_by.dedup();
    let mut package = json!({
        "name": metadata.name,
        "version": metadata.version.to_string(),
        "summary": metadata.summary.clone().unwrap_or_default(),
        "home_page": home_page(&metadata),
        "author": metadata.author.clone().unwrap_or_default(),
        "author_email": metadata.author_email.clone().unwrap_or_default(),
        "license": metadata.license.clone().or(metadata.license_expression.clone()).unwrap_or_default(),
        "location": dist.location().display().to_string(),
        "requires": requires,
        "required_by": required_by,
    });
    if with_files {
        let files: Option<Vec<String>> = dist
            .record()
            .ok()
            .map(|rows| rows.into_iter().map(|row| row.path).collect());
        package["files"] = json!(files);
    }
    Ok(package)
}

/// `Home-page`, else a `Project-URL` labelled homepage (pip looks there
/// because PEP 621 projects seldom set `Home-page`).
fn home_page(metadata: &DistMetadata) -> String {
    if let Some(home_page) = metadata.home_page.as_deref().filter(|url| !url.is_empty()) {
        return home_page.to_string();
    }
    metadata
        .project_urls
        .iter()
        .filter_map(|entry| entry.split_once(','))
        .find(|(label, _)| {
            let label: String = label
                .chars()
                .filter(|c| *c != '-' && *c != '_')
                .collect::<String>()
                .trim()
                .to_lowercase();
            label == "homepage"
        })
        .map(|(_, url)| url.trim().to_string())
        .unwrap_or_default()
}

fn render(out: &mut String, package: &Value) {
    let text = |key: &str| package[key].as_str().unwrap_or_default().to_string();
    let list = |key: &str| {
        package[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    for (label, key) in [
        ("Name", "name"),
        ("Version", "version"),
        ("Summary", "summary"),
        ("Home-page", "home_page"),
        ("Author", "author"),
        ("Author-email", "author_email"),
        ("License", "license"),
        ("Location", "location"),
    ] {
        let _ = writeln!(out, "{label}: {}", text(key));
    }
    let _ = writeln!(out, "Requires: {}", list("requires"));
    let _ = writeln!(out, "Required-by: {}", list("required_by"));
    match package.get("files") {
        None => {}
        Some(Value::Array(files)) => {
            out.push_str("Files:\n");
            for file in files.iter().filter_map(Value::as_str) {
                let _ = writeln!(out, "  {file}");
            }
        }
        Some(_) => out.push_str("Files:\nCannot locate RECORD or installed-files.txt\n"),
    }
}
