"""Raw ion data as read from a .pos, .epos or .apt file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True, eq=False)
class IonData:
    """Ions of one reconstruction.

    Arrays may be read-only views into a memory map (possibly big-endian); consumers that need
    native contiguous arrays convert the slice they work on.

    Parameters
    ----------
    positions
        (N, 3) reconstructed x, y, z in nm.
    mass
        (N,) mass-to-charge ratio in Da.
    format
        ``"pos"``, ``"epos"``, ``"apt"`` or ``"synthetic"``.
    source
        The file read, if any.
    extra
        Other one-value-per-ion columns by name (e.g. ``"tof"``, ``"multiplicity"``,
        ``"detector_x"``); multi-column sections are (N, k).
    warnings
        Non-fatal problems found while reading (e.g. dropped non-finite rows).
    """

    positions: np.ndarray
    mass: np.ndarray
    format: str
    source: Path | None = None
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def n_ions(self) -> int:
        """Number of ions."""
        return int(self.mass.shape[0])
