"""numba kernels of the SUME estimates: the bootstrap of cube means.

Every kernel here is ``@njit(cache=True, nogil=True)`` (the GUI runs them on its worker thread while
the event loop keeps going) and has a plain-numpy twin of the same name in :mod:`._twins`; the tests
run both on the same data and compare to 1e-9. Kernels take only contiguous native arrays;
the callers in :mod:`.estimate` do the conversions.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common._jit import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


# ---------------------------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _splitmix(x):
    z = x
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def bootstrap_means(values, n_boot, seed):
    """Means of ``n_boot`` resamples (with replacement) of ``values``.

    Indices come from a counter-based splitmix64 stream, draw ``t`` being
    ``splitmix(seed + (t + 1) * golden) mod n``, so the numpy twin reproduces them exactly.
    """
    n = values.shape[0]
    out = np.empty(n_boot, dtype=np.float64)
    base = np.uint64(seed)
    un = np.uint64(n)
    t = np.uint64(0)
    for b in range(n_boot):
        s = 0.0
        for _ in range(n):
            t += np.uint64(1)
            idx = _splitmix(base + t * _GOLDEN) % un
            s += values[idx]
        out[b] = s / n
    return out


@njit(cache=True, nogil=True)
def bootstrap_pair_means(a, b, n_boot, seed):
    """Means of ``n_boot`` paired resamples of ``a`` and ``b`` (the same indices for both).

    The indices are those of :func:`bootstrap_means` with the same ``seed``.
    """
    n = a.shape[0]
    out_a = np.empty(n_boot, dtype=np.float64)
    out_b = np.empty(n_boot, dtype=np.float64)
    base = np.uint64(seed)
    un = np.uint64(n)
    t = np.uint64(0)
    for r in range(n_boot):
        sa = 0.0
        sb = 0.0
        for _ in range(n):
            t += np.uint64(1)
            idx = _splitmix(base + t * _GOLDEN) % un
            sa += a[idx]
            sb += b[idx]
        out_a[r] = sa / n
        out_b[r] = sb / n
    return out_a, out_b
