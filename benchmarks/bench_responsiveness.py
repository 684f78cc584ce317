"""How quickly the window answers while the worker computes (the bounds the GUI tests used to assert).

On the demo specimen in the real main window (under Xvfb when there is no display):

* cancel: milliseconds from clicking Cancel until the event loop comes round with the window showing
  the cancel, and until the worker has stopped;
* event loop: the longest and median gap of a 10 ms timer while a whole-specimen curve is computed,
  against the same timer with the worker idle for as long (the baseline, measured in the same run).

Usage::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python benchmarks/bench_responsiveness.py
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("HEA_BENCH_UNDER_XVFB"):
        import subprocess

        env = dict(os.environ, HEA_BENCH_UNDER_XVFB="1", QT_QPA_PLATFORM="xcb")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv]
        return subprocess.call(cmd, env=env)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from hea_studio.app.loop_monitor import EventLoopMonitor
    from hea_studio.app.main_window import MainWindow
    from hea_studio.compute.dataset import load_dataset
    from hea_studio.compute.jobs import analysis_job
    from hea_studio.core.settings import AnalysisSettings
    from hea_studio.workers import Job

    app = QApplication.instance() or QApplication(sys.argv)
    dataset = load_dataset(None, None)
    window = MainWindow()
    window.resize(1200, 800)
    window.show()
    window.controller.live = False
    window.session.set_dataset(dataset)

    def wait(pred, timeout_s: float = 300.0) -> None:
        end = time.perf_counter() + timeout_s
        while not pred():
            if time.perf_counter() > end:
                raise TimeoutError("the benchmark's job did not finish")
            app.processEvents()
            time.sleep(0.002)

    edges = tuple(x / 4 for x in range(2, 57))  # 0.5 .. 14 nm: a job of several seconds
    long = AnalysisSettings(sizes_nm=edges, bootstrap=0)
    # Warm-up: every kernel compiled and cached before anything is timed.
    done: list[object] = []
    window.worker.finished.connect(lambda g, r: done.append(r))
    window.worker.submit(Job(analysis_job(dataset.atoms, dataset.default_box, long), "warm-up"))
    wait(lambda: bool(done))

    # ---- cancel -----------------------------------------------------------------------------------
    window.controller.settings = long
    scales: list[object] = []
    window.controller.scale_arrived.connect(lambda _g, s: scales.append(s))
    window.controller.analyse_now()
    wait(lambda: len(scales) >= 3)
    clock = QElapsedTimer()
    responded: list[int] = []
    stopped: list[int] = []
    window.worker.cancelled.connect(lambda _g: stopped.append(clock.elapsed()))
    clock.start()
    window.cancel_button.click()
    QTimer.singleShot(0, lambda: responded.append(clock.elapsed()))
    wait(lambda: bool(responded) and bool(stopped))

    # ---- event loop during a curve, against the idle loop -----------------------------------------
    settings = AnalysisSettings(sizes_nm=(0.5, 1.0, 2.0, 3.0, 5.0, 8.0), bootstrap=0)
    monitor = EventLoopMonitor()
    done.clear()
    t0 = time.perf_counter()
    window.worker.submit(Job(analysis_job(dataset.atoms, dataset.bounds, settings), "curve"))
    monitor.start()
    wait(lambda: bool(done))
    monitor.stop()
    busy_s = time.perf_counter() - t0
    busy_max, busy_median = monitor.max_gap(), monitor.median_gap()
    monitor.start()
    end = time.perf_counter() + busy_s
    wait(lambda: time.perf_counter() >= end)
    monitor.stop()
    idle_max, idle_median = monitor.max_gap(), monitor.median_gap()

    result = {
        "atoms": dataset.atoms.n_atoms,
        "cancel_gui_responded_ms": responded[0],
        "cancel_worker_stopped_ms": stopped[0],
        "curve_s": round(busy_s, 2),
        "event_loop_max_gap_ms": round(1000 * busy_max, 1),
        "event_loop_median_gap_ms": round(1000 * busy_median, 1),
        "idle_max_gap_ms": round(1000 * idle_max, 1),
        "idle_median_gap_ms": round(1000 * idle_median, 1),
        "max_gap_ratio_vs_idle": round(busy_max / max(idle_max, 1e-9), 2),
        "median_gap_ratio_vs_idle": round(busy_median / max(idle_median, 1e-9), 2),
    }
    print(json.dumps(result, indent=2))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
