"""Plain-numpy twins of the numba kernels in :mod:`._kernels`.

Each function has the kernel's name and contract and is written to be obviously correct rather than
fast (full sums instead of windows, masks instead of sorted scans). The tests compare kernel and twin
on the same data; :mod:`benchmarks.bench_entropy` uses :func:`floor_bincount_counts` as the baseline a
user would write.
"""

from __future__ import annotations

import numpy as np


def floor_bincount_counts(rel, labels, L, cx, cy, cz, K):
    """(cx*cy*cz, K) counts per cube: per-edge floor + bincount, the straightforward way."""
    idx = np.floor(rel / L).astype(np.int64)
    inside = np.all(idx >= 0, axis=1) & (idx[:, 0] < cx) & (idx[:, 1] < cy) & (idx[:, 2] < cz)
    flat = (idx[inside, 0] * cy + idx[inside, 1]) * cz + idx[inside, 2]
    n_cubes = cx * cy * cz
    return np.bincount(flat * K + labels[inside], minlength=n_cubes * K).reshape(n_cubes, K)


def voxel_prefix(rel, labels, g, nx, ny, nz, K):
    """Summed-volume table via histogramming then cumulative sums, and the near-face atoms."""
    v = rel / g
    near = np.abs(v - np.floor(v + 0.5)) <= 1e-9 * np.maximum(1.0, np.abs(v))
    idx = np.floor(v)
    inside = np.all((idx >= 0) & (idx < [nx, ny, nz]), axis=1)
    face = np.nonzero(inside & near.any(axis=1))[0]
    body = inside & ~near.any(axis=1)
    V = floor_bincount_counts(rel[body], labels[body], g, nx, ny, nz, K).reshape(nx, ny, nz, K)
    P = np.zeros((nx + 1, ny + 1, nz + 1, K), dtype=np.int64)
    P[1:, 1:, 1:, :] = V.cumsum(0).cumsum(1).cumsum(2)
    return P, face


def cube_stats(counts, min_atoms):
    """Entropy and composition moments of the cubes with at least ``min_atoms`` atoms."""
    n = counts.sum(axis=1)
    keep = np.nonzero(n >= min_atoms)[0]
    x = counts[keep] / n[keep, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), 0.0)
    K = counts.shape[1]
    mean = x.mean(axis=0) if keep.size else np.zeros(K)
    std = x.std(axis=0, ddof=1) if keep.size > 1 else np.zeros(K)
    return keep, terms.sum(axis=1), n[keep], mean, std


def half_counts(rel, labels, half, K):
    """Atoms per element in the upper half of the box along each axis, (3, K): masks and bincount."""
    return np.stack([np.bincount(labels[rel[:, ax] >= half[ax]], minlength=K) for ax in range(3)])


def bounds_chunk(positions, start, stop, lo, hi):
    """Grow ``lo``/``hi`` to hold rows ``start:stop``, with numpy reductions."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    if block.size:
        np.minimum(lo, block.min(axis=0), out=lo)
        np.maximum(hi, block.max(axis=0), out=hi)


def density_hist_chunk(positions, start, stop, lo, edge, counts):
    """Voxel histogram of rows ``start:stop``, the float64 numpy way."""
    shape = np.array(counts.shape)
    idx = np.minimum(
        ((np.asarray(positions[start:stop], dtype=np.float64) - lo) / edge).astype(np.int64), shape - 1
    )
    np.add.at(counts, (idx[:, 0], idx[:, 1], idx[:, 2]), 1)


def box_species_chunk(positions, labels, lo, hi, start, stop, counts):
    """Species counts of the atoms of rows ``start:stop`` inside the box, by masks."""
    block = positions[start:stop]
    inside = np.all((block >= lo) & (block < hi), axis=1)
    counts += np.bincount(labels[start:stop][inside], minlength=counts.size)[: counts.size]


def voxel_fill_chunk(positions, labels, lut, lo, hi, g, shape, start, stop, flat, face, slab, code, fill):
    """Voxel counts of rows ``start:stop`` via :func:`select_box` and :func:`voxel_prefix`."""
    nx, ny, nz, K = (int(v) for v in shape)
    rows = np.arange(start, stop)
    block = positions[start:stop]
    k = lut[labels[start:stop]]
    keep = np.all((block >= lo) & (block < hi), axis=1) & (k >= 0)
    rel = block[keep].astype(np.float64) - lo
    P, f = voxel_prefix(rel, k[keep].astype(np.int64), g, nx, ny, nz, K)
    V = np.diff(np.diff(np.diff(P, axis=0), axis=1), axis=2)
    view = flat.reshape(nx + 1, ny + 1, nz + 1, K)
    view[1:, 1:, 1:, :] += V.astype(view.dtype)
    face[: f.size] = rows[keep][f]
    return int(f.size)


def prefix_sums(P):
    """Cumulative sums along the three spatial axes, in place."""
    np.cumsum(P, axis=0, out=P)
    np.cumsum(P, axis=1, out=P)
    np.cumsum(P, axis=2, out=P)


def bucket_chunk(positions, labels, lut, lo, hi, width, nb, start, stop, out_bucket):
    """x-slab bucket of rows ``start:stop`` (-1 outside the box or not an element)."""
    block = positions[start:stop]
    k = lut[labels[start:stop]]
    keep = np.all((block >= lo) & (block < hi), axis=1) & (k >= 0)
    b = np.minimum(((block[:, 0].astype(np.float64) - lo[0]) / width).astype(np.int64), nb - 1)
    out_bucket[:] = np.where(keep, b, -1)


def gather_buckets(positions, labels, lut, start, buckets, fill, out_pos, out_lab):
    """Rows with a bucket appended to their bucket's run, in row order within a bucket."""
    for t in np.flatnonzero(buckets >= 0):
        b = buckets[t]
        out_pos[fill[b]] = positions[start + t]
        out_lab[fill[b]] = lut[labels[start + t]]
        fill[b] += 1


