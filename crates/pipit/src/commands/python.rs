//! `pipit python info`: the target interpreter as pipit sees it.

use std::fmt::Write;

use crate::cli::{Output, PythonInfoArgs};
use crate::exit::CliError;

/// Describes the target interpreter: version, markers, ordered wheel tags.
pub fn info(args: &PythonInfoArgs) -> Result<Output, CliError> {
    let target = super::target_interpreter(&args.target, &args.cache)?;
    let mut json = target.interpreter.to_json();
    if let Some(path) = &target.defaults_from {
        json["defaults_from"] = serde_json::Value::String(path.display().to_string());
    }
    if args.json {
        return Ok(Output {
            stdout: format!("{json}\n"),
            ..Output::default()
        });
    }
    let mut out = String::new();
    let version = json["version"].as_str().unwrap_or_default();
    let implementation = json["implementation"].as_str().unwrap_or_default();
    let _ = write!(out, "Python {version} ({implementation})");
    match json["executable"].as_str() {
        Some(executable) => {
            let _ = writeln!(out, " at {executable}");
        }
        None => match &target.defaults_from {
            Some(path) => {
                let _ = writeln!(out, " from flags, the rest taken from {}", path.display());
            }
            None => out.push_str(" from flags, no interpreter run\n"),
        },
    }
    out.push_str("markers:\n");
    if let Some(markers) = json["markers"].as_object() {
        for (name, value) in markers {
            let _ = writeln!(out, "  {name}: {}", value.as_str().unwrap_or_default());
        }
    }
    if let Some(scheme) = json["scheme"].as_object() {
        out.push_str("scheme:\n");
        for (name, value) in scheme {
            let _ = writeln!(out, "  {name}: {}", value.as_str().unwrap_or_default());
        }
    }
    let tags: Vec<&str> = json["tags"]
        .as_array()
        .map(|tags| tags.iter().filter_map(|tag| tag.as_str()).collect())
        .unwrap_or_default();
    let _ = writeln!(out, "tags ({}, most preferred first):", tags.len());
    for tag in tags {
        let _ = writeln!(out, "  {tag}");
    }
    Ok(Output {
        stdout: out,
        ..Output::default()
    })
}
