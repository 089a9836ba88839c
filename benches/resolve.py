#!/usr/bin/env python3
"""Resolution benchmark and pip-equivalence check: pipit against pip and uv.

For every requirement set and every target Python (3.9 and 3.11, linux
x86_64) this script resolves the set with three tools, side by side, in one
run:

- pip: `python -m pip install --dry-run --target EMPTY --report -`, run by
  a real interpreter of the target version (pip evaluates markers against the
  interpreter it runs on, whatever `--python-version` says), from a throwaway
  virtual environment in the work folder;
- pipit: `pipit install --dry-run --report -` with the same target flags;
- uv: `uv pip compile` with the equivalent flags (from PATH, or installed into
  the work folder's environment from the configured index).

It then checks that pipit installs exactly the `name==version` set pip
installs (uv's differences from pip are shown as information: its defaults
differ a little), and times each tool cold (an empty cache of its own) and
warm (the same cache again; median of `--runs`, interleaved pipit, pip, uv,
pipit, ...), with the peak RSS of every run. Output: Markdown tables on
stdout, `--json FILE` for machines. The exit code is 1 when pipit and pip
disagree or either fails, 0 otherwise; timings are never judged.

Two variants:

- live (default): the sets of `benches/sets.txt` against the index named by
  `PIPIT_LIVE_INDEX_URL` (else `PIP_INDEX_URL`), every tool limited to files
  uploaded before `CUTOFF`; with neither variable it says so and exits 0;
- `--offline`: no network at all: the bundled wheelhouse `fixtures/wheelhouse`
  and a larger generated one (`--no-index` plus find-links for every tool).

Every tool runs with an isolated configuration: no `PIP_*`, `UV_*` or
`PIPIT_*` variable except `PIP_CERT` (CA bundles stay, as do `SSL_CERT_FILE`
and friends), `PIP_CONFIG_FILE=/dev/null`, `uv --no-config`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    CUTOFF,
    REPO,
    build_pipit,
    canonical_name,
    failure,
    find_interpreter,
    find_uv,
    format_ratio,
    format_seconds,
    isolated_environment,
    live_index_url,
    make_wheelhouse,
    note,
    pip_venv,
    read_sets,
    run_timed,
    tool_version,
)

TARGET_PYTHONS = ("3.9", "3.11")

# The target platform: x86_64 Linux with glibc 2.28. pip takes the platform
# tags as given (it expands only `manylinux2014`/`manylinux2010`), so pip and
# pipit both get the full list a glibc 2.28 machine supports; uv spells it as
# one triple.
GLIBC_MINOR = 28
UV_PLATFORM = f"x86_64-manylinux_2_{GLIBC_MINOR}"

TOOLS = ("pipit", "pip", "uv")

# The offline sets for the bundled wheelhouse (see fixtures/wheelhouse.txt),
# and for the generated one (see `synthetic_description`).
WHEELHOUSE_SETS = (["demo-app"], ["demo-app[cli]", "Demo.Odd_Name"])
SYNTHETIC_SETS = (["synth-root[full]"],)

# The generated wheelhouse: its size and the seed of its graph.
SYNTHETIC_PACKAGES = 100
SYNTHETIC_RELEASES = 10
SYNTHETIC_SEED = 7


@dataclass
class Source:
    """Where every tool looks for distributions: an index, or a folder only."""

    label: str
    index_url: str | None = None
    find_links: Path | None = None

    def arguments(self, tool: str) -> list[str]:
        """The flags that point `tool` at this source (with the cutoff for an index)."""
        if self.index_url:
            cutoff = "--uploaded-prior-to" if tool == "pip" else "--exclude-newer"
            return ["--index-url", self.index_url, cutoff, CUTOFF]
        offline = ["--offline"] if tool == "uv" else []
        return ["--no-index", "--find-links", str(self.find_links), *offline]


@dataclass
class Target:
    """One target Python: the real interpreter pip runs on, and its version."""

    version: str
    full_version: str
    interpreter: Path
    pip_python: Path

    def arguments(self, tool: str) -> list[str]:
        """The flags that make `tool` resolve for this Python on linux x86_64.

        The full version (e.g. 3.11.7) is given, so that `python_full_version`
        markers see what pip's own interpreter sees.
        """
        common = ["--python-version", self.full_version, "--only-binary", ":all:"]
        if tool == "uv":
            return [*common, "--python-platform", UV_PLATFORM, "--python", str(self.interpreter)]
        return [*common, *(f"--platform={tag}" for tag in linux_platform_tags())]


@dataclass
class ToolResult:
    """One tool on one cell: its timings, peak memory and resolution, or its error."""

    cold_seconds: float | None = None
    warm_seconds: list[float] = field(default_factory=list)
    peak_rss_kib: int = 0
    resolution: dict[str, str] | None = None
    error: str | None = None

    def warm_median(self) -> float | None:
        """The median warm time, if any warm run succeeded."""
        return statistics.median(self.warm_seconds) if self.warm_seconds else None


@dataclass
class Cell:
    """One requirement set resolved for one target Python by every tool."""

    source: str
    requirements: list[str]
    target: Target
    results: dict[str, ToolResult]

    @property
    def label(self) -> str:
        """The set as written in the sets file."""
        return " ".join(self.requirements)

    def pipit_equals_pip(self) -> bool:
        """Whether pipit and pip both succeeded and chose the same versions."""
        pipit, pip = self.results["pipit"].resolution, self.results["pip"].resolution
        return pipit is not None and pipit == pip


def linux_platform_tags() -> list[str]:
    """The platform tags of glibc 2.28 on x86_64, best first, as `packaging.tags` orders them."""
    legacy_aliases = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags = []
    for minor in range(GLIBC_MINOR, 4, -1):
        tags.append(f"manylinux_2_{minor}_x86_64")
        if minor in legacy_aliases:
            tags.append(f"{legacy_aliases[minor]}_x86_64")
    tags.append("linux_x86_64")
    return tags


def prepare_target(
    version: str, explicit: Path | None, work_dir: Path, environment: dict, index_url: str | None
) -> Target | None:
    """The target for one Python version: its interpreter and a venv with pip (upgraded to
    the newest pip from the index when there is one), or None (with a note) if impossible."""
    found = find_interpreter(version, explicit)
    if found is None:
        hint = f"--python{version.replace('.', '')} PATH"
        note(
            f"skipped Python {version}: no interpreter found "
            f"(looked in pyenv and for python{version} on PATH; or pass {hint})"
        )
        return None
    interpreter, full_version = found
    pip_python = pip_venv(interpreter, work_dir / f"venv-{version}", environment, index_url)
    if pip_python is None:
        return None
    return Target(version, full_version, interpreter, pip_python)


def synthetic_description() -> str:
    """A deterministic dependency graph in the test kit's wheel description format (see
    crates/pipit-testkit/src/description.rs), with exactly one solution per Python.

    `synth-root` needs synth-00..05, and synth-06..09 with its extra `full`. Each
    `synth-NN` has releases 1.0.0 to 1.9.0 and depends on up to three of the ten
    packages after it, with a lower bound that grows with the release; one dependency
    in seven applies only on Python < 3.10, and the newest release of every fifth
    package requires Python >= 3.10. There are no upper bounds: with them a graph can
    have several valid solutions, and pip's backtracking order (resolvelib) and
    PubGrub's legitimately pick different ones, which is no equivalence test.
    """
    rng = random.Random(SYNTHETIC_SEED)
    name = "synth-{:02d}".format
    lines = [
        "synth-root 1.0.0: "
        + ", ".join(name(index) for index in range(6))
        + "; extras: full=["
        + ", ".join(name(index) for index in range(6, 10))
        + "]"
    ]
    for index in range(SYNTHETIC_PACKAGES):
        later = list(range(index + 1, min(index + 11, SYNTHETIC_PACKAGES)))
        dependencies = rng.sample(later, min(3, len(later)))
        for release in range(SYNTHETIC_RELEASES):
            requirements = []
            for dependency in dependencies:
                marker = '; python_version < "3.10"' if release and rng.random() < 1 / 7 else ""
                requirements.append(f"{name(dependency)}>=1.{rng.randint(0, release)}{marker}")
            line = f"{name(index)} 1.{release}.0"
            if requirements:
                line += ": " + ", ".join(requirements)
            if index % 5 == 0 and release == SYNTHETIC_RELEASES - 1:
                line += "; requires-python: >=3.10"
            lines.append(line)
    return "\n".join(lines) + "\n"


def build_synthetic_wheelhouse(work_dir: Path) -> Path | None:
    """Writes the generated wheelhouse with the test kit's `make-wheelhouse`, or returns None
    (with a note) when it cannot be built."""
    return make_wheelhouse(synthetic_description(), work_dir, "synthetic-wheelhouse")


def tool_command(
    tool: str,
    executable: Path | None,
    target: Target,
    source: Source,
    requirements: list[str],
    cache: Path,
) -> list[str]:
    """The command line with which `tool` resolves `requirements`: pipit and uv run
    `executable`, pip the target's venv; uv reads the requirements from a file next to
    its cache."""
    tail = [*target.arguments(tool), *source.arguments(tool)]
    if tool == "pipit":
        pipit = [str(executable), "install", "--dry-run", "--report", "-", "-q"]
        return [*pipit, "--cache-dir", str(cache), *tail, *requirements]
    if tool == "pip":
        # An empty --target: nothing counts as installed, and pip < 24 accepts the
        # platform flags only with it.
        target_dir = ["--target", str(cache.parent / "target")]
        pip = [str(target.pip_python), "-m", "pip", "install", "--dry-run", *target_dir]
        quiet = ["--report", "-", "-q", "--disable-pip-version-check", "--cache-dir", str(cache)]
        return [*pip, *quiet, *tail, *requirements]
    requirements_file = cache.parent / "requirements.in"
    requirements_file.write_text("\n".join(requirements) + "\n")
    compile_ = [str(executable), "pip", "compile", str(requirements_file), "--no-config", "-q"]
    return [*compile_, "--no-header", "--no-annotate", "--cache-dir", str(cache), *tail]


def parse_resolution(tool: str, stdout: str) -> dict[str, str]:
    """The chosen `{canonical name: version}`: from pip's installation report (pip, pipit),
    or from `name==version` lines (uv)."""
    if tool in ("pip", "pipit"):
        report = json.loads(stdout)
        return {
            canonical_name(item["metadata"]["name"]): item["metadata"]["version"]
            for item in report["install"]
        }
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)", stdout, re.MULTILINE)
    return {canonical_name(name): version for name, version in pins}


def measure_cell(
    source: Source,
    requirements: list[str],
    target: Target,
    executables: dict[str, Path | None],
    work_dir: Path,
    runs: int,
    environment: dict,
) -> Cell:
    """Resolves one set for one target with every tool: cold once on an empty cache, then
    `runs` warm rounds interleaved across the tools."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "_", " ".join(requirements)).strip("_")
    cell_dir = work_dir / "cells" / source.label / f"{slug}-py{target.version}"
    results = {tool: ToolResult() for tool in executables}
    commands = {}
    for tool, executable in executables.items():
        cache = cell_dir / tool / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        commands[tool] = tool_command(tool, executable, target, source, requirements, cache)
        run = run_timed(commands[tool], environment)
        result = results[tool]
        result.cold_seconds, result.peak_rss_kib = run.seconds, run.peak_rss_kib
        if run.exit_code != 0:
            result.error = failure(run)
            continue
        try:
            result.resolution = parse_resolution(tool, run.stdout)
        except (ValueError, KeyError) as error:
            result.error = f"unreadable output ({error}): {run.stdout[:200]!r}"
    for _ in range(runs):
        for tool in executables:
            result = results[tool]
            if result.error:
                continue
            run = run_timed(commands[tool], environment)
            result.peak_rss_kib = max(result.peak_rss_kib, run.peak_rss_kib)
            if run.exit_code != 0:
                result.error = f"warm run: {failure(run)}"
            else:
                result.warm_seconds.append(run.seconds)
    return Cell(source.label, requirements, target, results)


