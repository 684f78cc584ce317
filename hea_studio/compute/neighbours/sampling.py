"""Choosing rows of a species and their label-shuffled counterparts without copying all ions."""

from __future__ import annotations

import numpy as np

from hea_studio.core.progress import TaskState, check_cancelled

CHUNK = 1 << 21


def rows_of(labels: np.ndarray, mask: np.ndarray, task: TaskState | None = None) -> np.ndarray:
    """Rows whose label is set in ``mask`` (chunk by chunk)."""
    parts = []
    lut = np.asarray(mask, dtype=bool)
    for a in range(0, labels.shape[0], CHUNK):
        check_cancelled(task)
        parts.append(np.flatnonzero(lut[np.asarray(labels[a : a + CHUNK])]) + a)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def shuffled_rows(n_rows: int, n_from: int, n_to: int, same: bool, rng: np.random.Generator):
    """Rows the two species would hold after shuffling all labels among the ions.

    Shuffling the labels keeps every position and every species count and only forgets which ion is
    which; the rows a species lands on are then a uniform random subset of the right size (disjoint
    subsets for two different species).
    """
    if same:
        rows = np.sort(rng.choice(n_rows, size=n_from, replace=False))
        return rows, rows
    both = rng.choice(n_rows, size=n_from + n_to, replace=False)
    return np.sort(both[:n_from]), np.sort(both[n_from:])
