"""SUME estimates with an interval that covers the cube sample and the tiling origin (science.md 5).

The curve is measured on one tiling, anchored at the ROI's minimum corner. That origin is arbitrary:
moving the grid by a fraction of L changes which atoms share a cube, and with clusters of a few nm
it moves S_mean(L) by more than its standard error. The interval therefore comes from replicates
that each pick one of several tilings (the analysed one and ``n_shifts - 1`` grids shifted by random
fractions of L along x, y and z) and resample that tiling's cubes with replacement at every fitted
edge. Each replicate curve is fitted exactly like the measured one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.compute.common import _kernels as common_kernels
from hea_studio.compute.lac.binning import PreparedRoi
from hea_studio.compute.lac.curve import reference_table
from hea_studio.compute.reference.atoms import NullEntropyTable
from hea_studio.compute.reference.ions import IonNullTable
from hea_studio.compute.sume import _kernels
from hea_studio.compute.sume.fits import deficit_significant, hinge_fit, tangent_fit, unit_cells
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.results import Line, ScaleResult, SumeResult
from hea_studio.core.settings import Lattice

Reference = NullEntropyTable | IonNullTable

N_SHIFTS = 8
"""Tilings the replicates draw from by default: the analysed grid and seven shifted ones (science.md 5)."""

EXACT_RESAMPLE_CUBES = 20_000
"""Above this many cubes the bootstrap means come from their normal limit (see :func:`resample_means`)."""

EDGE_KEEP = 0.75
"""Share of the fitted edges each replicate's hinge fit uses (see :func:`edge_subsets`)."""

# A hinge slope counts as significantly above 0 when fewer than this share of replicates give 0.
SLOPE_ZERO_SHARE = 0.025


@dataclass(frozen=True)
class CubeSamples:
    """Per-cube entropy ``S`` and random-mixing deficit ``D = S_null(n) - S`` of one tiling at one edge."""

    S: np.ndarray
    D: np.ndarray


@dataclass(frozen=True)
class Replicates:
    """Replicate curves over the fitted edges: S_mean and deficit, shape (B, n_fit), and their tilings."""

    S: np.ndarray
    D: np.ndarray
    shift_of_row: np.ndarray

    @property
    def n(self) -> int:
        return int(self.S.shape[0])


def shift_fractions(n_shifts: int, seed: int) -> np.ndarray:
    """Grid-origin offsets as fractions of L, shape (n_shifts, 3); row 0 is the analysed (unshifted) grid."""
    rng = np.random.default_rng([int(seed), 0x5EED_5])
    out = rng.uniform(0.0, 1.0, (max(n_shifts, 1), 3))
    out[0] = 0.0
    return out


def tiling_samples(
    prep: PreparedRoi,
    L: float,
    fraction: np.ndarray,
    min_atoms: int,
    null: Reference,
    voxel: float | None = None,
) -> CubeSamples:
    """Cube entropies and deficits of the tiling of edge ``L`` whose origin is shifted by ``fraction * L``.

    With molecular ions (``prep.ion_level``) a cube's random-mixing value depends on how many *ions*
    it holds (science.md 4), so the ions are counted on the same shifted grid.
    """
    counts, off, shape = prep.tile_counts_shifted(L, fraction, voxel)
    if counts.shape[0] == 0:
        return CubeSamples(np.empty(0), np.empty(0))
    keep, S, n, _xm, _xs = common_kernels.cube_stats(counts, int(min_atoms))
    if isinstance(null, IonNullTable):
        ions = prep.shifted_ion_counts(L, off, shape)
        if ions is not None:
            return CubeSamples(S, null(ions[keep]) - S)
    return CubeSamples(S, null(n) - S)


