"""Helpers shared by the binary ion-file readers (.pos, .epos, .apt).

The readers memory-map files instead of reading them, so that opening a 10^8-ion file costs no
memory until pages are touched. Everything here therefore works chunk by chunk on (possibly
big-endian, possibly strided) views and never materialises a full-size temporary.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError

# Rows per chunk when scanning a mapped file: the temporaries of 2^16 rows are about 1 MB, small next
# to any file worth mapping, and chunks are large enough that the Python loop overhead is negligible.
CHUNK_ROWS = 1 << 16


def file_size(path: Path) -> int:
    """Size of ``path`` in bytes, as an :class:`InputError` when it cannot be read."""
    try:
        if path.is_dir():
            raise InputError("is a folder, not an ion file", path)
        return path.stat().st_size
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None


def map_records(path: Path, dtype: np.dtype | str, shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
    """Read-only memory map of ``shape`` items of ``dtype`` starting at byte ``offset``."""
    try:
        return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot be mapped into memory ({exc})", path) from None


def _nonfinite_rows_chunk(block: np.ndarray) -> np.ndarray:
    """Boolean mask of rows of a 2-D float32 block holding a NaN or an infinity.

    A float32 is non-finite exactly when its 8 exponent bits are all ones. For big-endian data on
    a little-endian machine, reading the same 4 bytes as a native uint32 puts the sign+exponent
    byte at bit 0..7 and the next byte at bit 8..15, so the test is a single AND with 0x807F and
    needs no byte swap (which is what makes ``np.isfinite`` on big-endian data slow).
    """
    block = np.asarray(block)
    if block.dtype == np.dtype(">f4") and sys.byteorder == "little":
        raw = block.view(np.uint32)
        bad = (raw & np.uint32(0x807F)) == np.uint32(0x807F)
    elif block.dtype == np.dtype("<f4") and sys.byteorder == "little":
        raw = block.view(np.uint32)
        bad = (raw & np.uint32(0x7F800000)) == np.uint32(0x7F800000)
    else:
        bad = ~np.isfinite(block)
    if bad.ndim == 2:
        return bad.any(axis=1)
    return bad


def nonfinite_mask(columns: list[np.ndarray]) -> np.ndarray | None:
    """Rows (ions) where any of ``columns`` is NaN or infinite, or ``None`` if there are none.

    Parameters
    ----------
    columns
        Arrays of equal length N, each (N,) or (N, k); typically views into a memory map.
    """
    n = columns[0].shape[0]
    bad_parts: list[tuple[int, np.ndarray]] = []
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        chunk_bad = None
        for col in columns:
            # A strided view is fine: reinterpreting float32 as uint32 keeps the item size.
            b = _nonfinite_rows_chunk(col[start:stop])
            chunk_bad = b if chunk_bad is None else (chunk_bad | b)
        if chunk_bad is not None and chunk_bad.any():
            bad_parts.append((start, chunk_bad))
    if not bad_parts:
        return None
    mask = np.zeros(n, dtype=bool)
    for start, part in bad_parts:
        mask[start : start + part.shape[0]] = part
    return mask


def drop_nonfinite(
    path: Path,
    positions: np.ndarray,
    mass: np.ndarray,
    extra: dict[str, np.ndarray],
    warnings: list[str],
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Remove ions whose coordinates or m/n are NaN/infinite, recording a warning.

    Only when such rows exist are the arrays copied (the kept rows); a clean file stays mapped.
    """
    bad = nonfinite_mask([positions, mass])
    if bad is None:
        return positions, mass, extra
    n_bad = int(bad.sum())
    n = bad.shape[0]
    if n_bad == n:
        raise InputError(
            f"all {n} ions have NaN or infinite coordinates or mass-to-charge; the file is corrupt "
            "or not in the format its extension says",
            path,
        )
    keep = ~bad
    warnings.append(
        f"{path.name}: dropped {n_bad} of {n} ions with NaN or infinite coordinates or mass-to-charge"
    )
    return (
        np.ascontiguousarray(positions[keep]),
        np.ascontiguousarray(mass[keep]),
        {k: np.ascontiguousarray(v[keep]) for k, v in extra.items()},
    )


def _implausible_fraction(values: np.ndarray) -> float:
    """Fraction of values no real reconstruction would hold (NaN/inf, > 1e6, or tiny denormal-ish)."""
    with np.errstate(invalid="ignore", over="ignore"):
        v = values.astype(np.float64)
        a = np.abs(v)
        bad = ~np.isfinite(v) | (a > 1e6) | ((a < 1e-20) & (a > 0))
    return float(bad.mean()) if bad.size else 0.0


def check_byte_order(path: Path, records: np.ndarray, what: str) -> None:
    """Raise if a big-endian float32 record table looks like it was written little-endian.

    A sample of up to 4096 records spread over the file is read both ways; real coordinates (nm)
    and mass-to-charge values (Da) are modest numbers, while byte-swapped floats are mostly
    astronomically large, tiny or NaN.
    """
    n = records.shape[0]
    if n == 0:
        return
    idx = np.unique(np.linspace(0, n - 1, num=min(n, 4096)).astype(np.int64))
    sample = np.asarray(records[idx], dtype=">f4")
    as_big = _implausible_fraction(sample)
    as_little = _implausible_fraction(sample.view("<f4"))
    if as_big > 0.5 and as_little < 0.05:
        raise InputError(
            f"the values look little-endian: a {what} file stores big-endian float32 values, but "
            f"{as_big:.0%} of the sampled values only make sense when read little-endian "
            "(the file was probably written by a tool that forgot to byte-swap)",
            path,
        )
