"""AP Suite 6 ``.apt`` files (little-endian, sectioned).

Layout (facts of the format, checked against a real AP Suite file):

- File header, 540 bytes: ``"APT\\0"``, int32 header size (540), int32 version, 256 UTF-16 code
  units of original file name, int64 creation time, uint64 ion count (at byte 532).
- Then sections back to back, each a header followed by its data:
  ``"SEC\\0"``, int32 header size (148; 172 for Position, whose extra 24 bytes hold the bounds),
  int32 header version, 32 UTF-16 code units of section type name (``"Mass"``, ``"Position"``,
  ``"Multiplicity"``, ``"Detector Coordinates"``...), int32 section version, int32 relationship
  (1 = one record per ion), int32 record type (1 = fixed size), int32 data type (1 signed int,
  2 unsigned int, 3 float), int32 bits per value, int32 record size in bytes, 16 UTF-16 code units
  of unit, uint64 record count, uint64 byte count.

Every fixed-size one-record-per-ion section is memory-mapped and kept by its own name in
``IonData.extra`` (``(N,)`` for one value per record, ``(N, k)`` for k values).
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.ions import IonData
from hea_studio.io.apt._binary import drop_nonfinite, file_size, map_records, open_mapping
from hea_studio.io.apt._plausible import check_records

FILE_HEADER_BYTES = 540
SECTION_HEADER_MIN = 148
_KINDS = {1: "i", 2: "u", 3: "f"}


@dataclass(frozen=True)
class Section:
    """One section header of an .apt file."""

    name: str
    header_offset: int
    header_size: int
    relationship: int
    record_type: int
    data_type: int
    bits: int
    record_size: int
    unit: str
    record_count: int
    byte_count: int

    @property
    def data_offset(self) -> int:
        """Byte offset of the section's data."""
        return self.header_offset + self.header_size


def _utf16(raw: bytes) -> str:
    text = raw.decode("utf-16-le", errors="replace")
    return text.split("\0", 1)[0].strip()


def read_sections(path: Path, fh, size: int) -> tuple[int, list[Section]]:
    """Parse the file header and every section header (only headers are read, never the data)."""
    head = fh.read(FILE_HEADER_BYTES)
    if len(head) < 4 or head[:4] != b"APT\0":
        raise InputError('not an AP Suite .apt file: it does not start with "APT\\0"', path)
    if len(head) < FILE_HEADER_BYTES:
        raise InputError(
            f"truncated: the .apt file header needs {FILE_HEADER_BYTES} bytes, the file has {size}", path
        )
    header_size = struct.unpack_from("<i", head, 4)[0]
    if header_size < FILE_HEADER_BYTES or header_size > size:
        raise InputError(f"corrupt .apt file header (header size {header_size} bytes)", path)
    n_ions = struct.unpack_from("<Q", head, 532)[0]
    sections: list[Section] = []
    offset = header_size
    while offset < size:
        fh.seek(offset)
        raw = fh.read(SECTION_HEADER_MIN)
        if len(raw) < SECTION_HEADER_MIN:
            raise InputError(
                f"truncated: a section header at byte {offset} needs {SECTION_HEADER_MIN} bytes, "
                f"only {len(raw)} remain",
                path,
            )
        if raw[:4] != b"SEC\0":
            raise InputError(f'corrupt: expected a section header "SEC\\0" at byte {offset}', path)
        hsize = struct.unpack_from("<i", raw, 4)[0]
        name = _utf16(raw[12:76])
        _version, rel, rtype, dtype, bits, rsize = struct.unpack_from("<6i", raw, 76)
        unit = _utf16(raw[100:132])
        count, nbytes = struct.unpack_from("<QQ", raw, 132)
        if hsize < SECTION_HEADER_MIN:
            raise InputError(f"corrupt: section {name!r} declares a {hsize}-byte header", path)
        end = offset + hsize + nbytes
        if end > size:
            raise InputError(
                f"truncated section {name!r}: it needs {hsize + nbytes} bytes from byte {offset}, "
                f"the file ends {size - offset} bytes after its start",
                path,
            )
        sections.append(Section(name, offset, hsize, rel, rtype, dtype, bits, rsize, unit, count, nbytes))
        offset = end
    return n_ions, sections


def _map_section(path: Path, sec: Section, n_ions: int, mapping: mmap.mmap) -> np.ndarray | None:
    """Memory map of a fixed-size, one-record-per-ion section, or ``None`` if it is not one."""
    if sec.relationship != 1 or sec.record_type != 1 or sec.data_type not in _KINDS:
        return None
    if sec.bits not in (8, 16, 32, 64) or sec.record_size <= 0:
        return None
    width = sec.bits // 8
    if sec.record_size % width or sec.record_count != n_ions:
        return None
    if sec.byte_count != sec.record_count * sec.record_size:
        raise InputError(
            f"corrupt section {sec.name!r}: {sec.record_count} records of {sec.record_size} bytes "
            f"need {sec.record_count * sec.record_size} bytes but it holds {sec.byte_count}",
            path,
        )
    if sec.data_type == 3 and width not in (4, 8):
        return None
    dtype = np.dtype(f"<{_KINDS[sec.data_type]}{width}")
    columns = sec.record_size // width
    shape = (sec.record_count,) if columns == 1 else (sec.record_count, columns)
    if sec.record_count == 0:
        return np.zeros(shape, dtype=dtype)
    return map_records(path, dtype, shape, offset=sec.data_offset, mapping=mapping)


def read_apt(path: str | os.PathLike[str]) -> IonData:
    """Read an AP Suite 6 .apt file: Position and Mass, plus every other per-ion section by name.

    Raises
    ------
    InputError
        Not an .apt file, truncated or inconsistent sections, no Position or no Mass section.
    """
    path = Path(path)
    size = file_size(path)
    if size == 0:
        raise InputError("the file is empty", path)
    try:
        with open(path, "rb") as fh:
            n_ions, sections = read_sections(path, fh, size)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None
    if n_ions == 0:
        raise InputError("the file header says it holds 0 ions", path)
    arrays: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    mapping = open_mapping(path)
    for sec in sections:
        arr = _map_section(path, sec, n_ions, mapping)
        if arr is None:
            skipped.append(sec.name)
        elif sec.name in arrays:
            skipped.append(sec.name + " (repeated)")
        else:
            arrays[sec.name] = arr
    names = ", ".join(s.name for s in sections) or "none"
    for required, cols in (("Position", 3), ("Mass", 1)):
        if required not in arrays:
            raise InputError(
                f"no usable {required} section (sections found: {names}); "
                "export the file from AP Suite with Position and Mass included",
                path,
            )
        arr = arrays[required]
        have = 1 if arr.ndim == 1 else arr.shape[1]
        if have != cols or arr.dtype.kind != "f":
            raise InputError(
                f"the {required} section holds {have} {arr.dtype} value(s) per ion, expected {cols} float",
                path,
            )
    positions = arrays.pop("Position")
    mass = arrays.pop("Mass")
    warnings: list[str] = []
    if skipped:
        warnings.append(
            f"{path.name}: sections not read (not one fixed-size record per ion): {', '.join(skipped)}"
        )
    raw_pos, raw_mass = positions, mass
    positions, mass, extra = drop_nonfinite(
        path, positions, mass, arrays, warnings, lambda: check_records(path, raw_pos, raw_mass, ".apt")
    )
    check_records(path, positions, mass, ".apt")
    return IonData(positions, mass, "apt", source=path, extra=extra, warnings=tuple(warnings))
