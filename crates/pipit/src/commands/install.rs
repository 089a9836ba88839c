//! `pipit install`: resolve, and with `--dry-run` say what would be
//! installed; `--report` writes pip's installation report.

use std::fmt::Write;

use pipit_index::DistMetadata;
use pipit_resolver::{Resolution, ResolvedDist};
use serde_json::{json, Map, Value};

use crate::cli::{InstallArgs, Output};
use crate::exit::CliError;

use super::resolve::{installed_preferences, loaded_preferences, prepare, run};

/// Resolves the request; installing itself is not there yet, so only
/// `--dry-run` is accepted.
pub fn install(args: &InstallArgs) -> Result<Output, CliError> {
    if !args.dry_run {
        return Err(CliError::usage(
            "pipit install can only --dry-run for now: the installer is not built yet",
        )
        .hint("add --dry-run (and --report FILE|- for pip's JSON report)"));
    }
    let mut preferences = loaded_preferences(&args.loaded)?;
    let mut installed = Vec::new();
    if let Some(target) = &args.target {
        if !args.ignore_installed && !args.force_reinstall {
            installed = installed_preferences(target)?;
            preferences.extend(installed.iter().cloned());
        }
    }
    let prepared = prepare(&args.resolve, "install", preferences)?;
    let mut resolution = run(&prepared)?;
    // What the target already has at the chosen version is not installed
    // again, and pip's report lists only what would be installed.
    let (kept, to_install): (Vec<ResolvedDist>, Vec<ResolvedDist>) =
        resolution.packages.drain(..).partition(|dist| {
            installed
                .iter()
                .any(|have| have.name == dist.name && have.version == dist.version)
        });
    resolution.packages = to_install;
    let mut output = Output::default();
    for note in prepared.notes.iter().chain(&resolution.warnings) {
        let _ = writeln!(output.stderr, "warning: {note}");
    }
    let report = report(
        &resolution,
        &prepared.target.interpreter.to_json()["markers"],
    );
    let summary = summary(&kept, &resolution);
    match args.report.as_deref() {
        Some("-") => {
            output.stdout = format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            if !args.quiet {
                output.stderr.push_str(&summary);
            }
        }
        Some(path) => {
            let text = format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            fs_err::write(path, text)
                .map_err(|error| CliError::usage(format!("cannot write the report: {error}")))?;
            if !args.quiet && !args.json {
                output.stdout.push_str(&summary);
            }
        }
        None if !args.quiet && !args.json => output.stdout.push_str(&summary),
        None => {}
    }
    if args.json && args.report.as_deref() != Some("-") {
        let packages: Vec<Value> = resolution
            .packages
            .iter()
            .map(|dist| {
                json!({
                    "name": dist.name.to_string(),
                    "version": dist.version.to_string(),
                    "filename": dist.file.filename,
                    "url": pipit_index::redact(&dist.file.url),
                    "requested": dist.requested,
                })
            })
            .collect();
        let out =
            json!({"dry_run": true, "would_install": packages, "warnings": resolution.warnings});
        output.stdout = format!("{out}\n");
    }
    Ok(output)
}

/// pip's lines: `Requirement already satisfied: a==1.0` for what the
/// target keeps, then `Would install a-1.0 b-2.0`.
fn summary(kept: &[ResolvedDist], resolution: &Resolution) -> String {
    let mut out = String::new();
    for dist in kept {
        let _ = writeln!(
            out,
            "Requirement already satisfied: {}=={}",
            dist.name, dist.version
        );
    }
    if !resolution.packages.is_empty() {
        let items: Vec<String> = resolution
            .packages
            .iter()
            .map(|dist| format!("{}-{}", dist.name, dist.version))
            .collect();
        let _ = writeln!(out, "Would install {}", items.join(" "));
    }
    out
}

