"""Entropy of mixing of a composition, its units and classification (science.md 2)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.results import CompositionEntropy

R_J_PER_MOLK = 8.314462618
"""Gas constant in J mol^-1 K^-1."""

LOW_MEDIUM = 1.0
MEDIUM_HIGH = 1.5


def to_joules(S_R: float) -> float:
    """Entropy in units of R to J mol^-1 K^-1."""
    return float(S_R) * R_J_PER_MOLK


def classify(S_R: float) -> str:
    """``"low"`` below 1.0 R, ``"medium"`` up to 1.5 R, ``"high"`` from 1.5 R (seed review, 2025)."""
    if S_R < LOW_MEDIUM:
        return "low"
    if S_R < MEDIUM_HIGH:
        return "medium"
    return "high"


def ideal_entropy(n_components: int) -> float:
    """R ln N of an equimolar N-component solution, in units of R."""
    return math.log(n_components) if n_components > 0 else 0.0


def mixing_entropy(amounts: Sequence[float] | np.ndarray) -> float:
    """S / R = -sum x_i ln x_i of the composition given by ``amounts`` (any scale; normalised here).

    Terms with x_i = 0 contribute 0.
    """
    a = np.asarray(amounts, dtype=np.float64)
    total = a.sum()
    if a.size == 0 or not np.isfinite(total) or total <= 0 or np.any(a < 0):
        raise InputError("a composition needs non-negative amounts with a positive total")
    x = a[a > 0] / total
    # "+ 0.0" turns the -0.0 of a pure element into 0.0.
    return float(-(x * np.log(x)).sum()) + 0.0


@dataclass(frozen=True)
class Sublattice:
    """One sublattice: its name, the elements on it and its sites per formula unit."""

    name: str
    elements: tuple[str, ...]
    multiplicity: float

    @classmethod
    def parse(cls, text: str) -> Sublattice:
        """Parse ``"A:Mg,Co,Ni,Cu,Zn:1"`` (name:elements:sites per formula unit)."""
        parts = text.split(":")
        if len(parts) != 3:
            raise InputError(f"cannot read sublattice {text!r}: expected NAME:El1,El2,...:MULTIPLICITY")
        name, elements, mult = parts
        els = tuple(e.strip() for e in elements.split(",") if e.strip())
        try:
            m = float(mult)
        except ValueError:
            raise InputError(f"sublattice {text!r}: multiplicity {mult!r} is not a number") from None
        if not els or not (math.isfinite(m) and m > 0):
            raise InputError(f"sublattice {text!r}: needs at least one element and a positive multiplicity")
        return cls(name.strip(), els, m)


def composition_entropy(
    amounts: Mapping[str, float], sublattices: Sequence[Sublattice] | None = None
) -> CompositionEntropy:
    """Entropy of a composition, optionally per formula unit over sublattices (science.md 2).

    Parameters
    ----------
    amounts
        Element -> amount (at.%, fractions or counts; normalised here).
    sublattices
        If given, S_fu = -R sum_s m_s sum_{i in s} x_{i,s} ln x_{i,s} with x_{i,s} the element's
        fraction among the elements of sublattice s; an element on no sublattice is an error.
    """
    if not amounts:
        raise InputError("give at least one element=amount")
    names = list(amounts)
    values = np.array([float(amounts[n]) for n in names])
    S = mixing_entropy(values)
    fractions = {n: float(v / values.sum()) for n, v in zip(names, values)}
    S_ideal = ideal_entropy(sum(1 for v in values if v > 0))
    if not sublattices:
        return CompositionEntropy(fractions, S, to_joules(S), classify(S), S_ideal)
    placed = [e for s in sublattices for e in s.elements]
    missing = [n for n in names if n not in placed]
    unknown = [e for e in placed if e not in amounts]
    if missing:
        raise InputError(f"element(s) {', '.join(missing)} are on no sublattice")
    if unknown:
        raise InputError(f"sublattice element(s) {', '.join(unknown)} have no amount given")
    rows = []
    S_fu = 0.0
    for s in sublattices:
        a = np.array([float(amounts[e]) for e in s.elements])
        S_s = mixing_entropy(a) if a.sum() > 0 else 0.0
        S_fu += s.multiplicity * S_s
        rows.append(
            {
                "name": s.name,
                "elements": list(s.elements),
                "multiplicity": s.multiplicity,
                "fractions": {e: float(v / a.sum()) if a.sum() > 0 else 0.0 for e, v in zip(s.elements, a)},
                "S_R": S_s,
            }
        )
    sites = sum(s.multiplicity for s in sublattices)
    return CompositionEntropy(
        fractions, S, to_joules(S), classify(S), S_ideal, sublattices=rows, S_fu_R=S_fu, S_site_R=S_fu / sites
    )
