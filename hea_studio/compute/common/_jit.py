"""The ``njit`` every compute kernel module uses (the cache set-up lives in :mod:`hea_studio.core.jit`)."""

from __future__ import annotations

from hea_studio.core.jit import njit

__all__ = ["njit"]
