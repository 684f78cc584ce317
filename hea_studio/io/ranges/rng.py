"""The .rng range file (ORNL / IVAS "RNG").

Layout::

    N M                      number of ion columns, number of ranges
    name                     } N times: the ion's name,
    label r g b [(formula)]  } then a label and its colour (0..1)
    ------- [column labels]  the table separator (labels optional, often glued to the dashes)
    . lo hi c1 ... cN        M rows: interval and how many of each column's atom the ion holds

A row may start with ``.``, with a row number, or with nothing. A row with several non-zero
counts (or one count above 1) is a molecular ion. Such rows are named as follows:

- if some header ions have an all-zero column, those are declared molecular names (e.g. ``Cd2``
  or ``AbCd2``) and every molecular row must match one of them by formula, otherwise the file is
  rejected (it would be ambiguous which declared ion the row means);
- otherwise the row's name is its formula built from the column names in column order
  (``Cr`` 1 + ``O`` 2 -> ``CrO2``).

IVAS appends a ``--- polyatomic extension`` block: a second RNG table that re-lists the molecular
ranges with their names and colours. It only names and colours ranges of the first table (matched
by interval) and never adds counts, so nothing is counted twice.

Overlapping ranges are rejected: the RNG format defines disjoint mass windows (IVAS and 3Depict
refuse such files too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hea_studio.core.errors import InputError
from hea_studio.core.ranges import RGB, RangeTable
from hea_studio.io.ranges._rangetext import (
    RawRange,
    build_table,
    clamp_colour,
    formula_name,
    parse_float,
    parse_formula,
    parse_int,
    read_text,
)


@dataclass
class _Block:
    names: list[str]
    colours: list[RGB | None]
    formulas: list[str | None]
    rows: list[tuple[float, float, list[float], int]]  # lo, hi, counts, line


class _Lines:
    """Non-blank lines with their 1-based numbers, consumed front to back."""

    def __init__(self, lines: list[str]):
        self.items = [(i, s.strip()) for i, s in enumerate(lines, start=1) if s.strip()]
        self.pos = 0

    def peek(self) -> tuple[int, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self, path: Path, what: str) -> tuple[int, str]:
        item = self.peek()
        if item is None:
            last = self.items[-1][0] if self.items else None
            raise InputError(f"the file ends early: expected {what}", path, last)
        self.pos += 1
        return item


def _read_block(src: _Lines, path: Path) -> _Block:
    line, text = src.next(path, "the counts line 'number_of_ions number_of_ranges'")
    parts = text.split()
    if len(parts) != 2:
        raise InputError(
            f"expected 'number_of_ions number_of_ranges' (two whole numbers), got {text[:40]!r}", path, line
        )
    n_ions = parse_int(parts[0], path, line, "number of ions")
    n_ranges = parse_int(parts[1], path, line, "number of ranges")
    if n_ions == 0:
        raise InputError("declares 0 ions", path, line)
    names: list[str] = []
    colours: list[RGB | None] = []
    formulas: list[str | None] = []
    labels: list[str] = []
    for k in range(n_ions):
        line, text = src.next(path, f"the name of ion {k + 1} of {n_ions}")
        if text.startswith("-"):
            raise InputError(
                f"the table starts after {k} ions but the counts line declares {n_ions}", path, line
            )
        names.append(text.split()[0])
        line, text = src.next(path, f"the colour line of ion {text}")
        parts = text.split()
        if len(parts) < 4:
            raise InputError(
                f"expected 'label red green blue' for ion {names[-1]}, got {text[:40]!r}", path, line
            )
        labels.append(parts[0])
        rgb = [parse_float(p, path, line, "colour component") for p in parts[1:4]]
        colours.append(clamp_colour(*rgb))
        rest = " ".join(parts[4:]).strip()
        formulas.append(rest[1:-1].strip() if rest.startswith("(") and rest.endswith(")") else None)
    line, text = src.next(path, "the table separator line of dashes")
    if not text.startswith("-"):
        raise InputError(f"expected the table separator line of dashes, got {text[:40]!r}", path, line)
    # Each ion has a long name and a short label (Miller's format: "Silicon" / "Si 0.8 0.8 0.8").
    # Use whichever of the two the column headings name; without usable headings, the shorter one,
    # which is the symbol.
    headings = text.lstrip("-").split()
    for j in range(n_ions):
        pair = (names[j], labels[j])
        if len(headings) == n_ions and headings[j] in pair:
            names[j] = headings[j]
        else:
            names[j] = min(pair, key=len)
    rows: list[tuple[float, float, list[float], int]] = []
    for k in range(n_ranges):
        line, text = src.next(path, f"range {k + 1} of {n_ranges}")
        parts = text.split()
        if parts[0] == "." or len(parts) == n_ions + 3:
            parts = parts[1:]  # leading "." or row number
        if len(parts) != n_ions + 2:
            raise InputError(
                f"range row has {len(parts)} fields, expected start, end and {n_ions} counts "
                "(optionally after a leading '.')",
                path,
                line,
            )
        lo = parse_float(parts[0], path, line, "range start")
        hi = parse_float(parts[1], path, line, "range end")
        counts = [parse_float(p, path, line, "ion count") for p in parts[2:]]
        if any(c < 0 for c in counts):
            raise InputError("ion counts must not be negative", path, line)
        rows.append((lo, hi, counts, line))
    return _Block(names, colours, formulas, rows)


def _composition(block: _Block, counts: list[float]) -> tuple[tuple[str, float], ...]:
    return tuple((block.names[j], c) for j, c in enumerate(counts) if c > 0)


def read_rng(path: str | os.PathLike[str]) -> RangeTable:
    """Read a .rng file (with or without the IVAS polyatomic extension block).

    Raises
    ------
    InputError
        Malformed lines (with the line number), counts that disagree with the lines present,
        molecular rows that match none of the declared molecular ions, overlapping ranges.
    """
    path = Path(path)
    src = _Lines(read_text(path))
    main = _read_block(src, path)
    warnings: list[str] = []
    extension: _Block | None = None
    item = src.peek()
    if item is not None and item[1].startswith("-"):
        src.next(path, "the polyatomic extension")
        extension = _read_block(src, path)
    elif item is not None:
        warnings.append(f"{path.name}: text after the range table ignored (from line {item[0]})")

    used = [any(row[2][j] > 0 for row in main.rows) for j in range(len(main.names))]
    # Header ions whose column is all zero are molecular names declared for molecular rows.
    declared: dict[tuple[tuple[str, float], ...], int] = {}
    used_names = [n for n, u in zip(main.names, used) if u]
    for j, name in enumerate(main.names):
        if used[j]:
            continue
        for text in (main.formulas[j], name):
            if text:
                parsed = _formula_over(text, used_names)
                if parsed:
                    declared.setdefault(tuple(sorted(parsed.items())), j)
    has_declared = any(not u for u in used)

    ext_names: dict[tuple[float, float], tuple[str, RGB | None]] = {}
    if extension is not None:
        for lo, hi, counts, line in extension.rows:
            nz = [j for j, c in enumerate(counts) if c > 0]
            if len(nz) != 1:
                raise InputError("a polyatomic extension row must name exactly one ion", path, line)
            ext_names[(lo, hi)] = (extension.names[nz[0]], extension.colours[nz[0]])

    raw: list[RawRange] = []
    colours: dict[str, RGB] = {}
    dropped = 0
    main_intervals = set()
    for lo, hi, counts, line in main.rows:
        comp = _composition(main, counts)
        main_intervals.add((lo, hi))
        if not comp:
            dropped += 1
            continue
        molecular = len(comp) > 1 or comp[0][1] != 1
        colour = main.colours[main.names.index(comp[0][0])] if not molecular else None
        if not molecular:
            name = comp[0][0]
        elif (lo, hi) in ext_names:
            name, colour = ext_names[(lo, hi)]
        elif has_declared:
            match = declared.get(tuple(sorted(comp)))
            if match is None:
                raise InputError(
                    f"range {lo:g}-{hi:g} Da combines {formula_name(comp)} but none of the declared "
                    "molecular ions (ions with an all-zero column) has that formula",
                    path,
                    line,
                )
            name, colour = main.names[match], main.colours[match]
        else:
            name = formula_name(comp)
        if colour is not None:
            colours.setdefault(name, colour)
        raw.append(RawRange(lo, hi, name, comp, colour, None, line))
    if dropped:
        warnings.append(f"{path.name}: {dropped} range row(s) with all counts zero ignored")
    if extension is not None:
        orphans = [(lo, hi) for lo, hi, _, _ in extension.rows if (lo, hi) not in main_intervals]
        if orphans:
            for lo, hi, _counts, line in extension.rows:
                if (lo, hi) in main_intervals:
                    continue
                name, colour = ext_names[(lo, hi)]
                comp = parse_formula(name)
                raw.append(RawRange(lo, hi, name, comp, colour, None, line))
            warnings.append(
                f"{path.name}: {len(orphans)} polyatomic extension range(s) not in the main table were added"
            )
    for j, name in enumerate(main.names):
        c = main.colours[j]
        if used[j] and c is not None:
            colours.setdefault(name, c)
    return build_table(raw, path, colours=colours, warnings=warnings, reject_overlaps=True)


def _formula_over(text: str, names: list[str]) -> dict[str, float]:
    """Split ``text`` (e.g. ``"AbCd2"``) into the column names it is built from, or ``{}``.

    Column names need not be element symbols (3Depict's test files use ``Aa``, ``Ab``...), so the
    split is done against the header names, longest name first.
    """
    out: dict[str, float] = {}
    pos = 0
    by_length = sorted(set(names), key=len, reverse=True)
    while pos < len(text):
        for name in by_length:
            if text.startswith(name, pos):
                pos += len(name)
                start = pos
                while pos < len(text) and (text[pos].isdigit() or text[pos] == "."):
                    pos += 1
                digits = text[start:pos]
                try:
                    count = float(digits) if digits else 1.0
                except ValueError:
                    return {}
                out[name] = out.get(name, 0.0) + count
                break
        else:
            return {}
    return out
