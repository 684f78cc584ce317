"""The maximum separation method (Vaumousse et al. 2003; Hyde & English 2000), with IVAS's parameters.

Steps, with IVAS's names:

1. **Core (d-max, order).** A solute ion is a core ion when at least ``order`` other solute ions lie
   within ``d-max`` of it (its ``order``-th nearest solute neighbour is within ``d-max``).
2. **Linking.** Core ions within ``d-max`` of each other belong to the same cluster (friends of
   friends); a cluster keeps going as long as a chain of such steps continues.
3. **N-min.** Clusters of fewer than ``N-min`` solute ions are dropped (their ions are matrix).
4. **Envelope (L).** Every ion (any species) within ``L`` of a core ion of a kept cluster joins the
   cluster of its nearest core ion.
5. **Erosion (d-erosion).** An ion added by the envelope that lies within ``d-erosion`` of an ion left
   in the matrix is removed again (it sits at the cluster/matrix interface). Core ions are never
   eroded, so the solute cores found in steps 1-3 stay whole.

Every step touching all ions runs in chunks with progress and cancel. The spatial index is a cell
grid (:mod:`.grid`) walked by numba kernels (:mod:`._kernels`); only the solute ions and the ions near
clusters are ever held in float64.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hea_studio.compute.clusters import _kernels as nb
from hea_studio.compute.clusters.grid import build_grid
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled

CHUNK = 1 << 21
"""Ions per pass step over all ions (about 50 MB of float64 temporaries)."""

LINK_CHUNK = 1 << 18
"""Solute ions per linking step (progress and cancel between steps)."""


@dataclass(frozen=True)
class MsmParameters:
    """Parameters of the maximum separation method, as IVAS names them (distances in nm).

    Parameters
    ----------
    dmax
        Largest solute-solute separation within a cluster.
    order
        A solute ion is core when its ``order``-th nearest solute neighbour is within ``dmax``.
    nmin
        Smallest cluster kept, in solute ions.
    envelope
        L: ions within this distance of a core ion join the cluster (0: solute cores only).
    erosion
        d-erosion: envelope ions within this distance of a matrix ion are removed again.
    """

    dmax: float
    order: int = 1
    nmin: int = 20
    envelope: float = 0.0
    erosion: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.dmax) and self.dmax > 0):
            raise InputError(f"d-max must be a positive distance in nm, got {self.dmax}")
        if int(self.order) != self.order or self.order < 1:
            raise InputError(f"order must be a whole number >= 1, got {self.order}")
        if int(self.nmin) != self.nmin or self.nmin < 1:
            raise InputError(f"N-min must be a whole number of ions >= 1, got {self.nmin}")
        for name, v in (("envelope L", self.envelope), ("d-erosion", self.erosion)):
            if not (np.isfinite(v) and v >= 0):
                raise InputError(f"{name} must be a distance >= 0 nm, got {v}")
        object.__setattr__(self, "order", int(self.order))
        object.__setattr__(self, "nmin", int(self.nmin))

    def to_dict(self) -> dict:
        """IVAS's names and values, as plain JSON types."""
        return {
            "dmax_nm": self.dmax,
            "order": self.order,
            "nmin": self.nmin,
            "envelope_nm": self.envelope,
            "erosion_nm": self.erosion,
        }


@dataclass(frozen=True, eq=False)
class Assignment:
    """Which cluster every ion belongs to.

    Attributes
    ----------
    cluster
        (N,) int32 cluster id per ion row, -1 for the matrix; ids run 0..n_clusters-1 in the order of
        each cluster's first core ion in the file.
    core
        (n_core,) int64 rows of the core (solute) ions of the kept clusters.
    n_clusters
        Number of clusters.
    solute_rows
        (n_solute,) int64 rows of all solute ions.
    """

    cluster: np.ndarray
    core: np.ndarray
    n_clusters: int
    solute_rows: np.ndarray = field(repr=False)


