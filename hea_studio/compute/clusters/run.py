"""One call from ion rows to a :class:`~.result.ClusterResult` (what the CLI and the worker run)."""

from __future__ import annotations

import numpy as np

from hea_studio.compute.clusters.density import dbscan_labels, hdbscan_labels
from hea_studio.compute.clusters.msm import (
    MsmParameters,
    envelope_and_erode,
    maximum_separation,
    solute_rows,
)
from hea_studio.compute.clusters.properties import cluster_stats, hull_volume
from hea_studio.compute.clusters.result import ClusterResult
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState

METHODS = ("msm", "dbscan", "hdbscan")


def solute_mask(names: tuple[str, ...], solutes) -> np.ndarray:
    """(n_labels,) bool mask of the solute species; InputError naming any species not in the data."""
    solutes = tuple(solutes)
    if not solutes:
        raise InputError("no solute species given (e.g. --solutes Ni,Cu)")
    missing = [s for s in solutes if s not in names]
    if missing:
        raise InputError(
            f"solute species not in the ranged data: {', '.join(missing)} (species: {', '.join(names)})"
        )
    return np.array([n in solutes for n in names], dtype=bool)


def find_clusters(
    positions: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    solutes,
    params: MsmParameters,
    method: str = "msm",
    volume_nm3: float | None = None,
    task: TaskState | None = None,
) -> ClusterResult:
    """Find clusters of ``solutes`` and measure them.

    Parameters
    ----------
    positions, labels, names
        Ion rows (nm), their species labels and the label names.
    solutes
        Species the clusters are made of.
    params
        d-max, order, N-min, L, d-erosion (DBSCAN: eps = d-max, min_samples = order + 1;
        HDBSCAN: min_cluster_size = min_samples = N-min; both then take the envelope
        and erosion steps like the MSM).
    method
        ``"msm"``, ``"dbscan"`` or ``"hdbscan"``.
    volume_nm3
        Analysed volume; default: the convex hull of the ions.
    task
        Progress and cancel.
    """
    if method not in METHODS:
        raise InputError(f"unknown cluster method {method!r} (choose from {', '.join(METHODS)})")
    if len(labels) == 0:
        raise InputError("no ranged ions to search for clusters")
    sol = solute_mask(tuple(names), solutes)
    if method == "msm":
        assignment = maximum_separation(positions, labels, sol, params, task)
        cluster, k = assignment.cluster, assignment.n_clusters
    else:
        rows = solute_rows(labels, sol, task)
        if len(rows) == 0:
            raise InputError("none of the chosen solute species occurs in the data")
        pts = np.asarray(positions[rows], dtype=np.float64)
        if method == "dbscan":
            cid, k = dbscan_labels(pts, params.dmax, params.order + 1, params.nmin, task)
        else:
            cid, k = hdbscan_labels(pts, params.nmin, params.nmin, task)
        cluster = np.full(positions.shape[0], -1, dtype=np.int32)
        kept = cid >= 0
        cluster[rows[kept]] = cid[kept]
        envelope_and_erode(positions, cluster, rows[kept], cid[kept], params, task)
    stats, matrix = cluster_stats(positions, labels, tuple(names), sol, cluster, k, task)
    volume = float(volume_nm3) if volume_nm3 is not None else hull_volume(positions, task)
    parameters = {"method": method, **params.to_dict()}
    warnings = []
    if k == 0:
        warnings.append("no clusters found with these parameters")
    return ClusterResult(
        method=method,
        solutes=tuple(solutes),
        parameters=parameters,
        clusters=stats,
        matrix_counts=matrix,
        volume_nm3=volume,
        cluster=cluster,
        warnings=warnings,
    )
