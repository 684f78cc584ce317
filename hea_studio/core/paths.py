"""Per-user directories (cache, state, logs) without Qt, following each platform's convention.

The cache holds what can be rebuilt (compiled kernels, the demo specimen) and cleaners may delete it;
state holds what must survive them: crash logs and the session's recovery copies. On Linux state lives
under ``$XDG_STATE_HOME`` (``~/.local/state/hea-studio``); earlier versions kept both in the cache, and
:func:`user_state_dir` moves what it finds there once.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

APP_DIR_NAME = "hea-studio"


def user_cache_dir() -> Path:
    """Writable per-user cache directory (created on demand).

    ``HEA_STUDIO_CACHE`` overrides it, which tests and frozen builds use.
    """
    override = os.environ.get("HEA_STUDIO_CACHE")
    if override:
        path = Path(override)
    elif sys.platform.startswith("win"):
        path = (
            Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "HEA Studio" / "Cache"
        )
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Caches" / "HEA Studio"
    else:
        path = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / APP_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


# The state kept in the cache by earlier versions, moved by user_state_dir().
_STATE_IN_CACHE = ("logs", "recovery")
_migrated = False


def user_state_dir() -> Path:
    """Writable per-user state directory (created on demand): crash logs, recovery copies.

    ``HEA_STUDIO_STATE`` overrides it. Linux: ``$XDG_STATE_HOME/hea-studio`` (default
    ``~/.local/state/hea-studio``); Windows: ``%LOCALAPPDATA%\\HEA Studio\\State``; macOS:
    ``~/Library/Application Support/HEA Studio``. The first call moves ``logs/`` and ``recovery/``
    from the default cache folder, where earlier versions kept them.
    """
    override = os.environ.get("HEA_STUDIO_STATE")
    if override:
        path = Path(override)
    elif sys.platform.startswith("win"):
        path = (
            Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "HEA Studio" / "State"
        )
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / "HEA Studio"
    else:
        path = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / APP_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    # Only between the two default folders: an override (tests, frozen builds) must never pull a
    # user's real files into a folder chosen for something else.
    if not override and not os.environ.get("HEA_STUDIO_CACHE"):
        migrate_state(user_cache_dir(), path)
    return path


def migrate_state(cache: Path, state: Path) -> list[Path]:
    """Move ``logs/`` and ``recovery/`` from ``cache`` into ``state`` once; return the files moved.

    A file already present in ``state`` is kept and the cache's copy left where it is (nothing is
    overwritten); emptied folders in the cache are removed. Errors (a read-only cache) leave the old
    files in place: they are still there to be found.
    """
    global _migrated
    moved: list[Path] = []
    if _migrated:
        return moved
    _migrated = True
    for name in _STATE_IN_CACHE:
        old = cache / name
        if not old.is_dir() or old.resolve() == (state / name).resolve():
            continue
        new = state / name
        try:
            new.mkdir(parents=True, exist_ok=True)
            for item in sorted(old.iterdir()):
                target = new / item.name
                if not target.exists():
                    shutil.move(str(item), str(target))
                    moved.append(target)
            if not any(old.iterdir()):
                old.rmdir()
        except OSError:
            continue
    return moved


def user_log_dir() -> Path:
    """Directory for log files holding tracebacks of internal errors (in the state folder)."""
    path = user_state_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_crash_log() -> str:
    """Write the exception being handled, with its traceback, to a timestamped file in
    :func:`user_log_dir`; return the file's path.

    Used by the command line and by the worker thread, so both report an internal error the same way.
    """
    from hea_studio import __version__

    name = time.strftime("crash-%Y%m%d-%H%M%S.log")
    text = f"hea-studio {__version__}\n" + traceback.format_exc()
    # The cache folder may be read-only or full: the report of an error must not raise another.
    for folder in (user_log_dir, lambda: Path(tempfile.gettempdir())):
        try:
            path = folder() / name
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(text)
            return str(path)
        except OSError:
            continue
    return "(no log: neither the cache folder nor the temporary folder can be written)"


def unused_name(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem-edited<suffix>`` (or ``-edited-2`` ...) named like no file in ``folder``,
    letter case ignored.

    A default save name must not replace the file the data came from: ``Si.rrng`` next to
    ``Si.RRNG`` is the same file on case-insensitive file systems (Windows, macOS).
    """
    folder = Path(folder)
    try:
        taken = {p.name.lower() for p in folder.iterdir()}
    except OSError:
        taken = set()
    n = 1
    while True:
        name = f"{stem}-edited{'' if n == 1 else f'-{n}'}{suffix}"
        if name.lower() not in taken:
            return folder / name
        n += 1
