"""Natural isotopes, ion formulas and the peaks an ion makes in a mass spectrum.

Masses and abundances come from the maintained ``periodictable`` package (IUPAC abundances, AME
masses) rather than a table typed by hand. Isotopes rarer than :data:`MIN_ABUNDANCE_PERCENT` are
left out: they never form a visible peak, and leaving them out keeps isotopologue lists short.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.limits import MAX_ATOMS_PER_ION

# Isotopes below this natural abundance (in %) are dropped.
MIN_ABUNDANCE_PERCENT = 0.01

_FORMULA_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)")
# "Fe", "Fe2+", "Fe++", "CrO2+", "CrO2 2+", "Fe+2": a formula and an optional charge.
_CHARGED = re.compile(r"^\s*([A-Za-z0-9]+?)(?:\s*(?:(\d)?(\++)|\+(\d)))?\s*$")


@cache
def _table() -> dict[str, tuple[tuple[float, float], ...]]:
    import periodictable

    table: dict[str, tuple[tuple[float, float], ...]] = {}
    for el in periodictable.elements:
        if el.number == 0:
            continue  # the neutron
        isos = []
        for a in el.isotopes:
            iso = el[a]
            abundance = float(iso.abundance or 0.0)
            if abundance >= MIN_ABUNDANCE_PERCENT:
                isos.append((float(iso.mass), abundance))
        if isos:
            table[el.symbol] = tuple(isos)
    return table


class _Isotopes(Mapping[str, tuple[tuple[float, float], ...]]):
    """Read-only ``element -> ((mass in u, abundance in %), ...)`` for every element with a stable isotope."""

    def __getitem__(self, key: str) -> tuple[tuple[float, float], ...]:
        return _table()[key]

    def __iter__(self):
        return iter(_table())

    def __len__(self) -> int:
        return len(_table())

    def __contains__(self, key: object) -> bool:
        return key in _table()


ISOTOPES: Mapping[str, tuple[tuple[float, float], ...]] = _Isotopes()


def parse_formula(ion: str) -> tuple[tuple[str, int], ...]:
    """Atoms of an ion formula such as ``"Ni"``, ``"CO"``, ``"CrO2"`` or ``"O2"``.

    Returns
    -------
    tuple
        ``((element, count), ...)`` in order of appearance, repeated elements merged.

    Raises
    ------
    InputError
        If the name is not a formula of elements with natural isotopes.
    """
    pos = 0
    counts: dict[str, int] = {}
    for match in _FORMULA_TOKEN.finditer(ion):
        if match.start() != pos:
            break
        element, n = match.group(1), int(match.group(2) or 1)
        if element not in ISOTOPES:
            raise InputError(f"no isotope data for element {element!r} in ion {ion!r}")
        if n <= 0:
            raise InputError(f"count of {element} in ion {ion!r} must be positive")
        counts[element] = counts.get(element, 0) + n
        if sum(counts.values()) > MAX_ATOMS_PER_ION:
            # Checked per token: "Fe100O200" must not build a 300-atom isotope pattern first.
            raise InputError(f"ion {ion!r} holds more than {MAX_ATOMS_PER_ION} atoms; no molecular ion does")
        pos = match.end()
    if pos != len(ion) or not counts:
        raise InputError(f"cannot read ion {ion!r} as a chemical formula such as Ni, CO or CrO2")
    return tuple(counts.items())


def parse_charged(text: str, default_charge: int = 1) -> tuple[str, int]:
    """An ion with an optional charge: ``"Fe2+"``, ``"Fe++"``, ``"Fe+2"``, ``"CrO2 +"`` or ``"Ni"``.

    A digit written right before the ``+`` signs is the charge (``"CrO2+"`` is CrO, 2+); write a
    space before the charge to keep a trailing atom count (``"CrO2 +"``, ``"CrO2 1+"``).

    Returns
    -------
    formula, charge
        The formula (checked with :func:`parse_formula`) and the charge (1-3).
    """
    m = _CHARGED.match(text)
    if m is None:
        raise InputError(f"cannot read ion {text!r}: expected a formula and a charge such as Fe2+ or CrO+")
    formula = m.group(1)
    if m.group(3):
        charge = int(m.group(2)) if m.group(2) else len(m.group(3))
    elif m.group(4):
        charge = int(m.group(4))
    else:
        charge = default_charge
    parse_formula(formula)
    if not 1 <= charge <= 3:
        raise InputError(f"charge of {text!r} must be 1, 2 or 3")
    return formula, charge


def isotopologues(ion: str, min_abundance: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """Masses and relative abundances of the isotopic variants of an ion.

    Parameters
    ----------
    ion
        Ion formula, e.g. ``"CO"``.
    min_abundance
        Variants rarer than this fraction are dropped (they never make a peak).

    Returns
    -------
    masses, abundances
        Sorted masses in u and abundances summing to 1.
    """
    masses = np.zeros(1)
    probs = np.ones(1)
    for element, n in parse_formula(ion):
        iso = np.array(ISOTOPES[element])
        for _ in range(n):
            # Convolve the distribution atom by atom; merge masses equal to 1e-6 u.
            masses = (masses[:, None] + iso[None, :, 0]).ravel()
            probs = (probs[:, None] * (iso[None, :, 1] / 100.0)).ravel()
            keys, inverse = np.unique(np.round(masses, 6), return_inverse=True)
            probs = np.bincount(inverse, weights=probs).astype(np.float64)
            masses = keys.astype(np.float64)
    keep = probs >= min_abundance
    return masses[keep], probs[keep] / probs[keep].sum()


@dataclass(frozen=True)
class IonPeak:
    """One expected peak of an ion: formula, charge, m/n (Da) and share of that ion's peaks at this charge."""

    ion: str
    charge: int
    mn: float
    abundance: float

    @property
    def label(self) -> str:
        """``"Fe2+"``-style name."""
        return ion_label(self.ion, self.charge)


