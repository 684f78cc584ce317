"""Reading and writing APT files (no Qt): ion files, range files, ranging.

Public API
----------
- :func:`load_ions` -- ``.pos``, ``.epos``, ``.apt`` (memory-mapped) -> :class:`IonData`
- :func:`load_ranges` -- ``.rrng``, ``.rng``, ``.env`` -> :class:`RangeTable`
- :func:`write_pos`, :func:`write_rrng`
- :func:`ion_extent` -- bounding box and m/n span, chunk by chunk; :data:`ELEMENTS`, the element
  symbols range files may name
- :func:`assign_species`, :func:`ranging_summary`, :func:`to_atoms`, :func:`to_atoms_and_summary`

Every problem with an input file is raised as :class:`~hea_studio.core.errors.InputError` whose
message starts with the file name (and the line, for text files).

Rules worth knowing (details in the module docstrings):

- Ranges are half-open, ``lo <= m/n < hi``. Identical ranges collapse (with a warning).
- Overlapping ranges in ``.rrng``/``.env``: a warning names them; an ion in an overlap goes to the
  narrowest range containing it (then the one starting lower, then the one listed first). In
  ``.rng`` files overlaps are rejected, as IVAS and 3Depict do (:mod:`hea_studio.io.ranges.rng`).
- Molecular ions decompose into their atoms at the ion position; a fractional count ``c`` gives
  ``floor(n c)`` atoms over the species' n ions, spread evenly in file order
  (:mod:`hea_studio.io.ranges.ranging`).
- Rows with NaN or infinite coordinates or m/n are dropped and counted in ``IonData.warnings``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hea_studio.core.errors import InputError
from hea_studio.core.ions import IonData
from hea_studio.core.limits import check_input_file
from hea_studio.core.ranges import RangeTable
from hea_studio.io.apt.apt import read_apt
from hea_studio.io.apt.epos import read_epos
from hea_studio.io.apt.extent import ion_extent
from hea_studio.io.apt.pos import read_pos, write_pos
from hea_studio.io.ranges import ELEMENTS
from hea_studio.io.ranges.env import read_env
from hea_studio.io.ranges.ranging import (
    RangeLookup,
    RangingSummary,
    assign_species,
    build_lookup,
    ranging_summary,
    to_atoms,
    to_atoms_and_summary,
)
from hea_studio.io.ranges.rng import read_rng
from hea_studio.io.ranges.rrng import read_rrng, write_rrng

ION_READERS: dict[str, Callable[[Path], IonData]] = {".pos": read_pos, ".epos": read_epos, ".apt": read_apt}
RANGE_READERS: dict[str, Callable[[Path], RangeTable]] = {
    ".rrng": read_rrng,
    ".rng": read_rng,
    ".env": read_env,
}

__all__ = [
    "ELEMENTS",
    "ION_READERS",
    "RANGE_READERS",
    "RangeLookup",
    "RangingSummary",
    "assign_species",
    "build_lookup",
    "ion_extent",
    "load_ions",
    "load_ranges",
    "ranging_summary",
    "read_apt",
    "read_env",
    "read_epos",
    "read_pos",
    "read_rng",
    "read_rrng",
    "to_atoms",
    "to_atoms_and_summary",
    "write_pos",
    "write_rrng",
]


def _reader(path: Path, readers: dict, kind: str):
    ext = path.suffix.lower()
    if ext not in readers:
        known = ", ".join(readers)
        shown = f"extension {path.suffix!r}" if path.suffix else "no extension"
        raise InputError(f"unknown {kind} file type ({shown}); expected one of {known}", path)
    # Before any reader opens it: a FIFO would block and a device read without end.
    check_input_file(path, f"{kind} file")
    return readers[ext]


def load_ions(path: str | os.PathLike[str]) -> IonData:
    """Read an ion file, choosing the reader by extension (case-insensitive).

    The arrays of the result are memory-mapped views where the format allows (a clean file is
    never copied); rows with NaN or infinite values are dropped and reported in ``warnings``.

    Raises
    ------
    InputError
        Unknown extension or anything wrong with the file.
    """
    path = Path(path)
    return _reader(path, ION_READERS, "ion")(path)


def load_ranges(path: str | os.PathLike[str]) -> RangeTable:
    """Read a range file (``.rrng``, ``.rng``, ``.env``; extension case-insensitive).

    Raises
    ------
    InputError
        Unknown extension or anything wrong with the file (with the line number where known).
    """
    path = Path(path)
    return _reader(path, RANGE_READERS, "range")(path)
