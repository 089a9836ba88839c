//! `pipit install`: resolve, then install into `--target DIR` or the
//! interpreter's environment, all or nothing (`pipit-install`); with
//! `--dry-run` only say what would be installed; `--report` writes pip's
//! installation report.

use std::fmt::Write;
use std::path::Path;
use std::str::FromStr;
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

use pipit_envs::{
    find_conflicts, parse_loaded, Conflict, LoadedCheck, LoadedDist, RootRequirement, SiteLayers,
};
use pipit_install::install::InstallReport;
use pipit_resolver::{RequirementSource, UserRequirement};

use super::resolve::{prepare, prepare_for, run, run_request, Prepared};

/// Resolves the request and installs it (or, with `--dry-run`, reports it).
pub fn install(args: &InstallArgs) -> Result<Output, CliError> {
    if args.dry_run {
        return dry_run(args);
    }
    let started = Instant::now();
    if args.on_conflict == "new-env" {
        return Err(
            CliError::usage("--on-conflict new-env needs the environment store")
                .hint("use `pipit script install FILE --on-conflict new-env`"),
        );
    }
    let loaded = parse_loaded(&args.loaded)?;
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
    let (lock, recovered) = lock_target(&layout, quiet)?;
    output.stderr.push_str(&recovered);
    let root = layout.root.clone();
    let installed =
        installed_dists(&layout).map_err(|error| CliError::install(error.to_string()))?;
    let host = Host::new(loaded, &args.search_path, args.on_conflict == "warn", &[])?;
    let preferences = host.preferences(&installed, keep_installed(args), &root);
    let prepared = prepare_for(&args.resolve, "install", preferences, probe, Vec::new())?;
    for note in &prepared.notes {
        let _ = writeln!(output.stderr, "warning: {note}");
    }
    let roots = roots(&prepared, &|_| None);
    let outcome = install_locked(args, &layout, &lock, &prepared, &installed, &host, &roots)?;
    drop(lock);
    let elapsed = started.elapsed().as_secs_f64();
    render(args, &root, Some(&prepared), &outcome, elapsed, &mut output);
    Ok(output)
}

/// Whether installed versions are kept when they satisfy (pip without
/// `--ignore-installed`/`--force-reinstall`).
fn keep_installed(args: &InstallArgs) -> bool {
    !args.ignore_installed && !args.force_reinstall
}

/// Locks the target and finishes or undoes what an interrupted run left;
/// returns the lock and a warning for stderr when there was something.
pub(crate) fn lock_target(
    layout: &InstallLayout,
    quiet: bool,
) -> Result<(TargetLock, String), CliError> {
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
    let mut note = String::new();
    if recovery.rolled_back + recovery.finished > 0 {
        let _ = writeln!(
            note,
            "warning: an interrupted install in {} was {} first",
            root.display(),
            if recovery.rolled_back > 0 {
                "rolled back"
            } else {
                "finished"
            }
        );
    }
    Ok((lock, note))
}

/// The host's side of a request: what the process has loaded, and the other
/// folders it imports from.
pub(crate) struct Host {
    /// `--loaded`.
    pub loaded: Vec<LoadedDist>,
    /// `--search-path` (and a script's `# env:` folders).
    pub layers: SiteLayers,
    /// Loaded from another environment of the store: they do not constrain
    /// this one, but installing another version of one is worth a warning.
    pub elsewhere: Vec<LoadedDist>,
    /// `--on-conflict warn`: install anyway, and say so.
    pub warn_only: bool,
}

impl Host {
    /// The host's side of an install. Every loaded distribution counts,
    /// except one loaded from `other_envs` (the store's other environments:
    /// the host chose per script which of those is on `sys.path`).
    pub fn new(
        loaded: Vec<LoadedDist>,
        search_path: &[std::path::PathBuf],
        warn_only: bool,
        other_envs: &[std::path::PathBuf],
    ) -> Result<Self, CliError> {
        let layers = SiteLayers::read(search_path)?;
        let (elsewhere, loaded) = loaded.into_iter().partition(|dist| {
            dist.location
                .as_deref()
                .is_some_and(|location| other_envs.contains(&absolute(location)))
        });
        Ok(Self {
            layers,
            loaded,
            elsewhere,
            warn_only,
        })
    }