def set_difference(left: dict[str, str], right: dict[str, str]) -> tuple[list[str], list[str]]:
    """The `name==version` pins only in `left`, and only in `right`."""
    left_pins = {f"{name}=={version}" for name, version in left.items()}
    right_pins = {f"{name}=={version}" for name, version in right.items()}
    return sorted(left_pins - right_pins), sorted(right_pins - left_pins)


def equivalence_column(cell: Cell) -> str:
    """'yes', or why pipit's set is not pip's."""
    pipit, pip = cell.results["pipit"], cell.results["pip"]
    if pip.error or pipit.error:
        return "**pip failed**" if pip.error else "**pipit failed**"
    return "yes" if cell.pipit_equals_pip() else "**NO**"


def uv_column(cell: Cell) -> str:
    """uv's set against pip's, as information."""
    uv, pip = cell.results.get("uv"), cell.results["pip"]
    if uv is None:
        return "–"
    if uv.error:
        return "failed"
    if pip.resolution is None:
        return "–"
    only_uv, only_pip = set_difference(uv.resolution, pip.resolution)
    if not only_uv and not only_pip:
        return "same"
    return " ".join([*(f"+{pin}" for pin in only_uv), *(f"−{pin}" for pin in only_pip)])


def markdown_report(cells: list[Cell], meta: dict) -> str:
    """The three tables (equivalence, time, memory) and the details of every failure."""
    lines = [
        f"## Resolution benchmark: pipit, pip, uv ({meta['variant']})",
        "",
        f"{meta['date']}, {meta['machine']}, {meta['cores']} cores; "
        + ", ".join(f"{tool} {version}" for tool, version in meta["versions"].items())
        + f"; warm = median of {meta['runs']}"
        + (f"; files uploaded before {CUTOFF}" if meta["variant"] == "live" else ""),
        "",
        "### Same versions as pip",
        "",
        "| set | Python | packages | pipit = pip | uv vs pip (+only uv, −only pip) |",
        "|---|---|---:|---|---|",
    ]
    for cell in cells:
        pip = cell.results["pip"].resolution
        count = str(len(pip)) if pip is not None else "–"
        row = [cell.label, cell.target.version, count, equivalence_column(cell), uv_column(cell)]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "### Time in seconds (ratio < 1: pipit is faster)",
        "",
        "| set | Python | cold pipit | cold pip | cold uv | pipit/pip | pipit/uv "
        "| warm pipit | warm pip | warm uv | pipit/pip | pipit/uv |",
        "|---|---|" + "---:|" * 10,
    ]
    for cell in cells:
        row = [cell.label, cell.target.version]
        for timing in (lambda result: result.cold_seconds, ToolResult.warm_median):
            values = {
                tool: timing(result) if not result.error else None
                for tool, result in cell.results.items()
            }
            row += [format_seconds(values.get(tool)) for tool in TOOLS]
            row += [
                format_ratio(values["pipit"], values["pip"]),
                format_ratio(values["pipit"], values.get("uv")),
            ]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "### Peak RSS in MiB (largest of all runs)",
        "",
        "| set | Python | pipit | pip | uv | pipit/pip | pipit/uv |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for cell in cells:
        peaks = {tool: result.peak_rss_kib / 1024 for tool, result in cell.results.items()}
        row = [cell.label, cell.target.version]
        row += [f"{peaks[tool]:.0f}" if tool in peaks else "–" for tool in TOOLS]
        row += [
            format_ratio(peaks["pipit"], peaks["pip"]),
            format_ratio(peaks["pipit"], peaks.get("uv")),
        ]
        lines.append("| " + " | ".join(row) + " |")
    details = []
    for cell in cells:
        heading = f"- {cell.label} (Python {cell.target.full_version}, {cell.source})"
        for tool, result in cell.results.items():
            if result.error:
                details.append(f"{heading}: {tool} failed: {result.error}")
        pipit, pip = cell.results["pipit"].resolution, cell.results["pip"].resolution
        if pipit is not None and pip is not None and pipit != pip:
            only_pipit, only_pip = set_difference(pipit, pip)
            details.append(
                f"{heading}: only pipit: {', '.join(only_pipit) or '–'}; "
                f"only pip: {', '.join(only_pip) or '–'}"
            )
    if details:
        lines += ["", "### Differences and failures", "", *details]
    return "\n".join(lines) + "\n"


