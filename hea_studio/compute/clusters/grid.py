"""A uniform cell grid over a point set: the spatial index of the cluster search.

Points are sorted by cell, and a dense array of cell starts lets a kernel find the points of any cell
in O(1). The cell edge is at least the search radius, and grows when the bounding box would need
more than ``max_cells`` cells (a 10^8-ion specimen at 0.25 nm would otherwise need 10^9 cells): a
larger cell only means more candidates per query, never a missed neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError

MAX_CELLS = 1 << 24
"""Largest dense cell table (int64 starts: 128 MiB)."""


@dataclass(frozen=True, eq=False)
class CellGrid:
    """Points sorted by cell, with the table of where each cell starts.

    Attributes
    ----------
    points
        (n, 3) float64, sorted by cell.
    order
        (n,) int64: ``points[i]`` is input point ``order[i]``.
    starts
        (n_cells + 1,) int64: the points of cell ``c`` are ``starts[c]:starts[c + 1]``.
    lo
        (3,) float64 minimum corner of the grid.
    cell
        Cell edge (nm), at least the radius the grid was built for.
    dims
        (3,) int64 cells along x, y, z.
    """

    points: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    lo: np.ndarray
    cell: float
    dims: np.ndarray
    near: np.ndarray

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.points.shape[0])

    def nearest(self, query: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """Sorted index of the nearest point within ``radius`` of each query (-1: none) and the
        squared distance (``inf``: none). ``radius`` must not exceed the radius the grid was built for.
        """
        from hea_studio.compute.clusters import _kernels

        q = np.asarray(query)
        # float32 positions straight from the file are read as they are (no float64 copy per chunk).
        q = np.ascontiguousarray(q if q.dtype in (np.float32, np.float64) else q.astype(np.float64)).reshape(
            -1, 3
        )
        idx = np.empty(len(q), np.int64)
        d2 = np.empty(len(q))
        _kernels.nearest_within(
            q, self.points, self.starts, self.near, self.lo, self.cell, self.dims, radius * radius, idx, d2
        )
        return idx, d2


def build_grid(points: np.ndarray, radius: float, max_cells: int = MAX_CELLS) -> CellGrid:
    """Sort ``points`` into cells of edge >= ``radius``.

    Parameters
    ----------
    points
        (n, 3) positions in nm (any float dtype).
    radius
        The largest search radius the grid will serve (nm, > 0).
    max_cells
        Upper bound on the number of cells.

    Returns
    -------
    CellGrid
    """
    if not (np.isfinite(radius) and radius > 0):
        raise InputError(f"a search radius must be a positive number of nm, got {radius}")
    pts = np.ascontiguousarray(points, dtype=np.float64).reshape(-1, 3)
    if len(pts) == 0:
        lo = np.zeros(3)
        no_points = (np.zeros(0, np.int64), np.zeros(2, np.int64), lo, float(radius), np.ones(3, np.int64))
        return CellGrid(pts, *no_points, np.zeros(1, np.uint8))
    lo = pts.min(axis=0)
    span = np.maximum(pts.max(axis=0) - lo, 0.0)
    cell = float(radius)
    while True:
        dims = np.floor(span / cell).astype(np.int64) + 1
        if int(np.prod(dims)) <= max_cells:
            break
        # Grow so that the volume fits, then a little more for the rounding of each axis.
        cell = max(cell * 1.05, float(np.cbrt(np.prod(span + cell) / max_cells)))
    idx = np.minimum(((pts - lo) / cell).astype(np.int64), dims - 1)
    keys = (idx[:, 0] * dims[1] + idx[:, 1]) * dims[2] + idx[:, 2]
    order = np.argsort(keys, kind="stable")
    starts = np.zeros(int(np.prod(dims)) + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=int(np.prod(dims))), out=starts[1:])
    # Cells with a point in them or in one of their 26 neighbours (the only cells a query within the
    # radius can come from).
    from scipy.ndimage import maximum_filter

    occupied = (starts[1:] > starts[:-1]).reshape(tuple(dims)).astype(np.uint8)
    near = np.ascontiguousarray(maximum_filter(occupied, size=3, mode="constant").ravel())
    return CellGrid(np.ascontiguousarray(pts[order]), order.astype(np.int64), starts, lo, cell, dims, near)
