//! PubGrub's dependency provider: versions from the candidates, dependencies
//! from the metadata, and pip's version-level rules (pre-releases, yanked
//! pins, preferences, constraints, overrides, extras, markers).

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName, Requirement, VersionOrUrl};
use pipit_index::DistMetadata;
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics,
};
use version_ranges::Ranges;

use crate::candidates::Candidates;
use crate::error::ResolveError;
use crate::fetch::{Fetcher, MetadataResult};
use crate::package::Package;
use crate::ranges::{bounds_name_prerelease, equal, specifiers_to_range};
use crate::reason::Unusable;
use crate::request::UserRequirement;

/// The version PubGrub gives the root.
pub(crate) fn root_version() -> Version {
    Version::new([0])
}

/// Why the provider stopped the solver.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ProviderError(pub ResolveError);

/// What the user asked for, prepared for the provider.
pub(crate) struct Inputs {
    /// The target's marker environment.
    pub markers: MarkerEnvironment,
    /// The user's requirements (markers already evaluated).
    pub requirements: Vec<UserRequirement>,
    /// `-c` constraints per package (markers already evaluated).
    pub constraints: HashMap<PackageName, Ranges<Version>>,
    /// `--override` requirements per package (their markers are evaluated where they replace one).
    pub overrides: HashMap<PackageName, Vec<Requirement>>,
    /// Versions to keep when they satisfy.
    pub preferences: HashMap<PackageName, Version>,
    /// Packages with a direct reference from the user.
    pub direct: HashSet<PackageName>,
    /// `--no-deps`.
    pub no_deps: bool,
    /// `--pre`.
    pub pre: bool,
    /// `--ignore-requires-python`.
    pub ignore_requires_python: bool,
}

/// The provider. It lives on the solver thread; `RefCell`s hold what it
/// learns as the solver goes.
pub(crate) struct Provider {
    fetcher: Arc<Fetcher>,
    inputs: Inputs,
    /// Packages in the order they were first required (PubGrub priority).
    order: RefCell<HashMap<Package, usize>>,
    /// Versions chosen while the requirements pinned them with `==`/`===`
    /// (their yanked files may be used).
    pinned: RefCell<HashSet<(PackageName, Version)>>,
    /// The latest range PubGrub gave each distribution, so an extra can
    /// pick a version its distribution can take.
    dist_ranges: RefCell<HashMap<PackageName, Ranges<Version>>>,
    /// Dependencies handed to PubGrub, for `required_by` afterwards.
    edges: RefCell<HashMap<(Package, Version), Vec<PackageName>>>,
    /// One-line notes, each once.
    warnings: RefCell<Vec<String>>,
    /// Metadata of chosen versions, for the resolution.
    metadata: RefCell<HashMap<(PackageName, Version), Arc<DistMetadata>>>,
}

impl Provider {
    /// A provider over `fetcher` for `inputs`.
    pub fn new(fetcher: Arc<Fetcher>, inputs: Inputs) -> Self {
        Provider {
            fetcher,
            inputs,
            order: RefCell::new(HashMap::new()),
            pinned: RefCell::new(HashSet::new()),
            dist_ranges: RefCell::new(HashMap::new()),
            edges: RefCell::new(HashMap::new()),
            warnings: RefCell::new(Vec::new()),
            metadata: RefCell::new(HashMap::new()),
        }
    }

