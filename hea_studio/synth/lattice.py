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

    def block(self, z_layers: tuple[int, int], x_cells: tuple[int, int], y_cells: tuple[int, int]):
        """Positions and global indices of the sites in a block of cells.

        Parameters
        ----------
        z_layers, x_cells, y_cells
            Half-open cell ranges ``(first, stop)`` along z, x and y (clipped to the grid).

        Returns
        -------
        positions, index
            (N, 3) float64 positions (nm) and (N,) int64 global indices, in index order.
        """
        nx, ny, nz = self.shape
        x0, x1 = max(0, x_cells[0]), min(nx, x_cells[1])
        y0, y1 = max(0, y_cells[0]), min(ny, y_cells[1])
        z0, z1 = max(0, z_layers[0]), min(nz, z_layers[1])
        if x1 <= x0 or y1 <= y0 or z1 <= z0:
            return np.zeros((0, 3)), np.zeros(0, np.int64)
        basis, edges = self.basis, self.edges
        nb = len(basis)
        ix = np.arange(x0, x1)
        iy = np.arange(y0, y1)
        iz = np.arange(z0, z1)
        shape = (z1 - z0, y1 - y0, x1 - x0, nb)
        out = np.empty((*shape, 3))
        out[..., 0] = self.lo[0] + (ix[:, None] + basis[None, :, 0]) * edges[0]
        out[..., 1] = self.lo[1] + (iy[:, None, None] + basis[None, None, :, 1]) * edges[1]
        out[..., 2] = self.lo[2] + (iz[:, None, None, None] + basis[:, 2]) * edges[2]
        cell = (iz[:, None, None] * ny + iy[None, :, None]) * nx + ix[None, None, :]
        index = cell[..., None].astype(np.int64) * nb + np.arange(nb)
        return out.reshape(-1, 3), index.reshape(-1)

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

    def sites_within(self, centres: np.ndarray, radii: np.ndarray, with_positions: bool = False):
        """Sites inside spheres.

        Parameters
        ----------
        centres
            (M, 3) sphere centres (nm).
        radii
            (M,) sphere radii (nm).

        with_positions
            Also return the positions of the sites (saves decoding the indices again).

        Returns
        -------
        index, owner[, positions]
            Global site indices (sorted, unique), the number of the sphere each belongs to (a
            site covered by two spheres goes to the one listed first) and optionally (N, 3)
            positions in nm.
        """
        centres = np.asarray(centres, dtype=np.float64).reshape(-1, 3)
        radii = np.asarray(radii, dtype=np.float64).reshape(-1)
        if len(centres) == 0:
            empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
            return (*empty, np.zeros((0, 3))) if with_positions else empty
        edges = self.edges
        basis_nm = self.basis * edges  # (nb, 3)
        nb = len(basis_nm)
        dims = np.array(self.shape)
        # Spheres sorted by radius and handled in batches, each with a template of cell offsets
        # just large enough for its largest sphere, so a few big spheres do not inflate the work.
        order = np.argsort(radii, kind="stable")
        out_idx, out_owner, out_pos = [], [], []
        s0 = 0
        while s0 < len(order):
            rmax = float(radii[order[min(len(order) - 1, s0 + 63)]])
            reach = np.ceil(rmax / edges).astype(int) + 1
            offs = np.stack(np.meshgrid(*[np.arange(-r, r + 1) for r in reach], indexing="ij"), axis=-1)
            offs = offs.reshape(-1, 3)
            # Drop cells that cannot hold a site within rmax of any point of the centre cell.
            gap = np.maximum(np.abs(offs) - 1, 0) * edges
            offs = offs[np.sum(gap * gap, axis=1) <= rmax * rmax]
            template = offs[:, None, :] * edges + basis_nm[None, :, :]  # (t, nb, 3) nm
            per_sphere = template.shape[0] * nb
            batch = int(max(1, min(64, 3_000_000 // per_sphere)))
            sel = order[s0 : s0 + batch]
            s0 += len(sel)
            c, r = centres[sel], radii[sel]
            base = np.floor((c - self.lo) / edges).astype(np.int64)
            frac = c - (self.lo + base * edges)  # centre position inside its cell (nm)
            rel = template[None] - frac[:, None, None, :]  # (m, t, nb, 3)
            d2 = np.einsum("mtbk,mtbk->mtb", rel, rel)
            cells = base[:, None, :] + offs[None, :, :]  # (m, t, 3)
            valid = np.all((cells >= 0) & (cells < dims), axis=-1)
            ok = (d2 <= (r * r)[:, None, None]) & valid[:, :, None]
            m_i, t_i, b_i = np.nonzero(ok)
            cc = cells[m_i, t_i]
            out_idx.append(((cc[:, 2] * dims[1] + cc[:, 1]) * dims[0] + cc[:, 0]) * nb + b_i)
            out_owner.append(sel[m_i])
            if with_positions:
                out_pos.append(c[m_i] + rel[m_i, t_i, b_i])
        idx = np.concatenate(out_idx)
        owner = np.concatenate(out_owner)
        # A site claimed twice goes to the sphere listed first: sort by (index, owner).
        o = np.lexsort((owner, idx))
        idx, owner = idx[o], owner[o]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = idx[1:] != idx[:-1]
        if with_positions:
            return idx[first], owner[first], np.concatenate(out_pos)[o][first]
        return idx[first], owner[first]
