"""``hea-studio --self-test OUTDIR``: open the window, do the work a user would, save the evidence.

Steps: load FILE (or the demo) through the window's worker, let the controller place the default
sub-volume and run the analysis through the same worker the GUI uses, wait for it, then write
OUTDIR/window.png (a grab of the whole window), OUTDIR/analysis.json (the ``analyze --json`` schema)
and OUTDIR/self-test.json (what happened). Exit code 0 only if all of that worked within 120 s.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

TIME_LIMIT_S = 120.0
SETTLE_MS = 400  # let the plots and the GL view repaint after the last result before grabbing


class SelfTest:
    """Drives a MainWindow through the self-test and records the exit code."""

    def __init__(self, window, out_dir: Path, file: Path | None, ranges: Path | None) -> None:
        self.window = window
        self.out_dir = Path(out_dir)
        self.file = Path(file) if file is not None else None
        self.ranges = Path(ranges) if ranges is not None else None
        self.exit_code = 1
        self.messages: list[str] = []
        self._done = False
        self._t0 = time.perf_counter()
        self._deadline = QTimer()
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._timed_out)
        controller = window.controller
        controller.analysis_finished.connect(self._analysis_finished)
        controller.analysis_failed.connect(lambda _g, msg: self._fail(f"analysis failed: {msg}"))
        controller.load_failed.connect(lambda msg: self._fail(f"loading failed: {msg}"))
        # Only the newest job of each kind reports: an analysis replaced by a newer one is normal.
        controller.analysis.cancelled.connect(lambda: self._fail_unless_done("the analysis was cancelled"))
        controller.loads.cancelled.connect(lambda: self._fail_unless_done("loading was cancelled"))

    def start(self) -> None:
        """Begin once the event loop runs."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._deadline.start(int(TIME_LIMIT_S * 1000))
        QTimer.singleShot(0, self._run)

    def _run(self) -> None:
        self.window.show_message("Self-test: opening " + (str(self.file) if self.file else "the demo"))
        if self.window.open_files(self.file, self.ranges) < 0:
            self._fail("could not start loading (no range file?)")

    def _fail_unless_done(self, message: str) -> None:
        if not self._done:
            self._fail(message)

    def _analysis_finished(self, _gen: int, _result) -> None:
        if self._done:
            return
        self._done = True
        QTimer.singleShot(SETTLE_MS, self._finish)

    def _grab(self) -> Path:
        QApplication.processEvents()
        path = self.out_dir / "window.png"
        image = self.window.snapshot()
        if not image.save(str(path)):
            raise RuntimeError(f"could not write {path}")
        return path

    def _finish(self) -> None:
        try:
            self._grab()
            self.window.controller.write_result_json(self.out_dir / "analysis.json")
            self._write_report(ok=True)
            self.exit_code = 0
        except Exception as exc:
            self.messages.append(f"{type(exc).__name__}: {exc}")
            self._write_report(ok=False)
            self.exit_code = 1
        self._quit()

    def _write_report(self, ok: bool) -> None:
        report = {
            "ok": ok,
            "elapsed_s": round(time.perf_counter() - self._t0, 3),
            "messages": self.messages,
        }
        (self.out_dir / "self-test.json").write_text(json.dumps(report, indent=2))

    def _fail(self, message: str) -> None:
        if self.exit_code == 0:
            return
        self._done = True
        self.messages.append(message)
        try:
            self._grab()  # the picture of a failure helps more than none
        except Exception as exc:
            self.messages.append(f"grab failed: {exc}")
        self._write_report(ok=False)
        self.exit_code = 1
        self._quit()

    def _timed_out(self) -> None:
        self._fail(f"self-test took longer than {TIME_LIMIT_S:.0f} s")

    def _quit(self) -> None:
        self._deadline.stop()
        # A scripted run has no work to save: close without the save question (which would leave
        # the worker running while the application quits).
        self.window.unsaved.confirmed = True
        QTimer.singleShot(0, self.window.close)
        QTimer.singleShot(0, QApplication.quit)
