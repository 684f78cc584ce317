"""Where the ions of a file lie and which m/n they span, read one chunk at a time."""

from __future__ import annotations

import numpy as np

from hea_studio.io.files import release_pages

# Ions per chunk (keeps a memory-mapped file from being converted whole).
_CHUNK = 1 << 21


def ion_extent(positions: np.ndarray, mass: np.ndarray) -> tuple[list[float], list[float]]:
    """Bounding box and m/n span of the ions, one chunk at a time, releasing a mapped file's pages as
    it goes (a 1e8-ion file is never held in memory at once).

    Parameters
    ----------
    positions
        (N, 3) coordinates in nm (N >= 1), e.g. ``IonData.positions``.
    mass
        (N,) mass-to-charge ratios in Da.

    Returns
    -------
    bounds, mass_range
        ``[xmin, ymin, zmin, xmax, ymax, zmax]`` in nm and ``[min, max]`` of m/n.
    """
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    mlo, mhi = np.inf, -np.inf
    n = mass.shape[0]
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        p = np.asarray(positions[start:stop], dtype=np.float64)
        m = np.asarray(mass[start:stop], dtype=np.float64)
        lo = np.minimum(lo, p.min(axis=0))
        hi = np.maximum(hi, p.max(axis=0))
        mlo, mhi = min(mlo, float(m.min())), max(mhi, float(m.max()))
        release_pages(positions[start:stop])
        release_pages(mass[start:stop])
    return [*map(float, lo), *map(float, hi)], [float(mlo), float(mhi)]
