//! The entry point: prepare the request, run PubGrub on a thread of its
//! own while the runtime fetches, and turn the answer (or the failure)
//! into a [`Resolution`] (or a [`ResolveError`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use pep440_rs::{Operator, Version};
use pep508_rs::{ExtraName, PackageName, Requirement, VersionOrUrl};
use pipit_index::{
    normalize_name, CoreMetadata, FileOrigin, FindLinks, IndexClient, IndexFile, ListedFile,
    ProjectListing, WheelFilename, Yanked,
};
use pipit_python::Interpreter;
use pubgrub::PubGrubError;
use url::Url;
use version_ranges::Ranges;

use crate::candidates::is_yanked;
use crate::error::ResolveError;
use crate::explain::{explain, ExplainContext};
use crate::fetch::{Fetcher, Rules};
use crate::package::Package;
use crate::provider::{root_version, Inputs, Provider};
use crate::ranges::specifiers_to_range;
use crate::request::{
    PreferenceKind, Request, RequirementSource, ResolveOptions, Upgrade, UserRequirement,
};
use crate::resolution::{with_local_hash, Resolution, ResolvedDist};

/// Where packages come from.
#[derive(Clone)]
pub struct Sources {
    /// The index client (it may have no index, with `--no-index`).
    pub client: IndexClient,
    /// `--find-links` locations.
    pub find_links: FindLinks,
}

