//! Download progress on a terminal: one bar per download and an overall
//! bar, drawn on stderr with `indicatif`; nothing at all when stdout is not
//! a terminal, with `-q`, `--json` or `--progress-bar off`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use pep508_rs::PackageName;
use pipit_install::install::Reporter;

/// Renders an install's progress.
pub struct Progress {
    multi: MultiProgress,
    overall: ProgressBar,
    bars: Mutex<HashMap<PackageName, ProgressBar>>,
}

impl Progress {
    /// Bars for `total` wheels, or `None` when no bar should be drawn.
    pub fn for_terminal(enabled: bool, total: usize) -> Option<Self> {
        if !enabled || !std::io::stdout().is_terminal() || !std::io::stderr().is_terminal() {
            return None;
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} wheels")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        overall.set_prefix("Installing");
        Some(Self {
            multi,
            overall,
            bars: Mutex::new(HashMap::new()),
        })
    }

    /// Clears every bar.
    pub fn finish(&self) {
        if let Ok(mut bars) = self.bars.lock() {
            for (_, bar) in bars.drain() {
                bar.finish_and_clear();
            }
        }
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

impl Reporter for Progress {
    fn download_started(&self, name: &PackageName, total: Option<u64>) {
        let bar = self
            .multi
            .insert_before(&self.overall, ProgressBar::new(total.unwrap_or(0)));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_string());
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(name.clone(), bar);
        }
    }

    fn download_progress(&self, name: &PackageName, bytes: u64) {
        if let Ok(bars) = self.bars.lock() {
            if let Some(bar) = bars.get(name) {
                bar.inc(bytes);
            }
        }
    }

    fn download_finished(&self, name: &PackageName, _from_cache: bool) {
        if let Ok(mut bars) = self.bars.lock() {
            if let Some(bar) = bars.remove(name) {
                bar.finish_and_clear();
            }
        }
    }

    fn staged(&self, _name: &PackageName) {
        self.overall.inc(1);
    }
}
