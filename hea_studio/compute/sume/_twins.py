"""Plain-numpy twins of the numba kernels in :mod:`._kernels`.

Each function has the kernel's name and contract and is written to be obviously correct rather than
fast (full sums instead of windows, masks instead of sorted scans). The tests compare kernel and twin
on the same data.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix(z):
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def bootstrap_means(values, n_boot, seed):
    """Bootstrap means with the same counter-based splitmix64 indices as the kernel."""
    n = values.shape[0]
    t = np.arange(1, n_boot * n + 1, dtype=np.uint64)
    idx = _splitmix(np.uint64(seed) + t * _GOLDEN) % np.uint64(n)
    return values[idx.astype(np.int64)].reshape(n_boot, n).sum(axis=1) / n


def bootstrap_pair_means(a, b, n_boot, seed):
    """Paired resample means: the indices of :func:`bootstrap_means` applied to both arrays."""
    n = a.shape[0]
    t = np.arange(1, n_boot * n + 1, dtype=np.uint64)
    idx = (_splitmix(np.uint64(seed) + t * _GOLDEN) % np.uint64(n)).astype(np.int64)
    return a[idx].reshape(n_boot, n).sum(axis=1) / n, b[idx].reshape(n_boot, n).sum(axis=1) / n
