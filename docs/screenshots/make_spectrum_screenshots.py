"""Screenshots of the Mass spectrum and ranges dock on the demo and on the real Si run.

Usage::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/screenshots/make_spectrum_screenshots.py [OUTDIR]

Writes spectrum-dock-demo.png and spectrum-dock-si.png (the dock alone, used by the README) and
spectrum-demo.png / spectrum-si.png (the window with the dock in front) into OUTDIR (default: this
folder), plus the window at 1280x800 and 1920x1080 as spectrum-*-1280.png / -1920.png when OUTDIR
is given (for checking that nothing is clipped). The Si run needs the cached APAV test files (see
make_screenshots.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shot_support import Shots, output_folder, si_files


def main() -> int:
    out = output_folder()
    shots = Shots()
    settle = shots.settle

    def wait(window, timeout: float = 180.0) -> None:
        shots.wait(
            lambda: (
                window.session.dataset is not None
                and not window.worker.is_busy()
                and not window.controller.is_analysing()
            ),
            timeout,
        )
        settle()

    def shoot(name: str, opener, zoom: tuple[float, float] | None, sizes=((1600, 1000),)) -> None:
        window = shots.window(sizes[0])
        opener(window)
        wait(window)
        window.spectrum_binder.show_dock()
        if zoom is not None:
            window.spectrum_panel.plot.plot.setXRange(*zoom, padding=0)
        settle()
        for w, h in sizes:
            window.resize(w, h)
            settle(0.8)
            window.spectrum_binder.show_dock()
            settle(0.5)
            suffix = "" if (w, h) == sizes[0] else f"-{w}"
            window.snapshot().save(str(out / f"spectrum-{name}{suffix}.png"))
        dock = window.docks["spectrum"]
        dock.setFloating(True)
        dock.resize(1500, 520)
        settle(1.0)
        dock.grab().save(str(out / f"spectrum-dock-{name}.png"))
        dock.setFloating(False)
        window.close()
        settle(0.5)

    sizes = ((1600, 1000), (1280, 800), (1920, 1080)) if len(sys.argv) > 1 else ((1600, 1000),)

    def demo(window) -> None:
        window.open_demo()
        wait(window)
        window.spectrum_panel.overlay_edit.setText("Ni")
        window.spectrum_panel.show_overlay()

    shoot("demo", demo, (25.0, 35.0), sizes)
    files = si_files()
    if files is None:
        print("Si run not cached: spectrum-si.png left out")
    else:
        shoot("si", lambda w: w.open_files(*files), (0.0, 72.0), sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
