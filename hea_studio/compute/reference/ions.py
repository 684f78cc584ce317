"""The random-mixing reference when molecular ions are decomposed (science.md 4 and 6).

The unit drawn at random is the *ion*: a cube holding m ions (of those that carry at least one
atom of an entropy element) receives m ions drawn from the bulk ion composition q, and each ion
adds its whole formula to the cube (a CrO2 adds 1 Cr and 2 O at once). Ion species with the same
formula over the entropy elements are one "ion type" (CrO and CrO2 are both "1 Cr" when O is not
an entropy element); when every type holds a single atom this is exactly the binomial reference.

Exact expectation
-----------------
By linearity, E[S_hat] = sum_i E[-(k_i/n) ln(k_i/n)], and each term only needs the joint law of
(k_i, n): the sum over m independent ions of the pair (atoms of element i, entropy atoms) each ion
adds. That two-dimensional law is built by convolving one ion at a time, m = 1, 2, ..., up to
``exact_max`` ions, and conditioned on n >= min_atoms, the same cut the cubes pass. Above
``exact_max`` the expectation is a smooth series in 1/m,
E(m) = S_bulk + c1/m + c2/m^2 + c3/m^3 + O(m^-4), with c1 = tr(H Sigma)/2 (H the Hessian of the
entropy of the mean atom vector per ion, Sigma the covariance of one ion's atom vector) and c2, c3
fitted to the exact values on [exact_max/2, exact_max]; the tests check the extrapolation against
exact values and Monte Carlo.

The frequency test (science.md 6) needs the law of k_i alone for a cube of m ions: from the same
convolution for m <= exact_max, from the m-th power of one ion's law (by FFT) above.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common._jit import njit
from hea_studio.compute.reference import _kernels

EXACT_MAX = 128
"""Ions per cube up to which the expectation is the exact convolution."""


@njit(cache=True, nogil=True)
def _convolve_tables(a, s, w, n_pairs, exact_max, min_atoms, amax, smax):
    """Exact per-element terms for m = 0..exact_max ions.

    ``a[i, t]``, ``s[i, t]``, ``w[i, t]`` (t < n_pairs[i]): atoms of element i, entropy atoms and
    probability of one ion's pair t. Returns ``terms`` (exact_max+1, K) with
    E[-(k_i/n) ln(k_i/n) ; n >= min_atoms], ``pass_prob`` (exact_max+1,) with P(n >= min_atoms), and
    ``pmf`` (exact_max+1, K, exact_max*amax+1) the law of k_i given n >= min_atoms.
    """
    K = a.shape[0]
    kdim = exact_max * amax + 1
    ndim = exact_max * smax + 1
    terms = np.zeros((exact_max + 1, K))
    pass_prob = np.zeros(exact_max + 1)
    pmf = np.zeros((exact_max + 1, K, kdim))
    for i in range(K):
        cur = np.zeros((kdim, ndim))
        nxt = np.zeros((kdim, ndim))
        cur[0, 0] = 1.0
        kmax_i = 0
        for t in range(n_pairs[i]):
            if a[i, t] > kmax_i:
                kmax_i = a[i, t]
        for m in range(1, exact_max + 1):
            ktop = (m - 1) * kmax_i
            ntop = (m - 1) * smax
            for k in range(ktop + kmax_i + 1):
                for n in range(ntop + smax + 1):
                    nxt[k, n] = 0.0
            for k in range(ktop + 1):
                for n in range(ntop + 1):
                    v = cur[k, n]
                    if v == 0.0:
                        continue
                    for t in range(n_pairs[i]):
                        nxt[k + a[i, t], n + s[i, t]] += v * w[i, t]
            cur, nxt = nxt, cur
            total = 0.0
            passed = 0.0
            for n in range(min_atoms, m * smax + 1):
                if n == 0:
                    continue
                inv = 1.0 / n
                logn = np.log(n)
                for k in range(m * kmax_i + 1):
                    v = cur[k, n]
                    if v == 0.0:
                        continue
                    passed += v
                    pmf[m, i, k] += v
                    if k > 0:
                        total -= v * k * inv * (np.log(k) - logn)
            terms[m, i] = total
            if i == 0:
                pass_prob[m] = passed
    for m in range(exact_max + 1):
        if pass_prob[m] > 0:
            for i in range(K):
                for k in range(kdim):
                    pmf[m, i, k] /= pass_prob[m]
    return terms, pass_prob, pmf


class IonNullTable:
    """E[S_hat] of a cube holding m ions drawn from the bulk ion composition (units of R).

    Parameters
    ----------
    types
        (T, K) whole atoms of each entropy element per ion type; every row holds at least one.
    ion_counts
        (T,) ions of each type in the analysed volume (the bulk ion composition).
    min_atoms
        Cubes with fewer entropy atoms are dropped; the expectation is conditioned on the same cut.
    exact_max
        Ions per cube up to which the expectation is computed exactly (see module docstring).
    """

    def __init__(self, types, ion_counts, min_atoms: int = 1, exact_max: int = EXACT_MAX) -> None:
        A = np.asarray(types, dtype=np.int64)
        q = np.asarray(ion_counts, dtype=np.float64)
        if A.ndim != 2 or q.shape != (A.shape[0],):
            raise ValueError("types must be (T, K) and ion_counts (T,)")
        if np.any(A.sum(axis=1) <= 0):
            raise ValueError("every ion type must hold an entropy atom")
        keep = q > 0
        A, q = A[keep], q[keep] / q[keep].sum()
        self.types = A
        self.q = q
        self.K = A.shape[1]
        self.min_atoms = int(min_atoms)
        self.exact_max = int(exact_max)
        sizes = A.sum(axis=1)
        self._amax = int(A.max()) if A.size else 1
        self._smax = int(sizes.max()) if sizes.size else 1
        # Per element: distinct (atoms of i, entropy atoms) pairs of one ion and their probabilities.
        pairs = []
        for i in range(self.K):
            merged: dict[tuple[int, int], float] = {}
            for j in range(A.shape[0]):
                key = (int(A[j, i]), int(sizes[j]))
                merged[key] = merged.get(key, 0.0) + float(q[j])
            pairs.append(merged)
        P = max(len(p) for p in pairs)
        a = np.zeros((self.K, P), dtype=np.int64)
        s = np.zeros((self.K, P), dtype=np.int64)
        w = np.zeros((self.K, P))
        n_pairs = np.zeros(self.K, dtype=np.int64)
        for i, merged in enumerate(pairs):
            for t, ((ai, si), wi) in enumerate(sorted(merged.items())):
                a[i, t], s[i, t], w[i, t] = ai, si, wi
            n_pairs[i] = len(merged)
        terms, self._pass, self._pmf = _convolve_tables(
            a, s, w, n_pairs, self.exact_max, self.min_atoms, self._amax, self._smax
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            self._exact = np.where(self._pass > 0, terms.sum(axis=1) / self._pass, np.nan)
        # One ion's law of k_i (for the FFT powers above exact_max).
        self._one_ion = np.zeros((self.K, self._amax + 1))
        for i in range(self.K):
            np.add.at(self._one_ion[i], A[:, i], q)
        self.S_bulk, self.c1 = self._first_order()
        self.c2, self.c3 = self._fit_tail()

    # ---- the expectation -----------------------------------------------------------------------
    def _first_order(self) -> tuple[float, float]:
        """Entropy of the mean atom vector and c1 = tr(H Sigma) / 2 (delta method)."""
        A = self.types.astype(np.float64)
        u = self.q @ A  # mean entropy atoms per ion, per element
        live = u > 0
        A, u = A[:, live], u[live]
        U = u.sum()
        x = u / U
        S = float(-np.sum(x * np.log(x)))
        d = A - u
        sigma = (d * self.q[:, None]).T @ d
        g = np.log(x) + S
        H = (g[:, None] + g[None, :] + 1.0) / U**2 - np.diag(1.0 / (U * u))
        return S, 0.5 * float(np.sum(H * sigma))

    def _fit_tail(self) -> tuple[float, float]:
        """c2, c3 of the 1/m series, least squares on the exact values of the upper half."""
        ms = np.arange(max(self.exact_max // 2, self.min_atoms + 1), self.exact_max + 1)
        if ms.size < 4:
            return 0.0, 0.0
        r = self._exact[ms] - self.S_bulk - self.c1 / ms
        X = np.column_stack([ms**-2.0, ms**-3.0])
        (c2, c3), *_ = np.linalg.lstsq(X, r, rcond=None)
        return float(c2), float(c3)

    def series(self, ms) -> np.ndarray:
        """The 1/m series used above ``exact_max`` (public so tests can check it)."""
        m = np.asarray(ms, dtype=np.float64)
        return self.S_bulk + self.c1 / m + self.c2 / m**2 + self.c3 / m**3

    def __call__(self, ms) -> np.ndarray:
        """E[S_hat] (units of R) for cubes holding each ion count in ``ms``."""
        ms = np.asarray(ms, dtype=np.int64)
        out = np.empty(ms.shape)
        small = ms <= self.exact_max
        out[small] = self._exact[ms[small]]
        out[~small] = self.series(ms[~small])
        return out

    def mean_over_groups(self, uniq: np.ndarray, counts: np.ndarray) -> float:
        """Mean of E[S_hat](m) over cubes given as distinct ion counts ``uniq`` held by ``counts`` cubes."""
        return float(np.dot(self(uniq), counts) / np.sum(counts))

    # ---- the frequency test ---------------------------------------------------------------------
    def count_pmf(self, element: int, m: int) -> np.ndarray:
        """Law of the atoms of ``element`` in a cube of ``m`` ions (index: count)."""
        if m <= self.exact_max:
            return self._pmf[m, element, : m * self._amax + 1]
        one = self._one_ion[element]
        length = m * self._amax + 1
        size = 1 << int(np.ceil(np.log2(length)))
        spectrum = np.fft.rfft(one, size) ** m
        pmf = np.fft.irfft(spectrum, size)[:length]
        return np.clip(pmf, 0.0, None)

    def expected_hist(self, element: int, uniq: np.ndarray, weights: np.ndarray, length: int) -> np.ndarray:
        """Expected histogram of ``element``'s count per cube: sum over cubes of :meth:`count_pmf`."""
        hist = np.zeros(length)
        uniq = np.asarray(uniq, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float64)
        large = uniq > self.exact_max
        one = self._one_ion[element]
        if np.any(large):
            if one[2:].sum() == 0:
                # At most one atom of the element per ion: its count is Binomial(m, P(ion holds one)).
                hist += _kernels.binomial_mixture_hist(
                    np.ascontiguousarray(uniq[large]),
                    np.ascontiguousarray(weights[large]),
                    float(one[1]),
                    length,
                )
            else:
                hist += self._fft_mixture(element, uniq[large], weights[large], length)
            uniq, weights = uniq[~large], weights[~large]
        for m, wgt in zip(uniq.tolist(), weights.tolist()):
            pmf = self.count_pmf(element, int(m))[:length]
            hist[: pmf.size] += wgt * pmf
        return hist

    def _fft_mixture(self, element: int, ms: np.ndarray, weights: np.ndarray, length: int) -> np.ndarray:
        """sum_m w_m * law(k | m ions) in one inverse FFT: the generating function of one ion raised
        to each m in ascending order, each power from the previous one (no complex power per m)."""
        order = np.argsort(ms)
        ms, weights = ms[order], weights[order]
        size = 1 << int(np.ceil(np.log2(int(ms[-1]) * self._amax + 1)))
        phi = np.fft.rfft(self._one_ion[element], size)
        total = np.zeros_like(phi)
        power = np.ones_like(phi)
        done = 0
        for m, w in zip(ms.tolist(), weights.tolist()):
            step = int(m) - done
            base = phi.copy()
            while step:  # power *= phi ** step, by squaring
                if step & 1:
                    power *= base
                step >>= 1
                if step:
                    base *= base
            done = int(m)
            total += w * power
        hist = np.fft.irfft(total, size)[:length]
        out = np.zeros(length)
        out[: hist.size] = np.clip(hist, 0.0, None)
        return out
