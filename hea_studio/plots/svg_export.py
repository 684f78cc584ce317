"""SVG and PDF export through Qt's own generators, replacing pyqtgraph's SVG exporter.

pyqtgraph 0.14's SVG exporter post-processes the SVG text Qt writes and expects the path format of
older Qt versions; with Qt 6 it raises while parsing coordinates, and in the plots' right-click
Export dialog the exception is swallowed: the user picks a file and nothing is written. This
exporter paints the scene with :class:`QSvgGenerator` (the same rendering as the PNG export, into
vector form) and writes the file atomically. :func:`install` removes pyqtgraph's SVG entry (named
"Scalable Vector Graphics (SVG)", so a test for names starting with "SVG" never saw it) and offers
this one, and a PDF exporter, once each. :func:`write_figure_file` writes PNG, SVG or PDF by the
file's suffix (``--plot``), and :func:`offer_whole_figure` makes a figure whose header and legend
sit outside the axes export as shown.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

from pyqtgraph.exporters.Exporter import Exporter
from pyqtgraph.parametertree import Parameter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRect, QRectF, QSize, QSizeF
from PySide6.QtGui import QColor, QPageSize, QPainter, QPdfWriter, QPicture
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from hea_studio.core.errors import InputError, os_reason

NAME = "SVG (Scalable Vector Graphics)"
PDF_NAME = "PDF (Portable Document Format)"
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def picture_dpi() -> int:
    """The resolution vector output must use: pyqtgraph's axes replay a ``QPicture`` recorded at the
    screen's resolution, and Qt scales a picture by the ratio of resolutions when it is replayed, so
    an SVG or PDF at another one (Qt's default is 72 dpi) drew the axes at 3/4 of the data's scale."""
    return QPicture().logicalDpiX()


class QtSvgExporter(Exporter):
    """Export a plot (or any graphics item or scene) as SVG via :class:`QSvgGenerator`."""

    Name = NAME
    allowCopy = False  # noqa: N815 (pyqtgraph's attribute name)

    def __init__(self, item) -> None:
        super().__init__(item)
        rect = self.getTargetRect()
        self.params = Parameter.create(
            name="params",
            type="group",
            children=[
                {"name": "width", "title": "width (px)", "type": "int", "value": int(rect.width()), "limits": (1, None)},
                {"name": "height", "title": "height (px)", "type": "int", "value": int(rect.height()), "limits": (1, None)},
                {"name": "background", "title": "background", "type": "color", "value": QColor(0, 0, 0, 0)},
            ],
        )  # fmt: skip

    def parameters(self):
        """The exporter's options as shown in pyqtgraph's Export dialog."""
        return self.params

    def _paint(self, device) -> None:
        """Render the item onto ``device`` (``width`` x ``height`` units, at :func:`picture_dpi`)."""
        w, h = int(self.params["width"]), int(self.params["height"])
        painter = QPainter(device)
        # Items painted from a cached pixmap (the axes, see plots/axes.py) would land in the file as
        # embedded bitmaps: render every item directly while exporting, so the file is all vector.
        cached = [(item, item.cacheMode()) for item in self.getScene().items() if item.cacheMode()]
        for item, _ in cached:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        try:
            background = QColor(self.params["background"])
            if background.alpha():
                painter.fillRect(QRect(0, 0, w, h), background)
            self.setExportMode(True, {"antialias": True, "background": background, "painter": painter})
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            with collection_paused():
                self.getScene().render(painter, QRectF(0, 0, w, h), QRectF(self.getSourceRect()))
        finally:
            self.setExportMode(False)
            painter.end()
            for item, mode in cached:
                item.setCacheMode(mode)

    def svg_bytes(self) -> bytes:
        """The SVG document of the item."""
        w, h = int(self.params["width"]), int(self.params["height"])
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buffer)
        gen.setSize(QSize(w, h))
        gen.setViewBox(QRect(0, 0, w, h))
        gen.setResolution(picture_dpi())
        gen.setTitle("HEA Studio plot")
        self._paint(gen)
        data = QByteArray(buffer.data())
        buffer.close()
        return bytes(data.data())

    def pdf_bytes(self) -> bytes:
        """The item as a one-page PDF the size of the plot (1 px = 1/96 in, as in CSS)."""
        w, h = int(self.params["width"]), int(self.params["height"])
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QPdfWriter(buffer)
        dpi = picture_dpi()
        writer.setResolution(dpi)
        writer.setPageSize(QPageSize(QSizeF(w * 72 / dpi, h * 72 / dpi), QPageSize.Unit.Point, "plot"))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        writer.setCreator("HEA Studio")
        self._paint(writer)
        del writer  # the PDF is complete once the writer is gone
        data = QByteArray(buffer.data())
        buffer.close()
        return bytes(data.data())

    def export(self, fileName=None, toBytes=False, copy=False):
        """Write the SVG to ``fileName`` (a save dialog first if none), or return it as bytes."""
        if toBytes:
            return self.svg_bytes()
        if fileName is None:
            self.fileSaveDialog(filter="Scalable Vector Graphics (*.svg)")
            return None
        write_svg(self.svg_bytes(), fileName)
        return True

    def fileSaveFinished(self, fileName):
        """The Export dialog's file was chosen: write it, and say so in a dialog if that fails."""
        try:
            super().fileSaveFinished(fileName)
        except InputError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(None, "Cannot export the plot", str(exc))


class QtPdfExporter(QtSvgExporter):
    """Export a plot as a vector PDF page via :class:`QPdfWriter`."""

    Name = PDF_NAME

    def export(self, fileName=None, toBytes=False, copy=False):
        """Write the PDF to ``fileName`` (a save dialog first if none), or return it as bytes."""
        if toBytes:
            return self.pdf_bytes()
        if fileName is None:
            self.fileSaveDialog(filter="Portable Document Format (*.pdf)")
            return None
        write_svg(self.pdf_bytes(), fileName)
        return True


def write_svg(data: bytes, path: str | Path) -> Path:
    """Write SVG (or PDF) bytes atomically; :class:`InputError` if the file cannot be written."""
    from hea_studio.io.files import write_atomically

    out = Path(path)
    try:
        write_atomically(out, lambda tmp: tmp.write_bytes(data), durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {os_reason(exc)}") from None
    return out


def install() -> None:
    """Offer :class:`QtSvgExporter` and :class:`QtPdfExporter` in every plot's Export dialog, once
    each, and no other SVG exporter (pyqtgraph's writes nothing with Qt 6)."""
    import pyqtgraph.exporters  # noqa: F401  (registers pyqtgraph's exporters first)

    registry = Exporter.Exporters
    ours = (QtSvgExporter, QtPdfExporter)
    kept = [c for c in registry if c in ours or "SVG" not in getattr(c, "Name", "").upper()]
    image = next((i for i, c in enumerate(kept) if c not in ours), -1)
    for cls in ours:
        if cls not in kept:
            kept.insert(image + 1, cls)  # right after the image (PNG) exporter
            image += 1
    registry[:] = kept


def offer_whole_figure(widget) -> None:
    """Right-click > Export on ``widget`` starts with the entire figure selected, not the axes.

    pyqtgraph preselects the plot that was clicked; for a figure whose header (SUME values) and
    legend are items of their own around the axes, that exported a plot without them.
    """
    scene = widget.scene()
    action = scene.contextMenu[0]

    def show() -> None:
        scene.showExportDialog()
        tree = scene.exportDialog.ui.itemTree
        tree.setCurrentItem(tree.topLevelItem(0))  # "Entire Scene": what the window shows

    action.triggered.disconnect()
    action.triggered.connect(show)


@contextmanager
def collection_paused():
    """No automatic garbage collection while a scene is painted off screen.

    pyqtgraph keeps its items in reference cycles. When an allocation inside a render crossed the
    collector's threshold, the collector tore down an earlier plot's items in the middle of the
    paint and the process crashed (seen in the CLI's figure and report writers and in the tests).
    The previous state is restored afterwards, so the window's GUI-thread collector keeps its own.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_figure_file(item, path: str | Path, width: int, height: int) -> Path:
    """Write ``item`` (a plot, layout or scene) as PNG, SVG or PDF, chosen by ``path``'s suffix.

    Raises
    ------
    InputError
        Another suffix, or the file cannot be written.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise InputError(f"{out}: cannot write a {suffix or 'suffix-less'} figure; use .png, .svg or .pdf")
    with collection_paused():
        return _write_figure(item, out, suffix, width, height)


def _write_figure(item, out: Path, suffix: str, width: int, height: int) -> Path:
    if suffix == ".png":
        from pyqtgraph.exporters import ImageExporter

        exporter = ImageExporter(item)
        exporter.parameters()["width"] = width
        # QImage.save answers False when libpng fails (a full disk) and may leave a partial file.
        saved = exporter.export(str(out))
        if saved is False or not out.exists() or out.stat().st_size == 0:
            raise InputError(f"cannot write the plot to {out} (is the disk full?)")
        return out
    vector = QtSvgExporter(item) if suffix == ".svg" else QtPdfExporter(item)
    vector.params["width"], vector.params["height"] = width, height
    vector.params["background"] = QColor(255, 255, 255)
    vector.export(str(out))
    return out


_FIGURES: dict[str, object] = {}


def reused_figure(kind: str, factory):
    """One hidden plot object per ``kind`` for the report's figures, made once and reused.

    Tearing a pyqtgraph plot down (deleteLater, or Python's garbage collector reaching it later)
    freed its items in an order that crashed a later plot in the same process; a figure object
    that lives as long as the process, redrawn for each figure, is never torn down.
    """
    if kind not in _FIGURES:
        _FIGURES[kind] = factory()
    return _FIGURES[kind]


def plot_svg(widget, item, width: int, height: int) -> str:
    """``item`` (a plot inside ``widget``) as an SVG element ready to inline in HTML.

    The widget is laid out at its final size off screen (as the PNG export does), rendered through
    :class:`QtSvgExporter` (vector only: no cached bitmaps), and the XML prolog is dropped. The
    element scales to its container's width (``viewBox`` kept), so it prints sharp at any size.
    """
    import re

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    widget.resize(width, height)
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.show()
    QApplication.processEvents()
    exporter = QtSvgExporter(item)
    exporter.params["width"] = width
    exporter.params["height"] = height
    exporter.params["background"] = QColor(255, 255, 255)
    text = exporter.svg_bytes().decode("utf-8")
    widget.hide()
    start = text.index("<svg")
    # Qt writes the size in mm; in a page the figure takes the column's width at the viewBox's aspect.
    head = re.sub(r'\swidth="[^"]*"\s+height="[^"]*"', ' width="100%" role="img"', text[start:], count=1)
    return head.replace("<desc>Generated with Qt</desc>", "")
