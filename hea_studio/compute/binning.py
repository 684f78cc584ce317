"""Counting atoms per element in the cubes of one edge, fast enough to follow a dragged box.

The atoms of the ROI are selected and made relative to its minimum corner once
(:class:`PreparedRoi`). Edges that are whole multiples of a common voxel edge ``g`` (the usual
``0.5:20:0.5`` list) are answered from a summed-volume table built once, so each edge costs a few
operations per *cube*, independent of the number of atoms; any other edge falls back to one pass
over the atoms. Both give exactly the per-edge ``floor((x - xmin) / L)`` assignment of science.md 3
(up to atoms lying within rounding error of a cube face).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hea_studio.compute import _kernels
from hea_studio.core.geometry import Box

# Voxel tables larger than this many entries (int64) are not built; those edges use the atom pass.
MAX_TABLE_ENTRIES = 12_000_000
# Dense per-edge count arrays are used while the grid has at most this many cubes per atom.
DENSE_CUBES_PER_ATOM = 4
# Edges are compared on a 1e-4 nm grid when looking for a common voxel edge.
_QUANTUM_NM = 1e-4


def n_tiles(extent: float, L: float) -> int:
    """Whole cubes of edge ``L`` that fit in ``extent`` (tolerant to rounding of e.g. 3 * 0.1)."""
    return math.floor(extent / L + 1e-9)


def common_voxel_edge(sizes) -> float | None:
    """Greatest common divisor of the edges on a 1e-4 nm grid, or ``None`` if an edge is off-grid."""
    ints = []
    for L in sizes:
        q = L / _QUANTUM_NM
        r = round(q)
        if r <= 0 or abs(q - r) > 1e-6 * max(1.0, q):
            return None
        ints.append(int(r))
    g = 0
    for v in ints:
        g = math.gcd(g, v)
    return g * _QUANTUM_NM if g else None


def _triple(values):
    """Three plain numbers (floats stay floats, integers stay integers)."""
    return tuple(v.item() if hasattr(v, "item") else v for v in values)


@dataclass(eq=False)
class PreparedRoi:
    """Entropy-element atoms inside one box, ready for binning at many edges.

    Parameters
    ----------
    box
        The ROI.
    rel
        (M, 3) float64 positions relative to ``box.lo`` (nm), C-contiguous.
    labels
        (M,) int64 index into ``elements``.
    elements
        Entropy elements, in label order.
    ion_rel
        (I, 3) float64 positions of the ions that carry entropy atoms, when molecular ions were
        decomposed and some carries more than one entropy atom (else ``None``: every atom is its own
        random draw). One row per ion, at the position its atoms share.
    ion_type
        (I,) int64 index into the rows of ``ion_types``.
    ion_types
        (T, K) int64 entropy atoms per element of every ion type (science.md 4).
    elements_note
        Why the default elements are what they are, when that needs saying (a compound's cations).
    """

    box: Box
    rel: np.ndarray
    labels: np.ndarray
    elements: tuple[str, ...]
    ion_rel: np.ndarray | None = None
    ion_type: np.ndarray | None = None
    ion_types: np.ndarray | None = None
    elements_note: str | None = None
    _tables: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def n_atoms(self) -> int:
        return int(self.labels.size)

    @property
    def K(self) -> int:
        return len(self.elements)

    @property
    def extent(self) -> np.ndarray:
        return self.box.size

    def bulk_counts(self) -> np.ndarray:
        """Atoms per entropy element in the whole ROI."""
        return np.bincount(self.labels, minlength=self.K)

    @property
    def ion_level(self) -> bool:
        """True when the random draw is the ion, not the atom (science.md 4)."""
        return self.ion_rel is not None

    def ion_type_counts(self) -> np.ndarray:
        """Ions of every type in the whole ROI (the bulk ion composition)."""
        assert self.ion_type is not None and self.ion_types is not None
        return np.bincount(self.ion_type, minlength=self.ion_types.shape[0])

    # ---- tiling mode -------------------------------------------------------------------------
    def grid_shape(self, L: float) -> tuple[int, int, int]:
        """Cubes of edge ``L`` along x, y, z that lie fully inside the ROI."""
        ex = self.extent
        return n_tiles(ex[0], L), n_tiles(ex[1], L), n_tiles(ex[2], L)

    def prepare_voxels(self, sizes) -> float | None:
        """Build the voxel table for the common edge of ``sizes`` if it is worth it and fits."""
        g = common_voxel_edge(sizes)
        if g is None:
            return None
        shape = self.grid_shape(g)
        entries = (shape[0] + 1) * (shape[1] + 1) * (shape[2] + 1) * self.K
        if min(shape) == 0 or entries > MAX_TABLE_ENTRIES or entries > 64 * self.n_atoms + 4096:
            # A table much larger than the atom list costs more than binning the atoms per edge.
            return None
        if g not in self._tables:
            table, face = _kernels.voxel_prefix(self.rel, self.labels, g, *shape, self.K)
            # Atoms on voxel faces (a perfect lattice, rounded coordinates) are binned per edge.
            self._tables[g] = (
                table,
                np.ascontiguousarray(self.rel[face]),
                np.ascontiguousarray(self.labels[face]),
            )
        return g

    def tile_counts(self, L: float, voxel: float | None = None) -> np.ndarray:
        """Counts per element (rows: cubes, at least every non-empty one) for tiling edge ``L``."""
        return self._tile(L, voxel)[0]

    def tile_counts_and_ions(
        self, L: float, voxel: float | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`tile_counts` and the ions per row (``None`` unless :attr:`ion_level`)."""
        counts, numbers = self._tile(L, voxel)
        if self.ion_rel is None:
            return counts, None
        cx, cy, cz = self.grid_shape(L)
        if counts.shape[0] == 0:
            return counts, np.zeros(0, dtype=np.int64)
        ids = _kernels.cube_ids(self.ion_rel, float(L), cx, cy, cz)
        ids = ids[ids >= 0]
        if numbers is not None:
            # Sparse rows: every ion's cube holds its entropy atoms, so it is one of the rows.
            ids = np.searchsorted(numbers, ids)
        return counts, np.bincount(ids, minlength=counts.shape[0]).astype(np.int64)

    def _tile(self, L: float, voxel: float | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Counts per row and the cube number of every row (``None``: row r is cube r)."""
        cx, cy, cz = self.grid_shape(L)
        if min(cx, cy, cz) == 0:
            return np.zeros((0, self.K), dtype=np.int64), None
        if voxel is not None and voxel in self._tables:
            m = round(L / voxel)
            table, face_rel, face_lab = self._tables[voxel]
            fits = all(c * m <= n - 1 for c, n in zip((cx, cy, cz), table.shape[:3]))
            if m >= 1 and abs(m * voxel - L) <= 1e-9 * L and fits:
                counts = _kernels.prefix_cube_counts(table, m, cx, cy, cz)
                if face_lab.size:
                    ids = _kernels.cube_ids(face_rel, float(L), cx, cy, cz)
                    counts += _kernels.dense_counts(ids, face_lab, cx * cy * cz, self.K)
                return counts, None
        ids = _kernels.cube_ids(self.rel, float(L), cx, cy, cz)
        n_cubes = cx * cy * cz
        if n_cubes <= DENSE_CUBES_PER_ATOM * self.n_atoms + 1024:
            return _kernels.dense_counts(ids, self.labels, n_cubes, self.K), None
        numbers, counts = _kernels.sparse_counts(ids, self.labels, self.K)
        return counts, numbers

    def tile_counts_shifted(
        self, L: float, fraction, voxel: float | None = None
    ) -> tuple[np.ndarray, tuple[float, float, float], tuple[int, int, int]]:
        """Counts per cube (rows: cubes) for edge ``L`` on a grid shifted by ``fraction * L`` (per axis).

        With a voxel table for ``voxel`` (and ``L`` a multiple of it) the shift is rounded down to whole
        voxels and the counts come from the table, a few operations per cube; otherwise every atom is
        binned. Only cubes lying fully inside the ROI are counted. Returns the dense counts (cube
        ``(i * cy + j) * cz + k`` in row order), the shift actually used (nm) and the grid shape.
        """
        frac = np.clip(np.asarray(fraction, dtype=np.float64), 0.0, 1.0 - 1e-12)
        if voxel is not None and voxel in self._tables:
            m = round(L / voxel)
            table, face_rel, face_lab = self._tables[voxel]
            if m >= 1 and abs(m * voxel - L) <= 1e-9 * L:
                o = np.floor(frac * m).astype(np.int64)
                off = o * voxel
                shape = [
                    min(n_tiles(float(e - s), L), (n - 1 - int(oi)) // m)
                    for e, s, n, oi in zip(self.extent, off, table.shape[:3], o)
                ]
                if min(shape) <= 0:
                    return np.zeros((0, self.K), dtype=np.int64), _triple(off), _triple(shape)
                counts = _kernels.prefix_cube_counts_shifted(table, m, o, *shape)
                if face_lab.size:
                    counts += _kernels.shifted_tile_counts(face_rel, face_lab, float(L), off, *shape, self.K)
                return counts, _triple(off), _triple(shape)
        off = frac * L
        shape = [n_tiles(float(e - s), L) for e, s in zip(self.extent, off)]
        if min(shape) <= 0:
            return np.zeros((0, self.K), dtype=np.int64), _triple(off), _triple(shape)
        counts = _kernels.shifted_tile_counts(self.rel, self.labels, float(L), off, *shape, self.K)
        return counts, _triple(off), _triple(shape)

    # ---- paper mode --------------------------------------------------------------------------
    def paper_lows(self, L: float, n_cubes: int) -> np.ndarray:
        """Lower corners (relative) of the paper-mode cubes: ROI centre and octant centres, clipped.

        With ``n_cubes == 5`` the centre and the four octants of even parity are used, a
        symmetric stand-in for the paper's hand-picked five cubes at the largest edge.
        """
        ex = self.extent
        centres = [ex / 2.0]
        for i in (0, 1):
            for j in (0, 1):
                for k in (0, 1):
                    if n_cubes == 5 and (i + j + k) % 2:
                        continue
                    centres.append(ex * (0.25 + 0.5 * np.array([i, j, k])))
        c = np.clip(np.array(centres), L / 2.0, ex - L / 2.0)
        return np.ascontiguousarray(c - L / 2.0)

    def paper_counts(self, L: float, n_cubes: int) -> np.ndarray:
        """Counts per element in the paper-mode cubes of edge ``L``."""
        if self._sorted is None:
            order = np.argsort(self.rel[:, 0], kind="stable")
            rel = np.ascontiguousarray(self.rel[order])
            self._sorted = (rel, np.ascontiguousarray(self.labels[order]), np.ascontiguousarray(rel[:, 0]))
        rel, labels, xs = self._sorted
        return _kernels.box_counts(rel, labels, xs, self.paper_lows(L, n_cubes), float(L), self.K)

    def paper_ion_counts(self, L: float, n_cubes: int) -> np.ndarray | None:
        """Ions per paper-mode cube (``None`` unless :attr:`ion_level`)."""
        if self.ion_rel is None:
            return None
        order = np.argsort(self.ion_rel[:, 0], kind="stable")
        rel = np.ascontiguousarray(self.ion_rel[order])
        zeros = np.zeros(rel.shape[0], dtype=np.int64)
        lows = self.paper_lows(L, n_cubes)
        return _kernels.box_counts(rel, zeros, np.ascontiguousarray(rel[:, 0]), lows, float(L), 1)[:, 0]
