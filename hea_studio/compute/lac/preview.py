"""Live previews of a dragged box on large datasets, answered from one voxel table of the dataset.

While the user drags a box over a 10^8-atom specimen, every analysis would otherwise pass over all
atoms twice (selecting the box, building its voxel table). Instead the whole dataset is binned once
into a summed-volume table by species on a fixed grid (:class:`DatasetTable`, built on the worker
at the first preview and kept for the dataset), and a preview reads it: the box is snapped to the
grid (its corners move by at most half a voxel), the cube edges are the analysis edges rounded to
whole voxels (1 nm by default, so the smallest edges are left to the exact analysis of the
released box), and every count is a few table lookups per cube, whatever the number of atoms.

The preview is what its name says: the analysis of the box released at the end of the drag runs
on the atoms themselves (:mod:`hea_studio.compute.lac.binning`) and is exact.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field, replace

import numpy as np

from hea_studio.compute.common import scan
from hea_studio.compute.lac import _kernels
from hea_studio.compute.lac.binning import PreparedRoi, n_tiles
from hea_studio.compute.lac.roi import MIN_ROI_ATOMS, choose_elements, ion_types_over
from hea_studio.core import memory
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box, edges_that_fit
from hea_studio.core.progress import TaskState
from hea_studio.core.settings import AnalysisSettings

MIN_ATOMS = 5_000_000
"""Datasets with at least this many atoms preview from a :class:`DatasetTable`."""

TABLE_SHARE = 0.25
"""Share of the memory budget the dataset table may take (the voxel edge grows until it fits)."""

MIN_VOXEL_NM = 1.0
"""Coarsest detail of a preview: edges below 1 nm would cost most of a preview (10^7 cubes of 0.5 nm
in a 10^8-atom box) for a point the released box's exact analysis gives anyway."""


