"""HEA Studio: configurational entropy versus scale and SUME for atom probe data."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
