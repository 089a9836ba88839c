//! What `install` and `compile` share: reading the requirements (arguments,
//! `-r`, `-c`, `--override`), pip's resolution flags, and running the
//! resolver.

use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{PackageName, Requirement, VerbatimUrl};
use pipit_requirements::reqfile::{self, RequirementEntry, RequirementKind};
use pipit_resolver::{
    NameSet, Preference, Request, RequirementSource, Resolution, ResolveError, ResolveOptions,
    Sources, Upgrade, UserRequirement,
};

use crate::cli::ResolveArgs;
use crate::exit::{CliError, ErrorLocation};

use super::{package_sources, target_interpreter, PackageSources, Target};

/// A request ready to resolve, with everything that shaped it.
pub(crate) struct Prepared {
    /// The requirements, constraints, overrides and preferences.
    pub request: Request,
    /// pip's flags, merged with the requirements files' options.
    pub options: ResolveOptions,
    /// The indexes and find-links.
    pub sources: PackageSources,
    /// The target interpreter.
    pub target: Target,
    /// Notes for stderr (requirements-file warnings).
    pub notes: Vec<String>,
}

/// Reads every input the flags name. `command` picks pip.conf's section.
pub(crate) fn prepare(
    args: &ResolveArgs,
    command: &str,
    preferences: Vec<Preference>,
) -> Result<Prepared, CliError> {
    let target = target_interpreter(&args.target, &args.cache)?;
    prepare_for(args, command, preferences, target, Vec::new())
}

/// [`prepare`] for an interpreter the caller has already found, with
/// requirements the caller read elsewhere (a script's directives) first.
pub(crate) fn prepare_for(
    args: &ResolveArgs,
    command: &str,
    preferences: Vec<Preference>,
    target: Target,
    requirements: Vec<UserRequirement>,
) -> Result<Prepared, CliError> {
    let mut request = Request {
        requirements,
        preferences,
        ..Request::default()
    };
    let mut notes = Vec::new();
    let mut index = args.index.clone();
    let mut pre = args.pre;
    let mut only_binary = split_names(&args.only_binary)?;
    let mut no_binary = split_names(&args.no_binary)?;
    let mut prefer_binary = args.prefer_binary;
    let mut require_hashes = args.require_hashes;

    for text in &args.requirements {
        let kind = reqfile::parse_requirement_arg(text).map_err(|message| {
            CliError::usage(format!("invalid requirement `{text}`: {message}"))
        })?;
        request.requirements.push(user_requirement(
            kind,
            Vec::new(),
            RequirementSource::CommandLine,
        )?);
    }
    for path in &args.requirement_files {
        let file = reqfile::parse_file(path)?;
        let display = path.display().to_string();
        for warning in &file.warnings {
            notes.push(format!(
                "{}:{}: {}",
                display, warning.location.line, warning.message
            ));
        }
        if let Some(editable) = file.editables.first() {
            return Err(CliError {
                location: Some(ErrorLocation {
                    file: editable.location.file.display().to_string(),
                    line: Some(editable.location.line),
                }),
                ..CliError::usage(format!(
                    "{}:{}: `-e {}` needs a source build, which pipit does not do yet",
                    editable.location.file.display(),
                    editable.location.line,
                    editable.target
                ))
            });
        }
        for entry in file.requirements {
            request.requirements.push(from_entry(entry)?);
        }
        for entry in file.constraints {
            request.constraints.push(from_entry(entry)?);
        }
        // The file's options join the command line's, as in pip.
        let options = file.options;
        if index.index_url.is_none() {
            index.index_url = options.index_url;
        }
        index.extra_index_urls.extend(options.extra_index_urls);
        index.find_links.extend(options.find_links);
        index.no_index |= options.no_index;
        index.trusted_hosts.extend(options.trusted_hosts);
        pre |= options.pre;
        prefer_binary |= options.prefer_binary;
        require_hashes |= options.require_hashes;
        merge_names(&mut only_binary, &options.only_binary)?;
        merge_names(&mut no_binary, &options.no_binary)?;
    }
    for path in &args.constraint_files {
        let file = reqfile::parse_file(path)?;
        for entry in file.requirements.into_iter().chain(file.constraints) {
            request.constraints.push(from_entry(entry)?);
        }
    }
    for path in &args.override_files {
        let file = reqfile::parse_file(path)?;
        for entry in file.requirements {
            request.overrides.push(from_entry(entry)?);
        }
    }
    if request.requirements.is_empty() {
        return Err(CliError::usage(format!(
            "you must give at least one requirement to {command}"
        ))
        .hint(format!(
            "e.g. `pipit {command} requests` or `pipit {command} -r requirements.txt`"
        )));
    }

    let exclude_newer = args
        .exclude_newer
        .as_deref()
        .map(parse_cutoff)
        .transpose()?;
    let upgrade = match (args.upgrade, args.upgrade_strategy.as_deref()) {
        (false, _) => Upgrade::None,
        (true, Some("eager")) => Upgrade::All,
        (true, _) => Upgrade::Packages(
            request
                .requirements
                .iter()
                .map(|user| user.requirement.name.clone())
                .collect(),
        ),
    };
    let options = ResolveOptions {
        pre,
        ignore_requires_python: args.ignore_requires_python,
        only_binary,
        no_binary,
        prefer_binary,
        exclude_newer,
        no_deps: args.no_deps,
        require_hashes,
        upgrade,
        ..ResolveOptions::default()
    };
    let sources = package_sources(command, &index, pre, &args.cache)?;
    Ok(Prepared {
        request,
        options,
        sources,
        target,
        notes,
    })
}

