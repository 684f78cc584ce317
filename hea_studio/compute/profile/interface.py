"""Is there an interface in a composition profile? A significance test, not a threshold.

The old finder compared the end plateaus of a species' concentration and called any large enough
difference an interface; a slow drift (2 at.% of hydrogen over a pure Si run, as the field and the
tip radius change) passed it. Here a species has an interface only if a step (two levels meeting
at one position) explains its slab concentrations much better than a straight line does, with
binomial weights: the drop of chi-square from the line to the step must exceed
:data:`DELTA_CHI2` (one more parameter; about 5 standard deviations), and the step must still be
:data:`MIN_STEP` high and :data:`SIGMAS` standard errors between the end plateaus. Qt-free, so the
window, ``hea-studio profile`` and the report use the same test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hea_studio.compute.profile.slabs import CompositionProfile

DELTA_CHI2 = 25.0
SIGMAS = 5.0
MIN_STEP = 0.02
PLATEAU_SHARE = 0.25


@dataclass(frozen=True)
class InterfaceTest:
    """The outcome of :func:`interface_test` for one species.

    Parameters
    ----------
    position_nm
        Where the concentration crosses half-way between the end plateaus (``None``: no interface).
    step
        Difference of the end plateaus (fraction, signed: last minus first).
    chi2_line, chi2_step
        Chi-square of the best straight line and of the best two-level step.
    significant
        True when the step beats the line by more than :data:`DELTA_CHI2` and the plateaus differ
        enough: the profile has an interface.
    """

    position_nm: float | None
    step: float
    chi2_line: float
    chi2_step: float
    significant: bool


def _chi2_line(x: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    design = np.column_stack([np.ones_like(x), x])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], p * sw, rcond=None)
    return float(np.sum(w * (p - design @ coef) ** 2))


def _chi2_step(p: np.ndarray, w: np.ndarray) -> float:
    """The best two-level step over every split (at least two slabs a side)."""
    cw, cwp, cwp2 = np.cumsum(w), np.cumsum(w * p), np.cumsum(w * p * p)
    best = np.inf
    for s in range(2, len(p) - 1):
        left = cwp2[s - 1] - cwp[s - 1] ** 2 / cw[s - 1]
        rw, rwp, rwp2 = cw[-1] - cw[s - 1], cwp[-1] - cwp[s - 1], cwp2[-1] - cwp2[s - 1]
        best = min(best, left + rwp2 - rwp**2 / rw)
    return float(best)


def interface_test(
    profile: CompositionProfile, species: str, plateau_share: float = PLATEAU_SHARE
) -> InterfaceTest:
    """Test whether the concentration of ``species`` along ``profile`` steps at an interface.

    Parameters
    ----------
    profile
        Slab counts along an axis.
    species
        One of ``profile.species``.
    plateau_share
        The share of the occupied slabs at each end that makes a plateau.

    Returns
    -------
    InterfaceTest
        With ``position_nm`` the half-way crossing (three-slab running mean, interpolated) when
        the test is significant, else ``None``.
    """
    j = profile.species.index(species)
    n = profile.totals
    occupied = n > 0
    none = InterfaceTest(None, 0.0, 0.0, 0.0, False)
    if occupied.sum() < 5:
        return none
    x = profile.centres_nm[occupied].astype(np.float64)
    k = profile.counts[occupied, j].astype(np.float64)
    m = n[occupied].astype(np.float64)
    p = k / m
    width = max(2, round(len(x) * plateau_share))
    p_a, p_b = k[:width].sum() / m[:width].sum(), k[-width:].sum() / m[-width:].sum()
    m_a, m_b = m[:width].sum(), m[-width:].sum()
    se = np.sqrt(p_a * (1 - p_a) / m_a + p_b * (1 - p_b) / m_b)
    # Binomial weights from the species' mean share (a slab with no atom of it still counts).
    mean = float(k.sum() / m.sum())
    w = m / max(mean * (1.0 - mean), 1e-9)
    chi2_line, chi2_step = _chi2_line(x, p, w), _chi2_step(p, w)
    step = float(p_b - p_a)
    significant = chi2_line - chi2_step > DELTA_CHI2 and abs(step) > max(SIGMAS * float(se), MIN_STEP)
    if not significant:
        return InterfaceTest(None, step, chi2_line, chi2_step, False)
    return InterfaceTest(_crossing(x, p, p_a, p_b), step, chi2_line, chi2_step, True)


def _crossing(x: np.ndarray, p: np.ndarray, p_a: float, p_b: float) -> float | None:
    """Where the three-slab running mean of ``p`` first crosses half-way from ``p_a`` to ``p_b``."""
    half = 0.5 * (p_a + p_b)
    if len(p) >= 3:
        p = np.convolve(np.pad(p, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    above = (p - half) * np.sign(p_b - p_a) > 0
    crossings = np.flatnonzero(~above[:-1] & above[1:])
    if len(crossings) == 0:
        return None
    i = int(crossings[0])
    x0, x1, y0, y1 = x[i], x[i + 1], p[i], p[i + 1]
    if y1 == y0:
        return float(0.5 * (x0 + x1))
    return float(x0 + (half - y0) * (x1 - x0) / (y1 - y0))
