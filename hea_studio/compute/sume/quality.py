"""Warnings that say when a SUME should not be trusted as it stands (science.md 5)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hea_studio.compute.lac.binning import PreparedRoi
from hea_studio.core.results import MIN_FIT_CUBES, AnalysisWarning, ScaleResult, SumeResult

NOT_LEVELLED_SEMS = 3.0
NOT_LEVELLED_BULK_SHARE = 0.005
MIXED_PHASE_DIFFERENCE = 0.05
AXES = "xyz"


def range_edge_warning(sume: SumeResult | None, curve: Sequence[ScaleResult]) -> AnalysisWarning | None:
    """``sume_at_range_edge``: L* at the first fitted edge or within the last two."""
    fitted = [s.size_nm for s in curve if s.in_fit]
    if sume is None or len(fitted) < 3:
        return None
    L = sume.edge_nm
    tol = 1e-9 * max(fitted)
    if fitted[-2] - tol <= L:
        return AnalysisWarning(
            "sume_at_range_edge",
            f"SUME {L:.2f} nm lies within the two largest fitted edges ({fitted[-2]:g}-{fitted[-1]:g} nm): "
            "the curve does not level off in the analysed range; use larger edges or another box",
        )
    if fitted[0] + tol >= L:
        return AnalysisWarning(
            "sume_at_range_edge",
            f"SUME is at the smallest fitted edge ({fitted[0]:g} nm): the entropy shows no descending "
            "branch in the fitted range; the true value may be smaller (use smaller edges, if they are "
            "not undersampled)",
        )
    return None


def few_cubes_warning(curve: Sequence[ScaleResult]) -> AnalysisWarning | None:
    """``few_cubes``: edges that hold cubes, but fewer than 8, so they could not enter the fit."""
    few = [s for s in curve if 0 < s.n_cubes < MIN_FIT_CUBES]
    if not few:
        return None
    listed = ", ".join(f"{s.size_nm:g} nm ({s.n_cubes})" for s in few)
    return AnalysisWarning(
        "few_cubes",
        f"edge(s) {listed} hold fewer than {MIN_FIT_CUBES} cubes and were left out of the fit: "
        "the box is too small for them; use a larger box or smaller edges",
    )


def not_levelled_warning(curve: Sequence[ScaleResult], S_bulk: float) -> AnalysisWarning | None:
    """``not_levelled``: the two largest fitted edges still sit clearly below the bulk entropy.

    science.md 5 compares S_mean with S_bulk at 3 S_sem. Counting noise alone keeps S_mean below
    S_bulk by about (K-1)/(2n), and for a near-equimolar random alloy S_sem is of the same order, so
    that test fired on random alloys. The drop is therefore measured from the random-mixing
    expectation (the deficit D = S_null - S_mean, which tends to S_bulk - S_mean at large L), and,
    as for the null-corrected SUME, it must also exceed 0.5 % of S_bulk to count.
    """
    fitted = [s for s in curve if s.in_fit and s.deficit is not None]
    last = fitted[-2:]
    if len(last) < 2:
        return None
    below = []
    for s in last:
        sem = s.S_sem if s.S_sem is not None else 0.0
        drop = float(s.deficit)  # type: ignore[arg-type]
        if drop <= max(NOT_LEVELLED_SEMS * sem, NOT_LEVELLED_BULK_SHARE * S_bulk):
            return None
        below.append(f"{s.size_nm:g} nm: {drop:.4f} R")
    return AnalysisWarning(
        "not_levelled",
        "the curve has not reached the bulk entropy at the largest edges ("
        + "; ".join(below)
        + " below the random-mixing value): the box is not homogeneous at the largest scale analysed; "
        "use larger edges or a larger box",
    )


def half_compositions(prep: PreparedRoi) -> list[tuple[np.ndarray, np.ndarray]]:
    """Fractions of the entropy elements in the lower and upper half of the box along x, y and z."""
    upper = prep.half_counts().astype(np.float64)
    bulk = prep.bulk_counts().astype(np.float64)
    out = []
    for axis in range(3):
        hi = upper[axis]
        lo = bulk - hi
        out.append((lo / max(lo.sum(), 1.0), hi / max(hi.sum(), 1.0)))
    return out


def mixed_phase_warning(prep: PreparedRoi) -> AnalysisWarning | None:
    """``mixed_phases``: an element's fraction differs by more than 5 at.% between the box's halves."""
    worst = None
    for axis, (lo, hi) in enumerate(half_compositions(prep)):
        if lo.sum() == 0 or hi.sum() == 0:
            continue
        k = int(np.argmax(np.abs(hi - lo)))
        diff = abs(float(hi[k] - lo[k]))
        if diff > MIXED_PHASE_DIFFERENCE and (worst is None or diff > worst[0]):
            worst = (diff, axis, k, float(lo[k]), float(hi[k]))
    if worst is None:
        return None
    diff, axis, k, a, b = worst
    return AnalysisWarning(
        "mixed_phases",
        f"{prep.elements[k]} is {100 * a:.1f} at.% in the lower and {100 * b:.1f} at.% in the upper half "
        f"of the box along {AXES[axis]}: the box probably straddles an interface; SUME assumes one "
        "homogeneous phase, so place the box inside one phase",
    )


def analysis_warnings(
    prep: PreparedRoi, curve: Sequence[ScaleResult], S_bulk: float, sume: SumeResult | None
) -> tuple[AnalysisWarning, ...]:
    """All warnings of science.md 5 for one analysis, in a fixed order."""
    found = (
        range_edge_warning(sume, curve),
        few_cubes_warning(curve),
        not_levelled_warning(curve, S_bulk),
        mixed_phase_warning(prep),
    )
    return tuple(w for w in found if w is not None)
