"""Clusters and isoconcentration surfaces drawn in the 3D view together with the atoms.

The overlay adds two nodes to the :class:`~hea_studio.render.atom_view.AtomView`'s scene: the ions of
the clusters as larger points, one colour per cluster (a qualitative cycle), and the isosurface as a
translucent mesh with per-vertex shading from its normals (flat colours under software OpenGL stay
readable: the shading is computed here, not by a lighting model). The atom view itself is untouched.
"""

from __future__ import annotations

import numpy as np
from vispy import scene

from hea_studio.render.points_visual import Points

# Qualitative colours that stay apart from the usual species colours on a dark background.
CLUSTER_COLOURS = np.array(
    [
        [0.99, 0.75, 0.44], [0.65, 0.81, 0.89], [0.98, 0.60, 0.60], [0.70, 0.87, 0.54],
        [0.79, 0.70, 0.84], [1.00, 1.00, 0.60], [0.99, 0.80, 0.90], [0.80, 0.92, 0.77],
    ],
    dtype=np.float32,
)  # fmt: skip

SURFACE_RGB = (0.35, 0.75, 1.0)
LIGHT = np.array([0.3, 0.4, 0.87])


def cluster_colours(ids: np.ndarray) -> np.ndarray:
    """RGBA (N, 4) colour of every ion from its cluster id (0-based)."""
    rgba = np.ones((len(ids), 4), dtype=np.float32)
    rgba[:, :3] = CLUSTER_COLOURS[np.asarray(ids) % len(CLUSTER_COLOURS)]
    return rgba


class ClusterOverlay:
    """Cluster ions and an isosurface on top of an atom view."""

    MAX_POINTS = 400_000  # the display budget of the clusters (a random subset beyond it)

    def __init__(self, atom_view) -> None:
        self.atom_view = atom_view
        scene_node = atom_view.view.scene
        self.points = Points(parent=scene_node)
        self.points.visible = False
        self.mesh = scene.visuals.Mesh(parent=scene_node)
        self.mesh.set_gl_state("translucent", depth_test=True, cull_face=False)
        self.mesh.visible = False
        self.n_cluster_points = 0
        self.n_faces = 0

    def set_clusters(self, positions: np.ndarray | None, ids: np.ndarray | None, size: float = 6.0) -> None:
        """Draw ``positions`` (N, 3) coloured by cluster ``ids`` (N,); ``None`` hides them."""
        if positions is None or ids is None or len(ids) == 0:
            self.points.visible = False
            self.n_cluster_points = 0
        else:
            pos = np.asarray(positions, dtype=np.float32)
            ids = np.asarray(ids)
            if len(ids) > self.MAX_POINTS:
                keep = np.random.default_rng(0).choice(len(ids), self.MAX_POINTS, replace=False)
                pos, ids = pos[keep], ids[keep]
            self.points.set_data(pos, cluster_colours(ids), size)
            self.points.visible = True
            self.n_cluster_points = len(ids)
        self.atom_view.canvas.update()

    def set_surface(self, vertices=None, faces=None, normals=None, alpha: float = 0.55) -> None:
        """Draw a triangle mesh (nm); ``None`` hides it. Shading: ambient + |n . light|."""
        if vertices is None or faces is None or len(faces) == 0:
            self.mesh.visible = False
            self.n_faces = 0
        else:
            n = np.asarray(normals, dtype=np.float32) if normals is not None else None
            shade = (
                0.45 + 0.55 * np.abs(n @ (LIGHT / np.linalg.norm(LIGHT)))
                if n is not None
                else np.ones(len(vertices))
            )
            rgba = np.empty((len(vertices), 4), dtype=np.float32)
            rgba[:, :3] = np.outer(shade, SURFACE_RGB)
            rgba[:, 3] = alpha
            self.mesh.set_data(
                vertices=np.asarray(vertices, dtype=np.float32),
                faces=np.asarray(faces, dtype=np.uint32),
                vertex_colors=rgba,
            )
            self.mesh.visible = True
            self.n_faces = len(faces)
        self.atom_view.canvas.update()
