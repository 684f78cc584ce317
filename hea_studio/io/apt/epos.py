"""The .epos ion file: 44-byte big-endian records.

Per ion: x, y, z (nm), m/n (Da), time of flight (ns), DC voltage (kV), pulse voltage (kV),
detector x, y (mm) as float32, then pulses since the previous event and ions in this pulse as
uint32.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from hea_studio.core.ions import IonData
from hea_studio.io.apt._binary import (
    check_byte_order,
    drop_nonfinite,
    map_records,
    open_mapping,
    record_count,
)
from hea_studio.io.apt._plausible import check_records, refuse_text, sample_rows

RECORD_BYTES = 44
FLOAT_COLUMNS = ("x", "y", "z", "mass", "tof", "v_dc", "v_pulse", "detector_x", "detector_y")
UINT_COLUMNS = ("pulses_since_last", "ions_per_pulse")
# Far above any real multi-hit count (a detector resolves a few tens of ions per pulse at most).
MAX_IONS_PER_PULSE = 65535


def read_epos(path: str | os.PathLike[str]) -> IonData:
    """Read a .epos file as views into a memory map.

    ``extra`` holds ``tof``, ``v_dc``, ``v_pulse``, ``detector_x``, ``detector_y`` (float32) and
    ``pulses_since_last``, ``ions_per_pulse`` (uint32), one value per ion.

    Raises
    ------
    InputError
        Empty file, size not a multiple of 44 bytes, values that look little-endian, text content,
        records implausible for APT data (see :mod:`hea_studio.io.apt._plausible`), e.g. a .pos file.
    """
    path = Path(path)
    refuse_text(path, ".epos")
    n = record_count(path, RECORD_BYTES, ".epos", "9 big-endian float32 + 2 uint32")
    # Two typed views of the same mapping: the float columns and the two trailing uint32 columns.
    mapping = open_mapping(path)
    as_float = map_records(path, ">f4", (n, 11), mapping=mapping)
    as_uint = map_records(path, ">u4", (n, 11), mapping=mapping)
    check_byte_order(path, as_float[:, :4], ".epos")
    extra = {name: as_float[:, 4 + i] for i, name in enumerate(FLOAT_COLUMNS[4:])}
    extra.update({name: as_uint[:, 9 + i] for i, name in enumerate(UINT_COLUMNS)})
    warnings: list[str] = []
    alternatives: tuple[tuple[str, np.ndarray, np.ndarray], ...] = ()
    if (n * RECORD_BYTES) % 16 == 0:  # the same bytes as 16-byte .pos records
        as_pos = as_float.reshape(-1).reshape(-1, 4)
        alternatives = ((".pos", as_pos[:, :3], as_pos[:, 3]),)
    positions, mass, extra = drop_nonfinite(
        path,
        as_float[:, :3],
        as_float[:, 3],
        extra,
        warnings,
        lambda: check_records(path, as_float[:, :3], as_float[:, 3], ".epos", alternatives),
    )
    # Ions per pulse is a small count; bytes of another format read as this uint32 are huge.
    per_pulse = np.asarray(extra["ions_per_pulse"][sample_rows(mass.shape[0])])
    check_records(path, positions, mass, ".epos", alternatives, extra_bad=per_pulse > MAX_IONS_PER_PULSE)
    return IonData(positions, mass, "epos", source=path, extra=extra, warnings=tuple(warnings))
