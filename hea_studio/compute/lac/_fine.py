"""numba kernels of the fine voxel grid: every atom binned once, every edge counted from integers.

The edges of a list that are whole multiples of a common voxel edge ``g`` (``0.5:10:0.5``,
``0.1:20:0.1``, the SUME interval's shifted grids rounded to whole voxels) share one fine grid:
each atom's voxel ``floor((x - xmin) / g)`` is computed once (:func:`fine_coords`), the atoms are
grouped by (x, y) voxel column keeping only their z voxel and element (:func:`fine_sort`, 3 bytes
per atom), and the cubes of edge ``m g`` shifted by ``o`` voxels are counted from those integers
with per-axis look-up tables ``(i - o) // m`` (:func:`fine_tile_dense`, :func:`fine_tile_sparse`):
no division and no float per atom, and the count array is visited column by column.

The arithmetic is that of the voxel summed-volume table (:func:`hea_studio.compute.common._kernels.voxel_fill_chunk`), so
the counts equal the per-edge ``floor((x - xmin - shift) / L)`` of science.md 3 exactly: atoms
within rounding distance of a voxel face are left out here and binned per edge by the caller.
Every kernel has a plain-numpy twin of the same name in :mod:`._fine_twins`.
"""

from __future__ import annotations

import math

import numpy as np

from hea_studio.compute.common._jit import njit
from hea_studio.compute.common._kernels import _near_face

IN_GRID, ON_FACE, OUTSIDE = 0, 1, 2
"""Flags of :func:`fine_coords`: counted from the grid, binned per edge, in no cube of any edge."""


@njit(cache=True, nogil=True)
def fine_coords(pos, lo, g, nx, ny, nz, ix, iy, iz, flag):
    """Voxel of edge ``g`` of every atom (``ix``, ``iy``, ``iz``) and its flag (see module).

    ``pos`` (M, 3) in stored precision, all inside the box whose minimum corner is ``lo``; the grid
    has ``nx * ny * nz`` whole voxels. Returns the number of atoms flagged :data:`IN_GRID`.
    """
    n_in = 0
    for a in range(pos.shape[0]):
        vx = (pos[a, 0] - lo[0]) / g
        vy = (pos[a, 1] - lo[1]) / g
        vz = (pos[a, 2] - lo[2]) / g
        fx = math.floor(vx)
        fy = math.floor(vy)
        fz = math.floor(vz)
        ix[a] = 0
        iy[a] = 0
        iz[a] = 0
        if fx < 0 or fy < 0 or fz < 0 or fx >= nx or fy >= ny or fz >= nz:
            flag[a] = OUTSIDE
        elif _near_face(vx) or _near_face(vy) or _near_face(vz):
            flag[a] = ON_FACE
        else:
            flag[a] = IN_GRID
            ix[a] = fx
            iy[a] = fy
            iz[a] = fz
            n_in += 1
    return n_in


@njit(cache=True, nogil=True)
def fine_sort(ix, iy, iz, lab, flag, nx, ny, out_z, out_lab):
    """Group the :data:`IN_GRID` atoms by voxel column ``ix * ny + iy`` (a counting sort).

    Writes their z voxels and elements to ``out_z`` and ``out_lab`` (sized to the atoms in grid)
    and returns the (nx * ny + 1,) int64 offsets of each column's atoms. Atoms keep their order
    within a column.
    """
    starts = np.zeros(nx * ny + 1, dtype=np.int64)
    for a in range(ix.shape[0]):
        if flag[a] == IN_GRID:
            starts[np.int64(ix[a]) * ny + iy[a] + 1] += 1
    for c in range(nx * ny):
        starts[c + 1] += starts[c]
    fill = starts[:-1].copy()
    for a in range(ix.shape[0]):
        if flag[a] == IN_GRID:
            c = np.int64(ix[a]) * ny + iy[a]
            t = fill[c]
            out_z[t] = iz[a]
            out_lab[t] = lab[a]
            fill[c] = t + 1
    return starts


