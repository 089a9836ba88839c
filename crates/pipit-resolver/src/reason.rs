//! Why a version that exists cannot be used: PubGrub's custom
//! incompatibilities, worded for the explanation.

use std::fmt;

/// Why one version of a package is unusable for this target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Its `Requires-Python` excludes the target interpreter.
    RequiresPython {
        /// The specifiers, as published.
        required: String,
        /// The target's full Python version.
        target: String,
    },
    /// It has only source distributions, and pipit does not build yet.
    SourceOnly,
    /// `--no-binary` rules out its wheels, and pipit does not build yet.
    NoBinary,
    /// It has wheels, none for this target's tags.
    NoCompatibleWheel {
        /// A few of the wheel tags it offers, for the message.
        offered: Vec<String>,
    },
    /// Every file is yanked (PEP 592) and it is not pinned with `==`/`===`.
    Yanked {
        /// The reason the index gives, if any.
        reason: Option<String>,
    },
    /// No file of it matches the `--hash` values required for it.
    HashMismatch,
    /// Its metadata could not be read or is malformed.
    InvalidMetadata {
        /// What is wrong, in one line.
        message: String,
    },
    /// It depends on a direct URL that the user did not ask for.
    UrlDependency {
        /// The dependency as written.
        requirement: String,
    },
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unusable::RequiresPython { required, target } => {
                write!(f, "requires Python {required} (the target is {target})")
            }
            Unusable::SourceOnly => {
                f.write_str("has only a source distribution (pipit cannot do a source build yet)")
            }
            Unusable::NoBinary => f.write_str(
                "may not use a wheel under --no-binary (pipit cannot do a source build yet)",
            ),
            Unusable::NoCompatibleWheel { offered } => {
                write!(f, "has no wheel compatible with the target")?;
                if !offered.is_empty() {
                    write!(f, " (it offers {})", offered.join(", "))?;
                }
                Ok(())
            }
            Unusable::Yanked { reason: Some(reason) } => {
                write!(f, "is yanked (\"{reason}\": only a == pin may use it)")
            }
            Unusable::Yanked { reason: None } => f.write_str("is yanked (only a == pin may use it)"),
            Unusable::HashMismatch => f.write_str("has no file matching the required --hash values"),
            Unusable::InvalidMetadata { message } => write!(f, "has invalid metadata: {message}"),
            Unusable::UrlDependency { requirement } => write!(
                f,
                "depends on the direct reference `{requirement}`, which only a user requirement may name"
            ),
        }
    }
}
