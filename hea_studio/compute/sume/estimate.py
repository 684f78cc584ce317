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
    """Replicate curves over the fitted edges: S_mean and deficit, shape (B, n_fit), their tilings, and
    which edges each replicate's hinge fits use (``keep``, 0/1 of shape (B, n_fit))."""

    S: np.ndarray
    D: np.ndarray
    shift_of_row: np.ndarray
    keep: np.ndarray

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


def edge_subsets(n_rep: int, n_edges: int, seed: int) -> np.ndarray:
    """0/1 weights (n_rep, n_edges): each replicate fits a random subset of the fitted edges.

    A breakpoint fitted to a smooth curve depends somewhat on where the curve was sampled; measured on
    synthetic specimens, the edge lists 0.5:10:0.5, 0.5:8:0.25 and 1:12:1 moved the hinge by up to
    15 % while resampling cubes and grids moved it by ~1 %. Leaving out each edge with probability
    1 - :data:`EDGE_KEEP` in every replicate puts that sensitivity into the interval. At least three
    edges always remain (else the replicate keeps them all).
    """
    rng = np.random.default_rng([int(seed), 0xED6E5])
    keep = (rng.random((n_rep, n_edges)) < EDGE_KEEP).astype(np.float64)
    # The smallest edges carry the descending branch: without them a replicate's breakpoint could
    # not fall below its first remaining edge, so they always stay.
    keep[:, :2] = 1.0
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
    return Replicates(S, D, shift_of_row, edge_subsets(n_rep, len(fitted), seed))


def _interval(
    values: np.ndarray, estimate: float, lo_edge: float, hi_edge: float
) -> tuple[tuple[float, float] | None, int]:
    """95 % interval of ``estimate`` from replicate ``values``: their 2.5-97.5 % spread about their median.

    The replicates fit random subsets of the edges, which moves their breakpoints as a group (a fit
    to fewer edges sits lower on a smooth curve); their spread measures the uncertainty, but their
    location is that of a different estimator. The spread is therefore placed around the estimate
    itself (a median-centred percentile interval) and clipped to the fitted range.
    """
    ok = np.isfinite(values) & (values >= lo_edge) & (values <= hi_edge)
    if int(ok.sum()) < 2:
        return None, int(ok.sum())
    lo, mid, hi = np.percentile(values[ok], [2.5, 50.0, 97.5])
    low = min(max(estimate + lo - mid, lo_edge), estimate)
    high = max(min(estimate + hi - mid, hi_edge), estimate)
    return (float(low), float(high)), int(ok.sum())


def _sume(
    edge: float,
    lattice: Lattice | None,
    density_per_nm3: float,
    descending: Line,
    bulk: Line,
    breakpoint_nm: float,
    method: str,
    **extra,
) -> SumeResult:
    """A :class:`SumeResult` at ``edge``, expressed in nm^3, unit cells, atoms and detected atoms."""
    volume = edge**3
    cells = unit_cells(edge, lattice) if lattice is not None else None
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


def hinge_result(
    L: np.ndarray,
    z: np.ndarray,
    plateau: float,
    method: str,
    lattice: Lattice | None,
    density_per_nm3: float,
    reps: np.ndarray | None,
    keep: np.ndarray | None = None,
) -> SumeResult:
    """A hinge SUME from the measured drop ``z`` (and replicate drops ``reps``, shape (B, n), if any).

    For ``hinge-bulk`` ``plateau`` is S_bulk and the branches describe S(L); for ``hinge-deficit`` it
    is 0 and they describe the deficit D(L) (drawn upwards: D = b (L* - L) below L*).
    """
    fit = hinge_fit(L, z)
    edge = float(fit.edge[0])
    b = float(fit.slope[0])
    ci = slope_ci = None
    n_valid = 0
    if reps is not None and reps.shape[0] > 0:
        boot = hinge_fit(L, reps, keep)
        ci, n_valid = _interval(boot.edge, edge, float(L[0]), float(L[-1]))
        lo, hi = np.percentile(boot.slope, [2.5, 97.5])
        slope_ci = (float(lo), float(hi))
    if method == "hinge-deficit":
        descending = Line(-b, b * edge, float(L[0]), edge)
        bulk = Line(0.0, 0.0, edge, float(L[-1]))
    else:
        descending = Line(b, plateau - b * edge, float(L[0]), edge)
        bulk = Line(0.0, plateau, edge, float(L[-1]))
    return _sume(
        edge,
        lattice,
        density_per_nm3,
        descending,
        bulk,
        _first_at_or_above(L, edge),
        method,
        ci95_nm=ci,
        n_boot_valid=n_valid,
        slope_ci95=slope_ci,
    )


