"""Composition profiles: concentration of every species per slab along an axis of a box or cylinder.

A profile is how an interface (a grain boundary, a precipitate, the edge of a phase) is found before a
sub-volume is placed for the entropy analysis. The selection is either the box itself or a cylinder of a
given radius whose axis runs through the box centre along the chosen axis (clipped to the box length).
Each slab holds ``n`` atoms of which ``k`` are of a species; its concentration ``p = k / n`` carries the
binomial standard error ``sqrt(p (1 - p) / n)`` (the counting error of a random sample of ``n`` atoms).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from hea_studio.compute.common import scan
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.progress import TaskState

AXES = ("x", "y", "z")
# Whether a profile has an interface is decided in compute/profile/interface.py (a significance test).
# The most slabs a profile may have: more is a typo in the bin width, not a profile.
MAX_BINS = 100_000


@dataclass(frozen=True, eq=False)
class CompositionProfile:
    """Counts and concentrations per slab.

    Parameters
    ----------
    axis
        ``"x"``, ``"y"`` or ``"z"``.
    box
        The box whose extent along ``axis`` the slabs cover.
    radius_nm
        Cylinder radius, or ``None`` for the whole box cross-section.
    edges_nm
        (n + 1,) slab boundaries along the axis (nm); the last slab may be shorter than the bin.
    species
        Names of the species (columns of ``counts``).
    counts
        (n, s) atoms of each species per slab.
    """

    axis: str
    box: Box
    radius_nm: float | None
    edges_nm: np.ndarray
    species: tuple[str, ...]
    counts: np.ndarray

    @property
    def centres_nm(self) -> np.ndarray:
        """Slab centres (nm)."""
        return 0.5 * (self.edges_nm[1:] + self.edges_nm[:-1])

    @property
    def totals(self) -> np.ndarray:
        """Atoms per slab."""
        return self.counts.sum(axis=1)

    @property
    def fractions(self) -> np.ndarray:
        """(n, s) atomic fractions; NaN in empty slabs."""
        n = self.totals[:, None].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self.counts / np.maximum(n, 1), np.nan)

    @property
    def errors(self) -> np.ndarray:
        """(n, s) binomial standard errors ``sqrt(p (1 - p) / n)``; NaN in empty slabs."""
        p = self.fractions
        n = self.totals[:, None].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, np.sqrt(p * (1.0 - p) / np.maximum(n, 1)), np.nan)

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form (NaN becomes null)."""
        frac = self.fractions
        err = self.errors
        slabs = []
        for i, (lo, hi) in enumerate(zip(self.edges_nm[:-1], self.edges_nm[1:])):
            slabs.append(
                {
                    "lo_nm": float(lo),
                    "hi_nm": float(hi),
                    "atoms": int(self.totals[i]),
                    "counts": {s: int(self.counts[i, j]) for j, s in enumerate(self.species)},
                    "fraction": {s: _num(frac[i, j]) for j, s in enumerate(self.species)},
                    "error": {s: _num(err[i, j]) for j, s in enumerate(self.species)},
                }
            )
        return {
            "schema": "hea-studio/profile/1",
            "axis": self.axis,
            "roi_nm": self.box.flat(),
            "shape": "box" if self.radius_nm is None else "cylinder",
            "radius_nm": self.radius_nm,
            "bin_nm": float(self.edges_nm[1] - self.edges_nm[0]),
            "species": list(self.species),
            "interfaces_nm": {s: interface_position(self, s) for s in self.species},
            "slabs": slabs,
        }

    def to_csv(self) -> str:
        """One row per slab: position, atoms, then fraction and error of each species."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["lo_nm", "hi_nm", "centre_nm", "atoms"]
            + [f"{kind}_{s}" for s in self.species for kind in ("fraction", "error")]
        )
        frac = self.fractions
        err = self.errors
        for i in range(len(self.totals)):
            row: list[Any] = [
                f"{self.edges_nm[i]:.6g}",
                f"{self.edges_nm[i + 1]:.6g}",
                f"{self.centres_nm[i]:.6g}",
                int(self.totals[i]),
            ]
            for j in range(len(self.species)):
                row += [_cell(frac[i, j]), _cell(err[i, j])]
            writer.writerow(row)
        return out.getvalue()


def _num(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def _cell(v: float) -> str:
    return "" if not np.isfinite(v) else f"{v:.8g}"


def axis_index(axis: str) -> int:
    """``"x"``/``"y"``/``"z"`` to 0/1/2 (InputError otherwise)."""
    try:
        return AXES.index(axis.lower())
    except ValueError:
        raise InputError(f"axis must be x, y or z, got {axis!r}") from None


def slab_edges(box: Box, axis: int, bin_nm: float) -> np.ndarray:
    """Slab boundaries covering the box along ``axis``; the last slab ends at the box face."""
    if not np.isfinite(bin_nm) or bin_nm <= 0:
        raise InputError(f"bin width must be a positive number of nm, got {bin_nm}")
    lo, hi = box.lo[axis], box.hi[axis]
    n = int(np.ceil((hi - lo) / bin_nm - 1e-9))
    if n > MAX_BINS:
        raise InputError(f"bin width {bin_nm} nm gives {n} slabs over {hi - lo:.1f} nm (at most {MAX_BINS})")
    edges = lo + bin_nm * np.arange(n + 1, dtype=np.float64)
    edges[-1] = hi
    return edges


def composition_profile(
    atoms: AtomSet,
    box: Box,
    axis: str = "z",
    bin_nm: float = 0.5,
    radius_nm: float | None = None,
    task: TaskState | None = None,
) -> CompositionProfile:
    """Count every species in slabs along ``axis`` of ``box`` (or of a cylinder inside it).

    Parameters
    ----------
    atoms
        Ranged atoms.
    box
        The sub-volume; slabs span its extent along ``axis``.
    axis
        ``"x"``, ``"y"`` or ``"z"``.
    bin_nm
        Slab thickness (nm).
    radius_nm
        If given, only atoms within this distance of the line through the box centre along ``axis``
        count (a cylinder, still clipped to the box).
    task
        Progress and cancellation, checked between chunks of atoms.

    Raises
    ------
    InputError
        Bad axis, bin width or radius.
    """
    ax = axis_index(axis)
    if radius_nm is not None and (not np.isfinite(radius_nm) or radius_nm <= 0):
        raise InputError(f"cylinder radius must be a positive number of nm, got {radius_nm}")
    edges = slab_edges(box, ax, bin_nm)
    n_bins = len(edges) - 1
    n_species = len(atoms.names)
    counts = np.zeros((n_bins, n_species), dtype=np.int64)
    others = [a for a in range(3) if a != ax]
    centre = box.center
    r2 = None if radius_nm is None else float(radius_nm) ** 2
    lo = box.lo[ax]
    total = atoms.n_rows
    # Rows that are ions stand for their atoms: one pass per layer (atom r of every ion).
    layers = atoms.layer_luts(np.arange(n_species, dtype=np.int64))
    for start, stop in scan.chunks(total, task, (0.0, 1.0), "composition profile"):
        pos = atoms.positions[start:stop]
        mask = box.contains(pos)
        if r2 is not None:
            d0 = pos[:, others[0]] - centre[others[0]]
            d1 = pos[:, others[1]] - centre[others[1]]
            mask &= d0 * d0 + d1 * d1 <= r2
        coord = pos[mask, ax].astype(np.float64)
        row_labels = atoms.labels[start:stop][mask].astype(np.int64)
        # Slab index from the regular grid; the clip puts the short last slab's atoms where they belong.
        slab = np.minimum(((coord - lo) / bin_nm).astype(np.int64), n_bins - 1)
        for layer in layers:
            labels = layer[row_labels]
            keep = labels >= 0
            counts += np.bincount(
                slab[keep] * n_species + labels[keep], minlength=n_bins * n_species
            ).reshape(n_bins, n_species)
    return CompositionProfile(
        axis=AXES[ax],
        box=box,
        radius_nm=None if radius_nm is None else float(radius_nm),
        edges_nm=edges,
        species=tuple(atoms.names),
        counts=counts,
    )


def interface_position(
    profile: CompositionProfile, species: str, plateau_share: float = 0.25
) -> float | None:
    """Where ``species`` steps at an interface (nm), or ``None``: see
    :func:`hea_studio.compute.profile.interface.interface_test` (a step must explain the slab
    concentrations much better than a linear drift)."""
    from hea_studio.compute.profile.interface import interface_test

    return interface_test(profile, species, plateau_share).position_nm
