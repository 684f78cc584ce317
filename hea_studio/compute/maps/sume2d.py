"""The SUME of a map in projection: the deficit hinge of science.md 5 on the 2D curve (science.md 9).

The hinge fit, its replicate interval and the below-range rule are the project's own
(:func:`hea_studio.compute.sume.fits.hinge_fit`, :func:`hea_studio.compute.sume.estimate.hinge_result`,
:func:`~hea_studio.compute.sume.estimate.edge_subsets`); this module only feeds them patch sides instead
of cube edges and replicates built from patches (bootstrap over patches on shifted tiling origins).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hea_studio.compute.maps.lac2d import PatchScale, patch_values
from hea_studio.compute.sume.estimate import SLOPE_ZERO_SHARE, edge_subsets, hinge_result, resample_mean
from hea_studio.compute.sume.fits import hinge_fit

NULL_SEM_FACTOR = 2.0
NULL_BULK_SHARE = 0.005
N_SHIFTS = 4
RESOLUTION_FACTOR = 0.6  # the hinge resolves about 0.6 x the edge spacing (science.md 5)


@dataclass(frozen=True)
class Replicates:
    """Replicate deficit curves (B, n) of the fitted sides and the 0/1 edge subsets of each row."""

    D: np.ndarray
    keep: np.ndarray


def significant(s: PatchScale, S_bulk: float) -> bool:
    """D > max(2 SEM, 0.005 S_bulk), the SEM including the reference's Monte Carlo error."""
    if s.deficit is None or s.S_sem is None:
        return False
    sem = math.hypot(s.S_sem, s.S_null_error or 0.0)
    return s.deficit > max(NULL_SEM_FACTOR * sem, NULL_BULK_SHARE * S_bulk)


def replicate_deficits(
    maps: np.ndarray,
    fitted: list[PatchScale],
    k_factors: np.ndarray,
    min_counts: float,
    n_rep: int,
    seed: int,
    n_shifts: int = N_SHIFTS,
) -> Replicates:
    """Deficit replicates: patches resampled on the analysed grid and ``n_shifts - 1`` shifted origins.

    Shifting the grid by a fraction of the patch side changes which pixels share a patch, the 2D
    counterpart of the cube grid shifts of science.md 5.
    """
    n = len(fitted)
    D = np.empty((n_rep, n))
    rng = np.random.default_rng([int(seed), 0x2D])
    shift_of_row = np.arange(n_rep) % n_shifts
    fr = rng.random((n_shifts, 2))
    fr[0] = 0.0
    for j, s in enumerate(fitted):
        for sh in range(n_shifts):
            rows = np.flatnonzero(shift_of_row == sh)
            if rows.size == 0:
                continue
            if sh == 0:
                S = s.patch_entropy
            else:
                oy, ox = (int(v) for v in np.floor(fr[sh] * s.size_px))
                S = patch_values(maps, s.size_px, oy, ox, k_factors, min_counts)[0]
            if S.size < 2:
                S = s.patch_entropy
            stream = (int(seed) * 1_000_003 + sh * 104_729 + j * 7919 + 17) % (2**63)
            D[rows, j] = float(s.S_null) - resample_mean(S, rows.size, stream)  # type: ignore[arg-type]
    return Replicates(D, edge_subsets(n_rep, n, seed))


