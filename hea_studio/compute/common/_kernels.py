"""numba kernels several compute domains share: the chunked passes over every atom of a dataset
(:mod:`.scan`), the voxel prefix table, and the entropy of each cube.

Every kernel here is ``@njit(cache=True, nogil=True)`` (the GUI runs them on its worker thread while
the event loop keeps going) and has a plain-numpy twin of the same name in :mod:`._twins`; the tests
run both on the same data and compare to 1e-9. Kernels take only contiguous native arrays;
the callers in :mod:`.scan` and the domains' modules do the conversions.

Conventions
-----------
* ``rel``: (M, 3) float64 positions relative to the ROI's minimum corner, in nm.
* ``labels``: (M,) int64 element index in ``0..K-1`` (only entropy-element atoms are passed).
* Cubes are numbered ``(ix * cy + iy) * cz + iz`` on a ``cx * cy * cz`` grid; an atom at ``y``
  belongs to cube ``floor(y / L)`` (half-open, science.md 3).
"""

from __future__ import annotations

import math

import numpy as np

from hea_studio.compute.common._jit import njit

FACE_TOLERANCE = 1e-9
"""Relative distance to a voxel face below which an atom is binned per edge (see voxel_prefix)."""


# ---------------------------------------------------------------------------------------------
# Binning atoms into cubes
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _near_face(v):
    # True when v = y / g lies within rounding distance of a voxel face: then floor(y / L) for
    # L = m g might not equal floor(v) // m, so such atoms are binned per edge instead.
    return abs(v - math.floor(v + 0.5)) <= FACE_TOLERANCE * max(1.0, abs(v))


@njit(cache=True, nogil=True)
def voxel_prefix(rel, labels, g, nx, ny, nz, K):
    """3-D summed-volume table of atom counts per element on a voxel grid of edge ``g``.

    Returns ``(P, face)``: ``P`` of shape (nx+1, ny+1, nz+1, K), int64, with ``P[i, j, l, k]`` the
    number of atoms of element ``k`` in voxels ``[0, i) x [0, j) x [0, l)``, and the indices of the
    atoms lying within rounding distance of a voxel face, which ``P`` leaves out (the caller bins
    them per edge with :func:`cube_ids`, so every atom gets exactly the per-edge floor((x - xmin) / L)
    of science.md 3 even on a perfect lattice). Binning the atoms once and then answering every cube
    edge that is a multiple of ``g`` from ``P`` makes the per-edge cost depend on the number of
    cubes, not on the number of atoms.

    Atoms arrive in arbitrary order and ``P`` is larger than the caches, so incrementing it directly
    misses the cache on nearly every atom. Instead the atoms' (y, z, element) cell codes are first
    bucketed by x slab (one sequential write stream per slab), then each slab is counted into one
    cache-resident plane: about 4x faster for 10^6 unordered atoms.
    """
    M = rel.shape[0]
    P = np.zeros((nx + 1, ny + 1, nz + 1, K), dtype=np.int64)
    slab = np.empty(M, dtype=np.int32)
    code = np.empty(M, dtype=np.int32)
    start = np.zeros(nx + 1, dtype=np.int64)
    plane = (ny + 1) * (nz + 1) * K
    n_face = 0
    for a in range(M):
        vx = rel[a, 0] / g
        vy = rel[a, 1] / g
        vz = rel[a, 2] / g
        fx = math.floor(vx)
        fy = math.floor(vy)
        fz = math.floor(vz)
        if fx < 0 or fy < 0 or fz < 0 or fx >= nx or fy >= ny or fz >= nz:
            slab[a] = -1
            continue
        if _near_face(vx) or _near_face(vy) or _near_face(vz):
            slab[a] = -2
            n_face += 1
            continue
        slab[a] = fx
        code[a] = ((fy + 1) * (nz + 1) + fz + 1) * K + labels[a]
        start[fx + 1] += 1
    for i in range(1, nx + 1):
        start[i] += start[i - 1]
    fill = start[:nx].copy()
    bucket = np.empty(start[nx], dtype=np.int32)
    for a in range(M):
        i = slab[a]
        if i >= 0:
            bucket[fill[i]] = code[a]
            fill[i] += 1
    face = np.empty(n_face, dtype=np.int64)
    t = 0
    for a in range(M):
        if slab[a] == -2:
            face[t] = a
            t += 1
    flat = P.reshape((nx + 1) * plane)
    for i in range(nx):
        base = (i + 1) * plane
        for t in range(start[i], start[i + 1]):
            flat[base + bucket[t]] += 1
    # Cumulative sums along each axis in turn (cheaper and simpler than inclusion-exclusion).
    for i in range(1, nx + 1):
        for j in range(ny + 1):
            for l in range(nz + 1):  # noqa: E741
                for k in range(K):
                    P[i, j, l, k] += P[i - 1, j, l, k]
    for i in range(nx + 1):
        for j in range(1, ny + 1):
            for l in range(nz + 1):  # noqa: E741
                for k in range(K):
                    P[i, j, l, k] += P[i, j - 1, l, k]
    for i in range(nx + 1):
        for j in range(ny + 1):
            for l in range(1, nz + 1):  # noqa: E741
                for k in range(K):
                    P[i, j, l, k] += P[i, j, l - 1, k]
    return P, face


