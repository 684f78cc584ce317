"""Per-cluster measurements (IVAS's columns), the matrix, the size distribution and number density.

Conventions (checked against an IVAS cluster table, tests/compute/test_clusters_ivas.py):

* centre: mean position; R_g per axis: root-mean-square deviation from the centre along that axis
  (``sqrt(mean((x - x_c)^2))``); extent per axis: the largest ``|x - x_c|``. Each is given over the
  cluster's solute ions (IVAS "Solute", the headline values) and over all its ions ("Total").
* R_g (total) = ``sqrt(R_gx^2 + R_gy^2 + R_gz^2)``; Guinier radius ``r_G = sqrt(5/3) R_g`` (the radius
  of the uniform sphere of the same R_g), from the solute ions.
* composition: ions of each species over all ions of the cluster, with the binomial counting error
  ``sqrt(x (1 - x) / n)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hea_studio.compute.clusters.msm import CHUNK
from hea_studio.core.progress import TaskState, check_cancelled

GUINIER = math.sqrt(5.0 / 3.0)


@dataclass(frozen=True)
class ClusterStats:
    """One cluster's measurements (distances in nm)."""

    id: int
    solute_ions: int
    ions: int
    counts: dict[str, int]
    centre: tuple[float, float, float]
    rg_xyz: tuple[float, float, float]
    extent: tuple[float, float, float]
    centre_total: tuple[float, float, float]
    rg_xyz_total: tuple[float, float, float]
    extent_total: tuple[float, float, float]

    @property
    def rg(self) -> float:
        """Radius of gyration of the solute ions, sqrt(R_gx^2 + R_gy^2 + R_gz^2)."""
        return float(math.sqrt(sum(v * v for v in self.rg_xyz)))

    @property
    def guinier_radius(self) -> float:
        """sqrt(5/3) R_g: the radius of a uniform sphere with this R_g."""
        return GUINIER * self.rg

    def composition(self) -> dict[str, tuple[float, float]]:
        """Species -> (fraction, counting error) over all ions of the cluster."""
        return fractions_with_error(self.counts)

    def to_json(self) -> dict:
        """The cluster as the clusters JSON schema writes it."""
        return {
            "id": self.id,
            "solute_ions": self.solute_ions,
            "ions": self.ions,
            "counts": dict(self.counts),
            "composition": {k: v for k, (v, _) in self.composition().items()},
            "composition_error": {k: e for k, (_, e) in self.composition().items()},
            "centre_nm": list(self.centre),
            "rg_nm": self.rg,
            "rg_xyz_nm": list(self.rg_xyz),
            "guinier_radius_nm": self.guinier_radius,
            "extent_nm": list(self.extent),
            "total": {
                "centre_nm": list(self.centre_total),
                "rg_xyz_nm": list(self.rg_xyz_total),
                "extent_nm": list(self.extent_total),
            },
        }