def resample_means(a: np.ndarray, b: np.ndarray, n_boot: int, stream: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of ``n_boot`` paired bootstrap resamples of the cube values ``a`` and ``b``.

    Up to :data:`EXACT_RESAMPLE_CUBES` cubes every resample is drawn index by index. Above that the
    resampled means are drawn from their large-sample law, a bivariate normal with the sample means
    and the sample covariance / n: by the central limit theorem the two agree to O(1/n) in their
    percentiles, and the cost drops from n per replicate to O(1) (a 1e8-ion box holds millions of
    1 nm cubes, which made the exact resampling the slowest step of the analysis).
    """
    n = a.shape[0]
    if n <= EXACT_RESAMPLE_CUBES:
        return _kernels.bootstrap_pair_means(np.ascontiguousarray(a), np.ascontiguousarray(b), n_boot, stream)
    mean = np.array([a.mean(), b.mean()])
    cov = np.cov(np.vstack([a, b])) / n
    draws = np.random.default_rng(stream).multivariate_normal(mean, cov, size=n_boot, method="eigh")
    return draws[:, 0].copy(), draws[:, 1].copy()


def resample_mean(a: np.ndarray, n_boot: int, stream: int) -> np.ndarray:
    """:func:`resample_means` of one cube value: the same indices up to :data:`EXACT_RESAMPLE_CUBES`
    cubes (those of ``bootstrap_means``), the same normal limit above."""
    n = a.shape[0]
    if n <= EXACT_RESAMPLE_CUBES:
        return _kernels.bootstrap_means(np.ascontiguousarray(a), n_boot, stream)
    return np.random.default_rng(stream).normal(a.mean(), a.std(ddof=1) / math.sqrt(n), n_boot)


def edge_subsets(n_rep: int, n_edges: int, seed: int, forced: int = 2) -> np.ndarray:
    """0/1 weights (n_rep, n_edges): random subsets of :data:`EDGE_KEEP` of the fitted edges.

    The APT analysis uses them for the edge-list sensitivity (``edge_sensitivity_nm``, science.md 5)
    with ``forced=0``: forcing the two smallest edges in collapsed the spread when L* lay between them
    (round 3: 2.42 [2.39, 2.45] against 2.70 on another list). ``forced`` keeps the first edges in every
    subset (the map SUMEs still use 2). At least three edges always remain.
    """
    rng = np.random.default_rng([int(seed), 0xED6E5])
    keep = (rng.random((n_rep, n_edges)) < EDGE_KEEP).astype(np.float64)
    keep[:, :forced] = 1.0
    keep[keep.sum(axis=1) < 3] = 1.0
    return keep


def _stream(seed: int, shift: int, edge_index: int) -> int:
    # A distinct, reproducible stream per (shift, edge); the same stream serves S and D so that a
    # replicate resamples the same cubes for both curves.
    return (int(seed) * 1_000_003 + shift * 104_729 + edge_index * 7919 + 1) % (2**63)


def replicate_curves(
    prep: PreparedRoi,
    fitted: Sequence[ScaleResult],
    min_atoms: int,
    n_rep: int,
    seed: int,
    n_shifts: int = N_SHIFTS,
    task: TaskState | None = None,
    null: Reference | None = None,
) -> Replicates:
    """``n_rep`` replicate curves: replicate r uses tiling ``r % n_shifts`` and resamples its cubes.

    The analysed tiling (shift 0) reuses the cubes already in ``fitted``. A shifted tiling that holds
    no cube at some edge (a large edge in a thin box) uses the analysed tiling's cubes there.
    """
    if null is None:
        null = reference_table(prep, min_atoms)
    fractions = shift_fractions(n_shifts, seed)
    n_shifts = fractions.shape[0]
    rows_of = [np.arange(s, n_rep, n_shifts) for s in range(n_shifts)]
    S = np.empty((n_rep, len(fitted)))
    D = np.empty((n_rep, len(fitted)))
    # The voxel table the curve used (if any) answers the shifted grids too, rounded to whole voxels.
    voxel = prep.prepare_voxels([s.size_nm for s in fitted], grids_per_edge=n_shifts - 1)
    base = [
        CubeSamples(np.ascontiguousarray(s.cube_entropy), null(s.cube_n) - s.cube_entropy) for s in fitted
    ]
    steps = max(1, n_shifts * len(fitted))
    for sh in range(n_shifts):
        rows = rows_of[sh]
        if rows.size == 0:
            continue
        for j, scale in enumerate(fitted):
            check_cancelled(task)
            samples = base[j]
            if sh > 0:
                shifted = tiling_samples(prep, scale.size_nm, fractions[sh], min_atoms, null, voxel)
                if shifted.S.size:
                    samples = shifted
            stream = _stream(seed, sh, scale.index)
            S[rows, j], D[rows, j] = resample_means(samples.S, samples.D, rows.size, stream)
            if task is not None:
                task.report((sh * len(fitted) + j + 1) / steps, "SUME interval: shifted grids and bootstrap")
    shift_of_row = np.arange(n_rep) % n_shifts
    return Replicates(S, D, shift_of_row)


N_SUBSETS = 200
"""Edge subsets behind ``edge_sensitivity_nm`` (fits of the measured curve: cheap)."""

RESOLUTION_SPACING = 0.6
"""The hinge's error surface has a second minimum ~0.6 edge spacings from the best (round 3)."""


def resolution(L: np.ndarray, edge: float) -> float:
    """``RESOLUTION_SPACING`` x the spacing of the fitted edges around ``edge``."""
    if L.size < 2:
        return 0.0
    gaps = np.diff(L)
    k = int(np.clip(np.searchsorted(L, edge) - 1, 0, gaps.size - 1))
    near = gaps[max(k - 1, 0) : k + 2]
    return float(RESOLUTION_SPACING * near.max())


def _sampling_interval(
    values: np.ndarray, estimate: float, res: float, lo_edge: float, hi_edge: float
) -> tuple[tuple[float, float] | None, int]:
    """95 % sampling interval: the 2.5-97.5 % percentiles of the replicate breakpoints, widened to
    hold the estimate +- half the resolution (never zero width), clipped to the fitted range."""
    ok = np.isfinite(values)
    if int(ok.sum()) < 2:
        return None, int(ok.sum())
    lo, hi = np.percentile(values[ok], [2.5, 97.5])
    low = max(min(float(lo), estimate - res / 2), lo_edge)
    high = min(max(float(hi), estimate + res / 2), hi_edge)
    return (low, high), int(ok.sum())


def _sensitivity(
    fit_edges: np.ndarray, estimate: float, res: float, lo_edge: float, hi_edge: float
) -> tuple[float, float] | None:
    """2.5-97.5 % range of the subset fits, never narrower than the resolution (as the interval)."""
    ok = np.isfinite(fit_edges) & (fit_edges >= lo_edge) & (fit_edges <= hi_edge)
    if int(ok.sum()) < 2:
        return None
    lo, hi = np.percentile(fit_edges[ok], [2.5, 97.5])
    return max(min(float(lo), estimate - res / 2), lo_edge), min(max(float(hi), estimate + res / 2), hi_edge)


def _sume(
    edge: float | None,
    lattice: Lattice | None,
    density_per_nm3: float,
    descending: Line,
    bulk: Line,
    breakpoint_nm: float,
    method: str,
    value_nm: float | None = None,
    **extra,
) -> SumeResult:
    """A :class:`SumeResult` at ``edge`` (or, for a bound, at ``value_nm``) in nm^3, cells and atoms."""
    L = edge if edge is not None else (value_nm if value_nm is not None else breakpoint_nm)
    volume = L**3
    cells = unit_cells(L, lattice) if lattice is not None else None
    atoms = cells * lattice.atoms_per_cell if (lattice is not None and cells is not None) else None
    return SumeResult(
        edge_nm=edge,
        volume_nm3=volume,
        unit_cells=cells,
        atoms=atoms,
        detected_atoms=density_per_nm3 * volume,
        descending=descending,
        bulk=bulk,
        breakpoint_nm=breakpoint_nm,
        method=method,
        **extra,
    )


def _first_at_or_above(L: np.ndarray, edge: float) -> float:
    idx = int(np.searchsorted(L, edge - 1e-12))
    return float(L[min(idx, L.size - 1)])


def range_end(L: np.ndarray, edge: float) -> str | None:
    """``"upper"`` when L* leaves at most one fitted edge on the bulk branch (no levelling shown),
    ``"lower"`` when L* sits at the smallest fitted edge (no descending branch), else ``None``."""
    tol = 1e-9 * float(L[-1])
    if L.size >= 2 and edge > float(L[-2]) + tol:
        return "upper"
    if edge <= float(L[0]) + tol:
        return "lower"
    return None


def _bounds(L: np.ndarray, edge: float) -> dict:
    """``edge_nm`` / ``at_least_nm`` / ``at_most_nm`` and the one-sided interval for L*."""
    end = range_end(L, edge)
    if end == "upper":
        bound = min(edge, float(L[-1]))
        return {"edge_nm": None, "at_least_nm": bound, "ci95_nm": (bound, None)}
    if end == "lower":
        return {"edge_nm": None, "at_most_nm": float(L[0]), "ci95_nm": (0.0, float(L[0]))}
    return {"edge_nm": edge}


def hinge_result(
    L: np.ndarray,
    z: np.ndarray,
    plateau: float,
    method: str,
    lattice: Lattice | None,
    density_per_nm3: float,
    reps: np.ndarray | None,
    keep: np.ndarray | None = None,
    seed: int = 0,
) -> SumeResult:
    """A hinge SUME from the measured drop ``z`` (and replicate drops ``reps``, shape (B, n), if any).

    ``keep`` (0/1, shape of ``reps``) lets each replicate fit a subset of the edges (the map SUMEs do);
    the APT analysis passes ``None``: its sampling interval fits every replicate to all fitted edges.

    For ``hinge-bulk`` ``plateau`` is S_bulk and the branches describe S(L); for ``hinge-deficit`` it
    is 0 and they describe the deficit D(L) (drawn upwards: D = b (L* - L) below L*). The sampling
    interval fits every replicate to all fitted edges; the edge-list sensitivity fits the measured
    curve to random subsets of them.
    """
    fit = hinge_fit(L, z)
    edge = float(fit.edge[0])
    b = float(fit.slope[0])
    res = resolution(L, edge)
    ci = slope_ci = None
    n_valid = 0
    if reps is not None and reps.shape[0] > 0:
        boot = hinge_fit(L, reps, keep)
        ci, n_valid = _sampling_interval(boot.edge, edge, res, float(L[0]), float(L[-1]))
        lo, hi = np.percentile(boot.slope, [2.5, 97.5])
        slope_ci = (float(lo), float(hi))
    subsets = edge_subsets(N_SUBSETS, L.size, seed, forced=0)
    sens = _sensitivity(
        hinge_fit(L, np.broadcast_to(z, subsets.shape), subsets).edge, edge, res, float(L[0]), float(L[-1])
    )
    if method == "hinge-deficit":
        descending = Line(-b, b * edge, float(L[0]), edge)
        bulk = Line(0.0, 0.0, edge, float(L[-1]))
    else:
        descending = Line(b, plateau - b * edge, float(L[0]), edge)
        bulk = Line(0.0, plateau, edge, float(L[-1]))
    place = _bounds(L, edge)
    if place["edge_nm"] is not None:
        place["ci95_nm"] = ci
    else:
        sens = None  # a bound has no location for the edge list to move
    return _sume(
        place.pop("edge_nm"),
        lattice,
        density_per_nm3,
        descending,
        bulk,
        _first_at_or_above(L, edge),
        method,
        value_nm=place.get("at_least_nm", place.get("at_most_nm")),
        n_boot_valid=n_valid,
        slope_ci95=slope_ci,
        edge_sensitivity_nm=sens,
        resolution_nm=res,
        fit_edge_nm=edge,
        **place,
    )


def tangent_result(
    L: np.ndarray,
    S: np.ndarray,
    lattice: Lattice | None,
    density_per_nm3: float,
    reps: np.ndarray | None,
    seed: int = 0,
) -> tuple[SumeResult | None, str | None]:
    """The paper's two free tangents (``tangent-free``), or ``(None, reason)``."""
    if L.size < 4:
        return None, f"the curve has {L.size} fitted edge(s); the tangent fit needs at least 4"
    fit = tangent_fit(L, S)
    edge = float(fit.edge[0])
    if not (math.isfinite(edge) and L[0] <= edge <= L[-1]):
        return None, (
            "the fitted descending and bulk lines do not cross inside the fitted range "
            f"({L[0]:g} to {L[-1]:g} nm): the curve has no clear knee"
        )
    res = resolution(L, edge)
    ci = None
    n_valid = 0
    if reps is not None and reps.shape[0] > 0:
        ci, n_valid = _sampling_interval(tangent_fit(L, reps).edge, edge, res, float(L[0]), float(L[-1]))
    b = int(fit.breakpoint[0])
    descending = Line(float(fit.slope1[0]), float(fit.intercept1[0]), float(L[0]), float(L[b - 1]))
    bulk = Line(float(fit.slope2[0]), float(fit.intercept2[0]), float(L[b]), float(L[-1]))
    place = _bounds(L, edge)
    if place["edge_nm"] is not None:
        place["ci95_nm"] = ci
    result = _sume(
        place.pop("edge_nm"),
        lattice,
        density_per_nm3,
        descending,
        bulk,
        float(L[b]),
        "tangent-free",
        value_nm=place.get("at_least_nm", place.get("at_most_nm")),
        n_boot_valid=n_valid,
        resolution_nm=res,
        fit_edge_nm=edge,
        **place,
    )
    return result, None


@dataclass(frozen=True)
class SumeSet:
    """Every SUME of one analysis: the headline (``primary``), the apparent (hinge on S), the deficit
    hinge (``chemical``), the variants, and why any is missing."""

    primary: SumeResult | None
    primary_reason: str | None
    chemical: SumeResult | None
    chemical_reason: str | None
    variants: dict[str, SumeResult]
    n_replicates: int
    n_shifts: int
    apparent: SumeResult | None = None
    apparent_reason: str | None = None


def too_few_fitted(n: int) -> str:
    """Why no SUME: too few fitted edges."""
    return (
        f"the curve has {n} fitted edge(s) (edges with >= 8 cubes whose occupied cubes hold on "
        "average at least twice min_atoms); a SUME needs at least 3"
    )


def deficit_sume(
    L: np.ndarray,
    D: np.ndarray,
    fitted: Sequence[ScaleResult],
    S_bulk: float,
    lattice: Lattice | None,
    density_per_nm3: float,
    reps: np.ndarray | None,
    seed: int,
) -> SumeResult:
    """The material's SUME (``hinge-deficit``), ``below_range`` when no chemistry is resolved."""
    chem = hinge_result(L, D, 0.0, "hinge-deficit", lattice, density_per_nm3, reps, seed=seed)
    significant_edge = any(deficit_significant(s, S_bulk) for s in fitted)
    zero_share = None if reps is None else float(np.mean(hinge_fit(L, reps).slope <= 0.0))
    if not significant_edge or (zero_share is not None and zero_share >= SLOPE_ZERO_SHARE):
        return _below_range(L, lattice, density_per_nm3, chem)
    return chem


def estimate_sumes(
    prep: PreparedRoi,
    curve: Sequence[ScaleResult],
    S_bulk: float,
    lattice: Lattice | None,
    density_per_nm3: float,
    min_atoms: int,
    n_rep: int,
    seed: int,
    primary_method: str = "hinge-deficit",
    n_shifts: int = N_SHIFTS,
    task: TaskState | None = None,
    null: Reference | None = None,
) -> SumeSet:
    """The deficit hinge (the headline by default), the apparent SUME and the tangents, with intervals.

    Parameters
    ----------
    prep
        The ROI's atoms (needed for the shifted tilings).
    curve
        The analysed curve, ascending; only edges with ``in_fit`` are fitted.
    S_bulk
        Entropy of the whole ROI: the plateau of the apparent SUME's fit.
    lattice, density_per_nm3
        For expressing SUME in unit cells, atoms and detected atoms.
    min_atoms
        The curve's cube threshold (the shifted tilings use the same).
    n_rep
        Replicate curves for the intervals (0: no intervals, e.g. previews while dragging).
    seed
        Seed of the grid shifts, the resampling and the edge subsets.
    primary_method
        What ``primary`` holds: ``"hinge-deficit"`` (default), ``"hinge-bulk"`` or ``"tangent-free"``.
    n_shifts
        Tilings the replicates draw from (1: bootstrap over the analysed tiling only).
    task
        Progress and cancellation.
    null
        The curve's random-mixing table (reused: its values are cached per atom count).
    """
    fitted = [s for s in curve if s.in_fit]
    if len(fitted) < 3:
        short = too_few_fitted(len(fitted))
        return SumeSet(None, short, None, short, {}, 0, n_shifts, None, short)
    L = np.array([s.size_nm for s in fitted])
    S = np.array([float(s.S_mean) for s in fitted])  # type: ignore[arg-type]
    D = np.array([float(s.deficit) for s in fitted])  # type: ignore[arg-type]
    reps = replicate_curves(prep, fitted, min_atoms, n_rep, seed, n_shifts, task, null) if n_rep > 0 else None
    apparent = hinge_result(
        L, S_bulk - S, S_bulk, "hinge-bulk", lattice, density_per_nm3,
        None if reps is None else S_bulk - reps.S, seed=seed,
    )  # fmt: skip
    tangent, tangent_reason = tangent_result(
        L, S, lattice, density_per_nm3, None if reps is None else reps.S, seed
    )
    chem = deficit_sume(
        L, D, fitted, S_bulk, lattice, density_per_nm3, None if reps is None else reps.D, seed
    )
    variants = {"tangent-free": tangent} if tangent is not None else {}
    primary: SumeResult | None = chem
    reason: str | None = None
    if primary_method == "tangent-free":
        primary, reason, variants = tangent, tangent_reason, {}
    elif primary_method == "hinge-bulk":
        primary = apparent
    n = 0 if reps is None else reps.n
    return SumeSet(primary, reason, chem, None, variants, n, n_shifts, apparent, None)


def curve_sumes(
    curve: Sequence[ScaleResult],
    S_plateau: float,
    lattice: Lattice | None,
    density_per_nm3: float,
    n_rep: int,
    seed: int,
) -> tuple[SumeResult | None, str | None, SumeResult | None]:
    """Headline (``hinge-deficit``) and apparent (``hinge-bulk``) SUME of a derived curve, e.g. per
    formula unit. Returns ``(headline, reason if None, apparent)``.

    A derived curve (science.md 8) carries per-cube values but no atoms to tile again, so its
    intervals resample the analysed tiling's cubes only.
    """
    fitted = [s for s in curve if s.in_fit]
    if len(fitted) < 3:
        return None, too_few_fitted(len(fitted)), None
    L = np.array([s.size_nm for s in fitted])
    S = np.array([float(s.S_mean) for s in fitted])  # type: ignore[arg-type]
    D = np.array([float(s.deficit) for s in fitted])  # type: ignore[arg-type]
    reps = None
    if n_rep > 0:
        reps = np.empty((n_rep, L.size))
        for j, s in enumerate(fitted):
            reps[:, j] = resample_mean(s.cube_entropy, n_rep, _stream(seed, 0, s.index))
    apparent = hinge_result(
        L, S_plateau - S, S_plateau, "hinge-bulk", lattice, density_per_nm3,
        None if reps is None else S_plateau - reps, seed=seed,
    )  # fmt: skip
    # The per-cube deficit of a derived curve is not stored, so its replicates shift the measured
    # deficit by the resampled S_mean (the reference per cube count does not change under resampling).
    d_reps = None if reps is None else D[None, :] - (reps - S[None, :])
    headline = deficit_sume(L, D, fitted, S_plateau, lattice, density_per_nm3, d_reps, seed)
    return headline, None, apparent


def _below_range(
    L: np.ndarray, lattice: Lattice | None, density_per_nm3: float, fitted: SumeResult
) -> SumeResult:
    """The deficit SUME when no chemistry is resolved: random down to the smallest fitted edge."""
    first = float(L[0])
    return _sume(
        None,
        lattice,
        density_per_nm3,
        Line(0.0, 0.0, first, first),
        Line(0.0, 0.0, first, float(L[-1])),
        first,
        "hinge-deficit",
        value_nm=first,
        ci95_nm=(0.0, first),
        n_boot_valid=fitted.n_boot_valid,
        below_range=True,
        at_most_nm=first,
        slope_ci95=fitted.slope_ci95,
        edge_sensitivity_nm=fitted.edge_sensitivity_nm,
        resolution_nm=fitted.resolution_nm,
        fit_edge_nm=fitted.fit_edge_nm,
    )