# ---------------------------------------------------------------------------------------------
# Entropy of each cube
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def cube_stats(counts, min_atoms):
    """Plug-in entropy (units of R) and composition moments of the cubes with >= ``min_atoms`` atoms.

    Returns ``(kept row indices, S per kept cube, atoms per kept cube, mean x_i, sample std x_i)``;
    the std is computed in a second pass around the mean (no cancellation) and is 0 for one cube.
    """
    C = counts.shape[0]
    K = counts.shape[1]
    n_keep = 0
    for r in range(C):
        n = 0
        for k in range(K):
            n += counts[r, k]
        if n >= min_atoms:
            n_keep += 1
    keep = np.empty(n_keep, dtype=np.int64)
    S = np.empty(n_keep, dtype=np.float64)
    ns = np.empty(n_keep, dtype=np.int64)
    xmean = np.zeros(K, dtype=np.float64)
    xstd = np.zeros(K, dtype=np.float64)
    t = 0
    for r in range(C):
        n = 0
        for k in range(K):
            n += counts[r, k]
        if n < min_atoms:
            continue
        s = 0.0
        for k in range(K):
            c = counts[r, k]
            if c > 0:
                x = c / n
                s -= x * math.log(x)
                xmean[k] += x
        keep[t] = r
        S[t] = s
        ns[t] = n
        t += 1
    if n_keep == 0:
        return keep, S, ns, xmean, xstd
    for k in range(K):
        xmean[k] /= n_keep
    if n_keep > 1:
        for t in range(n_keep):
            r = keep[t]
            for k in range(K):
                d = counts[r, k] / ns[t] - xmean[k]
                xstd[k] += d * d
        for k in range(K):
            xstd[k] = math.sqrt(xstd[k] / (n_keep - 1))
    return keep, S, ns, xmean, xstd


# ---------------------------------------------------------------------------------------------
# Chunked scans over the whole dataset (no per-atom copies; see scan.py)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def bounds_chunk(positions, start, stop, lo, hi):
    """Grow ``lo``/``hi`` (float64, (3,)) to hold rows ``start:stop`` of ``positions``."""
    for a in range(start, stop):
        for d in range(3):
            v = np.float64(positions[a, d])
            if v < lo[d]:
                lo[d] = v
            if v > hi[d]:
                hi[d] = v


@njit(cache=True, nogil=True)
def density_hist_chunk(positions, start, stop, lo, edge, counts):
    """Add rows ``start:stop`` to the voxel histogram ``counts`` (sx, sy, sz) of voxel ``edge``.

    The voxel of an atom is ``min(int((x - lo) / edge), s - 1)`` per axis, the same arithmetic as
    the float64 numpy expression it replaces (atoms are at or above ``lo``).
    """
    sx, sy, sz = counts.shape
    for a in range(start, stop):
        i = int((np.float64(positions[a, 0]) - lo[0]) / edge)
        j = int((np.float64(positions[a, 1]) - lo[1]) / edge)
        k = int((np.float64(positions[a, 2]) - lo[2]) / edge)
        counts[min(i, sx - 1), min(j, sy - 1), min(k, sz - 1)] += 1


@njit(cache=True, nogil=True)
def projection_chunk(positions, a, b, start, stop, lo, pixel, counts):
    """Add rows ``start:stop`` projected on axes ``a``, ``b`` to the 2-D ``counts`` (pixels of
    ``pixel`` from ``lo``; clamped into the image, as a histogram's closed last bin)."""
    na, nb = counts.shape
    for r in range(start, stop):
        i = math.floor((np.float64(positions[r, a]) - lo[0]) / pixel)
        j = math.floor((np.float64(positions[r, b]) - lo[1]) / pixel)
        counts[min(max(i, 0), na - 1), min(max(j, 0), nb - 1)] += 1


@njit(cache=True, nogil=True)
def density_hist_weighted_chunk(positions, labels, weights, start, stop, lo, edge, counts):
    """:func:`density_hist_chunk` with row ``a`` counted ``weights[labels[a]]`` times (an ion row
    counts the atoms it stands for)."""
    sx, sy, sz = counts.shape
    for a in range(start, stop):
        i = int((np.float64(positions[a, 0]) - lo[0]) / edge)
        j = int((np.float64(positions[a, 1]) - lo[1]) / edge)
        k = int((np.float64(positions[a, 2]) - lo[2]) / edge)
        counts[min(i, sx - 1), min(j, sy - 1), min(k, sz - 1)] += weights[labels[a]]