def ion_label(ion: str, charge: int) -> str:
    """``("Fe", 2) -> "Fe2+"``, ``("CrO", 1) -> "CrO+"``."""
    return f"{ion}{'' if charge == 1 else charge}+"


def ion_peaks(ion: str, charges: Iterable[int] = (1, 2, 3), min_abundance: float = 1e-4) -> list[IonPeak]:
    """Expected peaks of ``ion`` at each charge state, with natural isotope abundances."""
    masses, abundances = isotopologues(ion, min_abundance)
    out = [IonPeak(ion, z, float(m / z), float(a)) for z in charges for m, a in zip(masses, abundances)]
    out.sort(key=lambda p: p.mn)
    return out


def candidate_ions(
    mn: float,
    tolerance: float,
    elements: Iterable[str] | None = None,
    molecules: Iterable[str] = (),
    charges: Iterable[int] = (1, 2, 3),
    min_abundance: float = 0.005,
) -> list[IonPeak]:
    """Ions with an isotope peak within ``tolerance`` Da of ``mn``, the most abundant first.

    Parameters
    ----------
    mn
        Mass-to-charge ratio clicked, in Da.
    tolerance
        Largest distance in Da between ``mn`` and a candidate peak.
    elements
        Elements to consider (default: every element with natural isotopes).
    molecules
        Molecular ions to consider as well (e.g. ``"CrO"``, ``"O2"``).
    charges
        Charge states to consider.
    min_abundance
        Peaks holding a smaller share of their ion are not proposed.
    """
    names = list(ISOTOPES if elements is None else elements) + list(molecules)
    charges = tuple(charges)
    out = []
    for name in names:
        for p in ion_peaks(name, charges, min_abundance):
            if abs(p.mn - mn) <= tolerance:
                out.append(p)
    out.sort(key=lambda p: (-p.abundance, abs(p.mn - mn)))
    return out
