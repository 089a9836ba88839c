//! PEP 440 version specifiers as PubGrub version ranges.
//!
//! This module owns one translation: a specifier (`>=1.0`, `==1.*`, `~=2.2`)
//! into the set of versions it matches, evaluated the way `packaging` (the
//! library pip uses) evaluates `SpecifierSet.contains(version,
//! prereleases=True)`. Pre-release *filtering* is not part of a range: the
//! resolver decides elsewhere whether pre-releases are allowed, helped by
//! [`names_prerelease`].
//!
//! `pep440_rs`'s own `Ranges` conversion is not used because it differs from
//! `packaging` (`==1.0` must match `1.0+local`, `>1.0.post1` must match
//! `1.0.post2.dev0`, `<1.0.post1` must not match `1.0.post0.dev0`, …).
//!
//! Ranges rely on two internal `pep440_rs` markers: `V.with_min(Some(0))`
//! sorts below every pre-, dev- and post-release of the release `V`, and
//! `V.with_max(Some(0))` above every post-release and local version of `V`.
//! A local version `V+x` sorts after `V` and before the next public version.
//!
//! Where `packaging`'s set cannot be written as finitely many intervals, the
//! range is the smallest superset this module knows how to build:
//!
//! - `>V` rejects local versions of `V`'s release, and, unless `V` is a
//!   post-release, post-releases of it too (`>1.0a1` rejects `1.0rc1+x` and
//!   `1.0rc1.post1`). Every such version between two pre-releases is an
//!   isolated hole, so only the holes next to `V`, to `V` without its dev
//!   segment and to the final release are cut out; locals and post-releases
//!   of other pre-releases in between stay in the range.
//! - `<V.postN` rejects dev releases of `V`'s earlier post-releases (one hole
//!   each); only the holes of the [`POST_DEV_HOLES`] post-releases just below
//!   `V` are cut out.
//! - `===` is string equality in `packaging` (`===1.0` does not match
//!   `1.0.0`); a range cannot tell spellings apart, so it is the single
//!   version the operand parses as.
//! - `~=`'s prefix is computed by `packaging` from the specifier as written,
//!   so `~=1.0.preview1` there means `>=1.0rc1, ==1.0.*`; `pep440_rs` keeps
//!   only the normalised `~=1.0rc1`, which gets `==1.*`.

use std::ops::Bound;

use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use version_ranges::Ranges;

#[cfg(test)]
mod tests;

/// How many post-releases below `V` get their dev releases cut out of `<V.postN`.
///
/// Each one is an interval of its own; a date-like `N` would otherwise make a
/// range of millions of intervals that every PubGrub term operation walks.
const POST_DEV_HOLES: u64 = 32;

/// The versions `specifier` matches, as a range (PEP 440, as `packaging` evaluates it).
pub fn specifier_to_range(specifier: &VersionSpecifier) -> Ranges<Version> {
    let version = specifier.version();
    match specifier.operator() {
        Operator::Equal => equal(version),
        Operator::NotEqual => equal(version).complement(),
        // A single version: `packaging` compares the strings, a range cannot.
        Operator::ExactEqual => Ranges::singleton(version.clone()),
        Operator::EqualStar => prefix(version.epoch(), version.release()),
        Operator::NotEqualStar => prefix(version.epoch(), version.release()).complement(),
        Operator::TildeEqual => compatible(&public(version)),
        Operator::LessThan => less_than(&public(version)),
        Operator::LessThanEqual => {
            Ranges::from_range_bounds((Bound::Unbounded, after_locals(&public(version))))
        }
        Operator::GreaterThan => greater_than(&public(version)),
        Operator::GreaterThanEqual => Ranges::higher_than(public(version)),
    }
}

/// The intersection of every specifier's range.
pub fn specifiers_to_range(specifiers: &VersionSpecifiers) -> Ranges<Version> {
    specifiers.iter().fold(Ranges::full(), |range, specifier| {
        range.intersection(&specifier_to_range(specifier))
    })
}

/// Whether a specifier set names a pre-release, which makes pip allow pre-releases for it.
///
/// Any specifier but `!=` and `!=…*` counts when its version is a pre-release
/// or dev release (as `packaging`'s `SpecifierSet.prereleases`).
pub fn names_prerelease(specifiers: &VersionSpecifiers) -> bool {
    specifiers.iter().any(|specifier| {
        !matches!(
            specifier.operator(),
            Operator::NotEqual | Operator::NotEqualStar
        ) && specifier.version().any_prerelease()
    })
}

/// `==V`: with a local segment exactly `V`, otherwise `V` and all its local versions.
pub(crate) fn equal(version: &Version) -> Ranges<Version> {
    if version.is_local() {
        // `Version`'s equality pads the release, as `packaging` does: `1.0.0+x` is in.
        return Ranges::singleton(version.clone());
    }
    Ranges::from_range_bounds((Bound::Included(version.clone()), after_locals(version)))
}