@njit(cache=True, nogil=True)
def bounds_window_chunk(positions, start, stop, wlo, whi, lo, hi):
    """Grow ``lo``/``hi`` to hold the rows ``start:stop`` lying in the closed window ``[wlo, whi]``;
    returns how many rows lie outside it (far stray ions, see ``specimen._bulk_window``)."""
    outside = 0
    for a in range(start, stop):
        x = np.float64(positions[a, 0])
        y = np.float64(positions[a, 1])
        z = np.float64(positions[a, 2])
        if x < wlo[0] or x > whi[0] or y < wlo[1] or y > whi[1] or z < wlo[2] or z > whi[2]:
            outside += 1
            continue
        lo[0] = min(lo[0], x)
        lo[1] = min(lo[1], y)
        lo[2] = min(lo[2], z)
        hi[0] = max(hi[0], x)
        hi[1] = max(hi[1], y)
        hi[2] = max(hi[2], z)
    return outside


@njit(cache=True, nogil=True)
def density_hist_window_chunk(positions, labels, weights, weighted, start, stop, lo, hi, edge, counts):
    """:func:`density_hist_chunk` (or its weighted form when ``weighted``) of only the rows inside
    the closed window ``[lo, hi]``: rows outside are skipped, so every index stays in the grid
    (compiled code checks no bounds). ``labels``/``weights`` are not read unless ``weighted``."""
    sx, sy, sz = counts.shape
    for a in range(start, stop):
        x = np.float64(positions[a, 0])
        y = np.float64(positions[a, 1])
        z = np.float64(positions[a, 2])
        if x < lo[0] or x > hi[0] or y < lo[1] or y > hi[1] or z < lo[2] or z > hi[2]:
            continue
        i = min(int((x - lo[0]) / edge), sx - 1)
        j = min(int((y - lo[1]) / edge), sy - 1)
        k = min(int((z - lo[2]) / edge), sz - 1)
        if weighted:
            counts[i, j, k] += weights[labels[a]]
        else:
            counts[i, j, k] += 1


@njit(cache=True, nogil=True)
def projection_weighted_chunk(positions, labels, weights, a, b, start, stop, lo, pixel, counts):
    """:func:`projection_chunk` with row ``r`` counted ``weights[labels[r]]`` times."""
    na, nb = counts.shape
    for r in range(start, stop):
        i = math.floor((np.float64(positions[r, a]) - lo[0]) / pixel)
        j = math.floor((np.float64(positions[r, b]) - lo[1]) / pixel)
        counts[min(max(i, 0), na - 1), min(max(j, 0), nb - 1)] += weights[labels[r]]


@njit(cache=True, nogil=True)
def box_species_chunk(positions, labels, lo, hi, start, stop, counts):
    """Add the atoms of rows ``start:stop`` inside the half-open box to ``counts[label]``."""
    x0, y0, z0 = lo[0], lo[1], lo[2]
    x1, y1, z1 = hi[0], hi[1], hi[2]
    for a in range(start, stop):
        x = positions[a, 0]
        y = positions[a, 1]
        z = positions[a, 2]
        if (x >= x0) & (x < x1) & (y >= y0) & (y < y1) & (z >= z0) & (z < z1):
            counts[labels[a]] += 1


@njit(cache=True, nogil=True)
def half_counts_chunk(positions, labels, lut, lo, hi, half, start, stop, out):
    """Upper-half counts per axis, (3, K), of the element atoms of rows ``start:stop`` inside the box,
    added to ``out``."""
    x0, y0, z0 = lo[0], lo[1], lo[2]
    x1, y1, z1 = hi[0], hi[1], hi[2]
    for a in range(start, stop):
        x = positions[a, 0]
        y = positions[a, 1]
        z = positions[a, 2]
        k = lut[labels[a]]
        if (x >= x0) & (x < x1) & (y >= y0) & (y < y1) & (z >= z0) & (z < z1) & (k >= 0):
            if x - x0 >= half[0]:
                out[0, k] += 1
            if y - y0 >= half[1]:
                out[1, k] += 1
            if z - z0 >= half[2]:
                out[2, k] += 1


