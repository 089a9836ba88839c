//! Whether what a target already holds satisfies a request, decided from
//! the installed metadata alone, so that an install with nothing to do
//! touches no network (pip's "Requirement already satisfied").

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName, Requirement, VersionOrUrl};

/// One installed distribution, as the check needs it.
#[derive(Debug, Clone)]
pub struct InstalledFacts {
    /// Normalised name.
    pub name: PackageName,
    /// Installed version.
    pub version: Version,
    /// Its `Requires-Dist`.
    pub requires_dist: Vec<Requirement>,
    /// The URL it was installed from (`direct_url.json`), if any.
    pub direct_url: Option<String>,
}

/// The installed distributions that satisfy `requirements` (and their
/// dependencies, transitively, under `constraints`), in the order they were
/// reached; `None` when anything is missing or at a version outside a
/// requirement or constraint, so that a resolution is needed.
///
/// As pip does for installed distributions, pre-releases count when the
/// specifier admits them. A URL requirement is satisfied only by a
/// distribution installed from that same URL.
pub fn satisfied<'a>(
    requirements: &[Requirement],
    constraints: &[Requirement],
    installed: &'a [InstalledFacts],
    markers: &MarkerEnvironment,
) -> Option<Vec<&'a InstalledFacts>> {
    let by_name: BTreeMap<&PackageName, usize> = installed
        .iter()
        .enumerate()
        .map(|(index, dist)| (&dist.name, index))
        .collect();
    let mut given = Given { installed, by_name };
    let reached = walk(requirements, constraints, markers, &mut given)?;
    Some(reached.into_iter().map(|index| &installed[index]).collect())
}

/// [`satisfied`] with each distribution's facts read on demand: `load` is
/// asked about a name once, when the walk first reaches it, and never about
/// the distributions the request does not lead to (in a target of a hundred
/// distributions, a request for one reads only its own closure). `None`
/// from `load`: nothing usable by that name is installed. The answer is the
/// name and version of each distribution reached, in that order.
pub fn satisfied_lazily(
    requirements: &[Requirement],
    constraints: &[Requirement],
    markers: &MarkerEnvironment,
    load: impl FnMut(&PackageName) -> Option<InstalledFacts>,
) -> Option<Vec<(PackageName, Version)>> {
    let mut loaded = Loaded {
        load,
        by_name: HashMap::new(),
        facts: Vec::new(),
    };
    let reached = walk(requirements, constraints, markers, &mut loaded)?;
    Some(
        reached
            .into_iter()
            .map(|index| {
                let dist = &loaded.facts[index];
                (dist.name.clone(), dist.version.clone())
            })
            .collect(),
    )
}

/// Where the walk finds a distribution's facts, by an index that stays valid.
trait FactsSource {
    /// The index of the facts for `name`, if it is installed.
    fn find(&mut self, name: &PackageName) -> Option<usize>;
    fn facts(&self, index: usize) -> &InstalledFacts;
}

/// Facts all read beforehand.
struct Given<'a> {
    installed: &'a [InstalledFacts],
    by_name: BTreeMap<&'a PackageName, usize>,
}

impl FactsSource for Given<'_> {
    fn find(&mut self, name: &PackageName) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    fn facts(&self, index: usize) -> &InstalledFacts {
        &self.installed[index]
    }
}

/// Facts read when first asked for, each name once.
struct Loaded<F> {
    load: F,
    by_name: HashMap<PackageName, Option<usize>>,
    facts: Vec<InstalledFacts>,
}

impl<F: FnMut(&PackageName) -> Option<InstalledFacts>> FactsSource for Loaded<F> {
    fn find(&mut self, name: &PackageName) -> Option<usize> {
        if let Some(found) = self.by_name.get(name) {
            return *found;
        }
        let found = (self.load)(name).map(|facts| {
            self.facts.push(facts);
            self.facts.len() - 1
        });
        self.by_name.insert(name.clone(), found);
        found
    }

    fn facts(&self, index: usize) -> &InstalledFacts {
        &self.facts[index]
    }
}

/// The walk behind [`satisfied`] and [`satisfied_lazily`]: the indexes of
/// the distributions reached, in order.
fn walk(
    requirements: &[Requirement],
    constraints: &[Requirement],
    markers: &MarkerEnvironment,
    source: &mut impl FactsSource,
) -> Option<Vec<usize>> {
    let mut seen: BTreeSet<(PackageName, Option<ExtraName>)> = BTreeSet::new();
    let mut reached: Vec<usize> = Vec::new();
    // (requirement, extras of the dependent whose markers it is read under)
    let mut work: Vec<(Requirement, Vec<ExtraName>)> = requirements
        .iter()
        .rev()
        .map(|requirement| (requirement.clone(), Vec::new()))
        .collect();
    while let Some((requirement, parent_extras)) = work.pop() {
        if !requirement.marker.evaluate(markers, &parent_extras) {
            continue;
        }
        let index = source.find(&requirement.name)?;
        let dist = source.facts(index);
        if !accepts(&requirement, dist) {
            return None;
        }
        for constraint in constraints
            .iter()
            .filter(|constraint| constraint.name == requirement.name)
        {
            if constraint.marker.evaluate(markers, &[]) && !accepts(constraint, dist) {
                return None;
            }
        }
        let mut wanted: Vec<Option<ExtraName>> = vec![None];
        wanted.extend(requirement.extras.iter().cloned().map(Some));
        for extra in wanted {
            if !seen.insert((dist.name.clone(), extra.clone())) {
                continue;
            }
            if extra.is_none() {
                reached.push(index);
            }
            let extras: Vec<ExtraName> = extra.into_iter().collect();
            for dependency in dist.requires_dist.iter().rev() {
                // The base reads dependencies without extras; an extra adds
                // those that hold only with it (`extra == "x"`).
                let base = dependency.marker.evaluate(markers, &[]);
                let with_extras = dependency.marker.evaluate(markers, &extras);
                if (extras.is_empty() && base) || (!extras.is_empty() && with_extras && !base) {
                    work.push((dependency.clone(), extras.clone()));
                }
            }
        }
    }
    Some(reached)
}