    /// The notes gathered so far.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.borrow().clone()
    }

    /// The distributions that required `package` at `version`.
    pub fn edges(&self) -> HashMap<(Package, Version), Vec<PackageName>> {
        self.edges.borrow().clone()
    }

    /// The metadata read for `name` at `version`.
    pub fn metadata_of(&self, name: &PackageName, version: &Version) -> Option<Arc<DistMetadata>> {
        self.metadata
            .borrow()
            .get(&(name.clone(), version.clone()))
            .cloned()
    }

    /// Whether `name`'s `version` was chosen under a `==`/`===` pin.
    pub fn is_pinned(&self, name: &PackageName, version: &Version) -> bool {
        self.pinned
            .borrow()
            .contains(&(name.clone(), version.clone()))
    }

    fn warn(&self, message: String) {
        let mut warnings = self.warnings.borrow_mut();
        if !warnings.contains(&message) {
            warnings.push(message);
        }
    }

    /// The candidates of `name`, waiting for them if needed. `None` when no
    /// index has the project (the solver then sees no versions).
    pub fn candidates(&self, name: &PackageName) -> Result<Option<Arc<Candidates>>, ProviderError> {
        let slot = self.fetcher.listing(name);
        match self.fetcher.wait(&slot) {
            Ok(candidates) => {
                if candidates.versions.is_empty() && candidates.too_new > 0 {
                    self.warn(format!(
                        "{name}: every file was uploaded at or after the --exclude-newer date"
                    ));
                }
                if candidates.undated > 0 {
                    self.warn(format!(
                        "{name}: {} file(s) without an upload time were left out by --exclude-newer",
                        candidates.undated
                    ));
                }
                Ok(Some(candidates))
            }
            Err(error) if is_not_found(&error) => Ok(None),
            Err(error) => Err(ProviderError(ResolveError::Listing {
                name: name.to_string(),
                error,
            })),
        }
    }

    /// The requirements of the root, as PubGrub constraints.
    fn root_dependencies(
        &self,
    ) -> Result<Dependencies<Package, Ranges<Version>, Unusable>, ProviderError> {
        let requirements: Vec<Requirement> = self
            .inputs
            .requirements
            .iter()
            .map(|user| user.requirement.clone())
            .collect();
        match self.constraints_for(&Package::Root, &requirements, &[]) {
            Ok(constraints) => Ok(Dependencies::Available(constraints)),
            Err(reason) => Ok(Dependencies::Unavailable(reason)),
        }
    }

    /// Turns requirements (already known to apply) into PubGrub
    /// constraints: overrides replace, constraints narrow, extras become
    /// packages of their own, and prefetches start.
    fn constraints_for(
        &self,
        parent: &Package,
        requirements: &[Requirement],
        extras: &[ExtraName],
    ) -> Result<DependencyConstraints<Package, Ranges<Version>>, Unusable> {
        let mut merged: Vec<(Package, Ranges<Version>)> = Vec::new();
        let mut add = |package: Package, range: Ranges<Version>| match merged
            .iter_mut()
            .find(|(existing, _)| *existing == package)
        {
            Some((_, existing)) => *existing = existing.intersection(&range),
            None => merged.push((package, range)),
        };
        for requirement in requirements {
            let replaced;
            let effective: &[Requirement] = match self.inputs.overrides.get(&requirement.name) {
                Some(overrides) => {
                    replaced = overrides.clone();
                    &replaced
                }
                None => std::slice::from_ref(requirement),
            };
            for requirement in effective {
                if !requirement.marker.evaluate(&self.inputs.markers, extras) {
                    continue;
                }
                let name = &requirement.name;
                if parent.name() == Some(name) && requirement.extras.is_empty() {
                    // A distribution requiring itself adds nothing.
                    continue;
                }
                let mut range = match &requirement.version_or_url {
                    None => Ranges::full(),
                    Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                        specifiers_to_range(specifiers)
                    }
                    Some(VersionOrUrl::Url(_)) => {
                        if *parent != Package::Root && !self.inputs.direct.contains(name) {
                            return Err(Unusable::UrlDependency {
                                requirement: requirement.to_string(),
                            });
                        }
                        Ranges::full()
                    }
                };
                if let Some(constraint) = self.inputs.constraints.get(name) {
                    range = range.intersection(constraint);
                }
                self.fetcher.prefetch(name, range.clone());
                add(Package::Dist(name.clone()), range.clone());
                for extra in &requirement.extras {
                    add(Package::Extra(name.clone(), extra.clone()), range.clone());
                }
            }
        }
        let mut order = self.order.borrow_mut();
        for (package, _) in &merged {
            let next = order.len();
            order.entry(package.clone()).or_insert(next);
        }
        Ok(merged.into_iter().collect())
    }

    /// The metadata of `name` at `version`, waiting if needed; `Err` with
    /// the reason when the candidate is unusable.
    fn candidate_metadata(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Result<Arc<DistMetadata>, Unusable>, ProviderError> {
        let Some(candidates) = self.candidates(name)? else {
            return Ok(Err(Unusable::InvalidMetadata {
                message: "the project disappeared from the index".to_string(),
            }));
        };
        let Some(files) = candidates.versions.get(version) else {
            return Ok(Err(Unusable::InvalidMetadata {
                message: "the version disappeared from the index".to_string(),
            }));
        };
        let file = match files.best(self.is_pinned(name, version)) {
            Ok(file) => file,
            Err(reason) => return Ok(Err(reason)),
        };
        let slot = self.fetcher.metadata(&file.file);
        match self.fetcher.wait(&slot) {
            MetadataResult::Ok(metadata) => {
                self.metadata
                    .borrow_mut()
                    .insert((name.clone(), version.clone()), metadata.clone());
                Ok(Ok(metadata))
            }
            MetadataResult::Invalid(message) => {
                self.warn(format!(
                    "{name} {version} is skipped: the metadata of {} is invalid: {message}",
                    file.file.filename
                ));
                Ok(Err(Unusable::InvalidMetadata { message }))
            }
            MetadataResult::Failed(error) => Err(ProviderError(ResolveError::Metadata {
                filename: file.file.filename.clone(),
                error,
            })),
        }
    }

    fn dist_dependencies(
        &self,
        package: &Package,
        name: &PackageName,
        version: &Version,
        extra: Option<&ExtraName>,
    ) -> Result<Dependencies<Package, Ranges<Version>, Unusable>, ProviderError> {
        let metadata = match self.candidate_metadata(name, version)? {
            Ok(metadata) => metadata,
            Err(reason) => return Ok(Dependencies::Unavailable(reason)),
        };
        if extra.is_none() && !self.inputs.ignore_requires_python {
            if let Some(required) = &metadata.requires_python {
                let python = &self.fetcher.rules().python;
                if !required.contains(python) {
                    return Ok(Dependencies::Unavailable(Unusable::RequiresPython {
                        required: required.to_string(),
                        target: python.to_string(),
                    }));
                }
            }
        }
        let constraints = match extra {
            None if self.inputs.no_deps => DependencyConstraints::default(),
            None => {
                let applying: Vec<Requirement> = metadata
                    .requires_dist
                    .iter()
                    .filter(|requirement| requirement.marker.evaluate(&self.inputs.markers, &[]))
                    .cloned()
                    .collect();
                match self.constraints_for(package, &applying, &[]) {
                    Ok(constraints) => constraints,
                    Err(reason) => return Ok(Dependencies::Unavailable(reason)),
                }
            }
            Some(extra) => {
                let provided = metadata.provides_extra.iter().any(|provided| {
                    ExtraName::new(provided.clone()).is_ok_and(|provided| provided == *extra)
                });
                let with_extra = std::slice::from_ref(extra);
                // Only what the extra adds; the rest is the base's.
                let applying: Vec<Requirement> = if self.inputs.no_deps {
                    Vec::new()
                } else {
                    metadata
                        .requires_dist
                        .iter()
                        .filter(|requirement| {
                            requirement
                                .marker
                                .evaluate(&self.inputs.markers, with_extra)
                                && !requirement.marker.evaluate(&self.inputs.markers, &[])
                        })
                        .cloned()
                        .collect()
                };
                let used = metadata.requires_dist.iter().any(|requirement| {
                    !requirement.marker.evaluate_extras(&[])
                        && requirement.marker.evaluate_extras(with_extra)
                });
                if !provided && !used {
                    // pip's warning, and the extra adds nothing.
                    self.warn(format!(
                        "{name} {version} does not provide the extra '{extra}'"
                    ));
                }
                let constraints = match self.constraints_for(package, &applying, with_extra) {
                    Ok(constraints) => constraints,
                    Err(reason) => return Ok(Dependencies::Unavailable(reason)),
                };
                // The extra is the distribution at the same version.
                let base = (
                    Package::Dist(name.clone()),
                    Ranges::singleton(version.clone()),
                );
                constraints.into_iter().chain([base]).collect()
            }
        };
        let children: Vec<PackageName> = constraints
            .iter()
            .filter_map(|(child, _)| child.name().cloned())
            .filter(|child| child != name)
            .collect();
        self.edges
            .borrow_mut()
            .insert((package.clone(), version.clone()), children);
        Ok(Dependencies::Available(constraints))
    }

    /// The version to try in `range`, and the newest unusable version
    /// passed over on the way.
    ///
    /// pip's pre-release rule: pre-releases with `--pre`, when a
    /// requirement names one, or when no final release in the range's hull
    /// is usable (the hull ignores single versions PubGrub has ruled out,
    /// as pip decides this from the specifiers alone). An unusable version
    /// is returned only when nothing usable is left, so that PubGrub learns
    /// (and the explanation says) why it cannot be used.
    fn newest_or_unusable(
        &self,
        candidates: &Candidates,
        range: &Ranges<Version>,
        usable: &dyn Fn(&Version) -> bool,
    ) -> (Option<Version>, Option<Version>) {
        let hull: Ranges<Version> = match range.bounding_range() {
            Some((low, high)) => Ranges::from_range_bounds((low.cloned(), high.cloned())),
            None => Ranges::empty(),
        };
        let allow_pre = self.inputs.pre
            || bounds_name_prerelease(range)
            || !candidates.versions.keys().rev().any(|version| {
                !version.any_prerelease() && hull.contains(version) && usable(version)
            });
        let mut unusable = None;
        for version in candidates.versions.keys().rev() {
            if !range.contains(version) || (!allow_pre && version.any_prerelease()) {
                continue;
            }
            if usable(version) {
                return (Some(version.clone()), unusable);
            }
            unusable.get_or_insert_with(|| version.clone());
        }
        (unusable.clone(), unusable)
    }

    /// The preferred version of `name`, if any.
    fn preference(&self, name: &PackageName) -> Option<&Version> {
        self.inputs.preferences.get(name)
    }
}

