//! One module per subcommand: flags in, library call, output out.

pub mod cache;
pub mod check;
pub mod compile;
pub mod download;
pub mod env;
pub mod freeze;
pub mod index;
pub mod install;
mod installed;
pub mod list;
pub mod python;
mod resolve;
pub mod script;
pub mod show;
pub mod uninstall;

pub(crate) use install::absolute;

use std::future::Future;
use std::path::PathBuf;

use pipit_index::{
    ca_bundles_from_env, ClientOptions, CommandLine, ConfigSources, FindLinks, IndexClient,
    IndexSettings,
};
use pipit_python::{Interpreter, TargetFlags};

use crate::cli::{CacheArgs, IndexArgs, TargetArgs};
use crate::exit::{CliError, ErrorKind};

/// The target the flags name, and the interpreter that filled in what the
/// flags left out (so output can say which one was asked).
#[derive(Clone)]
pub(crate) struct Target {
    /// The target interpreter.
    pub interpreter: Interpreter,
    /// With pip's flags: the interpreter run for the facts they do not give.
    pub defaults_from: Option<PathBuf>,
}

/// The interpreter the flags name: `--python` is probed; pip's
/// `--python-version`/`--platform`/`--implementation`/`--abi` build one with
/// no subprocess; with neither, the active virtual environment or `python3`.
pub(crate) fn target_interpreter(
    target: &TargetArgs,
    cache: &CacheArgs,
) -> Result<Target, CliError> {
    let cache_dir = cache.resolve();
    let only_python =
        target.platforms.is_empty() && target.implementation.is_none() && target.abis.is_empty();
    if let Some(python) = &target.python {
        let probed = Interpreter::probe(python, cache_dir.as_deref())?;
        if only_python {
            return Ok(Target {
                interpreter: probed,
                defaults_from: None,
            });
        }
        // pip lets platform/implementation/abi narrow a real interpreter's
        // facts; the probed interpreter supplies whatever is not given.
        let interpreter = Interpreter::from_flags(&flags(target), Some(&probed))?;
        return Ok(Target {
            interpreter,
            defaults_from: probed.executable,
        });
    }
    if !target.is_given() {
        let interpreter = Interpreter::discover(cache_dir.as_deref())?;
        return Ok(Target {
            interpreter,
            defaults_from: None,
        });
    }
    if target.python_version.is_some() {
        let interpreter = Interpreter::from_flags(&flags(target), None)?;
        return Ok(Target {
            interpreter,
            defaults_from: None,
        });
    }
    // pip takes a missing version from its own interpreter; pipit takes it
    // from the one it would discover, and says so.
    let host = Interpreter::discover(cache_dir.as_deref())?;
    let interpreter = Interpreter::from_flags(&flags(target), Some(&host))?;
    Ok(Target {
        interpreter,
        defaults_from: host.executable,
    })
}

fn flags(target: &TargetArgs) -> TargetFlags {
    TargetFlags {
        python_version: target.python_version.clone(),
        platforms: target.platforms.clone(),
        implementation: target.implementation.clone(),
        abis: target.abis.clone(),
    }
}

/// Where packages come from: pip's configuration with the flags on top, the
/// index client built from it, and the find-links locations.
pub(crate) struct PackageSources {
    /// The merged settings (each value knows where it came from).
    pub settings: IndexSettings,
    /// The index client; it has no indexes with `--no-index`, but still
    /// fetches remote find-links pages.
    pub client: IndexClient,
    /// `-f` locations from the flags and the configuration.
    pub find_links: FindLinks,
}

/// Reads pip's configuration (sections `[global]` and `[<command>]`), lays
/// the flags over it and builds the client. Without any index or find-links
/// location this is a usage error that says how to configure one: pipit has
/// no built-in index.
pub(crate) fn package_sources(
    command: &str,
    index: &IndexArgs,
    pre: bool,
    cache: &CacheArgs,
) -> Result<PackageSources, CliError> {
    let sources = ConfigSources::discover(command, index.isolated);
    let mut settings = pipit_index::load(&sources)?;
    settings.apply_command_line(&CommandLine {
        index_url: index.index_url.clone(),
        extra_index_urls: index.extra_index_urls.clone(),
        find_links: index.find_links.clone(),
        no_index: index.no_index,
        pre,
        cert: index.cert.clone(),
        client_cert: index.client_cert.clone(),
        timeout: index.timeout,
        retries: index.retries,
        trusted_hosts: index.trusted_hosts.clone(),
        cache_dir: None,
        index_ttl: index.index_ttl,
        index_strategy: index.index_strategy,
        offline: index.offline,
    });
    let has_index = !settings.no_index.value
        && (settings.index_url.is_some() || !settings.extra_index_urls.is_empty());
    // An explicit --no-index may still install wheel paths and URLs.
    if !has_index && settings.find_links.is_empty() && !settings.no_index.value {
        return Err(CliError::usage("no package index is configured")
            .hint("pass --index-url URL, set PIP_INDEX_URL, or set `index-url` in pip.conf")
            .hint("or use --find-links DIR with --no-index: no index is needed then"));
    }
    let find_links = FindLinks::from_locations(settings.find_links.iter().map(|link| &link.value))
        .map_err(|error| CliError::usage(error.to_string()))?;
    let mut options = ClientOptions::from_settings(&settings);
    options.cache_dir = cache.resolve_over(options.cache_dir.take());
    options.refresh = index.refresh;
    options.extra_ca_files = ca_bundles_from_env(&sources.env);
    let client = IndexClient::new(&settings, options)?;
    Ok(PackageSources {
        settings,
        client,
        find_links,
    })
}

/// Runs one async library call to completion on a runtime of its own.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError {
            kind: ErrorKind::Install,
            ..CliError::usage(format!("cannot start the async runtime: {error}"))
        })?;
    Ok(runtime.block_on(future))
}