def json_report(cells: list[Cell], meta: dict) -> dict:
    """Everything measured, for machines."""
    return {
        "meta": {**meta, "cutoff": CUTOFF if meta["variant"] == "live" else None},
        "cells": [
            {
                "source": cell.source,
                "requirements": cell.requirements,
                "python": cell.target.full_version,
                "pipit_equals_pip": cell.pipit_equals_pip(),
                "tools": {
                    tool: {
                        "cold_seconds": result.cold_seconds,
                        "warm_seconds": result.warm_seconds,
                        "warm_median_seconds": result.warm_median(),
                        "peak_rss_kib": result.peak_rss_kib,
                        "resolution": result.resolution,
                        "error": result.error,
                    }
                    for tool, result in cell.results.items()
                },
            }
            for cell in cells
        ],
    }


def parse_arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--offline", action="store_true", help="use only local wheelhouses (no network)"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=REPO / "target" / "bench-resolve",
        help="venvs, caches and generated wheels (default: target/bench-resolve)",
    )
    parser.add_argument(
        "--pipit", type=Path, help="the pipit binary (default: cargo build --release -p pipit)"
    )
    parser.add_argument(
        "--sets", type=Path, default=REPO / "benches" / "sets.txt", help="requirement sets (live)"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="warm runs per tool and cell (median reported)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--python39", type=Path, help="the Python 3.9 interpreter pip runs on")
    parser.add_argument("--python311", type=Path, help="the Python 3.11 interpreter pip runs on")
    return parser.parse_args()


