"""Numba set-up shared by every kernel module: one place decides where compiled code is cached.

numba's ``cache=True`` writes next to the source file when that directory is writable and otherwise
falls back to a per-user cache directory. A frozen (PyInstaller) build has no writable source tree
and a temporary unpack directory, so there we point ``NUMBA_CACHE_DIR`` at HEA Studio's own user
cache; that must happen before numba reads its configuration, hence this module is imported first.
"""

from __future__ import annotations

import os
import sys

from hea_studio.core.paths import user_cache_dir


def _configure_cache() -> str | None:
    """Point numba at the user cache in a frozen build (unless the user chose a directory)."""
    if getattr(sys, "frozen", False) and not os.environ.get("NUMBA_CACHE_DIR"):
        path = user_cache_dir() / "numba"
        path.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(path)
        return str(path)
    return None


_chosen = _configure_cache()

import numba  # noqa: E402  (the cache directory must be configured before numba reads it)

if _chosen is not None:
    # numba may have been imported before us, when its config snapshot missed the variable.
    numba.config.CACHE_DIR = _chosen  # type: ignore[attr-defined]

njit = numba.njit

__all__ = ["njit"]
