"""Isotope-ratio check of ranges, and the ion a peak's isotope pattern fits.

A range named after an ion claims its peaks are that ion; the natural isotopes of the ion then fix
how many ions its other lines must hold. The real Si run's range file names 57.8-61.2 Da "Cr2O":
as Cr2O2+ its main line would sit at 59.94 Da, and its 52Cr53CrO line at 60.44 Da would hold a
fifth as many ions, but that line is empty, and the range's largest peak, 57.93 Da, is no line of
Cr2O at all: the pattern is nickel's (58Ni+, 60Ni+). :func:`isotope_mismatches` finds such ranges
and names the ion that fits; :func:`pattern_fits` is the test both use. Qt-free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.isotopes import IonPeak, candidate_ions, ion_label, ion_peaks, parse_formula
from hea_studio.core.ranges import Range

# A line is judged only where the pattern puts at least this many ions (and well above the noise).
MIN_EXPECTED = 100.0
# A line holding less than this share of what the pattern expects is "missing".
MISSING_SHARE = 0.25
# Molecular ions common in atom probe spectra (residual gas, hydrides, oxides), offered as names.
MOLECULES = ("H2", "H3", "OH", "H2O", "H3O", "N2", "O2", "CO", "CO2", "NO")
# Elements met in most atom probe runs: proposed before rarer ones whose lines fall on a peak too.
COMMON_ELEMENTS = (
    "H", "B", "C", "N", "O", "Mg", "Al", "Si", "P", "S", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu",
    "Zn", "Ga", "Y", "Zr", "Nb", "Mo", "Hf", "Ta", "W",
)  # fmt: skip


PHRASE = "the isotope ratios do not fit"


def is_isotope_warning(text: str) -> bool:
    """True for a fit-check sentence written by :meth:`IsotopeMismatch.sentence` (the window lists
    those in the spectrum dock without a dialog: they concern single ranges, not the whole file)."""
    return PHRASE in text


def line_tolerance(mn: float, bin_width: float) -> float:
    """How far (Da) a peak may sit from an isotope line and still be that line (uncalibrated
    spectra are off by a few hundredths of a Da)."""
    return max(3.0 * bin_width, 0.06, 2.0e-3 * mn)


def net_counts(spectrum, bg: np.ndarray, mn: float) -> tuple[float, float]:
    """Ions above the background within the line tolerance of ``mn``, and the background there."""
    tol = line_tolerance(mn, spectrum.bin_width)
    sl = spectrum.bins_between(mn - tol, mn + tol)
    if sl.stop <= sl.start:
        return 0.0, 0.0
    expected = float(bg[sl].sum())
    return float(spectrum.counts[sl].sum()) - expected, expected


@dataclass(frozen=True)
class MissingLine:
    """An isotope line the pattern expects but the spectrum does not have."""

    mn: float
    expected: float
    found: float


def pattern_fits(
    spectrum, bg: np.ndarray, ion: str, charge: int, reference_mn: float
) -> tuple[bool, list[MissingLine]]:
    """Whether the spectrum holds the isotope pattern of ``ion`` at ``charge`` scaled to its line
    nearest ``reference_mn``; the lines it lacks.

    The scale comes from the reference line's ions; every other line expected to hold at least
    :data:`MIN_EXPECTED` ions (and five standard deviations of the background) must hold at least
    :data:`MISSING_SHARE` of them.
    """
    lines = ion_peaks(ion, (charge,), min_abundance=1e-3)
    if not lines:
        return False, []
    ref = min(lines, key=lambda p: abs(p.mn - reference_mn))
    if abs(ref.mn - reference_mn) > line_tolerance(ref.mn, spectrum.bin_width):
        return False, []
    n_ref, _ = net_counts(spectrum, bg, ref.mn)
    if n_ref <= 0:
        return False, []
    scale = n_ref / ref.abundance
    missing = []
    for line in lines:
        if line is ref or abs(line.mn - ref.mn) < 1e-6:
            continue
        expected = scale * line.abundance
        found, noise = net_counts(spectrum, bg, line.mn)
        if expected < max(MIN_EXPECTED, 5.0 * math.sqrt(noise + 1.0)):
            continue
        if found < MISSING_SHARE * expected:
            missing.append(MissingLine(line.mn, expected, found))
    return not missing, missing


def ion_fitting_peak(
    spectrum,
    bg: np.ndarray,
    mn: float,
    elements: Iterable[str] | None = None,
    molecules: Sequence[str] = MOLECULES,
) -> IonPeak | None:
    """The likeliest ion (a common element or molecule, charge 1-3) whose isotope pattern fits the
    peak at ``mn``: candidates with a line there, elements before molecules, then the most
    abundant line, then the simplest formula; ``None`` if none fits."""
    tol = line_tolerance(mn, spectrum.bin_width)
    names = list(COMMON_ELEMENTS if elements is None else elements)
    found = candidate_ions(mn, tol, names, molecules, (1, 2, 3), 0.01)
    # Elements before molecules (a molecule with one dominant line fits any lone peak).
    found.sort(key=lambda p: (p.ion in molecules, -round(p.abundance, 1), _atoms(p.ion), abs(p.mn - mn)))
    for cand in found:
        ok, _ = pattern_fits(spectrum, bg, cand.ion, cand.charge, cand.mn)
        if ok:
            return cand
    return None


def _atoms(formula: str) -> int:
    return sum(n for _el, n in parse_formula(formula))


def _formula(r: Range) -> str | None:
    """The range's ion as a formula of whole atoms, or ``None`` (a user name, fractional counts)."""
    if not r.composition or any(float(n) != int(n) or n <= 0 for _el, n in r.composition):
        return None
    formula = "".join(el + (str(int(n)) if int(n) > 1 else "") for el, n in r.composition)
    try:
        parse_formula(formula)
    except InputError:
        return None
    return formula


