"""Helpers shared by the binary ion-file readers (.pos, .epos, .apt).

The readers memory-map files instead of reading them, so that opening a 10^8-ion file costs no
memory until pages are touched. Everything here therefore works chunk by chunk on (possibly
big-endian, possibly strided) views and never materialises a full-size temporary.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.limits import MAX_COORD_NM, check_input_file
from hea_studio.io.files import release_pages

# Rows per chunk when scanning a mapped file: the temporaries of 2^16 rows are about 1 MB, small next
# to any file worth mapping, and chunks are large enough that the Python loop overhead is negligible.
CHUNK_ROWS = 1 << 16
# Rows per call of the numba scan: 16 MB of a .pos, after which its pages are released.
SCAN_ROWS = 1 << 20
# More ions than this share beyond the coordinate limit: the file is misread, not a few stray ions.
MAX_FAR_SHARE = 0.01


def file_size(path: Path) -> int:
    """Size of ``path`` in bytes, as an :class:`InputError` when it cannot be read."""
    check_input_file(path, "ion file")  # a FIFO or a device is refused before any open
    try:
        return path.stat().st_size
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None


# The other fixed-record format a misnamed file may be: (record bytes, extension).
_OTHER_RECORDS = {".pos": (44, ".epos"), ".epos": (16, ".pos")}


def record_count(path: Path, record_bytes: int, kind: str, layout: str) -> int:
    """Number of fixed-size records in ``path``, or :class:`InputError` for an empty or ragged file.

    Parameters
    ----------
    path
        The ion file.
    record_bytes
        Size of one record (16 for .pos, 44 for .epos).
    kind, layout
        The format's name (".pos") and its record layout in words, for the message.
    """
    size = file_size(path)
    if size == 0:
        raise InputError(f"the file is empty (a {kind} file holds {record_bytes} bytes per ion)", path)
    if size % record_bytes:
        other = _OTHER_RECORDS.get(kind)
        hint = ""
        if other is not None and size % other[0] == 0:
            hint = f"; the size fits {other[0]}-byte {other[1]} records, so it is probably a {other[1]} file"
        raise InputError(
            f"size {size} bytes is not a multiple of the {record_bytes}-byte {kind} record ({layout}): "
            f"{size % record_bytes} bytes left over, the file is truncated or not a {kind} file{hint}",
            path,
        )
    return size // record_bytes


def open_mapping(path: Path) -> mmap.mmap:
    """Read-only memory map of the whole file (the file handle is closed again at once)."""
    try:
        with open(path, "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot be mapped into memory ({exc})", path) from None


def map_records(
    path: Path,
    dtype: np.dtype | str,
    shape: tuple[int, ...],
    offset: int = 0,
    mapping: mmap.mmap | None = None,
) -> np.ndarray:
    """Read-only array of ``shape`` items of ``dtype`` at byte ``offset`` of a memory map.

    The array's base chain holds the :class:`mmap.mmap`, which keeps the mapping alive and lets
    :func:`~hea_studio.io.files.release_pages` find it. ``mapping`` reuses one map for several arrays of one file.
    """
    mm = mapping if mapping is not None else open_mapping(path)
    count = int(np.prod(shape))
    try:
        return np.frombuffer(mm, dtype=dtype, count=count, offset=offset).reshape(shape)
    except ValueError as exc:
        raise InputError(f"cannot be mapped into memory ({exc})", path) from None


def _limit_bits(limit: float) -> np.uint32:
    """Bit pattern of the float32 ``limit`` (largest finite float32 for ``inf``: then only NaN/inf exceed it)."""
    value = np.float32(limit) if np.isfinite(limit) else np.finfo(np.float32).max
    return np.array([value], dtype=np.float32).view(np.uint32)[0]


def _rows_beyond_chunk(block: np.ndarray, limit: float) -> np.ndarray:
    """Boolean mask of rows of a block holding a NaN, an infinity or a magnitude above ``limit``."""
    block = np.asarray(block)
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(block) <= limit) if np.isfinite(limit) else ~np.isfinite(block)
    if bad.ndim == 2:
        return bad.any(axis=1)
    return bad


def rows_beyond(columns: list[np.ndarray], limits: list[float]) -> np.ndarray | None:
    """Rows (ions) where a column is NaN, infinite or beyond its limit, or ``None`` if there are none.

    Every row is checked, in the one pass the reader makes anyway (a sample would miss three stray
    ions at 3e38 nm, which then set the specimen's bounds). float32 columns (any byte order, any
    strides, e.g. views into a memory map) go through a numba kernel straight on the mapped bytes;
    others through :func:`rows_beyond_numpy`.

    Parameters
    ----------
    columns
        Arrays of equal length N, each (N,) or (N, k).
    limits
        Largest magnitude allowed in each column (``inf``: only NaN and infinity are refused).
    """
    arrays = [np.asarray(c) for c in columns]
    if any(a.dtype.kind != "f" or a.dtype.itemsize != 4 for a in arrays):
        return rows_beyond_numpy(columns, limits)
    from hea_studio.io.apt._kernels import count_rows_beyond, mark_rows_beyond

    raws = []
    for a, limit in zip(arrays, limits):
        raw = a.view(np.uint32)
        raws.append((raw[:, None] if raw.ndim == 1 else raw, not a.dtype.isnative, _limit_bits(limit)))
    n = arrays[0].shape[0]
    bad: np.ndarray | None = None
    for start in range(0, n, SCAN_ROWS):
        stop = min(n, start + SCAN_ROWS)
        if any(count_rows_beyond(raw[start:stop], swap, lim) for raw, swap, lim in raws):
            if bad is None:
                bad = np.zeros(n, dtype=bool)
            for raw, swap, lim in raws:
                mark_rows_beyond(raw[start:stop], swap, lim, bad[start:stop])
        for a in arrays:
            release_pages(a[start:stop])
    return bad


def rows_beyond_numpy(columns: list[np.ndarray], limits: list[float]) -> np.ndarray | None:
    """Plain-numpy twin of :func:`rows_beyond`, chunk by chunk."""
    n = columns[0].shape[0]
    bad_parts: list[tuple[int, np.ndarray]] = []
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        chunk_bad = None
        for col, limit in zip(columns, limits):
            b = _rows_beyond_chunk(col[start:stop], limit)
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
    diagnose: Callable[[], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Remove ions whose coordinates or m/n are NaN/infinite, or whose coordinates lie beyond
    +-:data:`~hea_studio.core.limits.MAX_COORD_NM`, recording a warning.

    Every row is checked; only when such rows exist are the arrays copied (the kept rows), so a
    clean file stays mapped. More than :data:`MAX_FAR_SHARE` of the ions far away means the file is
    misread or corrupt: that is an error, not a warning; ``diagnose`` (the reader's sample check,
    which can name the format the bytes really are) raises it first when it can.
    """
    bad = rows_beyond([positions, mass], [MAX_COORD_NM, np.inf])
    if bad is None:
        return positions, mass, extra
    n_bad = int(bad.sum())
    n = bad.shape[0]
    rows = np.flatnonzero(bad)
    with np.errstate(invalid="ignore"):
        pos_bad = np.asarray(positions[rows], dtype=np.float64)
        m_bad = np.asarray(mass[rows], dtype=np.float64)
    finite = np.isfinite(pos_bad).all(axis=1) & np.isfinite(m_bad)
    n_far = int(finite.sum())
    if n_far > MAX_FAR_SHARE * n:
        if diagnose is not None:
            diagnose()
        raise InputError(
            f"{n_far} of {n} ions are implausible for atom probe data (coordinates beyond "
            f"+-{MAX_COORD_NM:g} nm): the file is corrupt or not in the format its extension says",
            path,
        )
    if n_bad == n:
        raise InputError(
            f"all {n} ions have NaN or infinite coordinates or mass-to-charge; the file is corrupt "
            "or not in the format its extension says",
            path,
        )
    what = []
    if n_bad - n_far:
        what.append((n_bad - n_far, "with NaN or infinite coordinates or mass-to-charge"))
    if n_far:
        far = np.abs(pos_bad[finite]).max()
        what.append((n_far, f"with coordinates beyond +-{MAX_COORD_NM:g} nm (up to {far:.3g} nm)"))
    text = what[0][1] if len(what) == 1 else ": " + "; ".join(f"{k} {w}" for k, w in what)
    keep = ~bad
    warnings.append(f"{path.name}: dropped {n_bad} of {n} ions{'' if text[0] == ':' else ' '}{text}")
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

    A sample of up to 4096 records from 16 places in the file is read both ways; real coordinates (nm)
    and mass-to-charge values (Da) are modest numbers, while byte-swapped floats are mostly
    astronomically large, tiny or NaN.
    """
    n = records.shape[0]
    if n == 0:
        return
    # 16 blocks of 256 consecutive records spread over the file: touching scattered single rows
    # would fault in (and count as resident) most of a large file through the kernel's fault-around.
    starts = np.unique(np.linspace(0, max(n - 256, 0), num=16).astype(np.int64))
    # (concatenate returns native floats: the astype puts the big-endian byte layout back)
    sample = np.concatenate([np.asarray(records[s : s + 256]) for s in starts]).astype(">f4")
    release_pages(records)
    as_big = _implausible_fraction(sample)
    as_little = _implausible_fraction(sample.view("<f4"))
    if as_big > 0.5 and as_little < 0.05:
        raise InputError(
            f"the values look little-endian: a {what} file stores big-endian float32 values, but "
            f"{as_big:.0%} of the sampled values only make sense when read little-endian "
            "(the file was probably written by a tool that forgot to byte-swap)",
            path,
        )
