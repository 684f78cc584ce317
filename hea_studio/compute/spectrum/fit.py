"""How a range file meets the mass spectrum: the fit check and suggested ranges.

Fit check
---------
A range holds a peak when its ions exceed the background under it by ``RANGE_SIGMA`` standard
deviations; large peaks no range covers, ranges with no peak and a low ranged fraction are warned
about, naming the files.

Suggested ranges
----------------
The isotope patterns of the ions asked for (elements or formulas, at each charge) are matched against
the peaks found; every peak a pattern explains gets a range over its full width at
``SUGGEST_WIDTH_FRACTION`` of its maximum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hea_studio.compute.spectrum.mass import MassSpectrum, Peak, background, find_peaks
from hea_studio.core.errors import InputError
from hea_studio.core.isotopes import ion_peaks, parse_formula
from hea_studio.core.ranges import RGB, Range, RangeTable

# A range holds a peak when its ions exceed the background by this many standard deviations.
RANGE_SIGMA = 5.0
# An unranged peak holding at least this share of all ions is worth a warning.
LARGE_PEAK_SHARE = 0.005
# Suggested ranges end where their peak falls to this fraction of its maximum: at 0.5 % the thermal
# tail of a laser-pulsed peak loses well under 1 % of its ions (1 % loses about 1.5 %).
SUGGEST_WIDTH_FRACTION = 0.005
# A ranged fraction below this is far below the usual and worth a warning.
LOW_RANGED_FRACTION = 0.5


# ---------------------------------------------------------------------------------------------
# Fit check: does a range file belong to this spectrum?
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FitCheck:
    """What the fit check found.

    Parameters
    ----------
    ranged_fraction
        Share of all ions inside some range.
    empty_ranges
        Ranges that hold no peak.
    unranged_peaks
        Large peaks no range covers.
    warnings
        One clear sentence per problem, naming the files.
    isotope_mismatches
        Ranges whose ion's isotope ratios the spectrum contradicts
        (:class:`~hea_studio.compute.spectrum.isotope_check.IsotopeMismatch`).
    """

    ranged_fraction: float
    empty_ranges: list[Range] = field(default_factory=list)
    unranged_peaks: list[Peak] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    isotope_mismatches: list = field(default_factory=list)

    def to_json(self) -> dict:
        """Plain JSON types."""
        return {
            "ranged_fraction": round(self.ranged_fraction, 6),
            "empty_ranges": [{"ion": r.ion, "lo_da": r.lo, "hi_da": r.hi} for r in self.empty_ranges],
            "unranged_peaks": [p.to_json() for p in self.unranged_peaks],
            "warnings": list(self.warnings),
            "isotope_mismatches": [m.to_json() for m in self.isotope_mismatches],
        }


def range_holds_peak(spectrum: MassSpectrum, r: Range, peaks: Sequence[Peak], bg: np.ndarray) -> bool:
    """True if a peak's maximum lies in ``r`` or the range holds a significant excess over the background."""
    if any(r.lo <= p.mn < r.hi for p in peaks):
        return True
    sl = spectrum.bins_between(r.lo, r.hi)
    inside = float(spectrum.counts[sl].sum())
    expected = float(bg[sl].sum())
    return inside - expected > max(RANGE_SIGMA * math.sqrt(expected + 1.0), 10.0)


def _fmt_range(r: Range) -> str:
    return f"{r.ion} {r.lo:.2f}-{r.hi:.2f} Da"


