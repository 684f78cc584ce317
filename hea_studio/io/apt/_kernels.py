"""numba kernels of the ion-file readers: one pass over a memory-mapped file, no temporaries.

Each kernel has a plain-numpy twin that the tests run on the same data (``nonfinite_rows_numpy``
in :mod:`._binary`). Kernels are ``nogil`` so that the GUI can load on a worker thread while the
event loop runs. The ranging kernels live in :mod:`hea_studio.io.ranges._kernels`.
"""

from __future__ import annotations

from hea_studio.core.jit import njit  # first: it points numba's cache at the user cache folder


@njit(cache=True, nogil=True)
def count_nonfinite_rows(raw, exponent_mask):  # pragma: no cover - compiled
    """Rows of ``raw`` (N, k) uint32 holding a NaN/inf float32 (all exponent bits set).

    ``raw`` is the float32 data reinterpreted as native uint32 (any strides); ``exponent_mask``
    selects the exponent bits in that reinterpretation (0x7F800000 for native floats, 0x0000807F
    for big-endian floats read on a little-endian machine).
    """
    bad = 0
    for i in range(raw.shape[0]):
        for j in range(raw.shape[1]):
            if raw[i, j] & exponent_mask == exponent_mask:
                bad += 1
                break
    return bad


@njit(cache=True, nogil=True)
def mark_nonfinite_rows(raw, exponent_mask, out):  # pragma: no cover - compiled
    """Set ``out[i]`` where row i of ``raw`` holds a NaN/inf (see :func:`count_nonfinite_rows`)."""
    for i in range(raw.shape[0]):
        for j in range(raw.shape[1]):
            if raw[i, j] & exponent_mask == exponent_mask:
                out[i] = True
                break
