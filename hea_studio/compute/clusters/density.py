"""DBSCAN and HDBSCAN of the solute ions (scikit-learn's implementations, not ours).

DBSCAN with ``eps = d-max`` and ``min_samples = order + 1`` finds the same core ions and links as the
maximum separation method; it also attaches border ions (solutes within ``d-max`` of a core ion
without enough neighbours of their own) to a cluster, which the maximum separation method leaves in
the matrix. With order 1 there are no border ions and both give the same clusters.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.clusters.msm import keep_large
from hea_studio.core.progress import TaskState, check_cancelled


def dbscan_labels(points: np.ndarray, eps: float, min_samples: int, nmin: int, task: TaskState | None = None):
    """Cluster id per point (-1 noise or dropped below ``nmin``), ids in order of first point."""
    from sklearn.cluster import DBSCAN

    check_cancelled(task)
    raw = DBSCAN(eps=eps, min_samples=min_samples, algorithm="kd_tree").fit_predict(points)
    return _renumber(raw, nmin)


def hdbscan_labels(
    points: np.ndarray, min_cluster_size: int, min_samples: int, task: TaskState | None = None
):
    """Cluster id per point from HDBSCAN (-1 noise), ids in order of first point."""
    from sklearn.cluster import HDBSCAN

    check_cancelled(task)
    raw = HDBSCAN(min_cluster_size=max(2, min_cluster_size), min_samples=min_samples, copy=True).fit_predict(
        points
    )
    return _renumber(raw, min_cluster_size)


def _renumber(raw: np.ndarray, nmin: int) -> tuple[np.ndarray, int]:
    n = len(raw)
    member = raw >= 0
    # Root of each point = the first point of its cluster (so that keep_large orders like the MSM).
    first = np.full(raw.max(initial=-1) + 1, n, dtype=np.int64)
    np.minimum.at(first, raw[member], np.flatnonzero(member))
    root = np.where(member, first[np.maximum(raw, 0)], np.arange(n))
    return keep_large(root, member, nmin)