@dataclass(frozen=True)
class IsotopeMismatch:
    """A range whose isotope pattern does not fit the spectrum.

    Parameters
    ----------
    range
        The range.
    peak_mn
        Its largest peak (Da).
    missing
        Lines the named ion's pattern expects, at the charge that puts a line on the range, and
        that are missing (empty when the peak is no line of the ion at any charge).
    label
        The named ion with that charge, e.g. ``"Cr2O2+"`` (``None``: no line of it in the range).
    fits
        The ion whose pattern fits the peak, e.g. ``"Ni+"``, or ``None``.
    """

    range: Range
    peak_mn: float
    missing: tuple[MissingLine, ...]
    label: str | None
    fits: str | None

    def sentence(self, range_name: str) -> str:
        """One warning sentence naming the range file."""
        r = self.range
        what = f"{r.ion} {r.lo:.2f}-{r.hi:.2f} Da"
        if self.label is not None and self.missing:
            m = max(self.missing, key=lambda x: x.expected)
            why = (
                f"as {self.label} its isotope line at {m.mn:.2f} Da should hold about {m.expected:,.0f} "
                f"ions and holds {max(m.found, 0):,.0f}"
            )
        else:
            why = f"its peak at {self.peak_mn:.2f} Da is no isotope line of {r.ion}"
        fits = f"; the peak's isotope pattern fits {self.fits}" if self.fits else ""
        return f"{range_name}: range {what}: {PHRASE} ({why}){fits}"

    def to_json(self) -> dict:
        """Plain JSON types."""
        return {
            "ion": self.range.ion,
            "lo_da": self.range.lo,
            "hi_da": self.range.hi,
            "peak_da": round(self.peak_mn, 4),
            "as": self.label,
            "fits": self.fits,
        }


def isotope_mismatches(spectrum, ranges: Sequence[Range], bg: np.ndarray) -> list[IsotopeMismatch]:
    """Ranges whose named ion's isotope pattern the spectrum contradicts.

    For each range naming an ion of real elements with at least :data:`MIN_EXPECTED` ions above the
    background at its largest peak, the ion's pattern is scaled to its strongest line inside the
    range at each charge that puts a line there; if it fits at none (:func:`pattern_fits`), the
    range is reported with the ion whose pattern fits its largest peak.
    """
    out = []
    for r in ranges:
        formula = _formula(r)
        if formula is None:
            continue
        sl = spectrum.bins_between(r.lo, r.hi)
        if sl.stop <= sl.start:
            continue
        net = spectrum.counts[sl] - bg[sl]
        k = int(np.argmax(net))
        peak = spectrum.lo + (sl.start + k + 0.5) * spectrum.bin_width
        n_peak, _ = net_counts(spectrum, bg, peak)
        if n_peak < MIN_EXPECTED:
            continue  # too few ions to judge (an empty range is the fit check's other warning)
        tried: list[tuple[str, list[MissingLine]]] = []
        fitted = False
        for z in (1, 2, 3):
            inside = [p for p in ion_peaks(formula, (z,), min_abundance=1e-3) if r.lo <= p.mn < r.hi]
            if not inside:
                continue
            main = max(inside, key=lambda p: p.abundance)
            ok, missing = pattern_fits(spectrum, bg, formula, z, main.mn)
            if ok:
                fitted = True
                break
            tried.append((ion_label(formula, z), missing))
        if fitted:
            continue
        fit = ion_fitting_peak(spectrum, bg, peak)
        if fit is not None and fit.ion == formula:
            continue
        label, missing = max(tried, key=lambda t: sum(m.expected for m in t[1])) if tried else (None, [])
        out.append(IsotopeMismatch(r, peak, tuple(missing), label, fit.label if fit is not None else None))
    return out
