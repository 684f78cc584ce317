"""Plain-numpy twins of the numba kernels in :mod:`._kernels`.

Each function has the kernel's name and contract and is written to be obviously correct rather than
fast (full sums instead of windows, masks instead of sorted scans). The tests compare kernel and twin
on the same data; :mod:`benchmarks.bench_entropy` uses :func:`floor_bincount_counts` as the baseline a
user would write.
"""

from __future__ import annotations

import math

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def floor_bincount_counts(rel, labels, L, cx, cy, cz, K):
    """(cx*cy*cz, K) counts per cube: per-edge floor + bincount, the straightforward way."""
    idx = np.floor(rel / L).astype(np.int64)
    inside = np.all(idx >= 0, axis=1) & (idx[:, 0] < cx) & (idx[:, 1] < cy) & (idx[:, 2] < cz)
    flat = (idx[inside, 0] * cy + idx[inside, 1]) * cz + idx[inside, 2]
    n_cubes = cx * cy * cz
    return np.bincount(flat * K + labels[inside], minlength=n_cubes * K).reshape(n_cubes, K)


def voxel_prefix(rel, labels, g, nx, ny, nz, K):
    """Summed-volume table via histogramming then cumulative sums, and the near-face atoms."""
    v = rel / g
    near = np.abs(v - np.floor(v + 0.5)) <= 1e-9 * np.maximum(1.0, np.abs(v))
    idx = np.floor(v)
    inside = np.all((idx >= 0) & (idx < [nx, ny, nz]), axis=1)
    face = np.nonzero(inside & near.any(axis=1))[0]
    body = inside & ~near.any(axis=1)
    V = floor_bincount_counts(rel[body], labels[body], g, nx, ny, nz, K).reshape(nx, ny, nz, K)
    P = np.zeros((nx + 1, ny + 1, nz + 1, K), dtype=np.int64)
    P[1:, 1:, 1:, :] = V.cumsum(0).cumsum(1).cumsum(2)
    return P, face


def prefix_cube_counts(P, m, cx, cy, cz, oi=0, oj=0, ol=0):
    """Cube counts by summing voxel blocks directly (no prefix-table arithmetic)."""
    V = np.diff(np.diff(np.diff(P.astype(np.int64), axis=0), axis=1), axis=2)
    V = V[oi : oi + cx * m, oj : oj + cy * m, ol : ol + cz * m, :]
    K = V.shape[3]
    blocks = V.reshape(cx, m, cy, m, cz, m, K).sum(axis=(1, 3, 5))
    return blocks.reshape(cx * cy * cz, K)


def cube_ids(rel, L, cx, cy, cz):
    """Cube number of every atom, -1 outside the full cubes."""
    idx = np.floor(rel / L).astype(np.int64)
    inside = np.all(idx >= 0, axis=1) & (idx[:, 0] < cx) & (idx[:, 1] < cy) & (idx[:, 2] < cz)
    ids = (idx[:, 0] * cy + idx[:, 1]) * cz + idx[:, 2]
    return np.where(inside, ids, -1)


def dense_counts(ids, labels, n_cubes, K):
    """Counts per cube from cube numbers."""
    ok = ids >= 0
    return np.bincount(ids[ok] * K + labels[ok], minlength=n_cubes * K).reshape(n_cubes, K)


def sparse_counts(ids, labels, K):
    """Counts of non-empty cubes, via ``np.unique``."""
    ok = ids >= 0
    cubes, inverse = np.unique(ids[ok], return_inverse=True)
    out = np.zeros((cubes.size, K), dtype=np.int64)
    np.add.at(out, (inverse, labels[ok]), 1)
    return cubes, out


def box_counts(rel_x_sorted, labels_sorted, xs, lows, L, K):
    """Counts per element in cubes ``[low, low + L)`` by masking every atom."""
    out = np.zeros((lows.shape[0], K), dtype=np.int64)
    for b, low in enumerate(lows):
        inside = np.all((rel_x_sorted >= low) & (rel_x_sorted < low + L), axis=1)
        out[b] = np.bincount(labels_sorted[inside], minlength=K)
    return out


