//! `pipit env`: the environment store's folders, listed, found, checked,
//! repaired and removed (`pipit-envs`).

use std::fmt::Write;

use pipit_envs::{gc, verify, Env, EnvState, Store};
use pipit_index::disk_usage;
use pipit_install::{installed_dists, TargetLock};
use serde_json::{json, Value};

use crate::cli::{EnvCommand, EnvListArgs, EnvNameArgs, EnvVerifyArgs, Output};
use crate::exit::{CliError, ErrorKind};

/// Runs one `pipit env` action.
pub fn env(command: &EnvCommand) -> Result<Output, CliError> {
    match command {
        EnvCommand::List(args) => list(args),
        EnvCommand::Path(args) => path(args),
        EnvCommand::Remove(args) => remove(args),
        EnvCommand::Verify(args) => verify_envs(args),
        EnvCommand::Gc(args) => collect(args),
        EnvCommand::Reset(args) => reset(args),
    }
}

fn json_output(value: Value) -> Output {
    Output {
        stdout: format!("{value}\n"),
        ..Output::default()
    }
}

/// `env list`: one row per environment.
fn list(args: &EnvListArgs) -> Result<Output, CliError> {
    let store = args.store.store()?;
    let mut rows = Vec::new();
    for env in store.list()? {
        let record = env.read_record().ok();
        let packages: Vec<Value> = installed_dists(&env.layout())
            .unwrap_or_default()
            .iter()
            .map(|dist| json!({"name": dist.name.to_string(), "version": dist.version.to_string()}))
            .collect();
        let (state, reason) = match &record {
            Some(record) => (
                match record.state {
                    EnvState::Ok => "ok",
                    EnvState::Invalid => "invalid",
                },
                record.reason.clone(),
            ),
            None => ("invalid", Some("its env.json cannot be read".to_string())),
        };
        rows.push(json!({
            "name": env.name,
            "id": env.id,
            "path": env.path,
            "state": state,
            "reason": reason,
            "size_bytes": disk_usage(&env.path),
            "packages": packages,
            "scripts": record.as_ref().map(|r| r.scripts.iter().map(|s| s.script.clone()).collect::<Vec<_>>()).unwrap_or_default(),
            "separate_process": record.as_ref().is_some_and(|r| r.separate_process),
        }));
    }
    if args.json {
        return Ok(json_output(
            json!({"root": store.root(), "environments": rows}),
        ));
    }
    let mut out = String::new();
    if rows.is_empty() {
        let _ = writeln!(out, "no environments in {}", store.root().display());
    }
    for row in &rows {
        let _ = writeln!(
            out,
            "{:<24} {:<8} {:<7} {:>3} packages {:>10}  {}{}",
            row["name"].as_str().unwrap_or_default(),
            row["id"].as_str().unwrap_or_default(),
            row["state"].as_str().unwrap_or_default(),
            row["packages"].as_array().map_or(0, Vec::len),
            human_size(row["size_bytes"].as_u64().unwrap_or(0)),
            row["path"].as_str().unwrap_or_default(),
            if row["separate_process"].as_bool() == Some(true) {
                "  (separate process only)".to_string()
            } else {
                row["reason"]
                    .as_str()
                    .map(|reason| format!("  ({reason})"))
                    .unwrap_or_default()
            },
        );
    }
    Ok(Output {
        stdout: out,
        ..Output::default()
    })
}

/// `env path NAME`: the folder, or exit 2 when there is none.
fn path(args: &EnvNameArgs) -> Result<Output, CliError> {
    let store = args.store.store()?;
    let env = store.get(&args.name)?;
    if args.json {
        return Ok(json_output(
            json!({"name": env.name, "id": env.id, "path": env.path}),
        ));
    }
    Ok(Output {
        stdout: format!("{}\n", env.path.display()),
        ..Output::default()
    })
}

/// `env remove NAME`.
fn remove(args: &EnvNameArgs) -> Result<Output, CliError> {
    let store = args.store.store()?;
    let env = store.get(&args.name)?;
    store.remove(&env)?;
    if args.json {
        return Ok(json_output(
            json!({"removed": {"name": env.name, "id": env.id, "path": env.path}}),
        ));
    }
    Ok(Output {
        stdout: format!("Removed {}\n", env.path.display()),
        ..Output::default()
    })
}

/// `env verify [NAME]`: exit 1 when any environment is damaged.
fn verify_envs(args: &EnvVerifyArgs) -> Result<Output, CliError> {
    let store = args.store.store()?;
    let envs: Vec<Env> = match &args.name {
        Some(name) => vec![store.get(name)?],
        None => store.list()?,
    };
    let mut results = Vec::new();
    let mut out = String::new();
    let mut damaged = false;
    for env in envs {
        let label = env.folder_name();
        let lock = match TargetLock::try_acquire(&env.path) {
            Ok(lock) => lock,
            Err(pipit_install::LockError::Busy { .. }) => {
                let _ = writeln!(out, "busy     {label}: an install is running; not checked");
                results.push(
                    json!({"name": env.name, "id": env.id, "path": env.path, "state": "busy"}),
                );
                continue;
            }
            Err(error) => return Err(CliError::install(error.to_string())),
        };
        let damages = verify(&env, &lock)?;
        drop(lock);
        let problems: Vec<String> = damages.iter().map(ToString::to_string).collect();
        if problems.is_empty() {
            let _ = writeln!(out, "ok       {label}");
        } else {
            damaged = true;
            let _ = writeln!(out, "invalid  {label}");
            for problem in &problems {
                let _ = writeln!(out, "  {problem}");
            }
        }
        results.push(json!({
            "name": env.name,
            "id": env.id,
            "path": env.path,
            "state": if problems.is_empty() { "ok" } else { "invalid" },
            "problems": problems,
        }));
    }
    let mut output = if args.json {
        json_output(json!({"environments": results}))
    } else {
        if damaged {
            out.push_str("\nhint: `pipit env gc` repairs or removes invalid environments\n");
        }
        Output {
            stdout: out,
            ..Output::default()
        }
    };
    if damaged {
        output.failure = Some(ErrorKind::Resolution);
    }
    Ok(output)
}

/// `env gc`.
fn collect(args: &EnvListArgs) -> Result<Output, CliError> {
    let store = args.store.store()?;
    let report = gc(&store)?;
    let lines: Vec<String> = report.actions.iter().map(ToString::to_string).collect();
    if args.json {
        return Ok(json_output(json!({"actions": lines})));
    }
    let mut out = String::new();
    if lines.is_empty() {
        out.push_str("nothing to repair or remove\n");
    }
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    Ok(Output {
        stdout: out,
        ..Output::default()
    })
}

/// `env reset`.
fn reset(args: &EnvListArgs) -> Result<Output, CliError> {
    let store: Store = args.store.store()?;
    let removed = store.reset()?;
    if args.json {
        return Ok(json_output(
            json!({"root": store.root(), "removed": removed}),
        ));
    }
    Ok(Output {
        stdout: format!(
            "Removed {removed} environment{} from {}\n",
            if removed == 1 { "" } else { "s" },
            store.root().display()
        ),
        ..Output::default()
    })
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