fn accepts(requirement: &Requirement, dist: &InstalledFacts) -> bool {
    match &requirement.version_or_url {
        None => true,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(&dist.version),
        Some(VersionOrUrl::Url(url)) => dist.direct_url.as_deref() == Some(url.to_url().as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn facts(name: &str, version: &str, requires: &[&str]) -> InstalledFacts {
        InstalledFacts {
            name: PackageName::from_str(name).unwrap(),
            version: Version::from_str(version).unwrap(),
            requires_dist: requires
                .iter()
                .map(|text| Requirement::from_str(text).unwrap())
                .collect(),
            direct_url: None,
        }
    }

    fn reqs(texts: &[&str]) -> Vec<Requirement> {
        texts
            .iter()
            .map(|text| Requirement::from_str(text).unwrap())
            .collect()
    }

    fn markers() -> MarkerEnvironment {
        pep508_rs::MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: "3.11.7",
            os_name: "posix",
            platform_machine: "x86_64",
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: "3.11.7",
            python_version: "3.11",
            sys_platform: "linux",
        })
        .unwrap()
    }

    fn names(found: Option<Vec<&InstalledFacts>>) -> Option<Vec<String>> {
        found.map(|dists| {
            dists
                .iter()
                .map(|dist| format!("{}=={}", dist.name, dist.version))
                .collect()
        })
    }

    #[test]
    fn follows_dependencies_markers_and_extras() {
        let installed = vec![
            facts(
                "app",
                "1.0",
                &[
                    "lib>=2",
                    "win-only; sys_platform == 'win32'",
                    "fast; extra == 'speed'",
                ],
            ),
            facts("lib", "2.1", &[]),
        ];
        let env = markers();
        assert_eq!(
            names(satisfied(&reqs(&["app"]), &[], &installed, &env)),
            Some(vec!["app==1.0".into(), "lib==2.1".into()])
        );
        // The extra needs `fast`, which is not there.
        assert_eq!(
            names(satisfied(&reqs(&["app[speed]"]), &[], &installed, &env)),
            None
        );
        assert_eq!(
            names(satisfied(&reqs(&["app<1"]), &[], &installed, &env)),
            None
        );
        assert_eq!(
            names(satisfied(
                &reqs(&["app"]),
                &reqs(&["lib<2"]),
                &installed,
                &env
            )),
            None
        );
        assert_eq!(
            names(satisfied(
                &reqs(&["app", "other; python_version < '3'"]),
                &[],
                &installed,
                &env
            )),
            Some(vec!["app==1.0".into(), "lib==2.1".into()])
        );
    }

    /// The lazy walk gives the same answers, and reads only what the
    /// request leads to.
    #[test]
    fn lazily_reads_only_the_closure_of_the_request() {
        let installed = vec![
            facts("app", "1.0", &["lib>=2", "fast; extra == 'speed'"]),
            facts("lib", "2.1", &[]),
            facts("unrelated", "3.0", &["missing"]),
        ];
        let env = markers();
        let mut asked = Vec::new();
        let found = satisfied_lazily(&reqs(&["app", "lib"]), &[], &env, |name| {
            asked.push(name.to_string());
            installed.iter().find(|dist| &dist.name == name).cloned()
        });
        let found: Vec<String> = found
            .unwrap()
            .iter()
            .map(|(name, version)| format!("{name}=={version}"))
            .collect();
        assert_eq!(found, ["app==1.0", "lib==2.1"]);
        assert_eq!(asked, ["app", "lib"]);
        for request in [&["app[speed]"][..], &["app<1"], &["unrelated"]] {
            let lazily = satisfied_lazily(&reqs(request), &[], &env, |name| {
                installed.iter().find(|dist| &dist.name == name).cloned()
            });
            assert!(lazily.is_none(), "{request:?}");
            assert!(satisfied(&reqs(request), &[], &installed, &env).is_none());
        }
    }

    #[test]
    fn missing_dependency_or_url_means_a_resolution() {
        let installed = vec![facts("app", "1.0", &["lib"])];
        let env = markers();
        assert!(satisfied(&reqs(&["app"]), &[], &installed, &env).is_none());
        let installed = vec![facts("lib", "1.0rc1", &[])];
        assert!(satisfied(&reqs(&["lib>=0.9"]), &[], &installed, &env).is_some());
        assert!(satisfied(
            &reqs(&["lib @ file:///tmp/lib-1.0rc1-py3-none-any.whl"]),
            &[],
            &installed,
            &env
        )
        .is_none());
    }
}