def select_box(positions, labels, lut, lo, hi, index=None):
    """Atoms of the box with an entropy-element label, by boolean masks."""
    inside = np.all((positions >= lo) & (positions < hi), axis=1)
    lab = lut[labels]
    keep = inside & (lab >= 0)
    return positions[keep].astype(np.float64) - lo, lab[keep].astype(np.int64)


def relabel(rel, species, lut):
    """Atoms whose species has an element, relabelled, by a boolean mask."""
    lab = lut[species]
    keep = lab >= 0
    return rel[keep], lab[keep].astype(np.int64)


def cube_stats(counts, min_atoms):
    """Entropy and composition moments of the cubes with at least ``min_atoms`` atoms."""
    n = counts.sum(axis=1)
    keep = np.nonzero(n >= min_atoms)[0]
    x = counts[keep] / n[keep, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), 0.0)
    K = counts.shape[1]
    mean = x.mean(axis=0) if keep.size else np.zeros(K)
    std = x.std(axis=0, ddof=1) if keep.size > 1 else np.zeros(K)
    return keep, terms.sum(axis=1), n[keep], mean, std


def merged_chi2(observed, expected, min_expected):
    """Chi-square with bins merged greedily (Python lists, the readable way)."""
    obs: list[float] = []
    exp: list[float] = []
    o_acc = e_acc = 0.0
    for o, e in zip(observed, expected):
        o_acc += o
        e_acc += e
        if e_acc >= min_expected:
            obs.append(o_acc)
            exp.append(e_acc)
            o_acc = e_acc = 0.0
    if obs:
        obs[-1] += o_acc
        exp[-1] += e_acc
    elif e_acc > 0:
        obs.append(o_acc)
        exp.append(e_acc)
    o = np.array(obs)
    e = np.array(exp)
    return float(((o - e) ** 2 / e).sum()) if e.size else 0.0, int(e.size)


def _binom_pmf_full(n, p):
    """Binomial(n, p) pmf over 0..n, every term from log-gamma (numpy has none, so math's)."""
    k = np.arange(n + 1, dtype=np.float64)
    if p <= 0.0:
        return (k == 0).astype(np.float64)
    if p >= 1.0:
        return (k == n).astype(np.float64)
    lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
    log_choose = math.lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0)
    pmf = np.exp(log_choose + k * np.log(p) + (n - k) * np.log1p(-p))
    # lgamma(n + 1) is ~n ln n, so its rounding error is ~1e-10 relative for n ~ 1e5: renormalise.
    return pmf / pmf.sum()


def null_entropy(ns, p, logk=None):
    """E[plug-in entropy] by the full sum over k = 0..n for each element (``logk`` is not needed)."""
    out = np.zeros(len(ns))
    for t, n in enumerate(ns):
        if n <= 0:
            continue
        x = np.arange(1, n + 1) / n
        h = -x * np.log(x)
        out[t] = sum(float(np.dot(_binom_pmf_full(int(n), float(pi))[1:], h)) for pi in p)
    return out


def binomial_mixture_hist(ns, weights, p, length):
    """Expected count histogram of a mixture of binomials, full sums."""
    hist = np.zeros(length)
    for n, w in zip(ns, weights):
        pmf = _binom_pmf_full(int(n), float(p))
        m = min(length, pmf.size)
        hist[:m] += w * pmf[:m]
    return hist


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


def largest_box(mask):
    """Largest all-True box by trying every box against a summed-volume table (tiny masks only)."""
    nx, ny, nz = mask.shape
    C = np.zeros((nx + 1, ny + 1, nz + 1), dtype=np.int64)
    C[1:, 1:, 1:] = mask.astype(np.int64).cumsum(0).cumsum(1).cumsum(2)
    best = (0, 0, 0, 0, 0, 0, 0)
    for i0 in range(nx):
        for i1 in range(i0 + 1, nx + 1):
            for j0 in range(ny):
                for j1 in range(j0 + 1, ny + 1):
                    for l0 in range(nz):
                        for l1 in range(l0 + 1, nz + 1):
                            vol = (i1 - i0) * (j1 - j0) * (l1 - l0)
                            if vol <= best[0]:
                                continue
                            s = (
                                C[i1, j1, l1]
                                - C[i0, j1, l1]
                                - C[i1, j0, l1]
                                - C[i1, j1, l0]
                                + C[i0, j0, l1]
                                + C[i0, j1, l0]
                                + C[i1, j0, l0]
                                - C[i0, j0, l0]
                            )
                            if s == vol:
                                best = (vol, i0, i1, j0, j1, l0, l1)
    return best


