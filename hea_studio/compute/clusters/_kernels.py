"""numba kernels of the cluster search: linking, neighbour counts and nearest-within queries on a cell grid.

Every kernel is ``@njit(cache=True, nogil=True)`` and has a plain-numpy twin of the same name in
:mod:`._twins` (the tests compare both). Points handed to a kernel are the grid's points, sorted by
cell (see :class:`~hea_studio.compute.clusters.grid.CellGrid`): ``starts[c]:starts[c + 1]`` are the
points of cell ``c = (ix * ny + iy) * nz + iz``. The cell edge is at least the search radius, so the
27 cells around a point hold every point within the radius.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common._jit import njit


@njit(cache=True, nogil=True)
def _cell_of(x, y, z, lo, cell, dims):
    """Cell indices of a point, clamped to the grid (a point outside sees the boundary cells)."""
    ix = int((x - lo[0]) / cell)
    iy = int((y - lo[1]) / cell)
    iz = int((z - lo[2]) / cell)
    ix = min(max(ix, 0), dims[0] - 1)
    iy = min(max(iy, 0), dims[1] - 1)
    iz = min(max(iz, 0), dims[2] - 1)
    return ix, iy, iz


@njit(cache=True, nogil=True)
def _find(parent, i):
    """Root of ``i`` with path halving."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True, nogil=True)
def neighbour_counts(pts, starts, lo, cell, dims, r2, cap, counts, a, b):
    """Count, for sorted points ``a..b-1``, the other points within ``sqrt(r2)`` (stopping at ``cap``).

    ``counts`` (n,) int32 is written for ``a..b-1``; the order criterion of the maximum separation
    method only needs to know whether a point has ``order`` neighbours, so the scan stops there.
    """
    nx, ny, nz = dims[0], dims[1], dims[2]
    for i in range(a, b):
        x, y, z = pts[i, 0], pts[i, 1], pts[i, 2]
        ix, iy, iz = _cell_of(x, y, z, lo, cell, dims)
        c = 0
        for gx in range(max(ix - 1, 0), min(ix + 2, nx)):
            for gy in range(max(iy - 1, 0), min(iy + 2, ny)):
                base = (gx * ny + gy) * nz
                for gz in range(max(iz - 1, 0), min(iz + 2, nz)):
                    k = base + gz
                    for j in range(starts[k], starts[k + 1]):
                        if j == i:
                            continue
                        dx = pts[j, 0] - x
                        dy = pts[j, 1] - y
                        dz = pts[j, 2] - z
                        if dx * dx + dy * dy + dz * dz <= r2:
                            c += 1
                            if c >= cap:
                                break
                    if c >= cap:
                        break
                if c >= cap:
                    break
            if c >= cap:
                break
        counts[i] = c


@njit(cache=True, nogil=True)
def link(pts, starts, lo, cell, dims, r2, core, parent, touched, a, b):
    """Union every pair of core points within ``sqrt(r2)`` whose first point lies in ``a..b-1``.

    ``parent`` (n,) int64 is the union-find forest (``parent[i] == i`` to start); ``touched[i]``
    becomes True for every core point that has a core neighbour within the radius. Each pair is
    visited once (``j > i``).
    """
    nx, ny, nz = dims[0], dims[1], dims[2]
    for i in range(a, b):
        if not core[i]:
            continue
        x, y, z = pts[i, 0], pts[i, 1], pts[i, 2]
        ix, iy, iz = _cell_of(x, y, z, lo, cell, dims)
        for gx in range(max(ix - 1, 0), min(ix + 2, nx)):
            for gy in range(max(iy - 1, 0), min(iy + 2, ny)):
                base = (gx * ny + gy) * nz
                for gz in range(max(iz - 1, 0), min(iz + 2, nz)):
                    k = base + gz
                    for j in range(max(starts[k], i + 1), starts[k + 1]):
                        if not core[j]:
                            continue
                        dx = pts[j, 0] - x
                        dy = pts[j, 1] - y
                        dz = pts[j, 2] - z
                        if dx * dx + dy * dy + dz * dz <= r2:
                            touched[i] = True
                            touched[j] = True
                            ri = _find(parent, i)
                            rj = _find(parent, j)
                            if ri != rj:
                                # The smaller index becomes the root: roots are stable and
                                # independent of the order pairs are met in.
                                if ri < rj:
                                    parent[rj] = ri
                                else:
                                    parent[ri] = rj