    /// The resolver's preferences: loaded versions first, then what the
    /// target holds (unless reinstalling), then what the other folders hold.
    pub fn preferences(
        &self,
        installed: &[InstalledDist],
        keep_installed: bool,
        root: &Path,
    ) -> Vec<Preference> {
        let mut preferences: Vec<Preference> = self
            .loaded
            .iter()
            .map(|dist| Preference {
                name: dist.name.clone(),
                version: dist.version.clone(),
                kind: PreferenceKind::Loaded,
            })
            .collect();
        if keep_installed {
            let elsewhere = self.layers.dists_outside(root).map(|(_, dist)| dist);
            preferences.extend(installed.iter().chain(elsewhere).map(|dist| Preference {
                name: dist.name.clone(),
                version: dist.version.clone(),
                kind: PreferenceKind::Installed,
            }));
        }
        preferences
    }

    /// Whether the loaded `dist`'s files are in the target at `root`
    /// (loaded from there, or from an unnamed place while the target
    /// holds that very version).
    fn loaded_from_target(
        &self,
        dist: &LoadedDist,
        root: &Path,
        installed: &[InstalledDist],
    ) -> bool {
        match &dist.location {
            Some(location) => absolute(location) == absolute(root),
            None => installed
                .iter()
                .any(|have| have.name == dist.name && have.version == dist.version),
        }
    }
}

/// The request's requirements with where each was written, for conflict
/// chains; `written` gives a requirement's text as the user wrote it, when
/// the caller knows it (a script's directive).
pub(crate) fn roots(
    prepared: &Prepared,
    written: &dyn Fn(&UserRequirement) -> Option<String>,
) -> Vec<RootRequirement> {
    prepared
        .request
        .requirements
        .iter()
        .map(|user| RootRequirement {
            source: match &user.source {
                RequirementSource::Script { path, .. } => path.clone(),
                other => other.to_string(),
            },
            text: written(user).unwrap_or_else(|| user.requirement.to_string()),
            requirement: user.requirement.clone(),
        })
        .collect()
}

/// What an install into one locked target did.
pub(crate) enum Outcome {
    /// Everything was satisfied already, decided without the network.
    Satisfied {
        /// What satisfied the request, with the folder it is in.
        kept: Vec<(PackageName, String, std::path::PathBuf)>,
    },
    /// Resolved and installed.
    Installed {
        /// The resolution.
        resolution: Resolution,
        /// What the installer did.
        report: InstallReport,
        /// Resolved distributions already in place (the target, another
        /// folder of the search path, or loaded), with the folder.
        kept: Vec<(PackageName, String, std::path::PathBuf)>,
        /// Seconds spent resolving.
        resolve_seconds: f64,
        /// Warnings: the resolver's, shadowing, conflicts let through.
        warnings: Vec<String>,
    },
}