def cell_list(rel, cell, nx, ny, nz):
    """Atoms grouped by cell, by a stable argsort of the cell ids."""
    ix = np.clip((rel[:, 0] / cell).astype(np.int64), 0, nx - 1)
    iy = np.clip((rel[:, 1] / cell).astype(np.int64), 0, ny - 1)
    iz = np.clip((rel[:, 2] / cell).astype(np.int64), 0, nz - 1)
    cid = (ix * ny + iy) * nz + iz
    order = np.argsort(cid, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(cid, minlength=nx * ny * nz))])
    return order, starts


def knn_entropy(rel, lab, K, starts, nx, ny, nz, cell, centres, ks, log_k):
    """Entropy of the k nearest atoms by sorting every distance (brute force)."""
    kmax = int(ks[-1])
    out = np.empty((centres.shape[0], ks.shape[0]))
    reach = np.empty((centres.shape[0], ks.shape[0]))
    for m, a in enumerate(centres):
        d2 = np.sum((rel - rel[a]) ** 2, axis=1)
        nearest = np.argsort(d2, kind="stable")[:kmax]
        for j, k in enumerate(ks):
            x = np.bincount(lab[nearest[:k]], minlength=K) / k
            x = x[x > 0]
            out[m, j] = -np.sum(x * np.log(x))
            reach[m, j] = np.sqrt(d2[nearest[k - 1]])
    return out, reach


def shifted_tile_counts(rel, labels, L, off, cx, cy, cz, K):
    """Counts per cube on a grid shifted by ``off``: the plain floor + bincount on shifted positions."""
    return floor_bincount_counts(np.asarray(rel) - np.asarray(off), labels, L, cx, cy, cz, K)


def bootstrap_pair_means(a, b, n_boot, seed):
    """Paired resample means: the indices of :func:`bootstrap_means` applied to both arrays."""
    n = a.shape[0]
    t = np.arange(1, n_boot * n + 1, dtype=np.uint64)
    idx = (_splitmix(np.uint64(seed) + t * _GOLDEN) % np.uint64(n)).astype(np.int64)
    return a[idx].reshape(n_boot, n).sum(axis=1) / n, b[idx].reshape(n_boot, n).sum(axis=1) / n


def half_counts(rel, labels, half, K):
    """Atoms per element in the upper half of the box along each axis, (3, K): masks and bincount."""
    return np.stack([np.bincount(labels[rel[:, ax] >= half[ax]], minlength=K) for ax in range(3)])


def bounds_chunk(positions, start, stop, lo, hi):
    """Grow ``lo``/``hi`` to hold rows ``start:stop``, with numpy reductions."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    if block.size:
        np.minimum(lo, block.min(axis=0), out=lo)
        np.maximum(hi, block.max(axis=0), out=hi)


def density_hist_chunk(positions, start, stop, lo, edge, counts):
    """Voxel histogram of rows ``start:stop``, the float64 numpy way."""
    shape = np.array(counts.shape)
    idx = np.minimum(
        ((np.asarray(positions[start:stop], dtype=np.float64) - lo) / edge).astype(np.int64), shape - 1
    )
    np.add.at(counts, (idx[:, 0], idx[:, 1], idx[:, 2]), 1)


def box_species_chunk(positions, labels, lo, hi, start, stop, counts):
    """Species counts of the atoms of rows ``start:stop`` inside the box, by masks."""
    block = positions[start:stop]
    inside = np.all((block >= lo) & (block < hi), axis=1)
    counts += np.bincount(labels[start:stop][inside], minlength=counts.size)[: counts.size]


def voxel_fill_chunk(positions, labels, lut, lo, hi, g, shape, start, stop, flat, face, slab, code, fill):
    """Voxel counts of rows ``start:stop`` via :func:`select_box` and :func:`voxel_prefix`."""
    nx, ny, nz, K = (int(v) for v in shape)
    rows = np.arange(start, stop)
    block = positions[start:stop]
    k = lut[labels[start:stop]]
    keep = np.all((block >= lo) & (block < hi), axis=1) & (k >= 0)
    rel = block[keep].astype(np.float64) - lo
    P, f = voxel_prefix(rel, k[keep].astype(np.int64), g, nx, ny, nz, K)
    V = np.diff(np.diff(np.diff(P, axis=0), axis=1), axis=2)
    view = flat.reshape(nx + 1, ny + 1, nz + 1, K)
    view[1:, 1:, 1:, :] += V.astype(view.dtype)
    face[: f.size] = rows[keep][f]
    return int(f.size)


def prefix_sums(P):
    """Cumulative sums along the three spatial axes, in place."""
    np.cumsum(P, axis=0, out=P)
    np.cumsum(P, axis=1, out=P)
    np.cumsum(P, axis=2, out=P)


def bucket_chunk(positions, labels, lut, lo, hi, width, nb, start, stop, out_bucket):
    """x-slab bucket of rows ``start:stop`` (-1 outside the box or not an element)."""
    block = positions[start:stop]
    k = lut[labels[start:stop]]
    keep = np.all((block >= lo) & (block < hi), axis=1) & (k >= 0)
    b = np.minimum(((block[:, 0].astype(np.float64) - lo[0]) / width).astype(np.int64), nb - 1)
    out_bucket[:] = np.where(keep, b, -1)


def gather_buckets(positions, labels, lut, start, buckets, fill, out_pos, out_lab):
    """Rows with a bucket appended to their bucket's run, in row order within a bucket."""
    for t in np.flatnonzero(buckets >= 0):
        b = buckets[t]
        out_pos[fill[b]] = positions[start + t]
        out_lab[fill[b]] = lut[labels[start + t]]
        fill[b] += 1


