"""Sublattices of a compound (science.md 2 and 8): which element sits where, and how many sites.

A sublattice is written ``NAME:ELEMENTS:SITES``, e.g. ``"A:Mg,Co,Ni,Cu,Zn:1"`` and ``"O:O:1"`` for
rock-salt (MgCoNiCuZn)O. An element on two sublattices (Fe in an inverse spinel) needs its split on
each: ``"A:Mg,Fe:0.33:1"`` ``"B:Fe:0.67,Cr:2"`` puts 33 % of the Fe atoms on A and 67 % on B; an
element placed twice without a split, or with splits that do not add up to 1, is refused.

Presets (``--preset-sublattice``): ``rock-salt`` (AX: cations on A, the anions O, N, C on X, one
site each), ``spinel:A=Mg,Co:B=Fe,Cr`` (AB2O4, A and B given), ``perovskite:A=La,Sr:B=Co,Fe,Mn``
(ABO3, A and B given) and ``cations`` (one sublattice holding every cation, the anions left out: the
default view for oxides, whose cation entropy does not depend on under-counted oxygen).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hea_studio.core.errors import InputError
from hea_studio.core.limits import MAX_SITES, check_element, check_float

# The anion sublattice of oxides, carbides, nitrides (and the other anions the presets recognise).
ANIONS = ("O", "N", "C", "B", "S", "F", "Cl", "Se", "Te", "H", "P", "Br", "I")
PRESETS = ("rock-salt", "spinel", "perovskite", "cations")
_SPLIT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Sublattice:
    """One sublattice: its name, the elements on it, its sites per formula unit.

    Parameters
    ----------
    name
        Label (``"A"``, ``"O"``, ...).
    elements
        Elements on it.
    multiplicity
        Sites per formula unit (m_s).
    shares
        Share of each element's atoms that sit on this sublattice (1 unless the element is split
        over several sublattices).
    """

    name: str
    elements: tuple[str, ...]
    multiplicity: float
    shares: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        shares = self.shares or (1.0,) * len(self.elements)
        if len(shares) != len(self.elements):
            raise InputError(f"sublattice {self.name}: one share per element needed")
        object.__setattr__(self, "shares", tuple(float(s) for s in shares))
        # Here and not only in parse: projects and the window build sublattices directly.
        check_float(
            f"sublattice {self.name} multiplicity",
            self.multiplicity,
            0.0,
            MAX_SITES,
            f"sites per formula unit are small numbers (spinel has 4 O sites), not more than {MAX_SITES}",
            open_low=True,
        )
        for element in self.elements:
            check_element(element, f"sublattice {self.name}")

    @classmethod
    def parse(cls, text: str) -> Sublattice:
        """Parse ``"A:Mg,Co,Ni,Cu,Zn:1"`` or, with split elements, ``"A:Mg,Fe:0.33:1"``."""
        parts = text.split(":")
        if len(parts) < 3:
            raise InputError(f"cannot read sublattice {text!r}: expected NAME:El1,El2,...:MULTIPLICITY")
        name, mult = parts[0].strip(), parts[-1]
        middle = ":".join(parts[1:-1])
        elements: list[str] = []
        shares: list[float] = []
        for item in (i.strip() for i in middle.split(",") if i.strip()):
            element, sep, share = item.partition(":")
            try:
                value = float(share) if sep else 1.0
            except ValueError:
                raise InputError(
                    f"sublattice {text!r}: share {share!r} of {element} is not a number"
                ) from None
            if not (math.isfinite(value) and 0 < value <= 1):
                raise InputError(f"sublattice {text!r}: the share of {element} must lie in (0, 1]")
            elements.append(element.strip())
            shares.append(value)
        try:
            m = float(mult)
        except ValueError:
            raise InputError(f"sublattice {text!r}: multiplicity {mult!r} is not a number") from None
        if not elements or not name or not (math.isfinite(m) and m > 0):
            raise InputError(
                f"sublattice {text!r}: needs a name, at least one element and a positive multiplicity"
            )
        if len(set(elements)) != len(elements):
            raise InputError(f"sublattice {text!r} names an element twice")
        return cls(name, tuple(elements), m, tuple(shares))

    def spec(self) -> str:
        """The text form :meth:`parse` reads back."""
        items = ",".join(e if s == 1.0 else f"{e}:{s:g}" for e, s in zip(self.elements, self.shares))
        return f"{self.name}:{items}:{self.multiplicity:g}"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "elements": list(self.elements),
            "multiplicity": self.multiplicity,
            "shares": dict(zip(self.elements, self.shares)),
        }


def check_sublattices(sublattices: Sequence[Sublattice]) -> None:
    """Refuse duplicate names and elements on several sublattices without explicit splits."""
    if not sublattices:
        raise InputError("no sublattice given")
    names = [s.name for s in sublattices]
    if len(set(names)) != len(names):
        raise InputError(f"sublattice names must differ, got {', '.join(names)}")
    where: dict[str, list[tuple[str, float, bool]]] = {}
    for s in sublattices:
        for e, share in zip(s.elements, s.shares):
            where.setdefault(e, []).append((s.name, share, share != 1.0))
    for e, places in where.items():
        if len(places) < 2:
            continue
        if not all(explicit for _, _, explicit in places):
            raise InputError(
                f"element {e} is on sublattices {', '.join(n for n, _, _ in places)} without a split: "
                f"give its share on each, e.g. {e}:0.33 on one and {e}:0.67 on the other"
            )
        total = sum(share for _, share, _ in places)
        if abs(total - 1.0) > _SPLIT_TOLERANCE:
            raise InputError(
                f"the shares of {e} over sublattices {', '.join(n for n, _, _ in places)} add up to {total:g}, not 1"
            )


def elements_of(sublattices: Sequence[Sublattice]) -> tuple[str, ...]:
    """Every element on some sublattice, in order of first appearance."""
    out: list[str] = []
    for s in sublattices:
        out.extend(e for e in s.elements if e not in out)
    return tuple(out)


def mixing_sublattices(sublattices: Sequence[Sublattice]) -> list[Sublattice]:
    """The sublattices holding two or more elements (those whose entropy classifies the compound)."""
    return [s for s in sublattices if len(s.elements) > 1]


def _group(text: str, preset: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for part in (p for p in text.split(":") if p.strip()):
        key, sep, value = part.partition("=")
        if not sep:
            raise InputError(f"preset {preset}: cannot read {part!r}, expected e.g. A=Mg,Co")
        out[key.strip().upper()] = tuple(v.strip() for v in value.split(",") if v.strip())
    return out


def preset_sublattices(text: str, elements: Sequence[str]) -> tuple[Sublattice, ...]:
    """The sublattices of a preset for a dataset holding ``elements``.

    Parameters
    ----------
    text
        ``rock-salt``, ``cations``, ``spinel:A=..:B=..`` or ``perovskite:A=..:B=..``.
    elements
        The elements in the data (the cations are those that are not in :data:`ANIONS`).
    """
    name, _, rest = text.strip().partition(":")
    name = name.strip().lower()
    if name not in PRESETS:
        raise InputError(f"unknown sublattice preset {name!r}: use {', '.join(PRESETS)}")
    cations = tuple(e for e in elements if e not in ANIONS)
    anions = tuple(e for e in elements if e in ANIONS)
    if name == "cations":
        if len(cations) < 1:
            raise InputError("the cations preset needs metal elements in the data")
        return (Sublattice("cation", cations, 1.0),)
    if name == "rock-salt":
        if not cations or not anions:
            raise InputError(f"rock-salt needs cations and anions; the data hold {', '.join(elements)}")
        return (Sublattice("A", cations, 1.0), Sublattice("X", anions, 1.0))
    groups = _group(rest, name)
    if set(groups) != {"A", "B"} or not groups["A"] or not groups["B"]:
        raise InputError(f"the {name} preset needs A and B given, e.g. {name}:A=Mg,Co:B=Fe,Cr")
    unknown = [e for e in groups["A"] + groups["B"] if e not in elements]
    if unknown:
        raise InputError(f"{name}: element(s) {', '.join(unknown)} are not in the data")
    both = set(groups["A"]) & set(groups["B"])
    if both:
        raise InputError(
            f"{name}: {', '.join(sorted(both))} on both A and B needs its split; give the sublattices "
            'explicitly, e.g. --sublattice "A:Mg,Fe:0.33:1" "B:Fe:0.67,Cr:2" "O:O:4"'
        )
    anion_sites = 4.0 if name == "spinel" else 3.0
    b_sites = 2.0 if name == "spinel" else 1.0
    if not anions:
        raise InputError(f"{name} needs an anion (O) in the data")
    return (
        Sublattice("A", groups["A"], 1.0),
        Sublattice("B", groups["B"], b_sites),
        Sublattice("X", anions, anion_sites),
    )
