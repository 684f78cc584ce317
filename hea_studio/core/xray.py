"""X-ray emission lines from a maintained table (xraydb) and the EDS detector's resolution.

Shared by the map analysis (compute) and the synthetic spectrum images (synth). A line family ``Ka`` is
the set of its members (Ka1, Ka2, ...); ``Fe_Ka`` is HyperSpy's spelling, used on the command line.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np

from hea_studio.core.errors import InputError

# Detector resolution grows as sqrt(E): FWHM(E)^2 = FWHM(Mn Ka)^2 + 8 ln2 * eps * F * (E - E(Mn Ka)),
# with eps = 3.85 eV per electron-hole pair in Si and Fano factor F = 0.115 (the 2.45 below, eV).
MN_KA_KEV = 5.8987
FANO_TERM_EV = 2.45
DEFAULT_FWHM_MN_EV = 130.0
MIN_USEFUL_KEV = 0.1  # below this the detector's noise peak sits
KA_LIMIT_KEV = 20.0  # K alpha below ~20 keV, else L alpha (science.md 9)

_LINE = re.compile(r"^([A-Z][a-z]?)_([KLM][a-z])$")
_FAMILIES = ("Ka", "Kb", "La", "Lb", "Ma", "Mb")


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
    if family not in _FAMILIES:
        raise InputError(f"unknown X-ray line family {family!r} (use Ka, Kb, La, Lb, Ma)")
    return [(e, w) for name, (e, w) in _xraydb_lines(element).items() if name.startswith(family) and w > 0]


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


def shell_lines(element: str, family: str) -> list[tuple[float, float]]:
    """The lines an atom emits along with ``family``: its alpha and beta members (e.g. Ka and Kb)."""
    return family_lines(element, family) + family_lines(
        element, family[0] + ("b" if family[1] == "a" else "a")
    )


def emission_profile(
    element: str, family: str, e0: float, de: float, n: int, fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV
) -> np.ndarray:
    """Share of one emitted X-ray of ``element``'s shell falling in each of ``n`` channels.

    The alpha and beta lines, weighted by their relative intensities, each a Gaussian of the detector's
    FWHM at its energy; channel ``c`` spans ``e0 + de * (c -+ 0.5)``. The shares sum to 1 over an
    infinite axis, so X-rays beyond the axis are lost, as in a real detector.
    """
    members = shell_lines(element, family)
    edges = e0 + de * (np.arange(n + 1) - 0.5)
    out = np.zeros(n)
    total = sum(w for _, w in members)
    for e, w in members:
        s = fwhm_kev(e, fwhm_mn_ev) / (2.0 * math.sqrt(2.0 * math.log(2.0)))
        z = (edges - e) / (s * math.sqrt(2.0))
        cdf = 0.5 * (1.0 + np.array([math.erf(v) for v in z]))
        out += (w / total) * np.diff(cdf)
    return out
