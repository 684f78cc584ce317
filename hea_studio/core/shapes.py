"""ROI shapes beyond the axis-aligned box: a sphere and a cylinder along any direction.

They are values like :class:`~hea_studio.core.geometry.Box` (frozen, validated, serialised as plain
JSON) and share its interface where the analyses need it: ``contains``, ``volume``, ``bounding_box``
and ``flat``. ``--roi`` takes all three forms (:func:`parse_roi`):

* ``xmin,ymin,zmin,xmax,ymax,zmax`` -- a box;
* ``sphere:cx,cy,cz,r``;
* ``cylinder:x0,y0,z0,x1,y1,z1,r`` -- the axis from (x0, y0, z0) to (x1, y1, z1), flat ends.

Both shapes are convex, so a cube lies fully inside one when its eight corners do
(:func:`cubes_inside`), which is how the entropy curve keeps only the cubes inside the ROI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box


def _vec(values, what: str) -> tuple[float, float, float]:
    v = tuple(float(x) for x in values)
    if len(v) != 3 or not all(math.isfinite(x) for x in v):
        raise InputError(f"{what} must be three finite numbers, got {values}")
    return v[0], v[1], v[2]


def _radius(r) -> float:
    r = float(r)
    if not (math.isfinite(r) and r > 0):
        raise InputError(f"a radius must be a positive number of nm, got {r}")
    return r


@dataclass(frozen=True)
class Sphere:
    """A ball of radius ``radius`` around ``centre`` (nm; the surface belongs to it)."""

    centre: tuple[float, float, float]
    radius: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "centre", _vec(self.centre, "a sphere's centre"))
        object.__setattr__(self, "radius", _radius(self.radius))

    kind = "sphere"

    def contains(self, positions: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``positions`` (N, 3) inside."""
        d = np.asarray(positions, dtype=np.float64) - np.asarray(self.centre)
        return np.einsum("ij,ij->i", d, d) <= self.radius * self.radius

    @property
    def volume(self) -> float:
        """Volume in nm^3."""
        return 4.0 / 3.0 * math.pi * self.radius**3

    def bounding_box(self) -> Box:
        """The smallest axis-aligned box holding the sphere."""
        c = np.asarray(self.centre)
        return Box(tuple(c - self.radius), tuple(c + self.radius))

    def flat(self) -> list[float]:
        """``[cx, cy, cz, r]`` (what ``sphere:`` takes)."""
        return [*self.centre, self.radius]

    def to_dict(self) -> dict:
        """Plain JSON."""
        return {"shape": "sphere", "centre_nm": list(self.centre), "radius_nm": self.radius}

    def spec(self) -> str:
        """The ``--roi`` text of this sphere."""
        return "sphere:" + ",".join(f"{v:g}" for v in self.flat())


