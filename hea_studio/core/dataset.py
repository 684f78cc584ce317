"""The opened specimen as the window and the analyses see it: atoms, density maps, default boxes.

Built off the GUI thread (:func:`hea_studio.compute.dataset.load_dataset`) and handed to the window
whole, so no view ever sees a half-built model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box
from hea_studio.core.ions import IonData
from hea_studio.core.ranges import RangeTable


@dataclass(frozen=True, eq=False)
class DensityMap:
    """A projected atom-count image of the specimen onto two axes.

    Parameters
    ----------
    axes
        The two axis indices (0 = x, 1 = y, 2 = z) along the image's first and second dimension.
    counts
        (nx, ny) atom counts per pixel.
    lo, hi
        Extent in nm along the two axes.
    """

    axes: tuple[int, int]
    counts: np.ndarray
    lo: tuple[float, float]
    hi: tuple[float, float]


@dataclass(frozen=True, eq=False)
class Dataset:
    """An opened specimen, ready to display and analyse (built by the worker, read by the GUI).

    Parameters
    ----------
    atoms
        The ranged (and decomposed) atoms.
    title
        Short name shown in the window title.
    ion_path, range_path
        The files read (``None`` for generated data).
    maps
        Density maps by name, ``"xy"`` and ``"xz"``.
    default_box
        The sub-volume placed when the dataset opens (the largest box inside the specimen).
    largest_cube
        The largest cube inside the specimen.
    n_ions, n_unranged
        Ions in the file and ions left out because no range claims them.
    ions
        The ions read (kept so that range edits can re-range them), ``None`` if not kept.
    ranges
        The range table applied, if kept.
    spectrum
        The mass spectrum of the whole run (a :class:`~hea_studio.compute.spectrum.mass.MassSpectrum`).
    fit_warnings
        What the range-file fit check found when the ranges were applied.
    waiting_for_ranges
        The ions have no ranges yet: ``atoms`` holds every ion as one species, :data:`UNRANGED`,
        for display only, and nothing is analysed.
    display
        What the 3D view draws (a :class:`~hea_studio.compute.common.display.DisplaySample`: a random
        sample, the bounds, the species counts), built on the worker; ``None``: the view builds it.
    n_far
        Stray ions far from the specimen, left out when the default box was placed.
    """

    atoms: AtomSet
    title: str
    ion_path: Path | None
    range_path: Path | None
    maps: dict[str, DensityMap]
    default_box: Box
    largest_cube: Box
    n_ions: int = 0
    n_unranged: int = 0
    ions: IonData | None = None
    ranges: RangeTable | None = None
    spectrum: object | None = None
    fit_warnings: tuple[str, ...] = ()
    waiting_for_ranges: bool = False
    display: object | None = None
    n_far: int = 0

    @property
    def bounds(self) -> Box:
        """Bounding box of all atoms (nm), closed upwards by a hair so every atom is inside."""
        p = self.atoms.positions
        lo = p.min(axis=0)
        hi = p.max(axis=0)
        pad = 1e-6 * max(float(np.max(hi - lo)), 1.0)
        return Box(tuple(lo), tuple(hi + pad))


# The species name of every ion while a run has no ranges (shown, never analysed).
UNRANGED = "unranged"
