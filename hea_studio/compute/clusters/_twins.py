"""Plain-numpy twins of :mod:`._kernels`: brute-force distance matrices, obviously right and slow."""

from __future__ import annotations

import numpy as np


def _d2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)


def neighbour_counts(pts, r2, cap):
    """(n,) neighbours within the radius of every point (itself excluded), capped at ``cap``."""
    d2 = _d2(pts, pts)
    np.fill_diagonal(d2, np.inf)
    return np.minimum((d2 <= r2).sum(axis=1), cap).astype(np.int32)


def link(pts, r2, core):
    """Component root (smallest index) of every point, linking core points within the radius.

    Non-core points and core points without a core neighbour are their own roots. Also returns
    ``touched``: core points with a core neighbour.
    """
    n = len(pts)
    adj = (_d2(pts, pts) <= r2) & core[:, None] & core[None, :]
    np.fill_diagonal(adj, False)
    root = np.arange(n)
    # Repeated min-propagation until nothing changes: each component takes its smallest index.
    while True:
        nb = np.where(adj, root[None, :], n).min(axis=1)
        new = np.minimum(root, nb)
        if np.array_equal(new, root):
            break
        root = new
    return root.astype(np.int64), adj.any(axis=1)


def nearest_within(query, pts, r2):
    """Index of the nearest point within the radius (-1: none) and its squared distance (inf)."""
    if len(pts) == 0:
        return np.full(len(query), -1, np.int64), np.full(len(query), np.inf)
    d2 = _d2(query, pts)
    idx = d2.argmin(axis=1)
    best = d2[np.arange(len(query)), idx]
    ok = best <= r2
    return np.where(ok, idx, -1).astype(np.int64), np.where(ok, best, np.inf)


def flatten(parent):
    """Every entry pointed at its root (in place, returned), by pointer jumping until nothing moves."""
    out = np.asarray(parent).copy()
    while True:
        hop = out[out]
        if np.array_equal(hop, out):
            break
        out = hop
    parent[:] = out
    return parent


def column_extremes(pts, lo, cell, dims):
    """(6, M) extreme values per column, as the kernel leaves them after one call from +-inf."""
    nx, ny, nz = (int(d) for d in dims)
    m = max(nx * ny, nx * nz, ny * nz)
    idx = np.clip(((pts - lo) / cell).astype(np.int64), 0, np.array([nx, ny, nz]) - 1)
    cols = [idx[:, 0] * ny + idx[:, 1], idx[:, 0] * nz + idx[:, 2], idx[:, 1] * nz + idx[:, 2]]
    vals = [pts[:, 2], pts[:, 1], pts[:, 0]]
    out = np.empty((6, m))
    out[0::2] = np.inf
    out[1::2] = -np.inf
    for k in range(3):
        np.minimum.at(out[2 * k], cols[k], vals[k])
        np.maximum.at(out[2 * k + 1], cols[k], vals[k])
    return out
