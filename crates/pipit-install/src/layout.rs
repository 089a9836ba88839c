//! Where each part of a wheel goes: the scheme of one install.
//!
//! With `--target DIR` pip installs into a temporary `--home` scheme and
//! moves its contents into `DIR`, so in a target folder:
//!
//! | wheel part                       | goes to                                  |
//! |----------------------------------|------------------------------------------|
//! | root, `.data/purelib`, `platlib` | `DIR/`                                   |
//! | `.data/scripts`, launchers       | `DIR/bin/`                               |
//! | `.data/headers`                  | `DIR/include/python/<name>/` (`DIR/include/site/pythonX.Y/<name>/` when the interpreter is a virtual environment) |
//! | `.data/data`                     | `DIR/`                                   |
//!
//! Without `--target`, the interpreter's own scheme paths are used.

use std::path::{Path, PathBuf};

use pipit_python::Interpreter;

/// The folders one install writes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallLayout {
    /// The folder that holds the `.dist-info` folders and pipit's `.pipit/`
    /// state (lock, journal, staging): the target, or the purelib folder.
    pub root: PathBuf,
    /// Pure-Python files.
    pub purelib: PathBuf,
    /// Platform-specific files.
    pub platlib: PathBuf,
    /// Scripts and entry-point launchers.
    pub scripts: PathBuf,
    /// `.data/data` files.
    pub data: PathBuf,
    /// The parent of each distribution's header folder (`<headers>/<name>/`).
    pub headers: PathBuf,
    /// The interpreter that `#!python` shebangs and launchers name.
    pub python: Option<PathBuf>,
    /// Whether this is a `--target` folder (pip's `--target` rules apply).
    pub target_mode: bool,
}

impl InstallLayout {
    /// pip's `--target DIR` layout for `interpreter`.
    pub fn target(dir: &Path, interpreter: &Interpreter) -> Self {
        let headers = match &interpreter.scheme {
            Some(scheme) if scheme.virtualenv => dir
                .join("include")
                .join("site")
                .join(format!("python{}", interpreter.version.major_minor())),
            _ => dir.join("include").join("python"),
        };
        Self {
            root: dir.to_path_buf(),
            purelib: dir.to_path_buf(),
            platlib: dir.to_path_buf(),
            scripts: dir.join("bin"),
            data: dir.to_path_buf(),
            headers,
            python: interpreter.executable.clone(),
            target_mode: true,
        }
    }

    /// A `--target` folder read without an interpreter (listing, verifying,
    /// uninstalling): the headers folder is the non-virtual-environment one.
    pub fn plain_target(dir: &Path) -> Self {
        Self {
            root: dir.to_path_buf(),
            purelib: dir.to_path_buf(),
            platlib: dir.to_path_buf(),
            scripts: dir.join("bin"),
            data: dir.to_path_buf(),
            headers: dir.join("include").join("python"),
            python: None,
            target_mode: true,
        }
    }

    /// The environment of `interpreter` itself (its scheme paths); `None`
    /// when the interpreter was described by flags rather than probed.
    pub fn environment(interpreter: &Interpreter) -> Option<Self> {
        let scheme = interpreter.scheme.as_ref()?;
        let headers = if scheme.virtualenv {
            scheme
                .prefix
                .join("include")
                .join("site")
                .join(format!("python{}", interpreter.version.major_minor()))
        } else {
            scheme.include.clone()
        };
        Some(Self {
            root: scheme.purelib.clone(),
            purelib: scheme.purelib.clone(),
            platlib: scheme.platlib.clone(),
            scripts: scheme.scripts.clone(),
            data: scheme.data.clone(),
            headers,
            python: interpreter.executable.clone(),
            target_mode: false,
        })
    }

    /// Every folder this layout writes into, the root first, without repeats.
    pub fn folders(&self) -> Vec<&Path> {
        let mut folders: Vec<&Path> = Vec::new();
        for folder in [
            &self.root,
            &self.purelib,
            &self.platlib,
            &self.scripts,
            &self.data,
            &self.headers,
        ] {
            if !folders.contains(&folder.as_path()) {
                folders.push(folder);
            }
        }
        folders
    }
}
