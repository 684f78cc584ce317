"""Crystal lattices as a grid of orthorhombic cells with a basis, addressed by a global site index.

Every site in a bounding box has one integer index, so that sites can be generated slab by slab
(bounded memory) and a cluster can find the sites it covers without a neighbour search: the index
of a site follows from its cell and basis numbers.

Cells: fcc and bcc use the cubic cell (4 and 2 atoms); hcp uses the orthohexagonal cell
a x sqrt(3) a x c with 4 atoms, which tiles space with right angles.
"""

from __future__ import annotations

import math
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

    def block(
        self,
        z_layers: tuple[int, int],
        x_cells: tuple[int, int],
        y_cells: tuple[int, int],
        dtype: type = np.float64,
    ):
        """Positions and global indices of the sites in a block of cells.

        Parameters
        ----------
        z_layers, x_cells, y_cells
            Half-open cell ranges ``(first, stop)`` along z, x and y (clipped to the grid).
        dtype
            Float type of the positions (float32 halves the memory traffic of the generator).

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
            return np.zeros((0, 3), dtype=dtype), np.zeros(0, np.int64)
        basis, edges = self.basis, self.edges
        nb = len(basis)
        ix = np.arange(x0, x1)
        iy = np.arange(y0, y1)
        iz = np.arange(z0, z1)
        shape = (z1 - z0, y1 - y0, x1 - x0, nb)
        out = np.empty((*shape, 3), dtype=dtype)
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
        basis = self.basis
        nb = len(basis)
        nx, ny, nz = self.shape
        # Row by row: for every sphere, every (y, z) cell row and basis atom, the sites inside the
        # sphere form one run of consecutive x cells, found in closed form. Only the runs are built
        # (about a thousand per sphere), then expanded into exactly the sites inside: no candidate
        # is ever tested and rejected.
        reach = np.ceil(radii.max() / edges[1:]).astype(int) + 1
        dy, dz, b = np.meshgrid(
            np.arange(-reach[0], reach[0] + 1),
            np.arange(-reach[1], reach[1] + 1),
            np.arange(nb),
            indexing="ij",
        )
        dy, dz, b = dy.ravel(), dz.ravel(), b.ravel()
        out_idx, out_owner, out_pos = [], [], []
        batch = max(1, 2_000_000 // len(dy))
        for s0 in range(0, len(centres), batch):
            c = centres[s0 : s0 + batch]
            r = radii[s0 : s0 + batch]
            base = np.floor((c - self.lo) / edges).astype(np.int64)
            iy = base[:, 1:2] + dy  # (m, rows)
            iz = base[:, 2:3] + dz
            y = self.lo[1] + (iy + basis[b, 1]) * edges[1]
            z = self.lo[2] + (iz + basis[b, 2]) * edges[2]
            rem = (r * r)[:, None] - (y - c[:, 1:2]) ** 2 - (z - c[:, 2:3]) ** 2
            ok = (rem >= 0) & (iy >= 0) & (iy < ny) & (iz >= 0) & (iz < nz)
            m_i, row = np.nonzero(ok)
            half = np.sqrt(rem[m_i, row])
            bx = basis[b[row], 0]
            cx = c[m_i, 0]
            x0 = np.maximum(np.ceil((cx - half - self.lo[0]) / edges[0] - bx), 0).astype(np.int64)
            x1 = np.minimum(np.floor((cx + half - self.lo[0]) / edges[0] - bx), nx - 1).astype(np.int64)
            run = x1 - x0 + 1
            keep = run > 0
            m_i, row, x0, run = m_i[keep], row[keep], x0[keep], run[keep]
            ry, rz, rb = iy[m_i, row], iz[m_i, row], b[row]
            # Expand runs: element k of run j is x cell x0[j] + k.
            total = int(run.sum())
            starts = np.cumsum(run) - run
            which = np.repeat(np.arange(len(run)), run)
            ix = x0[which] + (np.arange(total) - starts[which])
            out_idx.append(((rz[which] * ny + ry[which]) * nx + ix) * nb + rb[which])
            out_owner.append(m_i[which] + s0)
            if with_positions:
                p = np.empty((total, 3))
                p[:, 0] = self.lo[0] + (ix + basis[rb[which], 0]) * edges[0]
                p[:, 1] = y[m_i, row][which]
                p[:, 2] = z[m_i, row][which]
                out_pos.append(p)
        idx = np.concatenate(out_idx)
        owner = np.concatenate(out_owner)
        # A site claimed twice goes to the sphere listed first. One int32 per grid site resolves
        # that with a scatter-minimum and yields the indices already sorted, with no O(n log n) sort.
        none = np.iinfo(np.int32).max
        best = np.full(self.n_sites, none, dtype=np.int32)
        np.minimum.at(best, idx, owner.astype(np.int32))
        index = np.flatnonzero(best != none)
        owners = best[index].astype(np.int64)
        if not with_positions:
            return index, owners
        win = best[idx] == owner
        slot = best  # reuse the buffer: grid index -> row of the winning entry
        slot[idx[win]] = np.arange(int(win.sum()), dtype=np.int32)
        positions = np.concatenate(out_pos)[win][slot[index]]
        return index, owners, positions
