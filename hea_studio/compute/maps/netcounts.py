"""Net-count maps per element from a spectrum image (three-window method, science.md 9).

The spectrum image is read once, in bands of rows (progress and cancellation between bands), and
only the channels of the windows are touched. The result keeps what the entropy reference needs:
the net counts per pixel and element, and the mean background counts per pixel in each window.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from hea_studio.compute.maps import _kernels
from hea_studio.compute.maps.lines import (
    DEFAULT_FWHM_MN_EV,
    LineWindows,
    default_line,
    net_combination,
    parse_line,
    plan_windows,
    window_fractions,
)
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.io.eds import SpectrumImage

BAND_PIXELS = 16_384  # pixels per band: ~30 MB of uint16 spectra at 2048 channels


@dataclass(eq=False)
class NetCounts:
    """Net counts per element and pixel, with the windows they came from.

    Parameters
    ----------
    elements, lines
        Element symbols and their lines (``"Fe_Ka"``), in map order.
    net
        (K, ny, nx) float64 net counts (may be negative where the background estimate exceeds the
        window's counts).
    variance
        (K, ny, nx) Poisson variance of ``net`` (signal counts plus scaled background counts).
    gross, left, right
        (K, ny, nx) int64 counts in the signal and side windows.
    windows
        The windows of every line.
    fractions
        (3K, K) share of element j's emitted X-rays in window w (:func:`.lines.window_fractions`).
    combination
        (K, 3K) net = combination @ window counts.
    unmix
        (K, 3K) line intensities = unmix @ window counts: each line's net counts corrected for the
        overlap of every analysed element's lines with the others' windows (and its own beta line).
    intensity
        (K, ny, nx) line intensities per element and pixel (``unmix`` applied per pixel); the
        Cliff-Lorimer intensities.
    """

    elements: tuple[str, ...]
    lines: tuple[str, ...]
    net: np.ndarray
    variance: np.ndarray
    gross: np.ndarray
    left: np.ndarray
    right: np.ndarray
    windows: tuple[LineWindows, ...]
    fractions: np.ndarray
    combination: np.ndarray
    unmix: np.ndarray
    intensity: np.ndarray

    @functools.cached_property
    def window_totals(self) -> np.ndarray:
        """(3K,) counts of every window over the whole map (signal, left, right per element)."""
        return np.stack(
            [self.gross.sum(axis=(1, 2)), self.left.sum(axis=(1, 2)), self.right.sum(axis=(1, 2))], axis=1
        ).reshape(-1)

    @functools.cached_property
    def intensity_totals(self) -> np.ndarray:
        """(K,) line intensities over the whole map (negative sums clipped at 0)."""
        return np.clip(self.intensity.sum(axis=(1, 2)), 0.0, None)

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """Background coefficients (left, right) per element."""
        return (
            np.array([w.coef_left for w in self.windows]),
            np.array([w.coef_right for w in self.windows]),
        )

    def crop(self, y0: int, y1: int, x0: int, x1: int) -> NetCounts:
        """The same maps restricted to rows ``y0:y1`` and columns ``x0:x1`` (views, not copies)."""
        s = np.s_[:, y0:y1, x0:x1]
        return NetCounts(
            self.elements, self.lines, self.net[s], self.variance[s], self.gross[s], self.left[s], self.right[s],
            self.windows, self.fractions, self.combination, self.unmix, self.intensity[s],
        )  # fmt: skip


def choose_lines(
    si: SpectrumImage, elements: tuple[str, ...], lines: dict[str, str] | None = None
) -> list[str]:
    """One line per element: the user's, else the file's, else K alpha below 20 keV, else L alpha."""
    lines = dict(lines or {})
    for text in lines.values():
        parse_line(text)
    unknown = set(lines) - set(elements)
    if unknown:
        raise InputError(f"--lines names elements that are not analysed: {', '.join(sorted(unknown))}")
    from_file = {t.split("_")[0]: t for t in si.xray_lines}
    e_max = si.energy_offset_kev + si.energy_scale_kev * (si.n_channels - 1)
    return [lines.get(e) or from_file.get(e) or default_line(e, e_max) for e in elements]


def net_count_maps(
    si: SpectrumImage,
    elements: tuple[str, ...],
    lines: dict[str, str] | None = None,
    task: TaskState | None = None,
    *,
    kernel=None,
) -> NetCounts:
    """Net-count maps of ``elements`` from the spectrum image ``si``.

    Parameters
    ----------
    si
        The spectrum image.
    elements
        Elements to map (each gets one line, see :func:`choose_lines`).
    lines
        ``{"Pd": "Pd_La"}`` overrides of the line per element.
    task
        Progress and cancellation (per band of rows).
    kernel
        The window-sum implementation (default: the numba kernel; the benchmark passes the twin).
    """
    if not elements:
        raise InputError("no elements to map", si.path)
    chosen = choose_lines(si, elements, lines)
    windows = plan_windows(
        chosen,
        si.energy_offset_kev,
        si.energy_scale_kev,
        si.n_channels,
        si.fwhm_mn_ka_ev or DEFAULT_FWHM_MN_EV,
    )
    starts = np.array([w.starts[j] for w in windows for j in range(3)], dtype=np.int64)
    stops = np.array([w.stops[j] for w in windows for j in range(3)], dtype=np.int64)
    fn = kernel or _kernels.window_sums
    ny, nx = si.shape
    rows = max(1, BAND_PIXELS // nx)
    sums = np.zeros((starts.size, ny, nx), dtype=np.int64)
    data = si.data
    for y0 in range(0, ny, rows):
        check_cancelled(task)
        y1 = min(ny, y0 + rows)
        band = np.ascontiguousarray(data[y0:y1])
        sums[:, y0:y1] = fn(band, starts, stops)
        if task is not None:
            task.report(y1 / ny, "net-count maps")
    K = len(windows)
    per_line = sums.reshape(K, 3, ny, nx)
    cl = np.array([w.coef_left for w in windows])[:, None, None]
    cr = np.array([w.coef_right for w in windows])[:, None, None]
    gross, left, right = per_line[:, 0], per_line[:, 1], per_line[:, 2]
    net = gross - cl * left - cr * right
    var = gross + cl * cl * left + cr * cr * right
    fwhm = si.fwhm_mn_ka_ev or DEFAULT_FWHM_MN_EV
    F = window_fractions(windows, si.energy_offset_kev, si.energy_scale_kev, si.n_channels, fwhm)
    D = net_combination(windows)
    R = D @ F  # net counts of element i per X-ray emitted by element j
    if np.linalg.cond(R) > 1e3:
        raise InputError(
            "the lines "
            + ", ".join(chosen)
            + " overlap too much to be told apart; choose others with --lines",
            si.path,
        )
    # Intensities in the units of each line's own net counts (what Cliff-Lorimer k-factors refer
    # to): the emitted X-rays of each shell times the share its own window would net without overlap.
    unmix = np.diag(np.diag(R)) @ np.linalg.solve(R, D)
    intensity = np.einsum("kw,wyx->kyx", unmix, per_line.reshape(3 * K, ny, nx).astype(np.float64))
    return NetCounts(
        tuple(elements), tuple(chosen), net, var.astype(np.float64), gross, left, right, tuple(windows),
        F, D, unmix, intensity,
    )  # fmt: skip


def sum_spectrum(si: SpectrumImage, roi: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Counts per channel summed over the map (or the pixel rectangle ``y0, y1, x0, x1``), int64."""
    data = si.data if roi is None else si.data[roi[0] : roi[1], roi[2] : roi[3]]
    out = np.zeros(si.n_channels, dtype=np.int64)
    rows = max(1, BAND_PIXELS // max(data.shape[1], 1))
    for y0 in range(0, data.shape[0], rows):
        out += data[y0 : y0 + rows].sum(axis=(0, 1), dtype=np.int64)
    return out
