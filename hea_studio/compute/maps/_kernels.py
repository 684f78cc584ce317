"""numba kernels of the map analysis (science.md 9); plain-numpy twins of the same names in :mod:`._twins`.

* ``window_sums``: counts of a spectrum image in W energy windows, one pass over each pixel's spectrum
  touching only the windows' channels (the full cube never gets copied or converted).
* ``patch_entropy``: sums of K net-count maps over square patches of side ``L`` pixels on a grid
  anchored at ``(oy, ox)``, and each patch's Cliff-Lorimer entropy.
* ``two_stage_reference``: the random-mixing expectation of a patch's entropy when atoms are the
  random draws and X-rays a second Poisson stage in every energy window (Monte Carlo; numba's generator follows NumPy's
  legacy ``RandomState`` algorithms, so the twin, seeded the same way, draws the same numbers).
"""

from __future__ import annotations

import math

import numpy as np

from hea_studio.core.jit import njit


@njit(cache=True, nogil=True)
def window_sums(data, starts, stops):
    """``out[w, y, x] = data[y, x, starts[w]:stops[w]].sum()`` as int64, shape (W, ny, nx)."""
    ny, nx = data.shape[0], data.shape[1]
    nw = starts.shape[0]
    out = np.zeros((nw, ny, nx), dtype=np.int64)
    for y in range(ny):
        for x in range(nx):
            for w in range(nw):
                s = 0
                for c in range(starts[w], stops[w]):
                    s += data[y, x, c]
                out[w, y, x] = s
    return out


@njit(cache=True, nogil=True)
def _entropy_of(counts, kf, work):
    """Entropy (units of R) of the fractions k_i c_i / sum (negative counts clipped at 0), and the total."""
    total = 0.0
    wsum = 0.0
    K = counts.shape[0]
    for i in range(K):
        c = counts[i] if counts[i] > 0.0 else 0.0
        total += c
        work[i] = kf[i] * c
        wsum += work[i]
    S = 0.0
    if wsum > 0.0:
        for i in range(K):
            if work[i] > 0.0:
                x = work[i] / wsum
                S -= x * math.log(x)
    return S, total


@njit(cache=True, nogil=True)
def patch_entropy(maps, L, oy, ox, kf):
    """Patch sums (P, K), entropy (P,) and clipped total counts (P,) of side-``L`` patches.

    ``maps`` is (K, H, W) float64; patches start at row ``oy`` and column ``ox`` and only whole patches
    count, numbered row by row.
    """
    K, H, W = maps.shape
    py = (H - oy) // L
    px = (W - ox) // L
    P = py * px
    sums = np.zeros((P, K), dtype=np.float64)
    S = np.empty(P, dtype=np.float64)
    T = np.empty(P, dtype=np.float64)
    work = np.empty(K, dtype=np.float64)
    for by in range(py):
        for bx in range(px):
            p = by * px + bx
            for i in range(K):
                s = 0.0
                for y in range(oy + by * L, oy + (by + 1) * L):
                    for x in range(ox + bx * L, ox + (bx + 1) * L):
                        s += maps[i, y, x]
                sums[p, i] = s
            S[p], T[p] = _entropy_of(sums[p], kf, work)
    return sums, S, T


@njit(cache=True, nogil=True)
def two_stage_reference(n_atoms, p, E, bg, G, kf, min_counts, n_draw, seed):
    """Mean and variance of a patch's plug-in entropy under random mixing (science.md 9).

    Each draw: atoms ``n ~ Multinomial(n_atoms, p)`` (sequential binomials); the counts of every
    window ``w`` are ``Poisson(sum_j E[w, j] n_j + bg[w])`` (``E``: counts per atom of element j in
    window w, overlaps included); the element intensities ``G @ counts`` (net counts corrected for
    overlaps), clipped at 0; the entropy of the k-weighted fractions. Draws whose clipped total is
    below ``min_counts`` are left out, as such patches are in the map. Returns
    ``(mean, variance, accepted draws, mean total, variance of the total)`` (totals over all draws).
    """
    np.random.seed(seed)
    K = p.shape[0]
    W = E.shape[0]
    counts = np.empty(K, dtype=np.float64)
    work = np.empty(K, dtype=np.float64)
    atoms = np.empty(K, dtype=np.int64)
    win = np.empty(W, dtype=np.float64)
    s1 = 0.0
    s2 = 0.0
    t1 = 0.0
    t2 = 0.0
    acc = 0
    for _ in range(n_draw):
        left = n_atoms
        rest = 1.0
        for i in range(K - 1):
            if left > 0 and rest > 0.0:
                q = p[i] / rest
                if q >= 1.0:
                    atoms[i] = left
                elif q <= 0.0:
                    atoms[i] = 0
                else:
                    atoms[i] = np.random.binomial(left, q)
            else:
                atoms[i] = 0
            left -= atoms[i]
            rest -= p[i]
        atoms[K - 1] = left
        for w in range(W):
            lam = bg[w]
            for j in range(K):
                lam += E[w, j] * atoms[j]
            win[w] = np.random.poisson(lam) if lam > 0.0 else 0.0
        for i in range(K):
            c = 0.0
            for w in range(W):
                c += G[i, w] * win[w]
            counts[i] = c
        S, T = _entropy_of(counts, kf, work)
        t1 += T
        t2 += T * T
        if min_counts <= T:
            s1 += S
            s2 += S * S
            acc += 1
    tm = t1 / n_draw
    tv = max(t2 / n_draw - tm * tm, 0.0)
    if acc == 0:
        return np.nan, np.nan, 0, tm, tv
    mean = s1 / acc
    var = s2 / acc - mean * mean
    return mean, max(var, 0.0) * acc / max(acc - 1, 1), acc, tm, tv
