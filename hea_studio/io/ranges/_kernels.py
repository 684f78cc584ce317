"""numba kernels of ranging: one pass over a memory-mapped file, no temporaries.

Each kernel has a plain-numpy twin that the tests run on the same data (``assign_numpy`` in
:mod:`.ranging`). Kernels are ``nogil`` so that the GUI can range on a worker thread while the
event loop runs.

Why kernels here: the numpy route converts every chunk (byte swap, float64 copy) before its
``searchsorted``; the kernels read the mapped bytes once, which makes ranging a file cost about as
much as merely reading it.
"""

from __future__ import annotations

import numpy as np

from hea_studio.core.jit import njit  # first: it points numba's cache at the user cache folder


@njit(cache=True, nogil=True)
def assign(mass, edges, slots, grid_lo, grid_inv_step, grid, mixed, out):  # pragma: no cover - compiled
    """``out[i] = slots[searchsorted(edges, mass[i], "right")]`` with NaN -> -1.

    ``grid`` maps uniform cells of m/n starting at ``grid_lo`` to their slot when no edge falls
    inside the cell (most of them), or to ``mixed``, in which case a binary search decides.
    """
    n_edges = edges.shape[0]
    n_cells = grid.shape[0]
    first = edges[0]
    last = edges[n_edges - 1]
    for i in range(mass.shape[0]):
        m = np.float64(mass[i])
        if not (m >= first) or m >= last:  # below the first edge, at/after the last, or NaN
            out[i] = -1
            continue
        cell = int((m - grid_lo) * grid_inv_step)
        if 0 <= cell < n_cells:
            s = grid[cell]
            if s != mixed:
                out[i] = s
                continue
        lo = 0
        hi = n_edges
        while lo < hi:  # first edge > m  (searchsorted side="right")
            mid = (lo + hi) >> 1
            if edges[mid] <= m:
                lo = mid + 1
            else:
                hi = mid
        out[i] = slots[lo]


@njit(cache=True, nogil=True)
def gather_ranged(raw, swap, species, relabel, out_pos, out_lab, o):  # pragma: no cover - compiled
    """Copy the ranged rows (``species >= 0``) of ``raw`` to ``out_pos`` from row ``o``; returns the next row.

    ``raw`` is (N, 3) float32 coordinates reinterpreted as uint32 (any strides, e.g. a view into a
    mapped .pos), byte-swapped when ``swap``; ``out_pos`` is the native float32 output viewed as
    uint32, so the bits are moved without a float conversion. ``out_lab`` receives ``relabel[s]``.
    """
    for i in range(species.shape[0]):
        s = species[i]
        if s < 0:
            continue
        for d in range(3):
            u = raw[i, d]
            if swap:
                u = (
                    ((u & np.uint32(0xFF)) << np.uint32(24))
                    | ((u & np.uint32(0xFF00)) << np.uint32(8))
                    | ((u >> np.uint32(8)) & np.uint32(0xFF00))
                    | (u >> np.uint32(24))
                )
            out_pos[o, d] = u
        out_lab[o] = relabel[s]
        o += 1
    return o
