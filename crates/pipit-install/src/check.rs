//! `pip check`: the requirements of installed distributions that the
//! installed set does not meet.
//!
//! Each distribution's `Requires-Dist` is read with no extra requested and
//! its markers evaluated for the target interpreter, as pip does; a version
//! matches a specifier even when it is a pre-release.

use std::fmt;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, PackageName, Requirement, VersionOrUrl};

use crate::installed::InstalledDist;

/// One broken requirement, worded as `pip check` words it.
#[derive(Debug, Clone)]
pub enum Problem {
    /// `x 1.0 requires y, which is not installed.`
    Missing {
        /// The distribution that requires.
        name: PackageName,
        /// Its version.
        version: Version,
        /// What it requires.
        requirement: Requirement,
    },
    /// `x 1.0 has requirement y>=2, but you have y 1.0.`
    Conflict {
        /// The distribution that requires.
        name: PackageName,
        /// Its version.
        version: Version,
        /// What it requires.
        requirement: Requirement,
        /// The version installed instead.
        installed: Version,
    },
    /// The metadata could not be read (pip: `Error parsing dependencies of x`).
    Unreadable {
        /// The distribution.
        name: PackageName,
        /// Why.
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing {
                name,
                version,
                requirement,
            } => write!(
                f,
                "{name} {version} requires {}, which is not installed.",
                requirement.name
            ),
            Problem::Conflict {
                name,
                version,
                requirement,
                installed,
            } => write!(
                f,
                "{name} {version} has requirement {requirement}, but you have {} {installed}.",
                requirement.name
            ),
            Problem::Unreadable { name, message } => {
                write!(f, "Error parsing dependencies of {name}: {message}")
            }
        }
    }
}

/// The broken requirements among `dists`, ordered by distribution, then
/// missing before conflicting, then by requirement text.
pub fn check_installed(dists: &[InstalledDist], markers: &MarkerEnvironment) -> Vec<Problem> {
    let mut problems = Vec::new();
    for dist in dists {
        let requirements = match dist.dependencies(markers) {
            Ok(requirements) => requirements,
            Err(error) => {
                problems.push(Problem::Unreadable {
                    name: dist.name.clone(),
                    message: error.to_string(),
                });
                continue;
            }
        };
        let mut missing = Vec::new();
        let mut conflicts = Vec::new();
        for requirement in requirements {
            // pip keeps the last of several installs of one name.
            let Some(installed) = dists.iter().rev().find(|d| d.name == requirement.name) else {
                missing.push(requirement);
                continue;
            };
            if let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &requirement.version_or_url {
                if !specifiers.contains(&installed.version) {
                    conflicts.push((requirement, installed.version.clone()));
                }
            }
        }
        missing.sort_by_key(ToString::to_string);
        conflicts.sort_by_key(|(requirement, _)| requirement.to_string());
        problems.extend(missing.into_iter().map(|requirement| Problem::Missing {
            name: dist.name.clone(),
            version: dist.version.clone(),
            requirement,
        }));
        problems.extend(
            conflicts
                .into_iter()
                .map(|(requirement, installed)| Problem::Conflict {
                    name: dist.name.clone(),
                    version: dist.version.clone(),
                    requirement,
                    installed,
                }),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::installed::installed_dists;
    use crate::installed::tests::{target_layout, write_dist};

    fn markers() -> MarkerEnvironment {
        pipit_python::Interpreter::from_flags(
            &pipit_python::TargetFlags {
                python_version: Some("3.11".to_string()),
                platforms: vec!["manylinux_2_17_x86_64".to_string()],
                ..Default::default()
            },
            None,
        )
        .unwrap()
        .markers
    }

    fn requires(dist_info: &std::path::Path, lines: &[&str]) {
        let mut text = std::fs::read_to_string(dist_info.join("METADATA")).unwrap();
        for line in lines {
            text.push_str(&format!("Requires-Dist: {line}\n"));
        }
        std::fs::write(dist_info.join("METADATA"), text).unwrap();
    }

    #[test]
    fn missing_and_conflicting_in_pips_words() {
        let dir = tempfile::tempdir().unwrap();
        let app = write_dist(dir.path(), "app", "1.0", &[]);
        requires(
            &app,
            &[
                "lib>=2",
                "gone",
                "win-only; sys_platform == 'win32'",
                "extra-only; extra == 'cli'",
                "pre>=1.0",
            ],
        );
        write_dist(dir.path(), "lib", "1.0", &[]);
        write_dist(dir.path(), "pre", "2.0rc1", &[]);
        let dists = installed_dists(&target_layout(dir.path())).unwrap();
        let lines: Vec<String> = check_installed(&dists, &markers())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "app 1.0 requires gone, which is not installed.",
                "app 1.0 has requirement lib>=2, but you have lib 1.0.",
            ]
        );
    }
}
