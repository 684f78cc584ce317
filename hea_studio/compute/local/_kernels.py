"""numba kernels of the atom-centred local entropy (science.md 7): the cell list and the k-nearest search.

Every kernel here is ``@njit(cache=True, nogil=True)`` (the GUI runs them on its worker thread while
the event loop keeps going) and has a plain-numpy twin of the same name in :mod:`._twins`; the tests
run both on the same data and compare to 1e-9. Kernels take only contiguous native arrays;
the callers in :mod:`.knn` do the conversions.
"""

from __future__ import annotations

import math

import numpy as np

from hea_studio.compute.common._jit import njit


# ---------------------------------------------------------------------------------------------
# Atom-centred local entropy (science.md 7)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def cell_list(rel, cell, nx, ny, nz):
    """Atoms grouped by grid cell of edge ``cell`` (counting sort).

    Returns ``order`` (atom indices, cell by cell) and ``starts`` (length ``nx*ny*nz + 1``): the
    atoms of cell ``(ix * ny + iy) * nz + iz`` are ``order[starts[c]:starts[c + 1]]``. Atoms
    outside the grid are clamped into its border cells.
    """
    n = rel.shape[0]
    ncell = nx * ny * nz
    cid = np.empty(n, dtype=np.int64)
    starts = np.zeros(ncell + 1, dtype=np.int64)
    for a in range(n):
        ix = min(max(int(rel[a, 0] / cell), 0), nx - 1)
        iy = min(max(int(rel[a, 1] / cell), 0), ny - 1)
        iz = min(max(int(rel[a, 2] / cell), 0), nz - 1)
        c = (ix * ny + iy) * nz + iz
        cid[a] = c
        starts[c + 1] += 1
    for c in range(ncell):
        starts[c + 1] += starts[c]
    fill = starts[:ncell].copy()
    order = np.empty(n, dtype=np.int64)
    for a in range(n):
        c = cid[a]
        order[fill[c]] = a
        fill[c] += 1
    return order, starts


@njit(cache=True, nogil=True)
def knn_entropy(rel, lab, K, starts, nx, ny, nz, cell, centres, ks, log_k):
    """Entropy (units of R) of the ``k`` atoms nearest to each centre atom, itself included.

    ``rel`` and ``lab`` hold the atoms cell by cell (in :func:`cell_list` order), so the atoms of
    cell ``c`` are ``starts[c]:starts[c + 1]`` and a centre's candidates are read from a few
    contiguous runs; ``centres`` index into that order.

    ``ks`` ascending; ``log_k[i] = ln i``. Cells are searched in growing cubic shells around the
    centre's cell until the ``max(ks)``-th nearest atom is certainly found: all atoms closer than
    the distance from the centre to the outside of the searched cube are in hand. Returns the
    entropies and the distances to the ``k``-th nearest atom, both ``(M, len(ks))``.
    """
    M = centres.shape[0]
    nk = ks.shape[0]
    kmax = ks[nk - 1]
    out = np.empty((M, nk), dtype=np.float64)
    reach = np.empty((M, nk), dtype=np.float64)
    cap = max(4 * kmax, 256)
    d2 = np.empty(cap, dtype=np.float64)
    lb = np.empty(cap, dtype=np.int64)
    counts = np.zeros(K, dtype=np.int64)
    for m in range(M):
        a = centres[m]
        x, y, z = rel[a, 0], rel[a, 1], rel[a, 2]
        cx = min(max(int(x / cell), 0), nx - 1)
        cy = min(max(int(y / cell), 0), ny - 1)
        cz = min(max(int(z / cell), 0), nz - 1)
        # Distance from the centre to the nearest face of its own cell: the searched cube of
        # shell s reaches at least s cells plus this far in every direction.
        inner = min(
            x - cx * cell,
            (cx + 1) * cell - x,
            y - cy * cell,
            (cy + 1) * cell - y,
            z - cz * cell,
            (cz + 1) * cell - z,
        )
        inner = max(inner, 0.0)
        n = 0
        s = 0
        while True:
            for ix in range(cx - s, cx + s + 1):
                if ix < 0 or ix >= nx:
                    continue
                edge_x = ix == cx - s or ix == cx + s
                for iy in range(cy - s, cy + s + 1):
                    if iy < 0 or iy >= ny:
                        continue
                    edge_y = edge_x or iy == cy - s or iy == cy + s
                    for iz in range(cz - s, cz + s + 1):
                        if iz < 0 or iz >= nz:
                            continue
                        if not (edge_y or iz == cz - s or iz == cz + s):
                            continue  # inside the shell: searched already
                        c = (ix * ny + iy) * nz + iz
                        for b in range(starts[c], starts[c + 1]):
                            if n == cap:
                                cap *= 2
                                d2_new = np.empty(cap, dtype=np.float64)
                                lb_new = np.empty(cap, dtype=np.int64)
                                d2_new[:n] = d2[:n]
                                lb_new[:n] = lb[:n]
                                d2 = d2_new
                                lb = lb_new
                            dx = rel[b, 0] - x
                            dy = rel[b, 1] - y
                            dz = rel[b, 2] - z
                            d2[n] = dx * dx + dy * dy + dz * dz
                            lb[n] = lab[b]
                            n += 1
            everything = cx - s <= 0 and cy - s <= 0 and cz - s <= 0
            everything = everything and cx + s >= nx - 1 and cy + s >= ny - 1 and cz + s >= nz - 1
            if n >= kmax:
                covered = s * cell + inner
                kth = np.partition(d2[:n], kmax - 1)[kmax - 1]
                if kth <= covered * covered or everything:
                    break
            elif everything:
                break
            s += 1
        if n < kmax:
            out[m, :] = np.nan
            reach[m, :] = np.nan
            continue
        # Sort only the atoms up to the kmax-th distance (found by the last partition), not all n.
        kth = np.partition(d2[:n], kmax - 1)[kmax - 1]
        close = np.empty(n, dtype=np.int64)
        nc = 0
        for t in range(n):
            close[nc] = t
            nc += d2[t] <= kth
        close = close[:nc]
        nearest = close[np.argsort(d2[close])][:kmax]
        counts[:] = 0
        j = 0
        for r in range(kmax):
            counts[lb[nearest[r]]] += 1
            if r + 1 == ks[j]:
                kk = r + 1
                h = 0.0
                for e in range(K):
                    c = counts[e]
                    if c > 0:
                        h -= c / kk * (log_k[c] - log_k[kk])
                out[m, j] = h
                reach[m, j] = math.sqrt(d2[nearest[r]])
                j += 1
                if j == nk:
                    break
    return out, reach
