//! `pipit script inspect`: what a script's directives ask for.

use std::fmt::Write;

use pipit_requirements::script::{self, ScriptDirectives};

use crate::cli::{Output, ScriptInspectArgs};
use crate::exit::CliError;

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
