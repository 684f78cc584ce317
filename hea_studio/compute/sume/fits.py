"""The smallest unit of maximal entropy (science.md 5): the fits.

:func:`hinge_fit` is the primary construction (the bulk branch held at a plateau, a continuous
breakpoint); :func:`tangent_fit` is the paper's two free lines, kept as a variant; :func:`sume_null` is
the null-corrected SUME. :mod:`hea_studio.compute.sume.estimate` turns them into results with intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.core.results import NullSumeResult, ScaleResult
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


@dataclass(frozen=True)
class HingeFit:
    """Best hinge ``plateau - b * max(0, L* - L)`` for one or many curves (arrays of shape (B,))."""

    edge: np.ndarray
    slope: np.ndarray
    sse: np.ndarray


def _hinge_candidates(L: np.ndarray, Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Breakpoints worth trying, shape (B, 2n - 1), ascending per row (NaN where not applicable).

    For L* between two edges the active points (L_j < L*) are fixed, and z_j ~ b (L* - L_j) is a
    straight line a + c L_j with slope c = -b and L* = -a / c, so the interval's optimum is either
    that line's root, when it falls inside the interval, or one of the interval's ends. The edges
    themselves are therefore candidates, and so is the root of each interval's line. ``W`` (B, n)
    weights the points (0 leaves a point out of that row's fit).
    """
    n = L.size
    B = Z.shape[0]
    cand = np.full((B, 2 * n - 1), np.nan)
    cand[:, 0::2] = L[None, :]
    for k in range(1, n - 1):
        x = L[: k + 1]
        ww = W[:, : k + 1]
        zz = Z[:, : k + 1]
        sw = ww.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            xm = (ww @ x) / sw
            zm = (ww * zz).sum(axis=1) / sw
            dx = x[None, :] - xm[:, None]
            c = (ww * dx * (zz - zm[:, None])).sum(axis=1) / (ww * dx * dx).sum(axis=1)
            a = zm - c * xm
            root = np.where(c < 0, -a / c, np.nan)
        inside = (root > L[k]) & (root < L[k + 1])
        cand[:, 2 * k + 1] = np.where(inside, root, np.nan)
    return cand


def hinge_fit(L, Z, weights=None) -> HingeFit:
    """Least-squares hinge ``z(L) = b * max(0, L* - L)`` with ``b >= 0`` and a continuous L*.

    ``Z`` holds the drop below the plateau (``S_bulk - S_mean`` for the primary SUME, the deficit
    ``S_null - S_mean`` for the chemical one), shape (B, n) or (n,), sampled at ascending edges ``L``.
    L* ranges over ``[L[0], L[-1]]``; for a fixed L* the best ``b`` is a one-parameter least-squares
    slope clipped at 0. Ties (a flat curve: every L* gives ``b = 0``) resolve to the smallest L*.

    Parameters
    ----------
    L, Z
        Edges (n,) and drops (B, n) or (n,).
    weights
        ``None`` for ordinary least squares (science.md 5), or 0/1 (or general) weights of shape (n,)
        or (B, n); the interval uses 0/1 rows to leave random edges out of each replicate.

    Returns
    -------
    HingeFit
        ``edge`` (L*), ``slope`` (b) and the residual sum of squares, one per row of ``Z``.
    """
    L = np.asarray(L, dtype=np.float64)
    Z = np.atleast_2d(np.asarray(Z, dtype=np.float64))
    if L.size < 2:
        raise ValueError(f"need at least 2 points, got {L.size}")
    W = (
        np.ones_like(Z)
        if weights is None
        else np.broadcast_to(np.asarray(weights, dtype=np.float64), Z.shape)
    )
    cand = _hinge_candidates(L, Z, W)
    B = Z.shape[0]
    best_sse = np.full(B, np.inf)
    best_edge = np.full(B, np.nan)
    best_b = np.zeros(B)
    for j in range(cand.shape[1]):
        c = cand[:, j]
        ok = np.isfinite(c)
        h = np.maximum(0.0, np.where(ok, c, L[0])[:, None] - L[None, :])
        den = (W * h * h).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            b = np.where(den > 0, (W * Z * h).sum(axis=1) / den, 0.0)
        b = np.maximum(b, 0.0)
        r = Z - b[:, None] * h
        sse = (W * r * r).sum(axis=1)
        # Strictly better only: the first (smallest) breakpoint wins a tie.
        better = ok & (sse < best_sse * (1 - 1e-12) - 1e-300)
        best_sse = np.where(better, sse, best_sse)
        best_edge = np.where(better, c, best_edge)
        best_b = np.where(better, b, best_b)
    return HingeFit(best_edge, best_b, best_sse)


def deficit_significant(scale: ScaleResult, S_bulk: float) -> bool:
    """The null-SUME criterion of science.md 5: D(L) > max(2 S_sem(L), 0.005 S_bulk)."""
    if scale.deficit is None:
        return False
    sem = scale.S_sem if scale.S_sem is not None else 0.0
    return float(scale.deficit) > max(NULL_SEM_FACTOR * sem, NULL_BULK_SHARE * S_bulk)


def sume_null(curve: Sequence[ScaleResult], S_bulk: float) -> NullSumeResult:
    """Null-corrected SUME: the smallest edge from which the deficit is insignificant at every larger edge.

    Insignificant means D(L) <= max(2 S_sem(L), 0.005 S_bulk) (science.md 5). Requiring it to hold
    at all larger edges too keeps one lucky edge inside a clustered range from being reported.
    """
    # Undersampled edges stay in: the reference is taken over the same surviving cubes at their own
    # atom counts, so the deficit test is fair there, unlike a straight-line fit through S_mean.
    pts = [s for s in curve if s.n_cubes > 0 and s.S_mean is not None and s.deficit is not None]
    if not pts:
        return NullSumeResult(None, "no edge has cubes to test")
    edge = None
    for s in reversed(pts):
        if deficit_significant(s, S_bulk):
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
