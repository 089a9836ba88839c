//! What the commands that read a target share (`uninstall`, `list`,
//! `freeze`, `show`, `check`): the layout to read, and their errors.

use std::path::Path;

use pipit_install::{InstallLayout, InstalledError, UninstallError};
use pipit_python::Interpreter;

use crate::cli::InstalledArgs;
use crate::exit::{CliError, ErrorKind};

/// The layout the flags name. With `--target` and no interpreter flag no
/// interpreter is run unless `need_interpreter` (markers are needed);
/// without `--target`, the target interpreter's own environment.
pub(crate) fn layout(
    args: &InstalledArgs,
    need_interpreter: bool,
) -> Result<(InstallLayout, Option<Interpreter>), CliError> {
    if let Some(dir) = &args.target {
        // Absolute, so that RECORD rows with `..` cannot pass for inside
        // a target given as `.`.
        let dir = &std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !need_interpreter && !args.interpreter.is_given() {
            return Ok((target_without_interpreter(dir), None));
        }
        let interpreter = super::target_interpreter(&args.interpreter, &args.cache)?.interpreter;
        return Ok((InstallLayout::target(dir, &interpreter), Some(interpreter)));
    }
    let interpreter = super::target_interpreter(&args.interpreter, &args.cache)?.interpreter;
    match InstallLayout::environment(&interpreter) {
        Some(layout) => Ok((layout, Some(interpreter))),
        None => Err(CliError::usage(
            "an interpreter described by flags has no environment to read",
        )
        .hint("pass --target DIR, or --python PATH for that interpreter's environment")),
    }
}

/// pip's `--target` folders, for reading and removing: the interpreter only
/// decides where new headers would go, which reading does not need.
pub(crate) fn target_without_interpreter(dir: &Path) -> InstallLayout {
    InstallLayout::plain_target(dir)
}

impl From<InstalledError> for CliError {
    fn from(error: InstalledError) -> Self {
        let hint = match &error {
            InstalledError::NoRecord { name, .. } => Some(format!(
                "reinstalling it over itself may fix this: `pipit install --force-reinstall --no-deps {name}`"
            )),
            _ => None,
        };
        let error = CliError {
            kind: ErrorKind::Install,
            ..CliError::usage(error.to_string())
        };
        match hint {
            Some(hint) => error.hint(hint),
            None => error,
        }
    }
}

impl From<UninstallError> for CliError {
    fn from(error: UninstallError) -> Self {
        match error {
            UninstallError::Installed(error) => error.into(),
            UninstallError::Aborted => CliError::usage("uninstall aborted: nothing was removed")
                .hint("pass -y to uninstall without being asked"),
            other => CliError {
                kind: ErrorKind::Install,
                ..CliError::usage(other.to_string())
            },
        }
    }
}