@dataclass(eq=False)
class DatasetTable:
    """Summed-volume table of a whole dataset, by species, on voxels of edge ``g`` from ``origin``.

    ``P[i, j, l, s]`` counts the atoms of species ``s`` in voxels ``[0, i) x [0, j) x [0, l)``.
    """

    origin: np.ndarray
    g: float
    P: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.P.shape[0] - 1, self.P.shape[1] - 1, self.P.shape[2] - 1)

    @classmethod
    def build(
        cls,
        atoms: AtomSet,
        g: float,
        task: TaskState | None = None,
        span: tuple[float, float] | None = None,
        bounds: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> DatasetTable:
        """Bin every atom (one chunked pass, after the bounds unless they are given)."""
        lo, hi = scan.bounds(atoms.positions, task, None) if bounds is None else bounds
        nx, ny, nz = (int(v) for v in np.maximum(np.floor((hi - lo) / g).astype(np.int64) + 1, 1))
        shape = (nx, ny, nz)
        box = Box(tuple(lo), tuple(lo + np.array(shape) * g))
        # By row label: species, or ion classes whose atoms the preview's lut counts.
        n_species = atoms.n_labels
        lut = np.arange(n_species, dtype=np.int64)
        P, face, lab = scan.voxel_table(
            atoms.positions, atoms.labels, lut, box, g, shape, n_species, atoms.n_rows, task, span
        )
        if face.size:
            # A preview need not split hairs: atoms on voxel faces go to the voxel floor() gives.
            rel = np.asarray(atoms.positions[face], dtype=np.float64) - lo
            idx = np.clip(np.floor(rel / g).astype(np.int64), 0, np.array(shape) - 1)
            V = np.zeros((*shape, n_species), dtype=np.int64)
            np.add.at(V, (idx[:, 0], idx[:, 1], idx[:, 2], lab), 1)
            P[1:, 1:, 1:, :] += V.cumsum(0).cumsum(1).cumsum(2).astype(P.dtype)
        return cls(lo, float(g), P)

    def snap(self, box: Box) -> tuple[np.ndarray, np.ndarray]:
        """First voxel and voxels per axis of ``box`` snapped to the grid (clipped to the table)."""
        a = np.rint((np.asarray(box.lo) - self.origin) / self.g).astype(np.int64)
        b = np.rint((np.asarray(box.hi) - self.origin) / self.g).astype(np.int64)
        n = np.array(self.shape)
        a = np.clip(a, 0, n)
        b = np.clip(b, a, n)
        return a, b - a

    def block_sum(self, a: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Atoms per species in voxels ``a .. a + n`` (int64 (S,))."""
        P = self.P
        x0, y0, z0 = (int(v) for v in a)
        x1, y1, z1 = (int(v) for v in a + n)
        s = (
            P[x1, y1, z1].astype(np.int64) - P[x0, y1, z1] - P[x1, y0, z1] - P[x1, y1, z0]
            + P[x0, y0, z1] + P[x0, y1, z0] + P[x1, y0, z0] - P[x0, y0, z0]
        )  # fmt: skip
        return s


@dataclass(eq=False)
class TableRoi(PreparedRoi):
    """A :class:`PreparedRoi` whose counts come from a :class:`DatasetTable` (previews only).

    ``first`` is the box's first voxel; every edge must be a whole number of voxels.
    """

    grid: DatasetTable | None = field(default=None, repr=False)
    first: np.ndarray | None = field(default=None, repr=False)
    class_type: np.ndarray | None = field(default=None, repr=False)
    """(n_labels,) ion type (row of ``ion_types``) of every ion class, -1 for classes without an
    entropy atom; set when the rows are molecular ions whose draws the reference follows."""

    @property
    def ion_level(self) -> bool:
        return self.class_type is not None

    def _by_type(self, label_counts: np.ndarray) -> np.ndarray:
        """(rows, S) ion-class counts -> (rows, T) ions per type."""
        assert self.class_type is not None and self.ion_types is not None
        out = np.zeros((label_counts.shape[0], self.ion_types.shape[0]), dtype=np.int64)
        for s, t in enumerate(self.class_type):
            if t >= 0:
                out[:, t] += label_counts[:, s]
        return out

    def ion_type_counts(self) -> np.ndarray:
        assert self.grid is not None and self.first is not None
        n = np.rint(np.asarray(self.extent) / self.grid.g).astype(np.int64)
        return self._by_type(self.grid.block_sum(self.first, n)[None, :])[0]

    def tile_counts_and_ions(self, L: float, voxel: float | None = None, shift=None, by_type: bool = False):
        if self.class_type is None:
            return super().tile_counts_and_ions(L, voxel, shift, by_type)
        raw, _shape = self._label_counts(L, self._offsets(shift))
        per_type = self._by_type(raw)
        return self._species_to_elements(raw), per_type if by_type else per_type.sum(axis=1)

    def shifted_ion_counts(self, L: float, off, shape) -> np.ndarray | None:
        if self.class_type is None:
            return None
        assert self.grid is not None
        o = np.rint(np.asarray(off, dtype=np.float64) / self.grid.g).astype(np.int64)
        return self._by_type(self._label_counts(L, o)[0]).sum(axis=1)

    def _species_to_elements(self, counts: np.ndarray) -> np.ndarray:
        """(rows, S) label counts -> (rows, K) element counts through ``lut`` (every layer)."""
        out = np.zeros((counts.shape[0], self.K), dtype=np.int64)
        for one in self.layers:
            for s, k in enumerate(one):
                if k >= 0:
                    out[:, k] += counts[:, s]
        return out

    def prepare_voxels(self, sizes, grids_per_edge: int = 1) -> float | None:
        assert self.grid is not None
        return self.grid.g

    def _voxels(self, L: float) -> int:
        assert self.grid is not None
        m = round(L / self.grid.g)
        if m < 1 or abs(m * self.grid.g - L) > 1e-9 * L:
            raise ValueError(f"preview edge {L} is not a whole number of {self.grid.g} nm voxels")
        return m

    def _label_counts(self, L: float, offset_voxels) -> tuple[np.ndarray, tuple[int, int, int]]:
        """(cubes, S) counts per row label of the grid of edge ``L`` offset by whole voxels, and its shape."""
        assert self.grid is not None and self.first is not None
        m = self._voxels(L)
        o = np.asarray(offset_voxels, dtype=np.int64)
        shape = tuple(n_tiles(float(e) - float(v) * self.grid.g, L) for e, v in zip(self.extent, o))
        if min(shape) <= 0:
            return np.zeros((0, self.grid.P.shape[3]), dtype=np.int64), (0, 0, 0)
        start = self.first + o
        counts = _kernels.prefix_cube_counts(self.grid.P, m, *shape, *(int(v) for v in start))
        return counts, shape  # type: ignore[return-value]

    def _counts(self, L: float, offset_voxels) -> tuple[np.ndarray, tuple[int, int, int]]:
        raw, shape = self._label_counts(L, offset_voxels)
        return self._species_to_elements(raw), shape

    def _offsets(self, shift) -> np.ndarray:
        """A grid shift (nm) in whole voxels."""
        assert self.grid is not None
        if shift is None:
            return np.zeros(3, dtype=np.int64)
        return np.floor(np.asarray(shift) / self.grid.g + 1e-9).astype(np.int64)

    def _tile(self, L: float, voxel: float | None, shift) -> tuple[np.ndarray, np.ndarray | None]:
        return self._counts(L, self._offsets(shift))[0], None

    def tile_counts_shifted(self, L: float, fraction, voxel: float | None = None):
        assert self.grid is not None
        m = self._voxels(L)
        frac = np.clip(np.asarray(fraction, dtype=np.float64), 0.0, 1.0 - 1e-12)
        o = np.floor(frac * m).astype(np.int64)
        counts, shape = self._counts(L, o)
        off = tuple(float(v) * self.grid.g for v in o)
        return counts, off, shape

    def half_counts(self) -> np.ndarray:
        assert self.grid is not None and self.first is not None
        n = np.rint(np.asarray(self.extent) / self.grid.g).astype(np.int64)
        out = np.zeros((3, self.K), dtype=np.int64)
        for ax in range(3):
            half = (n[ax] + 1) // 2  # the midplane, to the nearest voxel face
            a = self.first.copy()
            a[ax] += half
            size = n.copy()
            size[ax] -= half
            out[ax] = self._species_to_elements(self.grid.block_sum(a, size)[None, :])[0]
        return out

    def compact(self, edge: float = 0.25):  # pragma: no cover - never reached on the table path
        raise RuntimeError("a table preview has no per-atom copy")


_tables: weakref.WeakKeyDictionary[AtomSet, DatasetTable] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def voxel_for(
    atoms: AtomSet,
    settings: AnalysisSettings,
    budget: int | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """The table's voxel: the smallest multiple of the edges' common voxel (else of 0.5 nm) of at
    least :data:`MIN_VOXEL_NM`, doubled until the table fits :data:`TABLE_SHARE` of the budget.
    ``bounds``: the atoms' corners if already known (saves a pass)."""
    from hea_studio.compute.lac.binning import common_voxel_edge

    g0 = common_voxel_edge(settings.sizes_nm) or 0.5
    g = g0 * max(1, int(np.ceil(MIN_VOXEL_NM / g0 - 1e-9)))
    limit = (budget if budget is not None else memory.budget()) * TABLE_SHARE
    lo, hi = scan.bounds(atoms.positions) if bounds is None else bounds
    extent = np.maximum(hi - lo, 1e-9)
    item = np.dtype(scan.table_dtype(atoms.n_rows)).itemsize
    while float(np.prod(np.floor(extent / g) + 2)) * atoms.n_labels * item > limit:
        g *= 2.0
    return g


def dataset_table(
    atoms: AtomSet,
    settings: AnalysisSettings,
    task: TaskState | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> DatasetTable:
    """The dataset's table (built on first use, then shared by every preview of ``atoms``).
    ``bounds``: the atoms' corners if already known; else measured once, for the voxel and the table."""
    with _lock:
        table = _tables.get(atoms)
    if table is None:
        if bounds is None:
            bounds = scan.bounds(atoms.positions, task, None)
        lo, hi = (np.asarray(v, dtype=np.float64) for v in bounds)
        table = DatasetTable.build(atoms, voxel_for(atoms, settings, bounds=(lo, hi)), task, bounds=(lo, hi))
        with _lock:
            _tables[atoms] = table
    return table


def preview_inputs(
    atoms: AtomSet, box: Box, settings: AnalysisSettings, task: TaskState | None = None
) -> tuple[TableRoi, Box, AnalysisSettings]:
    """The table-backed ROI of ``box`` snapped to the grid, the snapped box, and the settings with
    edges rounded to whole voxels (duplicates dropped).

    Raises
    ------
    InputError
        If the snapped box holds too few atoms or no edge fits.
    """
    table = dataset_table(atoms, settings, task)
    a, n = table.snap(box)
    g = table.g
    snapped = Box(tuple(table.origin + a * g), tuple(table.origin + (a + n) * g))
    if min(n) <= 0:
        raise InputError("the box lies outside the data")
    sizes = sorted({max(1, round(L / g)) * g for L in settings.sizes_nm})
    sizes = list(edges_that_fit(sizes, [float(v) * g for v in n]))
    if not sizes:
        raise InputError("the box is smaller than the smallest cube edge")
    species = atoms.element_counts(table.block_sum(a, n))
    names, lut, counts, note = choose_elements(atoms, species, settings.elements)
    layered = np.stack(atoms.layer_luts(lut), axis=1)
    if counts.sum() < MIN_ROI_ATOMS:
        raise InputError(f"the box holds only {int(counts.sum())} atoms of {', '.join(names)}")
    # Molecular ion rows: the preview follows the ion draws of the exact analysis (science.md 4).
    found = ion_types_over(atoms, names) if atoms.rows is not None else None
    class_type, ion_types = (None, None) if found is None else found
    prep = TableRoi(
        box=snapped,
        positions=atoms.positions,
        species=atoms.labels,
        lut=layered,
        elements=names,
        counts=counts,
        task=task,
        elements_note=note,
        grid=table,
        first=a,
        ion_types=ion_types,
        class_type=class_type,
    )
    return prep, snapped, replace(settings, sizes_nm=tuple(sizes))


def use_table(atoms: AtomSet, settings: AnalysisSettings) -> bool:
    """True when previews of ``atoms`` come from a dataset table: a large dataset, tiling mode,
    and rows that the table can count by draw: single atoms, or molecular ions kept as ion rows (a
    per-atom decomposition's ion origin is not in the table). Sublattices are counted from the
    same table (give their preset resolved: :func:`~hea_studio.compute.analysis.resolve_sublattice_preset`)."""
    return (
        atoms.n_atoms >= MIN_ATOMS
        and settings.mode == "tiling"
        and (getattr(atoms, "ions", None) is None or getattr(atoms, "rows", None) is not None)
        and not (getattr(settings, "sublattice_preset", None) and not getattr(settings, "sublattices", None))
    )
