"""A projected density map of the specimen with the active box as a draggable, resizable rectangle.

Two of these (XY, top view; XZ, side view) let the user place the sub-volume in 3D: each edits the
two coordinates it shows. Left-dragging on the map outside the rectangle draws a new rectangle;
dragging the rectangle moves it, its handles resize it; the wheel zooms and the middle or right
button pans/zooms as in any pyqtgraph plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from hea_studio.core.dataset import DensityMap
from hea_studio.plots.axes import cache_axes

AXIS_NAMES = ("x", "y", "z")
BOX_PEN = pg.mkPen((255, 217, 51), width=2)
BOX_HOVER_PEN = pg.mkPen((255, 240, 150), width=3)
MIN_SIDE_NM = 0.2  # a box thinner than this cannot hold even one cube of the smallest edge


class _DrawingViewBox(pg.ViewBox):
    """A ViewBox where a left-drag on empty space draws a rectangle instead of panning."""

    def __init__(self, on_draw, **kwargs) -> None:
        super().__init__(**kwargs)
        self._on_draw = on_draw
        self._start: QPointF | None = None

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        if ev.isStart():
            self._start = self.mapSceneToView(ev.buttonDownScenePos())
        if self._start is None:
            return
        here = self.mapSceneToView(ev.scenePos())
        self._on_draw(self._start, here, ev.isFinish())
        if ev.isFinish():
            self._start = None


class ProjectionView(QWidget):
    """Density map of two axes with the active box drawn on it.

    Signals
    -------
    rect_changed(float, float, float, float)
        The user moved, resized or drew the rectangle: ``lo_a, hi_a, lo_b, hi_b`` in nm along the
        view's horizontal and vertical axes. Emitted continuously while dragging.
    drag_started()
        The user began moving, resizing or drawing the rectangle with the mouse.
    drag_finished()
        The mouse was released (after the last ``rect_changed`` of the drag).
    """

    rect_changed = Signal(float, float, float, float)
    drag_started = Signal()
    drag_finished = Signal()

    def __init__(self, axes: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.axes = axes
        self.view_box = _DrawingViewBox(self._draw, lockAspect=True, invertY=False)
        self.plot = pg.PlotWidget(viewBox=self.view_box, background="w")
        a, b = (AXIS_NAMES[i] for i in axes)
        self.plot.setLabel("bottom", f"{a} (nm)")
        self.plot.setLabel("left", f"{b} (nm)")
        self.plot.setTitle(f"{a.upper()}{b.upper()} projection (atom density)", size="10pt")
        self.plot.setMenuEnabled(False)
        cache_axes(self.plot.getPlotItem())  # the axes stay still while the box is dragged
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setColorMap(pg.colormap.get("CET-L1"))  # white to black: dense = dark
        self.plot.addItem(self.image)
        self.roi = pg.RectROI([0, 0], [1, 1], pen=BOX_PEN, hoverPen=BOX_HOVER_PEN, invertible=False)
        for corner, anchor in (([0, 0], [1, 1]), ([1, 0], [0, 1]), ([0, 1], [1, 0])):
            self.roi.addScaleHandle(corner, anchor)
        for side, anchor in (
            ([0.5, 0], [0.5, 1]),
            ([0.5, 1], [0.5, 0]),
            ([0, 0.5], [1, 0.5]),
            ([1, 0.5], [0, 0.5]),
        ):
            self.roi.addScaleHandle(side, anchor)
        self.roi.setZValue(10)
        self.roi.setVisible(False)
        self.roi.sigRegionChanged.connect(self._roi_moved)
        # Moving or resizing the rectangle with the mouse (set_rect never starts or finishes one).
        self.roi.sigRegionChangeStarted.connect(lambda _roi: self._set_dragging(True))
        self.roi.sigRegionChangeFinished.connect(lambda _roi: self._set_dragging(False))
        self._dragging = False
        self.plot.addItem(self.roi)
        self._updating = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    # ---- model -> view --------------------------------------------------------------------------
    def set_map(self, density: DensityMap | None) -> None:
        """Show a density map (log-scaled so both the dense core and the thin shank read)."""
        if density is None:
            self.image.clear()
            self.roi.setVisible(False)
            return
        self.image.setImage(np.log1p(density.counts), autoLevels=True)
        rect = QRectF(
            density.lo[0], density.lo[1], density.hi[0] - density.lo[0], density.hi[1] - density.lo[1]
        )
        self.image.setRect(rect)
        self.view_box.setRange(rect, padding=0.02)

    def set_rect(self, lo_a: float, hi_a: float, lo_b: float, hi_b: float) -> None:
        """Place the rectangle without echoing ``rect_changed``."""
        self._updating = True
        try:
            self.roi.setPos((lo_a, lo_b), update=False, finish=False)
            self.roi.setSize((hi_a - lo_a, hi_b - lo_b), update=True, finish=False)
            self.roi.setVisible(True)
        finally:
            self._updating = False

    def rect(self) -> tuple[float, float, float, float]:
        """The rectangle as ``lo_a, hi_a, lo_b, hi_b`` (nm)."""
        pos = self.roi.pos()
        size = self.roi.size()
        return (pos.x(), pos.x() + size.x(), pos.y(), pos.y() + size.y())

    # ---- user -> model --------------------------------------------------------------------------
    def _roi_moved(self, _roi=None) -> None:
        if self._updating:
            return
        lo_a, hi_a, lo_b, hi_b = self.rect()
        if hi_a - lo_a < MIN_SIDE_NM or hi_b - lo_b < MIN_SIDE_NM:
            return
        self.rect_changed.emit(lo_a, hi_a, lo_b, hi_b)

    def _draw(self, start: QPointF, here: QPointF, finished: bool) -> None:
        if not self.roi.isVisible():
            return  # no dataset, nothing to draw a box in
        self._set_dragging(True)
        lo_a, hi_a = sorted((start.x(), here.x()))
        lo_b, hi_b = sorted((start.y(), here.y()))
        if hi_a - lo_a >= MIN_SIDE_NM and hi_b - lo_b >= MIN_SIDE_NM:
            self.set_rect(lo_a, hi_a, lo_b, hi_b)
            self.rect_changed.emit(lo_a, hi_a, lo_b, hi_b)
        if finished:
            self._set_dragging(False)  # after the last rectangle: listeners see the final box

    @property
    def dragging(self) -> bool:
        """True while the user moves, resizes or draws the rectangle with the mouse."""
        return self._dragging

    def _set_dragging(self, on: bool) -> None:
        if on == self._dragging:
            return
        self._dragging = on
        (self.drag_started if on else self.drag_finished).emit()

    # ---- coordinates (used by tests and the benchmark to aim the mouse) ---------------------------
    def widget_point(self, a_nm: float, b_nm: float):
        """Position in the viewport's pixels of the point (a, b) in nm."""
        scene_pt = self.view_box.mapViewToScene(QPointF(a_nm, b_nm))
        return self.plot.mapFromScene(scene_pt)
