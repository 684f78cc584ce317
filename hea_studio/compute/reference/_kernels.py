"""numba kernels of the random-mixing reference: the binomial sums behind the expected entropy and
the frequency-distribution expectation, and the merged chi-square.

Every kernel here is ``@njit(cache=True, nogil=True)`` (the GUI runs them on its worker thread while
the event loop keeps going) and has a plain-numpy twin of the same name in :mod:`._twins`; the tests
run both on the same data and compare to 1e-9. Kernels take only contiguous native arrays;
the callers in :mod:`.atoms`, :mod:`.ions` and :mod:`.freqdist` do the conversions.
"""

from __future__ import annotations

import math

import numpy as np

from hea_studio.compute.common._jit import njit


# ---------------------------------------------------------------------------------------------
# Chi-square of observed against expected counts
# ---------------------------------------------------------------------------------------------
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
