"""Atom-centred local entropy (science.md 7, the paper's eqn 3).

For each centre atom (all atoms of the sub-volume, or a random sample of them) the ``k`` atoms
nearest to it, itself included, form a local area ``j`` with fractions ``x_i``; the local entropy
``S_j = -sum_i x_i ln x_i`` is averaged over the centres with equal weights, for each ``k``. The
paper names the formula and calls it too costly for millions of atoms; a cell list makes it cheap
(neighbours are searched only in the cells around each centre).

Two numbers accompany each ``k`` (both ours, as for the cube curve):

* the radius of the sphere that holds ``k`` atoms at the sub-volume's mean atomic density, and the
  median measured distance to the ``k``-th nearest atom, to compare with cube edges;
* the random-mixing reference ``E[S_hat](k)`` for ``k`` atoms drawn at the bulk composition
  (science.md 4), and the deficit ``S_null - S_mean``: a plug-in entropy of ``k`` atoms falls short
  of the bulk value by counting noise alone, so only the deficit says the mixing is not random.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hea_studio.compute.lac.entropy import bulk_result
from hea_studio.compute.lac.roi import prepare_roi, specimen_mask
from hea_studio.compute.local import _kernels
from hea_studio.compute.reference.atoms import NullEntropyTable, log_table
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.limits import MAX_NEIGHBOURS, check_int
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.results import BulkResult, json_ready
from hea_studio.core.shapes import Roi, bounding_box

SCHEMA = "hea-studio/local-entropy/1"
FIRST_SHELL = {"fcc": 12, "bcc": 8, "hcp": 12}
"""Nearest neighbours of an atom in a perfect lattice (the first coordination shell)."""
DEFAULT_CENTRES = 10_000
ATOMS_PER_CELL = 32  # cell-list cells hold about this many atoms: few cells to visit, few to sort
_CHUNK = 500  # centres per kernel call: progress and cancellation between chunks
MAX_THREADS = 8


def default_ks(structure: str = "fcc") -> tuple[int, ...]:
    """Neighbourhood sizes from the first shell (the centre plus its nearest neighbours) to 1000."""
    first = FIRST_SHELL.get(structure, 12) + 1
    return tuple(sorted({first, 25, 50, 100, 250, 500, 1000}))


def parse_ks(text: str) -> tuple[int, ...]:
    """``"13,50,100"`` to ``(13, 50, 100)``; raises :class:`InputError` on anything else."""
    try:
        ks = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        raise InputError(f"--k wants whole numbers separated by commas, not {text!r}") from None
    if not ks or ks[0] < 2:
        raise InputError(f"--k needs neighbourhood sizes of at least 2 atoms, not {text!r}")
    check_int("--k", ks[-1], 2, MAX_NEIGHBOURS, "a local neighbourhood is tens to thousands of atoms")
    return tuple(ks)


@dataclass(frozen=True)
class LocalPoint:
    """Local entropy for one neighbourhood size ``k`` (entropies in units of R)."""

    k: int
    radius_nm: float
    median_distance_nm: float
    S_mean: float
    S_std: float
    S_sem: float
    S_null: float
    n_used: int = 0
    n_left_out: int = 0

    @property
    def deficit(self) -> float:
        """``S_null - S_mean``: how far below random mixing the local areas are."""
        return self.S_null - self.S_mean

    def to_json(self) -> dict[str, Any]:
        return json_ready(
            {
                "k": self.k,
                "radius_nm": self.radius_nm,
                "median_distance_nm": self.median_distance_nm,
                "S_mean": self.S_mean,
                "S_std": self.S_std,
                "S_sem": self.S_sem,
                "S_null": self.S_null,
                "deficit": self.deficit,
                "n_centres": self.n_used,
                "n_left_out": self.n_left_out,
            }
        )


@dataclass(frozen=True)
class LocalEntropyResult:
    """Atom-centred local entropy of one sub-volume."""

    elements: tuple[str, ...]
    roi_nm: tuple[float, ...]
    roi_atoms: int
    n_centres: int
    density_nm3: float
    bulk: BulkResult
    points: tuple[LocalPoint, ...]
    seed: int
    timing_s: dict[str, float]
    centre_positions: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)), repr=False)
    centre_entropy: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

    @property
    def left_out(self) -> dict[int, int]:
        """Centres left out per k because their k-th neighbour lies beyond the specimen's edge."""
        return {p.k: p.n_left_out for p in self.points}

    def to_json(self) -> dict[str, Any]:
        """The ``hea-studio local --json`` document."""
        return json_ready(
            {
                "schema": SCHEMA,
                "elements": list(self.elements),
                "roi_nm": list(self.roi_nm),
                "roi_atoms": self.roi_atoms,
                "n_centres": self.n_centres,
                "density_nm3": self.density_nm3,
                "bulk": self.bulk.to_json(),
                "points": [p.to_json() for p in self.points],
                "neighbours": "whole data set; centres inside the sub-volume (science.md 7)",
                "seed": self.seed,
                "timing_s": dict(self.timing_s),
                "entropy_sign": "positive: S = -R sum x ln x",
            }
        )


