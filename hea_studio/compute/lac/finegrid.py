"""One fine voxel grid that answers every edge of a list that is a whole number of its voxels.

A :class:`FineGrid` bins the atoms of a box once on voxels of the edge list's common edge ``g``
(3 bytes per atom: the z voxel and the element, grouped by (x, y) column) and then counts the cubes
of any edge ``m g``, on the analysed grid or on a grid shifted by whole voxels (the SUME interval),
with integer look-ups only (:mod:`._fine`). It is the per-edge path for edges the voxel
summed-volume table does not answer: tiny cubes (more cubes than atoms, counted sparsely) and lists
whose table would not fit the memory budget or cost more to build than it saves.

Counts are those of the per-edge ``floor((x - xmin - shift) / L)`` exactly: atoms within rounding
distance of a voxel face are kept apart (a handful on measured data, a lattice's worth on a
perfect lattice) and binned per edge with that formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.compute.lac import _fine

MAX_AXIS_VOXELS = 65_535
"""Voxels per axis the uint16 coordinates hold."""


def _exact_multiple(value: float, g: float, scale: float) -> int | None:
    """``value / g`` if it is a whole number (to rounding), else ``None``."""
    n = round(value / g)
    if abs(n * g - value) > 1e-9 * max(scale, 1.0):
        return None
    return int(n)


@dataclass(eq=False)
class FineGrid:
    """The atoms of one box binned on voxels of edge ``g`` (see the module docstring).

    Attributes
    ----------
    g
        Voxel edge (nm).
    shape
        Whole voxels along x, y, z.
    starts
        (nx * ny + 1,) int64 offsets of every (x, y) voxel column's atoms in ``fz`` / ``flab``.
    fz, flab
        z voxel (uint16) and element index of every atom counted from the grid.
    face_pos, face_lab
        Atoms within rounding distance of a voxel face (stored precision, int64 elements): binned
        per edge.
    lo
        The box's minimum corner (float64).
    K
        Number of elements.
    """

    g: float
    shape: tuple[int, int, int]
    starts: np.ndarray
    fz: np.ndarray
    flab: np.ndarray
    face_pos: np.ndarray
    face_lab: np.ndarray
    lo: np.ndarray
    K: int

    @staticmethod
    def fits(shape, n_atoms: int) -> bool:
        """Whether a grid of ``shape`` voxels can be built (uint16 axes, column table <= atoms)."""
        return (
            max(shape) <= MAX_AXIS_VOXELS
            and min(shape) > 0
            and shape[0] * shape[1] <= 4 * n_atoms + (1 << 20)
        )

    @staticmethod
    def estimate_bytes(shape, n_atoms: int) -> int:
        """Memory of a grid of ``shape`` over ``n_atoms`` atoms (bytes)."""
        return 3 * n_atoms + 8 * (shape[0] * shape[1] + 1)

    @classmethod
    def build(cls, pos: np.ndarray, lab: np.ndarray, lo: np.ndarray, g: float, shape, K: int) -> FineGrid:
        """Bin ``pos`` (the box's atoms, stored precision) and ``lab`` (their elements) on voxels of ``g``."""
        nx, ny, nz = (int(v) for v in shape)
        M = pos.shape[0]
        ix = np.empty(M, dtype=np.uint16)
        iy = np.empty(M, dtype=np.uint16)
        iz = np.empty(M, dtype=np.uint16)
        flag = np.empty(M, dtype=np.uint8)
        lo = np.ascontiguousarray(lo, dtype=np.float64)
        n_in = _fine.fine_coords(pos, lo, float(g), nx, ny, nz, ix, iy, iz, flag)
        fz = np.empty(n_in, dtype=np.uint16)
        flab = np.empty(n_in, dtype=lab.dtype)
        starts = _fine.fine_sort(ix, iy, iz, lab, flag, nx, ny, fz, flab)
        face = flag == _fine.ON_FACE
        return cls(
            float(g),
            (nx, ny, nz),
            starts,
            fz,
            flab,
            np.ascontiguousarray(pos[face]),
            np.ascontiguousarray(lab[face], dtype=np.int64),
            lo,
            int(K),
        )

    @property
    def nbytes(self) -> int:
        return (
            self.starts.nbytes
            + self.fz.nbytes
            + self.flab.nbytes
            + self.face_pos.nbytes
            + self.face_lab.nbytes
        )

    def voxels(self, L: float, shift) -> tuple[int, tuple[int, int, int]] | None:
        """``(m, offsets)``: ``L`` and ``shift`` in whole voxels, or ``None`` if either is off the grid."""
        m = _exact_multiple(L, self.g, L)
        if m is None or m < 1:
            return None
        offs = []
        for v in shift:
            o = _exact_multiple(float(v), self.g, L)
            if o is None or o < 0:
                return None
            offs.append(o)
        return m, (offs[0], offs[1], offs[2])

    def counts(
        self, L: float, shift: np.ndarray, cx: int, cy: int, cz: int, dense: bool
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Counts of the ``cx * cy * cz`` cubes of edge ``L`` starting ``shift`` (nm) from the corner.

        Returns ``(counts, None)`` (every cube) when ``dense``, else ``(counts, cube numbers)`` of the
        non-empty cubes in ascending order, as :meth:`PreparedRoi.tile_counts` does; ``None`` when
        ``L`` or ``shift`` is not whole voxels or the cubes reach beyond the grid.
        """
        found = self.voxels(L, shift)
        if found is None:
            return None
        m, (ox, oy, oz) = found
        if any(o + c * m > n for o, c, n in zip((ox, oy, oz), (cx, cy, cz), self.shape)):
            return None
        nx, ny, nz = self.shape
        lutz = self._lut(nz, oz, m, cz)
        face_ids, face_lab = self._face_cubes(L, shift, (cx, cy, cz))
        if dense:
            counts = _fine.fine_tile_dense(
                self.starts,
                self.fz,
                self.flab,
                ny,
                self._lut(nx, ox, m, cx),
                self._lut(ny, oy, m, cy),
                lutz,
                cy,
                cz,
                self.K,
            )
            np.add.at(counts, (face_ids, face_lab), 1)
            return counts, None
        order = np.argsort(face_ids, kind="stable")
        face_ids, face_lab = face_ids[order], face_lab[order]
        numbers, counts = _fine.fine_tile_sparse(
            self.starts, self.fz, self.flab, ny, m, ox, oy, cx, cy, cz, lutz, self.K,
            face_ids // cz, face_ids % cz, face_lab,
        )  # fmt: skip
        return counts, numbers

    @staticmethod
    def _lut(n: int, o: int, m: int, c: int) -> np.ndarray:
        """Cube index of each of ``n`` voxels for cubes of ``m`` voxels from voxel ``o`` (-1 outside)."""
        lut = np.full(n, -1, dtype=np.int64)
        lut[o : o + c * m] = np.arange(c * m, dtype=np.int64) // m
        return lut

    def _face_cubes(self, L, shift, shape) -> tuple[np.ndarray, np.ndarray]:
        """Cube numbers and elements of the face atoms inside the grid, by the per-edge formula."""
        cx, cy, cz = shape
        if not self.face_lab.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        rel = (self.face_pos.astype(np.float64) - self.lo) - np.asarray(shift, dtype=np.float64)
        f = np.floor(rel / float(L)).astype(np.int64)
        ok = np.all(f >= 0, axis=1) & (f[:, 0] < cx) & (f[:, 1] < cy) & (f[:, 2] < cz)
        return (f[ok, 0] * cy + f[ok, 1]) * cz + f[ok, 2], self.face_lab[ok]
