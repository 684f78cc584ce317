"""Molecular ions in synthetic specimens: an alloy element that partly evaporates as oxide ions.

In atom probe, oxygen-affine metals (Cr, Al, Ti, Zr, ...) in an oxidised or oxide specimen arrive
partly as molecular ions such as CrO+ and CrO2+: the metal atom and its oxygen are detected as one
ion at one position (science.md 1). :func:`with_molecular_ions` turns part of an alloy element's
lattice sites into such ions, placed at random like every impurity ion, so the specimen is random
at the *ion* level, the case the ion-level reference of science.md 4 must read as random.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from hea_studio.core.errors import InputError
from hea_studio.core.isotopes import parse_formula
from hea_studio.core.settings import Lattice
from hea_studio.synth.shape import BoxShape
from hea_studio.synth.specimen import SynthParams

# Shares of Cr atoms detected as CrO+ and CrO2+ in oxidised Cr-bearing alloys are typically tens of
# per cent; this split puts about two thirds of the Cr into oxide ions.
CR_OXIDE_SHARES = {"CrO": 0.2, "CrO2": 0.45}


def with_molecular_ions(params: SynthParams, shares: Mapping[str, Mapping[str, float]]) -> SynthParams:
    """``params`` with part of some alloy elements' sites turned into molecular ions.

    Parameters
    ----------
    params
        The specimen parameters.
    shares
        Per alloy element, the share of its sites that hold each molecular ion, e.g.
        ``{"Cr": {"CrO": 0.2, "CrO2": 0.45}}``: 20 % of the Cr sites become CrO ions and 45 % CrO2;
        the rest stay Cr. Each ion must contain exactly one atom of its element.

    Raises
    ------
    InputError
        Unknown element, an ion that does not hold one atom of it, or shares adding up beyond 1.
    """
    fractions = dict(zip(params.elements, params.fractions))
    impurities = dict(params.impurities)
    # Alloy fractions are of the non-impurity sites; impurity fractions are of all sites.
    alloy_sites = 1.0 - sum(impurities.values())
    for element, ions in shares.items():
        if element not in fractions:
            raise InputError(f"molecular ions for {element!r}, which is not an alloy element")
        total = sum(float(v) for v in ions.values())
        if not 0.0 <= total <= 1.0 or any(float(v) < 0 for v in ions.values()):
            raise InputError(f"shares of {element} in molecular ions must be >= 0 and add up to <= 1")
        for ion, share in ions.items():
            atoms = dict(parse_formula(ion))
            if atoms.get(element) != 1 or len(atoms) < 2:
                raise InputError(f"{ion!r} is not a molecular ion holding one {element} atom")
            impurities[ion] = impurities.get(ion, 0.0) + float(share) * fractions[element] * alloy_sites
        fractions[element] *= 1.0 - total
    return replace(params, fractions=tuple(fractions[e] for e in params.elements), impurities=impurities)


def parse_molecular(text: str) -> dict[str, dict[str, float]]:
    """Parse ``--molecular "Cr:CrO=0.2,CrO2=0.45;Al:AlO=0.3"`` into :func:`with_molecular_ions` shares."""
    out: dict[str, dict[str, float]] = {}
    for group in (g.strip() for g in text.split(";") if g.strip()):
        element, sep, rest = group.partition(":")
        if not sep:
            raise InputError(f"cannot read molecular ions {group!r}: expected ELEMENT:ION=share,...")
        ions: dict[str, float] = {}
        for item in (i.strip() for i in rest.split(",") if i.strip()):
            ion, eq, value = item.partition("=")
            try:
                ions[ion.strip()] = float(value)
            except ValueError:
                raise InputError(f"cannot read molecular ion {item!r}: expected ION=share") from None
            if not eq:
                raise InputError(f"cannot read molecular ion {item!r}: expected ION=share")
        out[element.strip()] = ions
    return out


def cocrfeni_oxide_random(seed: int = 0) -> SynthParams:
    """CoCrFeNi with about two thirds of its Cr detected as CrO/CrO2 ions, all random (20 nm box)."""
    base = SynthParams(
        elements=("Co", "Cr", "Fe", "Ni"),
        fractions=(0.3, 0.1, 0.3, 0.3),
        lattice=Lattice("fcc", 0.3597),
        shape=BoxShape((20.0, 20.0, 20.0)),
        seed=seed,
    )
    return with_molecular_ions(base, {"Cr": CR_OXIDE_SHARES})


def rocksalt_hea_oxide_random(seed: int = 0) -> SynthParams:
    """(MgCoNiCuZn)O, equimolar cations, random, on a grid of the rock-salt atom density (20 nm box).

    Rock-salt MgO (a = 0.4212 nm) holds 8 atoms per cell; an fcc grid of a = 0.3343 nm has the same
    density. Every site draws a cation or O at random, which is all a random cation sublattice
    needs: counts per cube, not the site geometry, enter the entropy.
    """
    return SynthParams(
        elements=("Mg", "Co", "Ni", "Cu", "Zn", "O"),
        fractions=(0.1, 0.1, 0.1, 0.1, 0.1, 0.5),
        lattice=Lattice("fcc", 0.3343),
        shape=BoxShape((20.0, 20.0, 20.0)),
        seed=seed,
    )
