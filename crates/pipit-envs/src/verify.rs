//! `env verify` and `env gc`: an environment checked against its
//! `RECORD`s and its journal, marked `invalid` when damaged, then repaired
//! or removed.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use pipit_install::record::{encode_digest, hash_reader};
use pipit_install::{has_leftovers, installed_dists, recover, TargetLock};

use crate::error::EnvError;
use crate::record::{EnvRecord, EnvState, InstalledRecord};
use crate::store::{Env, Store};

/// One thing wrong with an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// An install was interrupted (a journal or staging folder is left).
    Interrupted,
    /// A recorded file is gone.
    Missing { dist: String, path: PathBuf },
    /// A recorded file's content differs from its RECORD hash or size.
    Changed { dist: String, path: PathBuf },
    /// A distribution's RECORD cannot be read or points outside the folder.
    Unreadable { dist: String, message: String },
    /// `env.json` lists a distribution the folder no longer holds.
    Vanished { dist: String },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Interrupted => f.write_str("an install was interrupted"),
            Damage::Missing { dist, path } => {
                write!(f, "{dist}: `{}` is missing", path.display())
            }
            Damage::Changed { dist, path } => {
                write!(f, "{dist}: `{}` differs from its RECORD", path.display())
            }
            Damage::Unreadable { dist, message } => write!(f, "{dist}: {message}"),
            Damage::Vanished { dist } => {
                write!(f, "{dist} is recorded as installed but is not there")
            }
        }
    }
}

/// Checks `env` under `lock`: leftovers of an interrupted install, every
/// recorded file against its hash and size, and `env.json` against the
/// folder. The record's state is updated: `invalid` with the first damage
/// as the reason, or `ok` again when nothing is wrong.
pub fn verify(env: &Env, lock: &TargetLock) -> Result<Vec<Damage>, EnvError> {
    debug_assert_eq!(lock.target(), env.path);
    let damages = inspect(env)?;
    // An unreadable record is itself the damage: it is replaced by a fresh
    // one that says so, and `gc` then removes the environment.
    let mut record = env
        .read_record()
        .unwrap_or_else(|_| EnvRecord::new(&env.name, &env.id, false));
    match damages.first() {
        Some(first) => {
            let more = damages.len() - 1;
            let reason = if more > 0 {
                format!("{first} (and {more} more)")
            } else {
                first.to_string()
            };
            record.invalidate(reason);
            env.write_record(&record)?;
        }
        None if record.state == EnvState::Invalid => {
            record.validate();
            env.write_record(&record)?;
        }
        None => {}
    }
    Ok(damages)
}

fn inspect(env: &Env) -> Result<Vec<Damage>, EnvError> {
    let mut damages = Vec::new();
    if has_leftovers(&env.path) {
        damages.push(Damage::Interrupted);
    }
    let layout = env.layout();
    let dists = installed_dists(&layout).map_err(|error| EnvError::Io {
        action: "read",
        path: env.path.clone(),
        source: std::io::Error::other(error.to_string()),
    })?;
    for dist in &dists {
        let label = format!("{} {}", dist.name, dist.version);
        let rows = match dist.recorded_files(&layout) {
            Ok(rows) => rows,
            Err(error) => {
                damages.push(Damage::Unreadable {
                    dist: label,
                    message: error.to_string(),
                });
                continue;
            }
        };
        for (entry, path) in rows {
            let Some(expected) = entry.sha256() else {
                continue;
            };
            let file = match std::fs::File::open(&path) {
                Ok(file) => file,
                Err(_) => {
                    damages.push(Damage::Missing {
                        dist: label.clone(),
                        path,
                    });
                    continue;
                }
            };
            let matches = hash_reader(file).is_ok_and(|(hash, size)| {
                hash == encode_digest(&expected) && entry.size.is_none_or(|want| want == size)
            });
            if !matches {
                damages.push(Damage::Changed {
                    dist: label.clone(),
                    path,
                });
            }
        }
    }
    let record = match env.read_record() {
        Ok(record) => record,
        Err(error) => {
            damages.push(Damage::Unreadable {
                dist: "env.json".to_string(),
                message: error.to_string(),
            });
            return Ok(damages);
        }
    };
    for InstalledRecord { name, version } in &record.installed {
        let wanted = pep508_rs::PackageName::from_str(name).ok();
        let here = dists.iter().any(|dist| {
            Some(&dist.name) == wanted.as_ref() && dist.version.to_string() == *version
        });
        if !here {
            damages.push(Damage::Vanished {
                dist: format!("{name} {version}"),
            });
        }
    }
    Ok(damages)
}

/// What `env gc` did to one environment or folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GcAction {
    /// An interrupted install was undone (or finished) and the folder now
    /// matches its RECORDs again.
    Repaired { env: String, what: String },
    /// Damaged beyond what pipit can put back: removed (its scripts
    /// reinstall into a new one on their next run).
    Removed { env: String, reason: String },
    /// A leftover of an interrupted creation or removal, deleted.
    Stray { path: PathBuf },
    /// An install holds the lock: left alone.
    Busy { env: String },
}

impl fmt::Display for GcAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GcAction::Repaired { env, what } => write!(f, "repaired {env}: {what}"),
            GcAction::Removed { env, reason } => write!(f, "removed {env}: {reason}"),
            GcAction::Stray { path } => write!(f, "deleted leftover {}", path.display()),
            GcAction::Busy { env } => write!(f, "skipped {env}: an install is running"),
        }
    }
}

