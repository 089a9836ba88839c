//! `pipit uninstall`: pip's dialogue (`Found existing installation`,
//! `Proceed (Y/n)?`, `Successfully uninstalled`) around
//! `pipit_install::uninstall`, which removes all or nothing.

use std::fmt::Write as _;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::PackageName;
use pipit_install::{uninstall as remove, Decision, InstallLayout, InstalledDist};
use pipit_requirements::reqfile::{self, RequirementKind};
use serde_json::json;

use crate::cli::{Output, UninstallArgs};
use crate::exit::CliError;

/// Removes the named packages; asks first unless `-y`.
pub fn uninstall(args: &UninstallArgs) -> Result<Output, CliError> {
    let names = names(args)?;
    let (layout, _) = super::installed::layout(&args.installed, false)?;
    // pip's dialogue goes to stdout; with --json, stdout holds only the object.
    let mut dialogue: Box<dyn Write> = if args.json {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let no_input = std::env::var_os("PIP_NO_INPUT").is_some_and(|value| !value.is_empty());
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let report = remove(
        &layout,
        &names,
        || {
            let _ = writeln!(
                std::io::stderr(),
                "waiting for another pipit process to finish with `{}`",
                layout.root.display()
            );
        },
        |dist, files| {
            let label = format!("{}-{}", display_name(dist), dist.version);
            let _ = writeln!(
                dialogue,
                "Found existing installation: {} {}",
                display_name(dist),
                dist.version
            );
            let _ = writeln!(dialogue, "Uninstalling {label}:");
            if args.yes {
                return Decision::Proceed;
            }
            if no_input {
                return Decision::Abort;
            }
            let _ = writeln!(dialogue, "  Would remove:");
            for line in compact(&layout, files) {
                let _ = writeln!(dialogue, "    {line}");
            }
            ask(&mut dialogue, &mut input)
        },
    )?;
    let mut output = Output::default();
    for name in &report.not_installed {
        let _ = writeln!(
            output.stderr,
            "WARNING: Skipping {name} as it is not installed."
        );
    }
    if args.json {
        let removed: Vec<_> = report
            .removed
            .iter()
            .map(|removed| {
                json!({
                    "name": removed.dist.name.to_string(),
                    "version": removed.dist.version.to_string(),
                    "files": removed.files.len(),
                })
            })
            .collect();
        let skipped: Vec<String> = report.skipped.iter().map(|d| d.name.to_string()).collect();
        let not_installed: Vec<String> = report
            .not_installed
            .iter()
            .map(ToString::to_string)
            .collect();
        output.stdout = format!(
            "{}\n",
            json!({"uninstalled": removed, "skipped": skipped, "not_installed": not_installed})
        );
        return Ok(output);
    }
    for removed in &report.removed {
        let _ = writeln!(
            output.stdout,
            "  Successfully uninstalled {}-{}",
            display_name(&removed.dist),
            removed.dist.version
        );
    }
    Ok(output)
}

/// The names from the arguments and `-r` files, in order.
fn names(args: &UninstallArgs) -> Result<Vec<PackageName>, CliError> {
    let mut names = Vec::new();
    for text in &args.names {
        let name = PackageName::from_str(text)
            .map_err(|error| CliError::usage(format!("invalid name `{text}`: {error}")))?;
        names.push(name);
    }
    for path in &args.requirement_files {
        let file = reqfile::parse_file(path)?;
        for entry in file.requirements {
            let name = match entry.kind {
                RequirementKind::Named(requirement) => requirement.name,
                RequirementKind::WheelFile { name, .. } => PackageName::from_str(&name)
                    .map_err(|error| CliError::usage(format!("invalid name `{name}`: {error}")))?,
                RequirementKind::Source { text, .. } => {
                    return Err(CliError::usage(format!(
                        "{}:{}: `{text}` does not name a package to uninstall",
                        path.display(),
                        entry.location.line
                    )))
                }
            };
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(CliError::usage(
            "you must give at least one requirement to uninstall",
        ));
    }
    Ok(names)
}

/// pip's `Proceed (Y/n)?`: an empty answer or `y` proceeds, `n` keeps this
/// package, anything else asks again; the end of input aborts.
fn ask(dialogue: &mut dyn Write, input: &mut dyn BufRead) -> Decision {
    loop {
        let _ = write!(dialogue, "Proceed (Y/n)? ");
        let _ = dialogue.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => {
                let _ = writeln!(dialogue);
                return Decision::Abort;
            }
            Ok(_) => {}
        }
        match line.trim().to_lowercase().as_str() {
            "" | "y" => return Decision::Proceed,
            "n" => return Decision::Skip,
            other => {
                let _ = writeln!(
                    dialogue,
                    "Your response ('{other}') was not one of the expected responses: y, n, "
                );
            }
        }
    }
}

/// The files to remove as pip lists them: a folder directly inside a
/// layout folder as `folder/*`, other files one by one.
fn compact(layout: &InstallLayout, files: &[PathBuf]) -> Vec<String> {
    let folders = layout.folders();
    let mut lines: Vec<String> = Vec::new();
    for file in files {
        let base = folders
            .iter()
            .filter(|folder| file.starts_with(folder))
            .max_by_key(|folder| folder.components().count());
        let line = match base.and_then(|base| Some((base, file.strip_prefix(base).ok()?))) {
            Some((base, relative)) if relative.components().count() > 1 => {
                let first = relative.components().next().map(|c| c.as_os_str());
                Path::new(base)
                    .join(first.unwrap_or_default())
                    .join("*")
                    .display()
                    .to_string()
            }
            _ => file.display().to_string(),
        };
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

fn display_name(dist: &InstalledDist) -> String {
    dist.metadata()
        .map_or_else(|_| dist.name.to_string(), |metadata| metadata.name)
}
