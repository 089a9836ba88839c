"""What the benchmark scripts of this folder share (standard library only).

`resolve.py` (resolution and pip equivalence) and `install.py` (installing
into fresh targets) both run pipit, pip and uv side by side. This module holds
what they do alike: the isolated environment every tool runs in, timing one
process with its peak RSS, finding interpreters, the throwaway pip venvs, finding
or installing uv, building pipit, generating a wheelhouse with the test kit,
and formatting numbers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# One upload-time cutoff for every tool and every run, so reruns compare alike.
CUTOFF = "2026-10-01T00:00:00Z"

# Environment variables with a tool prefix that are kept: TLS only.
KEPT_VARIABLES = ("PIP_CERT",)


@dataclass
class Run:
    """One finished process: wall time, peak RSS and what it printed."""

    seconds: float
    peak_rss_kib: int
    exit_code: int
    stdout: str
    stderr: str


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: case and runs of `-_.` do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def live_index_url() -> str | None:
    """The index of the live variants: `PIPIT_LIVE_INDEX_URL`, else `PIP_INDEX_URL`."""
    return os.environ.get("PIPIT_LIVE_INDEX_URL") or os.environ.get("PIP_INDEX_URL") or None


def isolated_environment() -> dict[str, str]:
    """The environment every tool runs in: no tool settings but TLS, no config file, no venv."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key in KEPT_VARIABLES or not key.startswith(("PIP_", "UV_", "PIPIT_"))
    }
    environment.pop("VIRTUAL_ENV", None)
    environment["PIP_CONFIG_FILE"] = os.devnull
    return environment


def note(message: str) -> None:
    """Progress and skips go to stderr; stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def setup_step(argv: list, environment: dict[str, str], what: str, cwd: Path | None = None) -> bool:
    """Runs one preparation command quietly; on failure prints its output and returns False."""
    result = subprocess.run(
        [str(part) for part in argv],
        env=environment,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        note(f"error: {what} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.returncode == 0


def run_timed(argv: list, environment: dict[str, str], cwd: Path | None = None) -> Run:
    """Runs one command and measures its wall time and peak RSS (wait4's rusage of that
    process, which on Linux also covers the children it waited for)."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            [str(part) for part in argv],
            env=environment,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        return Run(
            seconds=seconds,
            peak_rss_kib=usage.ru_maxrss,
            exit_code=process.returncode,
            stdout=stdout.read().decode(errors="replace"),
            stderr=stderr.read().decode(errors="replace"),
        )


def failure(run: Run) -> str:
    """A short description of a failed run: exit code and the end of its stderr."""
    tail = "\n".join(run.stderr.strip().splitlines()[-8:])
    return f"exit {run.exit_code}: {tail}"


def interpreter_version(interpreter: Path) -> str | None:
    """The X.Y.Z version of an interpreter, or None if it does not run."""
    try:
        result = subprocess.run(
            [str(interpreter), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_interpreter(version: str, explicit: Path | None) -> tuple[Path, str] | None:
    """A real interpreter of `version` (X.Y) and its full version: the given one, else the
    newest pyenv build, else `pythonX.Y` on PATH."""
    if explicit:
        candidates = [explicit]
    else:
        pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
        builds = pyenv_root.glob(f"versions/{version}.*/bin/python3")
        candidates = sorted(
            builds,
            key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.parent.name)],
            reverse=True,
        )
        on_path = shutil.which(f"python{version}")
        if on_path:
            candidates.append(Path(on_path))
    for candidate in candidates:
        full_version = interpreter_version(candidate)
        if full_version and full_version.rsplit(".", 1)[0] == version:
            return candidate, full_version
    return None


def pip_venv(
    interpreter: Path, venv: Path, environment: dict, index_url: str | None
) -> Path | None:
    """The python of a venv with pip made from `interpreter` (kept and reused), with pip
    upgraded to the newest the index offers when there is an index; None (with a note) when
    that fails."""
    pip_python = venv / "bin" / "python"
    if not pip_python.exists():
        note(f"creating {venv} with {interpreter}")
        create = [interpreter, "-m", "venv", "--clear", venv]
        if not setup_step(create, environment, "creating the venv"):
            return None
    if index_url:
        upgrade = [pip_python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-U"]
        if not setup_step(
            [*upgrade, "pip", "--index-url", index_url], environment, "upgrading pip"
        ):
            return None
    return pip_python


def find_uv(environment: dict, venv_pythons: list[Path], index_url: str | None) -> Path | None:
    """uv from PATH, else from one of the venvs, else installed into the last venv with pip
    from the index (when there is one); None (with a note) when none of this works."""
    on_path = shutil.which("uv", path=environment.get("PATH"))
    if on_path:
        return Path(on_path)
    for pip_python in venv_pythons:
        in_venv = pip_python.parent / "uv"
        if in_venv.exists():
            return in_venv
    if index_url and venv_pythons:
        pip_python = venv_pythons[-1]
        note(f"installing uv into {pip_python.parent.parent}")
        install = [pip_python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "uv"]
        if setup_step([*install, "--index-url", index_url], environment, "installing uv"):
            return pip_python.parent / "uv"
    note("uv: not on PATH and not installable here; its columns stay empty")
    return None


def build_pipit() -> Path | None:
    """Builds pipit in release mode and returns the binary, or None (with a note) on failure."""
    note("building pipit (cargo build --release -p pipit)")
    build = ["cargo", "build", "--release", "-p", "pipit"]
    if not setup_step(build, dict(os.environ), "cargo build", REPO):
        return None
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target_dir / "release" / "pipit"


def make_wheelhouse(description: str, work_dir: Path, name: str) -> Path | None:
    """Writes the wheels of a description (the test kit's one-line-per-wheel format, see
    crates/pipit-testkit/src/description.rs) into `work_dir/name` with the test kit's
    `make-wheelhouse`; None (with a note) when it cannot be built."""
    description_file = work_dir / f"{name}.txt"
    description_file.write_text(description)
    wheelhouse = work_dir / name
    note(f"generating {wheelhouse} (cargo run -p pipit-testkit --bin make-wheelhouse)")
    make = ["cargo", "run", "-q", "-p", "pipit-testkit", "--bin", "make-wheelhouse", "--"]
    if not setup_step(
        [*make, description_file, wheelhouse], dict(os.environ), "make-wheelhouse", REPO
    ):
        note(f"skipped the wheelhouse {name}")
        return None
    return wheelhouse


def tool_version(argv: list) -> str:
    """The version a tool prints for `--version` (its second word), or '?'."""
    result = subprocess.run([str(part) for part in argv], capture_output=True, text=True)
    words = result.stdout.split()
    return words[1] if result.returncode == 0 and len(words) > 1 else "?"


def read_sets(path: Path) -> list[list[str]]:
    """The requirement sets of a sets file: one per line, `#` comments and blanks skipped."""
    lines = (line.split("#", 1)[0].split() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def format_seconds(seconds: float | None) -> str:
    """Seconds with millisecond resolution, or a dash."""
    return "–" if seconds is None else f"{seconds:.3f}"


def format_ratio(numerator: float | None, denominator: float | None) -> str:
    """numerator/denominator with two significant digits, or a dash."""
    if numerator is None or not denominator:
        return "–"
    return f"{numerator / denominator:.2g}"