/// Resolves `request` for `target`: one version and one wheel per
/// distribution, or why that is impossible. Must run inside a Tokio
/// runtime; the solver itself runs on a thread of its own.
pub async fn resolve(
    request: &Request,
    sources: &Sources,
    target: &Interpreter,
    options: &ResolveOptions,
) -> Result<Resolution, ResolveError> {
    let markers = target.markers.clone();
    let mut warnings = Vec::new();

    // The user's requirements that apply to this target.
    let mut requirements = Vec::new();
    for user in &request.requirements {
        if user.requirement.marker.evaluate(&markers, &[]) {
            requirements.push(user.clone());
        } else {
            warnings.push(format!(
                "Ignoring {}: markers '{}' don't match the target",
                user.requirement.name,
                user.requirement.marker.try_to_string().unwrap_or_default()
            ));
        }
    }
    let require_hashes = options.require_hashes
        || request
            .requirements
            .iter()
            .chain(&request.constraints)
            .any(|user| !user.hashes.is_empty());
    if require_hashes {
        check_hash_pins(&requirements)?;
    }
    let mut hashes: HashMap<PackageName, Vec<String>> = HashMap::new();
    for user in requirements.iter().chain(&request.constraints) {
        if !user.hashes.is_empty() {
            hashes
                .entry(user.requirement.name.clone())
                .or_default()
                .extend(user.hashes.iter().map(|hash| hash.to_ascii_lowercase()));
        }
    }
    let fixed = direct_references(&requirements)?;
    let mut constraints: HashMap<PackageName, Ranges<Version>> = HashMap::new();
    for user in &request.constraints {
        if !user.requirement.marker.evaluate(&markers, &[]) {
            continue;
        }
        let range = match &user.requirement.version_or_url {
            None => Ranges::full(),
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers_to_range(specifiers),
            Some(VersionOrUrl::Url(_)) => {
                return Err(ResolveError::InvalidRequest {
                    message: format!(
                        "{}: the constraint `{}` names a URL; constraints take versions only",
                        user.source, user.requirement
                    ),
                })
            }
        };
        let entry = constraints
            .entry(user.requirement.name.clone())
            .or_insert_with(Ranges::full);
        *entry = entry.intersection(&range);
    }
    check_constraints_leave_room(&requirements, &request.constraints, &constraints)?;
    let mut overrides: HashMap<PackageName, Vec<Requirement>> = HashMap::new();
    for user in &request.overrides {
        overrides
            .entry(user.requirement.name.clone())
            .or_default()
            .push(user.requirement.clone());
    }
    let named: BTreeSet<PackageName> = requirements
        .iter()
        .map(|user| user.requirement.name.clone())
        .collect();
    let mut preferences = HashMap::new();
    for preference in &request.preferences {
        let keep = match (&preference.kind, &options.upgrade) {
            (PreferenceKind::Loaded, _) => true,
            (PreferenceKind::Installed, Upgrade::None) => true,
            (PreferenceKind::Installed, Upgrade::Packages(upgraded)) => {
                !upgraded.contains(&preference.name)
            }
            (PreferenceKind::Installed, Upgrade::All) => false,
        };
        // A loaded version wins over an installed one.
        if keep
            && (preference.kind == PreferenceKind::Loaded
                || !preferences.contains_key(&preference.name))
        {
            preferences.insert(preference.name.clone(), preference.version.clone());
        }
    }

    let python = markers.python_full_version().version.clone();
    let rules = Rules {
        tags: std::sync::Arc::new(target.tags.clone()),
        python,
        options: ResolveOptions {
            require_hashes,
            ..options.clone()
        },
        hashes,
    };
    let direct: HashSet<PackageName> = fixed.keys().cloned().collect();
    let fixed_listings = fixed
        .iter()
        .map(|(name, (listing, _))| (name.clone(), listing.clone()))
        .collect();
    let fetcher = Fetcher::new(
        tokio::runtime::Handle::current(),
        sources.client.clone(),
        sources.find_links.clone(),
        rules,
        fixed_listings,
    );

    // A project the user named that nothing has fails fast, naming where
    // pipit looked, before any solving.
    let slots: Vec<_> = named
        .iter()
        .map(|name| (name.clone(), fetcher.listing(name)))
        .collect();
    for (name, slot) in slots {
        if let Err(error) = slot.get().await {
            return Err(ResolveError::Listing {
                name: name.to_string(),
                error,
            });
        }
    }

    let inputs = Inputs {
        markers,
        requirements: requirements.clone(),
        constraints,
        overrides,
        preferences,
        direct,
        no_deps: options.no_deps,
        pre: options.pre,
        ignore_requires_python: options.ignore_requires_python,
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let solver_fetcher = fetcher.clone();
    std::thread::Builder::new()
        .name("pipit-solver".to_string())
        .spawn(move || {
            let provider = Provider::new(solver_fetcher, inputs);
            let outcome = pubgrub::resolve(&provider, Package::Root, root_version());
            let _ = sender.send(finish(&provider, outcome));
        })
        .map_err(|error| ResolveError::Internal {
            message: format!("cannot start the solver thread: {error}"),
        })?;
    let solved = receiver.await.map_err(|_| ResolveError::Internal {
        message: "the solver thread panicked".to_string(),
    })??;

    warnings.extend(solved.warnings);
    let mut packages = Vec::new();
    let extras_by_name: HashMap<PackageName, Vec<ExtraName>> = solved.extras;
    for (name, version) in &solved.versions {
        let slot = fetcher.listing(name);
        let candidates = slot.get().await.map_err(|error| ResolveError::Listing {
            name: name.to_string(),
            error,
        })?;
        let files = candidates
            .versions
            .get(version)
            .ok_or_else(|| ResolveError::Internal {
                message: format!("{name} {version} was chosen but is not listed"),
            })?;
        let pinned = solved.pinned.contains(&(name.clone(), version.clone()));
        let chosen = files
            .best(pinned)
            .map_err(|reason| ResolveError::Internal {
                message: format!("{name} {version} was chosen but {reason}"),
            })?;
        let metadata = solved
            .metadata
            .get(&(name.clone(), version.clone()))
            .cloned()
            .ok_or_else(|| ResolveError::Internal {
                message: format!("{name} {version} was chosen without metadata"),
            })?;
        let yanked = is_yanked(chosen);
        if yanked {
            let reason = match &chosen.file.yanked {
                Yanked::Yanked(Some(reason)) => format!(" (reason: {reason})"),
                _ => String::new(),
            };
            warnings.push(format!(
                "{name} {version} is a yanked version{reason}; it is used because it is pinned"
            ));
        }
        let user: Vec<&UserRequirement> = requirements
            .iter()
            .filter(|user| user.requirement.name == *name)
            .collect();
        let mut requested_extras: Vec<ExtraName> = user
            .iter()
            .flat_map(|user| user.requirement.extras.iter().cloned())
            .collect();
        requested_extras.sort();
        requested_extras.dedup();
        // The user's own requirement first, then the packages, as pip-tools writes `# via`.
        let mut required_by: Vec<String> = Vec::new();
        for user in &user {
            let source = match &user.source {
                RequirementSource::CommandLine => "the command line".to_string(),
                RequirementSource::File { path, .. } => format!("-r {path}"),
                RequirementSource::Script { path, .. } => path.clone(),
            };
            if !required_by.contains(&source) {
                required_by.push(source);
            }
        }
        if let Some(parents) = solved.required_by.get(name) {
            required_by.extend(parents.iter().map(ToString::to_string));
        }
        let direct_url = fixed.get(name).map(|(_, given)| given.clone());
        let mut file = chosen.file.clone();
        if options.hash_local_files || require_hashes {
            with_local_hash(&mut file, Some(&sources.client));
        }
        packages.push(ResolvedDist {
            name: name.clone(),
            version: version.clone(),
            file,
            origin: if direct_url.is_some() {
                None
            } else {
                Some(chosen.origin.clone())
            },
            metadata,
            requested: !user.is_empty(),
            requested_extras,
            extras: extras_by_name.get(name).cloned().unwrap_or_default(),
            direct_url,
            required_by,
            usable_files: files.usable_files().cloned().collect(),
            yanked,
        });
    }
    if require_hashes {
        check_hashes_present(&packages, &requirements)?;
    }
    Ok(Resolution { packages, warnings })
}

/// What the solver thread hands back.
struct Solved {
    versions: BTreeMap<PackageName, Version>,
    extras: HashMap<PackageName, Vec<ExtraName>>,
    required_by: HashMap<PackageName, BTreeSet<PackageName>>,
    metadata: HashMap<(PackageName, Version), std::sync::Arc<pipit_index::DistMetadata>>,
    pinned: HashSet<(PackageName, Version)>,
    warnings: Vec<String>,
}

/// Turns PubGrub's outcome into versions, or into the explanation.
fn finish(
    provider: &Provider,
    outcome: Result<pubgrub::SelectedDependencies<Package, Version>, PubGrubError<Provider>>,
) -> Result<Solved, ResolveError> {
    let selected = match outcome {
        Ok(selected) => selected,
        Err(PubGrubError::NoSolution(tree)) => {
            let mut context = ExplainContext::default();
            for package in tree.packages() {
                if let Some(name) = package.name() {
                    // A project no index has is known with no versions ("not found").
                    let versions = match provider.candidates(name) {
                        Ok(Some(candidates)) => candidates.versions.keys().rev().cloned().collect(),
                        Ok(None) => Vec::new(),
                        Err(_) => continue,
                    };
                    context.available.insert(name.clone(), versions);
                }
            }
            // Notes (files left out by --exclude-newer, invalid metadata)
            // often are the reason; they go with the explanation.
            let mut explanation = explain(&tree, &context);
            for warning in provider.warnings() {
                explanation.push_str(&format!("\nNote: {warning}"));
            }
            return Err(ResolveError::NoSolution { explanation });
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorChoosingVersion { source, .. })
        | Err(PubGrubError::ErrorInShouldCancel(source)) => return Err(source.0),
    };
    let mut versions = BTreeMap::new();
    let mut extras: HashMap<PackageName, Vec<ExtraName>> = HashMap::new();
    for (package, version) in selected.iter() {
        match package {
            Package::Root => {}
            Package::Dist(name) => {
                versions.insert(name.clone(), version.clone());
            }
            Package::Extra(name, extra) => {
                extras.entry(name.clone()).or_default().push(extra.clone())
            }
        }
    }
    for list in extras.values_mut() {
        list.sort();
    }
    let edges = provider.edges();
    let mut required_by: HashMap<PackageName, BTreeSet<PackageName>> = HashMap::new();
    for (package, version) in selected.iter() {
        let (Some(parent), Some(children)) = (
            package.name(),
            edges.get(&(package.clone(), version.clone())),
        ) else {
            continue;
        };
        for child in children {
            if versions.contains_key(child) {
                required_by
                    .entry(child.clone())
                    .or_default()
                    .insert(parent.clone());
            }
        }
    }
    let mut metadata = HashMap::new();
    let mut pinned = HashSet::new();
    for (name, version) in &versions {
        if let Some(found) = provider.metadata_of(name, version) {
            metadata.insert((name.clone(), version.clone()), found);
        }
        if provider.is_pinned(name, version) {
            pinned.insert((name.clone(), version.clone()));
        }
    }
    Ok(Solved {
        versions,
        extras,
        required_by,
        metadata,
        pinned,
        warnings: provider.warnings(),
    })
}

/// A user requirement that a constraint leaves no version for fails
/// before solving, naming both (PubGrub would see only the empty
/// intersection).
fn check_constraints_leave_room(
    requirements: &[UserRequirement],
    constraint_requirements: &[UserRequirement],
    constraints: &HashMap<PackageName, Ranges<Version>>,
) -> Result<(), ResolveError> {
    for user in requirements {
        let Some(constraint) = constraints.get(&user.requirement.name) else {
            continue;
        };
        let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &user.requirement.version_or_url
        else {
            continue;
        };
        if !specifiers_to_range(specifiers)
            .intersection(constraint)
            .is_empty()
        {
            continue;
        }
        let written: Vec<String> = constraint_requirements
            .iter()
            .filter(|constraint| constraint.requirement.name == user.requirement.name)
            .map(|constraint| format!("{} ({})", constraint.requirement, constraint.source))
            .collect();
        return Err(ResolveError::NoSolution {
            explanation: format!(
                "Because you require {} and the constraint {} allows none of those versions, the requirements are unsatisfiable.",
                user.requirement,
                written.join(" and ")
            ),
        });
    }
    Ok(())
}

/// pip's first hash-checking rule: a requirement without a hash must at
/// least be pinned with `==` (or be a direct reference), so that its hash
/// can be named after resolving. (A hashed requirement need not be pinned:
/// the hash pins the file.)
fn check_hash_pins(requirements: &[UserRequirement]) -> Result<(), ResolveError> {
    for user in requirements.iter().filter(|user| user.hashes.is_empty()) {
        let pinned = match &user.requirement.version_or_url {
            Some(VersionOrUrl::Url(_)) => true,
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                specifiers.iter().any(|specifier| {
                    matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual)
                })
            }
            None => false,
        };
        if !pinned {
            return Err(ResolveError::Hashes {
                message: format!(
                    "{}: in --require-hashes mode every requirement must be pinned with == and hashed, and `{}` is neither",
                    user.source, user.requirement
                ),
            });
        }
    }
    Ok(())
}