def solute_rows(
    labels: np.ndarray, solute: np.ndarray, task: TaskState | None = None, span=(0.0, 0.2)
) -> np.ndarray:
    """Rows whose label is a solute, chunk by chunk.

    Parameters
    ----------
    labels
        (N,) integer labels.
    solute
        (n_labels,) bool: which labels are solutes.
    """
    parts = []
    n = labels.shape[0]
    lut = np.asarray(solute, dtype=bool)
    for a in range(0, n, CHUNK):
        check_cancelled(task)
        lab = np.asarray(labels[a : a + CHUNK])
        parts.append(np.flatnonzero(lut[lab]) + a)
        if task is not None:
            task.report(span[0] + (span[1] - span[0]) * min(a + CHUNK, n) / max(n, 1), "finding solute ions")
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def core_components(
    points: np.ndarray, params: MsmParameters, task: TaskState | None = None, span=(0.2, 0.6)
) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-2 on solute positions: the root of every point's linked component and its core flag.

    Returns
    -------
    root, core
        (n,) int64 component root (the smallest input index of the component) and (n,) bool core
        mask, both in input order. Non-core points are their own roots.
    """
    grid = build_grid(points, params.dmax)
    n = grid.n
    r2 = params.dmax * params.dmax
    parent = np.arange(n, dtype=np.int64)
    touched = np.zeros(n, dtype=bool)
    if params.order > 1:
        counts = np.zeros(n, dtype=np.int32)
        for a in range(0, n, LINK_CHUNK):
            check_cancelled(task)
            b = min(a + LINK_CHUNK, n)
            nb.neighbour_counts(
                grid.points, grid.starts, grid.lo, grid.cell, grid.dims, r2, params.order, counts, a, b
            )
        core = counts >= params.order
    else:
        core = np.ones(n, dtype=bool)
    for a in range(0, n, LINK_CHUNK):
        check_cancelled(task)
        b = min(a + LINK_CHUNK, n)
        nb.link(grid.points, grid.starts, grid.lo, grid.cell, grid.dims, r2, core, parent, touched, a, b)
        if task is not None:
            task.report(span[0] + (span[1] - span[0]) * b / max(n, 1), "linking solute ions")
    nb.flatten(parent)
    # With order 1 a core ion is one with a neighbour; with order > 1 the count said so already.
    core = touched if params.order == 1 else core
    # Back to input order; roots as input indices (the smallest, since the grid order is stable per
    # cell but not global: take the minimum input index over each component).
    root_sorted = parent
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, root_sorted, grid.order)
    root = np.empty(n, dtype=np.int64)
    root[grid.order] = first[root_sorted]
    core_in = np.empty(n, dtype=bool)
    core_in[grid.order] = core
    root[~core_in] = np.flatnonzero(~core_in)
    return root, core_in


def keep_large(root: np.ndarray, core: np.ndarray, nmin: int) -> tuple[np.ndarray, int]:
    """Step 3: cluster id per point (-1 if dropped), ids in order of each cluster's first point."""
    n = root.shape[0]
    sizes = np.bincount(root[core], minlength=n)
    keep_root = np.flatnonzero(sizes >= nmin)  # ascending: order of first point
    lut = np.full(n, -1, dtype=np.int64)
    lut[keep_root] = np.arange(len(keep_root))
    cid = np.where(core, lut[root], -1)
    return cid, len(keep_root)


def envelope_and_erode(
    positions: np.ndarray,
    cluster: np.ndarray,
    core_rows: np.ndarray,
    core_ids: np.ndarray,
    params: MsmParameters,
    task: TaskState | None = None,
    span=(0.6, 1.0),
) -> None:
    """Steps 4-5, in place on ``cluster`` (which holds the core ions' ids on entry).

    One chunked pass over all ions finds each ion's nearest core ion within ``L + d-erosion``;
    ions within ``L`` join, the others within reach are the matrix ions that can erode them.
    """
    L, de = params.envelope, params.erosion
    if L <= 0 or len(core_rows) == 0:
        return
    reach = L + de
    core_pts = np.asarray(positions[core_rows], dtype=np.float64)
    # Cells of twice the reach: 8x fewer cells to build (the grid spans the whole specimen) and the
    # table of cells near a core ion stays small; queries far from every cluster stop after a byte.
    grid = build_grid(core_pts, 2.0 * reach)
    sorted_ids = core_ids[grid.order]
    is_core = np.zeros(positions.shape[0], dtype=bool)
    is_core[core_rows] = True
    added_rows, shell_rows = [], []
    n = positions.shape[0]
    for a in range(0, n, CHUNK):
        check_cancelled(task)
        idx, d2 = grid.nearest(positions[a : a + CHUNK], reach)
        near = np.flatnonzero(idx >= 0)
        inside = near[d2[near] <= L * L]
        rows = inside + a
        fresh = ~is_core[rows]
        cluster[rows[fresh]] = sorted_ids[idx[inside[fresh]]]
        added_rows.append(rows[fresh])
        if de > 0:
            shell_rows.append(near[d2[near] > L * L] + a)
        if task is not None:
            task.report(span[0] + (span[1] - span[0]) * min(a + CHUNK, n) / max(n, 1), "envelope")
    if de <= 0:
        return
    added = np.concatenate(added_rows)
    shell = np.concatenate(shell_rows)
    if len(added) == 0 or len(shell) == 0:
        return
    sgrid = build_grid(np.asarray(positions[shell], dtype=np.float64), de)
    idx, _ = sgrid.nearest(positions[added], de)
    cluster[added[idx >= 0]] = -1


def maximum_separation(
    positions: np.ndarray,
    labels: np.ndarray,
    solute: np.ndarray,
    params: MsmParameters,
    task: TaskState | None = None,
) -> Assignment:
    """Clusters of the solute ions by the maximum separation method (see the module docstring).

    Parameters
    ----------
    positions
        (N, 3) ion positions in nm (float32 or float64; may be memory-mapped).
    labels
        (N,) integer species label of every row.
    solute
        (n_labels,) bool: the labels that are solutes.
    params
        d-max, order, N-min, L, d-erosion.
    task
        Progress and cancel.

    Returns
    -------
    Assignment
    """
    rows = solute_rows(labels, solute, task)
    if len(rows) == 0:
        raise InputError("none of the chosen solute species occurs in the data")
    pts = np.asarray(positions[rows], dtype=np.float64)
    root, core = core_components(pts, params, task)
    cid, k = keep_large(root, core, params.nmin)
    cluster = np.full(positions.shape[0], -1, dtype=np.int32)
    kept = cid >= 0
    core_rows = rows[kept]
    cluster[core_rows] = cid[kept]
    envelope_and_erode(positions, cluster, core_rows, cid[kept], params, task)
    if task is not None:
        task.report(1.0, f"{k} clusters")
    return Assignment(cluster=cluster, core=core_rows, n_clusters=k, solute_rows=rows)
