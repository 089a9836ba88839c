//! One module per subcommand: flags in, library call, output out.

pub mod python;
pub mod script;

use std::path::PathBuf;

use pipit_python::{Interpreter, TargetFlags};

use crate::cli::{CacheArgs, TargetArgs};
use crate::exit::CliError;

/// The target the flags name, and the interpreter that filled in what the
/// flags left out (so output can say which one was asked).
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