/// pip's second hash-checking rule: every distribution installed, the
/// dependencies included, has hashes from the user.
fn check_hashes_present(
    packages: &[ResolvedDist],
    requirements: &[UserRequirement],
) -> Result<(), ResolveError> {
    // A direct reference's own `#sha256=` is the user's hash too, as in pip.
    let hashed: HashSet<&PackageName> = requirements
        .iter()
        .filter(|user| {
            !user.hashes.is_empty()
                || matches!(&user.requirement.version_or_url,
                    Some(VersionOrUrl::Url(url)) if url.to_url().fragment().is_some_and(|fragment| fragment.contains("sha256=")))
        })
        .map(|user| &user.requirement.name)
        .collect();
    let missing: Vec<String> = packages
        .iter()
        .filter(|dist| !hashed.contains(&dist.name))
        .map(|dist| match dist.file.hashes.get("sha256") {
            Some(hex) => format!("{}=={} --hash=sha256:{hex}", dist.name, dist.version),
            None => format!("{}=={}", dist.name, dist.version),
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ResolveError::Hashes {
        message: format!(
            "in --require-hashes mode every distribution needs a --hash, and these have none: {}",
            missing.join(", ")
        ),
    })
}

/// The user's direct references, each as a one-file listing, with the URL
/// as given.
fn direct_references(
    requirements: &[UserRequirement],
) -> Result<HashMap<PackageName, (ProjectListing, String)>, ResolveError> {
    let mut fixed: HashMap<PackageName, (ProjectListing, String)> = HashMap::new();
    for user in requirements {
        let Some(VersionOrUrl::Url(url)) = &user.requirement.version_or_url else {
            continue;
        };
        let name = &user.requirement.name;
        let given = url
            .given()
            .map(str::to_string)
            .unwrap_or_else(|| url.to_string());
        let invalid = |why: String| ResolveError::InvalidRequest {
            message: format!("{}: `{}`: {why}", user.source, user.requirement),
        };
        let mut location: Url = url.to_url();
        let mut hashes = pipit_index::Hashes::new();
        if let Some(fragment) = location.fragment() {
            for part in fragment.split('&') {
                if let Some((algorithm, hex)) = part.split_once('=') {
                    if ["sha256", "sha384", "sha512", "md5", "sha1", "sha224"].contains(&algorithm)
                    {
                        hashes.insert(algorithm.to_string(), hex.to_ascii_lowercase());
                    }
                }
            }
        }
        location.set_fragment(None);
        let filename = location
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .map(|segment| {
                percent_encoding::percent_decode_str(segment)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .unwrap_or_default();
        let Some(wheel) = WheelFilename::parse(&filename) else {
            return Err(invalid(
                "only wheel files can be installed from a URL or path: a source build would be needed, which pipit does not do yet".to_string(),
            ));
        };
        if normalize_name(&wheel.name) != name.as_ref() {
            return Err(invalid(format!(
                "the wheel `{filename}` is a distribution of `{}`, not `{name}`",
                wheel.name
            )));
        }
        if location.scheme() == "file" {
            let exists = location.to_file_path().is_ok_and(|path| path.is_file());
            if !exists {
                return Err(invalid(format!("`{filename}` does not exist")));
            }
        }
        let version = Version::from_str(&wheel.version).map_err(|error| {
            invalid(format!(
                "the wheel `{filename}` has an invalid version: {error}"
            ))
        })?;
        if let Some((existing, existing_given)) = fixed.get(name) {
            if existing.files[0].file.url != location {
                return Err(invalid(format!(
                    "`{name}` is also required from `{existing_given}`: one package cannot come from two URLs"
                )));
            }
            continue;
        }
        let file = IndexFile {
            filename,
            url: location.into(),
            hashes,
            requires_python: None,
            yanked: Yanked::NotYanked,
            core_metadata: CoreMetadata::Absent,
            size: None,
            upload_time: None,
        };
        let listing = ProjectListing {
            name: name.to_string(),
            files: vec![ListedFile {
                origin: FileOrigin::FindLinks,
                file,
                version,
            }],
        };
        fixed.insert(name.clone(), (listing, given));
    }
    Ok(fixed)
}
