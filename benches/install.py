#!/usr/bin/env python3
"""Install benchmark: pipit against pip and uv, into fresh targets, side by side.

Every requirement set is installed by three tools, all for one interpreter:

- pipit: `pipit install --target T --python INTERP`;
- pip: `INTERP-venv/bin/python -m pip install --target T --no-compile` (a venv of
  INTERP in the work folder, with the newest pip the index offers);
- uv: `uv pip install --target T --python INTERP --no-config` (from PATH, else from
  the work folder's venv, else installed there from the index; without it the
  report says "uv: not available").

Modes, each with `--runs` runs per tool interleaved (pipit, pip, uv, pipit, ...):

- cold: an empty cache and an empty target for every run;
- warm: the cache the cold runs filled, an empty target for every run;
- no-op: the target the warm runs filled, i.e. everything already installed;
- resolve-cold / resolve-warm: `--dry-run` with an empty or a filled cache.

Sources (live needs `PIPIT_LIVE_INDEX_URL` or `PIP_INDEX_URL`):

- live: the index, newest files; live-cutoff: the same with an upload-time
  cutoff for everybody (`--exclude-newer`, pip's `--uploaded-prior-to`), so
  reruns compare alike;
- offline: a local wheelhouse written by `pipit download -d DIR` (with the
  cutoff) and used by every tool with `--no-index --find-links DIR` (uv also
  `--offline`). `--offline` runs with no index at all: the bundled wheelhouse
  and a generated one, or `--wheelhouse DIR`.

Reported: median and min–max wall time, peak RSS (wait4's `ru_maxrss`),
ratios pipit/uv and pipit/pip per cell, and whether every tool installed the
same `name==version` set. Output: Markdown on stdout (and `--markdown FILE`),
`--json FILE`, `--svg FILE` (a chart of the ratios). Exit code 1 when pipit or
pip fails or their installed sets differ, 2 when the tools cannot be set up;
timings are never judged.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from common import (
    CUTOFF,
    REPO,
    build_pipit,
    failure,
    find_interpreter,
    find_uv,
    format_ratio,
    isolated_environment,
    live_index_url,
    make_wheelhouse,
    note,
    pip_venv,
    run_timed,
    setup_step,
    tool_version,
    canonical_name,
)

TOOLS = ("pipit", "pip", "uv")
MODES = ("cold", "warm", "noop", "resolve-cold", "resolve-warm")
LIVE_SOURCES = ("live", "live-cutoff", "offline")

# The interpreter every tool installs for, unless `--python` names one.
DEFAULT_PYTHON = "3.11"

# The offline sets of `--offline` without `--wheelhouse`: the bundled wheelhouse
# (see fixtures/wheelhouse.txt) and a generated one (see `generated_description`).
BUNDLED_SETS = [("demo", ["demo-app[cli]", "Demo.Odd_Name"])]
GENERATED_SETS = [("generated", ["bench-app"])]
GENERATED_PACKAGES = 40
GENERATED_MODULES = 30


@dataclass
class Source:
    """Where every tool looks for distributions: an index (maybe with a cutoff), or a
    folder only."""

    label: str
    description: str
    index_url: str | None = None
    cutoff: str | None = None
    find_links: Path | None = None

    def arguments(self, tool: str) -> list[str]:
        """The flags that point `tool` at this source."""
        if self.index_url:
            flags = ["--index-url", self.index_url]
            if self.cutoff:
                flags += [
                    "--uploaded-prior-to" if tool == "pip" else "--exclude-newer",
                    self.cutoff,
                ]
            return flags
        offline = ["--offline"] if tool == "uv" else []
        return ["--no-index", "--find-links", str(self.find_links), *offline]


@dataclass
class Measure:
    """One tool in one mode of one set: every run's time and peak RSS, or its error."""

    seconds: list[float] = field(default_factory=list)
    peak_rss_kib: list[int] = field(default_factory=list)
    error: str | None = None

    def median(self) -> float | None:
        """The median time, if any run succeeded (and none failed)."""
        return statistics.median(self.seconds) if self.seconds and not self.error else None

    def max_rss_mib(self) -> float | None:
        """The largest peak RSS of all runs, in MiB."""
        return max(self.peak_rss_kib) / 1024 if self.peak_rss_kib and not self.error else None


@dataclass
class Cell:
    """One set installed in one mode from one source by every tool."""

    source: str
    label: str
    requirements: list[str]
    mode: str
    results: dict[str, Measure]
    load: float | None = None

    def ratio(self, other: str, memory: bool = False) -> float | None:
        """pipit's median time (or peak RSS) divided by `other`'s."""
        pipit, theirs = self.results["pipit"], self.results.get(other)
        if theirs is None:
            return None
        if memory:
            mine, yours = pipit.max_rss_mib(), theirs.max_rss_mib()
        else:
            mine, yours = pipit.median(), theirs.median()
        return mine / yours if mine is not None and yours else None