@njit(cache=True, nogil=True)
def voxel_fill_chunk(positions, labels, lut, lo, hi, g, shape, start, stop, flat, face, slab, code, fill):
    """Count rows ``start:stop`` into the voxel table (before its cumulative sums).

    ``flat`` is the (nx+1)*(ny+1)*(nz+1)*K table viewed flat (any integer width); an atom inside the
    half-open box ``[lo, hi)`` with an element label (``lut[label] >= 0``) in voxel (i, j, l) is
    counted at ``[i+1, j+1, l+1, k]``. Atoms within rounding distance of a voxel face go to ``face``
    (their row numbers; the count is returned) to be binned per edge, exactly as in
    :func:`voxel_prefix`, whose arithmetic this repeats on positions relative to ``lo``.
    ``slab``, ``code`` (chunk-sized int32) and ``fill`` (nx + 1 int64) are scratch: codes are
    bucketed by x slab first so that each slab's increments stay in one cache-resident plane.
    """
    nx, ny, nz, K = shape[0], shape[1], shape[2], shape[3]
    x0, y0, z0 = lo[0], lo[1], lo[2]
    x1, y1, z1 = hi[0], hi[1], hi[2]
    plane = (ny + 1) * (nz + 1) * K
    fill[:] = 0
    n_face = 0
    for a in range(start, stop):
        t = a - start
        slab[t] = -1
        x = positions[a, 0]
        y = positions[a, 1]
        z = positions[a, 2]
        k = lut[labels[a]]
        if not ((x >= x0) & (x < x1) & (y >= y0) & (y < y1) & (z >= z0) & (z < z1) & (k >= 0)):
            continue
        vx = (x - x0) / g
        vy = (y - y0) / g
        vz = (z - z0) / g
        fx = math.floor(vx)
        fy = math.floor(vy)
        fz = math.floor(vz)
        if fx < 0 or fy < 0 or fz < 0 or fx >= nx or fy >= ny or fz >= nz:
            continue
        if _near_face(vx) or _near_face(vy) or _near_face(vz):
            face[n_face] = a
            n_face += 1
            continue
        slab[t] = fx
        code[t] = ((fy + 1) * (nz + 1) + fz + 1) * K + k
        fill[fx + 1] += 1
    for i in range(1, nx + 1):
        fill[i] += fill[i - 1]
    n_in = fill[nx]
    order = np.empty(n_in, dtype=np.int32)
    for a in range(stop - start):
        i = slab[a]
        if i >= 0:
            order[fill[i]] = code[a]
            fill[i] += 1
    # fill[i] now ends slab i; walk the slabs again from their starts.
    s0 = 0
    for i in range(nx):
        base = (i + 1) * plane
        for t in range(s0, fill[i]):
            flat[base + order[t]] += 1
        s0 = fill[i]
    return n_face


@njit(cache=True, nogil=True)
def prefix_sums(P):
    """Turn per-voxel counts P[1:, 1:, 1:, :] into the summed-volume table, in place.

    One sweep instead of one per axis (a third of the memory traffic on tables larger than the
    caches): a running sum along z, plus inclusion-exclusion of the entries already final, the
    previous row of this x plane and the previous plane. Entries of index 0 stay 0; every partial
    sum counts disjoint atoms, so the table's integer width never overflows.
    """
    nx1, ny1, nz1, K = P.shape
    run = np.zeros(K, dtype=np.int64)
    for i in range(1, nx1):
        for j in range(1, ny1):
            run[:] = 0
            for l in range(1, nz1):  # noqa: E741
                for k in range(K):
                    run[k] += P[i, j, l, k]
                    P[i, j, l, k] = run[k] + P[i, j - 1, l, k] - P[i - 1, j - 1, l, k] + P[i - 1, j, l, k]


@njit(cache=True, nogil=True)
def bucket_chunk(positions, labels, lut, lo, hi, width, nb, start, stop, out_bucket):
    """Bucket (x slab of ``width``) of every row ``start:stop``: -1 outside the box or not an element."""
    x0, y0, z0 = lo[0], lo[1], lo[2]
    x1, y1, z1 = hi[0], hi[1], hi[2]
    for a in range(start, stop):
        x = positions[a, 0]
        y = positions[a, 1]
        z = positions[a, 2]
        k = lut[labels[a]]
        if (x >= x0) & (x < x1) & (y >= y0) & (y < y1) & (z >= z0) & (z < z1) & (k >= 0):
            out_bucket[a - start] = min(int((x - x0) / width), nb - 1)
        else:
            out_bucket[a - start] = -1


@njit(cache=True, nogil=True)
def gather_buckets(positions, labels, lut, start, buckets, fill, out_pos, out_lab):
    """Copy the rows with ``buckets >= 0`` (row ``start + t``) to their bucket's next free slot."""
    for t in range(buckets.shape[0]):
        b = buckets[t]
        if b >= 0:
            a = start + t
            o = fill[b]
            out_pos[o, 0] = positions[a, 0]
            out_pos[o, 1] = positions[a, 1]
            out_pos[o, 2] = positions[a, 2]
            out_lab[o] = lut[labels[a]]
            fill[b] = o + 1