@dataclass(frozen=True)
class NeighbourGrid:
    """Atoms stored cell by cell for the k-nearest-neighbour search.

    A centre's candidates are then read from a few contiguous runs of memory instead of one cache
    miss per atom. ``rank[a]`` is where atom ``a`` of the input ended up.
    """

    rel: np.ndarray
    labels: np.ndarray
    starts: np.ndarray
    shape: tuple[int, int, int]
    cell: float
    rank: np.ndarray

    @classmethod
    def build(cls, rel: np.ndarray, labels: np.ndarray, size_nm, density: float) -> NeighbourGrid:
        """Cells of about :data:`ATOMS_PER_CELL` atoms (never more than ~2 million cells) over a box of
        ``size_nm`` holding ``rel`` (positions from its lower corner) at ``density`` atoms per nm^3."""
        size = np.asarray(size_nm, dtype=np.float64)
        cell = max((ATOMS_PER_CELL / density) ** (1.0 / 3.0), float(np.max(size)) / 128.0)
        nx, ny, nz = (max(1, math.ceil(s / cell)) for s in size)
        order, starts = _kernels.cell_list(rel, cell, nx, ny, nz)
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size, dtype=np.int64)
        return cls(
            np.ascontiguousarray(rel[order]),
            np.ascontiguousarray(labels[order]),
            starts,
            (nx, ny, nz),
            cell,
            rank,
        )

    def search(self, K: int, centres: np.ndarray, ks: np.ndarray, log_k: np.ndarray):
        """Entropy and k-th neighbour distance for each centre (indices in cell order) and each k."""
        nx, ny, nz = self.shape
        return _kernels.knn_entropy(
            self.rel, self.labels, K, self.starts, nx, ny, nz, self.cell, centres, ks, log_k
        )


