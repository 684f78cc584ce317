"""Plain OpenGL points: the cheapest way to draw many atoms, which software OpenGL needs.

vispy's ``Markers`` visual computes symbol shapes, edges and scaling per vertex and per fragment; on
llvmpipe it draws ~40 000 atoms in ~250 ms. Atoms need none of that: a flat disc of a fixed pixel
size in the species colour. This visual does only that (a position, a colour, ``gl_PointSize``), so
the display budget of software rendering buys several times more atoms at the same frame rate.
"""

from __future__ import annotations

import numpy as np
from vispy import gloo
from vispy.scene.visuals import create_visual_node
from vispy.visuals import Visual

_VERTEX = """
attribute vec3 a_position;
attribute vec4 a_color;
uniform float u_size;
varying vec4 v_color;
void main() {
    gl_Position = $transform(vec4(a_position, 1.0));
    gl_PointSize = u_size;
    v_color = a_color;
}
"""

_FRAGMENT = """
varying vec4 v_color;
void main() {
    // Round points: discard the corners of the square sprite.
    vec2 d = gl_PointCoord - vec2(0.5);
    if (dot(d, d) > 0.25) discard;
    gl_FragColor = v_color;
}
"""


class PointsVisual(Visual):
    """Round, unlit points of one pixel size with a colour each."""

    def __init__(self) -> None:
        super().__init__(vcode=_VERTEX, fcode=_FRAGMENT)
        self._positions = gloo.VertexBuffer(np.zeros((0, 3), dtype=np.float32))
        self._colours = gloo.VertexBuffer(np.zeros((0, 4), dtype=np.float32))
        self.shared_program["a_position"] = self._positions
        self.shared_program["a_color"] = self._colours
        self.shared_program["u_size"] = 4.0
        self._draw_mode = "points"
        self.set_gl_state("translucent", depth_test=True)
        self._n = 0

    def set_data(self, positions: np.ndarray, colours: np.ndarray, size: float) -> None:
        """Upload ``positions`` (N, 3) and RGBA ``colours`` (N, 4) and set the pixel size."""
        pos = np.ascontiguousarray(positions, dtype=np.float32)
        col = np.ascontiguousarray(colours, dtype=np.float32)
        self._positions.set_data(pos)
        self._colours.set_data(col)
        self._n = int(pos.shape[0])
        self.set_size(size)

    def set_colours(self, colours: np.ndarray) -> None:
        """Replace only the colours (same number of points): no position upload."""
        self._colours.set_data(np.ascontiguousarray(colours, dtype=np.float32))
        self.update()

    def set_size(self, size: float) -> None:
        """Point diameter in pixels."""
        self.shared_program["u_size"] = float(size)
        self.update()

    def _prepare_transforms(self, view) -> None:
        view.view_program.vert["transform"] = view.get_transform()

    def _prepare_draw(self, view) -> bool:
        return self._n > 0

    def _compute_bounds(self, axis, view):
        return None


Points = create_visual_node(PointsVisual)
