//! One module per subcommand: flags in, library call, output out.

pub mod python;
pub mod script;

use pipit_python::{Interpreter, TargetFlags};

use crate::cli::{CacheArgs, TargetArgs};
use crate::exit::CliError;

/// The interpreter the flags name: `--python` is probed; pip's
/// `--python-version`/`--platform`/`--implementation`/`--abi` build one with
/// no subprocess; with neither, the active virtual environment or `python3`.
pub(crate) fn target_interpreter(
    target: &TargetArgs,
    cache: &CacheArgs,
) -> Result<Interpreter, CliError> {
    let cache_dir = cache.resolve();
    let interpreter = if let Some(python) = &target.python {
        let probed = Interpreter::probe(python, cache_dir.as_deref())?;
        if target.platforms.is_empty() && target.implementation.is_none() && target.abis.is_empty()
        {
            probed
        } else {
            // pip lets platform/implementation/abi narrow a real interpreter's
            // facts; the probed interpreter supplies whatever is not given.
            Interpreter::from_flags(&flags(target), Some(&probed))?
        }
    } else if target.is_given() {
        // pip takes what the flags leave out from its own interpreter; only a
        // missing version needs one, everything else has a no-subprocess default.
        let host = match target.python_version {
            Some(_) => None,
            None => Some(Interpreter::discover(cache_dir.as_deref())?),
        };
        Interpreter::from_flags(&flags(target), host.as_ref())?
    } else {
        Interpreter::discover(cache_dir.as_deref())?
    };
    Ok(interpreter)
}

fn flags(target: &TargetArgs) -> TargetFlags {
    TargetFlags {
        python_version: target.python_version.clone(),
        platforms: target.platforms.clone(),
        implementation: target.implementation.clone(),
        abis: target.abis.clone(),
    }
}
