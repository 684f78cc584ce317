"""Plain-numpy twins of the numba kernels in :mod:`._kernels`.

Each function has the kernel's name and contract and is written to be obviously correct rather than
fast (full sums instead of windows, masks instead of sorted scans). The tests compare kernel and twin
on the same data.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common._twins import floor_bincount_counts


def prefix_cube_counts(P, m, cx, cy, cz, oi=0, oj=0, ol=0):
    """Cube counts by summing voxel blocks directly (no prefix-table arithmetic)."""
    V = np.diff(np.diff(np.diff(P.astype(np.int64), axis=0), axis=1), axis=2)
    V = V[oi : oi + cx * m, oj : oj + cy * m, ol : ol + cz * m, :]
    K = V.shape[3]
    blocks = V.reshape(cx, m, cy, m, cz, m, K).sum(axis=(1, 3, 5))
    return blocks.reshape(cx * cy * cz, K)


def cube_ids(rel, L, cx, cy, cz):
    """Cube number of every atom, -1 outside the full cubes."""
    idx = np.floor(rel / L).astype(np.int64)
    inside = np.all(idx >= 0, axis=1) & (idx[:, 0] < cx) & (idx[:, 1] < cy) & (idx[:, 2] < cz)
    ids = (idx[:, 0] * cy + idx[:, 1]) * cz + idx[:, 2]
    return np.where(inside, ids, -1)


def dense_counts(ids, labels, n_cubes, K):
    """Counts per cube from cube numbers."""
    ok = ids >= 0
    return np.bincount(ids[ok] * K + labels[ok], minlength=n_cubes * K).reshape(n_cubes, K)


def sparse_counts(ids, labels, K):
    """Counts of non-empty cubes, via ``np.unique``."""
    ok = ids >= 0
    cubes, inverse = np.unique(ids[ok], return_inverse=True)
    out = np.zeros((cubes.size, K), dtype=np.int64)
    np.add.at(out, (inverse, labels[ok]), 1)
    return cubes, out


def box_counts(rel_x_sorted, labels_sorted, xs, lows, L, K):
    """Counts per element in cubes ``[low, low + L)`` by masking every atom."""
    out = np.zeros((lows.shape[0], K), dtype=np.int64)
    for b, low in enumerate(lows):
        inside = np.all((rel_x_sorted >= low) & (rel_x_sorted < low + L), axis=1)
        out[b] = np.bincount(labels_sorted[inside], minlength=K)
    return out


def select_box(positions, labels, lut, lo, hi, index=None):
    """Atoms of the box with an entropy-element label, by boolean masks."""
    inside = np.all((positions >= lo) & (positions < hi), axis=1)
    lab = lut[labels]
    keep = inside & (lab >= 0)
    return positions[keep].astype(np.float64) - lo, lab[keep].astype(np.int64)


def relabel(rel, species, lut):
    """Atoms whose species has an element, relabelled, by a boolean mask."""
    lab = lut[species]
    keep = lab >= 0
    return rel[keep], lab[keep].astype(np.int64)


def largest_box(mask):
    """Largest all-True box by trying every box against a summed-volume table (tiny masks only)."""
    nx, ny, nz = mask.shape
    C = np.zeros((nx + 1, ny + 1, nz + 1), dtype=np.int64)
    C[1:, 1:, 1:] = mask.astype(np.int64).cumsum(0).cumsum(1).cumsum(2)
    best = (0, 0, 0, 0, 0, 0, 0)
    for i0 in range(nx):
        for i1 in range(i0 + 1, nx + 1):
            for j0 in range(ny):
                for j1 in range(j0 + 1, ny + 1):
                    for l0 in range(nz):
                        for l1 in range(l0 + 1, nz + 1):
                            vol = (i1 - i0) * (j1 - j0) * (l1 - l0)
                            if vol <= best[0]:
                                continue
                            s = (
                                C[i1, j1, l1]
                                - C[i0, j1, l1]
                                - C[i1, j0, l1]
                                - C[i1, j1, l0]
                                + C[i0, j0, l1]
                                + C[i0, j1, l0]
                                + C[i1, j0, l0]
                                - C[i0, j0, l0]
                            )
                            if s == vol:
                                best = (vol, i0, i1, j0, j1, l0, l1)
    return best


def shifted_tile_counts(rel, labels, L, off, cx, cy, cz, K):
    """Counts per cube on a grid shifted by ``off``: the plain floor + bincount on shifted positions."""
    return floor_bincount_counts(np.asarray(rel) - np.asarray(off), labels, L, cx, cy, cz, K)


def tile_counts_dense(pos, lab, lo, shift, L, cx, cy, cz, K):
    """Every cube's counts: relative positions, :func:`floor_bincount_counts`."""
    rel = (pos.astype(np.float64) - lo) - shift
    return floor_bincount_counts(rel, lab.astype(np.int64), L, cx, cy, cz, K)


def tile_counts_sparse(pos, lab, bucket_starts, width, lo, shift, L, cx, cy, cz, K):
    """Non-empty cubes' counts in ascending cube number."""
    dense = tile_counts_dense(pos, lab, lo, shift, L, cx, cy, cz, K)
    nonempty = np.flatnonzero(dense.sum(axis=1) > 0)
    return nonempty, dense[nonempty]