/// Whether a listing failed only because no location has the project.
fn is_not_found(error: &pipit_index::ListError) -> bool {
    matches!(
        error,
        pipit_index::ListError::Index(pipit_index::IndexError::NotFound { .. })
    )
}

impl DependencyProvider for Provider {
    type P = Package;
    type V = Version;
    type VS = Ranges<Version>;
    type M = Unusable;
    type Priority = (u8, u32, Reverse<usize>);
    type Err = ProviderError;

    fn prioritize(
        &self,
        package: &Package,
        range: &Ranges<Version>,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let order = self
            .order
            .borrow()
            .get(package)
            .copied()
            .unwrap_or(usize::MAX);
        let kind = match package {
            Package::Root => 5,
            // Pins and direct references first: they cannot move anyway.
            Package::Dist(name)
                if self.inputs.direct.contains(name) || range.as_singleton().is_some() =>
            {
                4
            }
            // An extra before its distribution: when the newest version's
            // extra cannot be met, the next version is tried at the cost of
            // one metadata read, and the distribution then follows as a pin.
            Package::Extra(..) => 3,
            Package::Dist(_) => 2,
        };
        if let Package::Dist(name) = package {
            self.dist_ranges
                .borrow_mut()
                .insert(name.clone(), range.clone());
        }
        (kind, statistics.conflict_count(), Reverse(order))
    }

