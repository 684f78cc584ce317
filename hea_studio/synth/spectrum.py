"""Mass-to-charge spectrum of a synthetic specimen: isotopes, charge states, peak shapes and ranges.

The spectrum is built from facts (natural isotope masses and abundances, from
:mod:`hea_studio.core.isotopes`) and a few instrument
habits (which charge states an element prefers in laser-pulsed atom probe, a Gaussian peak with a
thermal tail towards high m/n). The range table written next to a synthetic .pos is derived from the
same peak list, so ranging a synthetic dataset is as realistic as ranging a measured one: peaks that
coincide (e.g. 58Fe2+ and 58Ni2+, CO+ and 56Fe2+) go to the dominant species, tails and background
leak out of the ranges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.isotopes import ISOTOPES, isotopologues, parse_formula
from hea_studio.core.ranges import Range, RangeTable

# Probability of the 1+, 2+, 3+ charge states of an atomic ion in laser-pulsed APT of metals.
# Late 3d metals evaporate mostly as 2+ with some 1+ (Cu the most 1+); refractory metals need
# more field and come off as 2+/3+; light elements and impurities are mostly 1+.
CHARGE_STATES: dict[str, tuple[float, float, float]] = {
    "H": (1.0, 0.0, 0.0),
    "B": (0.7, 0.3, 0.0),
    "C": (0.6, 0.4, 0.0),
    "N": (0.8, 0.2, 0.0),
    "O": (0.95, 0.05, 0.0),
    "Mg": (0.3, 0.7, 0.0),
    "Al": (0.6, 0.38, 0.02),
    "Si": (0.2, 0.78, 0.02),
    "Ti": (0.05, 0.9, 0.05),
    "V": (0.05, 0.9, 0.05),
    "Cr": (0.1, 0.88, 0.02),
    "Mn": (0.1, 0.88, 0.02),
    "Fe": (0.08, 0.9, 0.02),
    "Co": (0.08, 0.9, 0.02),
    "Ni": (0.15, 0.84, 0.01),
    "Cu": (0.35, 0.65, 0.0),
    "Zn": (0.3, 0.7, 0.0),
    "Ga": (0.4, 0.6, 0.0),
    "Zr": (0.02, 0.6, 0.38),
    "Nb": (0.02, 0.48, 0.5),
    "Mo": (0.02, 0.6, 0.38),
    "Hf": (0.0, 0.5, 0.5),
    "Ta": (0.0, 0.5, 0.5),
    "W": (0.0, 0.4, 0.6),
}

# Molecular ions come off mostly singly charged.
MOLECULE_CHARGE_STATES = (0.85, 0.15, 0.0)

# Display colours per element (r, g, b in 0..1), chosen to tell the four CoCuFeNi metals apart.
COLOURS: dict[str, tuple[float, float, float]] = {
    "Co": (0.0, 0.4, 1.0),
    "Cu": (1.0, 0.5, 0.0),
    "Fe": (0.8, 0.0, 0.0),
    "Ni": (0.0, 0.7, 0.2),
    "Cr": (0.5, 0.0, 0.7),
    "Mn": (0.6, 0.6, 0.0),
    "Al": (0.6, 0.6, 0.6),
    "Ti": (0.3, 0.3, 0.3),
    "V": (0.7, 0.3, 0.5),
    "C": (0.2, 0.2, 0.2),
    "O": (0.0, 0.8, 0.8),
}


def charge_states(ion: str) -> tuple[float, float, float]:
    """Probabilities of the 1+, 2+ and 3+ charge states of ``ion``."""
    formula = parse_formula(ion)
    if len(formula) == 1 and formula[0][1] == 1:
        return CHARGE_STATES.get(formula[0][0], (0.5, 0.5, 0.0))
    return MOLECULE_CHARGE_STATES


@dataclass(frozen=True)
class PeakShape:
    """Shape of every peak in the spectrum.

    Parameters
    ----------
    resolving_power
        m / delta-m at full width half maximum of the Gaussian core (straight flight path
        laser instruments reach about 1000).
    tail_fraction
        Fraction of ions in the thermal tail (laser heating keeps evaporating after the pulse,
        which shows as an exponential tail on the high-mass side).
    tail_scale
        Decay length of the tail as a fraction of m/n (0.002 gives 0.06 Da at 28 Da).
    """

    resolving_power: float = 1000.0
    tail_fraction: float = 0.3
    tail_scale: float = 0.002

    def sigma(self, mn: np.ndarray | float) -> np.ndarray:
        """Gaussian standard deviation (Da) at m/n."""
        return np.asarray(mn) / (2.3548 * self.resolving_power)


def sample_mass_to_charge(ion: str, n: int, rng: np.random.Generator, shape: PeakShape) -> np.ndarray:
    """Draw the measured m/n of ``n`` ions of species ``ion``.

    Each ion gets isotopes atom by atom, a charge state, Gaussian broadening and, for a fraction
    of ions, an exponential thermal tail.
    """
    if n == 0:
        return np.zeros(0)
    mass = np.zeros(n)
    for element, count in parse_formula(ion):
        iso = np.array(ISOTOPES[element])
        p = iso[:, 1] / iso[:, 1].sum()
        picks = rng.choice(len(p), size=(n, count), p=p)
        mass += iso[picks, 0].sum(axis=1)
    charge = rng.choice(3, size=n, p=np.asarray(charge_states(ion)) / sum(charge_states(ion))) + 1
    mn = mass / charge
    mn += rng.standard_normal(n) * shape.sigma(mn)
    tail = rng.random(n) < shape.tail_fraction
    mn[tail] += rng.exponential(1.0, int(tail.sum())) * shape.tail_scale * mn[tail]
    return mn


@dataclass(frozen=True)
class Peak:
    """One expected peak: ion, charge, centre m/n (Da) and expected share of all ions."""

    ion: str
    charge: int
    mn: float
    intensity: float


def expected_peaks(ion_fractions: Mapping[str, float], min_intensity: float = 0.0) -> list[Peak]:
    """All peaks of a mixture of ion species, sorted by m/n.

    Parameters
    ----------
    ion_fractions
        Share of each ion species among all ions.
    min_intensity
        Peaks with a smaller expected share of all ions are left out.
    """
    peaks: list[Peak] = []
    for ion, fraction in ion_fractions.items():
        if fraction <= 0:
            continue
        masses, abundances = isotopologues(ion)
        for z, pz in enumerate(charge_states(ion), start=1):
            for m, a in zip(masses, abundances):
                intensity = fraction * pz * a
                if pz > 0 and intensity > min_intensity:
                    peaks.append(Peak(ion, z, float(m / z), float(intensity)))
    peaks.sort(key=lambda p: p.mn)
    return peaks


def build_range_table(
    ion_fractions: Mapping[str, float],
    shape: PeakShape,
    min_intensity: float = 2e-5,
    colours: Mapping[str, tuple[float, float, float]] | None = None,
) -> RangeTable:
    """Range table matching a synthetic spectrum, as a careful analyst would draw it.

    Peaks closer than the instrument can separate are merged and given to the species that
    dominates them; each range spans 4 sigma below the peak and 4 sigma plus three tail lengths
    above it, cut half-way where it would run into a neighbour.

    Parameters
    ----------
    ion_fractions
        Share of each ion species among all ions (decides which species owns a merged peak).
    shape
        Peak shape of the instrument.
    min_intensity
        Peaks expected to hold a smaller share of all ions are not ranged (too small to see).
    colours
        Colour per species; defaults from :data:`COLOURS`, grey otherwise.
    """
    peaks = expected_peaks(ion_fractions, min_intensity)
    if not peaks:
        raise InputError("no peaks to range: every species has zero fraction")
    # Merge peaks that overlap within 3 sigma of each other into one group.
    groups: list[list[Peak]] = [[peaks[0]]]
    for p in peaks[1:]:
        last = groups[-1][-1]
        if p.mn - last.mn < 3.0 * float(shape.sigma(p.mn)):
            groups[-1].append(p)
        else:
            groups.append([p])
    centres, owners, totals = [], [], []
    for g in groups:
        weight: dict[str, float] = {}
        for p in g:
            weight[p.ion] = weight.get(p.ion, 0.0) + p.intensity
        owner = max(weight, key=lambda k: weight[k])
        mns = np.array([p.mn for p in g])
        ints = np.array([p.intensity for p in g])
        centres.append((float(mns.min()), float(mns.max()), float(np.average(mns, weights=ints))))
        owners.append(owner)
        totals.append(sum(weight.values()))
    lows = [c[0] - 4.0 * float(shape.sigma(c[0])) for c in centres]
    highs = [c[1] + 4.0 * float(shape.sigma(c[1])) + 3.0 * shape.tail_scale * c[1] for c in centres]
    for i in range(len(centres) - 1):
        if highs[i] > lows[i + 1]:
            # Cut at the point between the two peaks' edges so the stronger tail is not given away.
            mid = 0.5 * (centres[i][1] + centres[i + 1][0])
            mid = max(mid, centres[i][1] + 2.0 * float(shape.sigma(centres[i][1])))
            mid = min(mid, centres[i + 1][0] - 2.0 * float(shape.sigma(centres[i + 1][0])))
            highs[i] = mid
            lows[i + 1] = mid
    colours = dict(colours or {})
    ranges = []
    table_colours: dict[str, tuple[float, float, float]] = {}
    for lo, hi, ion in zip(lows, highs, owners):
        formula = parse_formula(ion)
        colour = colours.get(ion) or COLOURS.get(ion) or (0.5, 0.5, 0.5)
        table_colours[ion] = colour
        ranges.append(
            Range(
                lo=round(lo, 4),
                hi=round(hi, 4),
                ion=ion,
                composition=tuple((e, float(n)) for e, n in formula),
                colour=colour,
            )
        )
    return RangeTable(ranges=ranges, colours=table_colours)


def background_mass_to_charge(n: int, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """Random (uncorrelated) hits: flat in time of flight, i.e. density falling as 1/sqrt(m/n)."""
    t = rng.uniform(np.sqrt(lo), np.sqrt(hi), n)
    return t * t


def assign_ranges(mn: np.ndarray, table: RangeTable) -> np.ndarray:
    """Index into ``table.ranges`` for every m/n, -1 when unranged (half-open ``lo <= m < hi``)."""
    lo = np.array([r.lo for r in table.ranges])
    hi = np.array([r.hi for r in table.ranges])
    order = np.argsort(lo)
    lo, hi = lo[order], hi[order]
    i = np.searchsorted(lo, mn, side="right") - 1
    ok = (i >= 0) & (mn < hi[np.clip(i, 0, None)])
    return np.where(ok, order[np.clip(i, 0, None)], -1)


def ion_names(species: Sequence[str]) -> list[str]:
    """Validate ion species names (raises :class:`InputError` on unknown elements)."""
    for s in species:
        parse_formula(s)
    return list(species)
