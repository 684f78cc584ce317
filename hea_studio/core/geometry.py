"""Axis-aligned boxes: the sub-volumes (ROIs) users draw and analyse."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError

# Slack when counting whole cubes in an extent: three 0.1 nm cubes fill 3 * 0.1 = 0.30000000000000004
# nm, and 0.3 / 0.1 = 2.9999999999999996 must still count as three.
CUBE_SLACK = 1e-9


def whole_cubes(extent: float, edge: float) -> int:
    """How many whole cubes of ``edge`` nm fit side by side in ``extent`` nm (tolerant to rounding).

    The one rule for "an edge fits": a cube edge fits in a box when at least one whole cube fits along
    its shortest side (:func:`edges_that_fit`); the tilings count their cubes with this too.
    """
    return math.floor(extent / edge + CUBE_SLACK)


def edges_that_fit(edges: Iterable[float], size: Sequence[float] | np.ndarray) -> tuple[float, ...]:
    """The cube edges of which one whole cube fits in a box of ``size`` (x, y, z) nm, in their order."""
    shortest = float(min(size))
    return tuple(float(L) for L in edges if whole_cubes(shortest, L) >= 1)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in nm, half-open: ``lo <= x < hi`` on every axis.

    Parameters
    ----------
    lo, hi
        Minimum and maximum corners ``(x, y, z)`` in nm; every ``hi`` must exceed its ``lo``.
    """

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]

    def __post_init__(self) -> None:
        lo = tuple(float(v) for v in self.lo)
        hi = tuple(float(v) for v in self.hi)
        if len(lo) != 3 or len(hi) != 3:
            raise InputError("a box needs three lower and three upper coordinates")
        if not all(np.isfinite(lo + hi)):
            raise InputError(f"box corners must be finite numbers, got {lo} and {hi}")
        if any(h <= low for low, h in zip(lo, hi)):
            raise InputError(f"box is empty or inverted: lower corner {lo}, upper corner {hi}")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    @classmethod
    def from_flat(cls, values) -> Box:
        """Build from ``[xmin, ymin, zmin, xmax, ymax, zmax]``."""
        v = [float(x) for x in values]
        if len(v) != 6:
            raise InputError(f"a box needs 6 numbers (xmin,ymin,zmin,xmax,ymax,zmax), got {len(v)}")
        return cls((v[0], v[1], v[2]), (v[3], v[4], v[5]))

    @classmethod
    def parse(cls, text: str) -> Box:
        """Parse ``"xmin,ymin,zmin,xmax,ymax,zmax"`` (nm), as given to ``--roi``."""
        try:
            values = [float(p) for p in text.replace(" ", "").split(",")]
        except ValueError:
            raise InputError(f"cannot read ROI {text!r}: expected 6 comma-separated numbers in nm") from None
        from hea_studio.core.limits import check_coordinates

        check_coordinates(f"ROI {text!r}", values)
        return cls.from_flat(values)

    def flat(self) -> list[float]:
        """``[xmin, ymin, zmin, xmax, ymax, zmax]``."""
        return [*self.lo, *self.hi]

    @property
    def size(self) -> np.ndarray:
        """Edge lengths (nm) along x, y, z."""
        return np.array(self.hi) - np.array(self.lo)

    @property
    def center(self) -> np.ndarray:
        """Centre (nm)."""
        return (np.array(self.hi) + np.array(self.lo)) / 2.0

    @property
    def volume(self) -> float:
        """Volume in nm^3."""
        return float(np.prod(self.size))

    def contains(self, positions: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``positions`` (N, 3) inside the box (half-open)."""
        p = np.asarray(positions)
        lo = np.asarray(self.lo, dtype=np.float64)
        hi = np.asarray(self.hi, dtype=np.float64)
        mask = np.ones(p.shape[0], dtype=bool)
        for axis in range(3):
            col = p[:, axis]
            mask &= (col >= lo[axis]) & (col < hi[axis])
        return mask

    def intersect(self, other: Box) -> Box | None:
        """The overlap of two boxes, or ``None`` if they do not overlap."""
        lo = np.maximum(self.lo, other.lo)
        hi = np.minimum(self.hi, other.hi)
        if np.any(hi <= lo):
            return None
        return Box(tuple(lo), tuple(hi))

    def translated(self, offset) -> Box:
        """This box moved by ``offset`` (nm)."""
        d = np.asarray(offset, dtype=float)
        return Box(tuple(np.array(self.lo) + d), tuple(np.array(self.hi) + d))


@dataclass(frozen=True)
class SubVolume:
    """A named box the user analyses; the same value is kept by the window, undo and the project.

    Parameters
    ----------
    name
        What the sub-volume list shows.
    box
        Where it is (nm).
    """

    name: str
    box: Box
