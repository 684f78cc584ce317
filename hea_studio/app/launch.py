"""Start the Qt application, open the main window and optionally run the self-test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hea_studio.core.errors import InputError
from hea_studio.io.project.store import PROJECT_SUFFIX


def ensure_qt_platform() -> None:
    """Pick a Qt platform that can render OpenGL when none was chosen.

    vispy needs a real (or virtual X) display; with no DISPLAY on Linux we cannot draw, so we say so
    instead of letting Qt abort with a cryptic plugin message.
    """
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
            return
        if not os.environ.get("DISPLAY"):
            raise InputError(
                "no display found (DISPLAY is not set). Run HEA Studio on a desktop, or under a virtual "
                "display: xvfb-run -a hea-studio ..."
            )
        os.environ["QT_QPA_PLATFORM"] = "xcb"


def make_application():
    """Return the QApplication, creating it with our names (used by QSettings) if needed."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("HEA Studio")
    app.setApplicationName("HEA Studio")
    return app


def first_open(window, file: Path | None, ranges: Path | None) -> None:
    """What a start opens: an orphaned session if the user takes it back, else FILE, else the demo.

    The offer comes however the app was started (also with a FILE or a double-click): the new
    instance never writes over or deletes another session's recovery copy.
    """
    if window.offer_recovery(instead_of=Path(file) if file is not None else None):
        return
    if file is not None and Path(file).suffix.lower() == PROJECT_SUFFIX:
        window.open_project(Path(file))
    elif file is not None:
        window.open_files(Path(file), ranges)
    else:
        window.open_files(None, None)


def run_gui(file: Path | None, ranges: Path | None, self_test: Path | None) -> int:
    """Open the main window; with ``self_test`` run the scripted check and exit."""
    ensure_qt_platform()
    app = make_application()
    from hea_studio.app.main_window import MainWindow

    window = MainWindow()
    window.show()
    if self_test is not None:
        from hea_studio.app.self_test import SelfTest

        runner = SelfTest(window, Path(self_test), file, ranges)
        runner.start()
        app.exec()
        return runner.exit_code
    # Compile the kernels in a low-priority child process while the user opens a file, so that a
    # fresh install's first analysis loads them from the cache instead of compiling (never waited for).
    from hea_studio.compute.warmup import start_background_warmup

    start_background_warmup()
    # Open FILE (or the demo) once the event loop runs, so the window appears at once and the
    # loading progress shows in its status bar.
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: first_open(window, file, ranges))
    return int(app.exec())
