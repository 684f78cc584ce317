"""Plain-numpy twins of :mod:`._kernels` (same names, same results; the tests compare them).

They are also the "plain numpy implementation" the benchmark measures the kernels against.
"""

from __future__ import annotations

import numpy as np


def window_sums(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Counts in each energy window, (W, ny, nx) int64."""
    return np.stack([data[:, :, a:b].sum(axis=2, dtype=np.int64) for a, b in zip(starts, stops, strict=True)])


def _entropy_rows(sums: np.ndarray, kf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = np.clip(sums, 0.0, None)
    w = c * kf[None, :]
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(tot > 0, w / tot, 0.0)
        terms = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), 0.0)
    return terms.sum(axis=1), c.sum(axis=1)


def patch_entropy(maps: np.ndarray, L: int, oy: int, ox: int, kf: np.ndarray):
    """Patch sums (P, K), entropy (P,) and clipped totals (P,) by reshaping into blocks."""
    K, H, W = maps.shape
    py, px = (H - oy) // L, (W - ox) // L
    block = maps[:, oy : oy + py * L, ox : ox + px * L].reshape(K, py, L, px, L)
    sums = block.sum(axis=(2, 4)).reshape(K, py * px).T.copy()
    S, T = _entropy_rows(sums, kf)
    return sums, S, T


def two_stage_reference(n_atoms, p, E, bg, G, kf, min_counts, n_draw, seed):
    """The kernel's draws, one by one from ``numpy.random`` seeded the same way (slow; tests only)."""
    rs = np.random
    rs.seed(seed)
    K = p.shape[0]
    values = []
    totals = []
    for _ in range(n_draw):
        atoms = np.zeros(K, dtype=np.int64)
        left, rest = int(n_atoms), 1.0
        for i in range(K - 1):
            if left > 0 and rest > 0.0:
                q = p[i] / rest
                atoms[i] = left if q >= 1.0 else (0 if q <= 0.0 else rs.binomial(left, q))
            left -= atoms[i]
            rest -= p[i]
        atoms[K - 1] = left
        lam = bg + E @ atoms
        win = np.array([rs.poisson(v) if v > 0.0 else 0 for v in lam], dtype=np.float64)
        counts = G @ win
        S, T = _entropy_rows(counts[None, :], kf)
        totals.append(T[0])
        if T[0] >= min_counts:
            values.append(S[0])
    t = np.array(totals)
    if not values:
        return np.nan, np.nan, 0, float(t.mean()), float(t.var())
    v = np.array(values)
    return (
        float(v.mean()),
        float(v.var(ddof=1)) if v.size > 1 else 0.0,
        v.size,
        float(t.mean()),
        float(t.var()),
    )
