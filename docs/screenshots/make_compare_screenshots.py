"""Screenshots of the comparison dock (three sub-volumes of the demo overlaid, with the table) and of the
composition-profile dock, at 1600x1000 for the README and at 1280x800 and 1920x1080 to check the layout.

Usage::

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python docs/screenshots/make_compare_screenshots.py [OUTDIR]

Without OUTDIR the 1600x1000 shots replace ``compare-docks.png`` and ``profile-dock.png`` here.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shot_support import HERE, Shots, output_folder


def main() -> int:
    out = output_folder()
    shots = Shots()
    from hea_studio.core.geometry import Box

    window = shots.window()
    wait, settle = shots.wait, shots.settle

    controller = window.controller
    window.open_demo()
    wait(lambda: controller.result is not None and not controller.is_analysing())
    window.settings_panel.lattice.setCurrentText("fcc")
    wait(lambda: not controller.is_analysing())
    # Three sub-volumes: the large default box, a cube at the top and a slab at the bottom of it.
    box = window.session.active_box
    cx, cy = box.center[0], box.center[1]
    window.session.rename_subvolume(0, "Whole box")
    window.session.add_subvolume(
        Box((cx - 6, cy - 6, box.hi[2] - 14), (cx + 6, cy + 6, box.hi[2] - 2)), "Top cube"
    )
    window.session.add_subvolume(
        Box((box.lo[0], box.lo[1], box.lo[2]), (box.hi[0], box.hi[1], box.lo[2] + 8)), "Bottom slab"
    )
    wait(lambda: not controller.is_analysing())
    feats = window.compare
    job = feats.job
    feats.show_compare()
    feats.compare_panel.set_checked([c.key for c in job.candidates()])
    wait(lambda: len(job.entries()) == 3 and not job.is_running())
    settle(1.5)

    def shoot(name: str) -> None:
        for size in ((1600, 1000), (1280, 800), (1920, 1080)):
            window.resize(*size)
            settle(1.2)
            suffix = "" if size == (1600, 1000) else f"-{size[0]}x{size[1]}"
            if suffix and out == HERE:
                continue
            window.snapshot().save(str(out / f"{name}{suffix}.png"))
        window.resize(1600, 1000)

    shoot("compare-docks")
    window.session.set_active(0)
    wait(lambda: not controller.is_analysing())
    feats.show_profile()
    feats.profile_panel.bin.setValue(1.0)
    wait(lambda: feats.profile_panel.profile is not None and not feats.profile_job.is_busy())
    window.docks["entropy"].raise_()
    settle(1.5)
    shoot("profile-dock")
    window.close()
    print("screenshots written to", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
