"""The 3D view lives in its own native GL window inside the main window.

That keeps the rest of the window on Qt's raster path (a QOpenGLWidget would make Qt composite every
repaint of every widget through OpenGL, about 40x slower under software GL). These tests check the
arrangement holds, and that what a plain widget gave for free still works: the view appears in
window screenshots, the mouse orbits and zooms the camera, and files dropped on it open.
"""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import COLOURS, show_dataset, write_specimen
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage, QSurface, QWheelEvent
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


def _rgb_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride).reshape(h, stride)
    return raw[:, : 3 * w].reshape(h, w, 3).copy()  # the QImage owns the buffer


def _count_near(rgb: np.ndarray, colour: tuple[float, float, float], tol: int = 30) -> int:
    target = np.array([round(255 * c) for c in colour])
    return int(np.count_nonzero(np.all(np.abs(rgb.astype(int) - target) <= tol, axis=-1)))


def test_main_window_stays_raster_while_the_view_draws_with_gl(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    assert window.windowHandle().surfaceType() == QSurface.SurfaceType.RasterSurface
    gl = window.atom_view.gl_window
    assert gl.surfaceType() == QSurface.SurfaceType.OpenGLSurface
    qtbot.waitUntil(gl.isExposed, timeout=5000)
    assert window.atom_view.renderer()


def test_window_snapshot_includes_the_3d_view(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    qtbot.waitUntil(window.atom_view.gl_window.isExposed, timeout=5000)
    qtbot.wait(100)
    view = window.atom_view.native
    top_left = view.mapTo(window, QPoint(0, 0))
    shot = _rgb_array(window.snapshot().toImage())
    assert shot.shape[:2] == (window.height(), window.width())
    region = shot[top_left.y() : top_left.y() + view.height(), top_left.x() : top_left.x() + view.width()]
    outside = shot[:, : max(top_left.x(), 1)]
    for name in ("Co", "Cu", "Fe"):
        assert _count_near(region, COLOURS[name]) > 200, f"{name} atoms missing from the snapshot"
    # The species colours are in the 3D area only, not smeared over the side panels.
    assert _count_near(outside, COLOURS["Co"], tol=10) < 50


def test_mouse_on_the_3d_view_orbits_and_zooms_the_camera(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    gl = window.atom_view.gl_window
    qtbot.waitUntil(gl.isExposed, timeout=5000)
    camera = window.atom_view.view.camera
    azimuth, scale = camera.azimuth, camera.scale_factor
    centre = QPoint(gl.width() // 2, gl.height() // 2)
    qtbot.mousePress(gl, LEFT, pos=centre)
    for dx in range(10, 110, 10):
        qtbot.mouseMove(gl, centre + QPoint(dx, 0))
        qtbot.wait(10)
    qtbot.mouseRelease(gl, LEFT, pos=centre + QPoint(100, 0))
    assert camera.azimuth != pytest.approx(azimuth, abs=1.0)

    pos = QPointF(centre)
    wheel = QWheelEvent(
        pos,
        gl.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(gl, wheel)
    assert camera.scale_factor < scale  # scrolling up zooms in

    # The window's shortcuts still work while the keyboard focus is in the 3D view.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.mouseClick(gl, LEFT, pos=centre)
    qtbot.waitUntil(lambda: QApplication.focusWindow() is gl, timeout=5000)
    qtbot.keyClick(gl, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: camera.elevation == pytest.approx(90.0), timeout=2000)


def test_files_dropped_on_the_3d_view_open(make_main_window, qtbot, tmp_path):
    pos, rrng = write_specimen(tmp_path, "onview", n=20_000, seed=5)
    window = make_main_window()
    window.controller.live = False
    gl = window.atom_view.gl_window
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pos)), QUrl.fromLocalFile(str(rrng))])
    drop = QDropEvent(QPointF(40, 40), Qt.DropAction.CopyAction, mime, LEFT, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000) as blocker:
        QApplication.sendEvent(gl, drop)
    assert drop.isAccepted()
    assert blocker.args[0].ion_path == pos
    assert blocker.args[0].atoms.n_atoms == 20_000


def test_the_process_exits_cleanly_with_3d_views_alive(tmp_path):
    """Qt and PySide tear down the embedded GL window and its container in a safe order at exit
    (views closed but not yet deleted used to crash the interpreter on the way out, failing CI
    after every test had passed)."""
    import os
    import subprocess
    import sys

    script = tmp_path / "exit.py"
    script.write_text(
        "from hea_studio.app.launch import make_application\n"
        "app = make_application()\n"
        "from hea_studio.app.main_window import MainWindow\n"
        "from hea_studio.render.atom_view import AtomView\n"
        "window = MainWindow(); window.show()\n"
        "alone = AtomView(); alone.native.resize(200, 150); alone.native.show()\n"
        "closed = AtomView(); closed.native.show()\n"
        "for _ in range(40): app.processEvents()\n"
        "closed.close()\n"
        "pending = AtomView(); pending.native.show()\n"
        "for _ in range(10): app.processEvents()\n"
        "pending.close(); pending.native.close(); pending.native.deleteLater()  # as pytest-qt does\n"
        "window.close()  # as app.exec() returns after the last window closed\n"
        "print('done', flush=True)\n"
    )
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="xcb")
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert "done" in proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_qopenglwidget_fallback_still_draws(qtbot, monkeypatch):
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    from hea_studio.render.atom_view import AtomView

    monkeypatch.setenv("HEA_STUDIO_GL_WIDGET", "1")
    view = AtomView()
    assert isinstance(view.native, QOpenGLWidget) and view.native is view.gl_window
    qtbot.addWidget(view.native)
    view.native.resize(300, 200)
    view.native.show()
    qtbot.waitExposed(view.native)
    qtbot.waitUntil(view.is_ready, timeout=5000)
    rng = np.random.default_rng(2)
    view.set_atoms(rng.uniform(0, 5, (2000, 3)), np.zeros(2000, dtype=np.int64), np.array([[1.0, 0.0, 1.0]]))
    view.set_point_size(6)
    assert _count_near(view.render()[..., :3], (1.0, 0.0, 1.0)) > 100
    assert _count_near(_rgb_array(view.snapshot()), (1.0, 0.0, 1.0)) > 100
    view.close()
