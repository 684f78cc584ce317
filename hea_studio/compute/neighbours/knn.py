"""k-th nearest-neighbour distances from one species to another, measured and label-shuffled."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.compute.neighbours.sampling import rows_of, shuffled_rows
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled

MAX_QUERIES = 200_000
"""Ions of the 'from' species whose distances are measured (a random subset beyond this)."""


@dataclass(frozen=True, eq=False)
class NNDistribution:
    """k-th NN distance histograms, measured and after shuffling the labels (densities per nm).

    Attributes
    ----------
    source, target
        Species names (``+``-joined when several).
    k
        Neighbour order.
    edges
        (B + 1,) bin edges in nm.
    measured, shuffled
        (B,) probability densities (1/nm).
    measured_distances, shuffled_distances
        The raw distances (nm) behind the histograms.
    """

    source: str
    target: str
    k: int
    edges: np.ndarray
    measured: np.ndarray
    shuffled: np.ndarray
    measured_distances: np.ndarray
    shuffled_distances: np.ndarray

    @property
    def centres(self) -> np.ndarray:
        """Bin centres (nm)."""
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    def to_json(self) -> dict:
        """``hea-studio/nn/1``: the histograms and summary quantiles."""
        return {
            "schema": "hea-studio/nn/1",
            "from": self.source,
            "to": self.target,
            "k": self.k,
            "n_measured": len(self.measured_distances),
            "n_shuffled": len(self.shuffled_distances),
            "median_nm": float(np.median(self.measured_distances)),
            "median_shuffled_nm": float(np.median(self.shuffled_distances)),
            "bins": [
                {"r_nm": float(r), "measured": float(m), "shuffled": float(s)}
                for r, m, s in zip(self.centres, self.measured, self.shuffled)
            ],
        }

    def to_csv(self) -> str:
        """One line per bin: r_nm, measured, shuffled."""
        lines = ["r_nm,measured_per_nm,shuffled_per_nm"]
        lines += [f"{r:.6g},{m:.6g},{s:.6g}" for r, m, s in zip(self.centres, self.measured, self.shuffled)]
        return "\n".join(lines) + "\n"


def _kth(points_to: np.ndarray, query: np.ndarray, k: int, same: bool) -> np.ndarray:
    from scipy.spatial import cKDTree

    tree = cKDTree(points_to)
    kk = k + 1 if same else k
    d, _ = tree.query(query, k=[kk])
    return d[:, 0]


def _distances(positions, rows_from, rows_to, k, same, rng, task):
    check_cancelled(task)
    if len(rows_to) < k + (1 if same else 0):
        raise InputError(f"too few ions of the target species for the {k}-th nearest neighbour")
    q_rows = rows_from
    if len(q_rows) > MAX_QUERIES:
        q_rows = np.sort(rng.choice(q_rows, MAX_QUERIES, replace=False))
    to = np.asarray(positions[rows_to], dtype=np.float64)
    q = np.asarray(positions[q_rows], dtype=np.float64)
    d = _kth(to, q, k, same)
    return d[np.isfinite(d)]


def knn_distribution(
    positions: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    source,
    target,
    k: int = 1,
    bin_nm: float | None = None,
    seed: int = 0,
    task: TaskState | None = None,
) -> NNDistribution:
    """k-th NN distances from ions of ``source`` species to ions of ``target`` species.

    Parameters
    ----------
    positions, labels, names
        Ion rows, species labels and label names.
    source, target
        Species names (an iterable of several counts them as one group).
    k
        Neighbour order (1: nearest).
    bin_nm
        Histogram bin; default: 1/50 of the shuffled distances' 99th percentile.
    seed
        Seed of the shuffle and of the subset of queries.
    """
    if int(k) != k or k < 1:
        raise InputError(f"the neighbour order k must be a whole number >= 1, got {k}")
    src = (source,) if isinstance(source, str) else tuple(source)
    tgt = (target,) if isinstance(target, str) else tuple(target)
    for s in src + tgt:
        if s not in names:
            raise InputError(f"species {s!r} is not in the ranged data (species: {', '.join(names)})")
    m_from = np.array([n in src for n in names])
    m_to = np.array([n in tgt for n in names])
    same = set(src) == set(tgt)
    if not same and (m_from & m_to).any():
        raise InputError("the 'from' and 'to' species must be the same or not overlap")
    rng = np.random.default_rng(seed)
    rows_from = rows_of(labels, m_from, task)
    rows_to = rows_from if same else rows_of(labels, m_to, task)
    if len(rows_from) == 0:
        raise InputError(f"no ions of {'+'.join(src)} in the data")
    if task is not None:
        task.report(0.3, "measured distances")
    meas = _distances(positions, rows_from, rows_to, k, same, rng, task)
    s_from, s_to = shuffled_rows(labels.shape[0], len(rows_from), len(rows_to), same, rng)
    if task is not None:
        task.report(0.65, "label-shuffled distances")
    shuf = _distances(positions, s_from, s_to, k, same, rng, task)
    top = float(np.percentile(np.concatenate([meas, shuf]), 99.5))
    width = bin_nm if bin_nm else max(top / 60.0, 1e-3)
    edges = np.arange(0.0, top + width, width)
    hm, _ = np.histogram(meas, edges, density=True)
    hs, _ = np.histogram(shuf, edges, density=True)
    if task is not None:
        task.report(1.0, "nearest neighbours")
    return NNDistribution("+".join(src), "+".join(tgt), int(k), edges, hm, hs, meas, shuf)
