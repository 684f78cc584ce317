"""Plain-numpy twins of the fine-grid kernels in :mod:`._fine` (same names, same contracts).

Written to be obviously correct (whole-array masks, ``np.add.at``, a stable argsort) rather than
fast; the tests run kernel and twin on the same data and require equal results.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common._kernels import FACE_TOLERANCE
from hea_studio.compute.lac._fine import IN_GRID, ON_FACE, OUTSIDE


def _near_face(v: np.ndarray) -> np.ndarray:
    return np.abs(v - np.floor(v + 0.5)) <= FACE_TOLERANCE * np.maximum(1.0, np.abs(v))


def fine_coords(pos, lo, g, nx, ny, nz, ix, iy, iz, flag):
    v = (pos.astype(np.float64) - np.asarray(lo, dtype=np.float64)) / g
    f = np.floor(v)
    dims = np.array([nx, ny, nz])
    outside = np.any(f < 0, axis=1) | np.any(f >= dims, axis=1)
    face = ~outside & np.any(_near_face(v), axis=1)
    inside = ~outside & ~face
    flag[:] = np.where(outside, OUTSIDE, np.where(face, ON_FACE, IN_GRID))
    for axis, out in enumerate((ix, iy, iz)):
        out[:] = np.where(inside, f[:, axis], 0).astype(out.dtype)
    return int(inside.sum())


def fine_sort(ix, iy, iz, lab, flag, nx, ny, out_z, out_lab):
    keep = flag == IN_GRID
    col = ix[keep].astype(np.int64) * ny + iy[keep]
    order = np.argsort(col, kind="stable")
    out_z[:] = iz[keep][order]
    out_lab[:] = lab[keep][order]
    starts = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(np.bincount(col, minlength=nx * ny), out=starts[1:])
    return starts


def _columns(starts, ny):
    """x and y voxel of every grouped atom."""
    col = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    return col // ny, col % ny


def fine_tile_dense(starts, fz, flab, ny, lutx, luty, lutz, cy, cz, K):
    cx = int(lutx.max(initial=-1)) + 1
    i, j = _columns(starts, ny)
    a, b, c = lutx[i], luty[j], lutz[fz.astype(np.int64)]
    ok = (a >= 0) & (b >= 0) & (c >= 0)
    out = np.zeros((cx * cy * cz, K), dtype=np.int64)
    np.add.at(out, (((a * cy + b) * cz + c)[ok], flab[ok].astype(np.int64)), 1)
    return out


def fine_tile_sparse(starts, fz, flab, ny, m, ox, oy, cx, cy, cz, lutz, K, face_row, face_c, face_lab):
    i, j = _columns(starts, ny)
    a = (i - ox) // m
    b = (j - oy) // m
    c = lutz[fz.astype(np.int64)]
    ok = (i >= ox) & (j >= oy) & (a < cx) & (b < cy) & (c >= 0)
    ids = np.concatenate([((a * cy + b) * cz + c)[ok], face_row * cz + face_c])
    labs = np.concatenate([flab[ok].astype(np.int64), face_lab.astype(np.int64)])
    numbers, inverse = np.unique(ids, return_inverse=True)
    out = np.zeros((len(numbers), K), dtype=np.int64)
    np.add.at(out, (inverse.ravel(), labs), 1)
    return numbers.astype(np.int64), out
