"""Warnings that say when a SUME should not be trusted as it stands (science.md 5).

Every warning names the SUMEs it concerns (``applies_to``: JSON keys such as ``"sume"`` and
``"sume_apparent"``, or ``"all"``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from hea_studio.compute.lac.binning import PreparedRoi
from hea_studio.compute.sume.fits import deficit_significant
from hea_studio.core.geometry import whole_cubes
from hea_studio.core.results import MIN_FIT_CUBES, AnalysisWarning, ScaleResult, SumeResult

MIXED_PHASE_DIFFERENCE = 0.05
MIXED_PHASE_SIGMAS = 5.0
INSIDE_SHARE_WARN = 0.9
# Cubes judged inside the specimen hold at least this share of the typical (90th percentile) count.
# Low: the phases of one specimen can differ in detected density by several times (an oxide on Si),
# while a cube outside the specimen holds nothing and one cut by the surface a fraction.
_INSIDE_DENSITY_SHARE = 0.2
# The edge used for the inside test holds at least this many atoms per cube on average (counting
# noise of ~10 %, far from the 20 % cut).
_INSIDE_MIN_ATOMS = 100.0
AXES = "xyz"

NAMES = {"sume": "SUME", "sume_apparent": "apparent SUME"}


def _label(key: str) -> str:
    if key.startswith("sume_variants."):
        return f"SUME variant {key.split('.', 1)[1]}"
    return NAMES.get(key, key)


def range_edge_warning(sumes: Mapping[str, SumeResult | None]) -> AnalysisWarning | None:
    """``sume_at_range_edge``: any SUME that is only a bound at an end of the fitted range.

    A deficit hinge that is ``below_range`` is a finding (random down to the smallest edge), not a
    fit that ran out of range, so it does not warn.
    """
    upper = [k for k, s in sumes.items() if s is not None and s.at_least_nm is not None]
    lower = [k for k, s in sumes.items() if s is not None and s.at_most_nm is not None and not s.below_range]
    if not upper and not lower:
        return None
    parts = []
    if upper:
        bound = min(sumes[k].at_least_nm for k in upper)  # type: ignore[union-attr,type-var]
        parts.append(
            f"{' and '.join(_label(k) for k in upper)} not levelled by the largest fitted edges "
            f"(>= {bound:.2f} nm): use larger edges or a larger box"
        )
    if lower:
        bound = min(sumes[k].at_most_nm for k in lower)  # type: ignore[union-attr,type-var]
        parts.append(
            f"{' and '.join(_label(k) for k in lower)} at the smallest fitted edge (<= {bound:.2f} nm): "
            "the true value may be smaller; smaller edges need more atoms per cube (a denser "
            "detector or a lower min_atoms)"
        )
    return AnalysisWarning("sume_at_range_edge", "; ".join(parts), tuple(upper + lower))


def few_cubes_warning(curve: Sequence[ScaleResult]) -> AnalysisWarning | None:
    """``few_cubes``: edges whose tiling holds fewer than 8 occupied cubes: the box is too small
    for them (an undersampled *small* edge has plenty of cubes; it is left out for another reason)."""
    few = [s for s in curve if 0 < max(s.n_occupied, s.n_cubes) < MIN_FIT_CUBES]
    if not few:
        return None
    listed = ", ".join(f"{s.size_nm:g} nm ({max(s.n_occupied, s.n_cubes)})" for s in few)
    smallest = min(s.size_nm for s in few)
    return AnalysisWarning(
        "few_cubes",
        f"edge(s) {listed} fit fewer than {MIN_FIT_CUBES} cubes into the box and were left out of the "
        f"fit: enlarge the box to at least {2 * smallest:g} nm on every side, or end the edge list "
        f"below {smallest:g} nm",
        ("all",),
    )


def not_levelled_warning(curve: Sequence[ScaleResult], S_bulk: float) -> AnalysisWarning | None:
    """``not_levelled``: the deficit is still significant at the largest fitted edge.

    Significant as for the deficit SUME: D > max(2 S_sem, 0.5 % S_bulk). This also covers science.md's
    "S_mean more than max(3 S_sem, 0.5 % S_bulk) below the random-mixing value", which is stricter.
    The drop is measured from the random-mixing expectation, not from S_bulk: counting noise alone
    keeps S_mean below S_bulk by about (K-1)/(2n).
    """
    fitted = [s for s in curve if s.in_fit and s.deficit is not None]
    if not fitted or not deficit_significant(fitted[-1], S_bulk):
        return None
    last = fitted[-1]
    return AnalysisWarning(
        "not_levelled",
        f"at the largest fitted edge ({last.size_nm:g} nm) the entropy is still {float(last.deficit):.4f} R "  # type: ignore[arg-type]
        "below the random-mixing value: the box is not homogeneous at the largest scale analysed; "
        "use larger edges or a larger box",
        ("all",),
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


def predicted_half_sd(
    curve: Sequence[ScaleResult], elements: Sequence[str], half_volume: float
) -> np.ndarray | None:
    """Standard deviation of an element's fraction over half-box volumes that the curve predicts.

    The spread of x_i over cubes of the largest edge with >= 8 cubes, scaled to the half-box volume as
    independent cubes average (sd ~ V^-1/2): beyond the largest edge analysed the material is taken
    to be homogeneous. Long-range clustering shows in that spread and raises the prediction; an
    interface does not average out, so its halves differ far beyond it.
    """
    usable = [
        s
        for s in curve
        if s.n_cubes >= MIN_FIT_CUBES and all(s.conc_std.get(e) is not None for e in elements)
    ]
    if not usable:
        return None
    s = usable[-1]
    sd = np.array([float(s.conc_std[e]) for e in elements])  # type: ignore[arg-type]
    return sd * math.sqrt(s.size_nm**3 / max(half_volume, s.size_nm**3))


def mixed_phase_warning(prep: PreparedRoi, curve: Sequence[ScaleResult]) -> AnalysisWarning | None:
    """``mixed_phases``: the box's halves differ by > 5 at.% and by > 5 sigma of the fluctuation the
    curve predicts for a half-box volume (:func:`predicted_half_sd`)."""
    sd = predicted_half_sd(curve, prep.elements, 0.5 * float(np.prod(prep.box.size)))
    worst = None
    for axis, (lo, hi) in enumerate(half_compositions(prep)):
        if lo.sum() == 0 or hi.sum() == 0:
            continue
        diff = np.abs(hi - lo)
        # science.md 5: the halves differ by > 5 sigma of the fluctuation predicted for a half-box volume.
        sigma = sd if sd is not None else np.zeros_like(diff)
        z = np.where(sigma > 0, diff / np.maximum(sigma, 1e-300), np.inf)
        hits = (diff > MIXED_PHASE_DIFFERENCE) & (z > MIXED_PHASE_SIGMAS)
        if not hits.any():
            continue
        k = int(np.argmax(np.where(hits, diff, -1.0)))
        if worst is None or diff[k] > worst[0]:
            worst = (float(diff[k]), axis, k, float(lo[k]), float(hi[k]), float(z[k]))
    if worst is None:
        return None
    _, axis, k, a, b, z_worst = worst
    return AnalysisWarning(
        "mixed_phases",
        f"{prep.elements[k]} is {100 * a:.1f} at.% in the lower and {100 * b:.1f} at.% in the upper half "
        f"of the box along {AXES[axis]}, {z_worst:.0f} times the spread the curve predicts for half-box volumes: "
        "the box probably straddles an interface; SUME assumes one homogeneous phase, so place the "
        "box inside one phase",
        ("all",),
    )


def inside_share(curve: Sequence[ScaleResult], box_size: Sequence[float] | np.ndarray) -> float | None:
    """Share of the box inside the specimen, from the curve's own cubes (no extra pass).

    At the smallest edge whose cubes hold >= 100 atoms on average, a grid cube counts as inside when it
    holds at least a fifth of the typical (90th percentile) count; the share is over all grid cubes that fit
    in the box. Needs the per-cube counts (a live analysis, not one read back from JSON).
    """
    for s in curve:
        if s.n_cubes == 0 or s.cube_n.size != s.n_cubes or (s.mean_atoms or 0.0) < _INSIDE_MIN_ATOMS:
            continue
        grid = int(np.prod([whole_cubes(float(v), s.size_nm) for v in box_size]))  # the tilings' count
        if grid < MIN_FIT_CUBES:
            return None
        typical = float(np.percentile(s.cube_n, 90))
        inside = int(np.count_nonzero(s.cube_n >= _INSIDE_DENSITY_SHARE * typical))
        return min(1.0, inside / grid)
    return None


def outside_warning(
    curve: Sequence[ScaleResult], box_size: Sequence[float] | np.ndarray, mode: str
) -> AnalysisWarning | None:
    """``box_outside_specimen``: < 90 % of the box lies inside the specimen (tiling mode)."""
    if mode != "tiling":
        return None
    share = inside_share(curve, box_size)
    if share is None or share >= INSIDE_SHARE_WARN:
        return None
    return AnalysisWarning(
        "box_outside_specimen",
        f"only {100 * share:.0f} % of the box lies inside the specimen: its outer cubes are empty or cut "
        "by the surface, so the curve rests on part of the box; move or shrink the box into the specimen",
        ("all",),
    )


def analysis_warnings(
    prep: PreparedRoi,
    curve: Sequence[ScaleResult],
    S_bulk: float,
    sumes: Mapping[str, SumeResult | None],
    mode: str = "tiling",
) -> tuple[AnalysisWarning, ...]:
    """All warnings of science.md 5 for one analysis, in a fixed order."""
    found = (
        range_edge_warning(sumes),
        few_cubes_warning(curve),
        not_levelled_warning(curve, S_bulk),
        mixed_phase_warning(prep, curve),
        outside_warning(curve, prep.box.size, mode),
    )
    return tuple(w for w in found if w is not None)