/// Resolves `prepared` and installs it into the locked target: the heart of
/// `pipit install` and `pipit script install`. Loaded distributions are
/// never replaced: a request that needs that is a conflict (exit 5, with
/// `conflicts` in the JSON), unless `host.warn_only`.
pub(crate) fn install_locked(
    args: &InstallArgs,
    layout: &InstallLayout,
    lock: &TargetLock,
    prepared: &Prepared,
    installed: &[InstalledDist],
    host: &Host,
    roots: &[RootRequirement],
) -> Result<Outcome, CliError> {
    let root = layout.root.clone();
    let keep_installed = keep_installed(args);
    let elsewhere: Vec<(&Path, &InstalledDist)> = host.layers.dists_outside(&root).collect();

    // Nothing to do, decided from the installed metadata: no network.
    if keep_installed && !args.resolve.upgrade {
        let candidates: Vec<(&Path, &InstalledDist)> = elsewhere
            .iter()
            .copied()
            .chain(installed.iter().map(|dist| (root.as_path(), dist)))
            .collect();
        if let Some(kept) = already_satisfied(prepared, &candidates, args.resolve.no_deps) {
            return Ok(Outcome::Satisfied { kept });
        }
    }

    let resolved_at = Instant::now();
    let (mut resolution, check) = resolve_checked(
        prepared,
        roots,
        host,
        &root,
        installed,
        args.force_reinstall,
    )?;
    let resolve_seconds = resolved_at.elapsed().as_secs_f64();
    let mut warnings = resolution.warnings.clone();
    for loaded in &host.elsewhere {
        if let Some(dist) = resolution
            .packages
            .iter()
            .find(|dist| dist.name == loaded.name && dist.version != loaded.version)
        {
            warnings.push(format!(
                "{} {} goes into {}, but this process has {} {} loaded from {}: only a process that has not imported it can use the new one",
                dist.name,
                dist.version,
                root.display(),
                loaded.display_name,
                loaded.version,
                loaded.location.as_deref().unwrap_or(Path::new("?")).display()
            ));
        }
    }
    for conflict in &check.conflicts {
        warnings.push(format!(
            "{} (installing anyway: --on-conflict warn)",
            conflict.message()
        ));
    }

    let mut wheels = Vec::new();
    let mut replace: Vec<InstalledDist> = Vec::new();
    let mut kept = Vec::new();
    let mut to_install = Vec::new();
    for dist in resolution.packages.drain(..) {
        if check.met_by_loaded.contains(&dist.name) {
            if let Some(loaded) = host.loaded.iter().find(|l| l.name == dist.name) {
                let from = loaded.location.clone().unwrap_or_default();
                kept.push((dist.name.clone(), loaded.version.to_string(), from));
            }
            continue;
        }
        // The host has this very version loaded from a folder it named
        // (not the target): it is there already, and is not copied here.
        if let Some(folder) = host.loaded.iter().find_map(|loaded| {
            let folder = loaded.location.as_deref()?;
            (loaded.name == dist.name
                && loaded.version == dist.version
                && absolute(folder) != absolute(&root))
            .then(|| absolute(folder))
        }) {
            kept.push((dist.name.clone(), dist.version.to_string(), folder));
            continue;
        }
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
            kept.push((dist.name.clone(), dist.version.to_string(), root.clone()));
            to_install.push(dist);
            continue;
        }
        // Another folder of the host's path holds this very version: the
        // host imports it from there, so it is not copied into the target.
        if dist.direct_url.is_none() && same_name.is_empty() {
            if let Some((folder, _)) = elsewhere
                .iter()
                .find(|(_, have)| have.name == dist.name && have.version == dist.version)
            {
                kept.push((
                    dist.name.clone(),
                    dist.version.to_string(),
                    folder.to_path_buf(),
                ));
                continue;
            }
        }
        if let Some((folder, version)) = host.layers.shadowing(&root, &dist.name) {
            if version != &dist.version {
                warnings.push(format!(
                    "{} {} installed into {} is shadowed by {} {version} in {}, which the host imports first",
                    dist.name,
                    dist.version,
                    root.display(),
                    dist.name,
                    folder.display()
                ));
            }
        }
        replace.extend(same_name.into_iter().cloned());
        wheels.push(wheel_to_install(prepared, &dist));
        to_install.push(dist);
    }
    resolution.packages = to_install;

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
    for loaded in &host.loaded {
        if !host.loaded_from_target(loaded, &root, installed) {
            continue;
        }
        for dist in installed.iter().filter(|have| have.name == loaded.name) {
            let files = dist
                .files(layout)
                .map_err(|error| CliError::install(error.to_string()))?;
            options.protected.extend(files);
        }
    }
    options.concurrency = options.concurrency.max(1);
    let quiet = args.quiet || args.json;
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
        lock,
        layout,
        wheels,
        replace,
        &options,
        reporter,
    ));
    if let Some(progress) = &progress {
        progress.finish();
    }
    let report = outcome.map_err(CliError::from)?;
    Ok(Outcome::Installed {
        resolution,
        report,
        kept,
        resolve_seconds,
        warnings,
    })
}

