"""How fast the window follows a box drag on the demo specimen.

Opens the demo in the real main window (under Xvfb when there is no display), waits for the first
analysis, then drags the active box across the top (XY) projection with real mouse events for a
fixed time, and counts:

* plot refreshes per second (a batch of freshly computed cube edges, or a finished curve, drawn
  for the box the user is currently dragging);
* finished curves per second (all edges and the SUME fit for one box position);
* the longest gap of a 10 ms QTimer (how long the event loop was ever blocked);
* the compute limit: preview curves per second for the same box with the GUI idle.

Unless ``--no-baseline`` is given, the same drag then runs again in a fresh process with the 3D
view hosted the way vispy does it by default (a QOpenGLWidget, ``HEA_STUDIO_GL_WIDGET=1``), which
makes Qt composite the whole window through OpenGL, and the ratios of the two runs are printed.

Usage::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python benchmarks/bench_gui.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the drag")
    parser.add_argument("--json", help="also write the numbers to this file")
    parser.add_argument("--no-baseline", action="store_true", help="skip the QOpenGLWidget baseline run")
    args = parser.parse_args()
    result = measure(args.seconds)
    if not args.no_baseline:
        result["baseline_qopenglwidget"] = baseline = _baseline(args.seconds)
        for key in ("plot_refreshes_per_s", "finished_curves_per_s"):
            result[f"{key}_ratio_vs_baseline"] = round(result[key] / max(baseline[key], 1e-9), 2)
        result["median_gap_ratio_vs_baseline"] = round(
            result["event_loop_median_gap_ms"] / max(baseline["event_loop_median_gap_ms"], 1e-9), 2
        )
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0 if result["box_moved"] else 1


def _baseline(seconds: float) -> dict:
    """The same drag in a fresh process with vispy's QOpenGLWidget hosting the 3D view."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "baseline.json")
        env = dict(os.environ, HEA_STUDIO_GL_WIDGET="1")
        cmd = [
            sys.executable,
            os.path.abspath(__file__),
            "--seconds",
            str(seconds),
            "--no-baseline",
            "--json",
            out,
        ]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        with open(out) as fh:
            return json.load(fh)


def measure(seconds: float) -> dict:
    """Open the demo, drag its box for ``seconds`` and return the numbers."""

    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    # Keep the benchmark's window settings away from the user's own.
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hea-bench-")
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from hea_studio.app.launch import make_application
    from hea_studio.app.loop_monitor import EventLoopMonitor

    app = make_application()
    from hea_studio.app.main_window import MainWindow

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    done: list[object] = []
    window.controller.analysis_finished.connect(lambda _g, r: done.append(r))
    t0 = time.perf_counter()
    window.open_demo()
    while not done:
        app.processEvents()
        time.sleep(0.005)
    t_open = time.perf_counter() - t0
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)

    refreshes = [0]
    finished = [0]
    window.controller.scales_arrived.connect(lambda *_: refreshes.__setitem__(0, refreshes[0] + 1))

    def on_finished(*_args) -> None:
        refreshes[0] += 1
        finished[0] += 1

    window.controller.analysis_finished.connect(on_finished)
    monitor = EventLoopMonitor()

    proj = window.projection_xy
    viewport = proj.plot.viewport()
    box = window.session.active_box
    cx, cy = float(box.center[0]), float(box.center[1])
    amplitude = 0.25 * float(min(box.size[0], box.size[1]))
    start = proj.widget_point(cx, cy)
    QTest.mouseMove(viewport, start)
    app.processEvents()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    app.processEvents()
    t_start = time.perf_counter()
    monitor.start()
    step = 0
    # A hand moving the box back and forth: a mouse event every ~16 ms (60 Hz), like a real mouse.
    while time.perf_counter() - t_start < seconds:
        step += 1
        phase = (time.perf_counter() - t_start) * 2.0  # about one sweep every 3 s
        dx = amplitude * math.sin(phase)
        dy = 0.5 * amplitude * math.sin(0.7 * phase)
        target = proj.widget_point(cx + dx, cy + dy)
        QTest.mouseMove(viewport, QPoint(target.x(), target.y()))
        t_next = time.perf_counter() + 0.016
        while time.perf_counter() < t_next:
            app.processEvents()
            time.sleep(0.002)
    elapsed = time.perf_counter() - t_start
    previews = window.controller.interacting  # the drag put the analyses in preview mode
    end = proj.widget_point(cx, cy)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    monitor.stop()
    moved = window.session.active_box != box
    result = {
        "demo_atoms": window.session.dataset.atoms.n_atoms,
        "box_atoms": done[0].roi_atoms,
        "open_and_first_analysis_s": round(t_open, 2),
        "drag_seconds": round(elapsed, 2),
        "mouse_moves": step,
        "box_moved": moved,
        "preview_while_dragging": previews,
        "plot_refreshes_per_s": round(refreshes[0] / elapsed, 2),
        "finished_curves_per_s": round(finished[0] / elapsed, 2),
        "event_loop_max_gap_ms": round(1000 * monitor.max_gap(), 1),
        "event_loop_median_gap_ms": round(1000 * monitor.median_gap(), 1),
        "display_budget": window.atom_view.budget,
        "gl_renderer": window.atom_view.renderer(),
        "view_host": "QOpenGLWidget"
        if window.atom_view.native is window.atom_view.gl_window
        else "QOpenGLWindow",
    }
    while window.controller.is_analysing():  # the release analyses the final box in full
        app.processEvents()
        time.sleep(0.01)
    result["compute_limit_curves_per_s"] = _compute_limit(window)
    result["finished_ratio_vs_compute_limit"] = round(
        result["finished_curves_per_s"] / result["compute_limit_curves_per_s"], 2
    )
    window.close()
    return result


def _compute_limit(window, repeats: int = 7) -> float:
    """Preview curves per second for the final box, computed back to back with the GUI idle."""
    from hea_studio.compute.jobs import analysis_job

    atoms = window.session.dataset.atoms
    box = window.session.active_box
    times = []
    for _ in range(repeats):
        job = analysis_job(atoms, box, window.controller.settings, preview=True)(None)
        t0 = time.perf_counter()
        try:
            while True:
                next(job)
        except StopIteration:
            pass
        times.append(time.perf_counter() - t0)
    return round(1.0 / sorted(times)[len(times) // 2], 2)


if __name__ == "__main__":
    sys.exit(main())