@dataclass(frozen=True)
class Cylinder:
    """A cylinder of radius ``radius`` around the segment ``start``-``end`` (nm), with flat ends."""

    start: tuple[float, float, float]
    end: tuple[float, float, float]
    radius: float

    kind = "cylinder"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _vec(self.start, "a cylinder's start"))
        object.__setattr__(self, "end", _vec(self.end, "a cylinder's end"))
        object.__setattr__(self, "radius", _radius(self.radius))
        if self.length <= 0:
            raise InputError("a cylinder's two ends must differ")

    @property
    def axis(self) -> np.ndarray:
        """Unit vector from start to end."""
        a = np.asarray(self.end) - np.asarray(self.start)
        return a / np.linalg.norm(a)

    @property
    def length(self) -> float:
        """Distance between the ends (nm)."""
        return float(np.linalg.norm(np.asarray(self.end) - np.asarray(self.start)))

    def contains(self, positions: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``positions`` (N, 3) inside."""
        d = np.asarray(positions, dtype=np.float64) - np.asarray(self.start)
        t = d @ self.axis
        perp2 = np.einsum("ij,ij->i", d, d) - t * t
        return (t >= 0) & (t <= self.length) & (perp2 <= self.radius * self.radius)

    @property
    def volume(self) -> float:
        """Volume in nm^3."""
        return math.pi * self.radius**2 * self.length

    def bounding_box(self) -> Box:
        """The smallest axis-aligned box holding the cylinder (the end discs' extents)."""
        u = self.axis
        half = self.radius * np.sqrt(np.clip(1.0 - u * u, 0.0, 1.0))
        a, b = np.asarray(self.start), np.asarray(self.end)
        return Box(tuple(np.minimum(a, b) - half), tuple(np.maximum(a, b) + half))

    def flat(self) -> list[float]:
        """``[x0, y0, z0, x1, y1, z1, r]`` (what ``cylinder:`` takes)."""
        return [*self.start, *self.end, self.radius]

    def to_dict(self) -> dict:
        """Plain JSON."""
        return {
            "shape": "cylinder",
            "start_nm": list(self.start),
            "end_nm": list(self.end),
            "radius_nm": self.radius,
        }

    def spec(self) -> str:
        """The ``--roi`` text of this cylinder."""
        return "cylinder:" + ",".join(f"{v:g}" for v in self.flat())


Shape = Sphere | Cylinder
Roi = Box | Sphere | Cylinder


def parse_roi(text: str) -> Roi:
    """A box, ``sphere:cx,cy,cz,r`` or ``cylinder:x0,y0,z0,x1,y1,z1,r`` (nm)."""
    t = text.strip()
    kind, sep, rest = t.partition(":")
    if not sep:
        return Box.parse(t)
    kind = kind.strip().lower()
    try:
        v = [float(p) for p in rest.replace(" ", "").split(",")]
    except ValueError:
        raise InputError(f"cannot read ROI {text!r}: expected comma-separated numbers in nm") from None
    from hea_studio.core.limits import check_coordinates

    check_coordinates(f"ROI {text!r}", v)
    if kind == "sphere":
        if len(v) != 4:
            raise InputError(f"a sphere ROI needs 4 numbers (sphere:cx,cy,cz,r), got {len(v)}")
        return Sphere(tuple(v[:3]), v[3])  # type: ignore[arg-type]
    if kind == "cylinder":
        if len(v) != 7:
            raise InputError(f"a cylinder ROI needs 7 numbers (cylinder:x0,y0,z0,x1,y1,z1,r), got {len(v)}")
        return Cylinder(tuple(v[:3]), tuple(v[3:6]), v[6])  # type: ignore[arg-type]
    raise InputError(f"unknown ROI shape {kind!r} in {text!r} (box numbers, sphere: or cylinder:)")


def roi_from_dict(d: dict) -> Roi:
    """Inverse of ``to_dict`` (a box is ``{"shape": "box", "box_nm": [6 numbers]}``)."""
    kind = d.get("shape", "box")
    if kind == "sphere":
        return Sphere(tuple(d["centre_nm"]), d["radius_nm"])
    if kind == "cylinder":
        return Cylinder(tuple(d["start_nm"]), tuple(d["end_nm"]), d["radius_nm"])
    return Box.from_flat(d["box_nm"])


def bounding_box(roi: Roi) -> Box:
    """The ROI's axis-aligned bounding box (a box is its own)."""
    return roi if isinstance(roi, Box) else roi.bounding_box()


def cubes_inside(shape: Shape, lows: np.ndarray, edge: float) -> np.ndarray:
    """(M,) True for the cubes of edge ``edge`` with lower corners ``lows`` (M, 3) fully inside ``shape``."""
    lows = np.asarray(lows, dtype=np.float64)
    inside = np.ones(len(lows), dtype=bool)
    for corner in np.array(np.meshgrid([0, 1], [0, 1], [0, 1], indexing="ij")).reshape(3, -1).T:
        inside &= shape.contains(lows + edge * corner)
    return inside
