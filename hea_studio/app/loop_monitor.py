"""How long the GUI event loop goes between turns: the measure of "the window never freezes"."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class EventLoopMonitor(QObject):
    """A short repeating timer that records the real interval between its ticks.

    A tick can only run when the event loop comes round, so the recorded gaps are how long the
    loop was ever busy (with a paint, a slot, or waiting for the GIL).
    """

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Start (or restart) recording from now; earlier gaps are dropped."""
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        """Stop recording (the gaps stay available)."""
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def max_gap(self) -> float:
        """Longest gap in seconds (0 before any tick)."""
        return max(self.gaps, default=0.0)

    def median_gap(self) -> float:
        """Median gap in seconds (0 before any tick)."""
        return sorted(self.gaps)[len(self.gaps) // 2] if self.gaps else 0.0
