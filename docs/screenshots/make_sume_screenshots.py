"""Screenshots of the SUME headline (issue 21): the window on the demo (a measured SUME with its
interval), a random rock-salt (MgCoNiCuZn)O ("random down to", no bold number) and the real Si run
(bounds and warnings), each at 1280x800 and 1920x1080.

Usage::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/screenshots/make_sume_screenshots.py [OUTDIR]

Writes sume-demo-1280.png, sume-oxide-1280.png, sume-si-1280.png and the -1920 ones into OUTDIR
(default: this folder). The Si shots need the APAV test data cached by the test suite.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shot_support import Shots, output_folder, si_files


def main() -> int:
    out = output_folder()
    shots = Shots()
    from hea_studio.synth import generate
    from hea_studio.synth.molecular import rocksalt_hea_oxide_random
    from hea_studio.synth.output import write_specimen
    from hea_studio.synth.shape import BoxShape

    folder = Path(tempfile.mkdtemp(prefix="hea-sume-"))
    params = dataclasses.replace(rocksalt_hea_oxide_random(seed=1), shape=BoxShape((16.0, 16.0, 16.0)))
    oxide = write_specimen(generate(params), folder / "rocksalt")[:2]
    runs = [("demo", None), ("oxide", oxide)]
    si = si_files()
    if si is not None:
        runs.append(("si", si))
    for name, files in runs:
        for w, h in ((1280, 800), (1920, 1080)):
            window = shots.window((w, h))
            if files is None:
                shots.analysed(window, window.open_demo, timeout=600)
            else:
                shots.analysed(
                    window, lambda window=window, files=files: window.open_files(*files), timeout=600
                )
            window.docks["results"].raise_()
            shots.settle(1.5)
            window.snapshot().save(str(out / f"sume-{name}-{w}.png"))
            window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
