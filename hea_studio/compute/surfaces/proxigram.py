"""Proximity histograms: composition against signed distance to an isoconcentration surface.

Every ion within ``reach`` of the surface is given the distance to the tangent plane of its nearest
vertex, positive on the high-concentration side (inside a precipitate), negative outside (Hellman et
al. 2000). Ions are binned by that distance; each bin's composition comes with its binomial counting
error ``sqrt(x (1 - x) / n)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hea_studio.compute.clusters.grid import build_grid
from hea_studio.compute.surfaces.mesh import Mesh
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled

CHUNK = 1 << 20


@dataclass(frozen=True, eq=False)
class Proxigram:
    """Counts per species per distance bin.

    Attributes
    ----------
    edges
        (B + 1,) bin edges (nm), negative outside the surface.
    counts
        (B, K) ions per bin and species.
    names
        Species names (K).
    """

    edges: np.ndarray
    counts: np.ndarray
    names: tuple[str, ...]

    @property
    def centres(self) -> np.ndarray:
        """Bin centres (nm)."""
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    @property
    def totals(self) -> np.ndarray:
        """(B,) ions per bin."""
        return self.counts.sum(axis=1)

    def fractions(self) -> tuple[np.ndarray, np.ndarray]:
        """(B, K) fractions and their counting errors (NaN in empty bins)."""
        n = self.totals[:, None].astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(n > 0, self.counts / n, np.nan)
            e = np.where(n > 0, np.sqrt(x * (1 - x) / n), np.nan)
        return x, e

    def composition_between(self, d0: float, d1: float) -> dict[str, tuple[float, float, int]]:
        """Pooled composition of the bins whose centres lie in [d0, d1]: species -> (x, error, n)."""
        m = (self.centres >= d0) & (self.centres <= d1)
        c = self.counts[m].sum(axis=0)
        n = int(c.sum())
        out = {}
        for name, k in zip(self.names, c):
            x = k / n if n else float("nan")
            out[name] = (float(x), math.sqrt(x * (1 - x) / n) if n else float("nan"), n)
        return out

    def to_json(self) -> dict:
        """``hea-studio/proxigram/1``: per bin the distance, ions, at.% and errors per species."""
        x, e = self.fractions()
        bins = []
        for i, d in enumerate(self.centres):
            bins.append(
                {
                    "distance_nm": float(d),
                    "ions": int(self.totals[i]),
                    "percent": {n: _num(100 * x[i, k]) for k, n in enumerate(self.names)},
                    "error_percent": {n: _num(100 * e[i, k]) for k, n in enumerate(self.names)},
                }
            )
        return {
            "schema": "hea-studio/proxigram/1",
            "bin_nm": float(self.edges[1] - self.edges[0]),
            "bins": bins,
        }

    def to_csv(self) -> str:
        """distance_nm, ions, then at.% and error per species."""
        x, e = self.fractions()
        head = (
            ["distance_nm", "ions"]
            + [f"{n}_at_pct" for n in self.names]
            + [f"{n}_err_pct" for n in self.names]
        )
        lines = [",".join(head)]
        for i, d in enumerate(self.centres):
            vals = [f"{d:.6g}", str(int(self.totals[i]))]
            vals += [f"{100 * v:.6g}" if np.isfinite(v) else "" for v in x[i]]
            vals += [f"{100 * v:.6g}" if np.isfinite(v) else "" for v in e[i]]
            lines.append(",".join(vals))
        return "\n".join(lines) + "\n"


def _num(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def signed_distances(mesh: Mesh, points: np.ndarray, reach: float) -> np.ndarray:
    """Signed distance (nm, + inside) of each point to the surface; NaN beyond ``reach``."""
    grid = build_grid(mesh.vertices, reach)
    p = np.ascontiguousarray(points, dtype=np.float64)
    idx, _ = grid.nearest(p, reach)
    out = np.full(len(p), np.nan)
    ok = idx >= 0
    v = grid.points[idx[ok]]
    nrm = mesh.normals[grid.order[idx[ok]]].astype(np.float64)
    out[ok] = -np.einsum("ij,ij->i", p[ok] - v, nrm)
    return out


def proxigram(
    mesh: Mesh,
    positions: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    bin_nm: float = 0.2,
    reach: float = 3.0,
    task: TaskState | None = None,
) -> Proxigram:
    """Composition versus signed distance to ``mesh`` for ions within ``reach`` (chunked over all ions)."""
    if not (bin_nm > 0 and reach > bin_nm):
        raise InputError(f"need 0 < bin < reach, got bin {bin_nm} nm and reach {reach} nm")
    if len(mesh.vertices) == 0:
        raise InputError("the surface has no vertices")
    nbin = int(np.ceil(reach / bin_nm))
    edges = np.arange(-nbin, nbin + 1) * bin_nm
    k = len(names)
    counts = np.zeros((2 * nbin, k), dtype=np.int64)
    n = positions.shape[0]
    grid = build_grid(mesh.vertices, reach)
    for a in range(0, n, CHUNK):
        check_cancelled(task)
        p = np.ascontiguousarray(positions[a : a + CHUNK], dtype=np.float64)
        idx, _ = grid.nearest(p, reach)
        ok = np.flatnonzero(idx >= 0)
        v = grid.points[idx[ok]]
        nrm = mesh.normals[grid.order[idx[ok]]].astype(np.float64)
        d = -np.einsum("ij,ij->i", p[ok] - v, nrm)
        b = np.floor(d / bin_nm).astype(np.int64) + nbin
        good = (b >= 0) & (b < 2 * nbin)
        lab = np.asarray(labels[a : a + CHUNK])[ok][good].astype(np.int64)
        np.add.at(counts, (b[good], lab), 1)
        if task is not None:
            task.report(min(a + CHUNK, n) / n, "proximity histogram")
    return Proxigram(edges, counts, tuple(names))
