//! Small file-system helpers shared by install and uninstall.

use std::path::Path;

/// Removes the folders that held `paths` and are now empty, walking up
/// but never removing, nor going above, any of `keep` (the layout's
/// folders). Folders outside every `keep` folder are left alone.
pub fn remove_empty_parents(paths: &[impl AsRef<Path>], keep: &[&Path]) {
    for path in paths {
        let mut parent = path.as_ref().parent();
        while let Some(dir) = parent {
            let inside = keep
                .iter()
                .any(|kept| dir.starts_with(kept) && dir != *kept);
            if !inside || std::fs::remove_dir(dir).is_err() {
                break;
            }
            parent = dir.parent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_empty_folders_below_the_kept_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::create_dir_all(root.join("ns/other")).unwrap();
        std::fs::create_dir_all(root.join("ns/mine")).unwrap();
        remove_empty_parents(
            &[root.join("a/b/c/x.py"), root.join("ns/mine/y.py")],
            &[&root],
        );
        assert!(!root.join("a").exists());
        assert!(!root.join("ns/mine").exists());
        assert!(root.join("ns/other").is_dir());
        assert!(root.is_dir());
    }
}
