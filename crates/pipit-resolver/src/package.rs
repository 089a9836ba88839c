//! What PubGrub decides about: the user's request, each distribution, and
//! each (distribution, extra) pair.

use std::fmt;

use pep508_rs::{ExtraName, PackageName};

/// A node of the resolution.
///
/// An extra is a package of its own, `a[x]`, whose version `v` depends on
/// `a==v` and on the requirements the extra adds; that keeps every extra of
/// one distribution at the distribution's single version without PubGrub
/// knowing about extras at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Package {
    /// The user's request (command line, requirements files, script).
    Root,
    /// A distribution, by its normalized name.
    Dist(PackageName),
    /// One extra of a distribution.
    Extra(PackageName, ExtraName),
}

impl Package {
    /// The distribution this node belongs to; `None` for the root.
    pub fn name(&self) -> Option<&PackageName> {
        match self {
            Package::Root => None,
            Package::Dist(name) | Package::Extra(name, _) => Some(name),
        }
    }
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Package::Root => f.write_str("your requirements"),
            Package::Dist(name) => write!(f, "{name}"),
            Package::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}
