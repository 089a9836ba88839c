//! `pipit script inspect`: what a script's directives ask for;
//! `pipit script install`: install it into the script's environment of the
//! store (`pipit-envs`), with the host's loaded packages in mind.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use pipit_envs::record::now;
use pipit_envs::{
    parse_loaded, Env, EnvState, InstalledRecord, ScriptRecord, ScriptRequest, Store, DEFAULT_ENV,
};
use pipit_install::{installed_dists, InstallLayout, TargetLock};
use pipit_requirements::reqfile;
use pipit_requirements::script::{self, ScriptDirectives};
use pipit_resolver::{RequirementSource, UserRequirement};
use serde_json::{json, Value};

use super::install::{
    absolute, install_locked, lock_target, outcome_json, render, resolve_checked, roots, Host,
    Outcome,
};
use super::resolve::{prepare_for, user_requirement};
use crate::cli::{Output, ScriptInspectArgs, ScriptInstallArgs};
use crate::exit::{CliError, ErrorKind, ErrorLocation};

/// Prints the directives of one script, human or JSON.
pub fn inspect(args: &ScriptInspectArgs) -> Result<Output, CliError> {
    let directives = script::parse_script(&args.file)?;
    if args.target.is_given() {
        let target = super::target_interpreter(&args.target, &args.cache)?;
        let version = &target.interpreter.markers.python_full_version().version;
        directives.check_requires_python(version)?;
    }
    let stderr = source_notes(&directives);
    if args.json {
        let json = serde_json::to_string(&directives)
            .map_err(|error| CliError::usage(format!("cannot write JSON: {error}")))?;
        return Ok(Output {
            stdout: format!("{json}\n"),
            stderr,
            ..Output::default()
        });
    }
    Ok(Output {
        stdout: render_human(&directives),
        stderr,
        ..Output::default()
    })
}

/// Source requirements are recorded but not installable yet: say so, naming
/// the directive, so nobody mistakes them for ignored.
fn source_notes(directives: &ScriptDirectives) -> String {
    let mut notes = String::new();
    for source in &directives.sources {
        let _ = writeln!(
            notes,
            "note: {}:{}: `{}` needs a source build, which pipit does not do yet",
            directives.file, source.line, source.spec
        );
    }
    notes
}