@njit(cache=True, nogil=True)
def fine_tile_dense(starts, fz, flab, ny, lutx, luty, lutz, cy, cz, K):
    """(cx*cy*cz, K) int64 counts of every cube from the column-grouped fine grid.

    ``lutx[i]`` is the cube column of x voxel ``i`` (``(i - o) // m``) or -1 outside the grid, and
    likewise ``luty``, ``lutz``; ``cx`` is implied by ``lutx``.
    """
    cx = 0
    for i in range(lutx.shape[0]):
        cx = max(cx, lutx[i] + 1)
    out = np.zeros((cx * cy * cz, K), dtype=np.int64)
    for i in range(lutx.shape[0]):
        a = lutx[i]
        if a < 0:
            continue
        for j in range(ny):
            b = luty[j]
            if b < 0:
                continue
            base = (np.int64(a) * cy + b) * cz
            col = np.int64(i) * ny + j
            for t in range(starts[col], starts[col + 1]):
                c = lutz[fz[t]]
                if c >= 0:
                    out[base + c, flab[t]] += 1
    return out


@njit(cache=True, nogil=True)
def fine_tile_sparse(starts, fz, flab, ny, m, ox, oy, cx, cy, cz, lutz, K, face_row, face_c, face_lab):
    """Counts of the non-empty cubes only, ascending cube number: ``(numbers, counts (rows, K))``.

    Cubes of ``m`` voxels edge whose grid starts ``ox``, ``oy`` voxels from the origin (the z offset
    is in ``lutz``). Each row of cubes (fixed x and y cube) is counted into one small line of
    ``cz`` cubes from the ``m * m`` voxel columns it covers, then its non-empty cubes are appended.
    ``face_row`` (ascending ``x cube * cy + y cube``), ``face_c`` (z cube) and ``face_lab`` are
    atoms binned by the caller (those near voxel faces), added to their rows' lines.
    """
    line = np.zeros((cz, K), dtype=np.int64)
    total = np.zeros(cz, dtype=np.int64)
    touched = np.empty(cz, dtype=np.int64)
    # At most one row per atom: one allocation, written once (no growth, no copy).
    cap = min(fz.shape[0] + face_row.shape[0], cx * cy * cz)
    fp = 0
    nf = face_row.shape[0]
    out = np.empty((cap, K), dtype=np.int64)
    numbers = np.empty(cap, dtype=np.int64)
    row = 0
    for a in range(cx):
        for b in range(cy):
            n_t = 0
            for di in range(m):
                i = ox + a * m + di
                for dj in range(m):
                    col = np.int64(i) * ny + oy + b * m + dj
                    for t in range(starts[col], starts[col + 1]):
                        c = lutz[fz[t]]
                        if c >= 0:
                            if total[c] == 0:
                                touched[n_t] = c
                                n_t += 1
                            total[c] += 1
                            line[c, flab[t]] += 1
            r = np.int64(a) * cy + b
            while fp < nf and face_row[fp] == r:
                c = face_c[fp]
                if total[c] == 0:
                    touched[n_t] = c
                    n_t += 1
                total[c] += 1
                line[c, face_lab[fp]] += 1
                fp += 1
            if n_t == 0:
                continue
            if n_t > 32:
                touched[:n_t] = np.sort(touched[:n_t])
            else:  # a short row: insertion sort in place, no allocation
                for u in range(1, n_t):
                    v = touched[u]
                    w = u - 1
                    while w >= 0 and touched[w] > v:
                        touched[w + 1] = touched[w]
                        w -= 1
                    touched[w + 1] = v
            base = (np.int64(a) * cy + b) * cz
            for t in range(n_t):
                c = touched[t]
                for k in range(K):
                    out[row, k] = line[c, k]
                    line[c, k] = 0
                total[c] = 0
                numbers[row] = base + c
                row += 1
    return numbers[:row], out[:row]
