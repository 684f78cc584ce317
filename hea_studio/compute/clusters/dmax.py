"""Help choosing d-max: the solute's k-th NN distances against randomised labels (Stephenson et al. 2007).

In a clustered specimen the solute ions' k-th nearest-neighbour distances have a short-distance
component (solutes inside clusters) on top of the distribution the same number of solutes would have
if the labels were shuffled. The plot shows both; the numbers given with it:

* ``clustered``: the measured distances are shorter than the shuffled ones (one-sided two-sample
  Kolmogorov-Smirnov, p < 0.001);
* ``crossing_nm``: where the measured density first falls below the shuffled one past the
  short-distance excess (closer ions are more likely cluster than matrix);
* the suggested ``dmax``: the shuffled distribution's quantile ``1 - exp(-1/2)`` (39 %). At k = 1
  that is the distance within which randomly placed solutes have on average half a neighbour, well
  below the continuum percolation threshold (about 2.7), so randomly placed solutes do not link into
  clusters of N-min ions; inside a real cluster the solute density is many times higher and its
  ions link. If that quantile lies below the crossing, the crossing is taken (every ion of the
  short-distance excess then links).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.compute.neighbours.knn import NNDistribution, knn_distribution
from hea_studio.core.progress import TaskState

P_CLUSTERED = 1e-3
RANDOM_QUANTILE = 1.0 - float(np.exp(-0.5))


@dataclass(frozen=True, eq=False)
class DmaxHelp:
    """The NN distributions, the suggested d-max and why."""

    distribution: NNDistribution
    dmax: float
    clustered: bool
    ks_p: float
    crossing_nm: float | None
    reason: str

    def to_json(self) -> dict:
        """The suggestion with the distributions (``hea-studio/nn/1`` inside)."""
        return {
            "suggested_dmax_nm": self.dmax,
            "clustered": self.clustered,
            "ks_p": self.ks_p,
            "crossing_nm": self.crossing_nm,
            "reason": self.reason,
            "nn": self.distribution.to_json(),
        }


def _smooth(v: np.ndarray) -> np.ndarray:
    return np.convolve(v, np.ones(3) / 3.0, mode="same")


def suggest_from(dist: NNDistribution) -> DmaxHelp:
    """The d-max suggestion from a measured and a shuffled NN distribution (module docstring)."""
    from scipy.stats import ks_2samp

    meas, shuf = dist.measured_distances, dist.shuffled_distances
    p = float(ks_2samp(meas, shuf, alternative="greater").pvalue)  # measured CDF above: shorter
    clustered = p < P_CLUSTERED
    quantile = float(np.quantile(shuf, RANDOM_QUANTILE))
    crossing = _crossing(dist) if clustered else None
    if crossing is not None and crossing > quantile:
        return DmaxHelp(dist, crossing, clustered, p, crossing, "measured and shuffled densities cross here")
    reason = "shuffled solutes would have half a neighbour on average within it"
    if not clustered:
        reason = "no clustering detected; " + reason
    return DmaxHelp(dist, quantile, clustered, p, crossing, reason)


def _crossing(dist: NNDistribution) -> float | None:
    excess = _smooth(dist.measured) - _smooth(dist.shuffled)
    c = dist.centres
    pos = np.flatnonzero(excess > 0)
    if not len(pos):
        return None
    after = np.flatnonzero(excess[pos[0] :] <= 0)
    if not len(after):
        return None
    i = pos[0] + after[0]
    e0, e1 = excess[i - 1], excess[i]
    return float(c[i - 1] + (c[i] - c[i - 1]) * (e0 / (e0 - e1) if e0 != e1 else 0.0))


def dmax_suggestion(
    positions: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    solutes,
    k: int = 1,
    seed: int = 0,
    task: TaskState | None = None,
) -> DmaxHelp:
    """Measured vs label-shuffled k-th NN distances of the solutes (as one group) and a d-max."""
    dist = knn_distribution(positions, labels, names, tuple(solutes), tuple(solutes), k, seed=seed, task=task)
    return suggest_from(dist)
