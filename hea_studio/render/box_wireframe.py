"""The active sub-volume drawn as a wireframe box in the 3D view."""

from __future__ import annotations

import numpy as np
from vispy import scene

from hea_studio.core.geometry import Box

# The 12 edges of a cube as pairs of corner indices; corner i has bit 0 -> x, bit 1 -> y, bit 2 -> z.
_EDGES = np.array(
    [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3], [4, 6], [5, 7], [0, 4], [1, 5], [2, 6], [3, 7]]
)


def box_segments(box: Box) -> np.ndarray:
    """(24, 3) float32 end points of the 12 edges of ``box``, as line segments."""
    lo = np.asarray(box.lo, dtype=np.float32)
    hi = np.asarray(box.hi, dtype=np.float32)
    corners = np.array(
        [[(hi if (i >> a) & 1 else lo)[a] for a in range(3)] for i in range(8)], dtype=np.float32
    )
    return corners[_EDGES.ravel()]


class BoxWireframe:
    """A vispy line node showing one box; hidden when there is no box."""

    def __init__(self, parent, colour=(1.0, 0.85, 0.2, 1.0), width: float = 2.0) -> None:
        self.line = scene.visuals.Line(
            pos=np.zeros((2, 3), dtype=np.float32),
            color=colour,
            width=width,
            connect="segments",
            parent=parent,
        )
        self.line.visible = False
        self.box: Box | None = None

    def set_box(self, box: Box | None) -> None:
        """Show ``box`` (or hide the wireframe for ``None``)."""
        self.box = box
        if box is None:
            self.line.visible = False
            return
        self.line.set_data(pos=box_segments(box))
        self.line.visible = True
