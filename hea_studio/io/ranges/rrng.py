"""The .rrng range file (IVAS / AP Suite "RRNG"): read and write.

Format facts handled: ``[Ions]`` and ``[Ranges]`` section headers in any case; ``Number=`` lines;
``IonN=name``; ``RangeN=lo hi`` followed by ``key:value`` tokens in any order and any case:
``Vol:`` (optional), ``Name:`` (a user species name), ``Color:RRGGBB`` and one ``Element:count``
per element (counts may be fractional, e.g. ``Fe:0.5``); ``#`` comments; blank lines; CRLF or LF;
decimal commas (``22,8615``).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from hea_studio.core.errors import InputError
from hea_studio.core.limits import MAX_ATOMS_PER_ION
from hea_studio.core.ranges import RangeTable
from hea_studio.io.ranges._rangetext import (
    ELEMENTS,
    RawRange,
    build_table,
    format_count,
    formula_name,
    parse_float,
    parse_hex_colour,
    parse_int,
    read_text,
)

_SECTION = re.compile(r"^\[\s*([A-Za-z]+)\s*\]$")
_KEYVAL = re.compile(r"^([A-Za-z]+)(\d*)\s*=(.*)$")


def _parse_range_line(
    body: str,
    path: Path,
    line: int,
    formulas: dict[tuple, tuple[str, tuple[tuple[str, float], ...]]],
    declared: set[str] | frozenset[str] = frozenset(),
) -> RawRange:
    tokens = body.split()
    if len(tokens) < 3:
        raise InputError(
            "malformed range: expected 'RangeN=start end Element:count ... Color:RRGGBB'", path, line
        )
    lo = parse_float(tokens[0], path, line, "range start")
    hi = parse_float(tokens[1], path, line, "range end")
    name: str | None = None
    colour = None
    volume = None
    comp: dict[str, float] = {}
    for tok in tokens[2:]:
        key, sep, value = tok.partition(":")
        if not sep or not key:
            raise InputError(f"malformed range entry {tok!r}: expected key:value", path, line)
        k = key.lower()
        if k == "vol":
            volume = parse_float(value, path, line, "Vol")
        elif k == "name":
            if not value:
                raise InputError("Name: is empty", path, line)
            name = value
        elif k in ("color", "colour"):
            colour = parse_hex_colour(value)
            if colour is None:
                raise InputError(f"cannot read colour {value!r}: expected 6 hex digits RRGGBB", path, line)
        else:
            count = parse_float(value, path, line, f"count of {key}")
            if count < 0:
                raise InputError(f"count of {key} must not be negative, got {value}", path, line)
            if count > 0:
                # Symbols are case-sensitive, but "cr:1" can only mean Cr.
                el = key.capitalize() if key not in ELEMENTS and key.capitalize() in ELEMENTS else key
                # A user species must be declared in [Ions] ("Ion1=A" ... "A:1"); an undeclared
                # unknown symbol ("Xx:1") is a typo that would otherwise become an entropy element.
                if el not in ELEMENTS and key not in declared:
                    raise InputError(
                        f"{key!r} is neither an element symbol nor an ion declared in [Ions]", path, line
                    )
                comp[el] = comp.get(el, 0.0) + count
    atoms = sum(comp.values())
    if atoms > MAX_ATOMS_PER_ION:
        raise InputError(
            f"the ion holds {atoms:g} atoms; a molecular ion holds at most {MAX_ATOMS_PER_ION} "
            "(is a count a mass or an abundance?)",
            path,
            line,
        )
    composition = tuple(comp.items())
    if name is None:
        if not composition:
            raise InputError("range names no ion: give Element:count or Name:", path, line)
        name = formula_name(composition)
        # The same atoms listed in another order ("O:1 Cr:1" after "Cr:1 O:1") are the same
        # species: keep the name and atom order first seen.
        name, composition = formulas.setdefault(tuple(sorted(composition)), (name, composition))
    return RawRange(lo, hi, name, composition, colour, volume, line)


def read_rrng(path: str | os.PathLike[str]) -> RangeTable:
    """Read a .rrng file.

    Raises
    ------
    InputError
        Missing ``[Ranges]`` section, malformed lines (with the line number), empty or reversed
        ranges.
    """
    path = Path(path)
    return _parse(read_text(path), path)


def parse_rrng_text(text: str, where: str | os.PathLike[str]) -> RangeTable:
    """Read .rrng text kept elsewhere (a project's edited ranges); ``where`` names it in errors.

    The table's ``source`` is ``None``: no range file stands behind it.
    """
    table = _parse(text.splitlines(), Path(where))
    return replace(table, source=None)


def _parse(lines: list[str], path: Path) -> RangeTable:
    """The range table of the lines of a .rrng file (``path`` for messages)."""
    section: str | None = None
    raw: list[RawRange] = []
    warnings: list[str] = []
    seen_sections: set[str] = set()
    declared_ranges: int | None = None
    formulas: dict[tuple, tuple[str, tuple[tuple[str, float], ...]]] = {}
    declared: set[str] = set()
    for i, text in enumerate(lines, start=1):
        s = text.strip()
        if not s or s.startswith(("#", ";")):
            continue
        m = _SECTION.match(s)
        if m:
            section = m.group(1).lower()
            seen_sections.add(section)
            continue
        kv = _KEYVAL.match(s)
        if section is None:
            raise InputError(f"unexpected text {s[:40]!r} before the [Ions] section", path, i)
        if section not in ("ions", "ranges"):
            continue  # other sections (some tools add their own) carry nothing we use
        if kv is None:
            raise InputError(f"malformed line {s[:60]!r}: expected key=value", path, i)
        key, value = kv.group(1).lower(), kv.group(3).strip()
        if key == "number":
            n = parse_int(value, path, i, "Number")
            if section == "ranges":
                declared_ranges = n
        elif section == "ions" and key == "ion":
            if not value:
                raise InputError("empty ion name", path, i)
            declared.add(value)
        elif section == "ranges" and key == "range":
            raw.append(_parse_range_line(value, path, i, formulas, declared))
        else:
            raise InputError(
                f"unexpected entry {kv.group(1)}{kv.group(2)}= in the [{section}] section", path, i
            )
    if "ranges" not in seen_sections:
        raise InputError("no [Ranges] section: not a .rrng range file", path)
    if declared_ranges is not None and declared_ranges != len(raw):
        warnings.append(
            f"{path.name}: [Ranges] declares Number={declared_ranges} but lists {len(raw)} ranges"
        )
    return build_table(raw, path, warnings=warnings)


def _hex(colour) -> str:
    r, g, b = (max(0, min(255, round(float(c) * 255))) for c in colour)
    return f"{r:02X}{g:02X}{b:02X}"


def write_rrng(path: str | os.PathLike[str], table: RangeTable, durable: bool = True) -> None:
    """Write ``table`` as a .rrng file that :func:`read_rrng` reads back to an equal table.

    The file is written atomically (a temporary file moved into place), so a crash or a full disk
    never leaves a half-written range file where a good one was; ``durable`` also flushes it to
    disk first. The text is :func:`rrng_text`'s.
    """
    text = rrng_text(table)
    from hea_studio.io.files import write_atomically

    def write(tmp) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    write_atomically(Path(path), write, durable=durable)


def rrng_text(table: RangeTable) -> str:
    """``table`` as .rrng text.

    ``[Ions]`` lists every element used (and every species without a composition); each range
    carries ``Vol:`` when known, ``Name:`` when the species name is not its formula, its atoms and
    its colour. Numbers are written with the shortest text that reads back exactly.
    """
    ions: dict[str, None] = {}
    for r in table.ranges:
        if r.composition:
            for el, _ in r.composition:
                ions.setdefault(el, None)
        else:
            ions.setdefault(r.ion, None)
    out = ["[Ions]", f"Number={len(ions)}"]
    out += [f"Ion{i}={name}" for i, name in enumerate(ions, start=1)]
    out += ["[Ranges]", f"Number={len(table.ranges)}"]
    for i, r in enumerate(table.ranges, start=1):
        parts = [repr(float(r.lo)), repr(float(r.hi))]
        if r.volume is not None:
            parts.append(f"Vol:{float(r.volume)!r}")
        if not r.composition or formula_name(r.composition) != r.ion:
            parts.append(f"Name:{r.ion}")
        parts += [f"{el}:{format_count(c)}" for el, c in r.composition]
        colour = r.colour if r.colour is not None else table.colours.get(r.ion)
        if colour is not None:
            parts.append(f"Color:{_hex(colour)}")
        out.append(f"Range{i}=" + " ".join(parts))
    return "\n".join(out) + "\n"
