"""Specimen shapes: a box, or a conical APT tip with a spherical cap.

Coordinates follow the usual reconstruction convention: the tip axis is z, the apex sits at z = 0
and z grows into the specimen (the order in which ions evaporate), x and y are centred on the axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError


@dataclass(frozen=True)
class BoxShape:
    """A rectangular block from the origin to ``size_nm``.

    Parameters
    ----------
    size_nm
        Edge lengths along x, y, z in nm.
    """

    size_nm: tuple[float, float, float] = (20.0, 20.0, 20.0)

    def __post_init__(self) -> None:
        size = tuple(float(s) for s in self.size_nm)
        if len(size) != 3 or not all(math.isfinite(s) and s > 0 for s in size):
            raise InputError(f"box size must be three positive numbers of nm, got {self.size_nm}")
        object.__setattr__(self, "size_nm", size)

    kind = "box"

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corner of the bounding box (nm)."""
        return np.zeros(3), np.array(self.size_nm)

    def inside(self, positions: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Boolean mask of the rows of ``positions`` (N, 3) inside the shape grown by ``margin`` nm."""
        p = np.asarray(positions)
        mask = np.ones(p.shape[0], dtype=bool)
        # Column by column: no (N, 3) temporaries and no reduction along a short axis.
        for axis in range(3):
            col = p[:, axis]
            mask &= col >= -margin
            mask &= col < self.size_nm[axis] + margin
        return mask

    def xy_bounds(self, z_lo: float, z_hi: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper (x, y) corner of the shape's cross-sections between depths z_lo and z_hi."""
        return np.zeros(2), np.array(self.size_nm[:2])

    def x_interval(self, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per (y, z), the x range ``[lo, hi)`` inside the shape (``lo >= hi`` when there is none)."""
        y, z = np.asarray(y, dtype=np.float64), np.asarray(z, dtype=np.float64)
        row = (y >= 0) & (y < self.size_nm[1]) & (z >= 0) & (z < self.size_nm[2])
        return np.zeros(y.shape), np.where(row, self.size_nm[0], 0.0)

    def volume(self) -> float:
        """Volume in nm^3."""
        return float(np.prod(self.size_nm))

    def largest_cube(self) -> tuple[list[float], list[float]]:
        """The largest axis-aligned cube inside the shape, as (lower corner, upper corner)."""
        edge = min(self.size_nm)
        lo = [(s - edge) / 2.0 for s in self.size_nm]
        return lo, [v + edge for v in lo]

    def to_dict(self) -> dict:
        """Parameters as plain JSON types."""
        return {"kind": "box", "size_nm": list(self.size_nm)}


@dataclass(frozen=True)
class TipShape:
    """A conical atom probe tip: a spherical cap of radius ``end_radius_nm`` on a cone.

    Parameters
    ----------
    end_radius_nm
        Radius of curvature of the apex (typical tips: 20-60 nm).
    shank_angle_deg
        Half opening angle of the cone (typical: 5-15 degrees).
    length_nm
        Depth of the specimen along z from the apex.
    """

    end_radius_nm: float = 25.0
    shank_angle_deg: float = 10.0
    length_nm: float = 60.0

    kind = "tip"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.end_radius_nm) and self.end_radius_nm > 0):
            raise InputError(f"tip end radius must be a positive number of nm, got {self.end_radius_nm}")
        if not (0.0 <= self.shank_angle_deg < 45.0):
            raise InputError(f"shank angle must lie in [0, 45) degrees, got {self.shank_angle_deg}")
        if not (math.isfinite(self.length_nm) and self.length_nm > 0):
            raise InputError(f"tip length must be a positive number of nm, got {self.length_nm}")

    @classmethod
    def around_cube(cls, edge_nm: float, shank_angle_deg: float = 10.0, margin_nm: float = 1.0) -> TipShape:
        """The shortest tip whose largest inscribed cube has edge ``edge_nm`` plus a margin.

        The end radius is chosen so the cube's top face fits where the cap meets the cone; the
        length adds the cube edge below that and the margin.
        """
        if not (math.isfinite(edge_nm) and edge_nm > 0):
            raise InputError(f"cube edge must be a positive number of nm, got {edge_nm}")
        theta = math.radians(shank_angle_deg)
        half_diag = (edge_nm / 2.0 + margin_nm) * math.sqrt(2.0)
        radius = half_diag / math.cos(theta)
        length = radius * (1.0 - math.sin(theta)) + edge_nm + 2.0 * margin_nm
        return cls(radius, shank_angle_deg, length)

    @property
    def _tangent_z(self) -> float:
        # Depth where the cap meets the cone tangentially.
        return self.end_radius_nm * (1.0 - math.sin(math.radians(self.shank_angle_deg)))

    def radius_at(self, z: np.ndarray | float) -> np.ndarray:
        """Radius (nm) of the specimen at depth ``z``; 0 above the apex and below the length."""
        z = np.asarray(z, dtype=np.float64)
        r0 = self.end_radius_nm
        theta = math.radians(self.shank_angle_deg)
        zt = self._tangent_z
        cap = np.sqrt(np.clip(r0 * r0 - (z - r0) ** 2, 0.0, None))
        cone = r0 * math.cos(theta) + (z - zt) * math.tan(theta)
        r = np.where(z < zt, cap, cone)
        return np.where((z >= 0) & (z <= self.length_nm), r, 0.0)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corner of the bounding box (nm)."""
        rmax = float(self.radius_at(self.length_nm))
        return np.array([-rmax, -rmax, 0.0]), np.array([rmax, rmax, self.length_nm])

    def inside(self, positions: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Boolean mask of the rows of ``positions`` (N, 3) inside the tip.

        With ``margin`` > 0 the tip is grown by (at least) that many nm in every direction; the
        generator uses it to keep lattice sites whose blurred image may still land inside.
        Squared distances avoid a square root per site (this runs on every lattice site).
        """
        p = np.asarray(positions)
        x, y, z = p[:, 0], p[:, 1], p[:, 2]
        rho2 = x * x + y * y
        r0 = self.end_radius_nm
        theta = math.radians(self.shank_angle_deg)
        # Cap: inside the apex sphere (grown by the margin).
        dz = z - r0
        cap = rho2 + dz * dz < (r0 + margin) ** 2
        # Cone: radial distance below the linear radius; a normal offset of ``margin`` is a radial
        # offset of margin / cos(theta).
        cone_r = r0 * math.cos(theta) + (z - self._tangent_z) * math.tan(theta) + margin / math.cos(theta)
        cone = rho2 < cone_r * cone_r
        lower = z >= 0.0 if margin == 0 else z >= -margin
        upper = z <= self.length_nm + margin
        return lower & upper & np.where(z < self._tangent_z, cap, cone & (cone_r > 0))

    def xy_bounds(self, z_lo: float, z_hi: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper (x, y) corner of the shape's cross-sections between depths z_lo and z_hi."""
        # The radius grows with depth, so the deepest section is the widest.
        r = float(self.radius_at(min(max(z_hi, 0.0), self.length_nm)))
        return np.array([-r, -r]), np.array([r, r])

    def x_interval(self, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per (y, z), the x range ``[lo, hi)`` inside the tip (``lo >= hi`` when there is none)."""
        y, z = np.asarray(y, dtype=np.float64), np.asarray(z, dtype=np.float64)
        r = self.radius_at(z)
        w = np.sqrt(np.clip(r * r - y * y, 0.0, None))
        return -w, w

    def volume(self) -> float:
        """Volume in nm^3 (numerical integral of pi r(z)^2)."""
        z = np.linspace(0.0, self.length_nm, 4001)
        return float(np.trapezoid(np.pi * self.radius_at(z) ** 2, z))

    def largest_cube(self) -> tuple[list[float], list[float]]:
        """The largest axis-aligned cube on the axis that fits inside the tip.

        The radius grows with depth, so a cube of edge L whose top face sits at depth z fits when
        its half diagonal L / sqrt(2) is at most r(z) and z + L is within the length.
        """
        z = np.linspace(0.0, self.length_nm, 2001)
        edge = np.minimum(np.sqrt(2.0) * self.radius_at(z), self.length_nm - z)
        i = int(np.argmax(edge))
        e = float(edge[i])
        return [-e / 2.0, -e / 2.0, float(z[i])], [e / 2.0, e / 2.0, float(z[i]) + e]

    def to_dict(self) -> dict:
        """Parameters as plain JSON types."""
        return {
            "kind": "tip",
            "end_radius_nm": self.end_radius_nm,
            "shank_angle_deg": self.shank_angle_deg,
            "length_nm": self.length_nm,
        }


Shape = BoxShape | TipShape


def shape_from_dict(d: dict) -> Shape:
    """Inverse of ``to_dict``."""
    kind = d.get("kind")
    if kind == "box":
        return BoxShape(tuple(d["size_nm"]))
    if kind == "tip":
        return TipShape(float(d["end_radius_nm"]), float(d["shank_angle_deg"]), float(d["length_nm"]))
    raise InputError(f"unknown specimen shape {kind!r}: use box or tip")
