"""The outcome of a cluster search: clusters, matrix, number density and size distribution, as JSON/CSV."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import numpy as np

from hea_studio.compute.clusters.properties import ClusterStats, fractions_with_error, size_distribution

SCHEMA = "hea-studio/clusters/1"


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """Clusters found in one data set.

    Attributes
    ----------
    method
        ``"msm"``, ``"dbscan"`` or ``"hdbscan"``.
    solutes
        Solute species the search ran on.
    parameters
        The method's parameters (IVAS names for the MSM).
    clusters
        One :class:`ClusterStats` per cluster, ids from 1.
    matrix_counts
        Species -> ions outside every cluster.
    volume_nm3
        Analysed volume (convex hull of the analysed ions, or the ROI's volume).
    cluster
        (N,) cluster id per analysed ion row (-1: matrix), 0-based; for drawing and export.
    """

    method: str
    solutes: tuple[str, ...]
    parameters: dict
    clusters: list[ClusterStats]
    matrix_counts: dict[str, int]
    volume_nm3: float
    cluster: np.ndarray | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)

    @property
    def number_density(self) -> float:
        """Clusters per nm^3 of analysed volume (0 when the volume is unknown)."""
        return len(self.clusters) / self.volume_nm3 if self.volume_nm3 > 0 else 0.0

    @property
    def mean_guinier_diameter(self) -> float | None:
        """Mean of ``2 r_G`` over the clusters (nm), ``None`` without clusters."""
        if not self.clusters:
            return None
        return float(np.mean([2.0 * c.guinier_radius for c in self.clusters]))

    def matrix_composition(self) -> dict[str, tuple[float, float]]:
        """Species -> (fraction, counting error) of the matrix."""
        return fractions_with_error(self.matrix_counts)

    def to_json(self) -> dict:
        """The ``hea-studio/clusters/1`` document (see docs/cli.md)."""
        comp = self.matrix_composition()
        mean_d = self.mean_guinier_diameter
        return {
            "schema": SCHEMA,
            "method": self.method,
            "solutes": list(self.solutes),
            "parameters": dict(self.parameters),
            "count": len(self.clusters),
            "clusters": [c.to_json() for c in self.clusters],
            "matrix": {
                "ions": int(sum(self.matrix_counts.values())),
                "counts": dict(self.matrix_counts),
                "composition": {k: v for k, (v, _) in comp.items()},
                "composition_error": {k: e for k, (_, e) in comp.items()},
            },
            "volume_nm3": self.volume_nm3,
            "number_density_per_nm3": self.number_density,
            "mean_guinier_diameter_nm": mean_d,
            "size_distribution": size_distribution(self.clusters),
            "warnings": list(self.warnings),
        }

    def to_csv(self) -> str:
        """One row per cluster (IVAS-like columns), species counts last."""
        species = sorted({k for c in self.clusters for k in c.counts} | set(self.matrix_counts))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            ["id", "solute_ions", "ions", "centre_x_nm", "centre_y_nm", "centre_z_nm", "rg_x_nm", "rg_y_nm"]
            + ["rg_z_nm", "rg_nm", "guinier_radius_nm", "extent_x_nm", "extent_y_nm", "extent_z_nm"]
            + [f"{s}_count" for s in species]
            + [f"{s}_fraction" for s in species]
        )
        for c in self.clusters:
            comp = c.composition()
            w.writerow(
                [c.id, c.solute_ions, c.ions, *_f(c.centre), *_f(c.rg_xyz), _g(c.rg), _g(c.guinier_radius)]
                + _f(c.extent)
                + [c.counts.get(s, 0) for s in species]
                + [_g(comp.get(s, (0.0, 0.0))[0]) for s in species]
            )
        return buf.getvalue()

    def to_dataframe(self):
        """The per-cluster table as a pandas DataFrame (pandas is imported only here)."""
        import pandas as pd

        return pd.read_csv(io.StringIO(self.to_csv()))


def _g(v: float) -> str:
    return f"{v:.6g}" if math.isfinite(v) else ""


def _f(vals) -> list[str]:
    return [_g(v) for v in vals]