def local_entropy(
    atoms: AtomSet,
    roi: Roi | None = None,
    elements: Sequence[str] | None = None,
    ks: Sequence[int] | None = None,
    n_centres: int | None = DEFAULT_CENTRES,
    seed: int = 0,
    task: TaskState | None = None,
) -> LocalEntropyResult:
    """Atom-centred local entropy ``S_real(k)`` of a sub-volume.

    Parameters
    ----------
    atoms
        Ranged atoms of the dataset.
    roi
        The sub-volume whose atoms are the centres (``None``: the default box). Their neighbours
        come from the whole data set; a centre whose k-th neighbour lies beyond the specimen's edge
        is left out of that k and counted (science.md 7).
    elements
        Entropy elements (``None``: the principal elements, as for the cube analysis).
    ks
        Neighbourhood sizes, the centre atom included (``None``: :func:`default_ks`).
    n_centres
        How many centre atoms to draw at random (``None`` or more than the sub-volume holds: all).
    seed
        Seed of the centre sample.
    task
        Progress and cancellation.

    Raises
    ------
    InputError
        If the data around the sub-volume hold fewer atoms than the largest ``k``.
    """
    t0 = time.perf_counter()
    ks_arr = np.array(sorted(set(int(k) for k in (ks or default_ks()))), dtype=np.int64)
    if ks_arr.size == 0 or ks_arr[0] < 2:
        raise InputError("neighbourhood sizes k must be at least 2")
    # The specimen's voxels: they place the default box and bound the neighbour region below.
    mask = specimen_mask(atoms.positions, weights=atoms.row_weights())
    shape = None if roi is None or isinstance(roi, Box) else roi
    box = bounding_box(roi) if roi is not None else mask.largest_box()
    # The centres' region, its composition and elements (a sphere or cylinder: the atoms inside it).
    prep = prepare_roi(atoms, box, elements, shape=shape)
    n = prep.n_atoms
    kmax = int(ks_arr[-1])
    density = n / (shape.volume if shape is not None else box.volume)
    # Neighbours come from the whole data set (science.md 7): the atoms of the box grown by a margin
    # well beyond the k-th neighbour distance at this density, clipped to the data. Centres whose
    # k-th neighbour sphere reaches outside the specimen, or outside that region, are left out.
    radius = (3.0 * kmax / (4.0 * math.pi * density)) ** (1.0 / 3.0)
    margin = 2.0 * radius + 0.5
    big_lo = np.maximum(np.asarray(box.lo) - margin, mask.lo)
    big_hi = np.minimum(np.asarray(box.hi) + margin, mask.hi + 1e-6)
    region = Box(tuple(big_lo), tuple(big_hi))
    near = prepare_roi(atoms, region, prep.elements)
    if near.n_atoms < kmax:
        raise InputError(
            f"the data around the sub-volume hold {near.n_atoms} atoms, fewer than the largest neighbourhood (k = {kmax})"
        )
    grid = NeighbourGrid.build(near.rel, near.labels, region.size, density)
    absolute = near.rel + big_lo
    in_box = np.all((absolute >= np.asarray(box.lo)) & (absolute < np.asarray(box.hi)), axis=1)
    if shape is not None:
        in_box &= shape.contains(absolute)
    candidates = np.flatnonzero(in_box)

    rng = np.random.default_rng(seed)
    if n_centres is None or n_centres >= candidates.size:
        chosen = candidates
    else:
        chosen = rng.choice(candidates, size=int(n_centres), replace=False).astype(np.int64)
    # Centres in cell order visit the cells in order (the statistics do not depend on the order).
    centres = np.sort(grid.rank[chosen])
    K = len(prep.elements)
    logs = log_table(kmax)
    entropies = np.empty((centres.size, ks_arr.size))
    reach = np.empty((centres.size, ks_arr.size))

    def run_chunk(start: int) -> None:
        part = centres[start : start + _CHUNK]
        S, dist = grid.search(K, part, ks_arr, logs)
        entropies[start : start + part.size] = S
        reach[start : start + part.size] = dist

    # The kernel releases the GIL: chunks of centres run on several threads, a batch at a time so
    # that cancellation and progress are checked between batches.
    chunk_starts = list(range(0, centres.size, _CHUNK))
    threads = max(1, min(MAX_THREADS, os.cpu_count() or 1, len(chunk_starts)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hea-local") as pool:
        for b in range(0, len(chunk_starts), threads):
            check_cancelled(task)
            batch = chunk_starts[b : b + threads]
            list(pool.map(run_chunk, batch))
            if task is not None:
                done = min(centres.size, batch[-1] + _CHUNK)
                task.report(done / centres.size, "atom-centred entropy")

    positions = grid.rel[centres] + big_lo
    # Complete neighbourhoods: the sphere's bounding cube touches no outside voxel and stays in the
    # region whose atoms were searched.
    complete = mask.cubes_inside(positions, reach, mask.outside_counter())
    complete &= np.all(positions[:, None, :] - reach[..., None] >= big_lo - 1e-9, axis=2)
    complete &= np.all(positions[:, None, :] + reach[..., None] <= big_hi + 1e-9, axis=2)
    null = NullEntropyTable(prep.bulk_counts())(ks_arr)
    points = []
    for j, k in enumerate(ks_arr.tolist()):
        column = entropies[complete[:, j], j]
        used = int(column.size)
        std = float(np.std(column, ddof=1)) if used > 1 else 0.0
        points.append(
            LocalPoint(
                k=int(k),
                radius_nm=(3.0 * k / (4.0 * math.pi * density)) ** (1.0 / 3.0),
                median_distance_nm=float(np.median(reach[complete[:, j], j])) if used else float("nan"),
                S_mean=float(np.mean(column)) if used else float("nan"),
                S_std=std,
                S_sem=std / math.sqrt(used) if used else float("nan"),
                S_null=float(null[j]),
                n_used=used,
                n_left_out=int(centres.size - used),
            )
        )
    per_centre = np.where(complete, entropies, np.nan)
    return LocalEntropyResult(
        elements=tuple(prep.elements),
        roi_nm=tuple(float(v) for v in box.flat()),
        roi_atoms=n,
        n_centres=int(centres.size),
        density_nm3=float(density),
        bulk=bulk_result(tuple(prep.elements), prep.bulk_counts()),
        points=tuple(points),
        seed=int(seed),
        timing_s={"total": time.perf_counter() - t0},
        centre_positions=positions,
        centre_entropy=per_centre,
    )