/// Everything `env gc` did.
#[derive(Debug, Default)]
pub struct GcReport {
    /// One entry per environment or folder acted on; healthy ones are absent.
    pub actions: Vec<GcAction>,
}

/// Repairs or removes every damaged environment, and deletes leftovers.
/// An interrupted install is rolled back from its journal; an environment
/// whose files still differ from their RECORDs afterwards is removed.
pub fn gc(store: &Store) -> Result<GcReport, EnvError> {
    let mut report = GcReport::default();
    for env in store.list()? {
        let lock = match TargetLock::try_acquire(&env.path) {
            Ok(lock) => lock,
            Err(pipit_install::LockError::Busy { .. }) => {
                report.actions.push(GcAction::Busy {
                    env: env.folder_name(),
                });
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        let was_invalid = env
            .read_record()
            .map(|record| record.state == EnvState::Invalid)
            .unwrap_or(true);
        let layout = env.layout();
        let recovery = recover(&lock, &layout.folders())?;
        let damages = inspect(&env)?;
        if damages.is_empty() {
            let mut record = env
                .read_record()
                .unwrap_or_else(|_| EnvRecord::new(&env.name, &env.id, false));
            let mut what = Vec::new();
            if recovery.rolled_back > 0 {
                what.push("rolled back an interrupted install".to_string());
            }
            if recovery.finished > 0 {
                what.push("finished a committed install".to_string());
            }
            if recovery.stale_staging > 0 {
                what.push("removed staging leftovers".to_string());
            }
            if was_invalid && what.is_empty() {
                what.push("its files match their RECORDs again".to_string());
            }
            if !what.is_empty() {
                record.validate();
                env.write_record(&record)?;
                report.actions.push(GcAction::Repaired {
                    env: env.folder_name(),
                    what: what.join(", "),
                });
            }
            continue;
        }
        let reason = damages
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        store.remove_locked(&env, lock)?;
        report.actions.push(GcAction::Removed {
            env: env.folder_name(),
            reason,
        });
    }
    for path in store.stray_folders()? {
        if std::fs::remove_dir_all(&path).is_ok() {
            report.actions.push(GcAction::Stray { path });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install_fake(env: &Env, name: &str, version: &str, body: &str) {
        let info = env.path.join(format!("{name}-{version}.dist-info"));
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(
            info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        )
        .unwrap();
        std::fs::write(env.path.join(format!("{name}.py")), body).unwrap();
        std::fs::write(
            info.join("RECORD"),
            format!(
                "{name}.py,{},{}\n{name}-{version}.dist-info/RECORD,,\n",
                pipit_install::record::record_hash(body.as_bytes()),
                body.len()
            ),
        )
        .unwrap();
        let mut record = env.read_record().unwrap();
        record.installed.push(InstalledRecord {
            name: name.into(),
            version: version.into(),
        });
        env.write_record(&record).unwrap();
    }

    #[test]
    fn an_edited_file_makes_the_environment_invalid_and_gc_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let env = store.create("tools", false).unwrap();
        install_fake(&env, "pkg_a", "1.0", "x = 1\n");
        let lock = TargetLock::try_acquire(&env.path).unwrap();
        assert_eq!(verify(&env, &lock).unwrap(), vec![]);
        std::fs::write(env.path.join("pkg_a.py"), "x = 2\n").unwrap();
        let damages = verify(&env, &lock).unwrap();
        assert!(
            matches!(&damages[..], [Damage::Changed { .. }]),
            "{damages:?}"
        );
        let record = env.read_record().unwrap();
        assert_eq!(record.state, EnvState::Invalid);
        assert!(record.reason.unwrap().contains("pkg_a.py"));
        drop(lock);
        let report = gc(&store).unwrap();
        assert!(matches!(&report.actions[..], [GcAction::Removed { .. }]));
        assert!(!env.path.exists());
    }

    #[test]
    fn leftovers_are_interrupted_and_gc_repairs_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let env = store.create("tools", false).unwrap();
        install_fake(&env, "pkg_a", "1.0", "x = 1\n");
        std::fs::create_dir_all(env.path.join(".pipit").join("staging-abc")).unwrap();
        let lock = TargetLock::try_acquire(&env.path).unwrap();
        assert_eq!(verify(&env, &lock).unwrap(), vec![Damage::Interrupted]);
        drop(lock);
        let report = gc(&store).unwrap();
        assert!(
            matches!(&report.actions[..], [GcAction::Repaired { .. }]),
            "{:?}",
            report.actions
        );
        assert_eq!(env.read_record().unwrap().state, EnvState::Ok);
        assert!(env.path.join("pkg_a.py").is_file());
        assert!(gc(&store).unwrap().actions.is_empty());
    }

    #[test]
    fn a_missing_file_and_a_vanished_dist_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let env = store.create("tools", false).unwrap();
        install_fake(&env, "pkg_a", "1.0", "x = 1\n");
        std::fs::remove_file(env.path.join("pkg_a.py")).unwrap();
        let mut record = env.read_record().unwrap();
        record.installed.push(InstalledRecord {
            name: "Pkg.B".into(),
            version: "2.0".into(),
        });
        env.write_record(&record).unwrap();
        let lock = TargetLock::try_acquire(&env.path).unwrap();
        let damages = verify(&env, &lock).unwrap();
        assert!(matches!(damages[0], Damage::Missing { .. }), "{damages:?}");
        assert_eq!(
            damages[1],
            Damage::Vanished {
                dist: "Pkg.B 2.0".into()
            }
        );
    }
}