/// `==E!R.*`: every version of epoch `E` whose release, padded with zeros, starts with `R`.
///
/// Pre-, post-, dev and local segments of the operand are ignored: PEP 440
/// forbids them with a wildcard, so only a hand-built specifier has them.
fn prefix(epoch: u64, release: &[u64]) -> Ranges<Version> {
    // An empty prefix (only from `~=` with one release segment, which the
    // parser rejects) is the whole epoch; release `0` sorts first in it.
    let lower = if release.is_empty() {
        Version::new([0]).with_epoch(epoch)
    } else {
        Version::new(release).with_epoch(epoch)
    };
    let upper = match next_prefix(release) {
        Some(next) => Bound::Excluded(Version::new(next).with_epoch(epoch).with_min(Some(0))),
        None => match epoch.checked_add(1) {
            Some(next_epoch) => {
                Bound::Excluded(Version::new([0]).with_epoch(next_epoch).with_min(Some(0)))
            }
            None => Bound::Unbounded,
        },
    };
    Ranges::from_range_bounds((Bound::Included(lower.with_min(Some(0))), upper))
}

/// The smallest release prefix that sorts after every release starting with `release`.
fn next_prefix(release: &[u64]) -> Option<Vec<u64>> {
    let last = release.iter().rposition(|&number| number < u64::MAX)?;
    let mut next = release[..=last].to_vec();
    next[last] += 1;
    Some(next)
}

/// `~=V`: `>=V` and `==P.*`, where `P` is `V`'s release without its last segment.
fn compatible(version: &Version) -> Ranges<Version> {
    let release = version.release();
    let prefix_release = &release[..release.len().saturating_sub(1)];
    Ranges::higher_than(version.clone()).intersection(&prefix(version.epoch(), prefix_release))
}

/// `<V`: below `V`, except pre-releases of `V`'s release when `V` is not one itself.
fn less_than(version: &Version) -> Ranges<Version> {
    if version.any_prerelease() {
        return Ranges::strictly_lower_than(version.clone());
    }
    // PEP 440: `<V` must not allow a pre-release of the specified version.
    // `packaging` counts dev releases of post-releases (`1.0.post1.dev0`) as
    // pre-releases of `1.0` too.
    let base = release_of(version);
    let mut range = Ranges::strictly_lower_than(base.clone().with_min(Some(0)));
    if let Some(post) = version.post() {
        let mut posts = Ranges::from_range_bounds(base.clone()..version.clone());
        for number in post.saturating_sub(POST_DEV_HOLES - 1)..=post {
            let post_release = base.clone().with_post(Some(number));
            let dev_releases = post_release.clone().with_dev(Some(0))..post_release;
            posts = posts.intersection(&Ranges::from_range_bounds(dev_releases).complement());
        }
        range = range.union(&posts);
    }
    range
}

/// `>V`: above `V`, except local versions of `V`'s release and, unless `V` is
/// a post-release, post-releases of it (as far as intervals can say so; see
/// the module documentation).
fn greater_than(version: &Version) -> Ranges<Version> {
    let mut anchors = vec![version.clone(), release_of(version)];
    if version.is_dev() {
        anchors.push(version.clone().with_dev(None));
    }
    let mut range = Ranges::strictly_higher_than(version.clone());
    for anchor in anchors {
        // PEP 440: `>V` must not allow a post-release of `V` unless `V` is one.
        let upper = if version.is_post() || anchor.is_dev() {
            after_locals(&anchor)
        } else {
            Bound::Included(anchor.clone().with_max(Some(0)))
        };
        let hole = Ranges::from_range_bounds((Bound::Excluded(anchor), upper));
        range = range.intersection(&hole.complement());
    }
    range
}

/// The upper bound that keeps `version`'s local versions and nothing above them.
///
/// The next public version is the next dev release if `version` has a dev
/// segment, else the first dev release of the next post-release.
fn after_locals(version: &Version) -> Bound<Version> {
    let version = &public(version);
    let next = match (version.dev(), version.post()) {
        (Some(dev), _) => dev
            .checked_add(1)
            .map(|dev| version.clone().with_dev(Some(dev))),
        (None, Some(post)) => post
            .checked_add(1)
            .map(|post| version.clone().with_post(Some(post)).with_dev(Some(0))),
        (None, None) => Some(version.clone().with_post(Some(0)).with_dev(Some(0))),
    };
    // A segment at `u64::MAX` leaves no room above it; keep only the version.
    next.map_or_else(|| Bound::Included(version.clone()), Bound::Excluded)
}

/// `version` without its local segment, which ordered comparisons ignore.
fn public(version: &Version) -> Version {
    version.clone().without_local()
}

/// The final release of `version`: its epoch and release segments only.
fn release_of(version: &Version) -> Version {
    version.only_release().with_epoch(version.epoch())
}

/// Whether a range that PubGrub narrowed from requirements has a bound a
/// requirement wrote as a pre-release (`>=2.0b1`, `<3.0rc1`, `==1.0a1`):
/// pip then allows pre-releases. The bounds the conversion adds itself
/// (`min`/`max` markers, `V.postN.dev0` above local versions) do not count.
pub(crate) fn bounds_name_prerelease(range: &Ranges<Version>) -> bool {
    let named = |bound: &Bound<Version>| match bound {
        Bound::Included(version) | Bound::Excluded(version) => {
            version.min().is_none()
                && version.max().is_none()
                && (version.is_pre() || (version.is_dev() && !version.is_post()))
        }
        Bound::Unbounded => false,
    };
    range.iter().any(|(low, high)| named(low) || named(high))
}
