//! The store's folders: `<root>/site-packages` and
//! `<root>/site-envs/<name>-<id>/`, found by name, created once.

use std::path::{Path, PathBuf};

use pipit_install::lock::STATE_DIR;
use pipit_install::{InstallLayout, TargetLock};

use crate::error::{io, EnvError};
use crate::record::{random_id, EnvRecord};

/// The special id of the root's shared `site-packages` folder.
pub const SITE_PACKAGES: &str = "site-packages";
/// The environment of scripts without `# venv:`.
pub const DEFAULT_ENV: &str = "default";
/// The folder that holds the named environments.
const SITE_ENVS: &str = "site-envs";
/// Prefix of folders being created or removed; never an environment.
const BUSY_PREFIX: &str = ".pipit-";

/// One store root.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// One environment folder of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// Its name (`default`, a `# venv:` name, or `site-packages`).
    pub name: String,
    /// Its id (empty for `site-packages`).
    pub id: String,
    /// The folder the host puts on `sys.path`.
    pub path: PathBuf,
}

impl Store {
    /// The store at `root` (nothing is created until something is installed).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The per-user default root: the platform's local data folder + `pipit`
    /// (`~/.local/share/pipit` on Linux, `%LOCALAPPDATA%\pipit` on Windows,
    /// `~/Library/Application Support/pipit` on macOS).
    pub fn default_root() -> Option<PathBuf> {
        dirs::data_local_dir().map(|dir| dir.join("pipit"))
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/site-envs`.
    pub fn envs_dir(&self) -> PathBuf {
        self.root.join(SITE_ENVS)
    }

    /// The shared `<root>/site-packages` environment.
    pub fn site_packages(&self) -> Env {
        Env {
            name: SITE_PACKAGES.to_string(),
            id: String::new(),
            path: self.root.join(SITE_PACKAGES),
        }
    }

    /// Every environment: `site-packages` first when it exists, then the
    /// named ones by name and creation time.
    pub fn list(&self) -> Result<Vec<Env>, EnvError> {
        let mut envs = Vec::new();
        let site = self.site_packages();
        if site.path.is_dir() {
            envs.push(site);
        }
        let dir = self.envs_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(envs),
            Err(error) => return Err(io("list", &dir)(error)),
        };
        let mut named = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io("list", &dir))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let Some((name, id)) = split_folder_name(&file_name) else {
                continue;
            };
            if !entry.path().is_dir() {
                continue;
            }
            let created = EnvRecord::read(&entry.path().join(STATE_DIR).join("env.json"))
                .map(|record| record.created)
                .unwrap_or_default();
            named.push((
                created,
                Env {
                    name: name.to_string(),
                    id: id.to_string(),
                    path: entry.path(),
                },
            ));
        }
        named.sort_by(|(a_created, a), (b_created, b)| {
            (a.name.as_str(), a_created, a.id.as_str()).cmp(&(
                b.name.as_str(),
                b_created,
                b.id.as_str(),
            ))
        });
        envs.extend(named.into_iter().map(|(_, env)| env));
        Ok(envs)
    }

    /// Folders under `site-envs/` that are not environments: leftovers of a
    /// creation or removal that was interrupted.
    pub fn stray_folders(&self) -> Result<Vec<PathBuf>, EnvError> {
        let dir = self.envs_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(io("list", &dir)(error)),
        };
        let mut stray = Vec::new();
        for entry in entries.flatten() {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with(BUSY_PREFIX) {
                stray.push(entry.path());
            }
        }
        stray.sort();
        Ok(stray)
    }

    /// The environment `name` names: `site-packages`, an exact
    /// `<name>-<id>` folder, or a name. Of several environments with one
    /// name, the oldest one a script can share wins (not one made by
    /// `--on-conflict new-env`).
    pub fn find(&self, name: &str) -> Result<Option<Env>, EnvError> {
        if name == SITE_PACKAGES {
            let site = self.site_packages();
            return Ok(site.path.is_dir().then_some(site));
        }
        let envs = self.list()?;
        if let Some(exact) = envs
            .iter()
            .find(|env| !env.id.is_empty() && format!("{}-{}", env.name, env.id) == name)
        {
            return Ok(Some(exact.clone()));
        }
        let same_name: Vec<&Env> = envs.iter().filter(|env| env.name == name).collect();
        let shared = same_name.iter().find(|env| {
            !env.read_record()
                .is_ok_and(|record| record.separate_process)
        });
        Ok(shared.or(same_name.first()).map(|env| (*env).clone()))
    }

    /// Like [`Store::find`], but an unknown name is an error.
    pub fn get(&self, name: &str) -> Result<Env, EnvError> {
        self.find(name)?.ok_or_else(|| EnvError::NotFound {
            name: name.to_string(),
            root: self.root.clone(),
        })
    }

    /// Creates a new environment `name` with a fresh id and its record. The
    /// folder appears complete or not at all: it is prepared under a
    /// temporary name and renamed into place.
    pub fn create(&self, name: &str, separate_process: bool) -> Result<Env, EnvError> {
        validate_name(name)?;
        if name == SITE_PACKAGES {
            let env = self.site_packages();
            fs_err::create_dir_all(&env.path).map_err(io("create", &env.path))?;
            let record_path = env.record_path();
            if !record_path.exists() {
                EnvRecord::new(SITE_PACKAGES, "", false).write(&record_path)?;
            }
            return Ok(env);
        }
        let dir = self.envs_dir();
        fs_err::create_dir_all(&dir).map_err(io("create", &dir))?;
        loop {
            let id = random_id();
            let path = dir.join(format!("{name}-{id}"));
            if path.exists() {
                continue;
            }
            let temporary = dir.join(format!("{BUSY_PREFIX}new-{}", random_id()));
            let record = EnvRecord::new(name, &id, separate_process);
            record.write(&temporary.join(STATE_DIR).join("env.json"))?;
            if let Err(error) = std::fs::rename(&temporary, &path) {
                let _ = std::fs::remove_dir_all(&temporary);
                return Err(io("create", &path)(error));
            }
            return Ok(Env {
                name: name.to_string(),
                id,
                path,
            });
        }
    }

    /// The environment scripts naming `name` share, created when there is
    /// none. One made by `--on-conflict new-env` is never handed out here.
    /// The store's lock is held meanwhile, so two first installs at once
    /// agree on one environment.
    pub fn find_or_create(&self, name: &str) -> Result<(Env, bool), EnvError> {
        validate_name(name)?;
        // `<root>/.pipit/lock`: beside the environments, not among them.
        let _store_lock = TargetLock::acquire(&self.root, || {})?;
        if let Some(env) = self.find(name)? {
            let shared = env.name == SITE_PACKAGES
                || !env
                    .read_record()
                    .is_ok_and(|record| record.separate_process);
            if shared {
                return Ok((env, false));
            }
        }
        Ok((self.create(name, false)?, true))
    }

    /// Removes one environment; refused while an install holds its lock.
    pub fn remove(&self, env: &Env) -> Result<(), EnvError> {
        let lock = TargetLock::try_acquire(&env.path)?;
        self.remove_locked(env, lock)
    }

    /// Removes one environment whose lock the caller holds.
    pub fn remove_locked(&self, env: &Env, lock: TargetLock) -> Result<(), EnvError> {
        if env.name == SITE_PACKAGES {
            // Emptied under its lock, which stays (see `reset`).
            empty_folder(&env.path, Some(lock.state_dir().as_path()))?;
            let lock_file = lock.state_dir().join("lock");
            return empty_folder(&lock.state_dir(), Some(&lock_file));
        }
        // Renamed first, so a half-removed folder is never taken for an
        // environment; what a failed deletion leaves, `env gc` removes.
        let doomed = self
            .envs_dir()
            .join(format!("{BUSY_PREFIX}removed-{}", random_id()));
        std::fs::rename(&env.path, &doomed).map_err(io("remove", &env.path))?;
        drop(lock);
        fs_err::remove_dir_all(&doomed).map_err(io("remove", &doomed))
    }

    /// Empties `site-envs/` and `site-packages/`. Every environment is
    /// locked first, so nothing is removed while any install is running.
    pub fn reset(&self) -> Result<usize, EnvError> {
        let envs = self.list()?;
        let mut locks = Vec::new();
        for env in &envs {
            locks.push(TargetLock::try_acquire(&env.path)?);
        }
        let mut removed = 0;
        for env in &envs {
            if env.name == SITE_PACKAGES {
                // Emptied under its lock; the lock file itself stays, so an
                // install waiting on it locks the same file afterwards.
                empty_folder(&env.path, Some(&env.path.join(STATE_DIR)))?;
                let lock_file = env.path.join(STATE_DIR).join("lock");
                empty_folder(&env.path.join(STATE_DIR), Some(&lock_file))?;
            } else {
                fs_err::remove_dir_all(&env.path).map_err(io("remove", &env.path))?;
            }
            removed += 1;
        }
        drop(locks);
        for stray in self.stray_folders()? {
            let _ = std::fs::remove_dir_all(&stray);
        }
        Ok(removed)
    }
}

impl Env {
    /// `.pipit/env.json`.
    pub fn record_path(&self) -> PathBuf {
        self.path.join(STATE_DIR).join("env.json")
    }

    /// Reads the record; an environment without one (made by hand, or the
    /// `site-packages` folder before pipit wrote to it) gets a fresh one.
    pub fn read_record(&self) -> Result<EnvRecord, EnvError> {
        let path = self.record_path();
        if !path.exists() {
            return Ok(EnvRecord::new(&self.name, &self.id, false));
        }
        EnvRecord::read(&path)
    }

    /// Writes the record.
    pub fn write_record(&self, record: &EnvRecord) -> Result<(), EnvError> {
        record.write(&self.record_path())
    }

    /// The folder as an install target (pip's `--target` layout).
    pub fn layout(&self) -> InstallLayout {
        InstallLayout::plain_target(&self.path)
    }

    /// `name-id`, or `site-packages`.
    pub fn folder_name(&self) -> String {
        if self.id.is_empty() {
            self.name.clone()
        } else {
            format!("{}-{}", self.name, self.id)
        }
    }
}

/// Checks a `# venv:` name: it becomes part of a folder name.
pub fn validate_name(name: &str) -> Result<(), EnvError> {
    let invalid = |reason| EnvError::InvalidName {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("it is empty"));
    }
    if name.len() > 64 {
        return Err(invalid("it is longer than 64 characters"));
    }
    if name.starts_with(['.', '-']) {
        return Err(invalid("it starts with `.` or `-`"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(invalid(
            "use only letters, digits, `-`, `_` and `.` (it names a folder)",
        ));
    }
    Ok(())
}

/// `name-id` split at the last `-` when the id is 8 lowercase letters/digits.
fn split_folder_name(folder: &str) -> Option<(&str, &str)> {
    if folder.starts_with(BUSY_PREFIX) {
        return None;
    }
    let (name, id) = folder.rsplit_once('-')?;
    let id_ok = id.len() == 8
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (id_ok && !name.is_empty()).then_some((name, id))
}

/// Removes everything in `dir` except `keep` (the held lock's folder).
fn empty_folder(dir: &Path, keep: Option<&Path>) -> Result<(), EnvError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(io("list", dir)(error)),
    };
    for entry in entries {
        let entry = entry.map_err(io("list", dir))?;
        let path = entry.path();
        if Some(path.as_path()) == keep {
            continue;
        }
        let removed = if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(io("remove", &path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_is_created_once_and_found_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        assert!(store.find("tools").unwrap().is_none());
        let (env, created) = store.find_or_create("tools").unwrap();
        assert!(created);
        assert!(env.path.ends_with(format!("site-envs/tools-{}", env.id)));
        assert!(env.record_path().is_file());
        let (again, created) = store.find_or_create("tools").unwrap();
        assert!(!created);
        assert_eq!(again, env);
        assert_eq!(store.get(&env.folder_name()).unwrap(), env);
    }

    #[test]
    fn a_name_with_dashes_keeps_them() {
        assert_eq!(
            split_folder_name("b-tools-ab12cd34"),
            Some(("b-tools", "ab12cd34"))
        );
        assert_eq!(split_folder_name("b-tools"), None);
        assert_eq!(split_folder_name(".pipit-new-ab12cd34"), None);
    }

    #[test]
    fn the_shared_environment_wins_over_a_separate_process_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let separate = store.create("tools", true).unwrap();
        assert_eq!(store.get("tools").unwrap(), separate);
        let shared = store.create("tools", false).unwrap();
        assert_eq!(store.get("tools").unwrap(), shared);
        assert_eq!(store.list().unwrap().len(), 2);
    }

    #[test]
    fn bad_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        for name in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(
                matches!(store.create(name, false), Err(EnvError::InvalidName { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn reset_and_remove_wait_for_nobody_but_refuse_while_locked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let env = store.create("tools", false).unwrap();
        let site = store.create(SITE_PACKAGES, false).unwrap();
        std::fs::write(site.path.join("mod.py"), "").unwrap();
        let lock = TargetLock::try_acquire(&env.path).unwrap();
        assert!(matches!(store.reset(), Err(EnvError::Busy { .. })));
        assert!(matches!(store.remove(&env), Err(EnvError::Busy { .. })));
        assert!(env.path.is_dir() && site.path.join("mod.py").is_file());
        drop(lock);
        assert_eq!(store.reset().unwrap(), 2);
        assert!(!env.path.exists());
        assert!(!site.path.join("mod.py").exists());
        assert!(store
            .list()
            .unwrap()
            .iter()
            .all(|e| e.name == SITE_PACKAGES));
    }

    #[test]
    fn remove_takes_the_folder_away() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let env = store.create("tools", false).unwrap();
        store.remove(&env).unwrap();
        assert!(!env.path.exists());
        assert!(store.stray_folders().unwrap().is_empty());
    }
}
