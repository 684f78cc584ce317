"""Plain-numpy twins of the numba kernels in :mod:`._kernels`.

Each function has the kernel's name and contract and is written to be obviously correct rather than
fast (full sums instead of windows, masks instead of sorted scans). The tests compare kernel and twin
on the same data.
"""

from __future__ import annotations

import numpy as np


def cell_list(rel, cell, nx, ny, nz):
    """Atoms grouped by cell, by a stable argsort of the cell ids."""
    ix = np.clip((rel[:, 0] / cell).astype(np.int64), 0, nx - 1)
    iy = np.clip((rel[:, 1] / cell).astype(np.int64), 0, ny - 1)
    iz = np.clip((rel[:, 2] / cell).astype(np.int64), 0, nz - 1)
    cid = (ix * ny + iy) * nz + iz
    order = np.argsort(cid, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(cid, minlength=nx * ny * nz))])
    return order, starts


def knn_entropy(rel, lab, K, starts, nx, ny, nz, cell, centres, ks, log_k):
    """Entropy of the k nearest atoms by sorting every distance (brute force)."""
    kmax = int(ks[-1])
    out = np.empty((centres.shape[0], ks.shape[0]))
    reach = np.empty((centres.shape[0], ks.shape[0]))
    for m, a in enumerate(centres):
        d2 = np.sum((rel - rel[a]) ** 2, axis=1)
        nearest = np.argsort(d2, kind="stable")[:kmax]
        for j, k in enumerate(ks):
            x = np.bincount(lab[nearest[:k]], minlength=K) / k
            x = x[x > 0]
            out[m, j] = -np.sum(x * np.log(x))
            reach[m, j] = np.sqrt(d2[nearest[k - 1]])
    return out, reach
