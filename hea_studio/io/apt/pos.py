"""The .pos ion file: records of 4 big-endian float32 values x, y, z (nm) and m/n (Da)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.ions import IonData
from hea_studio.io.apt._binary import check_byte_order, drop_nonfinite, map_records, record_count
from hea_studio.io.apt._plausible import check_records, refuse_text

RECORD_BYTES = 16
POS_DTYPE = np.dtype(">f4")


def read_pos(path: str | os.PathLike[str]) -> IonData:
    """Read a .pos file without copying it (the returned arrays are views into a memory map).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    IonData
        ``positions`` (N, 3) and ``mass`` (N,) as big-endian float32 views; rows with NaN or
        infinite values are dropped (then the arrays are copies) and reported in ``warnings``.

    Raises
    ------
    InputError
        Empty file, size not a multiple of 16 bytes, values that look little-endian, text content,
        records implausible for APT data (see :mod:`hea_studio.io.apt._plausible`), e.g. an .epos file.
    """
    path = Path(path)
    refuse_text(path, ".pos")
    n = record_count(path, RECORD_BYTES, ".pos", "x, y, z, m/n as big-endian float32")
    records = map_records(path, POS_DTYPE, (n, 4))
    check_byte_order(path, records, ".pos")
    warnings: list[str] = []
    alternatives: tuple[tuple[str, np.ndarray, np.ndarray], ...] = ()
    if (n * RECORD_BYTES) % 44 == 0:  # the same bytes as 44-byte .epos records
        as_epos = records.reshape(-1)[: n * RECORD_BYTES // 4].reshape(-1, 11)
        alternatives = ((".epos", as_epos[:, :3], as_epos[:, 3]),)
    positions, mass, _ = drop_nonfinite(
        path,
        records[:, :3],
        records[:, 3],
        {},
        warnings,
        lambda: check_records(path, records[:, :3], records[:, 3], ".pos", alternatives),
    )
    check_records(path, positions, mass, ".pos", alternatives)
    return IonData(positions, mass, "pos", source=path, warnings=tuple(warnings))


def write_pos(path: str | os.PathLike[str], positions: np.ndarray, mass: np.ndarray) -> None:
    """Write ions as a .pos file (big-endian float32 x, y, z, m/n).

    Parameters
    ----------
    path
        Output file (overwritten).
    positions
        (N, 3) coordinates in nm.
    mass
        (N,) mass-to-charge ratios in Da.
    """
    path = Path(path)
    pos = np.asarray(positions)
    m = np.asarray(mass)
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise InputError(f"positions must be (N, 3), got shape {pos.shape}", path)
    if m.shape != (pos.shape[0],):
        raise InputError(f"mass must be (N,) matching positions, got shape {m.shape}", path)
    n = pos.shape[0]
    # Written in slices so that writing a large array needs only a slice-sized buffer.
    step = 1 << 20
    with open(path, "wb") as fh:
        for start in range(0, n, step):
            stop = min(n, start + step)
            block = np.empty((stop - start, 4), dtype=POS_DTYPE)
            block[:, :3] = pos[start:stop]
            block[:, 3] = m[start:stop]
            block.tofile(fh)
