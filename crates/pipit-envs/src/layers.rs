//! Layered sites: the other folders on the host's `sys.path`
//! (`--search-path`, a script's `# env:` folders). What they hold counts as
//! installed, and what pipit installs may be shadowed by them.

use std::path::{Path, PathBuf};

use pep440_rs::Version;
use pep508_rs::PackageName;
use pipit_install::installed::normalize_lexically;
use pipit_install::{installed_dists, InstallLayout, InstalledDist};

use crate::error::EnvError;

/// One folder of the host's search path and the distributions in it.
#[derive(Debug, Clone)]
pub struct SiteLayer {
    /// The folder.
    pub path: PathBuf,
    /// The distributions installed there (`*.dist-info`).
    pub dists: Vec<InstalledDist>,
}

/// The host's search path, in `sys.path` order.
#[derive(Debug, Clone, Default)]
pub struct SiteLayers {
    /// The folders, first searched first.
    pub layers: Vec<SiteLayer>,
}

impl SiteLayers {
    /// Reads the distributions of each folder that exists; a folder that
    /// does not exist holds nothing (hosts list folders they may create later).
    pub fn read(paths: &[PathBuf]) -> Result<Self, EnvError> {
        let mut layers = Vec::new();
        for path in paths {
            // `..` resolved, so paths compare (and print) as the host spells them.
            let path =
                normalize_lexically(&std::path::absolute(path).unwrap_or_else(|_| path.clone()));
            if layers.iter().any(|layer: &SiteLayer| layer.path == path) {
                continue;
            }
            let dists = if path.is_dir() {
                installed_dists(&InstallLayout::plain_target(&path)).map_err(|error| {
                    EnvError::Io {
                        action: "read the search path folder",
                        path: path.clone(),
                        source: std::io::Error::other(error.to_string()),
                    }
                })?
            } else {
                Vec::new()
            };
            layers.push(SiteLayer { path, dists });
        }
        Ok(Self { layers })
    }

    /// Every distribution of every layer except `env` itself, each with its
    /// folder, first layer first.
    pub fn dists_outside<'a>(
        &'a self,
        env: &'a Path,
    ) -> impl Iterator<Item = (&'a Path, &'a InstalledDist)> + 'a {
        self.layers
            .iter()
            .filter(move |layer| layer.path != env)
            .flat_map(|layer| layer.dists.iter().map(|dist| (layer.path.as_path(), dist)))
    }

    /// The first distribution named `name` that the host would import
    /// before `env`'s: in a folder earlier on the path than `env`, or
    /// anywhere on the path when `env` is not on it (hosts append their
    /// environments after their own folders).
    pub fn shadowing(&self, env: &Path, name: &PackageName) -> Option<(&Path, &Version)> {
        for layer in &self.layers {
            if layer.path == env {
                return None;
            }
            if let Some(dist) = layer.dists.iter().find(|dist| &dist.name == name) {
                return Some((&layer.path, &dist.version));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist_info(dir: &Path, name: &str, version: &str) {
        let info = dir.join(format!("{name}-{version}.dist-info"));
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(
            info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        )
        .unwrap();
        std::fs::write(info.join("RECORD"), "").unwrap();
    }

    #[test]
    fn earlier_folders_shadow_and_missing_folders_hold_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join("host");
        let env = dir.path().join("env");
        let later = dir.path().join("later");
        dist_info(&host, "pkg_a", "1.0");
        dist_info(&later, "pkg_c", "3.0");
        std::fs::create_dir_all(&env).unwrap();
        let layers = SiteLayers::read(&[
            host.clone(),
            env.clone(),
            later.clone(),
            dir.path().join("missing"),
        ])
        .unwrap();
        assert_eq!(layers.layers.len(), 4);
        let pkg_a = PackageName::from_str("pkg-a").unwrap();
        let pkg_c = PackageName::from_str("pkg-c").unwrap();
        let (path, version) = layers.shadowing(&env, &pkg_a).unwrap();
        assert_eq!(
            (path, version.to_string().as_str()),
            (host.as_path(), "1.0")
        );
        assert!(layers.shadowing(&env, &pkg_c).is_none());
        // An environment not on the path comes after every folder.
        assert!(layers
            .shadowing(&dir.path().join("other"), &pkg_c)
            .is_some());
        assert_eq!(layers.dists_outside(&env).count(), 2);
    }

    use std::str::FromStr;
}