/// Runs the resolver on a runtime of its own.
pub(crate) fn run(prepared: &Prepared) -> Result<Resolution, CliError> {
    run_request(prepared, &prepared.request)
}

/// [`run`] for another request over the same sources, target and options.
pub(crate) fn run_request(prepared: &Prepared, request: &Request) -> Result<Resolution, CliError> {
    let sources = Sources {
        client: prepared.sources.client.clone(),
        find_links: prepared.sources.find_links.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| CliError::usage(format!("cannot start the async runtime: {error}")))?;
    runtime
        .block_on(pipit_resolver::resolve(
            request,
            &sources,
            &prepared.target.interpreter,
            &prepared.options,
        ))
        .map_err(CliError::from)
}

impl From<ResolveError> for CliError {
    fn from(error: ResolveError) -> Self {
        match error {
            ResolveError::NoSolution { explanation } => CliError {
                explanation: Some(explanation.into()),
                ..CliError::resolution("the requirements cannot be satisfied together")
            },
            ResolveError::Listing { error, .. } => CliError::from(error.as_ref()),
            ResolveError::Metadata { .. } => CliError::network(error.to_string()),
            ResolveError::InvalidRequest { message } => CliError::usage(message),
            // pip exits 1 for hash errors, like a failed resolution.
            ResolveError::Hashes { message } => CliError::resolution(message),
            ResolveError::Internal { message } => CliError::usage(message),
        }
    }
}

fn from_entry(entry: RequirementEntry) -> Result<UserRequirement, CliError> {
    let location = &entry.location;
    let source = RequirementSource::File {
        path: location.file.display().to_string(),
        line: location.line,
    };
    user_requirement(entry.kind, entry.hashes, source)
}

/// One requirement as the resolver takes it; bare wheel paths become
/// `name @ file:///…`, relative to the working directory even inside a
/// requirements file, as pip takes them.
pub(crate) fn user_requirement(
    kind: RequirementKind,
    hashes: Vec<String>,
    source: RequirementSource,
) -> Result<UserRequirement, CliError> {
    let requirement = match kind {
        RequirementKind::Named(requirement) => requirement,
        RequirementKind::WheelFile {
            path_or_url,
            name,
            extras,
            markers,
            ..
        } => {
            let url = if path_or_url.contains("://") {
                VerbatimUrl::parse_url(&path_or_url).map_err(|error| {
                    located(&source, format!("invalid URL `{path_or_url}`: {error}"))
                })?
            } else {
                let path = Path::new(&path_or_url);
                let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                let url = url::Url::from_file_path(&path)
                    .map_err(|()| located(&source, format!("invalid path `{path_or_url}`")))?;
                VerbatimUrl::from_url(url).with_given(path_or_url.clone())
            };
            let name = PackageName::from_str(&name).map_err(|error| {
                located(&source, format!("invalid name in `{path_or_url}`: {error}"))
            })?;
            Requirement {
                name,
                extras,
                version_or_url: Some(pep508_rs::VersionOrUrl::Url(url)),
                marker: markers.unwrap_or_default(),
                origin: None,
            }
        }
        RequirementKind::Source { text, .. } => {
            return Err(located(
                &source,
                format!("`{text}` needs a source build, which pipit does not do yet; give a wheel instead"),
            ));
        }
    };
    Ok(UserRequirement {
        requirement,
        hashes,
        source,
    })
}

fn located(source: &RequirementSource, message: String) -> CliError {
    match source {
        RequirementSource::CommandLine => CliError::usage(message),
        RequirementSource::File { path, line } | RequirementSource::Script { path, line } => {
            CliError {
                location: Some(ErrorLocation {
                    file: path.clone(),
                    line: Some(*line),
                }),
                ..CliError::usage(format!("{path}:{line}: {message}"))
            }
        }
    }
}

/// `--only-binary`/`--no-binary` values: comma-separated names or `:all:`/`:none:`.
fn split_names(values: &[String]) -> Result<NameSet, CliError> {
    let mut set = NameSet::None;
    let words: Vec<String> = values
        .iter()
        .flat_map(|value| value.split(','))
        .map(|word| word.trim().to_string())
        .filter(|word| !word.is_empty())
        .collect();
    merge_names(&mut set, &words)?;
    Ok(set)
}

/// Adds names (or `:all:`, or `:none:` which clears) to `set`, as pip does.
fn merge_names(set: &mut NameSet, words: &[String]) -> Result<(), CliError> {
    for word in words {
        match word.as_str() {
            ":all:" => *set = NameSet::All,
            ":none:" => *set = NameSet::None,
            name => {
                let name = PackageName::from_str(name).map_err(|error| {
                    CliError::usage(format!("invalid package name `{name}`: {error}"))
                })?;
                match set {
                    NameSet::All => {}
                    NameSet::None => *set = NameSet::Some(BTreeSet::from([name])),
                    NameSet::Some(names) => {
                        names.insert(name);
                    }
                }
            }
        }
    }
    Ok(())
}

/// `--exclude-newer`: an RFC 3339 time, or a date meaning its midnight UTC.
fn parse_cutoff(text: &str) -> Result<jiff::Timestamp, CliError> {
    if let Ok(timestamp) = jiff::Timestamp::from_str(text) {
        return Ok(timestamp);
    }
    if let Ok(date) = jiff::civil::Date::from_str(text) {
        if let Ok(zoned) = date.to_zoned(jiff::tz::TimeZone::UTC) {
            return Ok(zoned.timestamp());
        }
    }
    Err(CliError::usage(format!(
        "invalid --exclude-newer value `{text}`: give a date (2024-05-01) or a UTC time (2024-05-01T12:00:00Z)"
    )))
}
