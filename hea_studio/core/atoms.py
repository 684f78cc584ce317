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
class IonRows:
    """The rows of an :class:`AtomSet` are whole ions, each standing for the atoms of its class.

    A molecular ion (``CrO2``) decomposes into atoms that all sit at the ion's position (science.md
    1), so its atoms need no positions of their own: one row per ion (12 bytes of float32 position
    and a 1-byte class label) stands for all of them. Atom ``r`` of a row of class ``c`` is the
    element ``members[c, r]`` (-1: class ``c`` has fewer than ``r + 1`` atoms). Passes over the
    atoms are passes over the rows, once per *layer* ``r`` that holds an atom of interest.

    Parameters
    ----------
    species
        Ion species name of every class (``"CrO2"``).
    formulas
        Whole atoms per element of every class, e.g. ``(("Cr", 1), ("O", 2))``.
    members
        (n_classes, R) int64 element label (index into :attr:`AtomSet.names`) of every atom of a
        class, -1 beyond its last atom; R is the largest number of atoms in one ion.
    """

    species: tuple[str, ...]
    formulas: tuple[Formula, ...]
    members: np.ndarray

    def __post_init__(self) -> None:
        m = self.members
        if m.ndim != 2 or m.shape[0] != len(self.formulas) or m.shape[0] != len(self.species):
            raise ValueError("members must be (n_classes, R) with one row per class")

    @property
    def depth(self) -> int:
        """R: the most atoms one ion holds (the number of layers)."""
        return int(self.members.shape[1])

    def multiplicity(self, n_names: int) -> np.ndarray:
        """(n_classes, n_names) int64: atoms of every element in one ion of every class."""
        out = np.zeros((self.members.shape[0], n_names), dtype=np.int64)
        for r in range(self.depth):
            col = self.members[:, r]
            has = col >= 0
            np.add.at(out, (np.flatnonzero(has), col[has]), 1)
        return out


@dataclass(frozen=True, eq=False)
class AtomSet:
    """Ranged (and by default decomposed) atoms.

    Parameters
    ----------
    positions
        (M, 3) float coordinates in nm, one row per atom, or one row per ion when ``rows`` is set.
    labels
        (M,) integer index into ``names`` for every atom (into ``rows.species`` when ``rows`` is set).
    names
        Species names: element symbols after decomposition, ion names without it.
    colours
        Display colour (r, g, b in 0..1) per name, from the range file where it gave one.
    ions
        Which atoms came as one molecular ion, when molecular ions were decomposed; ``None`` when
        every atom was its own ion (then each atom is an independent draw). With ``rows`` every row
        is an ion: ``ions.lead`` is ``labels`` itself and ``ions.formulas`` the classes' formulas.
    rows
        Set when the rows are ions standing for their atoms (:class:`IonRows`, the compact form of a
        decomposition with molecular ions); ``None`` when every row is one atom.
    """

    positions: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    colours: dict[str, RGB] = field(default_factory=dict)
    ions: IonOrigin | None = None
    rows: IonRows | None = None

    def __post_init__(self) -> None:
        if self.positions.ndim != 2 or self.positions.shape[1] != 3:
            raise ValueError("positions must be (M, 3)")
        if self.labels.shape != (self.positions.shape[0],):
            raise ValueError("labels must be (M,) matching positions")
        if self.ions is not None and self.ions.lead.shape != self.labels.shape:
            raise ValueError("ions.lead must be (M,) matching positions")
        if self.rows is not None and int(self.rows.members.max(initial=-1)) >= len(self.names):
            raise ValueError("rows.members names an element beyond names")

    @property
    def n_rows(self) -> int:
        """Rows of :attr:`positions`: atoms, or ions when :attr:`rows` is set."""
        return int(self.positions.shape[0])

    @property
    def n_labels(self) -> int:
        """Distinct row labels: names, or ion classes when the rows are ions."""
        return len(self.names) if self.rows is None else len(self.rows.species)

    @property
    def n_atoms(self) -> int:
        """Number of atoms (with :attr:`rows`, the atoms all ions stand for)."""
        if self.rows is None:
            return self.n_rows
        return sum(self.counts().values())

    def label_counts(self) -> np.ndarray:
        """(n_labels,) int64 rows per label, counted once chunk by chunk and then remembered (the
        arrays never change, and a 10^8-row count must not be repeated on the GUI thread)."""
        cached = self.__dict__.get("_label_counts")
        if cached is None:
            n = self.n_labels
            cached = np.zeros(n, dtype=np.int64)
            step = 1 << 22
            for start in range(0, self.labels.shape[0], step):
                cached += np.bincount(self.labels[start : start + step], minlength=n)[:n]
            object.__setattr__(self, "_label_counts", cached)
        return cached.copy()

    def element_counts(self, label_counts: np.ndarray) -> np.ndarray:
        """(n_names,) int64 atoms per name from rows per label (the same array without :attr:`rows`)."""
        c = np.asarray(label_counts, dtype=np.int64)
        if self.rows is None:
            return c.copy()
        return c @ self.rows.multiplicity(len(self.names))

    def layer_luts(self, lut: np.ndarray) -> list[np.ndarray]:
        """Per layer, ``lut`` (an int64 value per name, -1: left out) applied to each row label.

        Without :attr:`rows` this is ``[lut]``. With them, layer ``r`` maps a class to the value of
        its ``r``-th atom's element; layers mapping every class to -1 are left out, so a pass over
        the atoms of chosen elements is as many passes over the rows as their ions hold such atoms.
        """
        lut = np.ascontiguousarray(lut, dtype=np.int64)
        if self.rows is None:
            return [lut]
        out = []
        for r in range(self.rows.depth):
            col = self.rows.members[:, r]
            layer = np.where(col >= 0, lut[np.maximum(col, 0)], -1).astype(np.int64)
            if np.any(layer >= 0):
                out.append(np.ascontiguousarray(layer))
        return out or [np.full(self.n_labels, -1, dtype=np.int64)]

    def row_weights(self) -> tuple[np.ndarray, np.ndarray, int] | None:
        """``(labels, atoms per label, atoms in all)`` when rows are ions (each counts as its atoms
        in density maps and the specimen outline), else ``None`` (every row is one atom)."""
        if self.rows is None:
            return None
        per_class = (self.rows.members >= 0).sum(axis=1).astype(np.int64)
        return np.ascontiguousarray(self.labels), per_class, self.n_atoms

    def counts(self) -> dict[str, int]:
        """Atoms per name (counted once, chunk by chunk, then remembered)."""
        c = self.element_counts(self.label_counts())
        return {n: int(c[i]) for i, n in enumerate(self.names)}

    def index_of(self, name: str) -> int:
        """Label index of ``name`` (raises ``KeyError`` if absent)."""
        return self.names.index(name)
