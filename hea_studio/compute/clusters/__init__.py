"""Cluster analysis (no Qt): the maximum separation method, DBSCAN/HDBSCAN, per-cluster measurements.

Public API
----------
- :class:`MsmParameters` -- d-max, order, N-min, envelope L, d-erosion (IVAS's names)
- :func:`maximum_separation` -- cluster id per ion
- :func:`find_clusters` -- search and measure in one call -> :class:`ClusterResult` (JSON/CSV)
- :func:`dmax_suggestion` -- the solute's k-th NN distances against randomised labels
"""

from hea_studio.compute.clusters.dmax import DmaxHelp, dmax_suggestion
from hea_studio.compute.clusters.msm import Assignment, MsmParameters, maximum_separation
from hea_studio.compute.clusters.properties import ClusterStats
from hea_studio.compute.clusters.result import SCHEMA, ClusterResult
from hea_studio.compute.clusters.run import METHODS, find_clusters, solute_mask

__all__ = [
    "METHODS",
    "SCHEMA",
    "Assignment",
    "ClusterResult",
    "ClusterStats",
    "DmaxHelp",
    "MsmParameters",
    "dmax_suggestion",
    "find_clusters",
    "maximum_separation",
    "solute_mask",
]
