"""Edits of a range table as pure functions: each returns a new :class:`RangeTable`.

The spectrum dock turns every mouse or table edit into one of these, so an edit is a value that
undo can restore and the worker can apply, and the rules are tested without a display.
"""

from __future__ import annotations

from dataclasses import replace

from hea_studio.core.errors import InputError
from hea_studio.core.isotopes import parse_charged, parse_formula
from hea_studio.core.ranges import RGB, Range, RangeTable

# Colours for species that get their first range in the window (tab10-like hues).
NEW_COLOURS: tuple[RGB, ...] = (
    (0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16), (0.58, 0.4, 0.74),
    (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.74, 0.74, 0.13), (0.09, 0.75, 0.81), (0.5, 0.5, 0.5),
)  # fmt: skip


def quantised(colour) -> RGB:
    """A colour on the 8-bit grid range files store, so a saved table reads back identically."""
    r, g, b = (round(max(0.0, min(1.0, float(c))) * 255) / 255.0 for c in colour)
    return (r, g, b)


def _sorted(table: RangeTable, ranges: list[Range], colours: dict[str, RGB] | None = None) -> RangeTable:
    ranges = sorted(ranges, key=lambda r: (r.lo, r.hi))
    keep = colours if colours is not None else dict(table.colours)
    names = {r.ion for r in ranges}
    return RangeTable(ranges, {k: v for k, v in keep.items() if k in names}, None, [])


def ion_atoms(text: str) -> tuple[str, tuple[tuple[str, float], ...]]:
    """Species name and atoms of an ion typed by the user: ``"Fe"``, ``"CrO2 +"``, ``"Fe2+"``.

    The charge, if given, only says which peak is meant: a range holds ions of a species whatever
    their charge, as in range files.
    """
    formula, _charge = parse_charged(text.strip())
    return formula, tuple((el, float(n)) for el, n in parse_formula(formula))


def colour_for(table: RangeTable, ion: str) -> RGB:
    """The colour ``ion`` has in ``table``, or a fresh one no species uses yet."""
    if ion in table.colours:
        return table.colours[ion]
    for r in table.ranges:
        if r.ion == ion and r.colour is not None:
            return r.colour
    used = set(table.colours.values()) | {r.colour for r in table.ranges}
    fresh = [quantised(c) for c in NEW_COLOURS]
    return next((c for c in fresh if c not in used), fresh[len(used) % len(fresh)])


def _check_index(table: RangeTable, index: int) -> None:
    if not 0 <= index < len(table.ranges):
        raise InputError(f"no range number {index + 1}")


def _species(table: RangeTable, ion: str) -> tuple[str, tuple[tuple[str, float], ...], RGB, dict[str, RGB]]:
    """Name, atoms and colour of the typed ``ion``, and ``table``'s colours with it added if new."""
    name, comp = ion_atoms(ion)
    colour = colour_for(table, name)
    colours = dict(table.colours)
    colours.setdefault(name, colour)
    return name, comp, colour, colours


def _check_span(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    if not hi - lo > 1e-6:
        raise InputError(f"a range needs a width: {lo:g}-{hi:g} Da")
    if lo < 0:
        raise InputError(f"a range cannot start below 0 Da ({lo:g})")
    return round(lo, 4), round(hi, 4)


def add_range(table: RangeTable | None, lo: float, hi: float, ion: str) -> RangeTable:
    """``table`` with a new range ``[lo, hi)`` of ``ion`` (a formula, optionally with a charge)."""
    table = table if table is not None else RangeTable([])
    lo, hi = _check_span(lo, hi)
    name, comp, colour, colours = _species(table, ion)
    return _sorted(table, [*table.ranges, Range(lo, hi, name, comp, colour)], colours)


def remove_range(table: RangeTable, index: int) -> RangeTable:
    """``table`` without its range number ``index``."""
    _check_index(table, index)
    return _sorted(table, [r for i, r in enumerate(table.ranges) if i != index])


def resize_range(table: RangeTable, index: int, lo: float, hi: float) -> RangeTable:
    """``table`` with range ``index`` spanning ``[lo, hi)``."""
    _check_index(table, index)
    lo, hi = _check_span(lo, hi)
    ranges = list(table.ranges)
    ranges[index] = replace(ranges[index], lo=lo, hi=hi)
    return _sorted(table, ranges)


def rename_range(table: RangeTable, index: int, ion: str) -> RangeTable:
    """``table`` with range ``index`` assigned to ``ion`` (element or formula, optionally charged)."""
    _check_index(table, index)
    name, comp, colour, colours = _species(table, ion)
    ranges = list(table.ranges)
    ranges[index] = replace(ranges[index], ion=name, composition=comp, colour=colour)
    return _sorted(table, ranges, colours)


def recolour_species(table: RangeTable, ion: str, colour: RGB) -> RangeTable:
    """``table`` with every range of species ``ion`` drawn in ``colour``."""
    colour = quantised(colour)
    ranges = [replace(r, colour=colour) if r.ion == ion else r for r in table.ranges]
    colours = dict(table.colours)
    colours[ion] = colour
    return _sorted(table, ranges, colours)


def same_ranges(a: RangeTable | None, b: RangeTable | None) -> bool:
    """True if both tables hold the same ranges (bounds, species, atoms, colours)."""
    if a is None or b is None:
        return a is b

    def key(t: RangeTable):
        return [(r.lo, r.hi, r.ion, r.composition, r.colour or t.colours.get(r.ion)) for r in t.ranges]

    return key(a) == key(b)


def new_proposals(table: RangeTable | None, suggested: RangeTable) -> list[Range]:
    """The suggested ranges that overlap no range of ``table`` (the user's ranges are kept as they
    are; a suggestion never replaces or cuts one)."""
    existing = table.ranges if table is not None else []
    return [s for s in suggested.ranges if not any(s.lo < r.hi and r.lo < s.hi for r in existing)]


def accept_proposals(table: RangeTable | None, proposals: list[Range]) -> RangeTable:
    """``table`` with the suggested ``proposals`` added; a species already in the table keeps its
    colour, a new one brings the suggestion's."""
    table = table if table is not None else RangeTable([])
    colours = dict(table.colours)
    added = []
    for p in proposals:
        if p.ion not in colours:
            known = p.ion in table.species or p.colour is None
            colours[p.ion] = colour_for(table, p.ion) if known else quantised(p.colour)
        added.append(replace(p, colour=colours[p.ion]))
    return _sorted(table, [*table.ranges, *added], colours)
