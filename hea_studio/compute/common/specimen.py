"""Where the specimen is: which voxels lie inside it, and the largest cube inside it.

One notion of "inside" serves both the default sub-volume
(:func:`hea_studio.compute.lac.roi.default_box`, the largest *box*) and the "Largest cube" button: the
atoms are histogrammed on a coarse voxel grid, and a voxel is inside when it holds at least half the
typical interior density (the 90th percentile of occupied voxels). In a conical tip the largest box
is long and thin while the largest cube sits at the wide end, so the two are searched separately.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common import scan
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.progress import TaskState

VOXELS = 48  # along the longest side: fine enough to follow a cone, coarse enough to be quick
INSIDE_SHARE = 0.5  # of the typical interior density: puts the boundary at the specimen surface
# The cube search needs no holes at the 50 % threshold without smoothing: ~200 atoms a voxel
# (Poisson noise ~7 %).
_CUBE_ATOMS_PER_VOXEL = 200.0


def inside_mask(
    positions: np.ndarray,
    min_atoms_per_voxel: float = _CUBE_ATOMS_PER_VOXEL,
    smooth: bool = False,
    task: TaskState | None = None,
    span: tuple[float, float] | None = (0.0, 1.0),
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    weights: scan.RowWeights = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Voxels inside the specimen, in two chunked passes over the positions (bounds, then the voxel
    histogram) with no copy of them.

    Parameters
    ----------
    positions
        (N, 3) coordinates in nm, float32 or float64 (at least 100 atoms).
    min_atoms_per_voxel
        Voxels are made at least this big in expected atoms (fewer: the map is mostly noise).
    smooth
        Judge each voxel by the mean of its 3x3x3 neighbourhood, so that counting noise does not
        punch holes into the interior (lets the voxels be smaller).
    task, span
        Progress and cancellation, and the part of the progress bar the passes fill.
    bounds
        The positions' minimum and maximum corner if already known (saves a pass).
    weights
        Atoms per row when rows are ions (:meth:`~hea_studio.core.atoms.AtomSet.row_weights`).

    Returns
    -------
    mask, lo, hi, edge
        Boolean (nx, ny, nz) C-contiguous mask, the lower corner of voxel (0, 0, 0) and the data's
        upper corner in nm, and the voxel edge (nm).
    """
    pos = scan.native(positions)
    if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] < 100:
        raise InputError("need at least 100 atoms to find the specimen")
    first, second = scan.halves(span)
    if bounds is None:
        lo, hi = scan.bounds(pos, task, first)
    else:
        lo, hi = (np.asarray(v, dtype=np.float64) for v in bounds)
    extent = np.maximum(hi - lo, 1e-9)
    n = pos.shape[0]
    if weights is not None:  # the atoms the rows stand for (counted once, with the atom set)
        n = int(weights[2])
    density = n / float(np.prod(extent))
    edge = max(float(extent.max()) / VOXELS, (min_atoms_per_voxel / density) ** (1.0 / 3.0))
    shape = np.maximum(np.ceil(extent / edge).astype(np.int64), 1)
    counts = scan.density_grid(
        pos, lo, edge, (int(shape[0]), int(shape[1]), int(shape[2])), task, second, weights
    )
    field = _smooth3(counts) if smooth else counts
    typical = np.percentile(field[counts > 0], 90)
    return np.ascontiguousarray(field >= INSIDE_SHARE * typical), lo, hi, float(edge)


def _smooth3(counts: np.ndarray) -> np.ndarray:
    """Mean over each voxel's 3x3x3 neighbourhood (edges padded with zeros, i.e. outside = empty)."""
    padded = np.pad(counts.astype(np.float64), 1)
    nx, ny, nz = counts.shape
    out = np.zeros(counts.shape)
    for dx in range(3):
        for dy in range(3):
            for dz in range(3):
                out += padded[dx : dx + nx, dy : dy + ny, dz : dz + nz]
    return out / 27.0


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


def largest_cube(
    positions: np.ndarray,
    weights: scan.RowWeights = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> Box:
    """The largest axis-aligned cube lying inside the specimen (nm); ``weights`` and ``bounds`` as in
    :func:`inside_mask`."""
    mask, origin, _hi, edge = inside_mask(positions, weights=weights, bounds=bounds)
    k, corner = largest_cube_in_mask(mask)
    if k == 0:
        raise InputError("could not find a cube inside the specimen: the data are too sparse")
    lo = origin + edge * np.asarray(corner, dtype=np.float64)
    return Box(tuple(lo), tuple(lo + edge * k))
