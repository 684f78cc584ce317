"""Per-user directories (cache, config, logs) without Qt, following each platform's convention."""

from __future__ import annotations

import os
import sys
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