@dataclass
class SetOutcome:
    """What each tool installed for one set from one source: `{name: version}`."""

    source: str
    label: str
    installed: dict[str, dict[str, str]]

    def pipit_equals_pip(self) -> bool | None:
        """Whether pipit and pip installed the same versions (None: one of them did not run)."""
        pipit, pip = self.installed.get("pipit"), self.installed.get("pip")
        return None if pipit is None or pip is None else pipit == pip


@dataclass
class Context:
    """What every command needs: the tools, the interpreter, the environment."""

    pipit: Path
    pip_python: Path
    uv: Path | None
    interpreter: Path
    environment: dict[str, str]

    def tools(self) -> list[str]:
        """The tools that run, in the interleaving order."""
        return [tool for tool in TOOLS if tool != "uv" or self.uv]


def command(
    context: Context,
    tool: str,
    source: Source,
    requirements: list[str],
    cache: Path,
    target: Path,
    dry_run: bool,
) -> list:
    """The command line with which `tool` installs (or with `dry_run` only resolves)
    `requirements` into `target` with the cache `cache`."""
    dry = ["--dry-run"] if dry_run else []
    tail = [*dry, *source.arguments(tool), *requirements]
    if tool == "pipit":
        pipit = [context.pipit, "install", "--target", target, "--python", context.interpreter]
        return [*pipit, "--cache-dir", cache, "-q", *tail]
    if tool == "pip":
        pip = [context.pip_python, "-m", "pip", "install", "--target", target, "--cache-dir", cache]
        return [*pip, "-q", "--disable-pip-version-check", "--no-compile", *tail]
    uv = [context.uv, "pip", "install", "--no-config", "--target", target]
    return [*uv, "--python", context.interpreter, "--cache-dir", cache, "-q", *tail]


def slug(text: str) -> str:
    """A folder name for a label."""
    return re.sub(r"[^A-Za-z0-9.]+", "_", text).strip("_") or "set"


