"""Regenerate the README screenshots of the main window on the demo specimen and the real Si run.

Usage::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/make_screenshots.py

The Si screenshot needs the APAV 1.4.0 test files the test suite caches (Si.pos, Si.RRNG under
``testdata/apav-1.4.0`` in the user cache, or ``$HEA_STUDIO_TESTDATA/apav-1.4.0``); without them it
is left out with a note.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def si_files() -> tuple[Path, Path] | None:
    """Si.pos and Si.RRNG of the APAV test data, if the test suite has cached them."""
    from hea_studio.core.paths import user_cache_dir

    root = os.environ.get("HEA_STUDIO_TESTDATA")
    folder = (Path(root) if root else user_cache_dir() / "testdata") / "apav-1.4.0"
    pos, rrng = folder / "Si.pos", folder / "Si.RRNG"
    return (pos, rrng) if pos.is_file() and rrng.is_file() else None


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hea-shots-")  # default layout
    from hea_studio.app.launch import make_application

    app = make_application()
    from hea_studio.app.main_window import MainWindow

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    finished: list[object] = []
    window.controller.analysis_finished.connect(lambda _g, r: finished.append(r))

    def wait_for_analysis(timeout: float = 120.0) -> None:
        n = len(finished)
        t0 = time.perf_counter()
        while len(finished) == n:
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError("analysis did not finish")
            app.processEvents()
            time.sleep(0.01)
        settle()

    def settle(seconds: float = 0.8) -> None:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            app.processEvents()
            time.sleep(0.01)

    window.open_demo()
    wait_for_analysis()
    # The demo is an fcc CoCuFeNi: choose its lattice as a user would (per dataset, none by default).
    window.settings_panel.lattice.setCurrentText("fcc")
    wait_for_analysis()
    window.snapshot().save(str(HERE / "main-window.png"))

    # A second, smaller sub-volume near the top of the specimen, atoms outside it dimmed.
    box = window.session.active_box
    from hea_studio.core.geometry import Box

    cx, cy = box.center[0], box.center[1]
    small = Box((cx - 6, cy - 6, box.hi[2] - 14), (cx + 6, cy + 6, box.hi[2] - 2))
    window.session.add_subvolume(small, "Top 12 nm cube")
    window.subvolume_panel.highlight.setChecked(True)
    wait_for_analysis()
    window.atom_view.view_along("y")
    settle()
    window.snapshot().save(str(HERE / "sub-volume-highlight.png"))

    window.docks["display"].raise_()
    window.docks["settings"].raise_()
    settle()
    window.snapshot().save(str(HERE / "display-and-settings.png"))

    # Atom-centred local entropy of the first (large) box, in the tab next to the concentrations.
    window.session.set_active(0)
    wait_for_analysis()
    window.docks["subvolumes"].raise_()
    window.docks["results"].raise_()
    local_done: list[object] = []
    window.controller.local_finished.connect(lambda _g, r: local_done.append(r))
    window.compute_local(10_000)
    t0 = time.perf_counter()
    while not local_done:
        if time.perf_counter() - t0 > 120:
            raise RuntimeError("local entropy did not finish")
        app.processEvents()
        time.sleep(0.01)
    window.subvolume_panel.highlight.setChecked(False)
    window.atom_view.reset_view()
    settle()
    window.snapshot().save(str(HERE / "local-entropy.png"))

    # The real Si run in its default box, which straddles the oxide/Si interface: SUME with warnings.
    si = si_files()
    if si is None:
        print("Si test files not cached (run tests/io once): si-warnings.png left as it is")
    else:
        window.open_files(*si)
        wait_for_analysis()
        window.docks["concentration"].raise_()
        settle(1.5)
        window.snapshot().save(str(HERE / "si-warnings.png"))
    window.close()
    print("screenshots written to", HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