/// pip's installation report, format version 1.
pub(crate) fn report(resolution: &Resolution, environment: &Value) -> Value {
    let install: Vec<Value> = resolution.packages.iter().map(report_entry).collect();
    json!({
        "version": "1",
        "pip_version": format!("pipit {}", env!("CARGO_PKG_VERSION")),
        "install": install,
        "environment": environment,
    })
}

fn report_entry(dist: &ResolvedDist) -> Value {
    let mut archive_info = Map::new();
    if let Some(sha256) = dist.file.hashes.get("sha256") {
        archive_info.insert("hash".into(), json!(format!("sha256={sha256}")));
    }
    if !dist.file.hashes.is_empty() {
        archive_info.insert("hashes".into(), json!(dist.file.hashes));
    }
    // Credentials never leave pipit: dropped, as pip's report drops them.
    let mut without_credentials = dist.file.url.clone();
    let _ = without_credentials.set_username("");
    let _ = without_credentials.set_password(None);
    let url = without_credentials.to_string();
    let mut entry = Map::new();
    entry.insert(
        "download_info".into(),
        json!({"url": url, "archive_info": archive_info}),
    );
    entry.insert("is_direct".into(), json!(dist.direct_url.is_some()));
    entry.insert("is_yanked".into(), json!(dist.yanked));
    entry.insert("requested".into(), json!(dist.requested));
    if !dist.requested_extras.is_empty() {
        let extras: Vec<String> = dist
            .requested_extras
            .iter()
            .map(ToString::to_string)
            .collect();
        entry.insert("requested_extras".into(), json!(extras));
    }
    entry.insert("metadata".into(), metadata_json(&dist.metadata));
    Value::Object(entry)
}

/// Core metadata as JSON, the PEP 566 way pip's report uses: lowercase
/// keys with underscores, multiple-use fields as lists.
fn metadata_json(metadata: &DistMetadata) -> Value {
    let mut out = Map::new();
    let mut text = |key: &str, value: &Option<String>| {
        if let Some(value) = value {
            out.insert(key.to_string(), json!(value));
        }
    };
    text("metadata_version", &metadata.metadata_version);
    text("name", &Some(metadata.name.clone()));
    text("version", &Some(metadata.version.to_string()));
    text("summary", &metadata.summary);
    text("description", &metadata.description);
    text(
        "description_content_type",
        &metadata.description_content_type,
    );
    text("home_page", &metadata.home_page);
    text("download_url", &metadata.download_url);
    text("author", &metadata.author);
    text("author_email", &metadata.author_email);
    text("maintainer", &metadata.maintainer);
    text("maintainer_email", &metadata.maintainer_email);
    text("license", &metadata.license);
    text("license_expression", &metadata.license_expression);
    text(
        "requires_python",
        &metadata.requires_python.as_ref().map(ToString::to_string),
    );
    if let Some(keywords) = &metadata.keywords {
        // PEP 566: keywords become a list.
        let split: Vec<&str> = keywords
            .split(if keywords.contains(',') { ',' } else { ' ' })
            .map(str::trim)
            .filter(|word| !word.is_empty())
            .collect();
        out.insert("keywords".into(), json!(split));
    }
    let requires: Vec<String> = metadata
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    let lists: [(&str, &Vec<String>); 11] = [
        ("license_file", &metadata.license_files),
        ("classifier", &metadata.classifiers),
        ("platform", &metadata.platforms),
        ("supported_platform", &metadata.supported_platforms),
        ("project_url", &metadata.project_urls),
        ("requires_external", &metadata.requires_external),
        ("provides_dist", &metadata.provides_dist),
        ("obsoletes_dist", &metadata.obsoletes_dist),
        ("requires_dist", &requires),
        ("provides_extra", &metadata.provides_extra),
        ("dynamic", &metadata.dynamic),
    ];
    for (key, values) in lists {
        if !values.is_empty() {
            out.insert(key.to_string(), json!(values));
        }
    }
    Value::Object(out)
}
