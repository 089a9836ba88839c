//! `pipit install`: resolve, then install into `--target DIR` or the
//! interpreter's environment, all or nothing (`pipit-install`); with
//! `--dry-run` only say what would be installed; `--report` writes pip's
//! installation report.

use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use pep508_rs::PackageName;
use pipit_index::DistMetadata;
use pipit_install::install::{InstallError, InstallOptions, Reporter, Silent, WheelToInstall};
use pipit_install::installed::{installed_dists, InstalledDist};
use pipit_install::{InstallLayout, InstalledFacts, LinkMode, TargetLock};
use pipit_resolver::{Preference, PreferenceKind, Resolution, ResolvedDist};
use serde_json::{json, Map, Value};

use crate::cli::{InstallArgs, Output};
use crate::exit::CliError;
use crate::progress::Progress;

use super::resolve::{loaded_preferences, prepare, prepare_for, run, Prepared};

/// Resolves the request and installs it (or, with `--dry-run`, reports it).
pub fn install(args: &InstallArgs) -> Result<Output, CliError> {
    if args.dry_run {
        return dry_run(args);
    }
    let started = Instant::now();
    let mut preferences = loaded_preferences(&args.loaded)?;
    let probe = super::target_interpreter(&args.resolve.target, &args.resolve.cache)?;
    let layout = match &args.target {
        Some(dir) => InstallLayout::target(&absolute(dir), &probe.interpreter),
        None => InstallLayout::environment(&probe.interpreter).ok_or_else(|| {
            CliError::usage("installing needs a real interpreter or --target: the target was described by flags only")
                .hint("add --target DIR, or --python PATH instead of --python-version/--platform")
        })?,
    };
    let mut output = Output::default();
    let quiet = args.quiet || args.json;
    let root = layout.root.clone();
    let lock = TargetLock::acquire(&root, || {
        if !quiet {
            eprintln!(
                "waiting for another pipit process to finish with {}",
                root.display()
            );
        }
    })
    .map_err(|error| CliError::install(error.to_string()))?;
    let recovery = pipit_install::recover(&lock, &layout.folders())
        .map_err(|error| CliError::install(error.to_string()))?;
    if recovery.rolled_back + recovery.finished > 0 {
        let _ = writeln!(
            output.stderr,
            "warning: an interrupted install in {} was {} first",
            root.display(),
            if recovery.rolled_back > 0 {
                "rolled back"
            } else {
                "finished"
            }
        );
    }
    let installed =
        installed_dists(&layout).map_err(|error| CliError::install(error.to_string()))?;
    let keep_installed = !args.ignore_installed && !args.force_reinstall;
    if keep_installed {
        preferences.extend(installed.iter().map(|dist| Preference {
            name: dist.name.clone(),
            version: dist.version.clone(),
            kind: PreferenceKind::Installed,
        }));
    }
    if args.compile && !args.no_compile && layout.python.is_none() {
        return Err(
            CliError::usage("--compile needs a real interpreter to compile with")
                .hint("add --python PATH, or leave out --compile"),
        );
    }
    let prepared = prepare_for(&args.resolve, "install", preferences, probe)?;
    for note in &prepared.notes {
        let _ = writeln!(output.stderr, "warning: {note}");
    }

    // Nothing to do, decided from the installed metadata: no network.
    if keep_installed && !args.resolve.upgrade {
        if let Some(kept) = already_satisfied(&prepared, &installed, args.resolve.no_deps) {
            if args.json {
                let satisfied: Vec<Value> = kept
                    .iter()
                    .map(|(name, version)| json!({"name": name, "version": version}))
                    .collect();
                output.stdout = format!(
                    "{}\n",
                    json!({
                        "target": root,
                        "installed": [],
                        "removed": [],
                        "already_satisfied": satisfied,
                        "downloaded": 0,
                        "cached": 0,
                        "elapsed_seconds": started.elapsed().as_secs_f64(),
                    })
                );
            } else if !args.quiet {
                for (name, version) in &kept {
                    let _ = writeln!(
                        output.stdout,
                        "Requirement already satisfied: {name} in {} ({version})",
                        root.display()
                    );
                }
            }
            return Ok(output);
        }
    }

    let resolved_at = Instant::now();
    let resolution = run(&prepared)?;
    let resolve_seconds = resolved_at.elapsed().as_secs_f64();
    for warning in &resolution.warnings {
        let _ = writeln!(output.stderr, "warning: {warning}");
    }
    let mut wheels = Vec::new();
    let mut replace: Vec<InstalledDist> = Vec::new();
    let mut kept = Vec::new();
    for dist in &resolution.packages {
        let same_name: Vec<&InstalledDist> = installed
            .iter()
            .filter(|have| have.name == dist.name)
            .collect();
        let same_version = same_name.iter().any(|have| have.version == dist.version);
        let same_source = dist.direct_url.is_none()
            || same_name.iter().any(|have| {
                have.direct_url()
                    .and_then(|value| value.get("url").and_then(Value::as_str).map(str::to_string))
                    .is_some_and(|url| url == plain_url(&dist.file.url))
            });
        if same_version && keep_installed && same_source {
            kept.push(dist);
            continue;
        }
        replace.extend(same_name.into_iter().cloned());
        wheels.push(wheel_to_install(&prepared, dist));
    }
    let mut report_text = None;
    if let Some(path) = args.report.as_deref() {
        let mut to_report = resolution.clone();
        to_report
            .packages
            .retain(|dist| !kept.iter().any(|keep| keep.name == dist.name));
        let report = report(
            &to_report,
            &prepared.target.interpreter.to_json()["markers"],
        );
        report_text = write_report(path, &report)?;
    }

    let mut options = InstallOptions {
        link_mode: link_mode(args)?,
        compile: args.compile && !args.no_compile,
        verify_cache: args.force_reinstall,
        cache_dir: prepared.sources.client.options().cache_dir.clone(),
        ..InstallOptions::default()
    };
    if options.compile && layout.python.is_none() {
        return Err(
            CliError::usage("--compile needs a real interpreter to compile with")
                .hint("add --python PATH, or leave out --compile"),
        );
    }
    options.concurrency = options.concurrency.max(1);
    let progress = Progress::for_terminal(
        !quiet && args.progress_bar == "on" && !wheels.is_empty(),
        wheels.len(),
    )
    .map(Arc::new);
    let reporter: Arc<dyn Reporter> = match &progress {
        Some(progress) => progress.clone(),
        None => Arc::new(Silent),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| CliError::usage(format!("cannot start the async runtime: {error}")))?;
    let outcome = runtime.block_on(pipit_install::install::install(
        &prepared.sources.client,
        &lock,
        &layout,
        wheels,
        replace,
        &options,
        reporter,
    ));
    if let Some(progress) = &progress {
        progress.finish();
    }
    let report = outcome.map_err(CliError::from)?;
    drop(lock);

    let elapsed = started.elapsed().as_secs_f64();
    if args.json {
        let installed: Vec<Value> = resolution
            .packages
            .iter()
            .filter(|dist| report.installed.iter().any(|(name, _)| name == &dist.name))
            .map(|dist| {
                json!({
                    "name": dist.name.to_string(),
                    "version": dist.version.to_string(),
                    "filename": dist.file.filename,
                    "requested": dist.requested,
                })
            })
            .collect();
        let removed: Vec<Value> = report
            .removed
            .iter()
            .map(
                |(name, version)| json!({"name": name.to_string(), "version": version.to_string()}),
            )
            .collect();
        let satisfied: Vec<Value> = kept
            .iter()
            .map(|dist| json!({"name": dist.name.to_string(), "version": dist.version.to_string()}))
            .collect();
        output.stdout = format!(
            "{}\n",
            json!({
                "target": root,
                "installed": installed,
                "removed": removed,
                "already_satisfied": satisfied,
                "downloaded": report.downloaded,
                "cached": report.cached,
                "warnings": resolution.warnings,
                "elapsed_seconds": elapsed,
            })
        );
        return Ok(output);
    }
    let mut summary = String::new();
    let out = &mut summary;
    for dist in &kept {
        let _ = writeln!(
            out,
            "Requirement already satisfied: {} in {} ({})",
            dist.name,
            root.display(),
            dist.version
        );
    }
    let _ = writeln!(
        out,
        "Resolved {} package{} in {resolve_seconds:.2}s",
        resolution.packages.len(),
        plural(resolution.packages.len())
    );
    if report.downloaded + report.cached > 0 {
        let _ = writeln!(
            out,
            "Fetched {} wheel{} ({} downloaded, {} from the cache or disk)",
            report.downloaded + report.cached,
            plural(report.downloaded + report.cached),
            report.downloaded,
            report.cached
        );
    }
    if args.verbose && report.fell_back_to_copy {
        let _ = writeln!(
            output.stderr,
            "note: linking from the cache failed (another file system?), so files were copied"
        );
    }
    for (name, version) in &report.removed {
        let _ = writeln!(out, " - {name}=={version}");
    }
    for (name, version) in &report.installed {
        let _ = writeln!(out, " + {name}=={version}");
    }
    let _ = writeln!(
        out,
        "Installed {} package{} in {elapsed:.2}s",
        report.installed.len(),
        plural(report.installed.len())
    );
    // With the report on stdout, the summary moves to stderr, as in pip.
    match report_text {
        Some(text) => {
            output.stdout = text;
            if !args.quiet {
                output.stderr.push_str(&summary);
            }
        }
        None if !args.quiet => output.stdout.push_str(&summary),
        None => {}
    }
    Ok(output)
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

fn absolute(dir: &Path) -> std::path::PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// A URL as `direct_url.json` keeps it: no credentials, no fragment.
fn plain_url(url: &url::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    url.to_string()
}

fn link_mode(args: &InstallArgs) -> Result<LinkMode, CliError> {
    match args.link_mode.as_deref() {
        None => Ok(LinkMode::default()),
        Some(text) => text
            .parse()
            .map_err(|_| CliError::usage(format!("invalid --link-mode `{text}`"))),
    }
}

/// What the target holds that meets the whole request, when it does.
fn already_satisfied(
    prepared: &Prepared,
    installed: &[InstalledDist],
    no_deps: bool,
) -> Option<Vec<(PackageName, String)>> {
    if !prepared.request.overrides.is_empty() {
        return None;
    }
    // Only the distributions the request leads to are read, and of those
    // only METADATA's headers. One whose METADATA cannot be read satisfies
    // nothing, but does not stop another of that name from satisfying.
    let load = |name: &PackageName| {
        installed
            .iter()
            .rev()
            .filter(|dist| &dist.name == name)
            .find_map(|dist| {
                let requires_dist = dist.requires_dist().ok()?;
                Some(InstalledFacts {
                    name: dist.name.clone(),
                    version: dist.version.clone(),
                    requires_dist: if no_deps { Vec::new() } else { requires_dist },
                    direct_url: dist.direct_url().and_then(|value| {
                        value.get("url").and_then(Value::as_str).map(str::to_string)
                    }),
                })
            })
    };
    let requirements: Vec<_> = prepared
        .request
        .requirements
        .iter()
        .map(|user| user.requirement.clone())
        .collect();
    let constraints: Vec<_> = prepared
        .request
        .constraints
        .iter()
        .map(|user| user.requirement.clone())
        .collect();
    let found = pipit_install::satisfied_lazily(
        &requirements,
        &constraints,
        &prepared.target.interpreter.markers,
        load,
    )?;
    // A different version than the host has loaded needs the resolver.
    let loaded_differs = prepared.request.preferences.iter().any(|preference| {
        preference.kind == PreferenceKind::Loaded
            && found
                .iter()
                .any(|(name, version)| *name == preference.name && *version != preference.version)
    });
    if loaded_differs {
        return None;
    }
    Some(
        found
            .into_iter()
            .map(|(name, version)| (name, version.to_string()))
            .collect(),
    )
}

/// The resolver's choice as the installer takes it, with the user's
/// `--hash` values for it.
fn wheel_to_install(prepared: &Prepared, dist: &ResolvedDist) -> WheelToInstall {
    let allowed_hashes = prepared
        .request
        .requirements
        .iter()
        .chain(&prepared.request.constraints)
        .filter(|user| user.requirement.name == dist.name)
        .flat_map(|user| user.hashes.iter().cloned())
        .collect();
    WheelToInstall {
        name: dist.name.clone(),
        version: dist.version.clone(),
        filename: dist.file.filename.clone(),
        url: dist.file.url.clone(),
        sha256: dist.file.hashes.get("sha256").cloned(),
        allowed_hashes,
        requested: dist.requested,
        // PEP 610 wants the URL (`file:///…` for a path), without credentials.
        direct_url: dist.direct_url.as_ref().map(|_| plain_url(&dist.file.url)),
    }
}

impl From<InstallError> for CliError {
    fn from(error: InstallError) -> Self {
        match &error {
            InstallError::Download { source, .. } if !matches!(source, pipit_index::IndexError::HashMismatch { .. }) => {
                CliError::network(error.to_string())
            }
            // A file that is not what the index or the user said: pip
            // exits 1 for hash errors.
            InstallError::Download { .. } | InstallError::HashNotAllowed { .. } => {
                CliError::resolution(error.to_string())
                    .hint("the file changed since its hash was published, or the download was tampered with")
            }
            InstallError::Transaction(transaction) if transaction.left_changes() => {
                CliError::install(error.to_string())
            }
            _ => CliError::install(format!("{error}; nothing was changed")),
        }
    }
}

/// Writes pip's report to `path`, or returns its text for `-` (stdout).
fn write_report(path: &str, report: &Value) -> Result<Option<String>, CliError> {
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(report).unwrap_or_default()
    );
    if path == "-" {
        return Ok(Some(text));
    }
    fs_err::write(path, text)
        .map(|()| None)
        .map_err(|error| CliError::usage(format!("cannot write the report: {error}")))
}

/// `--dry-run`: resolve and say what would be installed.
fn dry_run(args: &InstallArgs) -> Result<Output, CliError> {
    let mut preferences = loaded_preferences(&args.loaded)?;
    let mut installed = Vec::new();
    if let Some(target) = &args.target {
        if !args.ignore_installed && !args.force_reinstall {
            let layout = super::installed::target_without_interpreter(target);
            installed = installed_dists(&layout)
                .map_err(|error| CliError::usage(format!("cannot read the target: {error}")))?
                .into_iter()
                .map(|dist| Preference {
                    name: dist.name,
                    version: dist.version,
                    kind: PreferenceKind::Installed,
                })
                .collect();
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
            write_report(path, &report)?;
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
