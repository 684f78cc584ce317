"""Per-user directories (cache, config, logs) without Qt, following each platform's convention."""

from __future__ import annotations

import os
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


def user_log_dir() -> Path:
    """Directory for log files holding tracebacks of internal errors."""
    path = user_cache_dir() / "logs"
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
