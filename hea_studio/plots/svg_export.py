"""SVG export through Qt's own SVG generator, replacing pyqtgraph's SVG exporter.

pyqtgraph 0.14's SVG exporter post-processes the SVG text Qt writes and expects the path format of
older Qt versions; with Qt 6 it raises while parsing coordinates, and in the plots' right-click
Export dialog the exception is swallowed: the user picks a file and nothing is written. This
exporter paints the scene with :class:`QSvgGenerator` (the same rendering as the PNG export, into
vector form) and writes the file atomically. :func:`install` puts it in place of pyqtgraph's SVG
entry, so every plot's context menu offers the working one under the same name.
"""

from __future__ import annotations

from pathlib import Path

from pyqtgraph.exporters.Exporter import Exporter
from pyqtgraph.parametertree import Parameter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QPainter
from PySide6.QtSvg import QSvgGenerator

from hea_studio.core.errors import InputError

NAME = "SVG (Scalable Vector Graphics)"


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

    def svg_bytes(self) -> bytes:
        """The SVG document of the item."""
        w, h = int(self.params["width"]), int(self.params["height"])
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buffer)
        gen.setSize(QSize(w, h))
        gen.setViewBox(QRect(0, 0, w, h))
        gen.setTitle("HEA Studio plot")
        painter = QPainter(gen)
        try:
            background = QColor(self.params["background"])
            if background.alpha():
                painter.fillRect(QRect(0, 0, w, h), background)
            self.setExportMode(True, {"antialias": True, "background": background, "painter": painter})
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self.getScene().render(painter, QRectF(0, 0, w, h), QRectF(self.getSourceRect()))
        finally:
            self.setExportMode(False)
            painter.end()
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


def write_svg(data: bytes, path: str | Path) -> Path:
    """Write SVG bytes atomically; :class:`InputError` if the file cannot be written."""
    from hea_studio.io.project.store import write_atomically

    out = Path(path)
    try:
        write_atomically(out, lambda tmp: tmp.write_bytes(data), durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out


def install() -> None:
    """Offer :class:`QtSvgExporter` in every plot's Export dialog instead of pyqtgraph's SVG exporter."""
    import pyqtgraph.exporters  # noqa: F401  (registers pyqtgraph's exporters first)

    registry = Exporter.Exporters
    if QtSvgExporter in registry:
        return
    for i, cls in enumerate(registry):
        if getattr(cls, "Name", "").startswith("SVG"):
            registry[i] = QtSvgExporter
            return
    registry.append(QtSvgExporter)
