"""Crystal lattices as a grid of orthorhombic cells with a basis, addressed by a global site index.

Every site in a bounding box has one integer index, so that sites can be generated slab by slab
(bounded memory) and a cluster can find the sites it covers without a neighbour search: the index
of a site follows from its cell and basis numbers.

Cells: fcc and bcc use the cubic cell (4 and 2 atoms); hcp uses the orthohexagonal cell
a x sqrt(3) a x c with 4 atoms, which tiles space with right angles.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from hea_studio.core.settings import Lattice

_BASIS = {
    "fcc": np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]]),
    "bcc": np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]),
    "hcp": np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 1.0 / 6.0, 0.5], [0.0, 2.0 / 3.0, 0.5]]),
}


def cell_edges(lattice: Lattice) -> np.ndarray:
    """Edges (nm) of the orthorhombic cell used to tile ``lattice``."""
    a = lattice.a_nm
    if lattice.structure == "hcp":
        c = lattice.c_nm if lattice.c_nm is not None else math.sqrt(8.0 / 3.0) * a
        return np.array([a, math.sqrt(3.0) * a, c])
    return np.array([a, a, a])


def site_density(lattice: Lattice) -> float:
    """Atoms per nm^3."""
    edges = cell_edges(lattice)
    return len(_BASIS[lattice.structure]) / float(np.prod(edges))


@dataclass(frozen=True)
class LatticeGrid:
    """All lattice sites in a box, indexed ``((iz * ny + iy) * nx + ix) * nb + b``.

    Parameters
    ----------
    lattice
        Structure and lattice parameter.
    lo
        Position (nm) of the origin of cell (0, 0, 0).
    shape
        Number of cells along x, y, z.
    """

    lattice: Lattice
    lo: np.ndarray
    shape: tuple[int, int, int]

    @classmethod
    def covering(cls, lattice: Lattice, lo: np.ndarray, hi: np.ndarray) -> LatticeGrid:
        """The grid of whole cells covering the box ``lo`` .. ``hi``."""
        edges = cell_edges(lattice)
        n = np.maximum(np.ceil((np.asarray(hi) - np.asarray(lo)) / edges).astype(int), 1)
        return cls(lattice, np.asarray(lo, dtype=np.float64), (int(n[0]), int(n[1]), int(n[2])))

    @property
    def edges(self) -> np.ndarray:
        """Cell edges (nm)."""
        return cell_edges(self.lattice)

    @property
    def basis(self) -> np.ndarray:
        """Basis positions in cell units, (nb, 3)."""
        return _BASIS[self.lattice.structure]

    @property
    def n_sites(self) -> int:
        """Number of sites in the grid."""
        nx, ny, nz = self.shape
        return nx * ny * nz * len(self.basis)

    @property
    def sites_per_layer(self) -> int:
        """Sites in one layer of cells along z."""
        nx, ny, _ = self.shape
        return nx * ny * len(self.basis)

    def positions(self, start: int, stop: int) -> np.ndarray:
        """Positions (nm, float64, (stop - start, 3)) of the sites with indices in [start, stop).

        ``start`` and ``stop`` must be whole z-layers (as :meth:`slabs` gives); the positions are
        built by broadcasting per axis, which is far cheaper than decoding every index.
        """
        per_layer = self.sites_per_layer
        if start % per_layer or stop % per_layer:
            return self.index_to_position(np.arange(start, stop, dtype=np.int64))
        nx, ny, _ = self.shape
        z0, z1 = start // per_layer, stop // per_layer
        basis, edges = self.basis, self.edges
        out = np.empty((z1 - z0, ny, nx, len(basis), 3))
        out[..., 0] = self.lo[0] + (np.arange(nx)[:, None] + basis[None, :, 0]) * edges[0]
        out[..., 1] = self.lo[1] + (np.arange(ny)[:, None, None] + basis[None, None, :, 1]) * edges[1]
        out[..., 2] = self.lo[2] + (np.arange(z0, z1)[:, None, None, None] + basis[:, 2]) * edges[2]
        return out.reshape(-1, 3)

    def index_to_position(self, index: np.ndarray) -> np.ndarray:
        """Positions (nm) of sites given by global index."""
        nx, ny, _ = self.shape
        nb = len(self.basis)
        b = index % nb
        cell = index // nb
        ix = cell % nx
        iy = (cell // nx) % ny
        iz = cell // (nx * ny)
        frac = np.stack([ix, iy, iz], axis=1).astype(np.float64) + self.basis[b]
        return self.lo + frac * self.edges

    def slabs(self, max_sites: int) -> Iterator[tuple[int, int]]:
        """Index ranges ``(start, stop)`` of whole z-layers of cells holding at most ``max_sites`` sites."""
        per_layer = self.sites_per_layer
        layers = max(1, max_sites // per_layer)
        nz = self.shape[2]
        for z0 in range(0, nz, layers):
            z1 = min(nz, z0 + layers)
            yield z0 * per_layer, z1 * per_layer

    def sites_within(self, centres: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sites inside spheres.

        Parameters
        ----------
        centres
            (M, 3) sphere centres (nm).
        radii
            (M,) sphere radii (nm).

        Returns
        -------
        index, owner
            Global site indices (sorted, unique) and the number of the sphere each belongs to; a
            site covered by two spheres goes to the one listed first.
        """
        centres = np.asarray(centres, dtype=np.float64).reshape(-1, 3)
        radii = np.asarray(radii, dtype=np.float64).reshape(-1)
        if len(centres) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        edges = self.edges
        nb = len(self.basis)
        reach = np.ceil(radii.max() / edges).astype(int) + 1
        # One template of cell offsets around the centre cell, shared by all spheres.
        offs = np.stack(np.meshgrid(*[np.arange(-r, r + 1) for r in reach], indexing="ij"), axis=-1).reshape(
            -1, 3
        )
        per_sphere = len(offs) * nb
        batch = max(1, 2_000_000 // per_sphere)
        dims = np.array(self.shape)
        out_idx, out_owner = [], []
        for s0 in range(0, len(centres), batch):
            c = centres[s0 : s0 + batch]
            r = radii[s0 : s0 + batch]
            base = np.floor((c - self.lo) / edges).astype(np.int64)
            cells = base[:, None, None, :] + offs[None, :, None, :]  # (m, t, 1, 3)
            frac = cells + self.basis[None, None, :, :]  # (m, t, nb, 3)
            pos = self.lo + frac * edges
            d2 = np.sum((pos - c[:, None, None, :]) ** 2, axis=-1)
            valid = np.all((cells >= 0) & (cells < dims), axis=-1)  # (m, t, 1)
            ok = (d2 <= (r * r)[:, None, None]) & valid
            m_i, t_i, b_i = np.nonzero(ok)
            cc = cells[m_i, t_i, 0]
            idx = ((cc[:, 2] * dims[1] + cc[:, 1]) * dims[0] + cc[:, 0]) * nb + b_i
            out_idx.append(idx)
            out_owner.append(m_i + s0)
        idx = np.concatenate(out_idx)
        owner = np.concatenate(out_owner)
        uniq, first = np.unique(idx, return_index=True)
        return uniq, owner[first]
