"""The first window fits the screen it opens on, its layout is remembered per screen size, and the
mass spectrum dock gets room when raised.

On main the window opened at a fixed 1400 x 900 px (at 1280 x 800 the status bar, the bottom tabs
and the right edge were off screen) and the spectrum dock got about 430 x 130 px.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PROBE = textwrap.dedent(
    """
    import json, sys, time
    from hea_studio.app.launch import make_application
    app = make_application()
    from hea_studio.app.main_window import MainWindow
    w = MainWindow()
    w.show()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.8:
        app.processEvents(); time.sleep(0.01)
    def rect(r):
        return [r.x(), r.y(), r.width(), r.height()]
    def on_screen(widget):
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        return [top_left.x(), top_left.y(), widget.width(), widget.height()]
    tabs = w.docks["results"]
    from PySide6.QtWidgets import QTabBar
    bars = [b for b in w.findChildren(QTabBar) if b.isVisible() and b.parent() is w]
    print(json.dumps({
        "available": rect(w.screen().availableGeometry()),
        "frame": rect(w.frameGeometry()),
        "status": on_screen(w.statusBar()),
        "tab_bars": [on_screen(b) for b in bars],
        "results": on_screen(tabs),
    }))
    if len(sys.argv) > 1:
        w.resize(int(sys.argv[1]), int(sys.argv[2]))
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.3:
            app.processEvents(); time.sleep(0.01)
    w.close()
    """
)


def _run(size: str, config: Path, *args: str) -> dict:
    """Start the window on an X screen of ``size`` of its own (Xvfb, as pytest-xvfb uses) and
    return where its parts are; ``args`` (width, height) resize it before it closes."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            display = pipe.readline().strip()
        env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(config), QT_QPA_PLATFORM="xcb")
        env["DISPLAY"] = f":{display}"
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            cwd=ROOT,
        )
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


@pytest.mark.gui
def test_first_window_fits_a_laptop_screen_and_the_layout_is_kept_per_screen(tmp_path):
    config = tmp_path / "config"
    laptop = _run("1280x800", config, "1100", "700")
    available = laptop["available"]
    assert _inside(laptop["frame"], available), laptop
    assert _inside(laptop["status"], available), "the status bar is off screen"
    assert laptop["tab_bars"] and all(_inside(b, available) for b in laptop["tab_bars"])
    assert _inside(laptop["results"], available)
    assert laptop["frame"][2] >= 0.85 * available[2]  # and uses the screen

    again = _run("1280x800", config)  # the size the user left on this screen comes back
    assert again["frame"][2:] == [1100, 700]
    monitor = _run("1920x1080", config)  # another screen size: its own layout, sized to it
    assert _inside(monitor["frame"], monitor["available"]) and monitor["frame"][2] > 1400


@pytest.mark.gui
def test_the_spectrum_dock_gets_the_width_and_height_it_needs(make_main_window, qtbot):
    window = make_main_window()
    window.resize(1280, 760)
    qtbot.wait(200)
    results = window.docks["results"]
    spectrum = window.docks["spectrum"]
    narrow, low = results.width(), results.height()
    assert narrow < 0.6 * window.width()
    spectrum.raise_()
    # The whole width (not the strip under the 3D view) and a third of the height.
    qtbot.waitUntil(
        lambda: (
            spectrum.isVisible()
            and spectrum.width() >= window.width() - 4
            and spectrum.height() >= 0.3 * window.height()
        ),
        timeout=3000,
    )
    results.raise_()
    qtbot.waitUntil(lambda: results.isVisible() and results.width() == narrow, timeout=3000)
    assert abs(results.height() - low) <= 30
