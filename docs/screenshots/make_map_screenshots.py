"""Screenshots of the STEM-EDS map window on the real Bruker TEM file and on a synthetic lamella.

Usage::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/screenshots/make_map_screenshots.py [OUTDIR]

Writes map-tem-1280.png, map-tem-1920.png (RosettaSciIO's test_TEM.bcf: HAADF + Cu, O, Pd, Ti) and
map-synth-1280.png, map-synth-1920.png (a 20 nm lamella of the demo's CoCuFeNi material, written by
``hea-studio synth --eds`` into a temporary folder) into OUTDIR (default: this folder).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    from PySide6.QtWidgets import QApplication

    from hea_studio.app.launch import make_application
    from hea_studio.app.map_window import MapWindow
    from hea_studio.cli import main as cli

    app = make_application()
    real = Path(os.environ.get("HEA_STUDIO_REAL_DATA", "/work/shared/data/real")) / "hyperspy_rosettasciio"
    tmp = Path(tempfile.mkdtemp())
    synth = tmp / "lamella"
    cli(
        [
            "synth",
            "--eds",
            "--preset",
            "cocufeni-paper",
            "--out",
            str(synth),
            "--thickness",
            "20",
            "--width",
            "24",
        ]
    )
    for name, path in (("tem", real / "test_TEM.bcf"), ("synth", synth.with_suffix(".hspy"))):
        for w, h in ((1280, 800), (1920, 1080)):
            window = MapWindow()
            window.resize(w, h)
            window.show()
            window.open(path)
            t0 = time.time()
            while (window.result is None or window.worker.is_busy()) and time.time() - t0 < 300:
                QApplication.processEvents()
                time.sleep(0.02)
            for _ in range(20):
                QApplication.processEvents()
                time.sleep(0.02)
            target = out / f"map-{name}-{w}.png"
            window.grab().save(str(target))
            print("wrote", target)
            window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
