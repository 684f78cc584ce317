"""Atoms ready for analysis: positions plus an element label per atom."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RGB = tuple[float, float, float]

Formula = tuple[tuple[str, int], ...]


@dataclass(frozen=True, eq=False)
class IonOrigin:
    """Which atoms arrived together as one ion (science.md 1: the ion is the random draw).

    Parameters
    ----------
    lead
        (M,) int32, one entry per atom of the :class:`AtomSet`: for the first atom of every ion the
        index of its formula in ``formulas``, -1 for the other atoms of the same ion (they sit at
        the lead atom's position).
    names
        Ion species name of every formula (e.g. ``"CrO2"``).
    formulas
        Whole atoms per element of every ion species, e.g. ``(("Cr", 1), ("O", 2))``.
    """

    lead: np.ndarray
    names: tuple[str, ...]
    formulas: tuple[Formula, ...]

    @property
    def has_molecular(self) -> bool:
        """True if some ion species holds more than one atom."""
        return any(sum(c for _, c in f) > 1 for f in self.formulas)


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
    ions
        Which atoms came as one molecular ion, when molecular ions were decomposed; ``None`` when
        every atom was its own ion (then each atom is an independent draw).
    """

    positions: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    colours: dict[str, RGB] = field(default_factory=dict)
    ions: IonOrigin | None = None

    def __post_init__(self) -> None:
        if self.positions.ndim != 2 or self.positions.shape[1] != 3:
            raise ValueError("positions must be (M, 3)")
        if self.labels.shape != (self.positions.shape[0],):
            raise ValueError("labels must be (M,) matching positions")
        if self.ions is not None and self.ions.lead.shape != self.labels.shape:
            raise ValueError("ions.lead must be (M,) matching positions")

    @property
    def n_atoms(self) -> int:
        """Number of atoms."""
        return int(self.positions.shape[0])

    def counts(self) -> dict[str, int]:
        """Atoms per name (counted once, chunk by chunk, then remembered: the arrays never change,
        and a 10^8-atom count must not be repeated on the GUI thread)."""
        cached = self.__dict__.get("_counts")
        if cached is None:
            c = np.zeros(len(self.names), dtype=np.int64)
            step = 1 << 22
            for start in range(0, self.labels.shape[0], step):
                c += np.bincount(self.labels[start : start + step], minlength=len(self.names))[
                    : len(self.names)
                ]
            cached = {n: int(c[i]) for i, n in enumerate(self.names)}
            object.__setattr__(self, "_counts", cached)
        return dict(cached)

    def index_of(self, name: str) -> int:
        """Label index of ``name`` (raises ``KeyError`` if absent)."""
        return self.names.index(name)
