"""The map of a STEM-EDS spectrum image: HAADF plus coloured element maps, and the analysed rectangle.

Coordinates are nm from the map's top-left pixel corner (as ``analyze --roi``), y downwards as in the
microscope's image. The rectangle is dragged or resized with its handles, drawn anew by a left-drag
on the map outside it, or typed into the spin boxes below; it snaps to whole pixels.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

ROI_PEN = pg.mkPen((255, 217, 51), width=2)
# Distinct, colour-blind-safe hues for up to eight element maps (Okabe-Ito).
COLOURS = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
           (204, 121, 167), (255, 255, 255)]  # fmt: skip


def overlay_rgb(image: np.ndarray | None, maps: np.ndarray, shown: list[bool], mix: float) -> np.ndarray:
    """(ny, nx, 3) uint8: the grey image under the element maps, each in its colour, ``mix`` of it.

    Each element map is scaled to its own 99th percentile, so a minor element shows as clearly as a
    major one (the composition is in the numbers, not in the brightness).
    """
    ny, nx = maps.shape[1:]
    if image is not None:
        lo, hi = np.percentile(image, [1, 99])
        grey = np.clip((image - lo) / max(hi - lo, 1e-9), 0, 1)
    else:
        grey = np.zeros((ny, nx))
    base = np.repeat(grey[:, :, None], 3, axis=2)
    colour = np.zeros((ny, nx, 3))
    for i, on in enumerate(shown):
        if not on:
            continue
        m = np.clip(maps[i], 0, None)
        top = np.percentile(m, 99) if m.any() else 1.0
        w = np.clip(m / max(top, 1e-9), 0, 1)
        colour += w[:, :, None] * np.array(COLOURS[i % len(COLOURS)])[None, None, :] / 255.0
    out = (1 - mix) * base + mix * np.clip(colour, 0, 1) if any(shown) else base
    return (np.clip(out, 0, 1) * 255).astype(np.uint8)


class _DrawBox(pg.ViewBox):
    """A ViewBox where a left-drag on empty space draws the rectangle instead of panning."""

    def __init__(self, on_draw, **kw) -> None:
        super().__init__(**kw)
        self._on_draw = on_draw
        self._start = None

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        if ev.isStart():
            self._start = self.mapSceneToView(ev.buttonDownScenePos())
        if self._start is not None:
            self._on_draw(self._start, self.mapSceneToView(ev.scenePos()), ev.isFinish())
        if ev.isFinish():
            self._start = None


class MapView(QWidget):
    """Element maps over the HAADF image with the analysed rectangle.

    Signals
    -------
    roi_changed(float, float, float, float)
        ``xmin, ymin, xmax, ymax`` in nm, continuously while the rectangle moves.
    roi_finished()
        The mouse was released or a spin box edited: time for the full analysis.
    """

    roi_changed = Signal(float, float, float, float)
    roi_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixel_nm = 1.0
        self.shape = (1, 1)
        self._maps = np.zeros((0, 1, 1))
        self._image: np.ndarray | None = None
        self._setting = False
        self.vb = _DrawBox(self._draw, lockAspect=True, invertY=True)
        self.plot = pg.PlotWidget(viewBox=self.vb)
        # Labels without pyqtgraph units: it would prefix nm as if it were a base unit ("knm").
        self.plot.setLabel("bottom", "x (nm)")
        self.plot.setLabel("left", "y (nm)")
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image_item)
        self.roi = pg.RectROI([0, 0], [1, 1], pen=ROI_PEN, removable=False, rotatable=False)
        self.roi.addScaleHandle([0, 0], [1, 1])
        self.roi.addScaleHandle([1, 0], [0, 1])
        self.roi.addScaleHandle([0, 1], [1, 0])
        self.plot.addItem(self.roi)
        self.roi.sigRegionChanged.connect(self._roi_moved)
        self.roi.sigRegionChangeFinished.connect(self._roi_done)
        self.roi.setToolTip(
            "The analysed region: drag to move, handles to resize; drag on the map to draw anew"
        )

        self.spins = {}
        grid = QGridLayout()
        for col, (key, tip) in enumerate(
            (("x", "left edge (nm)"), ("y", "top edge (nm)"), ("w", "width (nm)"), ("h", "height (nm)"))
        ):
            spin = QDoubleSpinBox()
            spin.setDecimals(2)
            spin.setSuffix(" nm")
            spin.setToolTip(f"Region {tip}; snaps to whole pixels")
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._spins_edited)
            grid.addWidget(QLabel(key), 0, 2 * col)
            grid.addWidget(spin, 0, 2 * col + 1)
            self.spins[key] = spin
        self.element_row = QHBoxLayout()
        self.checks: list[QCheckBox] = []
        self.mix = QSlider(Qt.Orientation.Horizontal)
        self.mix.setRange(0, 100)
        self.mix.setValue(70)
        self.mix.setToolTip("How strongly the element colours cover the HAADF image")
        self.mix.valueChanged.connect(self._repaint)
        mixrow = QHBoxLayout()
        mixrow.addWidget(QLabel("HAADF"))
        mixrow.addWidget(self.mix, 1)
        mixrow.addWidget(QLabel("elements"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.plot, 1)
        lay.addLayout(self.element_row)
        lay.addLayout(mixrow)
        lay.addLayout(grid)

    # ---- content --------------------------------------------------------------------------------
    def set_data(
        self, image: np.ndarray | None, maps: np.ndarray, elements: list[str], pixel_nm: float
    ) -> None:
        """Show a new map: HAADF ``image`` (or None), element maps (K, ny, nx), pixel size."""
        self._image, self._maps, self.pixel_nm = image, maps, float(pixel_nm)
        self.shape = maps.shape[1:]
        ny, nx = self.shape
        for c in self.checks:
            self.element_row.removeWidget(c)
            c.deleteLater()
        self.checks = []
        for i, el in enumerate(elements):
            c = QCheckBox(el)
            c.setChecked(True)
            r, g, b = COLOURS[i % len(COLOURS)]
            c.setStyleSheet(f"QCheckBox {{ color: rgb({r},{g},{b}); font-weight: bold; }}")
            c.setToolTip(f"Show the {el} map in its colour")
            c.toggled.connect(self._repaint)
            self.element_row.addWidget(c)
            self.checks.append(c)
        for key, top in (("x", nx), ("y", ny), ("w", nx), ("h", ny)):
            spin = self.spins[key]
            spin.blockSignals(True)
            spin.setRange(0.0 if key in "xy" else 2 * self.pixel_nm, top * self.pixel_nm)
            spin.setSingleStep(self.pixel_nm)
            spin.blockSignals(False)
        self.roi.maxBounds = QRectF(0, 0, nx * self.pixel_nm, ny * self.pixel_nm)
        self.roi.snapSize = self.pixel_nm
        self.roi.translateSnap = self.roi.scaleSnap = True
        self._repaint()
        # After the image is set: the rectangle maps the image's pixels, whose count it must know.
        self.image_item.setRect(QRectF(0, 0, nx * self.pixel_nm, ny * self.pixel_nm))
        self.set_rect(0, 0, nx * self.pixel_nm, ny * self.pixel_nm)
        self.vb.autoRange(padding=0.02)

    def _repaint(self) -> None:
        if self._maps.shape[0] == 0:
            return
        rgb = overlay_rgb(
            self._image, self._maps, [c.isChecked() for c in self.checks], self.mix.value() / 100
        )
        self.image_item.setImage(rgb, autoLevels=False, levels=(0, 255))

    def rendered(self) -> np.ndarray:
        """The RGB image on screen (for tests)."""
        return np.asarray(self.image_item.image)

    # ---- the rectangle --------------------------------------------------------------------------
    def rect(self) -> tuple[float, float, float, float]:
        """``xmin, ymin, xmax, ymax`` in nm, snapped to pixels."""
        p, s = self.roi.pos(), self.roi.size()
        px = self.pixel_nm
        x0, y0 = round(p.x() / px) * px, round(p.y() / px) * px
        x1, y1 = round((p.x() + s.x()) / px) * px, round((p.y() + s.y()) / px) * px
        return x0, y0, x1, y1

    def set_rect(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Place the rectangle (no ``roi_finished``)."""
        self._setting = True
        try:
            self.roi.setPos((x0, y0), update=False, finish=False)
            self.roi.setSize((x1 - x0, y1 - y0), finish=False)
        finally:
            self._setting = False
        self._sync_spins()

    def _sync_spins(self) -> None:
        x0, y0, x1, y1 = self.rect()
        for key, v in (("x", x0), ("y", y0), ("w", x1 - x0), ("h", y1 - y0)):
            spin = self.spins[key]
            spin.blockSignals(True)
            spin.setValue(v)
            spin.blockSignals(False)

    def _roi_moved(self) -> None:
        self._sync_spins()
        if not self._setting:
            self.roi_changed.emit(*self.rect())

    def _roi_done(self) -> None:
        if not self._setting:
            self.roi_finished.emit()

    def _spins_edited(self) -> None:
        x, y = self.spins["x"].value(), self.spins["y"].value()
        self.set_rect(x, y, x + self.spins["w"].value(), y + self.spins["h"].value())
        self.roi_changed.emit(*self.rect())
        self.roi_finished.emit()

    def _draw(self, a, b, finished: bool) -> None:
        x0, x1 = sorted((a.x(), b.x()))
        y0, y1 = sorted((a.y(), b.y()))
        ny, nx = self.shape
        x0, y0 = max(x0, 0.0), max(y0, 0.0)
        x1, y1 = min(x1, nx * self.pixel_nm), min(y1, ny * self.pixel_nm)
        if x1 - x0 >= 2 * self.pixel_nm and y1 - y0 >= 2 * self.pixel_nm:
            self.set_rect(x0, y0, x1, y1)
            self.roi_changed.emit(*self.rect())
        if finished:
            self.roi_finished.emit()