    fn choose_version(
        &self,
        package: &Package,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, ProviderError> {
        let Some(name) = package.name() else {
            return Ok(Some(root_version()));
        };
        let Some(candidates) = self.candidates(name)? else {
            return Ok(None);
        };
        // pip's rules, read from the requirements as they stand now (the
        // range), so a requirement of an abandoned candidate does not linger:
        // a yanked file is allowed under a `==`/`===` pin of its version.
        let pinned = |version: &Version| range.subset_of(&equal(version));
        let usable = |version: &Version| {
            candidates
                .versions
                .get(version)
                .is_some_and(|files| files.best(pinned(version)).is_ok())
        };
        let mut chosen = None;
        if let Package::Extra(..) = package {
            // The newest version the distribution can also take.
            let dist_range = self.dist_ranges.borrow().get(name).cloned();
            if let Some(dist_range) = dist_range {
                let both = range.intersection(&dist_range);
                chosen = self
                    .newest_or_unusable(&candidates, &both, &usable)
                    .0
                    .filter(|version| usable(version));
            }
        }
        if chosen.is_none() {
            if let Some(preferred) = self.preference(name) {
                if range.contains(preferred) && usable(preferred) {
                    chosen = Some(preferred.clone());
                }
            }
        }
        let mut unusable = None;
        if chosen.is_none() {
            (chosen, unusable) = self.newest_or_unusable(&candidates, range, &usable);
        }
        if let Some(skipped) =
            unusable.filter(|skipped| chosen.as_ref().is_some_and(|chosen| chosen < skipped))
        {
            // pip would build it; say why a newer version was passed over.
            if let Some(Err(reason @ (Unusable::SourceOnly | Unusable::NoBinary))) = candidates
                .versions
                .get(&skipped)
                .map(|files| files.best(pinned(&skipped)))
            {
                self.warn(format!("{name} {skipped} is skipped: it {reason}"));
            }
        }
        if let Some(version) = &chosen {
            if pinned(version) {
                self.pinned
                    .borrow_mut()
                    .insert((name.clone(), version.clone()));
            }
        }
        Ok(chosen)
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &Version,
    ) -> Result<Dependencies<Package, Ranges<Version>, Unusable>, ProviderError> {
        match package {
            Package::Root => self.root_dependencies(),
            // An unusable version is reported by `candidate_metadata`.
            Package::Dist(name) => self.dist_dependencies(package, name, version, None),
            Package::Extra(name, extra) => {
                self.dist_dependencies(package, name, version, Some(extra))
            }
        }
    }
}
