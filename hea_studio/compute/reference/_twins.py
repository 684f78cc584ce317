"""Plain-numpy twins of the numba kernels in :mod:`._kernels`.

Each function has the kernel's name and contract and is written to be obviously correct rather than
fast (full sums instead of windows, masks instead of sorted scans). The tests compare kernel and twin
on the same data.
"""

from __future__ import annotations

import math

import numpy as np


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
