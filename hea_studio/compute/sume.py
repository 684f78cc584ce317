"""The smallest unit of maximal entropy (science.md 5): tangent intersection, bootstrap, null-corrected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.compute import _kernels
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.results import Line, NullSumeResult, ScaleResult, SumeResult
from hea_studio.core.settings import Lattice

MIN_BRANCH = 2
NULL_SEM_FACTOR = 2.0
NULL_BULK_SHARE = 0.005


@dataclass(frozen=True)
class TangentFit:
    """Best two-line fit of one or many curves (arrays over curves, shape (B,))."""

    edge: np.ndarray
    breakpoint: np.ndarray
    slope1: np.ndarray
    intercept1: np.ndarray
    slope2: np.ndarray
    intercept2: np.ndarray


def _fit_lines(x: np.ndarray, Y: np.ndarray):
    """Least-squares lines through (x, Y[b]) for every row b, centred for accuracy; with SSE."""
    xm = x.mean()
    dx = x - xm
    ym = Y.mean(axis=1)
    slope = (Y - ym[:, None]) @ dx / float(dx @ dx)
    intercept = ym - slope * xm
    resid = Y - (slope[:, None] * x[None, :] + intercept[:, None])
    return slope, intercept, (resid * resid).sum(axis=1)


def tangent_fit(L: np.ndarray, S: np.ndarray) -> TangentFit:
    """Tangent intersection for curves ``S`` (shape (B, n) or (n,)) sampled at edges ``L`` (n,).

    For every breakpoint b (descending branch ``L[:b]``, bulk branch ``L[b:]``, each with at least two
    points) both lines are fitted by least squares; the breakpoint with the least total squared
    error wins and the SUME edge is where its two lines cross (NaN if they are parallel).
    """
    L = np.asarray(L, dtype=np.float64)
    Y = np.atleast_2d(np.asarray(S, dtype=np.float64))
    n = L.size
    if n < 2 * MIN_BRANCH:
        raise ValueError(f"need at least {2 * MIN_BRANCH} points, got {n}")
    B = Y.shape[0]
    best = np.full(B, np.inf)
    out = {k: np.full(B, np.nan) for k in ("bp", "m1", "c1", "m2", "c2")}
    for b in range(MIN_BRANCH, n - MIN_BRANCH + 1):
        m1, c1, e1 = _fit_lines(L[:b], Y[:, :b])
        m2, c2, e2 = _fit_lines(L[b:], Y[:, b:])
        total = e1 + e2
        better = total < best
        best = np.where(better, total, best)
        for key, val in (("bp", b), ("m1", m1), ("c1", c1), ("m2", m2), ("c2", c2)):
            out[key] = np.where(better, val, out[key])
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = (out["c2"] - out["c1"]) / (out["m1"] - out["m2"])
    return TangentFit(edge, out["bp"].astype(np.int64), out["m1"], out["c1"], out["m2"], out["c2"])


def _fit_points(curve: Sequence[ScaleResult]) -> list[ScaleResult]:
    # Undersampled edges (most cubes below min_atoms) are biased towards dense places; leave them out.
    return [s for s in curve if s.n_cubes > 0 and s.S_mean is not None and not s.undersampled]


def sume_tangent(
    curve: Sequence[ScaleResult],
    lattice: Lattice | None,
    density_per_nm3: float,
    n_boot: int = 200,
    seed: int = 0,
    task: TaskState | None = None,
) -> tuple[SumeResult | None, str | None]:
    """SUME by tangent intersection with its bootstrap 95 % interval.

    Parameters
    ----------
    curve
        Scale results in ascending edge order (edges without cubes are skipped).
    lattice
        Expresses the edge in unit cells and atoms; ``None`` leaves those ``None``.
    density_per_nm3
        Detected entropy-element atoms per nm^3 in the ROI (gives ``detected_atoms``).
    n_boot, seed
        Bootstrap resamples over cubes at every edge (0: no interval) and their seed.
    task
        Checked for cancellation between edges of the bootstrap.

    Returns
    -------
    (result, None) or (None, reason)
    """
    pts = _fit_points(curve)
    if len(pts) < 2 * MIN_BRANCH:
        return None, (
            f"the curve has {len(pts)} usable edge(s); the tangent fit needs at least {2 * MIN_BRANCH}"
        )
    L = np.array([s.size_nm for s in pts])
    S = np.array([s.S_mean for s in pts], dtype=np.float64)
    fit = tangent_fit(L, S)
    edge = float(fit.edge[0])
    if not (np.isfinite(edge) and L[0] <= edge <= L[-1]):
        return None, (
            "the fitted descending and bulk lines do not cross inside the analysed range "
            f"({L[0]:g} to {L[-1]:g} nm): the curve has no clear knee"
        )
    ci = None
    n_valid = 0
    if n_boot > 0:
        means = np.empty((n_boot, L.size))
        for j, s in enumerate(pts):
            check_cancelled(task)
            # A distinct, reproducible stream per edge: the edge index is folded into the seed.
            stream = (int(seed) * 1_000_003 + s.index * 7919 + 1) % (2**63)
            means[:, j] = _kernels.bootstrap_means(np.ascontiguousarray(s.cube_entropy), n_boot, stream)
        boot = tangent_fit(L, means).edge
        ok = np.isfinite(boot) & (boot >= L[0]) & (boot <= L[-1])
        n_valid = int(ok.sum())
        if n_valid >= 2:
            lo, hi = np.percentile(boot[ok], [2.5, 97.5])
            ci = (float(lo), float(hi))
    b = int(fit.breakpoint[0])
    volume = edge**3
    cells = volume / lattice.cell_volume_nm3 if lattice is not None else None
    result = SumeResult(
        edge_nm=edge,
        ci95_nm=ci,
        volume_nm3=volume,
        unit_cells=cells,
        atoms=cells * lattice.atoms_per_cell if (lattice is not None and cells is not None) else None,
        detected_atoms=density_per_nm3 * volume,
        descending=Line(float(fit.slope1[0]), float(fit.intercept1[0]), float(L[0]), float(L[b - 1])),
        bulk=Line(float(fit.slope2[0]), float(fit.intercept2[0]), float(L[b]), float(L[-1])),
        breakpoint_nm=float(L[b]),
        n_boot_valid=n_valid,
    )
    return result, None


def sume_null(curve: Sequence[ScaleResult], S_bulk: float) -> NullSumeResult:
    """Null-corrected SUME: the smallest edge from which the deficit is insignificant at every larger edge.

    Insignificant means D(L) <= max(2 S_sem(L), 0.005 S_bulk) (science.md 5). Requiring it to hold
    at all larger edges too keeps one lucky edge inside a clustered range from being reported.
    """
    # Undersampled edges stay in: the reference is taken over the same surviving cubes at their own
    # atom counts, so the deficit test is fair there, unlike a straight-line fit through S_mean.
    pts = [s for s in curve if s.n_cubes > 0 and s.S_mean is not None and s.deficit is not None]
    deficits = [float(s.deficit) for s in pts if s.deficit is not None]
    if not pts:
        return NullSumeResult(None, "no edge has cubes to test")
    edge = None
    for s, deficit in zip(reversed(pts), reversed(deficits)):
        sem = s.S_sem if s.S_sem is not None else 0.0
        if deficit > max(NULL_SEM_FACTOR * sem, NULL_BULK_SHARE * S_bulk):
            break
        edge = s.size_nm
    if edge is None:
        return NullSumeResult(
            None, f"the deficit is still significant at the largest edge ({pts[-1].size_nm:g} nm)"
        )
    return NullSumeResult(edge)


def unit_cells(edge_nm: float, lattice: Lattice) -> float:
    """Unit cells in a cube of edge ``edge_nm``: (L/a)^3 for cubic lattices."""
    return edge_nm**3 / lattice.cell_volume_nm3