def installed_set(target: Path) -> dict[str, str]:
    """`{canonical name: version}` of the distributions in a target, from their METADATA."""
    found = {}
    for metadata in target.glob("*.dist-info/METADATA"):
        name = version = None
        with open(metadata, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                if key == "Name":
                    name = value.strip()
                elif key == "Version":
                    version = value.strip()
        if name and version:
            found[canonical_name(name)] = version
    return found


class Retired:
    """Folders that runs left behind, moved aside instead of deleted while tools are timed.

    Deleting a tree just before a timed run slows that run down: ext4 without a journal
    will not reuse an inode freed in the last 60 seconds, or the last 360 seconds while
    its inode table block is dirty, which creating files next to it makes it
    (`recently_deleted` in the kernel), so creating files after deleting thousands of
    them scans past every freed inode. A warm install of the web set took 0.43–0.68 s
    right after deleting the previous target and 0.23–0.26 s after a quiet minute; a
    cold science install spent 60% of its samples in that scan 65 s after a large
    deletion and 7% six minutes after it. Renaming frees no inode; the folders are
    deleted between sources, then the file system is given `settle` seconds.
    On tmpfs, which has no such cost and holds everything in memory, folders are deleted
    at once.
    """

    def __init__(self, cells_dir: Path, settle: float):
        self.folder = cells_dir / ".retired"
        self.settle = settle
        self.defer = filesystem_of(cells_dir) != "tmpfs"

    def retire(self, *folders: Path) -> None:
        """Empties the place of each folder (a tool creates an empty cache or target itself)."""
        for folder in folders:
            if not (folder.exists() or folder.is_symlink()):
                continue
            if not self.defer:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            self.folder.mkdir(parents=True, exist_ok=True)
            # A fresh name each time: what an earlier, interrupted run left is never in the way.
            folder.rename(Path(tempfile.mkdtemp(dir=self.folder)) / folder.name)

    def delete(self, more_follows: bool) -> None:
        """Deletes what was retired; waits `settle` seconds when more is measured after."""
        if not self.folder.exists():
            return
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.folder.exists():
            note(f"could not delete all of {self.folder}")
        if more_follows and self.settle > 0:
            note(f"deleted the retired folders; waiting {self.settle:g} s for the file system")
            os.sync()
            time.sleep(self.settle)


def measure_set(
    context: Context,
    source: Source,
    label: str,
    requirements: list[str],
    modes: list[str],
    runs: int,
    cells_dir: Path,
    keep: bool,
    retired: Retired,
) -> tuple[list[Cell], SetOutcome]:
    """Every mode of one set from one source, every tool interleaved within each round."""
    base = cells_dir / source.label / slug(label)
    retired.retire(base)
    tools = context.tools()
    folders = {
        tool: {name: base / tool / name for name in ("cache", "target", "dry-cache", "dry-target")}
        for tool in tools
    }
    # What is ready for the next mode: a filled cache, a satisfied target.
    cache_filled = dict.fromkeys(tools, False)
    target_filled = dict.fromkeys(tools, False)
    outcome = SetOutcome(source.label, label, {})
    cells = {}

    def invocation(tool: str, dry_run: bool, cache: str = "cache") -> list:
        paths = folders[tool]
        target = paths["dry-target" if dry_run else "target"]
        return command(context, tool, source, requirements, paths[cache], target, dry_run)

    def fill(tool: str) -> bool:
        """An untimed install, for a mode whose preparation did not run or failed."""
        retired.retire(folders[tool]["target"])
        run = run_timed(invocation(tool, False), context.environment)
        cache_filled[tool] = target_filled[tool] = run.exit_code == 0
        return run.exit_code == 0

    def rounds(mode: str, fresh: tuple[str, ...], needs: dict | None) -> None:
        """`runs` rounds of every tool in turn; `fresh` names the folders emptied before
        each run; `needs` says which tools are ready (the others get an untimed install)."""
        dry_run = mode.startswith("resolve")
        cache = "dry-cache" if mode == "resolve-cold" else "cache"
        results = {tool: Measure() for tool in tools}
        load = round(os.getloadavg()[0], 2)
        cells[mode] = Cell(source.label, label, requirements, mode, results, load)
        for tool in tools:
            if needs is not None and not needs[tool] and not fill(tool):
                results[tool].error = "could not prepare (an untimed install failed)"
        for _ in range(runs):
            for tool in tools:
                result = results[tool]
                if result.error:
                    continue
                retired.retire(*(folders[tool][name] for name in fresh))
                run = run_timed(invocation(tool, dry_run, cache), context.environment)
                result.peak_rss_kib.append(run.peak_rss_kib)
                if run.exit_code != 0:
                    result.error = failure(run)
                else:
                    result.seconds.append(run.seconds)

    note(f"{source.label}: {label}")
    # Run order: the installs first (each mode prepares the next), then the dry runs.
    order = ("cold", "warm", "noop", "resolve-warm", "resolve-cold")
    for mode in [mode for mode in order if mode in modes]:
        note(f"  {mode}")
        if mode == "cold":
            rounds(mode, ("cache", "target"), None)
            for tool in tools:
                ok = not cells[mode].results[tool].error
                cache_filled[tool] = target_filled[tool] = ok
        elif mode == "warm":
            rounds(mode, ("target",), cache_filled)
            for tool in tools:
                target_filled[tool] = not cells[mode].results[tool].error
        elif mode == "noop":
            rounds(mode, (), target_filled)
        elif mode == "resolve-warm":
            rounds(mode, ("dry-target",), cache_filled)
        else:
            rounds(mode, ("dry-cache", "dry-target"), None)
        if mode in ("cold", "warm", "noop"):
            for tool in tools:
                if target_filled[tool] and not cells[mode].results[tool].error:
                    outcome.installed[tool] = installed_set(folders[tool]["target"])
    if not keep:
        retired.retire(base)
    return [cells[mode] for mode in MODES if mode in cells], outcome


def download_wheelhouse(
    context: Context, index_url: str, sets: list[tuple[str, list[str]]], work_dir: Path
) -> Path | None:
    """`pipit download -d` of every set (with the cutoff) into one folder; None (with a note)
    when a download fails."""
    wheelhouse = work_dir / "wheelhouse"
    wheelhouse.mkdir(parents=True, exist_ok=True)
    for label, requirements in sets:
        note(f"pipit download -d {wheelhouse} ({label})")
        download = [context.pipit, "download", "-d", wheelhouse, "--python", context.interpreter]
        download += ["--index-url", index_url, "--exclude-newer", CUTOFF, "-q"]
        download += ["--cache-dir", work_dir / "download-cache", *requirements]
        if not setup_step(download, context.environment, f"pipit download ({label})"):
            return None
    return wheelhouse


def generated_description() -> str:
    """A wheelhouse of many small modules in the test kit's description format (see
    crates/pipit-testkit/src/description.rs): `bench-app` needs every `bench-lib-NN`,
    each lib the next two with a lower bound, each in two releases of
    `GENERATED_MODULES` modules plus a data file, so that installing it writes about
    1,300 files."""
    name = "bench-lib-{:02d}".format
    libraries = ", ".join(name(index) for index in range(GENERATED_PACKAGES))
    lines = [f"bench-app 1.0.0: {libraries}; console-scripts: bench-app=bench_app:main"]
    for index in range(GENERATED_PACKAGES):
        package = name(index).replace("-", "_")
        files = [f"{package}/__init__.py", f"{package}/data/table.txt"]
        files += [f"{package}/module_{module:02d}.py" for module in range(GENERATED_MODULES)]
        later = [name(other) for other in range(index + 1, min(index + 3, GENERATED_PACKAGES))]
        for release in ("1.0.0", "1.1.0"):
            line = f"{name(index)} {release}"
            if later:
                line += ": " + ", ".join(f"{dependency}>=1.0" for dependency in later)
            lines.append(line + "; files: " + ", ".join(files))
    return "\n".join(lines) + "\n"


def read_labelled_sets(path: Path) -> list[tuple[str, list[str]]]:
    """The sets of a sets file: `label: requirements` or just requirements, one per line."""
    sets = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        label, colon, rest = line.partition(": ")
        requirements = rest.split() if colon else line.split()
        sets.append((label if colon else line, requirements))
    return sets


def real_interpreter(explicit: Path | None) -> tuple[Path, str] | None:
    """The interpreter to install for, as its real executable (not a pyenv shim), and its
    version: `--python`, else the newest Python 3.11 (pyenv or PATH), else `python3`."""
    found = find_interpreter(DEFAULT_PYTHON, explicit)
    if found is None and explicit is None:
        found = find_interpreter(
            "{}.{}".format(*sys.version_info[:2]), Path(shutil.which("python3") or sys.executable)
        )
    if found is None:
        return None
    probe = [str(found[0]), "-c", "import sys; print(sys.executable)"]
    executable = subprocess.run(probe, capture_output=True, text=True).stdout.strip()
    return Path(executable or found[0]), found[1]


def machine_description() -> str:
    """CPU model, cores, memory, OS and kernel."""
    cpu = "?"
    memory = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()} {platform.machine()}"
    return f"{cpu}, {os.cpu_count()} cores, {memory} RAM, {system}"