/// Resolves and checks the resolution against what the host has loaded:
/// a conflict is an error unless `host.warn_only` (then it is returned).
pub(crate) fn resolve_checked(
    prepared: &Prepared,
    roots: &[RootRequirement],
    host: &Host,
    root: &Path,
    installed: &[InstalledDist],
    force_reinstall: bool,
) -> Result<(Resolution, LoadedCheck), CliError> {
    // Loaded versions first as constraints: a request that can be met with
    // them is met with them, though a newer version would be chosen
    // otherwise. Only when that fails is the free resolution asked, to
    // tell a real conflict (and its chain) from any other failure.
    let resolution = match pinned_to_loaded(prepared, host) {
        Some(request) => match run_request(prepared, &request) {
            Ok(resolution) => resolution,
            Err(_) => run(prepared)?,
        },
        None => run(prepared)?,
    };
    let forced = |name: &PackageName| -> Option<&'static str> {
        let in_target = host
            .loaded
            .iter()
            .any(|dist| &dist.name == name && host.loaded_from_target(dist, root, installed));
        (force_reinstall && in_target).then_some("--force-reinstall")
    };
    let check = find_conflicts(
        &resolution,
        roots,
        &prepared.target.interpreter.markers,
        &host.loaded,
        &forced,
    );
    if !check.conflicts.is_empty() && !host.warn_only {
        return Err(conflict_error(&check.conflicts));
    }
    Ok((resolution, check))
}

/// The request with `name==version` constraints for what the host has
/// loaded; `None` when it has loaded nothing.
fn pinned_to_loaded(prepared: &Prepared, host: &Host) -> Option<pipit_resolver::Request> {
    if host.loaded.is_empty() {
        return None;
    }
    let mut request = prepared.request.clone();
    for dist in &host.loaded {
        let text = format!("{}=={}", dist.name, dist.version);
        let requirement = pep508_rs::Requirement::from_str(&text).ok()?;
        request.constraints.push(UserRequirement {
            requirement,
            hashes: Vec::new(),
            source: RequirementSource::CommandLine,
        });
    }
    Some(request)
}

/// Exit 5, one line per the first conflict, every conflict in the JSON.
pub(crate) fn conflict_error(conflicts: &[Conflict]) -> CliError {
    let mut error = CliError::conflict(conflicts[0].message()).detail(
        "conflicts",
        serde_json::to_value(conflicts).unwrap_or_default(),
    );
    for conflict in &conflicts[1..] {
        error = error.hint(conflict.message());
    }
    error.hint("nothing was installed; a script can use `# venv: NAME` for an environment of its own, which a separate process can load")
}

