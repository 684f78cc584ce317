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


FAR_SHARE = 1e-3
"""Groups of rows holding at most this share of all atoms, cut off from the specimen by empty
planes of the density map, are far stray ions: they are left out of the specimen's extent."""
_MAX_REFINE = 3  # nested groups of strays (one far, one less far): each round removes one level


def inside_mask(
    positions: np.ndarray,
    min_atoms_per_voxel: float = _CUBE_ATOMS_PER_VOXEL,
    smooth: bool = False,
    task: TaskState | None = None,
    span: tuple[float, float] | None = (0.0, 1.0),
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    weights: scan.RowWeights = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """:func:`specimen_grid` without the count of far rows."""
    return specimen_grid(positions, min_atoms_per_voxel, smooth, task, span, bounds, weights)[:4]


def specimen_grid(
    positions: np.ndarray,
    min_atoms_per_voxel: float = _CUBE_ATOMS_PER_VOXEL,
    smooth: bool = False,
    task: TaskState | None = None,
    span: tuple[float, float] | None = (0.0, 1.0),
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    weights: scan.RowWeights = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int]:
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
    mask, lo, hi, edge, n_far
        Boolean (nx, ny, nz) C-contiguous mask, the lower corner of voxel (0, 0, 0) and the data's
        upper corner in nm, the voxel edge (nm), and the number of far stray rows left out.

    Notes
    -----
    A few stray ions microns away would stretch the grid so far that the whole specimen fits in one
    voxel. The density map of the usual pass shows them as small groups cut off by empty planes
    (:func:`_bulk_window`); only then are the bounds of the rest measured (one more pass) and the
    map redone inside them, so the usual path costs nothing extra.
    """
    pos = scan.native(positions)
    if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] < 100:
        raise InputError("need at least 100 atoms to find the specimen")
    first, second = scan.halves(span)
    if bounds is None:
        lo, hi = scan.bounds(pos, task, first)
    else:
        lo, hi = (np.asarray(v, dtype=np.float64) for v in bounds)
    n = pos.shape[0]
    if weights is not None:  # the atoms the rows stand for (counted once, with the atom set)
        n = int(weights[2])
    n_far = 0
    windowed = False
    for _ in range(_MAX_REFINE + 1):
        extent = np.maximum(hi - lo, 1e-9)
        density = n / float(np.prod(extent))
        edge = max(float(extent.max()) / VOXELS, (min_atoms_per_voxel / density) ** (1.0 / 3.0))
        shape = np.maximum(np.ceil(extent / edge).astype(np.int64), 1)
        counts = scan.density_grid(
            pos,
            lo,
            edge,
            (int(shape[0]), int(shape[1]), int(shape[2])),
            task if not windowed else None,
            second if not windowed else None,
            weights,
            window_hi=hi if windowed else None,
        )
        window = _bulk_window(counts, lo, hi, edge)
        if window is None:
            break
        # Far strays: measure the rest (this pass and the map above are only run when there are some).
        lo, hi, n_far = scan.bounds_within(pos, window[0], window[1], None, None)
        n = max(int(counts[window[2]].sum()), 1)  # the density of the next round: atoms kept
        windowed = True
    field = _smooth3(counts) if smooth else counts
    typical = np.percentile(field[counts > 0], 90)
    return np.ascontiguousarray(field >= INSIDE_SHARE * typical), lo, hi, float(edge), n_far


def _bulk_window(
    counts: np.ndarray, lo: np.ndarray, hi: np.ndarray, edge: float
) -> tuple[np.ndarray, np.ndarray, tuple[slice, slice, slice]] | None:
    """The closed box (nm) of the voxel planes that hold the specimen, or ``None`` when no far
    strays are seen.

    Along each axis, the occupied planes split into runs separated by empty planes; whole runs at
    either end are dropped while together they hold at most :data:`FAR_SHARE` of the atoms.
    """
    total = float(counts.sum())
    if total <= 0:
        return None
    keep = []
    cut = False
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        m = counts.sum(axis=other)
        occupied = np.nonzero(m > 0)[0]
        # Runs of occupied planes: a new run starts after an empty plane.
        starts = np.concatenate([[0], np.nonzero(np.diff(occupied) > 1)[0] + 1])
        stops = np.concatenate([starts[1:], [len(occupied)]])
        runs = [(int(occupied[a]), int(occupied[b - 1]), float(m[occupied[a] : occupied[b - 1] + 1].sum()))
                for a, b in zip(starts, stops)]  # fmt: skip
        first, last = 0, len(runs) - 1
        dropped = 0.0
        while first < last and dropped + runs[first][2] <= FAR_SHARE * total:
            dropped += runs[first][2]
            first += 1
        while last > first and dropped + runs[last][2] <= FAR_SHARE * total:
            dropped += runs[last][2]
            last -= 1
        cut = cut or first > 0 or last < len(runs) - 1
        keep.append((runs[first][0], runs[last][1]))
    if not cut:
        return None
    i0 = np.array([k[0] for k in keep])
    i1 = np.array([k[1] for k in keep]) + 1
    wlo = lo + edge * i0
    # The last plane also holds the rows beyond it (the histogram clamps them in): up to hi then.
    whi = np.where(i1 >= np.array(counts.shape), hi, lo + edge * i1)
    return wlo, whi, (slice(i0[0], i1[0]), slice(i0[1], i1[1]), slice(i0[2], i1[2]))


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