def filesystem_of(folder: Path) -> str:
    """The file system type of the mount that holds `folder` (from /proc/mounts), or '?'."""
    best, kind = "", "?"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    for line in mounts:
        fields = line.split()
        if len(fields) > 2 and str(folder).startswith(fields[1]) and len(fields[1]) > len(best):
            best, kind = fields[1], fields[2]
    return kind


def pipit_description(pipit: Path) -> str:
    """pipit's version, the commit of this checkout, and the build profile."""
    version = tool_version([pipit, "--version"])
    # The last commit that changed pipit's code, not the checkout's HEAD: benchmark
    # results committed later do not make another pipit.
    commit = subprocess.run(
        ["git", "-C", str(REPO), "log", "-1", "--format=%h", "--", "crates", "Cargo.lock"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "crates", "Cargo.lock"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    profile = "debug build: timings not representative" if pipit.parent.name == "debug" else ""
    profile = profile or ("release build" if pipit.parent.name == "release" else str(pipit))
    at = f" at {commit}{'+changes' if dirty else ''}" if commit else ""
    return f"{version}{at} ({profile})"


class Scrubber:
    """Keeps the index URL (and its host) out of everything written."""

    def __init__(self, index_url: str | None):
        self.secrets = []
        if index_url:
            self.secrets.append(index_url.rstrip("/"))
            host = urlsplit(index_url).hostname
            if host:
                self.secrets.append(host)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<index>")
        return text


def format_time(measure: Measure | None) -> str:
    """`median (min–max)` in seconds, or why there is none."""
    if measure is None:
        return "n/a"
    if measure.error:
        return "**failed**"
    if not measure.seconds:
        return "–"
    low, high = min(measure.seconds), max(measure.seconds)
    return f"{statistics.median(measure.seconds):.3f} ({low:.3f}–{high:.3f})"


# The targets, to mark the cells that miss them: pipit/uv at most 1 (1.1 cold),
# pipit/pip at most 0.1 for installs (cold, warm), peak RSS at most uv's.
def misses(cell: Cell, what: str, ratio: float | None) -> bool:
    """Whether a ratio misses the issue's target for that cell."""
    if ratio is None:
        return False
    if what == "uv":
        return ratio > (1.1 if cell.mode == "cold" else 1.0)
    if what == "pip":
        return cell.mode in ("cold", "warm") and ratio > 0.1
    return ratio > 1.0


def ratio_text(cell: Cell, what: str) -> str:
    """A ratio with two significant digits, bold when it misses the target."""
    if what == "rss":
        ratio = cell.ratio("uv", memory=True)
    else:
        ratio = cell.ratio(what)
    text = format_ratio(ratio, 1.0)
    return f"**{text}**" if misses(cell, what, ratio) else text


def summary_table(cells: list[Cell]) -> list[str]:
    """One row per source and set, one column per mode: `pipit/uv · pipit/pip`, and the
    largest RSS ratio pipit/uv of the row."""
    modes = [mode for mode in MODES if any(cell.mode == mode for cell in cells)]
    rows: dict[tuple[str, str], dict[str, Cell]] = {}
    for cell in cells:
        rows.setdefault((cell.source, cell.label), {})[cell.mode] = cell
    lines = [
        "| source | set | " + " | ".join(modes) + " | RSS pipit/uv (max) |",
        "|---|---|" + "---:|" * (len(modes) + 1),
    ]
    for (source, label), by_mode in rows.items():
        row = [source, label]
        for mode in modes:
            cell = by_mode.get(mode)
            row.append(f"{ratio_text(cell, 'uv')} · {ratio_text(cell, 'pip')}" if cell else "–")
        memory = [cell.ratio("uv", memory=True) for cell in by_mode.values()]
        memory = [ratio for ratio in memory if ratio is not None]
        worst = max(memory) if memory else None
        text = format_ratio(worst, 1.0)
        row.append(f"**{text}**" if worst is not None and worst > 1.0 else text)
        lines.append("| " + " | ".join(row) + " |")
    return lines


def markdown_report(
    cells: list[Cell], outcomes: list[SetOutcome], sources: list[Source], meta: dict
) -> str:
    """The header (machine, date, versions), one time-and-memory table per source, and the
    installed-set comparison."""
    versions = ", ".join(f"{tool} {version}" for tool, version in meta["versions"].items())
    lines = [
        "## Install benchmark: pipit, pip, uv",
        "",
        f"- date: {meta['date']}",
        f"- machine: {meta['machine']}; caches and targets on "
        f"{meta.get('work_dir_filesystem', '?')} (load average at the start: {meta['load']}, "
        f"at the end: {meta.get('load_end', '?')})",
        f"- versions: {versions}",
        f"- interpreter every tool installs for: Python {meta['python']}",
        f"- {meta['runs']} runs per tool and cell, interleaved pipit, pip, uv, pipit, …; "
        "time: median (min–max) in seconds of the whole process; "
        "RSS: the largest peak RSS of the cell's runs (wait4 `ru_maxrss`), in MiB",
        "- ratios are pipit's median divided by the other tool's (below 1: pipit is faster); "
        "**bold**: misses the target (pipit/uv ≤ 1, cold ≤ 1.1; "
        "pipit/pip ≤ 0.1 for cold and warm; RSS ≤ uv's)",
    ]
    if "settle" in meta and meta.get("work_dir_filesystem") != "tmpfs":
        lines.append(
            "- the caches and targets of earlier runs are moved aside, not deleted, while "
            "tools are timed; they are deleted after each source, and the next source starts "
            f"{meta['settle']:g} s later"
        )
    if not meta["uv_available"]:
        why = meta.get("uv_note") or "not on PATH, and no index to install it from"
        lines.append(f"- uv: not available ({why})")
    labels = {}
    for cell in cells:
        if cell.label != " ".join(cell.requirements):
            labels[cell.label] = " ".join(cell.requirements)
    if labels:
        lines.append(
            "- sets: " + "; ".join(f"{label} = `{text}`" for label, text in labels.items())
        )
    lines += [
        "",
        "### Ratios: pipit/uv · pipit/pip (medians; below 1: pipit is faster)",
        "",
        *summary_table(cells),
    ]
    for source in sources:
        source_cells = [cell for cell in cells if cell.source == source.label]
        if not source_cells:
            continue
        lines += [
            "",
            f"### {source.label}: {source.description}",
            "",
            "| set | mode | pipit s | pip s | uv s | pipit/uv | pipit/pip "
            "| RSS pipit | RSS pip | RSS uv | RSS pipit/uv |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for cell in source_cells:
            row = [cell.label, cell.mode]
            row += [format_time(cell.results.get(tool)) for tool in TOOLS]
            row += [ratio_text(cell, "uv"), ratio_text(cell, "pip")]
            for tool in TOOLS:
                measure = cell.results.get(tool)
                rss = measure.max_rss_mib() if measure else None
                row.append(f"{rss:.0f}" if rss is not None else ("n/a" if not measure else "–"))
            row.append(ratio_text(cell, "rss"))
            lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "### Installed (`name==version` in the target)",
        "",
        "| source | set | packages | pipit = pip | uv vs pip (+only uv, −only pip) |",
        "|---|---|---:|---|---|",
    ]
    for outcome in outcomes:
        pip = outcome.installed.get("pip")
        count = str(len(pip)) if pip is not None else "–"
        equal = outcome.pipit_equals_pip()
        same = "–" if equal is None else ("yes" if equal else "**NO**")
        uv = outcome.installed.get("uv")
        if uv is None or pip is None:
            versus = "n/a" if not meta["uv_available"] else "–"
        else:
            only_uv, only_pip = difference(uv, pip)
            versus = " ".join([*(f"+{pin}" for pin in only_uv), *(f"−{pin}" for pin in only_pip)])
            versus = versus or "same"
        lines.append(f"| {outcome.source} | {outcome.label} | {count} | {same} | {versus} |")
    details = []
    for cell in cells:
        for tool, measure in cell.results.items():
            if measure.error:
                error = measure.error.replace("\n", " ⏎ ")
                details.append(f"- {cell.source} {cell.label} {cell.mode}: {tool} failed: {error}")
    for outcome in outcomes:
        if outcome.pipit_equals_pip() is False:
            only_pipit, only_pip = difference(outcome.installed["pipit"], outcome.installed["pip"])
            heading = f"- {outcome.source} {outcome.label}"
            details.append(
                f"{heading}: only pipit: {', '.join(only_pipit) or '–'}; "
                f"only pip: {', '.join(only_pip) or '–'}"
            )
    if details:
        lines += ["", "### Failures and differences", "", *details]
    return "\n".join(lines) + "\n"


def difference(left: dict[str, str], right: dict[str, str]) -> tuple[list[str], list[str]]:
    """The `name==version` pins only in `left`, and only in `right`."""
    left_pins = {f"{name}=={version}" for name, version in left.items()}
    right_pins = {f"{name}=={version}" for name, version in right.items()}
    return sorted(left_pins - right_pins), sorted(right_pins - left_pins)


def json_report(
    cells: list[Cell], outcomes: list[SetOutcome], sources: list[Source], meta: dict
) -> dict:
    """Everything measured, for machines."""
    return {
        "meta": meta,
        "sources": {source.label: source.description for source in sources},
        "cells": [
            {
                "source": cell.source,
                "set": cell.label,
                "requirements": cell.requirements,
                "mode": cell.mode,
                "load_average": cell.load,
                "ratios": {
                    "pipit/uv": cell.ratio("uv"),
                    "pipit/pip": cell.ratio("pip"),
                    "rss pipit/uv": cell.ratio("uv", memory=True),
                    "rss pipit/pip": cell.ratio("pip", memory=True),
                },
                "tools": {
                    tool: {
                        "seconds": measure.seconds,
                        "median_seconds": measure.median(),
                        "min_seconds": min(measure.seconds) if measure.seconds else None,
                        "max_seconds": max(measure.seconds) if measure.seconds else None,
                        "peak_rss_kib": measure.peak_rss_kib,
                        "error": measure.error,
                    }
                    for tool, measure in cell.results.items()
                },
            }
            for cell in cells
        ],
        "installed": [
            {
                "source": outcome.source,
                "set": outcome.label,
                "pipit_equals_pip": outcome.pipit_equals_pip(),
                "tools": outcome.installed,
            }
            for outcome in outcomes
        ],
    }


def svg_chart(cells: list[Cell], sources: list[Source], meta: dict) -> str:
    """A bar chart of the ratios pipit/uv and pipit/pip of every cell on a log scale, bars
    growing from 1 (left: pipit faster), one block of rows per source."""
    width, label_width, right_margin = 820, 230, 60
    low, high = 0.001, 10.0
    plot_width = width - label_width - right_margin

    def x(ratio: float) -> float:
        clamped = min(max(ratio, low), high)
        share = (math.log10(clamped) - math.log10(low)) / (math.log10(high) - math.log10(low))
        return label_width + share * plot_width

    row_height, bar_height = 22, 8
    colors = {"uv": "#3566a8", "pip": "#e08a1e"}
    parts = []
    y = 72
    top = y
    for source in sources:
        source_cells = [cell for cell in cells if cell.source == source.label]
        if not source_cells:
            continue
        parts.append(
            f'<text x="4" y="{y + 14}" font-weight="bold">{escape(source.label)}: '
            f"{escape(source.description.replace('`', ''))}</text>"
        )
        y += 22
        for index, cell in enumerate(source_cells):
            if index % 2 == 0:
                parts.append(
                    f'<rect x="0" y="{y}" width="{width}" height="{row_height}" fill="#f4f4f4"/>'
                )
            parts.append(
                f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
                f"{escape(cell.label)} · {escape(cell.mode)}</text>"
            )
            for offset, other in ((3, "uv"), (3 + bar_height + 2, "pip")):
                ratio = cell.ratio(other)
                if ratio is None:
                    continue
                start, end = sorted((x(1.0), x(ratio)))
                parts.append(
                    f'<rect x="{start:.1f}" y="{y + offset}" width="{max(end - start, 1):.1f}" '
                    f'height="{bar_height}" fill="{colors[other]}"/>'
                )
                anchor_x, anchor, fill = x(ratio) + 4, "start", "black"
                if ratio < 1 and x(ratio) - label_width < 36:
                    # No room left of the bar: the value goes inside it.
                    anchor_x, fill = x(ratio) + 2, "white"
                elif ratio < 1:
                    anchor_x, anchor = x(ratio) - 4, "end"
                parts.append(
                    f'<text x="{anchor_x:.1f}" y="{y + offset + bar_height}" font-size="9" '
                    f'text-anchor="{anchor}" fill="{fill}">{ratio:.2g}</text>'
                )
            y += row_height
        y += 8
    grid = []
    ticks = ((0.001, "0.001"), (0.01, "0.01"), (0.1, "0.1 (10× faster)"), (1.0, "1"), (10.0, "10"))
    for value, text in ticks:
        dash = "" if value == 1.0 else ' stroke-dasharray="3,3"'
        grid.append(
            f'<line x1="{x(value):.1f}" y1="{top}" x2="{x(value):.1f}" y2="{y}" '
            f'stroke="#555"{dash}/>'
        )
        grid.append(
            f'<text x="{x(value):.1f}" y="{top - 4}" text-anchor="middle" font-size="10">'
            f"{text}</text>"
        )
    title = (
        f"pipit's time divided by uv's and pip's (median of {meta['runs']}; log scale; "
        "left of 1: pipit is faster)"
    )
    legend = [
        f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>',
        f'<text x="4" y="32" font-size="10">{escape(meta["date"])}, '
        f'{escape(meta["machine"])}</text>',
        f'<rect x="4" y="40" width="12" height="8" fill="{colors["uv"]}"/>',
        '<text x="20" y="48" font-size="10">pipit/uv (upper bar)</text>',
        f'<rect x="150" y="40" width="12" height="8" fill="{colors["pip"]}"/>',
        '<text x="166" y="48" font-size="10">pipit/pip (lower bar)</text>',
    ]
    height = y + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">\n'
        f'<rect width="{width}" height="{height}" fill="white"/>\n'
        + "\n".join([*legend, *parts, *grid])
        + "\n</svg>\n"
    )


def load_results(path: Path) -> tuple[list[Cell], list[SetOutcome], list[Source], dict]:
    """The cells, installed sets, sources and meta of a `--json` file, to write its reports
    again (`--report-from`)."""
    data = json.loads(path.read_text())
    sources = [Source(label, description) for label, description in data["sources"].items()]
    cells = [
        Cell(
            cell["source"],
            cell["set"],
            cell["requirements"],
            cell["mode"],
            {
                tool: Measure(measure["seconds"], measure["peak_rss_kib"], measure["error"])
                for tool, measure in cell["tools"].items()
            },
            cell.get("load_average"),
        )
        for cell in data["cells"]
    ]
    outcomes = [
        SetOutcome(outcome["source"], outcome["set"], outcome["tools"])
        for outcome in data["installed"]
    ]
    return cells, outcomes, sources, data["meta"]


def write_reports(
    arguments: argparse.Namespace,
    cells: list[Cell],
    outcomes: list[SetOutcome],
    sources: list[Source],
    meta: dict,
    scrub,
) -> None:
    """Prints the Markdown report and writes the files asked for."""
    report = scrub(markdown_report(cells, outcomes, sources, meta))
    print(report, end="")
    if arguments.markdown:
        arguments.markdown.write_text(report)
    if arguments.json and not arguments.report_from:
        data = json.dumps(json_report(cells, outcomes, sources, meta), indent=1)
        arguments.json.write_text(scrub(data) + "\n")
    if arguments.svg:
        arguments.svg.write_text(scrub(svg_chart(cells, sources, meta)))


def parse_arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--offline",
        action="store_true",
        help="no index at all: the bundled and a generated wheelhouse, or --wheelhouse",
    )
    parser.add_argument(
        "--wheelhouse", type=Path, help="with --offline: install the sets from this folder"
    )
    parser.add_argument(
        "--sources",
        default=",".join(LIVE_SOURCES),
        help="live variant: which of live, live-cutoff, offline (default: all)",
    )
    parser.add_argument(
        "--modes", default=",".join(MODES), help=f"which of {', '.join(MODES)} (default: all)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and cell (default 3)")
    parser.add_argument(
        "--sets",
        type=Path,
        default=REPO / "benches" / "install-sets.txt",
        help="requirement sets (live, and --offline --wheelhouse)",
    )
    parser.add_argument("--only", help="only the sets with these labels (comma-separated)")
    parser.add_argument("--python", type=Path, help="the interpreter to install for")
    parser.add_argument(
        "--pipit", type=Path, help="the pipit binary (default: cargo build --release -p pipit)"
    )
    parser.add_argument("--uv", type=Path, help="the uv binary (default: PATH, else the venv)")
    parser.add_argument("--no-uv", action="store_true", help="leave uv out")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=REPO / "target" / "bench-install",
        help="venv, caches, targets, wheelhouses (default: target/bench-install)",
    )
    parser.add_argument(
        "--cells-dir",
        type=Path,
        help="where the caches and targets go (default: WORK_DIR/cells; e.g. a tmpfs folder "
        "to take the file system out of the numbers)",
    )
    parser.add_argument("--keep", action="store_true", help="keep every cell's caches and targets")
    parser.add_argument(
        "--settle",
        type=float,
        default=370,
        help="seconds to wait after deleting the folders of a source's runs, before the "
        "next source is measured (default 370: ext4 without a journal keeps freed inodes "
        "aside for up to 360 s)",
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="write the Markdown report to this file")
    parser.add_argument("--svg", type=Path, help="write the chart of the ratios to this file")
    parser.add_argument(
        "--report-from",
        type=Path,
        help="measure nothing: write the Markdown and SVG again from an earlier --json file",
    )
    return parser.parse_args()


