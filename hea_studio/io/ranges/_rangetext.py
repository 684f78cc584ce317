"""Text helpers shared by the range-file readers (.rrng, .rng, .env).

Covers what every reader needs: decoding bytes of unknown encoding, numbers with decimal commas,
chemical formulas, ion names, and turning a list of parsed ranges into a validated
:class:`~hea_studio.core.ranges.RangeTable` (duplicates collapsed, overlaps named).
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.limits import ELEMENTS, check_input_file
from hea_studio.core.ranges import RGB, Range, RangeTable

# Range files above this size are not range files (the largest real one seen is ~80 kB).
MAX_RANGE_FILE_BYTES = 64 * 1024 * 1024

_FORMULA_PART = re.compile(r"([A-Z][a-z]?)(\d*\.?\d*)")


def read_text(path: Path) -> list[str]:
    """Lines of a text file: UTF-8 (with or without BOM), else Latin-1; any line ending."""
    check_input_file(path, "range file")  # a FIFO blocked a whole batch; /dev/zero read without end
    try:
        size = path.stat().st_size
        if size > MAX_RANGE_FILE_BYTES:
            raise InputError(f"is {size} bytes, far too large to be a range file", path)
        with open(path, "rb") as fh:
            # read(n) allocates n bytes up front: ask for the size stat gave (plus one byte to see
            # growth), and only if the file grew meanwhile read on, still bounded.
            raw = fh.read(size + 1)
            if len(raw) > size:
                raw += fh.read(MAX_RANGE_FILE_BYTES + 1 - len(raw))
        if len(raw) > MAX_RANGE_FILE_BYTES:
            raise InputError("is far too large to be a range file", path)
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None
    if not raw.strip():
        raise InputError("the file is empty", path)
    if b"\0" in raw:
        raise InputError("holds binary data (NUL bytes); a range file is plain text", path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    # splitlines() handles LF, CRLF and lone CR, but also splits on form feeds and other
    # separators that never appear in real range files; that is harmless for parsing.
    return text.splitlines()


def parse_float(token: str, path: Path, line: int, what: str) -> float:
    """A finite number; ``"22,8615"`` (decimal comma, as some European exports write) is 22.8615."""
    t = token.strip()
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        raise InputError(f"cannot read {what} from {token!r}: expected a number", path, line) from None
    if not math.isfinite(value):
        raise InputError(f"{what} must be a finite number, got {token!r}", path, line)
    return value


def parse_int(token: str, path: Path, line: int, what: str) -> int:
    """A non-negative integer."""
    try:
        value = int(token.strip())
    except ValueError:
        raise InputError(f"cannot read {what} from {token!r}: expected a whole number", path, line) from None
    if value < 0:
        raise InputError(f"{what} must not be negative, got {value}", path, line)
    return value


def format_count(c: float) -> str:
    """``1.0 -> "1"``, ``0.5 -> "0.5"``: the way counts are written in names and files."""
    return str(int(c)) if float(c).is_integer() else repr(float(c))


def formula_name(composition: tuple[tuple[str, float], ...]) -> str:
    """Ion name from its atoms in the order given: ``(("Cr", 1), ("O", 2)) -> "CrO2"``."""
    return "".join(el + ("" if c == 1 else format_count(c)) for el, c in composition)


def parse_formula(name: str) -> tuple[tuple[str, float], ...]:
    """Atoms of ``name`` if it is a formula of real element symbols (``"MnO2"``), else ``()``.

    Names that are not formulas (``"Hyd"``, ``"X23"``, ``"Cluster1"``) are user species and
    have no composition.
    """
    if not name or not name[0].isupper():
        return ()
    pos = 0
    out: dict[str, float] = {}
    for m in _FORMULA_PART.finditer(name):
        if m.start() != pos:
            return ()
        el, num = m.group(1), m.group(2)
        if el not in ELEMENTS:
            return ()
        try:
            count = float(num) if num else 1.0
        except ValueError:
            return ()
        if count <= 0:
            return ()
        out[el] = out.get(el, 0.0) + count
        pos = m.end()
    if pos != len(name):
        return ()
    return tuple(out.items())


def parse_hex_colour(text: str) -> RGB | None:
    """``"FF6600" -> (1.0, 0.4, 0.0)``; ``None`` if it is not a 6-digit hex colour."""
    t = text.strip().lstrip("#")
    if len(t) != 6:
        return None
    try:
        v = int(t, 16)
    except ValueError:
        return None
    return ((v >> 16 & 255) / 255.0, (v >> 8 & 255) / 255.0, (v & 255) / 255.0)


def clamp_colour(r: float, g: float, b: float) -> RGB:
    """Colour components clipped to 0..1 (some files write 0..255 or slightly out of range)."""
    if max(r, g, b) > 1.0:
        r, g, b = r / 255.0, g / 255.0, b / 255.0
    return (min(max(r, 0.0), 1.0), min(max(g, 0.0), 1.0), min(max(b, 0.0), 1.0))


@dataclass
class RawRange:
    """A range as read, before validation; ``line`` is where it came from (1-based)."""

    lo: float
    hi: float
    ion: str
    composition: tuple[tuple[str, float], ...]
    colour: RGB | None
    volume: float | None
    line: int


def build_table(
    raw: list[RawRange],
    path: Path,
    colours: dict[str, RGB] | None = None,
    warnings: list[str] | None = None,
    reject_overlaps: bool = False,
) -> RangeTable:
    """Validate parsed ranges and make the table.

    - ``lo >= hi`` is an error naming the line.
    - Identical ranges (same interval, same ion) collapse into one, with one warning.
    - Overlapping ranges are named in a warning (or rejected when ``reject_overlaps``); how an ion
      in an overlap is assigned is decided in :mod:`hea_studio.io.ranges.ranging` (narrowest range wins).
    - Ranges are sorted by ``lo`` (then ``hi``, then file order).
    """
    warnings = list(warnings or [])
    colours = dict(colours or {})
    if not raw:
        raise InputError("defines no ranges", path)
    for r in raw:
        if not r.lo < r.hi:
            raise InputError(
                f"range {r.lo:g}-{r.hi:g} Da for {r.ion} is empty or reversed (start must be below end)",
                path,
                r.line,
            )
    unique: dict[tuple[float, float, str], RawRange] = {}
    dup_lines: list[int] = []
    for r in raw:
        key = (r.lo, r.hi, r.ion)
        if key in unique:
            first = unique[key]
            if first.composition != r.composition:
                raise InputError(
                    f"range {r.lo:g}-{r.hi:g} Da for {r.ion} repeats line {first.line} with a different "
                    "composition",
                    path,
                    r.line,
                )
            dup_lines.append(r.line)
            continue
        unique[key] = r
    if dup_lines:
        shown = ", ".join(str(n) for n in dup_lines[:5]) + (", ..." if len(dup_lines) > 5 else "")
        warnings.append(
            f"{path.name}: {len(dup_lines)} duplicate range(s) collapsed (identical interval and ion; lines {shown})"
        )
    # One composition per ion name: the table's composition_of() and the ranging use it.
    comp_of: dict[str, RawRange] = {}
    for r in unique.values():
        first = comp_of.setdefault(r.ion, r)
        if first.composition != r.composition:
            raise InputError(
                f"ion {r.ion} is given composition {formula_name(r.composition) or 'none'} here but "
                f"{formula_name(first.composition) or 'none'} on line {first.line}",
                path,
                r.line,
            )
    ordered = sorted(unique.values(), key=lambda r: (r.lo, r.hi, r.line))
    n_overlaps, overlaps = find_overlaps(ordered)
    if n_overlaps:
        a, b = overlaps[0]
        first_txt = (
            f"{a.ion} {a.lo:g}-{a.hi:g} Da (line {a.line}) and {b.ion} {b.lo:g}-{b.hi:g} Da (line {b.line})"
        )
        if reject_overlaps:
            raise InputError(
                f"overlapping ranges {first_txt}"
                + (f" and {n_overlaps - 1} more overlapping pair(s)" if n_overlaps > 1 else "")
                + "; this format requires disjoint ranges",
                path,
                b.line,
            )
        shown = "; ".join(
            f"{x.ion} {x.lo:g}-{x.hi:g} (line {x.line}) with {y.ion} {y.lo:g}-{y.hi:g} (line {y.line})"
            for x, y in overlaps
        )
        more = f"; and {n_overlaps - len(overlaps)} more" if n_overlaps > len(overlaps) else ""
        warnings.append(
            f"{path.name}: {n_overlaps} overlapping range pair(s): {shown}{more}. An ion in an overlap "
            "goes to the narrowest range containing it (ties: the one starting lower, then the one listed first)"
        )
    ranges = []
    for r in ordered:
        colour = r.colour if r.colour is not None else colours.get(r.ion)
        if colour is not None:
            colours.setdefault(r.ion, colour)
        ranges.append(Range(r.lo, r.hi, r.ion, r.composition, colour, r.volume))
    return RangeTable(ranges, colours=colours, source=path, warnings=warnings)


def find_overlaps(ordered: list[RawRange], show: int = 5) -> tuple[int, list[tuple[RawRange, RawRange]]]:
    """How many pairs of ranges (sorted by ``lo``) intersect, and the first ``show`` such pairs.

    Counting never lists the pairs: n nested ranges make n(n-1)/2 pairs (50 million for 10,000
    ranges), which listing turned into minutes and gigabytes. A range r overlaps every range
    sorted before it except those ending at or before its start, and a range ending at or before
    r's start necessarily sorts before r, so the count is a binary search per range.
    """
    if not ordered:
        return 0, []
    lo = np.array([r.lo for r in ordered], dtype=np.float64)
    hi_sorted = np.sort(np.array([r.hi for r in ordered], dtype=np.float64))
    ended = np.searchsorted(hi_sorted, lo, side="right")
    count = int(np.sum(np.arange(len(ordered)) - ended))
    pairs: list[tuple[RawRange, RawRange]] = []
    active: list[tuple[float, int, RawRange]] = []  # ranges still open: a heap on (end, position)
    for i, r in enumerate(ordered):
        if len(pairs) >= show:
            break
        while active and active[0][0] <= r.lo:
            heapq.heappop(active)
        for _, _, a in sorted(active, key=lambda t: t[1])[: show - len(pairs)]:
            pairs.append((a, r))
        heapq.heappush(active, (r.hi, i, r))
    return count, pairs
