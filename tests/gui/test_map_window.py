"""The STEM-EDS map window on the real Bruker TEM file: map, spectrum, curve, results, refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def _real() -> Path:
    override = os.environ.get("HEA_STUDIO_REAL_DATA")
    beside = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
    base = Path(override) if override else (beside if beside.is_dir() else Path("/work/shared/data/real"))
    return base / "hyperspy_rosettasciio"


@pytest.fixture
def map_window(qtbot):
    from hea_studio.app.map_window import MapWindow
    from hea_studio.workers import live_threads

    window = MapWindow()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
    window.deleteLater()
    qtbot.waitUntil(lambda: not live_threads(), timeout=10_000)


def _wait_full(window, qtbot):
    qtbot.waitUntil(lambda: window.result is not None and not window.worker.is_busy(), timeout=120_000)
    return window.result


def test_real_bruker_tem_file_shows_map_spectrum_curve_and_sume(map_window, qtbot, tmp_path):
    w = map_window
    w.open(_real() / "test_TEM.bcf")
    r = _wait_full(w, qtbot)
    assert r["technique"] == "stem-eds" and r["elements"] == ["Cu", "O", "Pd", "Ti"]
    # The map drawn: 64 x 64 RGB, HAADF plus colours (not blank, not one flat colour).
    rgb = w.map_view.rendered()
    assert rgb.shape == (64, 64, 3) and rgb.std() > 10
    assert [c.text() for c in w.map_view.checks] == ["Cu", "O", "Pd", "Ti"]
    # Hiding every element leaves the grey HAADF (R = G = B).
    for c in w.map_view.checks:
        c.setChecked(False)
    grey = w.map_view.rendered()
    assert np.array_equal(grey[:, :, 0], grey[:, :, 1]) and np.array_equal(grey[:, :, 1], grey[:, :, 2])
    # The sum spectrum and the line markers.
    x, y = w.spectrum.curve.getData()
    assert x.size == 2048 and y.max() > 2  # log10 of counts: the strongest channel holds > 100
    labels = [it.label.format for it in w.spectrum._items if hasattr(it, "label") and it.label is not None]
    assert {"Cu_Ka", "O_Ka", "Pd_La", "Ti_Ka"} <= set(labels)
    # The curve: one point per patch side with patches.
    lx, _ly = w.curve.mean.getData()
    assert lx.size == sum(1 for c in r["curve"] if c["S_mean"] is not None) >= 8
    text = w.results.text()
    assert "SUME in projection" in text and "3D-equivalent SUME" in text and "Ti" in text
    assert r["roi_px"] == [0, 0, 64, 64]

    # Typing a region in the spin boxes analyses that region.
    w.result = None
    w.map_view.spins["w"].setValue(30.0)
    r2 = _wait_full(w, qtbot)
    assert r2["roi_px"][2] - r2["roi_px"][0] == round(30.0 / r["pixel_nm"])
    out = tmp_path / "map.json"
    w.write_json(out)
    assert json.loads(out.read_text())["roi_px"] == r2["roi_px"]
    w.write_csv(tmp_path / "curve.csv")
    rows = (tmp_path / "curve.csv").read_text().splitlines()
    assert rows[0].startswith("size_nm,size_px") and len(rows) == 1 + len(r2["curve"])
    w.write_png(tmp_path / "curve.png")
    from PySide6.QtGui import QImage

    img = QImage(str(tmp_path / "curve.png"))
    assert img.width() > 300 and img.height() > 300


def test_dragging_previews_then_the_release_gives_the_interval(map_window, qtbot):
    w = map_window
    w.open(_real() / "test_TEM.bcf")
    _wait_full(w, qtbot)
    seen = []
    w.analysis.finished.connect(lambda v: seen.append(v[1]))
    for step in range(1, 4):
        w.map_view.set_rect(0.77 * step, 0.0, 0.77 * (step + 40), 40.0)
        w.map_view.roi_changed.emit(*w.map_view.rect())
        qtbot.wait(50)
    w.result = None
    w.map_view.roi_finished.emit()
    r = _wait_full(w, qtbot)
    assert seen and seen[-1] is False  # the last delivered result is the full one
    assert r["roi_px"][0] == 3 and r["sume_3d_equivalent"] is not None


@pytest.mark.parametrize(
    ("name", "says"),
    [("Nope.bcf", "not a readable Bruker .bcf"), ("bruker_nano.spx", "single EDS spectrum"),
     ("velox_SI_16x16_reduced_215kx.emd", "no EDS spectrum image")],
)  # fmt: skip
def test_refused_files_show_a_dialog_naming_the_file(map_window, qtbot, name, says):
    w = map_window
    w.open(_real() / name)
    qtbot.waitUntil(lambda: bool(w.errors), timeout=60_000)
    assert w.errors[-1].startswith(name) and says in w.errors[-1]
    assert w.result is None


def test_main_window_drop_opens_the_map_window(make_main_window, qtbot):
    """Dropping a spectrum image on the main window opens it in a map window (the APT data stays)."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    window = make_main_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(_real() / "test_TEM.bcf"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(event)
    assert len(window.map_windows) == 1
    mw = window.map_windows[0]
    r = _wait_full(mw, qtbot)
    assert r["file"].endswith("test_TEM.bcf") and mw.isVisible()
    assert "test_TEM.bcf" in mw.windowTitle()
    # Left open: closing the main window (the fixture) must stop the map window's worker thread too.
    assert mw.worker._thread.isRunning()


def test_compare_with_an_apt_analysis_on_one_plot(map_window, qtbot, tmp_path):
    """An APT analysis (analyze --json) overlays its deficit curve on the map's; a map JSON is refused."""
    from gui_helpers import write_specimen

    from hea_studio.cli import main

    pos, rrng = write_specimen(tmp_path, "apt")
    apt_json = tmp_path / "apt.json"
    assert (
        main(["analyze", str(pos), "--ranges", str(rrng), "--bootstrap", "20", "--json", str(apt_json)]) == 0
    )
    w = map_window
    w.open(_real() / "test_TEM.bcf")
    _wait_full(w, qtbot)
    assert w.compare_with(apt_json)
    doc = json.loads(apt_json.read_text())
    x, y = w.curve.apt.getData()
    want = [c for c in doc["curve"] if c["deficit"] is not None]
    assert x.size == len(want) and np.allclose(y, [c["deficit"] for c in want])
    assert "APT apt.json: SUME" in w.results.text()
    px, _ = w.curve.predicted.getData()
    assert px.size == len(w.result["sume_3d_equivalent"]["predicted_curve"]) > 0
    map_json = tmp_path / "map.json"
    w.write_json(map_json)
    assert not w.compare_with(map_json)
    assert w.errors[-1].startswith("map.json: this is a map analysis")