def tangent_result(
    L: np.ndarray,
    S: np.ndarray,
    lattice: Lattice | None,
    density_per_nm3: float,
    reps: np.ndarray | None,
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
    ci = None
    n_valid = 0
    if reps is not None and reps.shape[0] > 0:
        ci, n_valid = _interval(tangent_fit(L, reps).edge, edge, float(L[0]), float(L[-1]))
    b = int(fit.breakpoint[0])
    descending = Line(float(fit.slope1[0]), float(fit.intercept1[0]), float(L[0]), float(L[b - 1]))
    bulk = Line(float(fit.slope2[0]), float(fit.intercept2[0]), float(L[b]), float(L[-1]))
    result = _sume(
        edge,
        lattice,
        density_per_nm3,
        descending,
        bulk,
        float(L[b]),
        "tangent-free",
        ci95_nm=ci,
        n_boot_valid=n_valid,
    )
    return result, None


@dataclass(frozen=True)
class SumeSet:
    """Every SUME of one analysis: the primary, the chemical, the variants, and why any is missing."""

    primary: SumeResult | None
    primary_reason: str | None
    chemical: SumeResult | None
    chemical_reason: str | None
    variants: dict[str, SumeResult]
    n_replicates: int
    n_shifts: int


def estimate_sumes(
    prep: PreparedRoi,
    curve: Sequence[ScaleResult],
    S_bulk: float,
    lattice: Lattice | None,
    density_per_nm3: float,
    min_atoms: int,
    n_rep: int,
    seed: int,
    primary_method: str = "hinge-bulk",
    n_shifts: int = N_SHIFTS,
    task: TaskState | None = None,
    null: Reference | None = None,
) -> SumeSet:
    """Primary (hinge-bulk), chemical (hinge-deficit) and tangent-free SUMEs with their intervals.

    Parameters
    ----------
    prep
        The ROI's atoms (needed for the shifted tilings).
    curve
        The analysed curve, ascending; only edges with ``in_fit`` are fitted.
    S_bulk
        Entropy of the whole ROI: the plateau of the primary fit.
    lattice, density_per_nm3
        For expressing SUME in unit cells, atoms and detected atoms.
    min_atoms
        The curve's cube threshold (the shifted tilings use the same).
    n_rep
        Replicate curves for the intervals (0: no intervals, e.g. previews while dragging).
    seed
        Seed of the grid shifts and the resampling.
    primary_method
        ``"hinge-bulk"`` or ``"tangent-free"``; the other goes to the variants.
    n_shifts
        Tilings the replicates draw from (1: bootstrap over the analysed tiling only).
    task
        Progress and cancellation.
    null
        The curve's random-mixing table (reused: its values are cached per atom count).
    """
    fitted = [s for s in curve if s.in_fit]
    if len(fitted) < 3:
        short = (
            f"the curve has {len(fitted)} fitted edge(s) (edges with >= 8 cubes, at least 90 % of "
            "their occupied cubes reaching min_atoms); a SUME needs at least 3"
        )
        return SumeSet(None, short, None, short, {}, 0, n_shifts)
    L = np.array([s.size_nm for s in fitted])
    S = np.array([float(s.S_mean) for s in fitted])  # type: ignore[arg-type]
    D = np.array([float(s.deficit) for s in fitted])  # type: ignore[arg-type]
    reps = replicate_curves(prep, fitted, min_atoms, n_rep, seed, n_shifts, task, null) if n_rep > 0 else None
    keep = None if reps is None else reps.keep
    hinge = hinge_result(
        L,
        S_bulk - S,
        S_bulk,
        "hinge-bulk",
        lattice,
        density_per_nm3,
        None if reps is None else S_bulk - reps.S,
        keep,
    )
    tangent, tangent_reason = tangent_result(L, S, lattice, density_per_nm3, None if reps is None else reps.S)
    chem = hinge_result(
        L, D, 0.0, "hinge-deficit", lattice, density_per_nm3, None if reps is None else reps.D, keep
    )
    chem_reason = None
    significant_edge = any(deficit_significant(s, S_bulk) for s in fitted)
    zero_share = None
    if reps is not None:
        zero_share = float(np.mean(hinge_fit(L, reps.D).slope <= 0.0))
    if not significant_edge or (zero_share is not None and zero_share >= SLOPE_ZERO_SHARE):
        # No chemistry resolved: report the smallest fitted edge as an upper bound (below_range).
        chem = _below_range(L, lattice, density_per_nm3, chem)
    primary: SumeResult | None = hinge
    reason: str | None = None
    variants: dict[str, SumeResult]
    if primary_method == "tangent-free":
        variants = {"hinge-bulk": hinge}
        primary, reason = tangent, tangent_reason
    else:
        variants = {"tangent-free": tangent} if tangent is not None else {}
    return SumeSet(primary, reason, chem, chem_reason, variants, 0 if reps is None else reps.n, n_shifts)


def curve_sumes(
    curve: Sequence[ScaleResult],
    S_plateau: float,
    lattice: Lattice | None,
    density_per_nm3: float,
    n_rep: int,
    seed: int,
) -> tuple[SumeResult | None, str | None, SumeResult | None]:
    """Primary (hinge-bulk) and chemical (hinge-deficit) SUME of a derived curve, e.g. per formula unit.

    A derived curve (science.md 8) carries per-cube values but no atoms to tile again, so its
    interval resamples the analysed tiling's cubes only (with the same random edge subsets), and the
    chemical SUME has no interval: it is ``below_range`` unless some fitted edge shows a significant
    deficit. Returns ``(primary, reason if None, chemical)``.
    """
    fitted = [s for s in curve if s.in_fit]
    if len(fitted) < 3:
        return None, f"the curve has {len(fitted)} fitted edge(s); a SUME needs at least 3", None
    L = np.array([s.size_nm for s in fitted])
    S = np.array([float(s.S_mean) for s in fitted])  # type: ignore[arg-type]
    D = np.array([float(s.deficit) for s in fitted])  # type: ignore[arg-type]
    reps = keep = None
    if n_rep > 0:
        reps = np.empty((n_rep, L.size))
        for j, s in enumerate(fitted):
            reps[:, j] = resample_mean(s.cube_entropy, n_rep, _stream(seed, 0, s.index))
        keep = edge_subsets(n_rep, L.size, seed)
    primary = hinge_result(
        L, S_plateau - S, S_plateau, "hinge-bulk", lattice, density_per_nm3,
        None if reps is None else S_plateau - reps, keep,
    )  # fmt: skip
    chemical = hinge_result(L, D, 0.0, "hinge-deficit", lattice, density_per_nm3, None)
    if not any(deficit_significant(s, S_plateau) for s in fitted):
        chemical = _below_range(L, lattice, density_per_nm3, chemical)
    return primary, None, chemical


def _below_range(
    L: np.ndarray, lattice: Lattice | None, density_per_nm3: float, fitted: SumeResult
) -> SumeResult:
    """The chemical SUME when no chemistry is resolved: the smallest fitted edge, flagged."""
    first = float(L[0])
    return _sume(
        first,
        lattice,
        density_per_nm3,
        Line(0.0, 0.0, first, first),
        Line(0.0, 0.0, first, float(L[-1])),
        first,
        "hinge-deficit",
        ci95_nm=None,
        n_boot_valid=fitted.n_boot_valid,
        below_range=True,
        slope_ci95=fitted.slope_ci95,
    )
