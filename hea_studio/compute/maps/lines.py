"""X-ray lines, detector resolution and the three-window integration of science.md 9.

Line energies and relative intensities come from xraydb (a maintained compilation: Elam, Ravel and
Sieber's tables), never from numbers typed in here. A line family ``Ka`` is the intensity-weighted
mean of its members (Ka1, Ka2, ...); ``Fe_Ka`` is HyperSpy's spelling, used on the command line.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError

# Detector resolution grows as sqrt(E): FWHM(E)^2 = FWHM(Mn Ka)^2 + 8 ln2 * eps * F * (E - E(Mn Ka)),
# with eps = 3.85 eV per electron-hole pair in Si and Fano factor F = 0.115 (the 2.45 below, eV).
MN_KA_KEV = 5.8987
FANO_TERM_EV = 2.45
DEFAULT_FWHM_MN_EV = 130.0
SIGNAL_HALF_WIDTH = 1.2  # signal window: line +- 1.2 FWHM (science.md 9)
BACKGROUND_GAP = 1.0  # side windows start 1 FWHM outside the signal window ...
BACKGROUND_WIDTH = 1.0  # ... and are 1 FWHM wide
MIN_USEFUL_KEV = 0.1  # below this the detector's noise peak sits
KA_LIMIT_KEV = 20.0  # K alpha below ~20 keV, else L alpha (science.md 9)

_LINE = re.compile(r"^([A-Z][a-z]?)_([KLM][a-z])$")
_FAMILIES = {"Ka": ("Ka",), "Kb": ("Kb",), "La": ("La",), "Lb": ("Lb",), "Ma": ("Ma",), "Mb": ("Mb",)}


@functools.lru_cache(maxsize=256)
def _xraydb_lines(element: str) -> dict[str, tuple[float, float]]:
    import xraydb  # imported lazily: it opens its SQLite database on first use (~1 s)

    try:
        lines = xraydb.xray_lines(element)
    except Exception as exc:  # xraydb raises ValueError / KeyError for unknown symbols
        raise InputError(f"unknown element {element!r}") from exc
    return {name: (float(v.energy) / 1000.0, float(v.intensity)) for name, v in lines.items()}


def family_lines(element: str, family: str) -> list[tuple[float, float]]:
    """(energy keV, relative intensity) of every member of ``family`` (``"Ka"``, ``"Kb"``, ``"La"``...)."""
    prefix = _FAMILIES.get(family)
    if prefix is None:
        raise InputError(f"unknown X-ray line family {family!r} (use Ka, Kb, La, Lb, Ma)")
    return [(e, w) for name, (e, w) in _xraydb_lines(element).items() if name.startswith(prefix[0]) and w > 0]


def line_energy(element: str, family: str) -> float:
    """Intensity-weighted energy (keV) of ``element``'s ``family`` line."""
    members = family_lines(element, family)
    if not members:
        raise InputError(f"{element} has no {family} line in the table (xraydb)")
    e = np.array([m[0] for m in members])
    w = np.array([m[1] for m in members])
    return float((e * w).sum() / w.sum())


def parse_line(text: str) -> tuple[str, str]:
    """``"Fe_Ka"`` to ``("Fe", "Ka")`` (InputError otherwise)."""
    m = _LINE.match(text.strip())
    if not m:
        raise InputError(f"X-ray line {text!r} is not of the form Element_Family, e.g. Fe_Ka or Pd_La")
    return m.group(1), m.group(2)


def default_line(element: str, e_max_kev: float) -> str:
    """K alpha below ~20 keV (and inside the energy axis), else L alpha, else M alpha."""
    for family in ("Ka", "La", "Ma"):
        try:
            e = line_energy(element, family)
        except InputError:
            continue
        limit = min(KA_LIMIT_KEV, e_max_kev) if family == "Ka" else e_max_kev
        if MIN_USEFUL_KEV < e <= limit:
            return f"{element}_{family}"
    raise InputError(
        f"{element} has no K, L or M alpha line inside the energy axis (up to {e_max_kev:.1f} keV)"
    )


def fwhm_kev(energy_kev: float, fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV) -> float:
    """Detector FWHM (keV) at ``energy_kev`` from its FWHM at Mn K alpha (eV)."""
    sq = fwhm_mn_ev**2 + FANO_TERM_EV * (energy_kev - MN_KA_KEV) * 1000.0
    return math.sqrt(max(sq, 1.0)) / 1000.0


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
