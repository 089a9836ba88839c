//! `pipit freeze`: installed packages as requirements, as pip writes them.

use std::fmt::Write;

use pipit_install::installed_dists;
use serde_json::Value;

use crate::cli::{FreezeArgs, Output};
use crate::exit::CliError;

use super::list::display_name_and_version;

/// `name==version` per installed distribution (`name @ url` for one
/// installed from a direct URL), sorted by name; `pip` is left out unless
/// `--all`, as pip leaves itself out.
pub fn freeze(args: &FreezeArgs) -> Result<Output, CliError> {
    let (layout, _) = super::installed::layout(&args.installed, false)?;
    let mut out = String::new();
    for dist in installed_dists(&layout)? {
        if !args.all && dist.name.as_ref() == "pip" {
            continue;
        }
        let (name, version) = display_name_and_version(&dist);
        match dist.direct_url().and_then(|url| direct_reference(&url)) {
            Some(reference) if reference.starts_with("-e ") => {
                let _ = writeln!(out, "{reference}");
            }
            Some(reference) => {
                let _ = writeln!(out, "{name} @ {reference}");
            }
            None => {
                let _ = writeln!(out, "{name}=={version}");
            }
        }
    }
    Ok(Output {
        stdout: out,
        ..Output::default()
    })
}

/// PEP 610 `direct_url.json` as a PEP 440 direct reference, the way pip's
/// freeze writes it: VCS pinned to the commit, archives with their hash.
fn direct_reference(direct_url: &Value) -> Option<String> {
    let url = direct_url["url"].as_str()?;
    let mut fragments = Vec::new();
    let mut reference = url.to_string();
    if let Some(vcs) = direct_url.get("vcs_info") {
        let kind = vcs["vcs"].as_str()?;
        let commit = vcs["commit_id"].as_str()?;
        reference = format!("{kind}+{url}@{commit}");
    } else if let Some(archive) = direct_url.get("archive_info") {
        if let Some(hash) = archive["hash"].as_str() {
            fragments.push(hash.to_string());
        }
    } else if direct_url["dir_info"]["editable"].as_bool() == Some(true) {
        return Some(format!("-e {url}"));
    }
    if let Some(subdirectory) = direct_url["subdirectory"].as_str() {
        fragments.push(format!("subdirectory={subdirectory}"));
    }
    if !fragments.is_empty() {
        reference = format!("{reference}#{}", fragments.join("&"));
    }
    Some(reference)
}
