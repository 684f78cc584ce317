"""The .env range file (GPM Rouen "environment" file).

Layout, ignoring ``#`` comments and blank lines::

    [Rev_2.0]                    optional version line
    n_species n_ranges
    name r g b                   n_species lines (colours 0..1)
    name lo hi [vol [mult]]      n_ranges lines (vol in cubic angstrom)

Anything after the declared ranges (instrument and reconstruction parameters) is ignored. A
species name that is a formula of element symbols (``MnO2``) gets that composition; other names
(``Hyd``, ``X23``) are user species without one.
"""

from __future__ import annotations

import os
from pathlib import Path

from hea_studio.core.errors import InputError
from hea_studio.core.ranges import RGB, RangeTable
from hea_studio.io.ranges._rangetext import (
    RawRange,
    build_table,
    clamp_colour,
    parse_float,
    parse_formula,
    parse_int,
    read_text,
)


def _content(lines: list[str]) -> list[tuple[int, list[str]]]:
    out = []
    for i, text in enumerate(lines, start=1):
        s = text.split("#", 1)[0].strip()
        if s:
            out.append((i, s.split()))
    return out


def read_env(path: str | os.PathLike[str]) -> RangeTable:
    """Read a .env file.

    Raises
    ------
    InputError
        No counts line, too few species or range lines, malformed numbers (with the line number).
    """
    path = Path(path)
    items = _content(read_text(path))
    k = 0
    # Skip a version line such as "Rev_2.0" before the counts line.
    while k < len(items) and not (len(items[k][1]) == 2 and all(t.isdigit() for t in items[k][1])):
        if k >= 2:
            line = items[k][0]
            raise InputError("expected a line 'number_of_species number_of_ranges'", path, line)
        k += 1
    if k >= len(items):
        raise InputError("no line 'number_of_species number_of_ranges' found: not a .env range file", path)
    line, parts = items[k]
    n_species = parse_int(parts[0], path, line, "number of species")
    n_ranges = parse_int(parts[1], path, line, "number of ranges")
    k += 1
    colours: dict[str, RGB] = {}
    for s in range(n_species):
        if k >= len(items):
            raise InputError(f"the file ends after {s} of {n_species} species lines", path)
        line, parts = items[k]
        if len(parts) < 4:
            raise InputError(f"expected 'name red green blue', got {' '.join(parts)[:40]!r}", path, line)
        rgb = [parse_float(p, path, line, "colour component") for p in parts[1:4]]
        colours[parts[0]] = clamp_colour(*rgb)
        k += 1
    raw: list[RawRange] = []
    for r in range(n_ranges):
        if k >= len(items):
            raise InputError(f"the file ends after {r} of {n_ranges} range lines", path)
        line, parts = items[k]
        if len(parts) < 3:
            raise InputError(f"expected 'name start end [volume]', got {' '.join(parts)[:40]!r}", path, line)
        name = parts[0]
        lo = parse_float(parts[1], path, line, "range start")
        hi = parse_float(parts[2], path, line, "range end")
        # The volume column is in cubic angstrom (Mn: 11.66); Range.volume is nm^3.
        volume = parse_float(parts[3], path, line, "atomic volume") / 1000.0 if len(parts) > 3 else None
        if name not in colours:
            raise InputError(
                f"range names species {name!r}, which the species list does not declare", path, line
            )
        raw.append(RawRange(lo, hi, name, parse_formula(name), colours[name], volume, line))
        k += 1
    return build_table(raw, path, colours=colours)
