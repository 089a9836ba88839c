//! `pipit list`: installed packages as pip lists them (`columns`, `freeze`
//! or `json`).

use std::fmt::Write;

use pipit_install::{installed_dists, InstalledDist};

use crate::cli::{ListArgs, Output};
use crate::exit::CliError;

/// Lists the installed distributions, sorted by normalized name.
pub fn list(args: &ListArgs) -> Result<Output, CliError> {
    let (layout, _) = super::installed::layout(&args.installed, false)?;
    let rows: Vec<(String, String)> = installed_dists(&layout)?
        .iter()
        .map(display_name_and_version)
        .collect();
    let format = if args.json {
        "json"
    } else {
        args.format.as_deref().unwrap_or("columns")
    };
    let mut out = String::new();
    match format {
        "json" => {
            // Python's `json.dumps` spacing, so output compares equal with pip's.
            let items: Vec<String> = rows
                .iter()
                .map(|(name, version)| {
                    format!(
                        "{{\"name\": {}, \"version\": {}}}",
                        serde_json::Value::from(name.as_str()),
                        serde_json::Value::from(version.as_str())
                    )
                })
                .collect();
            let _ = writeln!(out, "[{}]", items.join(", "));
        }
        "freeze" => {
            for (name, version) in &rows {
                let _ = writeln!(out, "{name}=={version}");
            }
        }
        _ => out = columns(&rows),
    }
    Ok(Output {
        stdout: out,
        ..Output::default()
    })
}

/// The name and version as METADATA spells them (pip shows those), else
/// the normalized name and the folder's version.
pub(crate) fn display_name_and_version(dist: &InstalledDist) -> (String, String) {
    match dist.metadata() {
        Ok(metadata) => (metadata.name, metadata.version.to_string()),
        Err(_) => (dist.name.to_string(), dist.version.to_string()),
    }
}

/// pip's table: a `Package Version` header, dashes when there are rows,
/// columns padded to their widest cell, trailing spaces trimmed.
fn columns(rows: &[(String, String)]) -> String {
    let header = ("Package".to_string(), "Version".to_string());
    let name_width = rows
        .iter()
        .chain(std::iter::once(&header))
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    let version_width = rows
        .iter()
        .chain(std::iter::once(&header))
        .map(|(_, version)| version.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let mut line = |name: &str, version: &str| {
        let text = format!("{name:<name_width$} {version:<version_width$}");
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&header.0, &header.1);
    if !rows.is_empty() {
        line(&"-".repeat(name_width), &"-".repeat(version_width));
    }
    for (name, version) in rows {
        line(name, version);
    }
    out
}