@njit(cache=True, nogil=True)
def flatten(parent):
    """Point every entry of the forest at its root (in place) and return it."""
    for i in range(parent.shape[0]):
        parent[i] = _find(parent, i)
    return parent


@njit(cache=True, nogil=True)
def nearest_within(query, pts, starts, near, lo, cell, dims, r2, out_idx, out_d2):
    """For every query point, the nearest grid point within ``sqrt(r2)``.

    ``out_idx`` gets its sorted index (-1: none within the radius) and ``out_d2`` the squared
    distance (``inf`` for none). Queries may lie outside the grid. ``near`` (n_cells,) uint8 marks the
    cells with a point in them or in a neighbour: a query in any other cell is done after one byte
    (most ions of a specimen are far from every cluster, and the byte table is 8x smaller than the
    cell starts, so it stays in cache).
    """
    nx, ny, nz = dims[0], dims[1], dims[2]
    glo0 = lo[0] - cell
    glo1 = lo[1] - cell
    glo2 = lo[2] - cell
    ghi0 = lo[0] + (nx + 1) * cell
    ghi1 = lo[1] + (ny + 1) * cell
    ghi2 = lo[2] + (nz + 1) * cell
    for q in range(query.shape[0]):
        x, y, z = query[q, 0], query[q, 1], query[q, 2]
        best = np.inf
        bi = -1
        # Far outside the grid: nothing can be within one cell edge (>= the radius).
        if glo0 <= x < ghi0 and glo1 <= y < ghi1 and glo2 <= z < ghi2:
            ix, iy, iz = _cell_of(x, y, z, lo, cell, dims)
            if near[(ix * ny + iy) * nz + iz] == 0:
                out_idx[q] = -1
                out_d2[q] = np.inf
                continue
            for gx in range(max(ix - 1, 0), min(ix + 2, nx)):
                for gy in range(max(iy - 1, 0), min(iy + 2, ny)):
                    base = (gx * ny + gy) * nz
                    for gz in range(max(iz - 1, 0), min(iz + 2, nz)):
                        k = base + gz
                        for j in range(starts[k], starts[k + 1]):
                            dx = pts[j, 0] - x
                            dy = pts[j, 1] - y
                            dz = pts[j, 2] - z
                            d2 = dx * dx + dy * dy + dz * dz
                            if d2 <= r2 and d2 < best:
                                best = d2
                                bi = j
        out_idx[q] = bi
        out_d2[q] = best


@njit(cache=True, nogil=True)
def column_extremes(pts, lo, cell, dims, best_val, best_pt):
    """Per column of each axis-pair projection, the point with the lowest and highest third coordinate.

    ``dims`` (3,) cells along x, y, z; ``best_val`` (6, M) float64 running extremes (``+inf`` / ``-inf``
    to start) and ``best_pt`` (6, M, 3) the points holding them, with M = max(nx*ny, nx*nz, ny*nz).
    Rows 0/1: min/max z over (x, y) columns; 2/3: min/max y over (x, z); 4/5: min/max x over (y, z).
    The convex hull of these points is the hull of all points up to about one cell.
    """
    nx, ny, nz = dims[0], dims[1], dims[2]
    for i in range(pts.shape[0]):
        x, y, z = pts[i, 0], pts[i, 1], pts[i, 2]
        ix = min(max(int((x - lo[0]) / cell), 0), nx - 1)
        iy = min(max(int((y - lo[1]) / cell), 0), ny - 1)
        iz = min(max(int((z - lo[2]) / cell), 0), nz - 1)
        cols = (ix * ny + iy, ix * nz + iz, iy * nz + iz)
        vals = (z, y, x)
        for k in range(3):
            c = cols[k]
            v = vals[k]
            if v < best_val[2 * k, c]:
                best_val[2 * k, c] = v
                best_pt[2 * k, c, 0] = x
                best_pt[2 * k, c, 1] = y
                best_pt[2 * k, c, 2] = z
            if v > best_val[2 * k + 1, c]:
                best_val[2 * k + 1, c] = v
                best_pt[2 * k + 1, c, 0] = x
                best_pt[2 * k + 1, c, 1] = y
                best_pt[2 * k + 1, c, 2] = z
