//! `pipit check`: broken requirements among installed packages, in pip's
//! words; exit 1 when there is one, as pip's `check`.

use std::fmt::Write;

use pipit_install::{check_installed, installed_dists, Problem};
use serde_json::json;

use crate::cli::{CheckArgs, Output};
use crate::exit::{CliError, ErrorKind};

/// Checks every installed distribution's requirements for the target
/// interpreter's markers.
pub fn check(args: &CheckArgs) -> Result<Output, CliError> {
    let (layout, interpreter) = super::installed::layout(&args.installed, true)?;
    let markers = interpreter
        .map(|interpreter| interpreter.markers)
        .ok_or_else(|| CliError::usage("no interpreter to evaluate markers with"))?;
    let problems = check_installed(&installed_dists(&layout)?, &markers);
    let mut output = Output::default();
    if !problems.is_empty() {
        output.failure = Some(ErrorKind::Resolution);
    }
    if args.json {
        let items: Vec<_> = problems.iter().map(problem_json).collect();
        output.stdout = format!("{}\n", json!({ "problems": items }));
        return Ok(output);
    }
    for problem in &problems {
        match problem {
            // pip logs these as warnings.
            Problem::Unreadable { .. } => {
                let _ = writeln!(output.stderr, "WARNING: {problem}");
            }
            _ => {
                let _ = writeln!(output.stdout, "{problem}");
            }
        }
    }
    if problems.is_empty() {
        output.stdout.push_str("No broken requirements found.\n");
    }
    Ok(output)
}

fn problem_json(problem: &Problem) -> serde_json::Value {
    let message = problem.to_string();
    match problem {
        Problem::Missing {
            name,
            version,
            requirement,
        } => json!({
            "kind": "missing", "name": name.to_string(), "version": version.to_string(),
            "requirement": requirement.to_string(), "message": message,
        }),
        Problem::Conflict {
            name,
            version,
            requirement,
            installed,
        } => json!({
            "kind": "conflict", "name": name.to_string(), "version": version.to_string(),
            "requirement": requirement.to_string(), "installed_version": installed.to_string(),
            "message": message,
        }),
        Problem::Unreadable { name, .. } => {
            json!({"kind": "unreadable", "name": name.to_string(), "message": message})
        }
    }
}
