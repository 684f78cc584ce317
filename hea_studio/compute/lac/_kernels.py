"""numba kernels of the limited-area calculation: selecting a box's atoms, counting them per cube,
the largest box inside the specimen.

Every kernel here is ``@njit(cache=True, nogil=True)`` (the GUI runs them on its worker thread while
the event loop keeps going) and has a plain-numpy twin of the same name in :mod:`._twins`; the tests
run both on the same data and compare to 1e-9. Kernels take only contiguous native arrays;
the callers in :mod:`.binning`, :mod:`.roi` and :mod:`.preview` do the conversions.

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


# ---------------------------------------------------------------------------------------------
# Counting the cubes of one tiling straight from the dataset's positions
# ---------------------------------------------------------------------------------------------
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
