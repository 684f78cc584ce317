"""Counting atoms per element in the cubes of one edge, fast enough to follow a dragged box.

A :class:`PreparedRoi` keeps no per-atom copy of its box when it does not need one. Edges that are
whole multiples of a common voxel edge ``g`` (the usual ``0.5:10:0.5`` list, or ``0.1:20:0.1``)
are answered from a summed-volume table built in one chunked pass over the dataset, so each edge
costs a few operations per *cube*, independent of the number of atoms. The table is built while it
fits the memory budget (:mod:`hea_studio.core.memory`, int32 entries up to 2^31 atoms). Any other
edge (a geometric series, an edge beyond the table) takes the per-edge path: the box's atoms are
copied once in their stored precision (float32: 13 bytes per atom), grouped in x slabs, and each
edge is one pass over them. Both paths give exactly the per-edge ``floor((x - xmin) / L)``
assignment of science.md 3, computed from the same float64 differences, so the curve does not
depend on which path answered (atoms within rounding distance of a voxel face are binned per edge).

Grids may be shifted: :meth:`PreparedRoi.tile_counts` takes a ``shift`` (nm, per axis, >= 0) that
moves the first cube from the box corner into the box; the cubes that fit fully are counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hea_studio.compute.common import _kernels as common_kernels
from hea_studio.compute.common import scan
from hea_studio.compute.lac import _kernels
from hea_studio.compute.lac.finegrid import FineGrid
from hea_studio.core import memory
from hea_studio.core.geometry import Box, whole_cubes
from hea_studio.core.progress import TaskState
from hea_studio.core.shapes import Shape, cubes_inside

# Voxel tables with more entries than this are never built (besides the memory budget): a test
# sets it to 0 to force the per-edge path.
MAX_TABLE_ENTRIES = 1 << 40
# A table is built when it costs less than the fine-grid passes it replaces: building costs a pass
# over the atoms plus three sweeps over the entries, about this many fine-grid atom visits per
# entry (measured: ~20 ns per entry, ~5 ns per atom and grid), and each grid it answers saves a
# pass over the atoms. Small tables (two entries per atom) are always worth it.
TABLE_ENTRY_COST = 4
TABLE_ENTRIES_PER_ATOM = 2
# Edges on the common voxel grid without a table are counted from the fine grid (a test turns it
# off to compare with the per-atom float path).
USE_FINE_GRID = True
# Width of the x slabs the per-edge path groups atoms in (nm), and the most slabs.
SLAB_NM = 0.25
MAX_SLABS = 1 << 14
# Dense per-edge count arrays are used while the grid has at most this many cubes per atom.
DENSE_CUBES_PER_ATOM = 4
# ... and on the fine grid, whose sparse counts cost about as much as zeroing a dense array of
# half a cube per atom (both then give the same kept cubes: empty ones are never kept).
FINE_DENSE_CUBES_PER_ATOM = 0.5
# Edges are compared on a 1e-4 nm grid when looking for a common voxel edge.
_QUANTUM_NM = 1e-4


def n_tiles(extent: float, L: float) -> int:
    """Whole cubes of edge ``L`` that fit in ``extent`` (:func:`hea_studio.core.geometry.whole_cubes`)."""
    return whole_cubes(extent, L)


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


def scratch_index(n: int) -> np.ndarray:
    """Uninitialised room for ``n`` atom indices: int32 while they fit (half the memory to write)."""
    return np.empty(n, dtype=np.int32 if n < 2**31 else np.int64)


@dataclass(eq=False)
class PreparedRoi:
    """Entropy-element atoms inside one box, ready for binning at many edges.

    Built by :func:`hea_studio.compute.lac.roi.prepare_roi`. It holds the dataset's arrays by reference
    (no copy), the species-to-element table and the element counts of the box; voxel tables and
    the compact copy of the box's atoms are made on first use.

    Parameters
    ----------
    box
        The ROI.
    positions
        (N, 3) positions of the whole dataset (native, C-contiguous; float32 from the files).
    species
        (N,) label of every dataset row (any integer width): a species, or an ion class when the
        rows are ions standing for their atoms (:class:`~hea_studio.core.atoms.IonRows`).
    lut
        (n_labels,) or (n_labels, R) int64: element index 0..K-1 of each label, -1 for labels left
        out; with R columns, column r is layer r (the r-th atom of an ion class, see
        :meth:`~hea_studio.core.atoms.AtomSet.layer_luts`). Stored as (n_labels, R).
    elements
        Entropy elements, in label order.
    counts
        (K,) atoms per element inside the box.
    task, span
        Progress and cancellation for the passes over the dataset made on first use, and the
        part of the caller's progress bar they report in.
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
    positions: np.ndarray
    species: np.ndarray
    lut: np.ndarray
    elements: tuple[str, ...]
    counts: np.ndarray
    task: TaskState | None = field(default=None, repr=False)
    span: tuple[float, float] | None = None
    ion_rel: np.ndarray | None = None
    ion_type: np.ndarray | None = None
    ion_types: np.ndarray | None = None
    elements_note: str | None = None
    shape: Shape | None = None
    _tables: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _fine: dict[float, FineGrid | None] = field(default_factory=dict, repr=False)
    _compact: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = field(default=None, repr=False)
    _relative: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _ions_sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        lut = np.asarray(self.lut, dtype=np.int64)
        self.lut = np.ascontiguousarray(lut[:, None] if lut.ndim == 1 else lut)

    @property
    def layers(self) -> list[np.ndarray]:
        """The label-to-element table of every layer (one for datasets of single atoms)."""
        return scan.layers(self.lut)

    @property
    def n_atoms(self) -> int:
        return int(self.counts.sum())

    @property
    def K(self) -> int:
        return len(self.elements)

    @property
    def extent(self) -> np.ndarray:
        return self.box.size

    @property
    def lo(self) -> np.ndarray:
        """The box's minimum corner, float64 (3,)."""
        return np.asarray(self.box.lo, dtype=np.float64)

    def bulk_counts(self) -> np.ndarray:
        """Atoms per entropy element in the whole ROI."""
        return self.counts.copy()

    # ---- per-atom views (local entropy, paper mode, tests) ---------------------------------
    def _relative_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._relative is None:
            pos = self.positions
            lab = self.species
            hi = np.asarray(self.box.hi, dtype=np.float64)
            scratch = scratch_index(len(pos))
            layers = self.layers
            if len(layers) == 1:
                self._relative = _kernels.select_box(pos, lab, layers[0], self.lo, hi, scratch)
                return self._relative
            rels, labs, classes = [], [], []
            for one in layers:
                rel, el = _kernels.select_box(pos, lab, one, self.lo, hi, scratch)
                rels.append(rel)
                labs.append(el)
                classes.append(lab[scratch[: el.shape[0]]])  # select_box leaves the chosen rows there
            # Ordered as a per-atom decomposition stores them (by ion class, then atom of the class,
            # then file order): layers come (atom, row)-ordered, and a stable sort by class does the
            # rest. Local entropy breaks distance ties between an ion's atoms by this order.
            order = np.argsort(np.concatenate(classes), kind="stable")
            self._relative = (np.concatenate(rels)[order], np.concatenate(labs)[order])
        return self._relative

    @property
    def rel(self) -> np.ndarray:
        """(M, 3) float64 positions relative to ``box.lo``, in dataset order (built on first use:
        24 bytes per atom, for the callers that need every atom, e.g. local entropy)."""
        return self._relative_arrays()[0]

    @property
    def labels(self) -> np.ndarray:
        """(M,) int64 element index of :attr:`rel`'s atoms."""
        return self._relative_arrays()[1]

    def compact(self, edge: float = SLAB_NM) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """The box's atoms in stored precision grouped by x slab: ``(pos, lab, slab_starts, width)``.

        Built on first use with slabs no wider than ``edge`` (the first edge asked for, so a slab
        of cubes reads few atom slabs) nor :data:`SLAB_NM`.
        """
        if self._compact is None:
            width = max(min(SLAB_NM, edge), float(self.extent[0]) / MAX_SLABS)
            # With a shape the copy holds its bounding box's atoms, more than the shape's count.
            total = self.n_atoms if self.shape is None else None
            pos, lab, starts = scan.compact_selection(
                self.positions, self.species, self.lut, self.box, width, total, self.task, self.span
            )
            self._compact = (pos, lab, starts, width)
        return self._compact

    def half_counts(self) -> np.ndarray:
        """(3, K) element atoms in the upper half of the box along x, y, z (one chunked pass)."""
        if self._compact is not None:
            pos, lab, _, _ = self._compact
            half = 0.5 * np.asarray(self.extent, dtype=np.float64)
            out = np.zeros((3, self.K), dtype=np.int64)
            ident = np.arange(self.K, dtype=np.int64)
            hi = np.asarray(self.box.hi, dtype=np.float64)
            common_kernels.half_counts_chunk(pos, lab, ident, self.lo, hi, half, 0, len(pos), out)
            return out
        return scan.half_counts(
            self.positions, self.species, self.lut, self.box, self.K, self.task, self.span
        )

    @property
    def ion_level(self) -> bool:
        """True when the random draw is the ion, not the atom (science.md 4)."""
        return self.ion_rel is not None

    def shifted_ion_counts(self, L: float, off, shape) -> np.ndarray | None:
        """Ions carrying entropy atoms per cube (dense rows) of the grid of :meth:`tile_counts_shifted`
        with edge ``L``, offset ``off`` (nm) and ``shape``; ``None`` unless :attr:`ion_level`."""
        if self.ion_rel is None:
            return None
        zeros = np.zeros(self.ion_rel.shape[0], dtype=np.int64)
        cx, cy, cz = shape
        counts = _kernels.shifted_tile_counts(self.ion_rel, zeros, float(L), np.asarray(off), cx, cy, cz, 1)
        return counts[:, 0]

    def ion_type_counts(self) -> np.ndarray:
        """Ions of every type in the whole ROI (the bulk ion composition)."""
        assert self.ion_type is not None and self.ion_types is not None
        return np.bincount(self.ion_type, minlength=self.ion_types.shape[0])

    # ---- tiling mode -------------------------------------------------------------------------
    def grid_shape(self, L: float, shift=None) -> tuple[int, int, int]:
        """Cubes of edge ``L`` along x, y, z that lie fully inside the ROI (after ``shift``)."""
        ex = self.extent if shift is None else self.extent - np.asarray(shift, dtype=np.float64)
        return n_tiles(ex[0], L), n_tiles(ex[1], L), n_tiles(ex[2], L)

    def table_bytes(self, g: float) -> int:
        """Memory of the voxel table of edge ``g``."""
        shape = self.grid_shape(g)
        entries = (shape[0] + 1) * (shape[1] + 1) * (shape[2] + 1) * self.K
        return entries * np.dtype(scan.table_dtype(self.n_atoms)).itemsize

    def prepare_voxels(self, sizes, grids_per_edge: int = 1) -> float | None:
        """The common voxel edge of ``sizes`` (``None`` if an edge is off-grid), with its table if worth it.

        Every edge that is a whole number of voxels is then counted without a float per atom: from
        the summed-volume table when it was built, else from the fine grid (:mod:`.finegrid`). The
        table is built when its bytes stay within :func:`hea_studio.core.memory.table_budget` and it
        costs less than the fine-grid passes it saves (``grids_per_edge`` grids of every edge: the
        SUME interval counts several shifted grids per edge); see ``TABLE_ENTRY_COST``. The SUME
        interval's shifted grids are rounded to whole voxels of the returned edge, with or without
        a table, so its counts do not depend on the memory budget.
        """
        g = common_voxel_edge(sizes)
        if g is None:
            return None
        shape = self.grid_shape(g)
        if min(shape) == 0:
            return None
        entries = (shape[0] + 1) * (shape[1] + 1) * (shape[2] + 1) * self.K
        grids = max(1, len(sizes)) * max(1, int(grids_per_edge))
        worth = max(TABLE_ENTRIES_PER_ATOM, grids / TABLE_ENTRY_COST) * self.n_atoms + 4096
        if (
            g not in self._tables
            and entries <= MAX_TABLE_ENTRIES
            and entries <= worth
            and self.table_bytes(g) <= memory.table_budget() - self.tables_bytes()
        ):
            P, face, face_lab = scan.voxel_table(
                self.positions,
                self.species,
                self.lut,
                self.box,
                g,
                shape,
                self.K,
                self.n_atoms,
                self.task,
                self.span,
            )
            # Atoms on voxel faces (a perfect lattice, rounded coordinates) are binned per edge.
            face_pos = np.ascontiguousarray(self.positions[face])
            self._tables[g] = (P, face_pos, np.ascontiguousarray(face_lab))
        return g

    def fine_grid(self, g: float) -> FineGrid | None:
        """The fine grid of voxel edge ``g``, built on first use (``None`` if it cannot be)."""
        if g not in self._fine:
            shape = self.grid_shape(g)
            grid = None
            if (
                USE_FINE_GRID
                and FineGrid.fits(shape, self.n_atoms)
                and FineGrid.estimate_bytes(shape, self.n_atoms)
                <= memory.table_budget() - self.tables_bytes()
            ):
                pos, lab, _, _ = self.compact(g)
                grid = FineGrid.build(pos, lab, self.lo, g, shape, self.K)
            self._fine[g] = grid
        return self._fine[g]

    def tables_bytes(self) -> int:
        """Memory held by the voxel tables and fine grids built so far."""
        fine = sum(f.nbytes for f in self._fine.values() if f is not None)
        return sum(t[0].nbytes for t in self._tables.values()) + fine

    def table(self, g: float) -> np.ndarray | None:
        """The summed-volume table of voxel edge ``g`` if it was built."""
        entry = self._tables.get(g)
        return entry[0] if entry is not None else None

    def dense_limit(self) -> int:
        """Grids with at most this many cubes are counted densely (every cube a row)."""
        return DENSE_CUBES_PER_ATOM * self.n_atoms + 1024

    def tile_counts(self, L: float, voxel: float | None = None, shift=None) -> np.ndarray:
        """Counts per element (rows: cubes, at least every non-empty one) for tiling edge ``L``.

        Parameters
        ----------
        L
            Cube edge (nm).
        voxel
            Edge of a voxel table built by :meth:`prepare_voxels`, if any.
        shift
            (3,) offset (nm, >= 0) of the grid's first cube from the box corner; ``None`` is 0.

        Returns
        -------
        (rows, K) int64 counts in ascending cube number (``(ix * cy + iy) * cz + iz``): every cube
        when the grid has at most :meth:`dense_limit` cubes (on the fine grid: at most
        ``FINE_DENSE_CUBES_PER_ATOM`` per atom), else the non-empty ones only.
        """
        return self._tile(L, voxel, shift)[0]

    def tile_counts_and_ions(
        self, L: float, voxel: float | None = None, shift=None, by_type: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`tile_counts` and the ions per row (``None`` unless :attr:`ion_level`).

        ``by_type``: ions of every type per row, (rows, T), instead of their total (the per-sublattice
        references of science.md 8 count only the ions holding atoms of their sublattice).
        """
        counts, numbers = self._tile(L, voxel, shift)
        if self.ion_rel is None:
            return counts, None
        assert self.ion_type is not None and self.ion_types is not None
        T = self.ion_types.shape[0]
        sh = None if shift is None else np.asarray(shift, dtype=np.float64)
        cx, cy, cz = self.grid_shape(L, sh)
        if counts.shape[0] == 0:
            return counts, np.zeros((0, T) if by_type else 0, dtype=np.int64)
        rel = self.ion_rel if sh is None else np.ascontiguousarray(self.ion_rel - sh)
        ids = _kernels.cube_ids(rel, float(L), cx, cy, cz)
        inside = ids >= 0
        ids = ids[inside]
        if numbers is not None:
            # Sparse rows: every ion's cube holds its entropy atoms, so it is one of the rows.
            ids = np.searchsorted(numbers, ids)
        if by_type:
            types = np.ascontiguousarray(self.ion_type[inside])
            return counts, _kernels.dense_counts(np.ascontiguousarray(ids), types, counts.shape[0], T)
        return counts, np.bincount(ids, minlength=counts.shape[0]).astype(np.int64)

    def _tile(self, L: float, voxel: float | None, shift) -> tuple[np.ndarray, np.ndarray | None]:
        """Counts per row and the cube number of every row (``None``: row r is cube r).

        With a :attr:`shape` (sphere, cylinder) the cubes not fully inside it count nothing.
        """
        counts, numbers = self._tile_box(L, voxel, shift)
        if self.shape is not None:
            sh = np.zeros(3) if shift is None else np.asarray(shift, dtype=np.float64)
            cx, cy, cz = self.grid_shape(L, sh if shift is not None else None)
            counts = self.outside_zeroed(counts, numbers, L, sh, (cx, cy, cz))
        return counts, numbers

    def outside_zeroed(self, counts, numbers, L: float, sh, shape) -> np.ndarray:
        """``counts`` with the rows of cubes not fully inside :attr:`shape` set to zero."""
        if self.shape is None or counts.shape[0] == 0:
            return counts
        cx, cy, cz = shape
        ids = np.arange(cx * cy * cz, dtype=np.int64) if numbers is None else np.asarray(numbers, np.int64)
        idx = np.stack([ids // (cy * cz), (ids // cz) % cy, ids % cz], axis=1)
        lows = self.lo + np.asarray(sh, dtype=np.float64) + float(L) * idx
        out = np.array(counts, copy=True)
        out[~cubes_inside(self.shape, lows, float(L))] = 0
        return out

    def _tile_box(self, L: float, voxel: float | None, shift) -> tuple[np.ndarray, np.ndarray | None]:
        sh = np.zeros(3) if shift is None else np.ascontiguousarray(shift, dtype=np.float64)
        cx, cy, cz = self.grid_shape(L, sh if shift is not None else None)
        if min(cx, cy, cz) <= 0:
            return np.zeros((0, self.K), dtype=np.int64), None
        n_cubes = cx * cy * cz
        dense = n_cubes <= self.dense_limit()
        if voxel is not None:
            if dense and voxel in self._tables:
                counts = self._table_counts(L, voxel, sh, cx, cy, cz)
                if counts is not None:
                    return counts, None
            fine = self.fine_grid(voxel)
            fine_dense = dense and n_cubes <= FINE_DENSE_CUBES_PER_ATOM * self.n_atoms + 1024
            found = fine.counts(L, sh, cx, cy, cz, fine_dense) if fine is not None else None
            if found is not None:
                return found
        pos, lab, starts, width = self.compact(float(L))
        if dense:
            return _kernels.tile_counts_dense(pos, lab, self.lo, sh, float(L), cx, cy, cz, self.K), None
        numbers, counts = _kernels.tile_counts_sparse(
            pos, lab, starts, width, self.lo, sh, float(L), cx, cy, cz, self.K
        )
        return counts, numbers

    def tile_counts_shifted(
        self, L: float, fraction, voxel: float | None = None
    ) -> tuple[np.ndarray, tuple[float, float, float], tuple[int, int, int]]:
        """Counts per cube (rows: cubes) for edge ``L`` on a grid shifted by ``fraction * L`` (per axis).

        With a voxel table for ``voxel`` (and ``L`` a multiple of it) the shift is rounded down to whole
        voxels and the counts come from the table, a few operations per cube; otherwise every atom of
        the compact copy is binned (:meth:`tile_counts` with ``shift``). Only cubes lying fully
        inside the ROI are counted. Returns the dense counts (cube ``(i * cy + j) * cz + k`` in row
        order), the shift actually used (nm) and the grid shape.
        """
        frac = np.clip(np.asarray(fraction, dtype=np.float64), 0.0, 1.0 - 1e-12)
        m = round(L / voxel) if voxel is not None else 0
        if voxel is not None and m >= 1 and abs(m * voxel - L) <= 1e-9 * L:
            o = np.floor(frac * m).astype(np.int64)
            off = o * voxel
            n_vox = self.grid_shape(voxel)
            shape = [
                min(n_tiles(float(e - s), L), (n - int(oi)) // m)
                for e, s, n, oi in zip(self.extent, off, n_vox, o)
            ]
            if min(shape) <= 0:
                return np.zeros((0, self.K), dtype=np.int64), _triple(off), _triple(shape)
            sh = np.ascontiguousarray(off)
            counts = self._table_counts(L, voxel, sh, *shape) if voxel in self._tables else None
            if counts is None:
                fine = self.fine_grid(voxel)
                found = (
                    fine.counts(L, sh, shape[0], shape[1], shape[2], dense=True) if fine is not None else None
                )
                if found is not None:
                    counts = found[0]
                else:
                    pos, lab, _, _ = self.compact(float(L))
                    counts = _kernels.tile_counts_dense(pos, lab, self.lo, sh, float(L), *shape, self.K)
            return self.outside_zeroed(counts, None, L, off, shape), _triple(off), _triple(shape)
        off = frac * L
        shape = [n_tiles(float(e - s), L) for e, s in zip(self.extent, off)]
        if min(shape) <= 0:
            return np.zeros((0, self.K), dtype=np.int64), _triple(off), _triple(shape)
        pos, lab, _, _ = self.compact(float(L))
        cx, cy, cz = shape
        counts = _kernels.tile_counts_dense(
            pos, lab, self.lo, np.ascontiguousarray(off), float(L), cx, cy, cz, self.K
        )
        return self.outside_zeroed(counts, None, L, off, shape), _triple(off), _triple(shape)

    def _table_counts(self, L, voxel, sh, cx, cy, cz) -> np.ndarray | None:
        """Counts from the voxel table, or ``None`` if ``L`` or the shift is off its grid."""
        m = round(L / voxel)
        if m < 1 or abs(m * voxel - L) > 1e-9 * L:
            return None
        offs = []
        for v in sh:
            o = round(v / voxel)
            if abs(o * voxel - v) > 1e-9 * max(L, 1.0):
                return None
            offs.append(o)
        table, face_pos, face_lab = self._tables[voxel]
        if not all(o + c * m <= n - 1 for o, c, n in zip(offs, (cx, cy, cz), table.shape[:3])):
            return None
        # Exact also when shifted: an atom whose cube differs between floor((y - s) / L) and the
        # voxel arithmetic lies on a voxel face, and those are binned per edge below.
        counts = _kernels.prefix_cube_counts(table, m, cx, cy, cz, *offs)
        if face_lab.size:
            counts += _kernels.tile_counts_dense(
                face_pos, face_lab, self.lo, sh, float(L), cx, cy, cz, self.K
            )
        return counts

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

    def paper_ion_counts(self, L: float, n_cubes: int, by_type: bool = False) -> np.ndarray | None:
        """Ions per paper-mode cube (``None`` unless :attr:`ion_level`); per type with ``by_type``."""
        if self.ion_rel is None:
            return None
        assert self.ion_type is not None and self.ion_types is not None
        if self._ions_sorted is None:
            # Sorted by x once (as paper_counts does for the atoms), not at every edge.
            order = np.argsort(self.ion_rel[:, 0], kind="stable")
            rel = np.ascontiguousarray(self.ion_rel[order])
            self._ions_sorted = (
                rel,
                np.ascontiguousarray(self.ion_type[order]),
                np.ascontiguousarray(rel[:, 0]),
            )
        rel, types, xs = self._ions_sorted
        lows = self.paper_lows(L, n_cubes)
        if by_type:
            T = self.ion_types.shape[0]
            return _kernels.box_counts(rel, types, xs, lows, float(L), T)
        zeros = np.zeros(rel.shape[0], dtype=np.int64)
        return _kernels.box_counts(rel, zeros, xs, lows, float(L), 1)[:, 0]


def estimate_run_bytes(
    n_dataset_atoms: int, atom_bytes: int, box: Box, n_box_atoms: int, sizes, K: int, budget: int
) -> int:
    """Peak memory an entropy curve of ``box`` will need (bytes), for the warning before a run.

    The dataset's arrays (``atom_bytes`` per atom: 13 for float32 positions and uint8 labels), the
    voxel table the budget admits for the common edge of ``sizes``, the compact copy of the box's
    atoms (and the fine grid) when some edge is not answered by the table, and the per-cube arrays of the smallest
    edge (counts, entropies, atom numbers: about 3 * 8 * K bytes per cube, capped at the dense limit).
    """
    total = n_dataset_atoms * atom_bytes
    g = common_voxel_edge(sizes)
    size = np.asarray(box.size, dtype=np.float64)
    table = 0
    if g is not None:
        shape = [n_tiles(float(e), g) for e in size]
        itemsize = np.dtype(scan.table_dtype(n_box_atoms)).itemsize
        table = int(np.prod(np.array(shape) + 1)) * K * itemsize
        if table > int(budget * memory.TABLE_SHARE):
            table = 0
    total += table
    if table == 0:
        # The compact copy, and the fine grid (3 bytes per atom) when the edges share a voxel.
        total += n_box_atoms * (13 if g is None else 16)
    smallest = float(min(sizes))
    cubes = int(np.prod([n_tiles(float(e), smallest) for e in size]))
    cubes = min(cubes, DENSE_CUBES_PER_ATOM * n_box_atoms + 1024)
    return int(total + cubes * 3 * 8 * max(K, 2))