def fractions_with_error(counts: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Species -> (fraction, sqrt(x (1 - x) / n)); empty counts give zeros."""
    n = sum(counts.values())
    out = {}
    for k, c in counts.items():
        x = c / n if n else 0.0
        out[k] = (x, math.sqrt(x * (1.0 - x) / n) if n else 0.0)
    return out


def _moments(p: np.ndarray) -> tuple[tuple, tuple, tuple]:
    c = p.mean(axis=0)
    d = p - c
    rg = np.sqrt((d * d).mean(axis=0))
    ext = np.abs(d).max(axis=0)
    return tuple(map(float, c)), tuple(map(float, rg)), tuple(map(float, ext))


def cluster_stats(
    positions: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    solute: np.ndarray,
    cluster: np.ndarray,
    n_clusters: int,
    task: TaskState | None = None,
) -> tuple[list[ClusterStats], dict[str, int]]:
    """Measurements of every cluster and the matrix's species counts.

    Parameters
    ----------
    positions, labels
        All ion rows (chunked reads; may be memory-mapped).
    names
        Species name of every label.
    solute
        (n_labels,) bool solute labels.
    cluster
        (N,) cluster id per row, -1 for the matrix.
    n_clusters
        Number of clusters.

    Returns
    -------
    clusters, matrix_counts
    """
    n = positions.shape[0]
    k = len(names)
    total_counts = np.zeros(k, dtype=np.int64)
    member_rows = []
    for a in range(0, n, CHUNK):
        check_cancelled(task)
        lab = np.asarray(labels[a : a + CHUNK])
        total_counts += np.bincount(lab, minlength=k)[:k]
        member_rows.append(np.flatnonzero(np.asarray(cluster[a : a + CHUNK]) >= 0) + a)
    rows = np.concatenate(member_rows) if member_rows else np.zeros(0, np.int64)
    cid = np.asarray(cluster[rows]).astype(np.int64)
    order = np.argsort(cid, kind="stable")
    rows, cid = rows[order], cid[order]
    bounds = np.searchsorted(cid, np.arange(n_clusters + 1))
    pos = np.asarray(positions[rows], dtype=np.float64)
    lab = np.asarray(labels[rows]).astype(np.int64)
    sol = np.asarray(solute, dtype=bool)[lab]
    out = []
    cluster_counts = np.zeros(k, dtype=np.int64)
    for i in range(n_clusters):
        a, b = bounds[i], bounds[i + 1]
        p, lb, s = pos[a:b], lab[a:b], sol[a:b]
        counts = np.bincount(lb, minlength=k)[:k]
        cluster_counts += counts
        c_s, rg_s, ext_s = _moments(p[s]) if s.any() else _moments(p)
        c_t, rg_t, ext_t = _moments(p)
        out.append(
            ClusterStats(
                id=i + 1,
                solute_ions=int(s.sum()),
                ions=int(b - a),
                counts={names[j]: int(counts[j]) for j in range(k) if counts[j] or sol_label(solute, j)},
                centre=c_s,
                rg_xyz=rg_s,
                extent=ext_s,
                centre_total=c_t,
                rg_xyz_total=rg_t,
                extent_total=ext_t,
            )
        )
    matrix = total_counts - cluster_counts
    return out, {names[j]: int(matrix[j]) for j in range(k)}


def sol_label(solute: np.ndarray, j: int) -> bool:
    """True when label ``j`` is a solute (solute counts are listed even when zero)."""
    return bool(np.asarray(solute, dtype=bool)[j])


def size_distribution(clusters: list[ClusterStats], bin_nm: float = 0.25) -> list[dict]:
    """Histogram of the Guinier diameters ``2 r_G`` in bins of ``bin_nm``: [{lo_nm, hi_nm, count}]."""
    if not clusters:
        return []
    d = np.array([2.0 * c.guinier_radius for c in clusters])
    top = math.floor(d.max() / bin_nm) + 1
    counts = np.bincount(np.floor(d / bin_nm).astype(np.int64), minlength=top)
    return [
        {"lo_nm": i * bin_nm, "hi_nm": (i + 1) * bin_nm, "count": int(c)}
        for i, c in enumerate(counts)
        if c or i
    ]


HULL_CELL = 0.5
"""Column width (nm) of the extreme-point reduction before the convex hull."""


def hull_volume(positions: np.ndarray, task: TaskState | None = None) -> float:
    """Volume (nm^3) of the convex hull of the ions.

    One chunked pass keeps, per 0.5 nm column of each of the three axis-pair projections, the ions
    lowest and highest along the third axis (a numba kernel, a few ns per ion); the hull of those few
    points is the hull of all ions up to about a column width on its steepest faces (for a 20 nm
    specimen a relative volume error below 1e-2; tests/compute/test_clusters.py checks it). The
    exact hull of 10^8 ions took minutes.
    """
    from scipy.spatial import ConvexHull, QhullError

    from hea_studio.compute.clusters import _kernels as nb

    n = positions.shape[0]
    if n < 4:
        return 0.0
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    for a in range(0, n, CHUNK):
        p = np.asarray(positions[a : a + CHUNK])
        lo = np.minimum(lo, p.min(axis=0))
        hi = np.maximum(hi, p.max(axis=0))
    cell = max(HULL_CELL, float((hi - lo).max()) / 4096)  # at most 4096^2 columns per projection
    dims = (np.floor((hi - lo) / cell).astype(np.int64) + 1).astype(np.int64)
    m = int(max(dims[0] * dims[1], dims[0] * dims[2], dims[1] * dims[2]))
    best_val = np.empty((6, m))
    best_val[0::2] = np.inf
    best_val[1::2] = -np.inf
    best_pt = np.zeros((6, m, 3))
    for a in range(0, n, CHUNK):
        check_cancelled(task)
        nb.column_extremes(np.ascontiguousarray(positions[a : a + CHUNK]), lo, cell, dims, best_val, best_pt)
    pts = best_pt[np.isfinite(best_val)]
    try:
        return float(ConvexHull(pts).volume) if len(pts) >= 4 else 0.0
    except QhullError:
        return 0.0
