//! PubGrub's dependency provider: versions from the candidates, dependencies
//! from the metadata, and pip's version-level rules (pre-releases, yanked
//! pins, preferences, constraints, overrides, extras, markers).

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use pep440_rs::{Operator, Version, VersionSpecifiers};
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
use crate::ranges::{names_prerelease, specifiers_to_range};
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
    /// `--override` requirements per package (markers already evaluated).
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
    /// Packages for which some requirement names a pre-release (pip then
    /// allows pre-releases for them).
    prerelease_named: RefCell<HashSet<PackageName>>,
    /// Versions pinned with `==`/`===` somewhere (yanked files allowed).
    pinned: RefCell<HashSet<(PackageName, Version)>>,
    /// The version last chosen per distribution, so its extras follow it.
    chosen: RefCell<HashMap<PackageName, Version>>,
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
            prerelease_named: RefCell::new(HashSet::new()),
            pinned: RefCell::new(HashSet::new()),
            chosen: RefCell::new(HashMap::new()),
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

    /// Whether `name`'s `version` was pinned with `==`/`===` somewhere.
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
                        self.note_specifiers(name, specifiers);
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

    /// Remembers pins (yanked files allowed) and pre-release names.
    fn note_specifiers(&self, name: &PackageName, specifiers: &VersionSpecifiers) {
        if names_prerelease(specifiers) {
            self.prerelease_named.borrow_mut().insert(name.clone());
        }
        for specifier in specifiers.iter() {
            if matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual) {
                self.pinned
                    .borrow_mut()
                    .insert((name.clone(), specifier.version().clone()));
            }
        }
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
        let slot = self.fetcher.metadata(&file.listed.file);
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
                    file.listed.file.filename
                ));
                Ok(Err(Unusable::InvalidMetadata { message }))
            }
            MetadataResult::Failed(error) => Err(ProviderError(ResolveError::Metadata {
                filename: file.listed.file.filename.clone(),
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
        let mut constraints = match extra {
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
                let mut constraints = match self.constraints_for(package, &applying, with_extra) {
                    Ok(constraints) => constraints,
                    Err(reason) => return Ok(Dependencies::Unavailable(reason)),
                };
                // The extra is the distribution at the same version.
                let mut with_base: Vec<(Package, Ranges<Version>)> =
                    constraints.into_iter().collect();
                with_base.push((
                    Package::Dist(name.clone()),
                    Ranges::singleton(version.clone()),
                ));
                constraints = with_base.into_iter().collect();
                constraints
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
        constraints = constraints.into_iter().collect();
        Ok(Dependencies::Available(constraints))
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
            Package::Root => 4,
            // Pins and direct references first: they cannot move anyway.
            Package::Dist(name)
                if self.inputs.direct.contains(name) || range.as_singleton().is_some() =>
            {
                3
            }
            Package::Dist(_) => 2,
            // An extra after its distribution, so it can follow its version.
            Package::Extra(..) => 1,
        };
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
        let usable = |version: &Version| {
            candidates
                .versions
                .get(version)
                .is_some_and(|files| files.best(self.is_pinned(name, version)).is_ok())
        };
        if let Package::Extra(..) = package {
            if let Some(version) = self.chosen.borrow().get(name) {
                if range.contains(version) && usable(version) {
                    return Ok(Some(version.clone()));
                }
            }
        }
        if let Some(preferred) = self.preference(name) {
            if range.contains(preferred) && usable(preferred) {
                let preferred = preferred.clone();
                self.chosen
                    .borrow_mut()
                    .insert(name.clone(), preferred.clone());
                return Ok(Some(preferred));
            }
        }
        let allow_pre = self.inputs.pre || self.prerelease_named.borrow().contains(name);
        let mut final_release = None;
        let mut prerelease = None;
        let mut unusable = None;
        for version in candidates.versions.keys().rev() {
            if !range.contains(version) {
                continue;
            }
            if !usable(version) {
                unusable.get_or_insert(version);
                continue;
            }
            if version.any_prerelease() {
                prerelease.get_or_insert(version);
                if allow_pre {
                    break;
                }
            } else {
                final_release.get_or_insert(version);
                break;
            }
        }
        // pip: pre-releases only with --pre, when a specifier names one, or
        // when no final release matches at all. An unusable version is
        // chosen only when nothing usable is left, so that PubGrub learns
        // (and the explanation says) why it cannot be used.
        let chosen = if allow_pre {
            match (final_release, prerelease) {
                (Some(a), Some(b)) => Some(std::cmp::max(a, b)),
                (a, b) => a.or(b),
            }
        } else {
            final_release.or(prerelease)
        }
        .or(unusable)
        .cloned();
        if let Some(skipped) =
            unusable.filter(|skipped| chosen.as_ref().is_some_and(|chosen| chosen < *skipped))
        {
            // pip would build it; say why a newer version was passed over.
            if let Some(Err(reason @ (Unusable::SourceOnly | Unusable::NoBinary))) = candidates
                .versions
                .get(skipped)
                .map(|files| files.best(self.is_pinned(name, skipped)))
            {
                self.warn(format!("{name} {skipped} is skipped: it {reason}"));
            }
        }
        if let (Package::Dist(_), Some(version)) = (package, &chosen) {
            self.chosen
                .borrow_mut()
                .insert(name.clone(), version.clone());
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
            Package::Dist(name) => {
                if let Some(candidates) = self.candidates(name)? {
                    if let Some(files) = candidates.versions.get(version) {
                        if let Err(reason) = files.best(self.is_pinned(name, version)) {
                            return Ok(Dependencies::Unavailable(reason));
                        }
                    }
                }
                self.dist_dependencies(package, name, version, None)
            }
            Package::Extra(name, extra) => {
                self.dist_dependencies(package, name, version, Some(extra))
            }
        }
    }
}
