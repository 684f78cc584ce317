"""Recently opened (ion file, range file) pairs, remembered in QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 8
_KEY = "files/recent"
_SEP = "\n"  # a character that cannot occur in a path on any supported platform


def read_recent(store: QSettings) -> list[tuple[Path, Path | None]]:
    """The remembered pairs, newest first."""
    raw = store.value(_KEY, [])
    if isinstance(raw, str):
        raw = [raw]
    out: list[tuple[Path, Path | None]] = []
    for entry in raw or []:
        ion, _, ranges = str(entry).partition(_SEP)
        if ion:
            out.append((Path(ion), Path(ranges) if ranges else None))
    return out


def remember(store: QSettings, ion: Path, ranges: Path | None) -> list[tuple[Path, Path | None]]:
    """Put a pair at the top of the list (dropping an older copy) and return the new list."""
    pairs = [(Path(ion).resolve(), Path(ranges).resolve() if ranges else None)]
    pairs += [p for p in read_recent(store) if p != pairs[0]]
    pairs = pairs[:MAX_RECENT]
    store.setValue(_KEY, [f"{i}{_SEP}{r or ''}" for i, r in pairs])
    return pairs


def guess_range_file(ion: Path) -> Path | None:
    """A range file next to ``ion`` with the same stem (``.rrng``, ``.rng`` or ``.env``), if any."""
    for ext in (".rrng", ".RRNG", ".rng", ".RNG", ".env", ".ENV"):
        candidate = Path(ion).with_suffix(ext)
        if candidate.is_file():
            return candidate
    return None


ION_EXTENSIONS = (".pos", ".epos", ".apt")
RANGE_EXTENSIONS = (".rrng", ".rng", ".env")


def split_dropped(paths: list[Path]) -> tuple[Path | None, Path | None]:
    """The first ion file and the first range file among dropped ``paths``."""
    ion = next((p for p in paths if p.suffix.lower() in ION_EXTENSIONS), None)
    ranges = next((p for p in paths if p.suffix.lower() in RANGE_EXTENSIONS), None)
    return ion, ranges
