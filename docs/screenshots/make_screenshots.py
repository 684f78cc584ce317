"""Regenerate the README screenshots of the main window on the demo specimen and the real Si run.

Usage::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/make_screenshots.py

The Si screenshot needs the APAV 1.4.0 test files the test suite caches (Si.pos, Si.RRNG under
``testdata/apav-1.4.0`` in the user cache, or ``$HEA_STUDIO_TESTDATA/apav-1.4.0``); without them it
is left out with a note.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shot_support import Shots, output_folder, si_files


def main() -> int:
    out = output_folder()
    shots = Shots()
    window = shots.window()
    settle = shots.settle

    shots.analysed(window, window.open_demo)
    # The demo is an fcc CoCuFeNi: choose its lattice as a user would (per dataset, none by default).
    shots.analysed(window, lambda: window.settings_panel.lattice.setCurrentText("fcc"))
    window.snapshot().save(str(out / "main-window.png"))

    # A second, smaller sub-volume near the top of the specimen, atoms outside it dimmed.
    box = window.session.active_box
    from hea_studio.core.geometry import Box

    cx, cy = box.center[0], box.center[1]
    small = Box((cx - 6, cy - 6, box.hi[2] - 14), (cx + 6, cy + 6, box.hi[2] - 2))
    shots.analysed(window, lambda: window.session.add_subvolume(small, "Top 12 nm cube"))
    window.subvolume_panel.highlight.setChecked(True)
    window.atom_view.view_along("y")
    settle()
    window.snapshot().save(str(out / "sub-volume-highlight.png"))

    window.docks["display"].raise_()
    window.docks["settings"].raise_()
    settle()
    window.snapshot().save(str(out / "display-and-settings.png"))

    # Atom-centred local entropy of the first (large) box, in the tab next to the concentrations.
    shots.analysed(window, lambda: window.session.set_active(0))
    window.docks["subvolumes"].raise_()
    window.docks["results"].raise_()
    local_done: list[object] = []
    window.controller.local_finished.connect(lambda _g, r: local_done.append(r))
    window.compute_local(10_000)
    shots.wait(lambda: bool(local_done), 120, "local entropy")
    window.subvolume_panel.highlight.setChecked(False)
    window.atom_view.reset_view()
    settle()
    window.snapshot().save(str(out / "local-entropy.png"))

    # The real Si run in its default box, which straddles the oxide/Si interface: SUME with warnings.
    si = si_files()
    if si is None:
        print("Si test files not cached (run tests/io once): si-warnings.png left as it is")
    else:
        shots.analysed(window, lambda: window.open_files(*si))
        window.docks["concentration"].raise_()
        settle(1.5)
        window.snapshot().save(str(out / "si-warnings.png"))
    window.close()
    print("screenshots written to", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