def sume_object(
    curve: list[PatchScale],
    S_bulk: float,
    reps: Replicates | None,
    thickness_nm: float,
    seed: int,
) -> tuple[dict, list[dict]]:
    """The projected SUME (cli.md round 3 keys) and its warnings.

    Returns
    -------
    sume, warnings
        ``sume`` has ``method``, ``edge_nm`` (None when only a bound is known), ``at_least_nm``,
        ``at_most_nm``, ``below_range``, ``ci95_nm``, ``edge_sensitivity_nm``, ``resolution_nm``,
        ``thickness_nm``, ``area_nm2``, ``column_volume_nm3``, ``reason``.
    """
    warnings: list[dict] = []
    fitted = [s for s in curve if s.in_fit]
    base: dict[str, Any] = {
        "method": "hinge-deficit",
        "projection": True,
        "thickness_nm": thickness_nm,
        "edge_nm": None,
        "at_least_nm": None,
        "at_most_nm": None,
        "below_range": False,
        "ci95_nm": None,
        "edge_sensitivity_nm": None,
        "resolution_nm": None,
        "area_nm2": None,
        "column_volume_nm3": None,
        "reason": None,
    }
    few = [s.size_nm for s in curve if s.n_patches < 8]
    if few:
        warnings.append(
            {
                "code": "few_cubes",
                "message": f"patch sides {', '.join(f'{v:g}' for v in few)} nm hold fewer than 8 patches with >= min_counts counts: "
                "draw a larger region or use smaller patches",
                "applies_to": ["sume"],
            }
        )
    if len(fitted) < 3:
        base["reason"] = (
            f"the curve has {len(fitted)} fitted patch side(s) (>= 8 patches, 5th percentile of counts per "
            "patch >= min_counts); a SUME needs at least 3"
        )
        return base, warnings
    L = np.array([s.size_nm for s in fitted])
    D = np.array([float(s.deficit) for s in fitted])  # type: ignore[arg-type]
    res = hinge_result(L, D, 0.0, "hinge-deficit", None, 0.0, None if reps is None else reps.D,
                       None if reps is None else reps.keep)  # fmt: skip
    spacing = float(np.median(np.diff(L))) if L.size > 1 else 0.0
    base["resolution_nm"] = RESOLUTION_FACTOR * spacing
    any_sig = any(significant(s, S_bulk) for s in fitted)
    zero_share = None
    if reps is not None:
        zero_share = float(np.mean(hinge_fit(L, reps.D).slope <= 0.0))
    if not any_sig or (zero_share is not None and zero_share >= SLOPE_ZERO_SHARE):
        base.update(below_range=True, at_most_nm=float(L[0]))
        base["reason"] = f"random down to {L[0]:.3g} nm: no fitted patch side shows a significant deficit"
        return base, warnings
    subsets = edge_subsets(200, L.size, seed + 1)
    sens = hinge_fit(L, np.broadcast_to(D, subsets.shape), subsets).edge
    sens = sens[np.isfinite(sens)]
    if sens.size >= 2:
        lo, hi = np.percentile(sens, [2.5, 97.5])
        base["edge_sensitivity_nm"] = [float(lo), float(hi)]
    # The fitted L* (edge_nm is null when only a bound is known; fit_edge_nm always holds it).
    assert res.fit_edge_nm is not None
    edge = float(res.fit_edge_nm)
    ci = list(res.ci95_nm) if res.ci95_nm is not None and res.edge_nm is not None else None
    if edge >= L[-1] - 1e-9:
        base.update(at_least_nm=float(L[-1]), ci95_nm=[float(L[-1]), None])
        warnings.append(
            {"code": "sume_at_range_edge", "message": f"the projected SUME is at or beyond the largest fitted side "
             f"({L[-1]:.3g} nm): >= {L[-1]:.3g} nm (not levelled)", "applies_to": ["sume"]}
        )  # fmt: skip
    elif edge <= L[0] + 1e-9:
        base.update(at_most_nm=float(L[0]))
        warnings.append(
            {"code": "sume_at_range_edge", "message": f"the projected SUME is at the smallest fitted side "
             f"({L[0]:.3g} nm): an upper bound", "applies_to": ["sume"]}
        )  # fmt: skip
    else:
        base["edge_nm"] = edge
        if ci is not None and (ci[0] is None or ci[1] is None or ci[1] - ci[0] <= 0):
            ci = None
        base["ci95_nm"] = ci
        base["area_nm2"] = edge * edge
        base["column_volume_nm3"] = edge * edge * thickness_nm
    last = fitted[-1]
    if significant(last, S_bulk):
        warnings.append(
            {"code": "not_levelled", "message": f"the deficit is still significant at the largest fitted side "
             f"({last.size_nm:.3g} nm)", "applies_to": ["sume"]}
        )  # fmt: skip
    base["slope_ci95"] = list(res.slope_ci95) if res.slope_ci95 is not None else None
    return base, warnings