def main() -> int:
    """Prepares the tools, measures every cell, writes the reports."""
    arguments = parse_arguments()
    if arguments.report_from:
        write_reports(arguments, *load_results(arguments.report_from), scrub=lambda text: text)
        return 0
    modes = [mode.strip() for mode in arguments.modes.split(",") if mode.strip()]
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown or arguments.runs < 1:
        print(f"error: unknown mode {unknown} or --runs below 1", file=sys.stderr)
        return 2
    index_url = None if arguments.offline else live_index_url()
    if not arguments.offline and not index_url:
        print(
            "skipped: set PIPIT_LIVE_INDEX_URL (or PIP_INDEX_URL) to run the live "
            "benchmark, or use --offline"
        )
        return 0
    work_dir = arguments.work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    cells_dir = (arguments.cells_dir or work_dir / "cells").resolve()
    cells_dir.mkdir(parents=True, exist_ok=True)
    environment = isolated_environment()

    found = real_interpreter(arguments.python)
    if found is None:
        print("error: no interpreter to install for (pass --python PATH)", file=sys.stderr)
        return 2
    interpreter, python_version = found
    minor = python_version.rsplit(".", 1)[0]
    pip_python = pip_venv(interpreter, work_dir / f"venv-{minor}", environment, index_url)
    pipit = arguments.pipit.resolve() if arguments.pipit else build_pipit()
    if pip_python is None or pipit is None:
        return 2
    uv = None
    if not arguments.no_uv:
        uv = arguments.uv or find_uv(environment, [pip_python], index_url)
    context = Context(pipit, pip_python, uv, interpreter, environment)

    sets = read_labelled_sets(arguments.sets)
    if arguments.only:
        wanted = {label.strip() for label in arguments.only.split(",")}
        sets = [(label, requirements) for label, requirements in sets if label in wanted]
    plan: list[tuple[Source, list[tuple[str, list[str]]]]] = []
    if arguments.offline and arguments.wheelhouse:
        folder = arguments.wheelhouse.resolve()
        description = f"--no-index --find-links {folder.name}/"
        plan.append((Source("offline", description, find_links=folder), sets))
    elif arguments.offline:
        bundled = REPO / "fixtures" / "wheelhouse"
        plan.append((Source("wheelhouse", "fixtures/wheelhouse", find_links=bundled), BUNDLED_SETS))
        description = (
            f"{GENERATED_PACKAGES} generated packages × 2 releases, "
            f"{GENERATED_MODULES + 2} files each"
        )
        generated = make_wheelhouse(generated_description(), work_dir, "generated-wheelhouse")
        if generated is None:
            return 2
        plan.append((Source("generated", description, find_links=generated), GENERATED_SETS))
    else:
        chosen = [source.strip() for source in arguments.sources.split(",") if source.strip()]
        if "live" in chosen:
            plan.append((Source("live", "the index, newest files", index_url=index_url), sets))
        if "live-cutoff" in chosen:
            description = f"the index, files uploaded before {CUTOFF}"
            plan.append((Source("live-cutoff", description, index_url, CUTOFF), sets))
        if "offline" in chosen:
            wheelhouse = download_wheelhouse(context, index_url, sets, work_dir)
            if wheelhouse is None:
                return 2
            description = f"`pipit download -d` wheelhouse (cutoff {CUTOFF}), --no-index"
            plan.append((Source("offline", description, find_links=wheelhouse), sets))

    versions = {
        "pipit": pipit_description(pipit),
        "pip": tool_version([pip_python, "-m", "pip", "--version"]),
    }
    if uv:
        versions["uv"] = tool_version([uv, "--version"])
    meta = {
        "date": datetime.date.today().isoformat(),
        "machine": machine_description(),
        "work_dir_filesystem": filesystem_of(cells_dir),
        "load": " ".join(f"{load:.2f}" for load in os.getloadavg()),
        "python": python_version,
        "versions": versions,
        "runs": arguments.runs,
        "settle": arguments.settle,
        "modes": modes,
        "uv_available": uv is not None,
        "uv_note": "left out with --no-uv" if arguments.no_uv else None,
        "cutoff": CUTOFF,
        "commands": {
            tool: " ".join(
                str(part)
                for part in command(
                    context,
                    tool,
                    Source("x", "", index_url="$INDEX_URL"),
                    ["REQ…"],
                    Path("CACHE"),
                    Path("TARGET"),
                    False,
                )
            )
            for tool in context.tools()
        },
    }

    cells: list[Cell] = []
    outcomes: list[SetOutcome] = []
    retired = Retired(cells_dir, arguments.settle)
    retired.delete(more_follows=True)
    for position, (source, source_sets) in enumerate(plan):
        for label, requirements in source_sets:
            set_cells, outcome = measure_set(
                context,
                source,
                label,
                requirements,
                modes,
                arguments.runs,
                cells_dir,
                arguments.keep,
                retired,
            )
            cells += set_cells
            outcomes.append(outcome)
        retired.delete(more_follows=position + 1 < len(plan))

    meta["load_end"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
    scrub = Scrubber(index_url)
    sources = [source for source, _ in plan]
    write_reports(arguments, cells, outcomes, sources, meta, scrub)
    broken = any(cell.results[tool].error for cell in cells for tool in ("pipit", "pip")) or any(
        outcome.pipit_equals_pip() is False for outcome in outcomes
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
