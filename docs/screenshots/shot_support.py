"""What every screenshot script needs: a Qt application with a fresh settings folder (the default
layout), the output folder, and ways to let the window work until something has happened.

The scripts run as plain files (``python docs/screenshots/make_*.py``), so this module is imported
from their own folder, not from the package.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def output_folder() -> Path:
    """``argv[1]`` if given (for layout checks at other sizes), else this folder (the README's shots)."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    return out


def si_files() -> tuple[Path, Path] | None:
    """Si.pos and Si.RRNG of the APAV test data, if the test suite has cached them."""
    from hea_studio.core.paths import user_cache_dir

    root = os.environ.get("HEA_STUDIO_TESTDATA")
    folder = (Path(root) if root else user_cache_dir() / "testdata") / "apav-1.4.0"
    pos, rrng = folder / "Si.pos", folder / "Si.RRNG"
    return (pos, rrng) if pos.is_file() and rrng.is_file() else None


class Shots:
    """The application of one screenshot run, with helpers that keep its event loop turning."""

    def __init__(self) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
        os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hea-shots-")  # the default layout
        from hea_studio.app.launch import make_application

        self.app = make_application()

    def window(self, size: tuple[int, int] = (1600, 1000)):
        """A shown main window of ``size`` whose finished analyses are counted (see :meth:`analysed`)."""
        from hea_studio.app.main_window import MainWindow

        window = MainWindow()
        window.resize(*size)
        window.show()
        window._shots_finished = []  # type: ignore[attr-defined]
        window.controller.analysis_finished.connect(lambda _g, r: window._shots_finished.append(r))
        return window

    def settle(self, seconds: float = 0.8) -> None:
        """Process events for ``seconds`` (layout, repaints, queued results)."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            self.app.processEvents()
            time.sleep(0.01)

    def wait(self, condition: Callable[[], bool], timeout: float = 300.0, what: str = "the window") -> None:
        """Process events until ``condition()`` holds; RuntimeError after ``timeout`` seconds."""
        t0 = time.perf_counter()
        while not condition():
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"{what} did not finish in {timeout:g} s")
            self.app.processEvents()
            time.sleep(0.01)

    def analysed(self, window, action: Callable[[], object], timeout: float = 180.0) -> None:
        """Run ``action`` and wait until the window has finished one more analysis, then settle."""
        n = len(window._shots_finished)
        action()
        self.wait(lambda: len(window._shots_finished) > n, timeout, "the analysis")
        self.settle()
