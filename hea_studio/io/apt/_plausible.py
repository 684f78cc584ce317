"""Is what a reader decoded really atom probe data? Checks every ion file that loads.

Binary ion files have no magic number (.pos, .epos) and almost any byte string of the right size
decodes as float32 records, so a wrong file used to load "successfully": an .epos renamed .pos,
a CSV named .pos, random bytes, giving bounds of +-3e38 nm and a meaningless SUME. Real
reconstructions hold coordinates within micrometres and mass-to-charge ratios of a few hundred Da,
and their float32 values are never subnormal; a wrongly decoded file breaks these rules for a large
share of its records. So a sample of records (the whole file when it is small) is read and the file
is refused, with its likely cause, when more than a small share of them is implausible.
"""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.limits import MASS_RANGE_DA, MAX_COORD_NM
from hea_studio.io.files import release_pages

# Limits of a plausible reconstruction: core.limits.MAX_COORD_NM and MASS_RANGE_DA.
# Refuse when more than this share of the sampled records is implausible. Real files have none
# (NaN rows are dropped before); misread files have tens of percent.
MAX_BAD_SHARE = 0.01
# Sample: 16 blocks of 256 consecutive records spread over the file (all records when fewer).
_BLOCKS = 16
_BLOCK_ROWS = 256
# Bytes inspected for text content.
_TEXT_PROBE = 4096


def looks_like_text(path: Path, head: bytes) -> bool:
    """True when the start of the file is printable text (a CSV, a range file, a log...)."""
    if not head or b"\0" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the probe is still text.
        if exc.start < len(head) - 4:
            return False
        text = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.98 * len(text)


def read_head(path: Path) -> bytes:
    """The first bytes of ``path`` (empty if it cannot be read: the reader reports that)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return b""  # a FIFO would block here; the reader refuses it with its reason
        with open(path, "rb") as fh:
            return fh.read(_TEXT_PROBE)
    except OSError:
        return b""


def refuse_text(path: Path, kind: str) -> None:
    """Raise if the file holds text instead of binary records."""
    if looks_like_text(path, read_head(path)):
        raise InputError(
            f"the file holds text, not binary {kind} records; it is probably a CSV, range or log file "
            f"saved under a {kind} name",
            path,
        )


def sample_rows(n: int) -> np.ndarray:
    """Row indices of the sample: all rows of a small file, else 16 spread blocks of 256 rows."""
    if n <= _BLOCKS * _BLOCK_ROWS:
        return np.arange(n)
    starts = np.linspace(0, n - _BLOCK_ROWS, num=_BLOCKS).astype(np.int64)
    return (starts[:, None] + np.arange(_BLOCK_ROWS)[None, :]).ravel()


def _take(arr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Native float64 copies of the sampled rows (block by block, so a mapped file is barely touched)."""
    with np.errstate(invalid="ignore"):  # NaN rows are still in the data when a misread file is diagnosed
        out = np.asarray(arr[rows], dtype=np.float64)
    release_pages(arr)
    return out


def implausible_rows(positions: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Boolean mask over rows: coordinates beyond +-1e4 nm, m/n outside 0-1000 Da, or subnormal values.

    ``positions`` (n, 3) and ``mass`` (n,) in any float dtype and byte order.
    """
    pos = np.asarray(positions, dtype=np.float64)
    m = np.asarray(mass, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~np.isfinite(m) | (m < MASS_RANGE_DA[0]) | (m > MASS_RANGE_DA[1])
        bad |= np.any(~np.isfinite(pos) | (np.abs(pos) > MAX_COORD_NM), axis=1)
        # float32 subnormals (|v| < 1.2e-38, not 0) are integers or misaligned bytes read as floats.
        tiny = np.finfo(np.float32).tiny
        both = np.concatenate([np.abs(pos), np.abs(m)[:, None]], axis=1)
        bad |= np.any((both > 0) & (both < tiny), axis=1)
    return bad


def check_records(
    path: Path,
    positions: np.ndarray,
    mass: np.ndarray,
    kind: str,
    alternatives: tuple[tuple[str, np.ndarray, np.ndarray], ...] = (),
    extra_bad: np.ndarray | None = None,
) -> None:
    """Refuse the file when too many sampled records are implausible, naming the likely cause.

    Parameters
    ----------
    path
        The file, for the message.
    positions, mass
        The decoded columns (views into the memory map are fine: only the sample is read).
    kind
        ``".pos"``, ``".epos"`` or ``".apt"``.
    alternatives
        ``(kind, positions, mass)`` of the same bytes decoded as another format: if that decoding
        is plausible, the message says the file is probably of that kind.
    extra_bad
        Further implausible rows of the sample, e.g. impossible counter columns of an .epos.
    """
    n = mass.shape[0]
    if n == 0:
        return
    rows = sample_rows(n)
    bad = implausible_rows(_take(positions, rows), _take(mass, rows))
    if extra_bad is not None:
        bad |= extra_bad
    share = float(bad.mean())
    if share <= MAX_BAD_SHARE:
        return
    for other, alt_pos, alt_mass in alternatives:
        if alt_mass.shape[0] == 0:
            continue
        alt_rows = sample_rows(alt_mass.shape[0])
        if implausible_rows(_take(alt_pos, alt_rows), _take(alt_mass, alt_rows)).mean() <= MAX_BAD_SHARE:
            raise InputError(
                f"this is not a {kind} file: its records make sense only when read as {other} "
                f"(the file was probably renamed; give it the {other} extension)",
                path,
            )
    what = "all sampled records" if share == 1.0 else f"{share:.0%} of the sampled records"
    raise InputError(
        f"{what} are implausible for atom probe data (coordinates beyond +-{MAX_COORD_NM:g} nm, "
        f"mass-to-charge outside {MASS_RANGE_DA[0]:g}-{MASS_RANGE_DA[1]:g} Da, or integers read as "
        f"floats): the file is corrupt or not a {kind} file",
        path,
    )