def half_counts_chunk(positions, labels, lut, lo, hi, half, start, stop, out):
    """Upper-half counts of the box's element atoms of rows ``start:stop``, by masks."""
    block = positions[start:stop]
    k = lut[labels[start:stop]]
    keep = np.all((block >= lo) & (block < hi), axis=1) & (k >= 0)
    out += half_counts(block[keep].astype(np.float64) - lo, k[keep], half, out.shape[1])


def projection_chunk(positions, a, b, start, stop, lo, pixel, counts):
    """2-D projection histogram of rows ``start:stop`` with numpy."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    i = np.clip(np.floor((block[:, a] - lo[0]) / pixel).astype(np.int64), 0, counts.shape[0] - 1)
    j = np.clip(np.floor((block[:, b] - lo[1]) / pixel).astype(np.int64), 0, counts.shape[1] - 1)
    np.add.at(counts, (i, j), 1)


def density_hist_weighted_chunk(positions, labels, weights, start, stop, lo, edge, counts):
    """Weighted voxel histogram of rows ``start:stop``, the float64 numpy way."""
    shape = np.array(counts.shape)
    idx = np.minimum(
        ((np.asarray(positions[start:stop], dtype=np.float64) - lo) / edge).astype(np.int64), shape - 1
    )
    np.add.at(counts, (idx[:, 0], idx[:, 1], idx[:, 2]), weights[labels[start:stop]])


def projection_weighted_chunk(positions, labels, weights, a, b, start, stop, lo, pixel, counts):
    """Weighted 2-D projection histogram of rows ``start:stop`` with numpy."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    i = np.clip(np.floor((block[:, a] - lo[0]) / pixel).astype(np.int64), 0, counts.shape[0] - 1)
    j = np.clip(np.floor((block[:, b] - lo[1]) / pixel).astype(np.int64), 0, counts.shape[1] - 1)
    np.add.at(counts, (i, j), weights[labels[start:stop]])


def _in_window(block, lo, hi):
    return np.all((block >= lo) & (block <= hi), axis=1)


def bounds_window_chunk(positions, start, stop, wlo, whi, lo, hi):
    """Bounds of the rows inside the closed window, by a mask; returns the rows outside."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    inside = _in_window(block, wlo, whi)
    bounds_chunk(block[inside], 0, int(inside.sum()), lo, hi)
    return int((~inside).sum())


def density_hist_window_chunk(positions, labels, weights, weighted, start, stop, lo, hi, edge, counts):
    """Voxel histogram of the rows inside the closed window ``[lo, hi]``, the numpy way."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    inside = _in_window(block, lo, hi)
    shape = np.array(counts.shape)
    idx = np.minimum(((block[inside] - lo) / edge).astype(np.int64), shape - 1)
    w = weights[np.asarray(labels[start:stop])[inside]] if weighted else 1
    np.add.at(counts, (idx[:, 0], idx[:, 1], idx[:, 2]), w)