def main() -> int:
    """Prepares tools and targets, measures every cell, prints the report."""
    arguments = parse_arguments()
    index_url = None
    if not arguments.offline:
        index_url = live_index_url()
        if not index_url:
            print(
                "skipped: set PIPIT_LIVE_INDEX_URL (or PIP_INDEX_URL) to run the live "
                "benchmark, or use --offline"
            )
            return 0
    work_dir = arguments.work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    environment = isolated_environment()

    pipit = arguments.pipit.resolve() if arguments.pipit else build_pipit()
    if pipit is None:
        return 2
    explicit = {"3.9": arguments.python39, "3.11": arguments.python311}
    targets = [
        target
        for version in TARGET_PYTHONS
        if (target := prepare_target(version, explicit[version], work_dir, environment, index_url))
    ]
    if not targets:
        print("skipped: no target interpreter found (see the notes above)")
        return 0
    # pip runs from each target's venv, so it has no executable of its own.
    executables: dict[str, Path | None] = {"pipit": pipit, "pip": None}
    uv = find_uv(environment, [target.pip_python for target in targets], index_url)
    if uv:
        executables["uv"] = uv

    if index_url:
        plan = [(Source("live", index_url=index_url), read_sets(arguments.sets))]
    else:
        bundled = Source("wheelhouse", find_links=REPO / "fixtures" / "wheelhouse")
        plan = [(bundled, list(WHEELHOUSE_SETS))]
        synthetic = build_synthetic_wheelhouse(work_dir)
        if synthetic:
            plan.append((Source("generated", find_links=synthetic), list(SYNTHETIC_SETS)))

    versions = {"pipit": tool_version([pipit, "--version"])}
    for target in targets:
        pip_version = tool_version([target.pip_python, "-m", "pip", "--version"])
        versions[f"pip (py{target.version})"] = pip_version
    if uv:
        versions["uv"] = tool_version([uv, "--version"])
    meta = {
        "variant": "live" if index_url else "offline",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}",
        "cores": os.cpu_count(),
        "versions": versions,
        "runs": arguments.runs,
    }

    cells = []
    for source, sets in plan:
        for requirements in sets:
            for target in targets:
                note(f"{source.label}: {' '.join(requirements)} for Python {target.full_version}")
                cell = measure_cell(
                    source, requirements, target, executables, work_dir, arguments.runs, environment
                )
                cells.append(cell)

    print(markdown_report(cells, meta), end="")
    if arguments.json:
        arguments.json.write_text(json.dumps(json_report(cells, meta), indent=2) + "\n")
    equal = sum(cell.pipit_equals_pip() for cell in cells)
    print(f"\npipit = pip: {equal} of {len(cells)} cells")
    return 0 if equal == len(cells) else 1


if __name__ == "__main__":
    sys.exit(main())
