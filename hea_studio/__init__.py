"""HEA Studio: configurational entropy versus scale and SUME for atom probe data.

The Python API (:mod:`hea_studio.api`) is reached from the package itself::

    import hea_studio as hs
    run = hs.load("run.pos", ranges="run.rrng")
    result = hs.analyze(run, bootstrap=200, seed=0)

The names are resolved on first use, so ``import hea_studio`` stays cheap (the CLI imports it for
``__version__``) and never imports Qt.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Result", "Run", "__version__", "analyze", "from_arrays", "load"]

__version__ = "0.1.0"

_API = {"Result", "Run", "analyze", "from_arrays", "load"}


def __getattr__(name: str) -> Any:
    if name in _API:
        # By name, not an import statement: core imports the package root for __version__, and the
        # layer contract must not read that as core importing the API (which sits above compute).
        return getattr(importlib.import_module("hea_studio.api"), name)
    raise AttributeError(f"module 'hea_studio' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API)
