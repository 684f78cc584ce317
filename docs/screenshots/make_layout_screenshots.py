"""Screenshots of the first window as it opens on a laptop and on a monitor (issue 24): the main
window, the mass spectrum dock raised (full width) and the composition profile dock.

Usage (one screen size per run; the window sizes itself to the screen)::

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/screenshots/make_layout_screenshots.py
    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/screenshots/make_layout_screenshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shot_support import Shots, output_folder


def main() -> int:
    out = output_folder()
    shots = Shots()
    from hea_studio.app.main_window import MainWindow

    window = MainWindow()  # no resize: the first window's own size on this screen
    window.show()
    window._shots_finished = []  # type: ignore[attr-defined]
    window.controller.analysis_finished.connect(lambda _g, r: window._shots_finished.append(r))
    size = window.screen().availableGeometry().size()
    tag = f"{size.width()}x{size.height()}"
    shots.analysed(window, window.open_demo)
    window.snapshot().save(str(out / f"first-window-{tag}.png"))

    window.docks["spectrum"].raise_()
    shots.settle(3.0)  # the 3D view redraws at its new size
    window.snapshot().save(str(out / f"spectrum-dock-{tag}.png"))
    window.docks["results"].raise_()

    done: list[object] = []
    window.compare.profile_job.profile_ready.connect(done.append)
    window.docks["profile"].raise_()
    shots.wait(lambda: bool(done), 120, "the profile")
    shots.settle(1.0)
    window.snapshot().save(str(out / f"profile-dock-{tag}.png"))
    window.unsaved.confirmed = True  # a screenshot run keeps nothing
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
