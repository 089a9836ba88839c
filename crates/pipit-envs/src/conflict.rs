//! Conflicts between a resolution and what the host process has loaded.
//!
//! A loaded distribution cannot be swapped for another version inside the
//! running process. So after resolving (with the loaded versions preferred),
//! every loaded distribution the resolution chose a different version of is
//! either met by the loaded version after all (nothing on the resolution's
//! requirement paths excludes it: the loaded copy serves, nothing is
//! installed for it), or a conflict, reported with the chain of
//! requirements from the user's request to the one that excludes it.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write;
use std::path::PathBuf;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, PackageName, Requirement, VersionOrUrl};
use pipit_resolver::{Resolution, ResolvedDist};
use serde::Serialize;

use crate::loaded::LoadedDist;

/// One loaded distribution the request cannot be met with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The distribution, as the host spelled it.
    pub name: String,
    /// The version the process has loaded.
    pub loaded_version: String,
    /// The folder it was loaded from, when the host said.
    pub loaded_from: Option<PathBuf>,
    /// What excludes the loaded version: a specifier (`>=2.0`), a URL, or
    /// the flag that asks for a change (`--upgrade`, `--force-reinstall`).
    pub required: String,
    /// From the request to the requirement: the script (or requirements
    /// file, or `the command line`), then each requirement on the way.
    pub chain: Vec<String>,
}

impl Conflict {
    /// One line: `a.py requires b==2.0, which requires c>=2.0, but c 1.0 is
    /// loaded from DIR; a different c cannot be loaded in this process`.
    pub fn message(&self) -> String {
        if self.required.starts_with("--") {
            // A flag asks to replace the loaded files themselves.
            let mut out = format!(
                "{} would replace {} {}, which is loaded",
                self.required, self.name, self.loaded_version
            );
            if let Some(from) = &self.loaded_from {
                let _ = write!(out, " from {}", from.display());
            }
            out.push_str("; its files cannot be replaced while this process uses them");
            return out;
        }
        let mut out = String::new();
        let mut steps = self.chain.iter();
        if let Some(first) = steps.next() {
            out.push_str(first);
        }
        for (index, step) in steps.enumerate() {
            let verb = if index == 0 {
                " requires "
            } else {
                ", which requires "
            };
            out.push_str(verb);
            out.push_str(step);
        }
        let _ = write!(out, ", but {} {} is loaded", self.name, self.loaded_version);
        if let Some(from) = &self.loaded_from {
            let _ = write!(out, " from {}", from.display());
        }
        let _ = write!(
            out,
            "; a different {} cannot be loaded in this process",
            self.name
        );
        out
    }
}

/// One requirement of the request, with where it was written.
#[derive(Debug, Clone)]
pub struct RootRequirement {
    /// `script_b.py`, `requirements.txt:3` or `the command line`.
    pub source: String,
    /// The requirement as written.
    pub text: String,
    /// The parsed requirement.
    pub requirement: Requirement,
}

/// What to do about each loaded distribution the resolution touches.
#[derive(Debug, Clone, Default)]
pub struct LoadedCheck {
    /// Requests that need a different version of a loaded distribution.
    pub conflicts: Vec<Conflict>,
    /// Loaded distributions the resolution chose another version of, but
    /// whose loaded version meets every requirement on them: the loaded
    /// copy serves and nothing is installed for them.
    pub met_by_loaded: Vec<PackageName>,
}

/// Checks `resolution` against `loaded`. `forced` names the flag that asks
/// to replace a distribution even at the same version (`--force-reinstall`)
/// or to move it to a newer one (`--upgrade`).
pub fn find_conflicts(
    resolution: &Resolution,
    roots: &[RootRequirement],
    markers: &MarkerEnvironment,
    loaded: &[LoadedDist],
    forced: &dyn Fn(&PackageName) -> Option<&'static str>,
) -> LoadedCheck {
    let edges = requirement_paths(resolution, roots, markers);
    let mut check = LoadedCheck::default();
    for dist in loaded {
        let Some(chosen) = resolution.packages.iter().find(|d| d.name == dist.name) else {
            continue;
        };
        let flag = forced(&dist.name);
        if chosen.version == dist.version && flag.is_none() {
            continue;
        }
        let into = edges.get(&dist.name).map(Vec::as_slice).unwrap_or(&[]);
        let excluding = into
            .iter()
            .find(|edge| !allows(&edge.requirement, &dist.version));
        let conflict = |required: String, chain: Vec<String>| Conflict {
            name: dist.display_name.clone(),
            loaded_version: dist.version.to_string(),
            loaded_from: dist.location.clone(),
            required,
            chain,
        };
        match (excluding, flag) {
            (Some(edge), _) => check
                .conflicts
                .push(conflict(required(&edge.requirement), edge.chain.clone())),
            (None, Some(flag)) => {
                let chain = into
                    .first()
                    .map(|edge| edge.chain.clone())
                    .unwrap_or_default();
                check.conflicts.push(conflict(flag.to_string(), chain));
            }
            (None, None) => check.met_by_loaded.push(dist.name.clone()),
        }
    }
    check
}

