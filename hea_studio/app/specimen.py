"""Where the specimen is: the largest cube that lies inside it ("Largest cube" button).

The default sub-volume (the largest box) comes from :func:`hea_studio.compute.roi.default_box`; in a
conical tip that box is long and thin, while the largest *cube* sits at the wide end, so it is found
separately here with the same notion of "inside": voxels holding at least half the typical
interior density.
"""

from __future__ import annotations

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box

_VOXELS = 48  # along the longest side: fine enough to follow a cone, coarse enough to be quick
_MIN_ATOMS_PER_VOXEL = 200.0  # Poisson noise ~7 %: no false holes at the 50 % threshold
_INSIDE_SHARE = 0.5


def inside_mask(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Voxels inside the specimen.

    Returns
    -------
    mask, origin, edge
        Boolean (nx, ny, nz) mask, the lower corner of voxel (0, 0, 0) in nm, and the voxel edge (nm).
    """
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[0] < 100:
        raise InputError("need at least 100 atoms to find the specimen")
    lo = pos.min(axis=0)
    extent = np.maximum(pos.max(axis=0) - lo, 1e-9)
    density = pos.shape[0] / float(np.prod(extent))
    edge = max(float(extent.max()) / _VOXELS, (_MIN_ATOMS_PER_VOXEL / density) ** (1.0 / 3.0))
    shape = np.maximum(np.ceil(extent / edge).astype(np.int64), 1)
    idx = np.minimum(((pos - lo) / edge).astype(np.int64), shape - 1)
    flat = (idx[:, 0] * shape[1] + idx[:, 1]) * shape[2] + idx[:, 2]
    counts = np.bincount(flat, minlength=int(np.prod(shape))).reshape(tuple(shape))
    typical = np.percentile(counts[counts > 0], 90)
    return counts >= _INSIDE_SHARE * typical, lo, edge


def largest_cube_in_mask(mask: np.ndarray) -> tuple[int, tuple[int, int, int]]:
    """Edge (voxels) and lower corner of the largest all-True cube in a 3-D mask (0 if none)."""
    # Summed-volume table: the sum over any k*k*k window is 8 lookups, so "does a cube of k fit"
    # is one vectorised test, and the answer is monotone in k (binary search).
    table = np.zeros(tuple(s + 1 for s in mask.shape), dtype=np.int64)
    table[1:, 1:, 1:] = mask.astype(np.int64).cumsum(0).cumsum(1).cumsum(2)

    def fits(k: int) -> tuple[int, int, int] | None:
        if k > min(mask.shape):
            return None
        t = table
        s = (
            t[k:, k:, k:]
            - t[:-k, k:, k:]
            - t[k:, :-k, k:]
            - t[k:, k:, :-k]
            + t[:-k, :-k, k:]
            + t[:-k, k:, :-k]
            + t[k:, :-k, :-k]
            - t[:-k, :-k, :-k]
        )
        hits = np.argwhere(s == k**3)
        if hits.size == 0:
            return None
        # Of all positions, take the one closest to the middle of the fitting range (a stable choice).
        centre = hits.mean(axis=0)
        best = hits[np.argmin(np.sum((hits - centre) ** 2, axis=1))]
        return (int(best[0]), int(best[1]), int(best[2]))

    lo_k, hi_k, corner = 0, min(mask.shape), (0, 0, 0)
    while lo_k < hi_k:
        k = (lo_k + hi_k + 1) // 2
        found = fits(k)
        if found is None:
            hi_k = k - 1
        else:
            lo_k, corner = k, found
    return lo_k, corner


def largest_cube(positions: np.ndarray) -> Box:
    """The largest axis-aligned cube lying inside the specimen (nm)."""
    mask, origin, edge = inside_mask(positions)
    k, corner = largest_cube_in_mask(mask)
    if k == 0:
        raise InputError("could not find a cube inside the specimen: the data are too sparse")
    lo = origin + edge * np.asarray(corner, dtype=np.float64)
    return Box(tuple(lo), tuple(lo + edge * k))
