"""The random-mixing reference (science.md 4): expected plug-in entropy of n random atoms."""

from __future__ import annotations

import numpy as np

from hea_studio.compute.reference import _kernels

_LOG_TABLE = np.zeros(1)


def log_table(nmax: int) -> np.ndarray:
    """``ln k`` for k = 0..nmax (entry 0 unused), grown on demand and shared by all tables."""
    global _LOG_TABLE
    if _LOG_TABLE.size <= nmax:
        size = max(nmax + 1, 2 * _LOG_TABLE.size, 1024)
        table = np.zeros(size)
        table[1:] = np.log(np.arange(1, size, dtype=np.float64))
        _LOG_TABLE = table
    return _LOG_TABLE


class NullEntropyTable:
    """E[S_hat](n) for a fixed composition ``p``, computed on demand and cached per atom count n.

    Parameters
    ----------
    p
        Bulk fractions of the entropy elements (they are renormalised to sum to 1).
    """

    def __init__(self, p) -> None:
        p = np.asarray(p, dtype=np.float64)
        self.p = np.ascontiguousarray(p / p.sum())
        self._values = np.zeros(0)
        self._known = np.zeros(0, dtype=bool)

    def __call__(self, ns) -> np.ndarray:
        """E[S_hat] (units of R) for each atom count in ``ns``."""
        ns = np.asarray(ns, dtype=np.int64)
        if ns.size == 0:
            return np.zeros(0)
        top = int(ns.max())
        if top >= self._values.size:
            grow = max(top + 1, 2 * self._values.size)
            values = np.zeros(grow)
            known = np.zeros(grow, dtype=bool)
            values[: self._values.size] = self._values
            known[: self._known.size] = self._known
            self._values, self._known = values, known
        need = np.unique(ns)
        need = need[~self._known[need]]
        if need.size:
            self._values[need] = _kernels.null_entropy(need, self.p, log_table(int(need.max())))
            self._known[need] = True
        return self._values[ns]

    def mean_over(self, ns) -> float:
        """Mean of E[S_hat](n) over cubes holding ``ns`` atoms (cheap: grouped by distinct n)."""
        ns = np.asarray(ns, dtype=np.int64)
        if ns.size == 0:
            return float("nan")
        hist = np.bincount(ns)
        uniq = np.flatnonzero(hist)
        return self.mean_over_groups(uniq, hist[uniq])

    def mean_over_groups(self, uniq: np.ndarray, counts: np.ndarray) -> float:
        """Mean of E[S_hat](n) over cubes given as distinct counts ``uniq`` held by ``counts`` cubes."""
        return float(np.dot(self(uniq), counts) / np.sum(counts))
