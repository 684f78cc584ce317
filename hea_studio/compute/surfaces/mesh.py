"""Isoconcentration surfaces by marching cubes (scikit-image), with outward normals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.compute.surfaces.field import ConcentrationField
from hea_studio.core.errors import InputError


@dataclass(frozen=True, eq=False)
class Mesh:
    """A triangle mesh in nm.

    Attributes
    ----------
    vertices
        (V, 3) float32 positions.
    faces
        (F, 3) int32 vertex indices.
    normals
        (V, 3) float32 unit normals pointing from high to low concentration (out of a precipitate).
    threshold
        The iso-value (at.%).
    """

    vertices: np.ndarray
    faces: np.ndarray
    normals: np.ndarray
    threshold: float

    @property
    def area(self) -> float:
        """Surface area in nm^2."""
        v = self.vertices.astype(np.float64)
        a, b, c = v[self.faces[:, 0]], v[self.faces[:, 1]], v[self.faces[:, 2]]
        return float(0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1).sum())


def isosurface(field: ConcentrationField, threshold: float) -> Mesh:
    """The surface where the concentration crosses ``threshold`` (at.%).

    Raises InputError when the field never crosses it (the message gives the field's range).
    """
    from skimage.measure import marching_cubes

    c = field.concentration
    lo, hi = float(c.min()), float(c.max())
    if not (lo < threshold < hi):
        raise InputError(
            f"the {'+'.join(field.species)} concentration ranges over {lo:.2f}-{hi:.2f} at.%: "
            f"no surface at {threshold:g} at.%"
        )
    verts, faces, _, _ = marching_cubes(c, level=threshold, spacing=(field.voxel,) * 3)
    verts = verts + (field.origin)
    # Normals from the field's gradient (pointing down the concentration), at the nearest voxel.
    g = np.stack(list(np.gradient(c.astype(np.float64), field.voxel)), axis=-1)
    idx = np.clip(np.rint((verts - field.origin) / field.voxel).astype(np.int64), 0, np.array(c.shape) - 1)
    n = -g[idx[:, 0], idx[:, 1], idx[:, 2]]
    norm = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.where(norm > 0, n / np.maximum(norm, 1e-30), 0.0)
    return Mesh(verts.astype(np.float32), faces.astype(np.int32), n.astype(np.float32), float(threshold))
