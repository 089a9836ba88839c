//! Explanations of real failed resolutions, over a tiny in-memory index.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName};
use pubgrub::{
    Dependencies, DependencyProvider, DerivationTree, PackageResolutionStatistics, PubGrubError,
    Ranges,
};

use super::{explain, ExplainContext};
use crate::package::Package;
use crate::ranges::specifiers_to_range;
use crate::reason::Unusable;

type Range = Ranges<Version>;

/// One version of a distribution in the test index.
#[derive(Default)]
struct Release {
    requires: Vec<String>,
    extras: BTreeMap<ExtraName, Vec<String>>,
    unusable: Option<Unusable>,
}

/// Distributions by name and version, plus what the user asks for.
#[derive(Default)]
struct Index {
    requirements: Vec<String>,
    releases: BTreeMap<PackageName, BTreeMap<Version, Release>>,
}

impl Index {
    fn new(requirements: &[&str]) -> Self {
        Self {
            requirements: requirements.iter().map(ToString::to_string).collect(),
            ..Self::default()
        }
    }

    fn release(mut self, name: &str, version: &str, requires: &[&str]) -> Self {
        self.entry(name, version).requires = requires.iter().map(ToString::to_string).collect();
        self
    }

    fn extra(mut self, name: &str, version: &str, extra: &str, requires: &[&str]) -> Self {
        let extra = ExtraName::from_str(extra).unwrap();
        self.entry(name, version)
            .extras
            .insert(extra, requires.iter().map(ToString::to_string).collect());
        self
    }

    fn unusable(mut self, name: &str, version: &str, reason: Unusable) -> Self {
        self.entry(name, version).unusable = Some(reason);
        self
    }

    /// A project the index knows but has no versions of.
    fn missing(mut self, name: &str) -> Self {
        self.releases
            .entry(PackageName::from_str(name).unwrap())
            .or_default();
        self
    }

    fn entry(&mut self, name: &str, version: &str) -> &mut Release {
        self.releases
            .entry(PackageName::from_str(name).unwrap())
            .or_default()
            .entry(Version::from_str(version).unwrap())
            .or_default()
    }

    /// Resolves, expecting failure, and explains it.
    fn explain(&self) -> String {
        match pubgrub::resolve(self, Package::Root, Version::new([0])) {
            Err(PubGrubError::NoSolution(tree)) => {
                let available = self
                    .releases
                    .iter()
                    .map(|(name, releases)| {
                        (name.clone(), releases.keys().rev().cloned().collect())
                    })
                    .collect();
                explain(&tree, &ExplainContext { available })
            }
            Ok(solution) => panic!(
                "expected no solution, got {:?}",
                solution.iter().collect::<Vec<_>>()
            ),
            Err(error) => panic!("{error}"),
        }
    }

    /// Whether the failure's derivation uses one conclusion twice.
    fn has_shared_derivation(&self) -> bool {
        fn shared(tree: &DerivationTree<Package, Range, Unusable>) -> bool {
            match tree {
                DerivationTree::External(_) => false,
                DerivationTree::Derived(derived) => {
                    derived.shared_id.is_some()
                        || shared(&derived.cause1)
                        || shared(&derived.cause2)
                }
            }
        }
        match pubgrub::resolve(self, Package::Root, Version::new([0])) {
            Err(PubGrubError::NoSolution(tree)) => shared(&tree),
            _ => false,
        }
    }