/// Prints what [`install_locked`] did, as pip would (or as JSON).
pub(crate) fn render(
    args: &InstallArgs,
    root: &Path,
    prepared: Option<&Prepared>,
    outcome: &Outcome,
    elapsed: f64,
    output: &mut Output,
) {
    let (resolution, report, kept, resolve_seconds, warnings) = match outcome {
        Outcome::Satisfied { kept } => {
            if args.json {
                output.stdout = format!("{}\n", outcome_json(root, outcome, elapsed));
            } else if !args.quiet {
                for (name, version, folder) in kept {
                    let _ = writeln!(
                        output.stdout,
                        "Requirement already satisfied: {name} in {} ({version})",
                        folder.display()
                    );
                }
            }
            return;
        }
        Outcome::Installed {
            resolution,
            report,
            kept,
            resolve_seconds,
            warnings,
        } => (resolution, report, kept, *resolve_seconds, warnings),
    };
    for warning in warnings {
        let _ = writeln!(output.stderr, "warning: {warning}");
    }
    let mut report_text = None;
    if let (Some(path), Some(prepared)) = (args.report.as_deref(), prepared) {
        let mut to_report = resolution.clone();
        to_report.packages.retain(|dist| {
            !kept
                .iter()
                .any(|(name, _, folder)| name == &dist.name && folder.as_path() == root)
        });
        let pip_report = self::report(
            &to_report,
            &prepared.target.interpreter.to_json()["markers"],
        );
        match write_report(path, &pip_report) {
            Ok(text) => report_text = text,
            Err(error) => {
                let _ = writeln!(output.stderr, "warning: {}", error.message);
            }
        }
    }
    if args.json {
        output.stdout = format!("{}\n", outcome_json(root, outcome, elapsed));
        return;
    }
    let mut summary = String::new();
    let out = &mut summary;
    for (name, version, folder) in kept {
        let _ = writeln!(
            out,
            "Requirement already satisfied: {name} in {} ({version})",
            folder.display()
        );
    }
    let total =
        resolution.packages.len() + kept.iter().filter(|(_, _, f)| f.as_path() != root).count();
    let _ = writeln!(
        out,
        "Resolved {total} package{} in {resolve_seconds:.2}s",
        plural(total)
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
}

fn kept_json(kept: &[(PackageName, String, std::path::PathBuf)]) -> Vec<Value> {
    kept.iter()
        .map(
            |(name, version, folder)| json!({"name": name, "version": version, "location": folder}),
        )
        .collect()
}

/// The `--json` object of an install.
pub(crate) fn outcome_json(root: &Path, outcome: &Outcome, elapsed: f64) -> Value {
    let (resolution, report, kept, warnings) = match outcome {
        Outcome::Satisfied { kept } => {
            return json!({
                "target": root,
                "installed": [],
                "removed": [],
                "already_satisfied": kept_json(kept),
                "downloaded": 0,
                "cached": 0,
                "warnings": [],
                "elapsed_seconds": elapsed,
            })
        }
        Outcome::Installed {
            resolution,
            report,
            kept,
            warnings,
            ..
        } => (resolution, report, kept, warnings),
    };
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
        .map(|(name, version)| json!({"name": name.to_string(), "version": version.to_string()}))
        .collect();
    json!({
        "target": root,
        "installed": installed,
        "removed": removed,
        "already_satisfied": kept_json(kept),
        "downloaded": report.downloaded,
        "cached": report.cached,
        "warnings": warnings,
        "elapsed_seconds": elapsed,
    })
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// `dir` made absolute with `.` and `..` resolved (the transaction takes
/// only plain absolute paths, and folders compare by this form).
pub(crate) fn absolute(dir: &Path) -> std::path::PathBuf {
    pipit_install::installed::normalize_lexically(
        &std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()),
    )
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
    candidates: &[(&Path, &InstalledDist)],
    no_deps: bool,
) -> Option<Vec<(PackageName, String, std::path::PathBuf)>> {
    if !prepared.request.overrides.is_empty() {
        return None;
    }
    // Only the distributions the request leads to are read, and of those
    // only METADATA's headers. One whose METADATA cannot be read satisfies
    // nothing, but does not stop another of that name from satisfying; of
    // several readable ones the last candidate wins (the target's own).
    let load = |name: &PackageName| {
        candidates
            .iter()
            .rev()
            .filter(|(_, dist)| &dist.name == name)
            .find_map(|(_, dist)| {
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
            .map(|(name, version)| {
                let folder = candidates
                    .iter()
                    .rev()
                    .find(|(_, dist)| dist.name == name && dist.version == version)
                    .map(|(folder, _)| folder.to_path_buf())
                    .unwrap_or_default();
                (name, version.to_string(), folder)
            })
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
        url: dist.file.url.to_url(),
        sha256: dist.file.hashes.get("sha256").cloned(),
        allowed_hashes,
        requested: dist.requested,
        // PEP 610 wants the URL (`file:///…` for a path), without credentials.
        direct_url: dist.direct_url.as_ref().map(|_| plain_url(&dist.file.url)),
        size: dist.file.size,
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
    let host = Host::new(parse_loaded(&args.loaded)?, &args.search_path, false, &[])?;
    let mut preferences = host.preferences(&[], false, Path::new(""));
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
    let mut prepared = prepare(&args.resolve, "install", preferences)?;
    // Only the report shows a file's hash; without one, local wheels are
    // not read whole.
    prepared.options.hash_local_files = args.report.is_some();
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
    let mut without_credentials = dist.file.url.to_url();
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
