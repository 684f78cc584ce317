"""Screenshots of the compound features (issue 12): the sublattice editor in the analysis settings
and the Frequency distribution tab, on a synthetic random rock-salt (MgCoNiCuZn)O.

Usage::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/screenshots/make_compound_screenshots.py [OUTDIR]

Writes sublattice-settings.png (the editor and the Sublattice curve tab) and frequency-distribution.png (the window at 1600x1000, used by the
README) into OUTDIR (default: this folder), and with OUTDIR also the window at 1280x800 and
1920x1080 (compound-*-1280.png / -1920.png) for checking that nothing is clipped.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shot_support import HERE, Shots, output_folder


def main() -> int:
    out = output_folder()
    shots = Shots()
    from hea_studio.synth import generate
    from hea_studio.synth.molecular import rocksalt_hea_oxide_random
    from hea_studio.synth.output import write_specimen
    from hea_studio.synth.shape import BoxShape

    folder = Path(tempfile.mkdtemp(prefix="hea-rocksalt-"))
    params = dataclasses.replace(rocksalt_hea_oxide_random(seed=1), shape=BoxShape((16.0, 16.0, 16.0)))
    pos, rrng, _ = write_specimen(generate(params), folder / "rocksalt")
    settle = shots.settle
    window = shots.window()
    shots.analysed(window, lambda: window.open_files(pos, rrng))
    panel = window.settings_panel
    shots.analysed(window, lambda: panel.sublattice.setCurrentText("rock-salt"))
    window.docks["settings"].raise_()
    window.docks["sublattice"].raise_()
    settle()
    window.snapshot().save(str(out / "sublattice-settings.png"))
    window.docks["results"].raise_()
    window.docks["freqdist"].raise_()
    window.freq_panel.element.setCurrentText("Zn")
    settle()
    window.snapshot().save(str(out / "frequency-distribution.png"))
    if out != HERE:
        for w, h in ((1280, 800), (1920, 1080)):
            window.resize(w, h)
            settle(1.5)
            window.docks["settings"].raise_()
            window.docks["sublattice"].raise_()
            settle()
            window.snapshot().save(str(out / f"compound-settings-{w}.png"))
            window.docks["freqdist"].raise_()
            settle()
            window.snapshot().save(str(out / f"compound-freq-{w}.png"))
    window.close()
    print("screenshots written to", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