    fn versions(&self, package: &Package) -> Vec<Version> {
        match package.name() {
            None => vec![Version::new([0])],
            Some(name) => self
                .releases
                .get(name)
                .map(|releases| releases.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }
}

impl DependencyProvider for Index {
    type P = Package;
    type V = Version;
    type VS = Range;
    type M = Unusable;
    type Priority = (u32, Reverse<usize>);
    type Err = Infallible;

    fn prioritize(
        &self,
        package: &Package,
        range: &Range,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let candidates = self
            .versions(package)
            .iter()
            .filter(|version| range.contains(version))
            .count();
        (statistics.conflict_count(), Reverse(candidates))
    }

    fn choose_version(
        &self,
        package: &Package,
        range: &Range,
    ) -> Result<Option<Version>, Infallible> {
        Ok(self
            .versions(package)
            .into_iter()
            .rev()
            .find(|version| range.contains(version)))
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &Version,
    ) -> Result<Dependencies<Package, Range, Unusable>, Infallible> {
        let requirements = match package {
            Package::Root => self.requirements.clone(),
            Package::Dist(name) => {
                let release = &self.releases[name][version];
                if let Some(reason) = &release.unusable {
                    return Ok(Dependencies::Unavailable(reason.clone()));
                }
                release.requires.clone()
            }
            Package::Extra(name, extra) => {
                let release = &self.releases[name][version];
                let mut requirements = vec![format!("{name}=={version}")];
                requirements.extend(release.extras.get(extra).cloned().unwrap_or_default());
                requirements
            }
        };
        Ok(Dependencies::Available(
            requirements
                .iter()
                .map(|requirement| parse(requirement))
                .collect(),
        ))
    }
}

/// `name[extra]>=1,<2` as a package and its range.
fn parse(requirement: &str) -> (Package, Range) {
    let end = requirement
        .find(|c: char| "[<>=!~".contains(c))
        .unwrap_or(requirement.len());
    let name = PackageName::from_str(&requirement[..end]).unwrap();
    let mut rest = &requirement[end..];
    let package = match rest.strip_prefix('[') {
        Some(extra) => {
            let close = extra.find(']').unwrap();
            rest = &extra[close + 1..];
            Package::Extra(name, ExtraName::from_str(&extra[..close]).unwrap())
        }
        None => Package::Dist(name),
    };
    (
        package,
        specifiers_to_range(&VersionSpecifiers::from_str(rest).unwrap()),
    )
}

fn requires_python(required: &str) -> Unusable {
    Unusable::RequiresPython {
        required: required.to_string(),
        target: "3.11.9".to_string(),
    }
}

#[test]
fn direct_conflict() {
    let index = Index::new(&["a>=2"])
        .release("a", "1.0", &[])
        .release("a", "1.5", &[]);
    insta::assert_snapshot!(index.explain(), @"Because only a<2 is available and you require a>=2, the requirements are unsatisfiable.");
}

#[test]
fn issue_example() {
    let index = Index::new(&["a>=2"])
        .release("a", "1.0", &[])
        .release("a", "2.0", &["b>=3"])
        .release("b", "1.0", &[])
        .release("b", "2.0", &[]);
    insta::assert_snapshot!(index.explain(), @r"
    Because a==2.0 depends on b>=3 and only b<3 is available, a==2.0 cannot be used.
    And because you require a>=2, the requirements are unsatisfiable.
    ");
}

#[test]
fn transitive_chain_of_three() {
    let index = Index::new(&["a"])
        .release("a", "1.0", &["b>=1"])
        .release("b", "1.0", &["c>=2"])
        .release("c", "1.0", &[]);
    insta::assert_snapshot!(index.explain(), @r"
    Because b==1.0 depends on c>=2 and only c==1.0 is available, b==1.0 cannot be used.
    And because a==1.0 depends on b>=1 and you require a, the requirements are unsatisfiable.
    ");
}

#[test]
fn two_requirements_conflict_on_a_shared_dependency() {
    let index = Index::new(&["a", "b"])
        .release("a", "1.0", &["c<2"])
        .release("b", "1.0", &["c>=2"])
        .release("c", "1.0", &[])
        .release("c", "2.0", &[]);
    insta::assert_snapshot!(index.explain(), @r"
    Because a==1.0 depends on c<2 and b==1.0 depends on c>=2, a==1.0 and b==1.0 cannot be used together.
    And because you require a and b, the requirements are unsatisfiable.
    ");
}

#[test]
fn requires_python_collapses_into_one_range() {
    let index = Index::new(&["a"])
        .release("a", "1.0", &["b>=1.0"])
        .release("b", "0.9", &[])
        .release("b", "1.0", &[])
        .release("b", "1.1", &[])
        .release("b", "2.0", &[])
        .unusable("b", "1.0", requires_python(">=3.12"))
        .unusable("b", "1.1", requires_python(">=3.12"))
        .unusable("b", "2.0", requires_python(">=3.12"));
    insta::assert_snapshot!(index.explain(), @r"
    Because a==1.0 depends on b>=1.0 which requires Python >=3.12 (the target is 3.11.9), a==1.0 cannot be used.
    And because you require a, the requirements are unsatisfiable.
    ");
}

#[test]
fn requires_python_of_a_direct_requirement() {
    let index = Index::new(&["b>=1.0"])
        .release("b", "0.9", &[])
        .release("b", "1.0", &[])
        .release("b", "1.1", &[])
        .release("b", "2.0", &[])
        .unusable("b", "1.0", requires_python(">=3.12"))
        .unusable("b", "1.1", requires_python(">=3.12"))
        .unusable("b", "2.0", requires_python(">=3.12"));
    insta::assert_snapshot!(index.explain(), @"Because b>=1.0 requires Python >=3.12 (the target is 3.11.9) and you require b>=1.0, the requirements are unsatisfiable.");
}

#[test]
fn requires_python_rising_with_each_release() {
    let index = Index::new(&["b>=1.0"])
        .release("b", "1.0", &[])
        .release("b", "1.1", &[])
        .release("b", "2.0", &[])
        .unusable("b", "1.0", requires_python(">=3.12"))
        .unusable("b", "1.1", requires_python(">=3.12"))
        .unusable("b", "2.0", requires_python(">=3.13"));
    insta::assert_snapshot!(index.explain(), @r"
    Because b<=1.1 requires Python >=3.12 (the target is 3.11.9) and b==2.0 requires Python >=3.13 (the target is 3.11.9), no version of b can be used.
    And because you require b>=1.0, the requirements are unsatisfiable.
    ");
}

#[test]
fn yanked() {
    let index = Index::new(&["a>=2"])
        .release("a", "1.0", &[])
        .release("a", "2.0", &[])
        .unusable(
            "a",
            "2.0",
            Unusable::Yanked {
                reason: Some("broken wheel".to_string()),
            },
        );
    insta::assert_snapshot!(index.explain(), @r#"
    Because a==2.0 is yanked ("broken wheel": only a == pin may use it) and you require a>=2, the requirements are unsatisfiable.
    "#);
}

#[test]
fn source_only() {
    let index =
        Index::new(&["a==1.0"])
            .release("a", "1.0", &[])
            .unusable("a", "1.0", Unusable::SourceOnly);
    insta::assert_snapshot!(index.explain(), @r"
    Because a==1.0 has only a source distribution (pipit cannot do a source build yet) and you require a==1.0, the requirements are unsatisfiable.
    ");
}

#[test]
fn source_only_dependency() {
    let index = Index::new(&["a"])
        .release("a", "1.0", &["b>=2"])
        .release("b", "1.0", &[])
        .release("b", "2.0", &[])
        .release("b", "2.1", &[])
        .unusable("b", "2.0", Unusable::SourceOnly)
        .unusable("b", "2.1", Unusable::SourceOnly);
    insta::assert_snapshot!(index.explain(), @r"
    Because a==1.0 depends on b>=2 which has only a source distribution (pipit cannot do a source build yet), a==1.0 cannot be used.
    And because you require a, the requirements are unsatisfiable.
    ");
}

#[test]
fn extras() {
    let index = Index::new(&["a[x]>=1"])
        .release("a", "1.0", &[])
        .extra("a", "1.0", "x", &["c>=2"])
        .release("c", "1.0", &[]);
    insta::assert_snapshot!(index.explain(), @r"
    Because a[x]==1.0 depends on c>=2 and only c==1.0 is available, a[x]==1.0 cannot be used.
    And because you require a[x]>=1, the requirements are unsatisfiable.
    ");
}

#[test]
fn extra_against_a_pin_of_its_distribution() {
    let index = Index::new(&["a[x]>=2", "a<2"])
        .release("a", "1.0", &[])
        .release("a", "2.0", &[])
        .extra("a", "2.0", "x", &[]);
    insta::assert_snapshot!(index.explain(), @"Because you require a[x]>=2 and a<2, the requirements are unsatisfiable.");
}

#[test]
fn nothing_found() {
    let index = Index::new(&["a"]).release("a", "1.0", &["b"]).missing("b");
    insta::assert_snapshot!(index.explain(), @r"
    Because a==1.0 depends on b and b was not found, a==1.0 cannot be used.
    And because you require a, the requirements are unsatisfiable.
    ");
}

#[test]
fn nothing_found_for_a_requirement_of_yours() {
    let index = Index::new(&["b"]).missing("b");
    insta::assert_snapshot!(index.explain(), @"Because b was not found and you require b, the requirements are unsatisfiable.");
}

#[test]
fn backtracking_with_a_shared_derivation() {
    // Both versions of app fail because lib==1.0 cannot be used: the solver
    // learns that once and uses it twice.
    let index = Index::new(&["app"])
        .release("app", "2.0", &["lib==1.0"])
        .release("app", "3.0", &["lib<2"])
        .release("lib", "1.0", &["core==1.0"])
        .release("lib", "2.0", &[])
        .release("core", "2.0", &[]);
    assert!(index.has_shared_derivation());
    insta::assert_snapshot!(index.explain(), @r"
    Because lib==1.0 depends on core==1.0 and only core==2.0 is available, lib==1.0 cannot be used (1).
    And because app==2.0 depends on lib==1.0, app==2.0 cannot be used (2).
    Because lib==1.0 cannot be used (1) and app==3.0 depends on lib<2, app==3.0 cannot be used.
    And because app==2.0 cannot be used (2), no version of app can be used.
    And because you require app, the requirements are unsatisfiable.
    ");
}

#[test]
fn linear_chain_through_a_dependency_of_a_dependency() {
    // pub's solver.md, "linear error reporting", in PEP 440 terms.
    let index = Index::new(&["foo>=1.0,<2.0", "baz>=1.0,<2.0"])
        .release("foo", "1.0", &["bar>=2.0,<3.0"])
        .release("bar", "2.0", &["baz>=3.0,<4.0"])
        .release("baz", "1.0", &[])
        .release("baz", "3.0", &[]);
    insta::assert_snapshot!(index.explain(), @r"
    Because foo==1.0 depends on bar>=2.0,<3.0 which depends on baz>=3.0,<4.0, foo==1.0 requires baz>=3.0,<4.0.
    And because you require foo>=1.0,<2.0 and baz>=1.0,<2.0, the requirements are unsatisfiable.
    ");
}

#[test]
fn branching() {
    // pub's solver.md, "branching error reporting": both versions of foo
    // fail, each for its own reason.
    let index = Index::new(&["foo>=1.0,<2.0"])
        .release("foo", "1.0", &["a>=1.0,<2.0", "b>=1.0,<2.0"])
        .release("foo", "1.1", &["x>=1.0,<2.0", "y>=1.0,<2.0"])
        .release("a", "1.0", &["b>=2.0,<3.0"])
        .release("b", "1.0", &[])
        .release("b", "2.0", &[])
        .release("x", "1.0", &["y>=2.0,<3.0"])
        .release("y", "1.0", &[])
        .release("y", "2.0", &[]);
    insta::assert_snapshot!(index.explain(), @r"
    Because foo==1.0 depends on a>=1.0,<2.0 which depends on b>=2.0,<3.0, foo==1.0 requires b>=2.0,<3.0.
    And because foo==1.0 depends on b>=1.0,<2.0, foo==1.0 cannot be used (1).
    Because foo==1.1 depends on x>=1.0,<2.0 which depends on y>=2.0,<3.0, foo==1.1 requires y>=2.0,<3.0.
    And because foo==1.1 depends on y>=1.0,<2.0, foo==1.1 cannot be used.
    And because foo==1.0 cannot be used (1), no version of foo can be used.
    And because you require foo>=1.0,<2.0, the requirements are unsatisfiable.
    ");
}

#[test]
fn specifiers_read_as_pep_440() {
    let cases = [
        "==2.0",
        ">=1.0,<2.0",
        "!=1.5",
        "~=1.4",
        "~=1.4.2",
        ">1.0",
        "<=3",
        "<3",
        "==1.2.*",
        "!=1.*",
        ">=1.0,!=1.5",
        "!=1.5,!=2.0",
        "",
        "==1.0+local",
    ];
    let printed: Vec<String> = cases
        .iter()
        .map(|case| {
            let range = specifiers_to_range(&VersionSpecifiers::from_str(case).unwrap());
            format!("{case:?} -> {:?}", super::specifier(&range))
        })
        .collect();
    // `pep440_rs`'s own conversion ends `==1.2.*` at dev releases instead.
    let from_dev = Range::from_range_bounds(
        Version::from_str("1.2.dev0").unwrap()..Version::from_str("1.3.dev0").unwrap(),
    );
    let printed = format!(
        "{}\n[1.2.dev0, 1.3.dev0) -> {:?}",
        printed.join("\n"),
        super::specifier(&from_dev)
    );
    insta::assert_snapshot!(printed, @r#"
    "==2.0" -> "==2.0"
    ">=1.0,<2.0" -> ">=1.0,<2.0"
    "!=1.5" -> "!=1.5"
    "~=1.4" -> ">=1.4,<2"
    "~=1.4.2" -> ">=1.4.2,<1.5"
    ">1.0" -> ">1.0"
    "<=3" -> "<=3"
    "<3" -> "<3"
    "==1.2.*" -> "==1.2.*"
    "!=1.*" -> "!=1.*"
    ">=1.0,!=1.5" -> ">=1.0,!=1.5"
    "!=1.5,!=2.0" -> "!=1.5,!=2.0"
    "" -> ""
    "==1.0+local" -> "==1.0+local"
    [1.2.dev0, 1.3.dev0) -> "==1.2.*"
    "#);
}
