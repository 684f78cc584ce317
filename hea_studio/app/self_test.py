"""``hea-studio --self-test OUTDIR``: open the window, do the work a user would, save the evidence."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

TIME_LIMIT_S = 120.0


class SelfTest:
    """Drives a MainWindow through the self-test and records the exit code."""

    def __init__(self, window, out_dir: Path, file: Path | None, ranges: Path | None) -> None:
        self.window = window
        self.out_dir = Path(out_dir)
        self.file = file
        self.ranges = ranges
        self.exit_code = 1
        self.messages: list[str] = []
        self._t0 = time.perf_counter()
        self._deadline = QTimer()
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._timed_out)

    def start(self) -> None:
        """Begin once the event loop runs."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._deadline.start(int(TIME_LIMIT_S * 1000))
        QTimer.singleShot(0, self._run)

    def _run(self) -> None:
        self.window.show_message("Self-test: empty scene (no dataset loaded)")
        # Let the window lay itself out and paint once before grabbing it.
        QTimer.singleShot(500, self._finish)

    def _grab(self) -> Path:
        QApplication.processEvents()
        path = self.out_dir / "window.png"
        image = self.window.grab()
        if not image.save(str(path)):
            raise RuntimeError(f"could not write {path}")
        return path

    def _finish(self) -> None:
        try:
            self._grab()
            report = {
                "ok": True,
                "elapsed_s": round(time.perf_counter() - self._t0, 3),
                "messages": self.messages,
            }
            (self.out_dir / "self-test.json").write_text(json.dumps(report, indent=2))
            self.exit_code = 0
        except Exception as exc:
            self.messages.append(f"{type(exc).__name__}: {exc}")
            self.exit_code = 1
        self._quit()

    def _timed_out(self) -> None:
        self.messages.append(f"self-test took longer than {TIME_LIMIT_S:.0f} s")
        self.exit_code = 1
        self._quit()

    def _quit(self) -> None:
        self._deadline.stop()
        self.window.close()
        QApplication.quit()
