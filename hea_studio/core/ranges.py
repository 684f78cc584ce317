"""Range tables: which mass-to-charge interval belongs to which ion species."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Range:
    """One mass-to-charge interval assigned to an ion species.

    Parameters
    ----------
    lo, hi
        Interval in Da; an ion with ``lo <= m < hi`` belongs to it (see the io package for the rule
        applied to overlapping ranges).
    ion
        Species name, e.g. ``"Ni"``, ``"CrO2"``, or a user name from ``Name:``.
    composition
        Atoms in the ion as ``((element, count), ...)``, e.g. ``(("Cr", 1), ("O", 2))``; counts may
        be fractional in .rrng files. Empty for a user species that is not made of elements.
    colour
        Display colour (r, g, b) in 0..1, or ``None``.
    volume
        Atomic volume in nm^3 from ``Vol:``, or ``None``.
    """

    lo: float
    hi: float
    ion: str
    composition: tuple[tuple[str, float], ...] = ()
    colour: RGB | None = None
    volume: float | None = None


@dataclass(eq=False)
class RangeTable:
    """All ranges of a range file.

    Parameters
    ----------
    ranges
        The ranges, sorted by ``lo``.
    colours
        Display colour per species name.
    source
        The file read, if any.
    warnings
        Non-fatal problems found while reading (overlaps, collapsed duplicates).
    """

    ranges: list[Range]
    colours: dict[str, RGB] = field(default_factory=dict)
    source: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def species(self) -> list[str]:
        """Species names in order of first appearance."""
        seen: dict[str, None] = {}
        for r in self.ranges:
            seen.setdefault(r.ion, None)
        return list(seen)

    def composition_of(self, ion: str) -> tuple[tuple[str, float], ...]:
        """Atoms in species ``ion`` (from its first range)."""
        for r in self.ranges:
            if r.ion == ion:
                return r.composition
        raise KeyError(ion)
