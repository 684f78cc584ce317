"""The mass spectrum: histogram of m/n and its peaks (the fit check and suggested ranges: :mod:`.fit`).

Histogram
---------
Uniform bins of ``bin_width`` Da from ``lo``; an ion with ``lo + i w <= m < lo + (i+1) w`` counts in
bin ``i``. A numba kernel bins one chunk of the (possibly memory-mapped, big-endian) m/n column at a
time, so 1e8 ions need no full-size temporary; it runs without the GIL, so large columns are split
over a few threads, each with its own histogram. :func:`histogram_numpy` is its plain twin.

Peaks
-----
The background under the peaks is the median count of half-Da blocks, lowered to the smallest of
each block and its two neighbours (a block crowded with 2+ and 3+ peaks has a high median), and
interpolated between blocks. A peak is a local maximum of the lightly smoothed spectrum standing
``PEAK_SIGMA`` standard deviations above that background. Its extent runs from the maximum outwards
while the smoothed count stays above ``width_fraction`` of the maximum (1 %: the full width at 1 %
of maximum) and above the background noise, and stops early in a valley where the counts rise again
(a neighbouring peak).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from hea_studio.compute.common._jit import njit
from hea_studio.core.errors import InputError
from hea_studio.core.limits import MAX_MASS_DA
from hea_studio.core.progress import TaskState, check_cancelled

# Ions per chunk of the m/n column (4 MB of float32).
CHUNK = 1 << 20
# Threads binning chunks at once (the kernel runs without the GIL).
MAX_THREADS = 4
# More bins than this is a mistake (a bin width far too small or m/n values far too large).
MAX_BINS = 20_000_000
# A peak stands this many standard deviations of the background above it.
PEAK_SIGMA = 6.0


@njit(cache=True, nogil=True)
def _histogram_kernel(values, lo, inv_width, counts):  # pragma: no cover - compiled
    """Add ``values`` into ``counts``: value ``v`` goes to bin ``floor((v - lo) * inv_width)``
    (computed in double precision); returns how many fell outside the bins."""
    n = counts.shape[0]
    outside = 0
    for k in range(values.shape[0]):
        x = (np.float64(values[k]) - lo) * inv_width
        # NaN fails both comparisons and is counted outside.
        if x >= 0.0 and x < n:
            counts[int(x)] += 1
        else:
            outside += 1
    return outside


def histogram_numpy(mass: np.ndarray, lo: float, bin_width: float, n_bins: int) -> tuple[np.ndarray, int]:
    """Plain-numpy twin of the kernel: counts per bin and the number of values outside the bins."""
    x = (np.asarray(mass, dtype=np.float64) - lo) * (1.0 / bin_width)
    inside = (x >= 0) & (x < n_bins)
    counts = np.bincount(x[inside].astype(np.int64), minlength=n_bins)[:n_bins]
    return counts.astype(np.int64), int(x.shape[0] - np.count_nonzero(inside))


def _native(chunk: np.ndarray) -> np.ndarray:
    """A chunk numba can read: native-endian float32 or float64."""
    if chunk.dtype.kind == "f" and chunk.dtype.itemsize in (4, 8) and chunk.dtype.isnative:
        return chunk
    return np.asarray(chunk, dtype=np.float32 if chunk.dtype.itemsize <= 4 else np.float64)


def max_mass(mass: np.ndarray) -> float:
    """Largest finite m/n (0 if there is none), one chunk at a time."""
    top = -math.inf
    for start in range(0, mass.shape[0], CHUNK):
        m = _native(mass[start : start + CHUNK])
        if m.size == 0:
            continue
        best = float(np.max(m))  # fast, but NaN or inf anywhere spoils it
        if not math.isfinite(best):
            finite = m[np.isfinite(m)]
            best = float(finite.max()) if finite.size else -math.inf
        top = max(top, best)
    return top if math.isfinite(top) else 0.0


@dataclass(frozen=True, eq=False)
class MassSpectrum:
    """Counts of ions per m/n bin.

    Parameters
    ----------
    lo
        Lower edge of the first bin (Da).
    bin_width
        Width of every bin (Da).
    counts
        (n_bins,) int64 ions per bin.
    n_ions
        Ions binned or not (the file's ion count).
    n_outside
        Ions below ``lo``, at or above the last edge, or with a non-finite m/n.
    """

    lo: float
    bin_width: float
    counts: np.ndarray
    n_ions: int
    n_outside: int = 0

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return int(self.counts.shape[0])

    @property
    def hi(self) -> float:
        """Upper edge of the last bin (Da)."""
        return self.lo + self.n_bins * self.bin_width

    @property
    def edges(self) -> np.ndarray:
        """(n_bins + 1,) bin edges in Da."""
        return self.lo + np.arange(self.n_bins + 1) * self.bin_width

    @property
    def centres(self) -> np.ndarray:
        """(n_bins,) bin centres in Da."""
        return self.lo + (np.arange(self.n_bins) + 0.5) * self.bin_width

    def bin_of(self, mn: float) -> int:
        """Bin holding ``mn``, clipped to the spectrum."""
        return int(min(max(math.floor((mn - self.lo) / self.bin_width), 0), self.n_bins - 1))

    def bins_between(self, lo: float, hi: float) -> slice:
        """Bins whose centre lies in ``[lo, hi)``."""
        a = math.ceil((lo - self.lo) / self.bin_width - 0.5)
        b = math.ceil((hi - self.lo) / self.bin_width - 0.5)
        return slice(min(max(a, 0), self.n_bins), min(max(b, 0), self.n_bins))

    def counts_between(self, lo: float, hi: float) -> int:
        """Ions in the bins whose centre lies in ``[lo, hi)``."""
        return int(self.counts[self.bins_between(lo, hi)].sum())

    def to_json(self) -> dict:
        """Bins as plain JSON types."""
        return {
            "lo_da": self.lo,
            "bin_width_da": self.bin_width,
            "n_bins": self.n_bins,
            "n_ions": self.n_ions,
            "n_outside": self.n_outside,
            "counts": self.counts.tolist(),
        }


def mass_spectrum(
    mass: np.ndarray,
    bin_width: float = 0.01,
    lo: float = 0.0,
    hi: float | None = None,
    task: TaskState | None = None,
) -> MassSpectrum:
    """Histogram the m/n column.

    Parameters
    ----------
    mass
        (N,) m/n in Da, any float dtype or byte order (a memory-mapped column is read in chunks).
    bin_width
        Bin width in Da.
    lo, hi
        Span binned; ``hi`` defaults to just above the largest finite m/n.
    task
        Progress and cancellation (checked between chunks).
    """
    if not (bin_width > 0 and math.isfinite(bin_width)):
        raise InputError(f"bin width must be a positive number of Da, got {bin_width}")
    for what, value in (("lowest m/n", lo), ("highest m/n", hi)):
        if value is not None and not (math.isfinite(value) and abs(value) <= MAX_MASS_DA):
            raise InputError(f"{what} {value:g} Da is outside +-{MAX_MASS_DA:g} Da: no ion is heavier")
    m = np.asarray(mass)
    if m.ndim != 1:
        raise InputError(f"m/n must be a 1-D array, got shape {m.shape}")
    if hi is None:
        hi = max(max_mass(m), lo) + bin_width
    if not hi > lo:
        raise InputError(f"spectrum span {lo:g}..{hi:g} Da is empty")
    n_bins = math.ceil((hi - lo) / bin_width - 1e-9)
    if n_bins > MAX_BINS:
        raise InputError(
            f"{n_bins:,} bins of {bin_width:g} Da up to {hi:g} Da are too many: use a wider bin "
            f"or a smaller m/n span"
        )
    n = m.shape[0]
    inv = 1.0 / bin_width
    # The kernel releases the GIL: a batch of chunks runs on several threads, each thread adding
    # into its own histogram (no shared counters), summed at the end.
    threads = max(1, min(MAX_THREADS, os.cpu_count() or 1, math.ceil(n / (4 * CHUNK))))
    rows = np.zeros((threads, n_bins), dtype=np.int64)
    outside = 0
    if threads == 1:
        for start in range(0, n, CHUNK):
            check_cancelled(task)
            outside += int(_histogram_kernel(_native(m[start : start + CHUNK]), float(lo), inv, rows[0]))
            if task is not None:
                task.report(min(start + CHUNK, n) / max(n, 1), "mass spectrum")
        return MassSpectrum(float(lo), float(bin_width), rows[0], int(n), outside)
    step = 4 * CHUNK  # per thread and batch: long enough that handing out work costs nothing
    starts = list(range(0, n, step))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hea-spectrum") as pool:
        for b in range(0, len(starts), threads):
            check_cancelled(task)
            batch = starts[b : b + threads]
            jobs = [
                pool.submit(_histogram_kernel, _native(m[s : s + step]), float(lo), inv, rows[t])
                for t, s in enumerate(batch)
            ]
            outside += sum(int(j.result()) for j in jobs)
            if task is not None:
                task.report(min(batch[-1] + step, n) / max(n, 1), "mass spectrum")
    counts = rows.sum(axis=0) if threads > 1 else rows[0]
    return MassSpectrum(float(lo), float(bin_width), counts, int(n), outside)


# ---------------------------------------------------------------------------------------------
# Background and peaks
# ---------------------------------------------------------------------------------------------
def smoothed(spectrum: MassSpectrum) -> np.ndarray:
    """Counts smoothed over about 0.03 Da (a boxcar), which keeps peaks and calms the noise."""
    k = max(1, round(0.03 / spectrum.bin_width)) | 1
    c = spectrum.counts.astype(np.float64)
    if k == 1:
        return c
    return np.convolve(c, np.ones(k) / k, mode="same")


def background(spectrum: MassSpectrum, block_da: float = 0.5) -> np.ndarray:
    """Expected counts per bin without peaks (see the module docstring)."""
    c = spectrum.counts.astype(np.float64)
    n = c.shape[0]
    block = max(1, round(block_da / spectrum.bin_width))
    n_blocks = max(1, math.ceil(n / block))
    padded = np.full(n_blocks * block, np.nan)
    padded[:n] = c
    blocks = padded.reshape(n_blocks, block)
    med = np.nanmedian(blocks, axis=1)
    # The mean of the bins near the median: at one or two counts per bin the median of Poisson
    # counts lies well below their mean, while peak bins must not raise it.
    keep = blocks <= (med + 3.0 * np.sqrt(med + 1.0))[:, None]
    level = np.nansum(np.where(keep, blocks, 0.0), axis=1) / np.maximum(keep.sum(axis=1), 1)
    low = level.copy()
    if n_blocks > 1:
        low[1:] = np.minimum(low[1:], level[:-1])
        low[:-1] = np.minimum(low[:-1], level[1:])
    centres = (np.arange(n_blocks) + 0.5) * block
    return np.interp(np.arange(n) + 0.5, centres, low)


@dataclass(frozen=True)
class Peak:
    """A peak of the spectrum.

    Parameters
    ----------
    mn
        Position of its maximum (Da), refined by the centroid of the bins above half maximum.
    height
        Smoothed counts at the maximum.
    lo, hi
        Its extent (Da): where it falls to the width fraction of its maximum, the background
        noise or a valley.
    counts
        Ions in the extent.
    net
        Ions in the extent above the background.
    """

    mn: float
    height: float
    lo: float
    hi: float
    counts: int
    net: float

    def to_json(self) -> dict:
        """Plain JSON types."""
        return {
            "mn_da": round(self.mn, 4),
            "height": round(self.height, 2),
            "lo_da": round(self.lo, 4),
            "hi_da": round(self.hi, 4),
            "counts": self.counts,
            "net": round(self.net, 1),
        }


def find_peaks(
    spectrum: MassSpectrum,
    width_fraction: float = 0.01,
    min_net: float = 10.0,
    sigma: float = PEAK_SIGMA,
) -> list[Peak]:
    """Peaks of the spectrum, sorted by m/n.

    Parameters
    ----------
    spectrum
        The histogram.
    width_fraction
        A peak's extent ends where it falls below this fraction of its maximum.
    min_net
        Peaks with fewer ions above the background are ignored.
    sigma
        Significance above the background a maximum needs.
    """
    if spectrum.n_bins == 0:
        return []
    s = smoothed(spectrum)
    bg = background(spectrum)
    c = spectrum.counts
    k = max(1, round(0.03 / spectrum.bin_width)) | 1
    noise = np.sqrt(np.maximum(bg, 1.0) / k)
    threshold = bg + sigma * noise + 1.0 / k
    r = max(1, round(0.05 / spectrum.bin_width))
    # Local maxima over +-r bins above the threshold, highest first.
    above = np.flatnonzero(s > threshold)
    if above.size == 0:
        return []
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.pad(s, r, constant_values=-1.0)
    local_max = sliding_window_view(padded, 2 * r + 1).max(axis=1)
    cands = above[s[above] >= local_max[above]]
    cands = cands[np.argsort(-s[cands], kind="stable")]
    taken = np.zeros(spectrum.n_bins, dtype=bool)
    found: list[tuple[int, int, int]] = []
    for i in cands:
        if taken[i]:
            continue
        h = s[i]
        floor_level = max(width_fraction * h, 0.0)
        a = i
        while a > 0 and not taken[a - 1]:
            nxt = s[a - 1]
            if nxt <= floor_level or nxt <= bg[a - 1] + 2.0 * noise[a - 1]:
                break
            if nxt > s[a] + 3.0 * math.sqrt(s[a] / k + 1.0):
                break  # a valley: the counts rise towards another peak
            a -= 1
        b = i
        while b < spectrum.n_bins - 1 and not taken[b + 1]:
            nxt = s[b + 1]
            if nxt <= floor_level or nxt <= bg[b + 1] + 2.0 * noise[b + 1]:
                break
            if nxt > s[b] + 3.0 * math.sqrt(s[b] / k + 1.0):
                break
            b += 1
        taken[a : b + 1] = True
        found.append((a, i, b))
    peaks = []
    w = spectrum.bin_width
    for a, i, b in found:
        total = int(c[a : b + 1].sum())
        net = float(total - bg[a : b + 1].sum())
        if net < min_net:
            continue
        half = s[a : b + 1] >= 0.5 * s[i]
        idx = np.arange(a, b + 1)[half]
        weights = c[idx].astype(np.float64)
        centre = float(np.average(idx, weights=weights)) if weights.sum() > 0 else float(i)
        peaks.append(
            Peak(
                mn=spectrum.lo + (centre + 0.5) * w,
                height=float(s[i]),
                lo=spectrum.lo + a * w,
                hi=spectrum.lo + (b + 1) * w,
                counts=total,
                net=net,
            )
        )
    peaks.sort(key=lambda p: p.mn)
    return peaks
