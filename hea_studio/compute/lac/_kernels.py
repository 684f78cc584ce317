"""numba kernels of the entropy engine.

Every kernel here is ``@njit(cache=True, nogil=True)`` (the GUI runs them on its worker thread while
the event loop keeps going) and has a plain-numpy twin of the same name in :mod:`._twins`; the tests
run both on the same data and compare to 1e-9. Kernels take only contiguous native arrays; the
callers in :mod:`.binning`, :mod:`.reference` and friends do the conversions.

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

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)

FACE_TOLERANCE = 1e-9
"""Relative distance to a voxel face below which an atom is binned per edge (see voxel_prefix)."""


# ---------------------------------------------------------------------------------------------
# Selecting the atoms of a box
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def select_box(positions, labels, lut, lo, hi, index):
    """Atoms inside the half-open box ``[lo, hi)`` whose label maps to an entropy element.

    ``lut[label]`` is the element index (0..K-1) or -1 for species left out; ``index`` is scratch
    space of at least ``len(positions)`` integers (int32 when that is enough: half the memory to
    write). Returns positions relative to ``lo`` (float64) and element indices, in input order. No
    boolean mask or fancy-indexed copy of the whole dataset, and no data-dependent branch per atom
    (one would be mispredicted about half the time for a box holding a good share of the
    specimen): one pass writes every atom's index and advances the count only for atoms inside,
    then the selected atoms are gathered.
    """
    N = positions.shape[0]
    x0, y0, z0 = lo[0], lo[1], lo[2]
    x1, y1, z1 = hi[0], hi[1], hi[2]
    n = 0
    for a in range(N):
        x = positions[a, 0]
        y = positions[a, 1]
        z = positions[a, 2]
        inside = (x >= x0) & (x < x1) & (y >= y0) & (y < y1) & (z >= z0) & (z < z1) & (lut[labels[a]] >= 0)
        index[n] = a
        n += inside
    rel = np.empty((n, 3), dtype=np.float64)
    lab = np.empty(n, dtype=np.int64)
    for t in range(n):
        a = index[t]
        rel[t, 0] = positions[a, 0] - x0
        rel[t, 1] = positions[a, 1] - y0
        rel[t, 2] = positions[a, 2] - z0
        lab[t] = lut[labels[a]]
    return rel, lab


@njit(cache=True, nogil=True)
def relabel(rel, species, lut):
    """Keep the atoms whose species maps to an element (``lut[species] >= 0``), relabelled.

    Compacts ``rel`` in place (it is the selection's own buffer) and returns views of its first
    rows with the new labels: dropping a few impurity atoms from a large selection costs no
    fancy-indexed copy.
    """
    n = species.shape[0]
    lab = np.empty(n, dtype=np.int64)
    m = 0
    for t in range(n):
        k = lut[species[t]]
        rel[m, 0] = rel[t, 0]
        rel[m, 1] = rel[t, 1]
        rel[m, 2] = rel[t, 2]
        lab[m] = k
        m += k >= 0
    return rel[:m], lab[:m]


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


@njit(cache=True, nogil=True)
def prefix_cube_counts(P, m, cx, cy, cz, oi=0, oj=0, ol=0):
    """Counts per element in each cube of ``m`` voxels edge, from the summed-volume table ``P``.

    The cube grid starts ``(oi, oj, ol)`` voxels from the table's origin (a grid shifted by whole
    voxels). Returns (cx*cy*cz, K) int64 in cube-number order. ``P`` may be any integer width:
    the alternating sum is formed in int64.
    """
    K = P.shape[3]
    out = np.empty((cx * cy * cz, K), dtype=np.int64)
    for a in range(cx):
        i0 = oi + a * m
        i1 = i0 + m
        for b in range(cy):
            j0 = oj + b * m
            j1 = j0 + m
            for c in range(cz):
                l0 = ol + c * m
                l1 = l0 + m
                row = (a * cy + b) * cz + c
                for k in range(K):
                    out[row, k] = (
                        np.int64(P[i1, j1, l1, k])
                        - P[i0, j1, l1, k]
                        - P[i1, j0, l1, k]
                        - P[i1, j1, l0, k]
                        + P[i0, j0, l1, k]
                        + P[i0, j1, l0, k]
                        + P[i1, j0, l0, k]
                        - P[i0, j0, l0, k]
                    )
    return out


@njit(cache=True, nogil=True)
def cube_ids(rel, L, cx, cy, cz):
    """Cube number of every atom for edge ``L``, or -1 for atoms outside the full cubes."""
    M = rel.shape[0]
    ids = np.empty(M, dtype=np.int64)
    for a in range(M):
        fx = math.floor(rel[a, 0] / L)
        fy = math.floor(rel[a, 1] / L)
        fz = math.floor(rel[a, 2] / L)
        if fx < 0 or fy < 0 or fz < 0 or fx >= cx or fy >= cy or fz >= cz:
            ids[a] = -1
        else:
            ids[a] = (np.int64(fx) * cy + fy) * cz + fz
    return ids


@njit(cache=True, nogil=True)
def dense_counts(ids, labels, n_cubes, K):
    """(n_cubes, K) counts per cube from per-atom cube numbers (-1 ignored)."""
    out = np.zeros((n_cubes, K), dtype=np.int64)
    for a in range(ids.shape[0]):
        c = ids[a]
        if c >= 0:
            out[c, labels[a]] += 1
    return out


@njit(cache=True, nogil=True)
def sparse_counts(ids, labels, K):
    """Counts of the non-empty cubes only, for grids too large to hold densely.

    Returns ``(cube_numbers ascending, counts (n_nonempty, K))``.
    """
    order = np.argsort(ids, kind="mergesort")
    M = ids.shape[0]
    n_unique = 0
    prev = -1
    for t in range(M):
        c = ids[order[t]]
        if c >= 0 and c != prev:
            n_unique += 1
            prev = c
    cubes = np.empty(n_unique, dtype=np.int64)
    out = np.zeros((n_unique, K), dtype=np.int64)
    row = -1
    prev = -1
    for t in range(M):
        a = order[t]
        c = ids[a]
        if c < 0:
            continue
        if c != prev:
            row += 1
            cubes[row] = c
            prev = c
        out[row, labels[a]] += 1
    return cubes, out


@njit(cache=True, nogil=True)
def box_counts(rel_x_sorted, labels_sorted, xs, lows, L, K):
    """Counts per element in arbitrary cubes ``[low, low + L)`` (paper mode).

    ``rel_x_sorted`` are the atoms sorted by x (``xs`` is their x column), so each cube only scans
    the atoms of its x-slab.
    """
    nb = lows.shape[0]
    out = np.zeros((nb, K), dtype=np.int64)
    for b in range(nb):
        x0 = lows[b, 0]
        y0 = lows[b, 1]
        z0 = lows[b, 2]
        start = np.searchsorted(xs, x0, side="left")
        stop = np.searchsorted(xs, x0 + L, side="left")
        for a in range(start, stop):
            y = rel_x_sorted[a, 1]
            z = rel_x_sorted[a, 2]
            if y >= y0 and y < y0 + L and z >= z0 and z < z0 + L:
                out[b, labels_sorted[a]] += 1
    return out


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


@njit(cache=True, nogil=True)
def merged_chi2(observed, expected, min_expected):
    """Chi-square after merging adjacent bins left to right until each expects ``min_expected``.

    A final short run of bins joins the last complete bin. Returns ``(chi2, number of bins)``.
    """
    chi2 = 0.0
    bins = 0
    o_acc = 0.0
    e_acc = 0.0
    last_o = 0.0
    last_e = 0.0
    for i in range(observed.shape[0]):
        o_acc += observed[i]
        e_acc += expected[i]
        if e_acc >= min_expected:
            if bins > 0:
                chi2 += (last_o - last_e) ** 2 / last_e
            last_o = o_acc
            last_e = e_acc
            bins += 1
            o_acc = 0.0
            e_acc = 0.0
    if bins == 0:
        if e_acc > 0:
            return (o_acc - e_acc) ** 2 / e_acc, 1
        return 0.0, 0
    last_o += o_acc
    last_e += e_acc
    chi2 += (last_o - last_e) ** 2 / last_e
    return chi2, bins


# ---------------------------------------------------------------------------------------------
# Binomial sums: the random-mixing reference and the frequency distribution expectation
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _reciprocals(nmax):
    """1/k for k = 1..nmax+1 (entry 0 unused): the pmf walk multiplies instead of dividing."""
    inv = np.zeros(nmax + 2, dtype=np.float64)
    for k in range(1, nmax + 2):
        inv[k] = 1.0 / k
    return inv


@njit(cache=True, nogil=True)
def _binom_window(n, p, buf, inv):
    """Fill ``buf[k]`` with Binomial(n, p) probabilities over the window where they matter.

    Starts at the mode (log-pmf via lgamma) and walks outwards with the pmf ratio until the terms
    fall below 1e-18 of the mode, so the cost is O(sqrt(n)) instead of O(n); the dropped tail is
    far below double precision of the sums it feeds. Returns ``(kmin, kmax)`` inclusive.
    """
    if p <= 0.0 or n == 0:
        buf[0] = 1.0
        return 0, 0
    if p >= 1.0:
        buf[n] = 1.0
        return n, n
    q = 1.0 - p
    mode = math.floor((n + 1) * p)
    if mode > n:
        mode = n
    logpm = (
        math.lgamma(n + 1.0)
        - math.lgamma(mode + 1.0)
        - math.lgamma(n - mode + 1.0)
        + mode * math.log(p)
        + (n - mode) * math.log(q)
    )
    pm = math.exp(logpm)
    buf[mode] = pm
    tiny = pm * 1e-18
    ratio = p / q
    iratio = q / p
    # The serial dependency is one multiplication per term (a division would be ~5x slower).
    k = mode
    v = pm
    while k < n:
        v *= (n - k) * inv[k + 1] * ratio
        k += 1
        buf[k] = v
        if v < tiny:
            break
    kmax = k
    k = mode
    v = pm
    while k > 0:
        v *= k * inv[n - k + 1] * iratio
        k -= 1
        buf[k] = v
        if v < tiny:
            break
    kmin = k
    # lgamma(n + 1) ~ n ln n carries ~1e-10 relative rounding error at n ~ 1e5; the window holds
    # all the mass to double precision, so renormalising removes that error.
    total = 0.0
    for j in range(kmin, kmax + 1):
        total += buf[j]
    for j in range(kmin, kmax + 1):
        buf[j] /= total
    return kmin, kmax


@njit(cache=True, nogil=True)
def null_entropy(ns, p, logk):
    """E[plug-in entropy] (units of R) of ``n`` atoms drawn from composition ``p``, for each ``n``.

    By linearity, E[-sum_i x_i ln x_i] = sum_i E[-(k_i/n) ln(k_i/n)] with k_i ~ Binomial(n, p_i),
    so each element is a one-dimensional binomial sum (science.md 4). ``logk[k] = ln k`` for
    k <= max(ns) is passed in (shared across calls) so the sums need no logarithm per term.
    """
    out = np.zeros(ns.shape[0], dtype=np.float64)
    nmax = 0
    for t in range(ns.shape[0]):
        if ns[t] > nmax:
            nmax = ns[t]
    buf = np.empty(nmax + 1, dtype=np.float64)
    inv = _reciprocals(nmax)
    for t in range(ns.shape[0]):
        n = ns[t]
        if n <= 0:
            continue
        logn = logk[n]
        total = 0.0
        for i in range(p.shape[0]):
            kmin, kmax = _binom_window(n, p[i], buf, inv)
            acc = 0.0
            for k in range(max(kmin, 1), kmax + 1):
                acc += buf[k] * k * (logk[k] - logn)
            total -= acc / n
        out[t] = total
    return out


@njit(cache=True, nogil=True)
def binomial_mixture_hist(ns, weights, p, length):
    """Expected histogram of counts: ``sum_t weights[t] * Binomial(ns[t], p)`` on ``0..length-1``."""
    hist = np.zeros(length, dtype=np.float64)
    nmax = 0
    for t in range(ns.shape[0]):
        if ns[t] > nmax:
            nmax = ns[t]
    buf = np.empty(nmax + 1, dtype=np.float64)
    inv = _reciprocals(nmax)
    for t in range(ns.shape[0]):
        kmin, kmax = _binom_window(ns[t], p, buf, inv)
        w = weights[t]
        for k in range(kmin, min(kmax, length - 1) + 1):
            hist[k] += w * buf[k]
    return hist


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


# ---------------------------------------------------------------------------------------------
# Largest box inside a voxel mask (default ROI)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def largest_box(mask):
    """Largest axis-aligned all-True box in a 3-D boolean mask.

    For every z-slab ``[z0, z1]`` the columns True throughout the slab form a 2-D mask whose largest
    all-True rectangle is found with the histogram-and-stack method; the slab grows until no column
    survives. Returns ``(volume, i0, i1, j0, j1, l0, l1)`` with exclusive upper indices (volume 0
    if the mask is empty).
    """
    nx, ny, nz = mask.shape
    best = (0, 0, 0, 0, 0, 0, 0)
    col = np.empty((nx, ny), dtype=np.bool_)
    heights = np.empty(ny + 1, dtype=np.int64)
    stack = np.empty(ny + 1, dtype=np.int64)
    for z0 in range(nz):
        col[:, :] = True
        for z1 in range(z0, nz):
            alive = False
            for i in range(nx):
                for j in range(ny):
                    col[i, j] = col[i, j] and mask[i, j, z1]
                    alive = alive or col[i, j]
            if not alive:
                break
            depth = z1 - z0 + 1
            heights[:] = 0
            for i in range(nx):
                for j in range(ny):
                    heights[j] = heights[j] + 1 if col[i, j] else 0
                # Largest rectangle under the histogram ``heights`` (rows ending at i).
                top = 0
                for j in range(ny + 1):
                    h = heights[j] if j < ny else 0
                    while top > 0 and heights[stack[top - 1]] >= h:
                        hh = heights[stack[top - 1]]
                        top -= 1
                        left = stack[top - 1] + 1 if top > 0 else 0
                        width = j - left
                        vol = hh * width * depth
                        if vol > best[0]:
                            best = (vol, i - hh + 1, i + 1, left, j, z0, z1 + 1)
                    stack[top] = j
                    top += 1
    return best


# ---------------------------------------------------------------------------------------------
# Atom-centred local entropy (science.md 7)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def cell_list(rel, cell, nx, ny, nz):
    """Atoms grouped by grid cell of edge ``cell`` (counting sort).

    Returns ``order`` (atom indices, cell by cell) and ``starts`` (length ``nx*ny*nz + 1``): the
    atoms of cell ``(ix * ny + iy) * nz + iz`` are ``order[starts[c]:starts[c + 1]]``. Atoms
    outside the grid are clamped into its border cells.
    """
    n = rel.shape[0]
    ncell = nx * ny * nz
    cid = np.empty(n, dtype=np.int64)
    starts = np.zeros(ncell + 1, dtype=np.int64)
    for a in range(n):
        ix = min(max(int(rel[a, 0] / cell), 0), nx - 1)
        iy = min(max(int(rel[a, 1] / cell), 0), ny - 1)
        iz = min(max(int(rel[a, 2] / cell), 0), nz - 1)
        c = (ix * ny + iy) * nz + iz
        cid[a] = c
        starts[c + 1] += 1
    for c in range(ncell):
        starts[c + 1] += starts[c]
    fill = starts[:ncell].copy()
    order = np.empty(n, dtype=np.int64)
    for a in range(n):
        c = cid[a]
        order[fill[c]] = a
        fill[c] += 1
    return order, starts


@njit(cache=True, nogil=True)
def knn_entropy(rel, lab, K, starts, nx, ny, nz, cell, centres, ks, log_k):
    """Entropy (units of R) of the ``k`` atoms nearest to each centre atom, itself included.

    ``rel`` and ``lab`` hold the atoms cell by cell (in :func:`cell_list` order), so the atoms of
    cell ``c`` are ``starts[c]:starts[c + 1]`` and a centre's candidates are read from a few
    contiguous runs; ``centres`` index into that order.

    ``ks`` ascending; ``log_k[i] = ln i``. Cells are searched in growing cubic shells around the
    centre's cell until the ``max(ks)``-th nearest atom is certainly found: all atoms closer than
    the distance from the centre to the outside of the searched cube are in hand. Returns the
    entropies and the distances to the ``k``-th nearest atom, both ``(M, len(ks))``.
    """
    M = centres.shape[0]
    nk = ks.shape[0]
    kmax = ks[nk - 1]
    out = np.empty((M, nk), dtype=np.float64)
    reach = np.empty((M, nk), dtype=np.float64)
    cap = max(4 * kmax, 256)
    d2 = np.empty(cap, dtype=np.float64)
    lb = np.empty(cap, dtype=np.int64)
    counts = np.zeros(K, dtype=np.int64)
    for m in range(M):
        a = centres[m]
        x, y, z = rel[a, 0], rel[a, 1], rel[a, 2]
        cx = min(max(int(x / cell), 0), nx - 1)
        cy = min(max(int(y / cell), 0), ny - 1)
        cz = min(max(int(z / cell), 0), nz - 1)
        # Distance from the centre to the nearest face of its own cell: the searched cube of
        # shell s reaches at least s cells plus this far in every direction.
        inner = min(
            x - cx * cell,
            (cx + 1) * cell - x,
            y - cy * cell,
            (cy + 1) * cell - y,
            z - cz * cell,
            (cz + 1) * cell - z,
        )
        inner = max(inner, 0.0)
        n = 0
        s = 0
        while True:
            for ix in range(cx - s, cx + s + 1):
                if ix < 0 or ix >= nx:
                    continue
                edge_x = ix == cx - s or ix == cx + s
                for iy in range(cy - s, cy + s + 1):
                    if iy < 0 or iy >= ny:
                        continue
                    edge_y = edge_x or iy == cy - s or iy == cy + s
                    for iz in range(cz - s, cz + s + 1):
                        if iz < 0 or iz >= nz:
                            continue
                        if not (edge_y or iz == cz - s or iz == cz + s):
                            continue  # inside the shell: searched already
                        c = (ix * ny + iy) * nz + iz
                        for b in range(starts[c], starts[c + 1]):
                            if n == cap:
                                cap *= 2
                                d2_new = np.empty(cap, dtype=np.float64)
                                lb_new = np.empty(cap, dtype=np.int64)
                                d2_new[:n] = d2[:n]
                                lb_new[:n] = lb[:n]
                                d2 = d2_new
                                lb = lb_new
                            dx = rel[b, 0] - x
                            dy = rel[b, 1] - y
                            dz = rel[b, 2] - z
                            d2[n] = dx * dx + dy * dy + dz * dz
                            lb[n] = lab[b]
                            n += 1
            everything = cx - s <= 0 and cy - s <= 0 and cz - s <= 0
            everything = everything and cx + s >= nx - 1 and cy + s >= ny - 1 and cz + s >= nz - 1
            if n >= kmax:
                covered = s * cell + inner
                kth = np.partition(d2[:n], kmax - 1)[kmax - 1]
                if kth <= covered * covered or everything:
                    break
            elif everything:
                break
            s += 1
        if n < kmax:
            out[m, :] = np.nan
            reach[m, :] = np.nan
            continue
        # Sort only the atoms up to the kmax-th distance (found by the last partition), not all n.
        kth = np.partition(d2[:n], kmax - 1)[kmax - 1]
        close = np.empty(n, dtype=np.int64)
        nc = 0
        for t in range(n):
            close[nc] = t
            nc += d2[t] <= kth
        close = close[:nc]
        nearest = close[np.argsort(d2[close])][:kmax]
        counts[:] = 0
        j = 0
        for r in range(kmax):
            counts[lb[nearest[r]]] += 1
            if r + 1 == ks[j]:
                kk = r + 1
                h = 0.0
                for e in range(K):
                    c = counts[e]
                    if c > 0:
                        h -= c / kk * (log_k[c] - log_k[kk])
                out[m, j] = h
                reach[m, j] = math.sqrt(d2[nearest[r]])
                j += 1
                if j == nk:
                    break
    return out, reach


# ---------------------------------------------------------------------------------------------
# Tilings with a shifted origin (the SUME interval covers the arbitrary grid origin)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def shifted_tile_counts(rel, labels, L, off, cx, cy, cz, K):
    """(cx*cy*cz, K) counts per cube of edge ``L`` on a grid whose origin sits at ``off`` (relative).

    Atoms below the shifted origin or beyond the last whole cube are ignored, so only cubes lying
    fully inside the ROI are counted, as for the unshifted tiling.
    """
    out = np.zeros((cx * cy * cz, K), dtype=np.int64)
    ox = off[0]
    oy = off[1]
    oz = off[2]
    for a in range(rel.shape[0]):
        fx = math.floor((rel[a, 0] - ox) / L)
        fy = math.floor((rel[a, 1] - oy) / L)
        fz = math.floor((rel[a, 2] - oz) / L)
        if fx < 0 or fy < 0 or fz < 0 or fx >= cx or fy >= cy or fz >= cz:
            continue
        out[(np.int64(fx) * cy + fy) * cz + fz, labels[a]] += 1
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


# ---------------------------------------------------------------------------------------------
# Chunked scans over the whole dataset (no per-atom copies; see compute/scan.py)
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
    """Turn per-voxel counts P[1:, 1:, 1:, :] into the summed-volume table, in place."""
    nx1, ny1, nz1, K = P.shape
    for i in range(1, nx1):
        for j in range(ny1):
            for l in range(nz1):  # noqa: E741
                for k in range(K):
                    P[i, j, l, k] += P[i - 1, j, l, k]
    for i in range(nx1):
        for j in range(1, ny1):
            for l in range(nz1):  # noqa: E741
                for k in range(K):
                    P[i, j, l, k] += P[i, j - 1, l, k]
    for i in range(nx1):
        for j in range(ny1):
            for l in range(1, nz1):  # noqa: E741
                for k in range(K):
                    P[i, j, l, k] += P[i, j, l - 1, k]


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


@njit(cache=True, nogil=True)
def _cube_index(pos, a, lo, shift, L, cx, cy, cz):
    # floor((x - lo) - shift) / L) per axis; with shift 0 exactly floor(rel / L) of science.md 3.
    fx = math.floor(((pos[a, 0] - lo[0]) - shift[0]) / L)
    fy = math.floor(((pos[a, 1] - lo[1]) - shift[1]) / L)
    fz = math.floor(((pos[a, 2] - lo[2]) - shift[2]) / L)
    if fx < 0 or fy < 0 or fz < 0 or fx >= cx or fy >= cy or fz >= cz:
        return -1, 0
    return (np.int64(fx) * cy + fy) * cz + fz, fx


@njit(cache=True, nogil=True)
def tile_counts_dense(pos, lab, lo, shift, L, cx, cy, cz, K):
    """(cx*cy*cz, K) counts of every cube of edge ``L`` whose grid starts at ``lo + shift``.

    ``pos`` holds the ROI's atoms in their stored precision (bucketed by x, so the increments of
    neighbouring atoms hit neighbouring rows), ``lab`` their element index.
    """
    out = np.zeros((cx * cy * cz, K), dtype=np.int64)
    for a in range(pos.shape[0]):
        c, _ = _cube_index(pos, a, lo, shift, L, cx, cy, cz)
        if c >= 0:
            out[c, lab[a]] += 1
    return out


@njit(cache=True, nogil=True)
def tile_counts_sparse(pos, lab, bucket_starts, width, lo, shift, L, cx, cy, cz, K):
    """Counts of the non-empty cubes only, in ascending cube number (grids too large to hold).

    Returns ``(cube numbers, counts (n_nonempty, K))``. The atoms are bucketed in x slabs of ``width`` (``bucket_starts``), so each x slab of cubes
    reads only the buckets it overlaps (one more on each side against rounding) and counts into
    one (cy*cz, K) plane; the plane's non-empty rows are appended to an output that doubles when
    full.
    """
    nb = bucket_starts.shape[0] - 1
    n_plane = cy * cz
    plane = np.zeros((n_plane, K), dtype=np.int64)
    total = np.zeros(n_plane, dtype=np.int64)
    touched = np.empty(n_plane, dtype=np.int64)
    out = np.empty((1024, K), dtype=np.int64)
    numbers = np.empty(1024, dtype=np.int64)
    row = 0
    for fx in range(cx):
        x_lo = shift[0] + fx * L
        b0 = min(max(int(x_lo / width) - 1, 0), nb - 1)
        b1 = max(min(int((x_lo + L) / width) + 2, nb), b0)
        n_t = 0
        for a in range(bucket_starts[b0], bucket_starts[b1]):
            c, f = _cube_index(pos, a, lo, shift, L, cx, cy, cz)
            if c >= 0 and f == fx:
                p = c - np.int64(fx) * n_plane
                if total[p] == 0:
                    touched[n_t] = p
                    n_t += 1
                plane[p, lab[a]] += 1
                total[p] += 1
        if n_t == 0:
            continue
        cells = np.sort(touched[:n_t])
        if row + n_t > out.shape[0]:
            grown = np.empty((max(2 * out.shape[0], row + n_t), K), dtype=np.int64)
            grown[:row] = out[:row]
            out = grown
            grown_n = np.empty(grown.shape[0], dtype=np.int64)
            grown_n[:row] = numbers[:row]
            numbers = grown_n
        for t in range(n_t):
            p = cells[t]
            for k in range(K):
                out[row, k] = plane[p, k]
                plane[p, k] = 0
            total[p] = 0
            numbers[row] = np.int64(fx) * n_plane + p
            row += 1
    return numbers[:row].copy(), out[:row].copy()
