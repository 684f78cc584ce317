"""Frequency distribution analysis per cube edge (science.md 6) and the chi-square survival function.

For each element, the histogram of its count per cube is compared with what random mixing predicts.
Cubes hold different numbers of atoms n, so the expectation is the mixture of Binomial(n_c, p) over
the cubes c rather than a single binomial (the classic fixed-block analysis is the special case of
equal n). Adjacent bins are merged until each expects at least 5 cubes, the usual validity rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hea_studio.compute.reference import _kernels

MIN_EXPECTED = 5.0


def _gamma_p_series(a: float, x: float) -> float:
    # P(a, x) = x^a e^-x / Gamma(a + 1) * sum_k x^k / ((a + 1)...(a + k)); converges fast for x < a + 1.
    term = 1.0 / a
    total = term
    ap = a
    for _ in range(10000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * 1e-16:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_q_contfrac(a: float, x: float) -> float:
    # Q(a, x) by the Legendre continued fraction, evaluated with the modified Lentz method.
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a)."""
    if a <= 0:
        raise ValueError("a must be positive")
    if x <= 0:
        return 1.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _gamma_p_series(a, x))
    return min(1.0, _gamma_q_contfrac(a, x))


def chi2_sf(chi2: float, dof: int) -> float:
    """Survival function (p-value) of the chi-square distribution with ``dof`` degrees of freedom."""
    if dof <= 0:
        raise ValueError("degrees of freedom must be positive")
    return gamma_q(dof / 2.0, chi2 / 2.0)


@dataclass(frozen=True)
class FdaResult:
    """Frequency distribution test of one element at one edge.

    ``p_value`` is ``None`` when merging left a single bin (no degrees of freedom). ``observed``
    and ``expected`` are the cubes per count (index: atoms of the element in a cube), unmerged.
    """

    chi2: float
    dof: int
    p_value: float | None
    mu: float
    observed: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)


def atom_count_groups(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct atom counts per cube and how many cubes hold each (bincount: no sort needed)."""
    hist = np.bincount(n)
    uniq = np.flatnonzero(hist)
    return uniq.astype(np.int64), hist[uniq].astype(np.float64)


def frequency_distribution(
    k: np.ndarray, n: np.ndarray, p: float, groups: tuple[np.ndarray, np.ndarray] | None = None
) -> FdaResult:
    """Chi-square test of one element's counts per cube against random mixing of atoms.

    Parameters
    ----------
    k
        Atoms of the element in each cube.
    n
        Atoms (all entropy elements) in each cube.
    p
        Bulk fraction of the element.
    groups
        :func:`atom_count_groups` of ``n``, when the caller already has them.
    """
    if k.size == 0:
        return FdaResult(0.0, 0, None, 0.0)
    length = int(n.max()) + 1
    uniq, weights = groups if groups is not None else atom_count_groups(n)
    expected = _kernels.binomial_mixture_hist(uniq, weights, float(p), length)
    return chi2_against(k, expected, int(n.sum()))


def chi2_against(k: np.ndarray, expected: np.ndarray, n_atoms: int) -> FdaResult:
    """Chi-square of the histogram of ``k`` against ``expected`` cubes per count (science.md 6).

    Bins are merged until each expects :data:`MIN_EXPECTED` cubes; the degrees of freedom are the
    merged bins - 2, because the element's fraction is estimated from the same cubes. Pearson's
    mu = sqrt(chi2 / (N + chi2)) with N the number of atoms in the cubes (Moody et al. 2008), so a
    random alloy reads near 0 however many cubes there are and complete separation near 1.

    Parameters
    ----------
    k
        Atoms of the element in each cube.
    expected
        Expected number of cubes holding each count 0..len-1 (at least ``k.max() + 1`` long).
    n_atoms
        Atoms of all entropy elements in these cubes.
    """
    if k.size == 0:
        return FdaResult(0.0, 0, None, 0.0)
    observed = np.bincount(k, minlength=expected.size).astype(np.float64)
    if observed.size > expected.size:
        expected = np.concatenate([expected, np.zeros(observed.size - expected.size)])
    chi2, bins = _kernels.merged_chi2(observed, np.ascontiguousarray(expected), MIN_EXPECTED)
    dof = int(bins) - 2
    if bins <= 1:
        # One merged bin: observed and expected totals are both the number of cubes, so chi2 is 0
        # up to rounding, and there is nothing to test.
        chi2 = 0.0
    p_value = chi2_sf(chi2, dof) if dof > 0 else None
    mu = math.sqrt(chi2 / (n_atoms + chi2)) if n_atoms + chi2 > 0 else 0.0
    return FdaResult(chi2, max(dof, 0), p_value, mu, observed, np.asarray(expected, dtype=np.float64))
