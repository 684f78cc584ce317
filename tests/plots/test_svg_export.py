"""Right-click > Export > SVG writes a real SVG of the plot (pyqtgraph 0.14's own exporter wrote nothing)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

SVG = "{http://www.w3.org/2000/svg}"


def _export_dialog_svg_exporter():
    """The one SVG exporter the Export dialog lists (any entry naming SVG counts)."""
    import pyqtgraph.exporters

    import hea_studio.plots  # noqa: F401  (installs the exporter)

    (cls,) = [c for c in pyqtgraph.exporters.listExporters() if "svg" in c.Name.lower()]
    return cls


def _entropy_plot(qtbot):
    from compute_specimens import full_box, random_alloy

    from hea_studio.compute.analysis import run_analysis
    from hea_studio.core.settings import AnalysisSettings
    from hea_studio.plots.curve import EntropyCurvePlot

    atoms = random_alloy(20_000, seed=2)
    result = run_analysis(
        atoms, AnalysisSettings(sizes_nm=(1.0, 1.5, 2.0, 3.0), bootstrap=0), full_box(atoms)
    )
    plot = EntropyCurvePlot()
    qtbot.addWidget(plot.widget)
    plot.widget.resize(700, 480)
    plot.set_result(result)
    plot.widget.show()
    qtbot.waitExposed(plot.widget)
    return plot


def _export_from_the_menu(qtbot, plot, fmt: str, out) -> None:
    """Right-click on the axes > Export..., pick the entry naming ``fmt``, Export, choose ``out``."""
    scene = plot.widget.scene()
    scene.contextMenuItem = plot.plot.vb  # where the right-click landed
    scene.contextMenu[0].trigger()  # "Export..."
    dialog = scene.exportDialog
    names = [dialog.ui.formatList.item(i).text() for i in range(dialog.ui.formatList.count())]
    rows = [i for i, name in enumerate(names) if fmt.lower() in name.lower()]
    assert len(rows) == 1, f"the Export dialog must list one {fmt} entry, it lists {names}"
    dialog.ui.formatList.setCurrentRow(rows[0])
    dialog.ui.exportBtn.click()
    files = dialog.currentExporter.fileDialog
    files.selectFile(str(out))
    files.accept()
    dialog.close()


def test_the_export_menu_writes_the_entropy_figure_as_shown(qtbot, tmp_path):
    """What the user gets from Export > SVG: the whole figure, with the SUME header, the legend and
    the S_mix axis label as rich text (on main: two SVG entries, one writing nothing, the other
    only the axes, with a literal "S_mix (R)")."""
    plot = _entropy_plot(qtbot)
    out = tmp_path / "figure.svg"
    _export_from_the_menu(qtbot, plot, "SVG", out)
    root = ET.parse(out).getroot()
    assert root.tag == SVG + "svg" and _path_points(root)
    text = " ".join(t.strip() for t in root.itertext() if t.strip())
    assert "SUME" in text  # the header
    legend = [label.text for _sample, label in plot.legend.items]
    assert legend and all(name in text for name in legend)
    assert "S_mix" not in text and "mix" in text  # the label drawn with its subscript


def test_the_export_menu_writes_a_pdf(qtbot, tmp_path):
    plot = _entropy_plot(qtbot)
    out = tmp_path / "figure.pdf"
    _export_from_the_menu(qtbot, plot, "PDF", out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 2000


def _path_points(root) -> list[int]:
    """Number of coordinates of every drawn path/polyline of the document."""
    counts = []
    for el in root.iter():
        if el.tag in (SVG + "path", SVG + "polyline"):
            text = el.get("d") or el.get("points") or ""
            counts.append(len([t for t in text.replace(",", " ").split() if t[:1] in "-0123456789."]))
    return counts


def test_the_export_dialog_offers_one_working_svg_exporter(qtbot, tmp_path):
    import pyqtgraph as pg

    cls = _export_dialog_svg_exporter()
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(500, 360)
    widget.setTitle("Entropy of CoCuFeNi")
    x = np.linspace(0.5, 10, 40)
    widget.plot(x, np.log(4) - 0.2 * np.exp(-x), pen=pg.mkPen("r", width=2))
    widget.show()
    qtbot.waitExposed(widget)
    exporter = cls(widget.getPlotItem())
    out = tmp_path / "curve.svg"
    assert exporter.export(str(out)) is True
    root = ET.parse(out).getroot()  # well-formed XML
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") == "0 0 500 360"
    text = "".join(t for t in root.itertext())
    assert "Entropy of CoCuFeNi" in text
    # The curve is there as vector data: every one of its 40 points is a polyline vertex.
    drawn = {
        round(float(v.split(",")[0]), 3)
        for el in root.iter(SVG + "polyline")
        for v in el.get("points").split()
    }
    assert {round(float(v), 3) for v in x} <= drawn
    assert not list(tmp_path.glob(".*.tmp"))


def test_svg_of_the_entropy_plot(qtbot, tmp_path):
    from compute_specimens import full_box, random_alloy

    from hea_studio.compute.analysis import run_analysis
    from hea_studio.core.settings import AnalysisSettings
    from hea_studio.plots.curve import EntropyCurvePlot

    atoms = random_alloy(20_000, seed=2)
    result = run_analysis(
        atoms, AnalysisSettings(sizes_nm=(1.0, 1.5, 2.0, 3.0), bootstrap=0), full_box(atoms)
    )
    plot = EntropyCurvePlot()
    qtbot.addWidget(plot.widget)
    plot.widget.resize(600, 420)
    plot.set_result(result)
    plot.widget.show()
    qtbot.waitExposed(plot.widget)
    cls = _export_dialog_svg_exporter()
    data = cls(plot.widget.scene()).export(toBytes=True)
    root = ET.fromstring(data)
    assert root.tag == SVG + "svg" and _path_points(root)
    from hea_studio.core.errors import InputError

    with pytest.raises(InputError, match="cannot write"):  # a failed write is reported, not silent
        cls(plot.widget.scene()).export("/proc/self/plot.svg")


def test_a_failed_export_from_the_dialog_is_shown(qtbot, monkeypatch):
    import pyqtgraph as pg
    from PySide6.QtWidgets import QMessageBox

    cls = _export_dialog_svg_exporter()
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.plot([1, 2, 3], [3, 1, 2])
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    exporter = cls(widget.getPlotItem())
    exporter.fileSaveDialog(filter="Scalable Vector Graphics (*.svg)")
    exporter.fileDialog.close()
    exporter.fileSaveFinished("/proc/self/plot.svg")  # what the dialog calls once a file is chosen
    assert len(shown) == 1 and "cannot write" in shown[0]


def test_an_exported_window_plot_is_all_vector_with_axes_on_the_data(qtbot, tmp_path):
    # The window's plots cache their axes as pixmaps (plots/axes.py): those went into the SVG as
    # embedded bitmaps, and at Qt's default 72 dpi the axes' recorded pictures shrank against the data.
    import pyqtgraph as pg

    from hea_studio.plots.curve import white_plot

    cls = _export_dialog_svg_exporter()
    widget, plot_item = white_plot(None, "cube edge (nm)", "S (R)", grid_alpha=0.0)  # as the window's
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    plot_item.plot([0, 10], [0, 1], pen=pg.mkPen((255, 0, 0), width=2))
    plot_item.setXRange(0, 10, padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    exporter = cls(plot_item)
    out = tmp_path / "axes.svg"
    assert exporter.export(str(out)) is True
    assert "<image" not in out.read_text()
    # Drawn, the SVG matches the PNG export (which places axes right): the dark pixels (axes, ticks,
    # labels) and the red line cover the same boxes.
    from pyqtgraph.exporters import ImageExporter
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    png = tmp_path / "axes.png"
    ImageExporter(plot_item).export(str(png))

    def on_white(draw, size):
        img = QImage(size, QImage.Format.Format_RGB888)
        img.fill(0xFFFFFF)
        painter = QPainter(img)
        draw(painter)
        painter.end()
        return img

    source = QImage(str(png))
    reference = on_white(lambda p: p.drawImage(0, 0, source), source.size())
    drawn = on_white(QSvgRenderer(str(out)).render, source.size())

    def lines(img):
        """x-extent of the bottom axis line, y-extent of the left one, and the red curve's box."""
        h, w = img.height(), img.width()
        px = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(h, img.bytesPerLine())
        px = px[:, : 3 * w].reshape(h, w, 3).astype(int)[3:-3, 3:-3]  # not the 1-px frame of the PNG
        dark = px.sum(axis=2) < 300
        row, col = dark.sum(axis=1).argmax(), dark.sum(axis=0).argmax()
        xs, ys = np.nonzero(dark[row])[0], np.nonzero(dark[:, col])[0]
        ry, rx = np.nonzero((px[..., 0] > 200) & (px[..., 1] < 80) & (px[..., 2] < 80))
        return np.array(
            [row, xs.min(), xs.max(), col, ys.min(), ys.max(), rx.min(), rx.max(), ry.min(), ry.max()]
        )

    a, b = lines(reference), lines(drawn)
    assert np.abs(a - b).max() <= 4, (a, b)
    # The PDF export: no bitmaps either, and drawn at 96 dpi by poppler it matches the PNG too.
    import subprocess

    from hea_studio.plots.svg_export import QtPdfExporter

    pdf = tmp_path / "axes.pdf"
    pdf_exporter = QtPdfExporter(plot_item)
    pdf.write_bytes(pdf_exporter.pdf_bytes())
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    assert listed.stdout.strip().splitlines()[2:] == []
    subprocess.run(
        ["pdftoppm", "-r", "96", "-png", "-singlefile", str(pdf), str(tmp_path / "pdf")], check=True
    )
    page = QImage(str(tmp_path / "pdf.png"))
    assert abs(page.width() - source.width()) <= 1
    c = lines(on_white(lambda p: p.drawImage(0, 0, page), source.size()))
    assert np.abs(a - c).max() <= 4, (a, c)
