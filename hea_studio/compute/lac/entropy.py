"""Entropy of mixing of a composition, its units and classification (science.md 2)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.results import R_J_PER_MOLK, BulkResult, CompositionEntropy
from hea_studio.core.sublattices import Sublattice, check_sublattices, mixing_sublattices

__all__ = [
    "R_J_PER_MOLK",
    "Sublattice",
    "classify",
    "composition_entropy",
    "ideal_entropy",
    "mixing_entropy",
    "to_joules",
]

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
        fraction among the elements of sublattice s (split elements count with their share); an
        element on no sublattice, or on two without a split, is an error. The class is then that of
        the mixing sublattice(s), see :func:`mixing_site_entropy`.
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
    check_sublattices(sublattices)
    placed = {e for s in sublattices for e in s.elements}
    missing = [n for n in names if n not in placed]
    unknown = sorted(e for e in placed if e not in amounts)
    if missing:
        raise InputError(f"element(s) {', '.join(missing)} are on no sublattice")
    if unknown:
        raise InputError(f"sublattice element(s) {', '.join(unknown)} have no amount given")
    rows = []
    S_fu = 0.0
    per_sub: dict[str, float] = {}
    for s in sublattices:
        a = np.array([float(amounts[e]) * share for e, share in zip(s.elements, s.shares)])
        S_s = mixing_entropy(a) if a.sum() > 0 else 0.0
        per_sub[s.name] = S_s
        S_fu += s.multiplicity * S_s
        rows.append(
            {
                "name": s.name,
                "elements": list(s.elements),
                "multiplicity": s.multiplicity,
                "shares": dict(zip(s.elements, s.shares)),
                "fractions": {e: float(v / a.sum()) if a.sum() > 0 else 0.0 for e, v in zip(s.elements, a)},
                "S_R": S_s,
            }
        )
    sites = sum(s.multiplicity for s in sublattices)
    S_mix = mixing_site_entropy(sublattices, per_sub)
    return CompositionEntropy(
        fractions,
        S,
        to_joules(S),
        classify(S_mix),
        S_ideal,
        sublattices=rows,
        S_fu_R=S_fu,
        S_site_R=S_fu / sites,
        S_mixing_R=S_mix,
    )


def mixing_site_entropy(sublattices: Sequence[Sublattice], per_sublattice: Mapping[str, float]) -> float:
    """Entropy per site of the mixing sublattice(s), the value that classifies a compound (science.md 2).

    The review classifies (MgCoNiCuZn)O by its cation sublattice (1.609 R, high), never by the
    whole-atom value; with several mixing sublattices their site-weighted mean is used. Without any
    mixing sublattice the compound does not mix and the value is 0.
    """
    mixing = mixing_sublattices(sublattices)
    sites = sum(s.multiplicity for s in mixing)
    if not mixing or sites <= 0:
        return 0.0
    return float(sum(s.multiplicity * per_sublattice[s.name] for s in mixing) / sites)


def bulk_result(elements: tuple[str, ...], counts: np.ndarray) -> BulkResult:
    """Composition and entropy of the whole ROI over the entropy elements."""
    total = int(counts.sum())
    S = mixing_entropy(counts)
    return BulkResult(
        counts={e: int(c) for e, c in zip(elements, counts)},
        fractions={e: float(c / total) for e, c in zip(elements, counts)},
        S_R=S,
        S_J_per_molK=to_joules(S),
        cls=classify(S),
        S_ideal_R=ideal_entropy(len(elements)),
    )
