"""Shared pieces of the frozen-bundle tests (data classes, the clean environment, process probes)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 45 * 60
SELF_TEST_TIMEOUT_S = 240


@dataclass
class Bundle:
    """A built application folder and what the build script reported about it."""

    app_dir: Path
    executable: Path
    archive: Path | None
    info: dict
    build_log: Path


@dataclass
class SelfTestRun:
    """The outcome of running ``<bundle>/hea-studio --self-test OUT`` in a clean environment."""

    returncode: int
    stdout: str
    stderr: str
    out_dir: Path
    cwd: Path
    cache_dir: Path
    home: Path
    seconds: float
    env: dict[str, str] = field(default_factory=dict)
    loaded_libraries: set[str] = field(default_factory=set)
    bundle_changes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"exit code {self.returncode} after {self.seconds:.1f} s\n--- stdout\n{self.stdout[-4000:]}\n"
            f"--- stderr\n{self.stderr[-4000:]}\n--- logs\n{_crash_logs(self.home / '.local' / 'state' / 'hea-studio')}"
        )


def _crash_logs(state_dir: Path) -> str:
    # Crash logs are state ($XDG_STATE_HOME/hea-studio/logs), not cache.
    logs = sorted((state_dir / "logs").glob("*.log")) if (state_dir / "logs").is_dir() else []
    return "\n".join(f"{p}:\n{p.read_text(errors='replace')[-3000:]}" for p in logs) or "(none)"


def head_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def clean_environment(home: Path, cache_dir: Path, empty_bin: Path) -> dict[str, str]:
    """What a collaborator's desktop session gives the app: no Python, no compiler, no venv.

    PATH holds only an empty folder, so neither python, gcc, cc nor ld can be found; PYTHONPATH,
    PYTHONHOME, VIRTUAL_ENV and LD_LIBRARY_PATH are absent because the environment is built from nothing.
    """
    env = {
        "HOME": str(home),
        "PATH": str(empty_bin),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "xcb",
        "HEA_STUDIO_CACHE": str(cache_dir),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_RUNTIME_DIR": str(home / "run"),
    }
    for name in ("DISPLAY", "XAUTHORITY"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    state = {}
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath, name)
            try:
                st = path.lstat()
            except OSError:
                continue
            state[str(path.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return state


_SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")


def mapped_libraries(pid: int) -> set[str]:
    """Shared libraries mapped into process ``pid`` right now (Linux), including dlopen()ed ones."""
    found = set()
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.split(None, 5)
                if len(parts) != 6:
                    continue
                path = parts[5].strip().removesuffix(" (deleted)")
                # Shared objects only (libGL.so.1, foo.cpython-311-x86_64-linux-gnu.so): the dynamic
                # loader also maps /etc/ld.so.cache for a moment, which is not a library.
                if _SHARED_OBJECT.search(path.rsplit("/", 1)[-1]):
                    found.add(path)
    except OSError:
        pass
    return found


def which_outside(path_env: str, names: list[str]) -> list[str]:
    """Which of ``names`` can be found on ``path_env`` (used to prove the clean PATH is clean)."""
    return [n for n in names if shutil.which(n, path=path_env)]