/// One requirement on a distribution and the shortest chain reaching it.
#[derive(Debug, Clone)]
struct Edge {
    requirement: Requirement,
    chain: Vec<String>,
}

/// Every requirement in the resolved graph, by the name it requires, each
/// with the shortest chain from the request (breadth first).
fn requirement_paths(
    resolution: &Resolution,
    roots: &[RootRequirement],
    markers: &MarkerEnvironment,
) -> HashMap<PackageName, Vec<Edge>> {
    let by_name: HashMap<&PackageName, &ResolvedDist> =
        resolution.packages.iter().map(|d| (&d.name, d)).collect();
    let mut edges: HashMap<PackageName, Vec<Edge>> = HashMap::new();
    let mut queue: VecDeque<(PackageName, Vec<String>)> = VecDeque::new();
    let mut seen = std::collections::HashSet::new();
    for root in roots {
        if !root.requirement.evaluate_markers(markers, &[]) {
            continue;
        }
        let chain = vec![root.source.clone(), root.text.clone()];
        edges
            .entry(root.requirement.name.clone())
            .or_default()
            .push(Edge {
                requirement: root.requirement.clone(),
                chain: chain.clone(),
            });
        if seen.insert(root.requirement.name.clone()) {
            queue.push_back((root.requirement.name.clone(), chain));
        }
    }
    while let Some((name, chain)) = queue.pop_front() {
        let Some(dist) = by_name.get(&name) else {
            continue;
        };
        for requirement in &dist.metadata.requires_dist {
            if requirement.name == dist.name || !requirement.evaluate_markers(markers, &dist.extras)
            {
                continue;
            }
            let mut next = chain.clone();
            next.push(describe(
                requirement,
                by_name.get(&requirement.name).copied(),
            ));
            edges
                .entry(requirement.name.clone())
                .or_default()
                .push(Edge {
                    requirement: requirement.clone(),
                    chain: next.clone(),
                });
            if seen.insert(requirement.name.clone()) {
                queue.push_back((requirement.name.clone(), next));
            }
        }
    }
    edges
}

/// Whether `requirement` admits `version`; a URL admits no loaded version
/// (the loaded copy did not come from that URL as far as pipit knows).
fn allows(requirement: &Requirement, version: &Version) -> bool {
    match &requirement.version_or_url {
        None => true,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(version),
        Some(VersionOrUrl::Url(_)) => false,
    }
}

fn required(requirement: &Requirement) -> String {
    match &requirement.version_or_url {
        None => String::new(),
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
        Some(VersionOrUrl::Url(url)) => url.to_string(),
    }
}

/// `pkg_a[x]>=2.0`, with the name as the distribution's metadata spells it.
fn describe(requirement: &Requirement, dist: Option<&ResolvedDist>) -> String {
    let name = dist.map_or_else(
        || requirement.name.to_string(),
        |dist| dist.metadata.name.clone(),
    );
    let mut out = name;
    if !requirement.extras.is_empty() {
        let extras: Vec<String> = requirement.extras.iter().map(ToString::to_string).collect();
        let _ = write!(out, "[{}]", extras.join(","));
    }
    match &requirement.version_or_url {
        None => {}
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => out.push_str(&specifiers.to_string()),
        Some(VersionOrUrl::Url(url)) => {
            let _ = write!(out, " @ {url}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_message_reads_as_a_chain() {
        let conflict = Conflict {
            name: "pkg_a".into(),
            loaded_version: "1.0".into(),
            loaded_from: Some(PathBuf::from("/envs/default-ab12cd34")),
            required: ">=2.0".into(),
            chain: vec![
                "script_b.py".into(),
                "pkg_b==2.0".into(),
                "pkg_a>=2.0".into(),
            ],
        };
        assert_eq!(
            conflict.message(),
            "script_b.py requires pkg_b==2.0, which requires pkg_a>=2.0, but pkg_a 1.0 is \
             loaded from /envs/default-ab12cd34; a different pkg_a cannot be loaded in this process"
        );
    }

    #[test]
    fn urls_and_specifiers_decide_what_a_loaded_version_meets() {
        let version = Version::from_str("1.0").unwrap();
        let meets = |text: &str| allows(&Requirement::from_str(text).unwrap(), &version);
        assert!(meets("pkg_a"));
        assert!(meets("pkg_a>=1,<2"));
        assert!(!meets("pkg_a>=2.0"));
        assert!(!meets("pkg_a @ file:///w/pkg_a-1.0-py3-none-any.whl"));
    }
}
