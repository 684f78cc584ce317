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
        out: np.ndarray = np.empty((*shape, 3), dtype=dtype)
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

    def sphere_runs(self, centres: np.ndarray, radii: np.ndarray) -> SiteRuns:
        """The sites inside spheres, as runs of consecutive x cells.

        For every sphere, every (y, z) cell row and every basis atom, the sites inside the sphere
        form one run of consecutive x cells whose ends follow in closed form. Only the runs are
        built (about a thousand per sphere), never a candidate site that is then rejected.

        Parameters
        ----------
        centres
            (M, 3) sphere centres (nm).
        radii
            (M,) sphere radii (nm).
        """
        centres = np.asarray(centres, dtype=np.float64).reshape(-1, 3)
        radii = np.asarray(radii, dtype=np.float64).reshape(-1)
        edges = self.edges
        basis = self.basis
        nb = len(basis)
        nx, ny, nz = self.shape
        if len(centres) == 0:
            z = np.zeros(0, np.int64)
            return SiteRuns(z, z, z, z, z, z, np.zeros(0), np.zeros(0), nb)
        reach = np.ceil(radii.max() / edges[1:]).astype(int) + 1
        grid_rows = np.meshgrid(
            np.arange(-reach[0], reach[0] + 1),
            np.arange(-reach[1], reach[1] + 1),
            np.arange(nb),
            indexing="ij",
        )
        dy, dz, b = (g.ravel() for g in grid_rows)
        parts = []
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
            keep = x1 >= x0
            m_i, row, x0, x1 = m_i[keep], row[keep], x0[keep], x1[keep]
            ry, rz = iy[m_i, row], iz[m_i, row]
            parts.append((m_i + s0, b[row], ry, rz, x0, x1, y[m_i, row], z[m_i, row]))
        owner, rb, ry, rz, x0, x1, yy, zz = (np.concatenate(k) for k in zip(*parts))
        start = ((rz * ny + ry) * nx + x0) * nb + rb
        order = np.argsort(start, kind="stable")
        return SiteRuns(
            start[order], (x1 - x0 + 1)[order], owner[order], rb[order], x0[order], x1[order],
            yy[order], zz[order], nb,
        )  # fmt: skip

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
        runs = self.sphere_runs(centres, radii)
        which, k = runs.expand_rows()
        idx = runs.start[which] + k * runs.nb
        owner = runs.owner[which]
        if len(idx) == 0:
            empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
            return (*empty, np.zeros((0, 3))) if with_positions else empty
        # A site claimed twice goes to the sphere listed first. One int32 per grid site resolves
        # that with a scatter-minimum and yields the indices already sorted, with no O(n log n) sort.
        none = np.iinfo(np.int32).max
        best = np.full(self.n_sites, none, dtype=np.int32)
        np.minimum.at(best, idx, owner.astype(np.int32))
        index = np.flatnonzero(best != none)
        owners = best[index].astype(np.int64)
        if not with_positions:
            return index, owners
        return index, owners, self.index_to_position(index)


@dataclass(frozen=True)
class SiteRuns:
    """Runs of lattice sites along x: run j holds the sites ``start[j] + k * nb``, k < ``length[j]``.

    Parameters
    ----------
    start, length
        Global index of the first site and number of sites of each run (sorted by ``start``).
    owner
        Sphere (or other source) each run belongs to.
    basis
        Basis atom of the run's sites.
    x0, x1
        First and last x cell of the run.
    y, z
        Position (nm) shared by the run's sites.
    nb
        Basis atoms per cell (the index stride between neighbours in a run).
    """

    start: np.ndarray
    length: np.ndarray
    owner: np.ndarray
    basis: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    y: np.ndarray
    z: np.ndarray
    nb: int

    def __len__(self) -> int:
        return len(self.start)

    def expand_rows(self, first: int = 0, stop: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """For runs ``first`` .. ``stop``, the run number and the position k of every site in it."""
        length = self.length[first:stop]
        total = int(length.sum())
        which = np.repeat(np.arange(first, first + len(length)), length)
        k = np.arange(total) - np.repeat(np.cumsum(length) - length, length)
        return which, k

    def mark(self, mask: np.ndarray, start: int, stop: int) -> None:
        """Set ``mask[i - start]`` for every site index ``i`` of the runs in ``[start, stop)``.

        Runs never straddle a z-layer, so slabs of whole layers take whole runs.
        """
        a, b = np.searchsorted(self.start, [start, stop])
        if b > a:
            which, k = self.expand_rows(int(a), int(b))
            mask[self.start[which] + k * self.nb - start] = True

    def count_inside(self, lattice_lo: float, edge: float, basis_x: np.ndarray, x_interval) -> int:
        """Sites of all runs whose x lies in ``x_interval(y, z) -> (lo, hi)`` of their row.

        Counting per run in closed form avoids building the positions of every site.
        """
        xa, xb = x_interval(self.y, self.z)
        bx = basis_x[self.basis]
        first = np.ceil((xa - lattice_lo) / edge - bx)
        last = np.ceil((xb - lattice_lo) / edge - bx) - 1  # half-open [xa, xb)
        lo = np.maximum(first, self.x0)
        hi = np.minimum(last, self.x1)
        return int(np.maximum(hi - lo + 1, 0).sum())
