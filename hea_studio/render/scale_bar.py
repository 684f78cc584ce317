"""A scale bar in nm drawn in screen pixels over the 3D view."""

from __future__ import annotations

import math

import numpy as np
from vispy import scene

# Bar lengths people read at a glance: 1, 2, 5 times a power of ten.
_STEPS = (1.0, 2.0, 5.0)


def nice_length(max_nm: float) -> float:
    """The largest 1/2/5 x 10^k length not longer than ``max_nm`` (nm)."""
    if not (max_nm > 0 and math.isfinite(max_nm)):
        return 1.0
    exponent = math.floor(math.log10(max_nm))
    best = 10.0**exponent
    for step in _STEPS:
        value = step * 10.0**exponent
        if value <= max_nm:
            best = value
    return best


def format_nm(value: float) -> str:
    """``5 nm``, ``0.5 nm``, ``20 nm``."""
    return f"{value:g} nm"


class ScaleBar:
    """A horizontal bar with its length in nm, in the lower left corner of a canvas.

    The camera is orthographic, so one nm has the same number of pixels everywhere on screen and
    the bar is exact (a perspective camera would make it true only at the centre of rotation).
    """

    def __init__(self, canvas, colour=(0.95, 0.95, 0.95, 1.0)) -> None:
        self.canvas = canvas
        self.line = scene.visuals.Line(
            pos=np.zeros((2, 2), dtype=np.float32), color=colour, width=3.0, parent=canvas.scene
        )
        self.text = scene.visuals.Text(
            "", color=colour, font_size=10, anchor_x="center", anchor_y="center", parent=canvas.scene
        )
        self.length_nm = 0.0

    def update(self, nm_per_pixel: float, margin: int = 20) -> None:
        """Redraw for the current zoom (``nm_per_pixel``)."""
        _, height = self.canvas.size
        if not (nm_per_pixel > 0 and math.isfinite(nm_per_pixel)):
            return
        length = nice_length(nm_per_pixel * 150.0)  # aim for a bar of at most 150 px
        pixels = length / nm_per_pixel
        y = height - margin
        x0 = margin
        self.line.set_data(pos=np.array([[x0, y], [x0 + pixels, y]], dtype=np.float32))
        self.text.pos = (x0 + pixels / 2.0, y - 16)  # canvas pixels grow downwards: above the bar
        self.text.text = format_nm(length)
        self.length_nm = length
