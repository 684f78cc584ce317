"""numba kernels of the ion-file readers: one pass over a memory-mapped file, no temporaries.

Each kernel has a plain-numpy twin that the tests run on the same data (``rows_beyond_numpy``
in :mod:`._binary`). Kernels are ``nogil`` so that the GUI can load on a worker thread while the
event loop runs. The ranging kernels live in :mod:`hea_studio.io.ranges._kernels`.
"""

from __future__ import annotations

import numpy as np

from hea_studio.core.jit import njit  # first: it points numba's cache at the user cache folder


@njit(cache=True, nogil=True)
def _magnitude_bits(u, swap):  # pragma: no cover - compiled
    """The float32 bits ``u`` (byte-swapped first when ``swap``) without the sign bit."""
    if swap:
        u = (
            ((u & np.uint32(0xFF)) << np.uint32(24))
            | ((u & np.uint32(0xFF00)) << np.uint32(8))
            | ((u >> np.uint32(8)) & np.uint32(0xFF00))
            | (u >> np.uint32(24))
        )
    return u & np.uint32(0x7FFFFFFF)


@njit(cache=True, nogil=True)
def count_rows_beyond(raw, swap, limit):  # pragma: no cover - compiled
    """Rows of ``raw`` (N, k) uint32 holding a float32 whose magnitude exceeds ``limit`` or is NaN.

    ``raw`` is the float32 data reinterpreted as native uint32 (any strides), byte-swapped when
    ``swap`` (big-endian floats on a little-endian machine). ``limit`` is the bit pattern of the
    largest magnitude allowed: for positive floats the order of the bit patterns is the order of the
    values, and NaN and infinity lie above every finite limit, so one integer compare tests all three.
    """
    bad = 0
    for i in range(raw.shape[0]):
        for j in range(raw.shape[1]):
            if _magnitude_bits(raw[i, j], swap) > limit:
                bad += 1
                break
    return bad


@njit(cache=True, nogil=True)
def mark_rows_beyond(raw, swap, limit, out):  # pragma: no cover - compiled
    """Set ``out[i]`` where row i of ``raw`` exceeds ``limit`` (see :func:`count_rows_beyond`)."""
    for i in range(raw.shape[0]):
        for j in range(raw.shape[1]):
            if _magnitude_bits(raw[i, j], swap) > limit:
                out[i] = True
                break
