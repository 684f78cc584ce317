"""Analysis settings shared by the CLI, the GUI side panel and the project file."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box, edges_that_fit
from hea_studio.core.limits import (
    MAX_BOOTSTRAP,
    MAX_MIN_ATOMS,
    MAX_SEED,
    MAX_SIZES,
    check_edges,
    check_int,
)
from hea_studio.core.sublattices import PRESETS, Sublattice, check_sublattices, elements_of

# Atoms in the counted cell of each preset (science.md 5): the cubic cell, the hexagonal prism for hcp,
# and the conventional cubic cells of the compound structures (rock-salt AO: 4 A + 4 O; spinel
# AB2O4: 8 formula units; cubic perovskite ABO3: 1 formula unit).
ATOMS_PER_CELL = {"fcc": 4, "bcc": 2, "hcp": 6, "rock-salt": 8, "spinel": 56, "perovskite": 5}
LATTICE_PRESETS = tuple(ATOMS_PER_CELL)
PRIMARY_SUME_METHODS = ("hinge-deficit", "hinge-bulk", "tangent-free")
_ALIASES = {"rocksalt": "rock-salt", "nacl": "rock-salt", "b1": "rock-salt"}
# Accepted lattice parameters (nm): from below the smallest metal cell to beyond large oxide cells.
LATTICE_PARAMETER_NM = (0.1, 5.0)


@dataclass(frozen=True)
class Lattice:
    """A crystal lattice used to express SUME in unit cells and atoms.

    Parameters
    ----------
    structure
        One of :data:`LATTICE_PRESETS`: ``"fcc"``, ``"bcc"``, ``"hcp"``, ``"rock-salt"``, ``"spinel"``,
        ``"perovskite"``.
    a_nm
        Lattice parameter in nm. For hcp the cell counted is the hexagonal prism of 6 atoms with
        ``c = sqrt(8/3) a`` unless ``c_nm`` is given.
    c_nm
        Optional c parameter for hcp, nm.
    """

    structure: str
    a_nm: float
    c_nm: float | None = None

    def __post_init__(self) -> None:
        s = self.structure.strip().lower()
        s = _ALIASES.get(s, s)
        if s not in ATOMS_PER_CELL:
            raise InputError(f"unknown lattice {self.structure!r}: use one of {', '.join(LATTICE_PRESETS)}")
        lo, hi = LATTICE_PARAMETER_NM
        for name, value in (("a", self.a_nm), ("c", self.c_nm)):
            if value is None:
                continue
            if not (np.isfinite(value) and value > 0):
                raise InputError(f"lattice parameter {name} must be a positive number of nm, got {value}")
            # Known crystals lie far inside these bounds; a value outside is a unit slip (pm, m, A)
            # that would otherwise print absurd unit-cell counts such as 1e91 cells.
            if not lo <= value <= hi:
                raise InputError(
                    f"lattice parameter {name} = {value:g} nm is implausible: crystal lattice parameters lie "
                    f"between {lo:g} and {hi:g} nm (CoCuFeNi fcc: {COCUFENI_LATTICE.a_nm:g} nm)"
                )
        object.__setattr__(self, "structure", s)

    @classmethod
    def parse(cls, text: str) -> Lattice:
        """Parse ``"fcc:0.35834"`` (structure:a in nm)."""
        try:
            structure, a = text.split(":", 1)
            value = float(a)
        except ValueError:
            raise InputError(
                f"cannot read lattice {text!r}: expected structure:a_nm, e.g. fcc:0.35834"
            ) from None
        return cls(structure.strip(), value)

    @property
    def atoms_per_cell(self) -> int:
        """Atoms in the counted cell (fcc 4, bcc 2, hcp 6 per prism, rock-salt 8, spinel 56, perovskite 5)."""
        return ATOMS_PER_CELL[self.structure]

    @property
    def cell_volume_nm3(self) -> float:
        """Volume of the counted cell in nm^3."""
        if self.structure == "hcp":
            c = self.c_nm if self.c_nm is not None else np.sqrt(8.0 / 3.0) * self.a_nm
            return float(3.0 * np.sqrt(3.0) / 2.0 * self.a_nm**2 * c)
        return float(self.a_nm**3)

    def __str__(self) -> str:
        return f"{self.structure}:{self.a_nm:g}"


def parse_sizes(text: str) -> tuple[float, ...]:
    """Parse ``--sizes``: ``"1,1.5,2"`` or ``"0.5:20:0.5"`` (start:stop:step, stop included)."""
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if step <= 0 or stop < start:
                raise InputError(f"sizes {text!r}: need start <= stop and a positive step")
            count = np.floor((stop - start) / step + 1e-9) + 1
            if not np.isfinite(count) or count > MAX_SIZES:
                raise InputError(
                    f"sizes {text!r} make {count:.3g} cube edges; at most {MAX_SIZES} are allowed "
                    "(use a larger step)"
                )
            n = int(count)
            values = [round(start + i * step, 10) for i in range(n)]
        else:
            values = [float(p) for p in text.split(",") if p.strip()]
    except InputError:
        raise
    except ValueError:
        raise InputError(f"cannot read sizes {text!r}: use 1,1.5,2 or start:stop:step in nm") from None
    if not values:
        raise InputError("no cube sizes given")
    if len(values) > MAX_SIZES:
        raise InputError(f"{len(values)} cube edges given; at most {MAX_SIZES} are allowed")
    if any(not np.isfinite(v) or v <= 0 for v in values):
        raise InputError(f"cube sizes must be positive numbers of nm, got {text!r}")
    check_edges(values)
    return tuple(sorted(set(values)))


DEFAULT_SIZES_TEXT = "0.5:10:0.5"
"""The default cube edges as typed (``--sizes``, the settings panel): 0.5 to 10 nm in 0.5 nm steps."""
DEFAULT_SIZES = parse_sizes(DEFAULT_SIZES_TEXT)
COCUFENI_LATTICE = Lattice("fcc", 0.35834)
"""CoCuFeNi, the paper's alloy (science.md 2): the synthetic specimens' default and the panel's
typical fcc value (an analysis has no lattice unless the user chooses one)."""


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that defines one entropy-versus-scale analysis (science.md sections 1-6).

    Parameters
    ----------
    sizes_nm
        Cube edges L in nm, ascending.
    mode
        ``"tiling"`` (default) or ``"paper"``.
    min_atoms
        Cubes with fewer counted atoms of the entropy elements are dropped.
    elements
        Entropy elements, or ``None`` for the principal elements (>= 5 at.%).
    lattice
        Lattice used to express SUME in unit cells and atoms, or ``None`` (the default: cells are
        reported only for a lattice the user chose for this dataset).
    bootstrap
        Bootstrap resamples for the SUME interval (0 switches it off).
    seed
        Seed for the bootstrap and any sampling.
    decompose
        Split molecular ions into atoms (science.md 1).
    sublattices
        Sublattices of a compound (science.md 8), or ``None``. Their elements are the entropy
        elements (``elements`` may repeat them, in any order, but not differ).
    sublattice_preset
        A preset (``rock-salt``, ``cations``, ``spinel:A=..:B=..``, ``perovskite:A=..:B=..``)
        resolved against the data's elements when the analysis starts; ignored when ``sublattices``
        is given.
    grid_shifts
        Tilings the SUME interval draws from in tiling mode: the analysed grid and ``grid_shifts - 1``
        grids shifted by random fractions of L (science.md 5; 1 resamples cubes of one tiling only).
    sume_method
        What the headline ``sume`` holds: ``"hinge-deficit"`` (default, science.md 5: the hinge on the
        deficit, the material's number), ``"hinge-bulk"`` (the apparent SUME, hinge on S(L)) or
        ``"tangent-free"`` (the paper's two free tangents).
    """

    sizes_nm: tuple[float, ...] = DEFAULT_SIZES
    mode: str = "tiling"
    min_atoms: int = 10
    elements: tuple[str, ...] | None = None
    lattice: Lattice | None = None
    bootstrap: int = 200
    seed: int = 0
    decompose: bool = True
    sublattices: tuple[Sublattice, ...] | None = None
    sublattice_preset: str | None = None
    sume_method: str = "hinge-deficit"
    grid_shifts: int = 8

    def __post_init__(self) -> None:
        if self.sume_method not in PRIMARY_SUME_METHODS:
            raise InputError(
                f"unknown SUME method {self.sume_method!r}: use {', '.join(PRIMARY_SUME_METHODS)}"
            )
        if self.sublattice_preset:
            name = self.sublattice_preset.split(":", 1)[0].strip().lower()
            if name not in PRESETS:
                raise InputError(f"unknown sublattice preset {name!r}: use {', '.join(PRESETS)}")
            if self.elements is not None and not self.sublattices:
                raise InputError("a sublattice preset chooses the entropy elements: drop the element list")
        else:
            object.__setattr__(self, "sublattice_preset", None)
        if self.sublattices:
            subs = tuple(self.sublattices)
            check_sublattices(subs)
            placed = elements_of(subs)
            if self.elements is not None and set(self.elements) != set(placed):
                raise InputError(
                    f"the sublattices hold {', '.join(placed)} but the entropy elements are "
                    f"{', '.join(self.elements)}: give one or the other"
                )
            object.__setattr__(self, "sublattices", subs)
            object.__setattr__(self, "elements", placed)
        else:
            object.__setattr__(self, "sublattices", None)
        if self.mode not in ("tiling", "paper"):
            raise InputError(f"unknown mode {self.mode!r}: use tiling or paper")
        if self.min_atoms < 1:
            raise InputError(f"min-atoms must be at least 1, got {self.min_atoms}")
        check_int("min-atoms", self.min_atoms, 1, MAX_MIN_ATOMS, "no cube of any specimen holds more atoms")
        if not 1 <= self.grid_shifts <= 64:
            raise InputError(f"grid shifts must be between 1 and 64, got {self.grid_shifts}")
        if self.bootstrap < 0:
            raise InputError(f"bootstrap must be >= 0, got {self.bootstrap}")
        check_int(
            "bootstrap",
            self.bootstrap,
            0,
            MAX_BOOTSTRAP,
            "the interval is stable after a few hundred resamples",
        )
        check_int("seed", self.seed, 0, MAX_SEED, "seeds are 32-bit unsigned integers")
        if not self.sizes_nm:
            raise InputError("no cube sizes given")
        check_edges(self.sizes_nm)
        object.__setattr__(self, "sizes_nm", tuple(sorted(float(s) for s in self.sizes_nm)))

    def fitted_to(self, box: Box) -> AnalysisSettings:
        """These settings with only the cube edges that fit in ``box``.

        While the user drags, the box is often smaller than the largest edge asked for; the command
        line refuses such edges, but the window analyses the edges that fit instead of showing
        nothing.

        Raises
        ------
        InputError
            If not even the smallest edge fits.
        """
        sizes = edges_that_fit(self.sizes_nm, box.size)
        if not sizes:
            raise InputError(
                f"the box ({', '.join(f'{s:.2f}' for s in box.size)} nm) is smaller than the smallest "
                f"cube edge ({min(self.sizes_nm):g} nm)"
            )
        return self if sizes == self.sizes_nm else replace(self, sizes_nm=sizes)
