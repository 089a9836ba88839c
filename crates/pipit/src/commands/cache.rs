//! `pipit cache dir|info|clean|prune`: the cache root as every other
//! command resolves it (`--cache-dir`, then `PIPIT_CACHE_DIR` or pip.conf's
//! pipit setting, then the per-user cache folder), and what
//! `pipit_index`'s cache administration reports about it.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use pipit_index::{CacheUsage, ConfigSources};
use serde_json::{json, Value};

use crate::cli::{CacheCommand, CacheCommandArgs, Output};
use crate::exit::CliError;

/// Runs one `pipit cache` action.
pub fn cache(command: &CacheCommand) -> Result<Output, CliError> {
    let mut output = Output::default();
    match command {
        CacheCommand::Dir(args) => {
            let root = cache_root(args)?;
            output.stdout = if args.json {
                format!("{}\n", json!({ "dir": root.display().to_string() }))
            } else {
                format!("{}\n", root.display())
            };
        }
        CacheCommand::Info(args) => {
            let root = cache_root(args)?;
            let info = pipit_index::cache_info(&root).map_err(admin_error)?;
            output.stdout = if args.json {
                format!("{}\n", usage_json(&info))
            } else {
                info_text(&info)
            };
        }
        CacheCommand::Clean(args) => {
            let root = cache_root(args)?;
            let removed = pipit_index::clean_cache(&root).map_err(admin_error)?;
            output.stdout = removed_output(&removed, args.json);
        }
        CacheCommand::Prune(args) => {
            let root = cache_root(&args.common)?;
            let older_than = Duration::from_secs(args.older_than.saturating_mul(86_400));
            let removed = pipit_index::prune_cache(&root, older_than, SystemTime::now())
                .map_err(admin_error)?;
            output.stdout = removed_output(&removed, args.common.json);
        }
    }
    Ok(output)
}

/// The cache root the other commands would use.
fn cache_root(args: &CacheCommandArgs) -> Result<PathBuf, CliError> {
    let sources = ConfigSources::discover("cache", args.isolated);
    let settings = pipit_index::load(&sources)?;
    let configured = settings.cache_dir.map(|dir| dir.value);
    args.cache.resolve_over(configured).ok_or_else(|| {
        CliError::usage("the cache is disabled (--no-cache-dir), so there is nothing to manage")
    })
}

fn admin_error(error: pipit_index::CacheAdminError) -> CliError {
    let mut message = error.to_string();
    if let Some(source) = std::error::Error::source(&error) {
        let _ = write!(message, ": {source}");
    }
    CliError::install(message)
}

fn info_text(info: &CacheUsage) -> String {
    let mut out = format!("Cache folder: {}\n", info.root.display());
    for area in &info.areas {
        let leftovers = if area.temporary.entries > 0 {
            format!(
                " (+{} unfinished, {})",
                area.temporary.entries,
                human_size(area.temporary.bytes)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<18} {:>7} {:<8} {:>10}{leftovers}",
            area.area.description(),
            area.entries.entries,
            if area.entries.entries == 1 {
                "entry"
            } else {
                "entries"
            },
            human_size(area.entries.bytes),
        );
    }
    let total = info.total();
    let _ = writeln!(
        out,
        "{:<18} {:>7} {:<8} {:>10}",
        "total",
        total.entries,
        if total.entries == 1 {
            "entry"
        } else {
            "entries"
        },
        human_size(total.bytes)
    );
    out
}

fn removed_output(removed: &CacheUsage, json: bool) -> String {
    if json {
        return format!("{}\n", usage_json(removed));
    }
    let total = removed.total();
    let mut out = String::new();
    for area in &removed.areas {
        let entries = area.entries.entries + area.temporary.entries;
        let bytes = area.entries.bytes.saturating_add(area.temporary.bytes);
        if entries > 0 {
            let _ = writeln!(
                out,
                "Removed {entries} from {} ({})",
                area.area.description(),
                human_size(bytes)
            );
        }
    }
    let _ = writeln!(
        out,
        "Files removed: {}, {} freed",
        total.entries,
        human_size(total.bytes)
    );
    out
}

/// `{"dir", "areas": {name: {entries, bytes, temporary_entries, temporary_bytes, path}}, "total"}`.
fn usage_json(usage: &CacheUsage) -> Value {
    let mut areas = serde_json::Map::new();
    for area in &usage.areas {
        areas.insert(
            area.area.name().to_string(),
            json!({
                "path": area.path.display().to_string(),
                "entries": area.entries.entries,
                "bytes": area.entries.bytes,
                "temporary_entries": area.temporary.entries,
                "temporary_bytes": area.temporary.bytes,
            }),
        );
    }
    let total = usage.total();
    json!({
        "dir": usage.root.display().to_string(),
        "areas": areas,
        "total": {"entries": total.entries, "bytes": total.bytes},
    })
}

/// pip's sizes: decimal units, one decimal place past kB (`12 kB`, `1.5 MB`).
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_pips() {
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(12_345), "12 kB");
        assert_eq!(human_size(1_500_000), "1.5 MB");
        assert_eq!(human_size(2_000_000_000), "2.0 GB");
    }
}