def fit_check(
    spectrum: MassSpectrum,
    table: RangeTable,
    ion_name: str = "the ion file",
    range_name: str = "the range file",
    ranged_fraction: float | None = None,
    peaks: Sequence[Peak] | None = None,
) -> FitCheck:
    """Check a range table against a spectrum.

    Parameters
    ----------
    spectrum
        The spectrum of the ions the table is applied to.
    table
        The ranges.
    ion_name, range_name
        File names used in the warnings.
    ranged_fraction
        The exact share of ranged ions if known (else estimated from the bins).
    peaks
        :func:`find_peaks` of the spectrum if already computed.
    """
    if peaks is None:
        peaks = find_peaks(spectrum)
    bg = background(spectrum)
    total = max(spectrum.n_ions, 1)
    if ranged_fraction is None:
        inside = np.zeros(spectrum.n_bins, dtype=bool)
        for r in table.ranges:
            inside[spectrum.bins_between(r.lo, r.hi)] = True
        ranged_fraction = float(spectrum.counts[inside].sum()) / total
    empty = [r for r in table.ranges if not range_holds_peak(spectrum, r, peaks, bg)]
    unranged = [
        p
        for p in peaks
        if p.net >= LARGE_PEAK_SHARE * total and not any(r.lo <= p.mn < r.hi for r in table.ranges)
    ]
    warnings = []
    if empty:
        shown = ", ".join(_fmt_range(r) for r in empty[:4]) + (", ..." if len(empty) > 4 else "")
        wrong_file = len(empty) >= 0.5 * len(table.ranges) or ranged_fraction < LOW_RANGED_FRACTION
        doubt = "; does this range file belong to this run?" if wrong_file else ""
        warnings.append(
            f"{range_name}: {len(empty)} of {len(table.ranges)} ranges sit where the spectrum of "
            f"{ion_name} has no peak ({shown}){doubt}"
        )
    if unranged:
        shown = ", ".join(f"{p.mn:.2f} Da ({100 * p.net / total:.1f} % of ions)" for p in unranged[:4])
        warnings.append(
            f"{ion_name}: {len(unranged)} large peak(s) lie outside every range of {range_name}: {shown}"
        )
    if ranged_fraction < LOW_RANGED_FRACTION:
        warnings.append(
            f"{range_name} ranges only {100 * ranged_fraction:.1f} % of the ions of {ion_name} "
            f"(usually well over {100 * LOW_RANGED_FRACTION:.0f} %)"
        )
    from hea_studio.compute.spectrum.isotope_check import isotope_mismatches

    # Ranges with a peak whose isotope partners are missing or wrong (an empty range is said above).
    mismatches = isotope_mismatches(spectrum, [r for r in table.ranges if r not in empty], bg)
    warnings.extend(m.sentence(range_name) for m in mismatches)
    return FitCheck(float(ranged_fraction), empty, unranged, warnings, mismatches)


# ---------------------------------------------------------------------------------------------
# Suggested ranges
# ---------------------------------------------------------------------------------------------
# Distinct colours for suggested species without a known one (tab10-like hues).
PALETTE: tuple[RGB, ...] = (
    (0.12, 0.47, 0.71),
    (1.0, 0.5, 0.05),
    (0.17, 0.63, 0.17),
    (0.84, 0.15, 0.16),
    (0.58, 0.4, 0.74),
    (0.55, 0.34, 0.29),
    (0.89, 0.47, 0.76),
    (0.5, 0.5, 0.5),
    (0.74, 0.74, 0.13),
    (0.09, 0.75, 0.81),
)


def match_tolerance(mn: float, bin_width: float) -> float:
    """How far (Da) a peak may sit from an expected isotope line and still be that line."""
    # Uncalibrated spectra are often off by a few hundredths of a Da (0.05 Da at 14 Da in the Si run
    # used by the tests), and 3+ lines lie 0.33 Da apart: 0.06 Da is tolerant yet unambiguous.
    return max(3.0 * bin_width, 0.06, 2.0e-3 * mn)


@dataclass(frozen=True)
class _Pattern:
    ion: str
    charge: int
    scale: float  # ions of this ion and charge, estimated from its peaks
    lines: tuple[tuple[int, float], ...]  # (peak index, expected share) of the matched lines