fn render_human(directives: &ScriptDirectives) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", directives.file);
    if let Some(language) = &directives.language {
        let _ = writeln!(out, "  language: {language}");
    }
    let venv = directives.venv.as_deref().unwrap_or("default");
    let _ = writeln!(out, "  environment: {venv}");
    if let Some(requires_python) = &directives.requires_python {
        let _ = writeln!(out, "  requires-python: {requires_python}");
    }
    section(
        &mut out,
        "requirements",
        directives
            .requirements
            .iter()
            .map(|item| (item.spec.clone(), item.line)),
    );
    section(
        &mut out,
        "wheels",
        directives
            .wheels
            .iter()
            .map(|item| (item.path.clone(), item.line)),
    );
    section(
        &mut out,
        "sources (need a source build)",
        directives
            .sources
            .iter()
            .map(|item| (format!("{} {}", item.kind, item.spec), item.line)),
    );
    section(
        &mut out,
        "other providers (not installed by pipit)",
        directives
            .other_providers
            .iter()
            .map(|item| (format!("{}: {}", item.provider, item.spec), item.line)),
    );
    section(
        &mut out,
        "search paths",
        directives
            .search_paths
            .iter()
            .map(|item| (item.path.clone(), item.line)),
    );
    let options = &directives.options;
    let mut lines = Vec::new();
    if let Some(index_url) = &options.index_url {
        lines.push(format!("--index-url {index_url}"));
    }
    for url in &options.extra_index_urls {
        lines.push(format!("--extra-index-url {url}"));
    }
    for link in &options.find_links {
        lines.push(format!("--find-links {link}"));
    }
    if options.no_index {
        lines.push("--no-index".to_string());
    }
    if options.pre {
        lines.push("--pre".to_string());
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "  options:");
        for line in lines {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// One titled list of `text (line N)` rows; nothing when the list is empty.
fn section(out: &mut String, title: &str, rows: impl Iterator<Item = (String, usize)>) {
    let rows: Vec<(String, usize)> = rows.collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {title}:");
    for (text, line) in rows {
        let _ = writeln!(out, "    {text}  (line {line})");
    }
}

/// `pipit script install`: the script's directives, resolved together with
/// what the other scripts of its environment asked for, installed into that
/// environment. The last line printed (or the JSON's `env_path`) is the
/// folder the host puts on `sys.path`.
pub fn install(args: &ScriptInstallArgs) -> Result<Output, CliError> {
    let started = Instant::now();
    let options = &args.install;
    if options.target.is_some() {
        return Err(CliError::usage(
            "--target does not apply: a script installs into its environment",
        )
        .hint("choose the store with --root DIR (or PIPIT_ROOT), and the environment with `# venv: NAME` in the script"));
    }
    if !options.resolve.requirements.is_empty() {
        return Err(CliError::usage(format!(
            "unexpected requirement `{}`: a script's requirements come from its directives",
            options.resolve.requirements[0]
        )));
    }
    if options.report.is_some() {
        return Err(
            CliError::usage("--report is not supported by `script install`")
                .hint("`--json` describes what was installed"),
        );
    }
    if options.dry_run {
        return Err(
            CliError::usage("--dry-run is not supported by `script install` yet")
                .hint("`pipit script inspect FILE` shows what the script asks for"),
        );
    }
    let directives = script::parse_script(&args.file)?;
    let probe = super::target_interpreter(&options.resolve.target, &options.resolve.cache)?;
    directives.check_requires_python(&probe.interpreter.markers.python_full_version().version)?;
    let store = args.store.store()?;
    let script = ScriptInput::read(&args.file, &directives)?;
    let mut output = Output {
        stderr: source_notes(&directives),
        ..Output::default()
    };
    let env_name = directives.venv.as_deref().unwrap_or(DEFAULT_ENV);
    if script.requests.is_empty() {
        forget_script(&store, None, &script.path, &mut output);
        let env = store.find(env_name)?;
        return Ok(nothing_to_install(args, &script, env, &mut output));
    }
    let loaded = parse_loaded(&options.loaded)?;
    let mut search_path = options.search_path.clone();
    search_path.extend(script.search_paths.iter().cloned());
    let (env, created) = store.find_or_create(env_name)?;
    let other_envs: Vec<PathBuf> = store
        .list()?
        .into_iter()
        .map(|other| absolute(&other.path))
        .filter(|path| *path != absolute(&env.path))
        .collect();
    let host = match Host::new(
        loaded,
        &search_path,
        options.on_conflict == "warn",
        &other_envs,
    ) {
        Ok(host) => host,
        Err(error) => {
            if created {
                let _ = store.remove(&env);
            }
            return Err(error);
        }
    };
    let attempt = install_into(
        args,
        &store,
        &env,
        created,
        &script,
        &host,
        &probe,
        &mut output,
    );
    let (env, outcome, separate) = match attempt {
        Ok(outcome) => (env, outcome, None),
        Err(error) if error.kind == ErrorKind::Conflict && options.on_conflict == "new-env" => {
            // A process that has not loaded anything can use a fresh
            // environment; this one cannot.
            let (env, created) = separate_env(&store, env_name, &script.path)?;
            // Nor does the other process import from where this one's
            // loaded packages came from: only the search path counts.
            let host = Host::new(Vec::new(), &search_path, false, &[])?;
            let outcome = install_into(
                args,
                &store,
                &env,
                created,
                &script,
                &host,
                &probe,
                &mut output,
            )?;
            let warning = format!(
                "{}; installed into a new environment instead, which only a separate process can use",
                error.message
            );
            let _ = writeln!(output.stderr, "warning: {warning}");
            (env, outcome, Some(warning))
        }
        // A host reading the JSON learns which environment was left as it
        // was (none, when this run had created it and took it away again).
        Err(error) => {
            let kept = env.path.is_dir().then(|| env.path.clone());
            return Err(error
                .detail("script", json!(script.label))
                .detail("env_path", json!(kept)));
        }
    };
    // What the script asked of the environments it no longer names no
    // longer holds them back.
    forget_script(&store, Some(&env.path), &script.path, &mut output);
    let elapsed = started.elapsed().as_secs_f64();
    if options.json {
        let mut value = outcome_json(&env.path, &outcome, elapsed);
        if let Value::Object(object) = &mut value {
            object.insert("script".into(), json!(script.label));
            object.insert("env".into(), json!({"name": env.name, "id": env.id}));
            object.insert("env_path".into(), json!(env.path));
            object.insert("separate_process".into(), json!(separate.is_some()));
            if let (Some(warning), Some(Value::Array(warnings))) =
                (&separate, object.get_mut("warnings"))
            {
                warnings.insert(0, json!(warning));
            }
        }
        output.stdout = format!("{value}\n");
        return Ok(output);
    }
    let quiet = options.quiet;
    render(options, &env.path, None, &outcome, elapsed, &mut output);
    if quiet {
        output.stdout.clear();
    }
    if separate.is_some() {
        let _ = writeln!(
            output.stdout,
            "note: {} can only be used by a separate process (the packages this process has loaded conflict with it)",
            env.path.display()
        );
    }
    let _ = writeln!(output.stdout, "{}", env.path.display());
    Ok(output)
}

/// One script's side of the request.
struct ScriptInput {
    /// The script as the user named it (for messages and conflict chains).
    label: String,
    /// Its absolute path (the key in `env.json`).
    path: String,
    /// Its requirements, wheels as absolute paths.
    requests: Vec<ScriptRequest>,
    /// `--find-links` of its directives, relative ones made absolute.
    find_links: Vec<String>,
    /// Index URLs its directives named (`--index-url` first).
    index_urls: Vec<String>,
    /// `--no-index` in a directive.
    no_index: bool,
    /// `--pre` in a directive.
    pre: bool,
    /// `# env:` folders, made absolute.
    search_paths: Vec<PathBuf>,
}

impl ScriptInput {
    fn read(file: &Path, directives: &ScriptDirectives) -> Result<Self, CliError> {
        // The key in `env.json`: one script reached through `..` or a
        // symlink is still one script.
        let path = std::fs::canonicalize(file).unwrap_or_else(|_| absolute(file));
        // The parser has already joined relative paths to the script's
        // folder as named (`sub/script.py` gives `sub/wheels`): they are
        // relative to the working directory now, not to the script's folder.
        let local = |given: &str| {
            if given.contains("://") {
                given.to_string()
            } else {
                absolute(Path::new(given)).display().to_string()
            }
        };
        let mut requests: Vec<ScriptRequest> = directives
            .requirements
            .iter()
            .map(|item| ScriptRequest {
                spec: item.spec.clone(),
                line: item.line,
            })
            .collect();
        for wheel in &directives.wheels {
            requests.push(ScriptRequest {
                spec: local(&wheel.path),
                line: wheel.line,
            });
        }
        let options = &directives.options;
        let find_links = options.find_links.iter().map(|link| local(link)).collect();
        let index_urls = options
            .index_url
            .iter()
            .chain(&options.extra_index_urls)
            .cloned()
            .collect();
        let search_paths = directives
            .search_paths
            .iter()
            .map(|item| absolute(Path::new(&item.path)))
            .collect();
        Ok(Self {
            label: file.display().to_string(),
            path: path.display().to_string(),
            requests,
            find_links,
            index_urls,
            no_index: options.no_index,
            pre: options.pre,
            search_paths,
        })
    }
}

/// The environment `--on-conflict new-env` uses: the one made for this
/// script before, else a new one.
fn separate_env(store: &Store, name: &str, script: &str) -> Result<(Env, bool), CliError> {
    for env in store.list()? {
        if env.name != name {
            continue;
        }
        let Ok(record) = env.read_record() else {
            continue;
        };
        if record.separate_process && record.scripts.iter().any(|s| s.script == script) {
            return Ok((env, false));
        }
    }
    Ok((store.create(name, true)?, true))
}

/// Installs into `env` under its lock: this script's requests with those of
/// the environment's other scripts, then records them in `env.json`. On
/// failure the environment is as it was, and one this run created is gone.
#[allow(clippy::too_many_arguments)]
fn install_into(
    args: &ScriptInstallArgs,
    store: &Store,
    env: &Env,
    created: bool,
    script: &ScriptInput,
    host: &Host,
    probe: &super::Target,
    output: &mut Output,
) -> Result<Outcome, CliError> {
    let options = &args.install;
    let layout = InstallLayout::target(&env.path, &probe.interpreter);
    let (lock, recovered) = lock_target(&layout, options.quiet || options.json)?;
    if !env.record_path().is_file() {
        // Removed (`env remove`, `gc`, `reset`) while this run waited for
        // its lock: what the lock left behind goes too, and nothing is
        // installed into a folder the store no longer knows.
        drop(lock);
        let state = env.path.join(pipit_install::lock::STATE_DIR);
        let _ = std::fs::remove_file(state.join("lock"));
        let _ = std::fs::remove_dir(&state);
        let _ = std::fs::remove_dir(&env.path);
        return Err(CliError::install(format!(
            "environment {} was removed while this install waited for it; nothing was installed",
            env.path.display()
        ))
        .hint("run the script install again: it finds or creates its environment anew"));
    }
    output.stderr.push_str(&recovered);
    let result = install_locked_env(args, env, &layout, &lock, script, host, probe, output);
    match result {
        Ok(outcome) => Ok(outcome),
        Err(error) => {
            if created {
                let _ = store.remove_locked(env, lock);
            }
            Err(error)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn install_locked_env(
    args: &ScriptInstallArgs,
    env: &Env,
    layout: &InstallLayout,
    lock: &TargetLock,
    script: &ScriptInput,
    host: &Host,
    probe: &super::Target,
    output: &mut Output,
) -> Result<Outcome, CliError> {
    let options = &args.install;
    let mut record = env.read_record()?;
    if record.state == EnvState::Invalid {
        return Err(CliError::install(format!(
            "environment {} is invalid: {}",
            env.path.display(),
            record.reason.as_deref().unwrap_or("no reason recorded")
        ))
        .hint("`pipit env gc` repairs or removes it; then run the script install again"));
    }
    let installed =
        installed_dists(layout).map_err(|error| CliError::install(error.to_string()))?;
    let others: Vec<&ScriptRecord> = record
        .scripts
        .iter()
        .filter(|other| other.script != script.path)
        .collect();
    let mut requirements = script_requirements(&script.label, &script.requests)?;
    let mut resolve = options.resolve.clone();
    merge_index_options(&mut resolve, script);
    for other in &others {
        requirements.extend(script_requirements(&other.script, &other.requests)?);
        resolve
            .index
            .find_links
            .extend(other.find_links.iter().cloned());
        resolve
            .index
            .extra_index_urls
            .extend(other.index_urls.iter().cloned());
    }
    let keep = !options.ignore_installed && !options.force_reinstall;
    let preferences = host.preferences(&installed, keep, &env.path);
    let prepared = prepare_for(
        &resolve,
        "install",
        preferences.clone(),
        probe.clone(),
        requirements,
    )?;
    for note in &prepared.notes {
        let _ = writeln!(output.stderr, "warning: {note}");
    }
    let roots = roots(&prepared, &|user| written(user, script, &others));
    let outcome = match install_locked(options, layout, lock, &prepared, &installed, host, &roots) {
        Err(error) if error.kind == ErrorKind::Resolution && !others.is_empty() => {
            return Err(explain_shared_failure(
                error,
                &resolve,
                &env.path,
                &others,
                script,
                host,
                &installed,
                probe,
                preferences,
            ))
        }
        other => other?,
    };
    record.set_script(ScriptRecord {
        script: script.path.clone(),
        requests: script.requests.clone(),
        find_links: script.find_links.clone(),
        index_urls: script.index_urls.clone(),
        updated: now(),
    });
    record.installed = installed_dists(layout)
        .map_err(|error| CliError::install(error.to_string()))?
        .iter()
        .map(|dist| {
            let name = dist
                .metadata()
                .map(|metadata| metadata.name)
                .unwrap_or_else(|_| dist.name.to_string());
            InstalledRecord {
                name,
                version: dist.version.to_string(),
            }
        })
        .collect();
    record.validate();
    env.write_record(&record)?;
    Ok(outcome)
}

/// The shared environment's request cannot be met. When this script's own
/// request needs another version of a loaded package, that is the answer
/// (exit 5); otherwise the scripts disagree with each other (exit 1, and
/// the explanation names both).
#[allow(clippy::too_many_arguments)]
fn explain_shared_failure(
    error: CliError,
    resolve: &crate::cli::ResolveArgs,
    env_path: &Path,
    others: &[&ScriptRecord],
    script: &ScriptInput,
    host: &Host,
    installed: &[pipit_install::InstalledDist],
    probe: &super::Target,
    preferences: Vec<pipit_resolver::Preference>,
) -> CliError {
    let alone = script_requirements(&script.label, &script.requests).and_then(|requirements| {
        prepare_for(resolve, "install", preferences, probe.clone(), requirements)
    });
    match alone {
        // The script cannot even be installed by itself: that is its own
        // failure (or its conflict with what is loaded), not the others'.
        Err(own) => return own,
        Ok(prepared) => {
            let roots = roots(&prepared, &|user| written(user, script, others));
            if let Err(own) = resolve_checked(&prepared, &roots, host, env_path, installed, false) {
                return own;
            }
        }
    }
    // Which of the other scripts this one cannot live with: one pair at a
    // time, so the message names both scripts and both requests.
    for other in others {
        let pair = script_requirements(&script.label, &script.requests).and_then(|mut ours| {
            ours.extend(script_requirements(&other.script, &other.requests)?);
            prepare_for(resolve, "install", Vec::new(), probe.clone(), ours)
        });
        let Ok(pair) = pair else { continue };
        if let Err(pair_error) = super::resolve::run(&pair) {
            if pair_error.kind != ErrorKind::Resolution {
                continue;
            }
            let message = format!(
                "{} ({}) and {} ({}) cannot share environment {}: {}",
                script.label,
                specs(&script.requests),
                other.script,
                specs(&other.requests),
                env_path.display(),
                pair_error.message
            );
            return CliError {
                message,
                ..pair_error
            }
            .hint("give one of the scripts an environment of its own with `# venv: NAME`");
        }
    }
    let message = format!(
        "{} cannot share environment {} with its other scripts: {}",
        script.label,
        env_path.display(),
        error.message
    );
    CliError { message, ..error }
        .hint("give the script an environment of its own with `# venv: NAME`")
}

/// A script requirement's text as the script wrote it.
fn written(
    user: &UserRequirement,
    script: &ScriptInput,
    others: &[&ScriptRecord],
) -> Option<String> {
    let RequirementSource::Script { path, line } = &user.source else {
        return None;
    };
    let requests = if path == &script.label {
        &script.requests
    } else {
        &others.iter().find(|other| &other.script == path)?.requests
    };
    requests
        .iter()
        .filter(|request| request.line == *line)
        .find(|request| {
            pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(&request.spec)
                .is_ok_and(|parsed| parsed.name == user.requirement.name)
        })
        .map(|request| request.spec.clone())
}

fn specs(requests: &[ScriptRequest]) -> String {
    requests
        .iter()
        .map(|request| request.spec.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A script's recorded requests as the resolver takes them, each tied to
/// the script's line.
fn script_requirements(
    script: &str,
    requests: &[ScriptRequest],
) -> Result<Vec<UserRequirement>, CliError> {
    requests
        .iter()
        .map(|request| {
            let source = RequirementSource::Script {
                path: script.to_string(),
                line: request.line,
            };
            let kind = reqfile::parse_requirement_arg(&request.spec).map_err(|message| {
                let mut error = CliError::usage(format!(
                    "{script}:{}: invalid requirement `{}`: {message}",
                    request.line, request.spec
                ));
                error.location = Some(ErrorLocation {
                    file: script.to_string(),
                    line: Some(request.line),
                });
                error
            })?;
            user_requirement(kind, Vec::new(), source)
        })
        .collect()
}

/// The script's own index options join the command line's.
fn merge_index_options(resolve: &mut crate::cli::ResolveArgs, script: &ScriptInput) {
    let index = &mut resolve.index;
    let mut urls = script.index_urls.iter();
    if let Some(first) = urls.next() {
        match &index.index_url {
            None => index.index_url = Some(first.clone()),
            Some(_) => index.extra_index_urls.push(first.clone()),
        }
    }
    index.extra_index_urls.extend(urls.cloned());
    index.find_links.extend(script.find_links.iter().cloned());
    index.no_index |= script.no_index;
    resolve.pre |= script.pre;
}

/// Drops `script`'s requests from every shared environment but `keep`.
/// An environment busy with an install is left for the next run.
fn forget_script(store: &Store, keep: Option<&Path>, script: &str, output: &mut Output) {
    let Ok(envs) = store.list() else {
        return;
    };
    for env in envs {
        if Some(env.path.as_path()) == keep {
            continue;
        }
        let named = env
            .read_record()
            .is_ok_and(|record| record.scripts.iter().any(|s| s.script == script));
        if !named {
            continue;
        }
        let Ok(_lock) = TargetLock::try_acquire(&env.path) else {
            continue;
        };
        let Ok(mut record) = env.read_record() else {
            continue;
        };
        record.scripts.retain(|s| s.script != script);
        if env.write_record(&record).is_ok() {
            let _ = writeln!(
                output.stderr,
                "note: {script} no longer asks {} for anything; its packages stay until removed",
                env.path.display()
            );
        }
    }
}

/// A script without requirements: nothing to install, and the folder of
/// its environment when there is one.
fn nothing_to_install(
    args: &ScriptInstallArgs,
    script: &ScriptInput,
    env: Option<Env>,
    output: &mut Output,
) -> Output {
    if args.install.json {
        output.stdout = format!(
            "{}\n",
            json!({
                "script": script.label,
                "env": env.as_ref().map(|env| json!({"name": env.name, "id": env.id})),
                "env_path": env.as_ref().map(|env| env.path.clone()),
                "installed": [],
                "already_satisfied": [],
                "separate_process": false,
            })
        );
    } else {
        let _ = writeln!(output.stdout, "{} asks for no packages", script.label);
        if let Some(env) = &env {
            let _ = writeln!(output.stdout, "{}", env.path.display());
        }
    }
    std::mem::take(output)
}
