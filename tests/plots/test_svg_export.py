"""Right-click > Export > SVG writes a real SVG of the plot (pyqtgraph 0.14's own exporter wrote nothing)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

SVG = "{http://www.w3.org/2000/svg}"


def _export_dialog_svg_exporter():
    import pyqtgraph.exporters

    import hea_studio.plots  # noqa: F401  (installs the exporter)

    (cls,) = [c for c in pyqtgraph.exporters.listExporters() if c.Name.startswith("SVG")]
    return cls


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