def _pattern(ion: str, charge: int, peaks: Sequence[Peak], centres: np.ndarray, bin_width: float):
    """Match one ion's isotope pattern at one charge against the peaks, or ``None``."""
    lines = ion_peaks(ion, (charge,), min_abundance=1e-3)
    if not lines or not len(peaks):
        return None
    matched: list[tuple[int, float]] = []
    missing_share = 0.0
    for line in lines:
        j = int(np.argmin(np.abs(centres - line.mn)))
        if abs(centres[j] - line.mn) <= match_tolerance(line.mn, bin_width):
            matched.append((j, line.abundance))
        else:
            missing_share += line.abundance
    main = max(lines, key=lambda p: p.abundance)
    jm = int(np.argmin(np.abs(centres - main.mn)))
    if abs(centres[jm] - main.mn) > match_tolerance(main.mn, bin_width):
        return None
    # The scale from the least-shared line is the safest: a line coinciding with another ion's
    # peak can only make its own estimate too large.
    scale = min(peaks[j].net / a for j, a in matched if a >= 0.05 * main.abundance)
    # Lines the pattern expects to be clearly visible must be there.
    for line in lines:
        expected = scale * line.abundance
        if expected < 50.0 or line.abundance < 0.02:
            continue
        j = int(np.argmin(np.abs(centres - line.mn)))
        if abs(centres[j] - line.mn) > match_tolerance(line.mn, bin_width) or peaks[j].net < 0.2 * expected:
            return None
    if missing_share * scale > 200.0 and missing_share > 0.1:
        return None
    return _Pattern(ion, charge, float(scale), tuple(matched))


# The least share of a peak's ions an ion's pattern must explain for that ion to claim the peak.
CLAIM_SHARE = 0.2


def suggest_ranges(
    spectrum: MassSpectrum,
    ions: Iterable[str],
    charges: Iterable[int] = (1, 2, 3),
    peaks: Sequence[Peak] | None = None,
    colours: dict[str, RGB] | None = None,
    width_fraction: float = SUGGEST_WIDTH_FRACTION,
) -> RangeTable:
    """Ranges on the peaks that match the isotope patterns of ``ions``.

    Every peak explained by an accepted (ion, charge) pattern gets a range over its extent (the
    full width at ``width_fraction`` of its maximum, see :func:`find_peaks`); a peak two patterns
    claim goes to the one expected to put more ions in it.

    Parameters
    ----------
    spectrum
        The histogram.
    ions
        Elements or molecular formulas to look for (e.g. ``["Co", "Cu", "Fe", "Ni"]``).
    charges
        Charge states to try.
    peaks
        :func:`find_peaks` of the spectrum if already computed (with ``width_fraction``).
    colours
        Colour per ion; the rest get :data:`PALETTE` colours.
    width_fraction
        Where a range ends, as a fraction of its peak's maximum.

    Raises
    ------
    InputError
        An ion that is not a formula of real elements, or no peak matching any of them.
    """
    ions = list(dict.fromkeys(ions))
    if not ions:
        raise InputError("no elements given to look for")
    for ion in ions:
        parse_formula(ion)
    if peaks is None:
        peaks = find_peaks(spectrum, width_fraction=width_fraction)
    centres = np.array([p.mn for p in peaks])
    claims: dict[int, tuple[float, str]] = {}
    for ion in ions:
        for z in charges:
            pattern = _pattern(ion, z, peaks, centres, spectrum.bin_width)
            if pattern is None:
                continue
            for j, share in pattern.lines:
                weight = pattern.scale * share
                # A line that explains only a sliver of a peak does not name it: 18O+ (0.2 % of
                # oxygen) must not claim the H2O+ peak at 18 Da.
                if weight < CLAIM_SHARE * peaks[j].net:
                    continue
                if weight > claims.get(j, (0.0, ""))[0]:
                    claims[j] = (weight, ion)
    if not claims:
        raise InputError(
            "no peak of the spectrum matches the isotope pattern of " + ", ".join(ions) + " at charge "
            + "/".join(str(z) for z in charges)
        )  # fmt: skip
    colours = dict(colours or {})
    palette = iter(PALETTE * 10)
    ranges = []
    table_colours: dict[str, RGB] = {}
    for j in sorted(claims, key=lambda j: peaks[j].lo):
        ion = claims[j][1]
        if ion not in table_colours:
            table_colours[ion] = colours.get(ion) or next(palette)
        comp = tuple((el, float(n)) for el, n in parse_formula(ion))
        ranges.append(Range(round(peaks[j].lo, 4), round(peaks[j].hi, 4), ion, comp, table_colours[ion]))
    return RangeTable(ranges=ranges, colours=table_colours)