def tile_counts_dense(pos, lab, lo, shift, L, cx, cy, cz, K):
    """Every cube's counts: relative positions, :func:`floor_bincount_counts`."""
    rel = (pos.astype(np.float64) - lo) - shift
    return floor_bincount_counts(rel, lab.astype(np.int64), L, cx, cy, cz, K)


def tile_counts_sparse(pos, lab, bucket_starts, width, lo, shift, L, cx, cy, cz, K):
    """Non-empty cubes' counts in ascending cube number."""
    dense = tile_counts_dense(pos, lab, lo, shift, L, cx, cy, cz, K)
    nonempty = np.flatnonzero(dense.sum(axis=1) > 0)
    return nonempty, dense[nonempty]


def half_counts_chunk(positions, labels, lut, lo, hi, half, start, stop, out):
    """Upper-half counts of the box's element atoms of rows ``start:stop``, by masks."""
    block = positions[start:stop]
    k = lut[labels[start:stop]]
    keep = np.all((block >= lo) & (block < hi), axis=1) & (k >= 0)
    out += half_counts(block[keep].astype(np.float64) - lo, k[keep], half, out.shape[1])


def projection_chunk(positions, a, b, start, stop, lo, pixel, counts):
    """2-D projection histogram of rows ``start:stop`` with numpy."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    i = np.clip(np.floor((block[:, a] - lo[0]) / pixel).astype(np.int64), 0, counts.shape[0] - 1)
    j = np.clip(np.floor((block[:, b] - lo[1]) / pixel).astype(np.int64), 0, counts.shape[1] - 1)
    np.add.at(counts, (i, j), 1)


def density_hist_weighted_chunk(positions, labels, weights, start, stop, lo, edge, counts):
    """Weighted voxel histogram of rows ``start:stop``, the float64 numpy way."""
    shape = np.array(counts.shape)
    idx = np.minimum(
        ((np.asarray(positions[start:stop], dtype=np.float64) - lo) / edge).astype(np.int64), shape - 1
    )
    np.add.at(counts, (idx[:, 0], idx[:, 1], idx[:, 2]), weights[labels[start:stop]])


def projection_weighted_chunk(positions, labels, weights, a, b, start, stop, lo, pixel, counts):
    """Weighted 2-D projection histogram of rows ``start:stop`` with numpy."""
    block = np.asarray(positions[start:stop], dtype=np.float64)
    i = np.clip(np.floor((block[:, a] - lo[0]) / pixel).astype(np.int64), 0, counts.shape[0] - 1)
    j = np.clip(np.floor((block[:, b] - lo[1]) / pixel).astype(np.int64), 0, counts.shape[1] - 1)
    np.add.at(counts, (i, j), weights[labels[start:stop]])
