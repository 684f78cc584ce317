"""The three-window integration of science.md 9: signal and background windows per X-ray line.

Line energies and the detector resolution come from :mod:`hea_studio.core.xray` (xraydb's tables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.xray import (
    DEFAULT_FWHM_MN_EV,
    MIN_USEFUL_KEV,
    default_line,
    emission_profile,
    fwhm_kev,
    line_energy,
    parse_line,
)

__all__ = [
    "DEFAULT_FWHM_MN_EV",
    "LineWindows",
    "default_line",
    "parse_line",
    "plan_windows",
    "window_fractions",
]

SIGNAL_HALF_WIDTH = 1.2  # signal window: line +- 1.2 FWHM (science.md 9)
BACKGROUND_GAP = 1.0  # side windows start 1 FWHM outside the signal window ...
BACKGROUND_WIDTH = 1.0  # ... and are 1 FWHM wide


@dataclass(frozen=True)
class LineWindows:
    """The three windows of one element's line, as channel ranges ``[start, stop)``.

    ``net = signal - coef_left * left - coef_right * right`` estimates the line's counts with a
    background linear in energy; the coefficients are 0 for a side that was dropped.
    """

    element: str
    line: str
    energy_kev: float
    fwhm_kev: float
    starts: tuple[int, int, int]  # signal, left, right
    stops: tuple[int, int, int]
    coef_left: float
    coef_right: float
    note: str | None = None

    def to_json(self, e0: float, de: float) -> dict:
        """Windows in keV for the JSON result and the plot."""

        def kev(i: int) -> list[float] | None:
            if self.stops[i] <= self.starts[i]:
                return None
            return [e0 + de * self.starts[i], e0 + de * self.stops[i]]

        return {
            "line": self.line,
            "energy_kev": self.energy_kev,
            "fwhm_kev": self.fwhm_kev,
            "signal_kev": kev(0),
            "background_left_kev": kev(1) if self.coef_left > 0 else None,
            "background_right_kev": kev(2) if self.coef_right > 0 else None,
            "note": self.note,
        }


def _channels(lo_kev: float, hi_kev: float, e0: float, de: float, n: int) -> tuple[int, int]:
    a = math.ceil((lo_kev - e0) / de - 1e-9)
    b = math.floor((hi_kev - e0) / de + 1e-9) + 1
    return max(a, 0), min(b, n)


def plan_windows(
    lines: list[str], e0: float, de: float, n_channels: int, fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV
) -> list[LineWindows]:
    """Signal and background windows of every line (science.md 9, three-window method).

    A side window that would overlap another analysed line's signal window, fall below 0.1 keV or
    leave the energy axis is dropped and the other side's level is used as a flat background.
    """
    centres = []
    for text in lines:
        el, fam = parse_line(text)
        e = line_energy(el, fam)
        centres.append((el, text, e, fwhm_kev(e, fwhm_mn_ev)))
    e_max = e0 + de * (n_channels - 1)
    out = []
    for el, text, e, fw in centres:
        if not (e0 < e < e_max):
            raise InputError(
                f"the {text} line ({e:.3f} keV) lies outside the energy axis ({e0:.2f} to {e_max:.2f} keV)"
            )
        s = _channels(e - SIGNAL_HALF_WIDTH * fw, e + SIGNAL_HALF_WIDTH * fw, e0, de, n_channels)
        off = (SIGNAL_HALF_WIDTH + BACKGROUND_GAP) * fw
        left = (e - off - BACKGROUND_WIDTH * fw, e - off)
        right = (e + off, e + off + BACKGROUND_WIDTH * fw)
        others = [
            (o - SIGNAL_HALF_WIDTH * f2, o + SIGNAL_HALF_WIDTH * f2) for el2, _, o, f2 in centres if el2 != el
        ]

        def usable(lo: float, hi: float, others=others) -> bool:
            if lo < max(MIN_USEFUL_KEV, e0) or hi > e_max:
                return False
            return not any(lo < b and a < hi for a, b in others)

        ok_l, ok_r = usable(*left), usable(*right)
        note = None
        if not ok_l and not ok_r:
            ok_l = ok_r = left[0] >= max(MIN_USEFUL_KEV, e0) and right[1] <= e_max
            note = "both background windows overlap other lines; kept anyway"
            if not (ok_l or ok_r):
                ok_l, ok_r = left[0] >= max(MIN_USEFUL_KEV, e0), right[1] <= e_max
        elif not ok_l:
            note = "left background window dropped (another line or the axis end): flat background"
        elif not ok_r:
            note = "right background window dropped (another line or the axis end): flat background"
        lch = _channels(*left, e0, de, n_channels) if ok_l else (0, 0)
        rch = _channels(*right, e0, de, n_channels) if ok_r else (0, 0)
        n_s = s[1] - s[0]
        n_l, n_r = lch[1] - lch[0], rch[1] - rch[0]
        if n_s <= 0:
            raise InputError(f"the {text} signal window holds no channels")
        if n_l > 0 and n_r > 0:
            # Linear background through the side windows' centres, evaluated at the signal window's centre.
            cl = e0 + de * (lch[0] + lch[1] - 1) / 2
            cr = e0 + de * (rch[0] + rch[1] - 1) / 2
            cs = e0 + de * (s[0] + s[1] - 1) / 2
            wl = (cr - cs) / (cr - cl)
            coef_l, coef_r = n_s * wl / n_l, n_s * (1 - wl) / n_r
        elif n_l > 0:
            coef_l, coef_r = n_s / n_l, 0.0
        elif n_r > 0:
            coef_l, coef_r = 0.0, n_s / n_r
        else:
            coef_l = coef_r = 0.0
            note = "no background window fits: gross counts used"
        out.append(
            LineWindows(el, text, e, fw, (s[0], lch[0], rch[0]), (s[1], lch[1], rch[1]), coef_l, coef_r, note)
        )
    return out


def window_fractions(
    windows: list[LineWindows], e0: float, de: float, n: int, fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV
) -> np.ndarray:
    """``F[w, j]``: share of element j's emitted X-rays falling in window w (3K x K; signal, left, right).

    Lines overlap (Co K beta sits on the edge of Ni K alpha's window, Fe K beta in its left background
    window); this matrix is what lets the net counts be corrected for it (:func:`response_matrix`).
    """
    K = len(windows)
    F = np.zeros((3 * K, K))
    for j, wj in enumerate(windows):
        _, fam = parse_line(wj.line)
        prof = emission_profile(wj.element, fam, e0, de, n, fwhm_mn_ev)
        for i, wi in enumerate(windows):
            for k in range(3):
                F[3 * i + k, j] = prof[wi.starts[k] : wi.stops[k]].sum()
    return F


def net_combination(windows: list[LineWindows]) -> np.ndarray:
    """``D`` (K x 3K) with ``net = D @ window_counts``: signal minus the scaled side windows."""
    K = len(windows)
    D = np.zeros((K, 3 * K))
    for i, w in enumerate(windows):
        D[i, 3 * i : 3 * i + 3] = (1.0, -w.coef_left, -w.coef_right)
    return D
