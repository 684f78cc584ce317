"""Where a result came from: software versions and input files with their SHA-256 (reports, NeXus, batch)."""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from hea_studio import __version__

# Distributions whose versions decide the numbers or the figures (the Qt ones by their wheel names).
DEPENDENCIES = ("numpy", "numba", "h5py", "pyqtgraph", "vispy", "PySide6-Essentials", "dask", "distributed")
_HASH_BLOCK = 1 << 22


def software_versions() -> dict[str, str]:
    """``{"hea-studio": ..., "python": ..., "platform": ..., "numpy": ..., ...}``; absent packages are left out."""
    out = {
        "hea-studio": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
    }
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


@dataclass(frozen=True)
class InputFile:
    """An input file as a report names it: path, size and SHA-256 of its content."""

    path: str
    size_bytes: int
    sha256: str

    def to_json(self) -> dict[str, object]:
        """Plain-JSON form."""
        return {"path": self.path, "size_bytes": self.size_bytes, "sha256": self.sha256}


@lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def input_file(path: str | os.PathLike[str]) -> InputFile:
    """Describe ``path`` (hashing a large ion file once per size and modification time)."""
    p = Path(path).resolve()
    st = p.stat()
    return InputFile(str(p), int(st.st_size), _sha256(str(p), st.st_size, st.st_mtime_ns))
