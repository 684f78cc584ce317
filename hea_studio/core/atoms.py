"""Atoms ready for analysis: positions plus an element label per atom."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RGB = tuple[float, float, float]


@dataclass(frozen=True, eq=False)
class AtomSet:
    """Ranged (and by default decomposed) atoms.

    Parameters
    ----------
    positions
        (M, 3) float coordinates in nm.
    labels
        (M,) integer index into ``names`` for every atom.
    names
        Species names: element symbols after decomposition, ion names without it.
    colours
        Display colour (r, g, b in 0..1) per name, from the range file where it gave one.
    """

    positions: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    colours: dict[str, RGB] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.positions.ndim != 2 or self.positions.shape[1] != 3:
            raise ValueError("positions must be (M, 3)")
        if self.labels.shape != (self.positions.shape[0],):
            raise ValueError("labels must be (M,) matching positions")

    @property
    def n_atoms(self) -> int:
        """Number of atoms."""
        return int(self.positions.shape[0])

    def counts(self) -> dict[str, int]:
        """Atoms per name."""
        c = np.bincount(self.labels, minlength=len(self.names))
        return {n: int(c[i]) for i, n in enumerate(self.names)}

    def index_of(self, name: str) -> int:
        """Label index of ``name`` (raises ``KeyError`` if absent)."""
        return self.names.index(name)
