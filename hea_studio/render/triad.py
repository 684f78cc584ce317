"""An orientation triad (x red, y green, z blue) in a corner of the 3D view.

Drawn in canvas pixels rather than in the scene, so it keeps its size and stays in view however
the specimen is zoomed or panned; only the camera's rotation turns it.
"""

from __future__ import annotations

import numpy as np
from vispy import scene

COLOURS = ((0.95, 0.3, 0.3, 1.0), (0.35, 0.85, 0.35, 1.0), (0.4, 0.55, 1.0, 1.0))
NAMES = ("x", "y", "z")


class AxisTriad:
    """Three arrows from a corner of ``canvas`` along the projected x, y and z axes."""

    def __init__(self, canvas, length_px: float = 44.0, margin_px: float = 62.0) -> None:
        self.canvas = canvas
        self.length_px = float(length_px)
        self.margin_px = float(margin_px)
        colours = np.repeat(np.asarray(COLOURS, dtype=np.float32), 2, axis=0)
        self.lines = scene.visuals.Line(
            pos=np.zeros((6, 2), dtype=np.float32),
            color=colours,
            width=3.0,
            connect="segments",
            parent=canvas.scene,
        )
        self.labels = [
            scene.visuals.Text(name, color=c, font_size=10, bold=True, parent=canvas.scene)
            for name, c in zip(NAMES, COLOURS)
        ]
        self.directions = np.zeros((3, 2))
        """Screen direction of each axis in pixels (canvas y grows downwards); length < ``length_px``
        when the axis points partly towards or away from the viewer."""

    def origin(self) -> tuple[float, float]:
        """Canvas pixel where the arrows start (lower right corner)."""
        width, height = self.canvas.size
        return (width - self.margin_px, height - self.margin_px)

    def update(self, scene_to_canvas) -> None:
        """Point the arrows along the axes as ``scene_to_canvas`` (data -> canvas pixels) shows them."""
        ends = scene_to_canvas.map(np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float64))
        ends = ends[:, :2] / ends[:, 3:4]
        vectors = ends[1:] - ends[0]
        longest = float(np.max(np.linalg.norm(vectors, axis=1)))
        if not np.isfinite(longest) or longest <= 0:
            return
        # Orthographic camera: the rotation alone sets the directions; scale the longest to length_px.
        self.directions = vectors * (self.length_px / longest)
        ox, oy = self.origin()
        pos = np.zeros((6, 2), dtype=np.float32)
        for i, d in enumerate(self.directions):
            pos[2 * i] = (ox, oy)
            pos[2 * i + 1] = (ox + d[0], oy + d[1])
            norm = float(np.hypot(*d))
            offset = d / norm * 10.0 if norm > 1e-6 else np.array([6.0, -6.0])
            self.labels[i].pos = (ox + d[0] + offset[0], oy + d[1] + offset[1])
        self.lines.set_data(pos=pos)
