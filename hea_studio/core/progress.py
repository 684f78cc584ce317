"""Progress reporting and cooperative cancellation passed into compute code.

Compute functions take a ``TaskState``; the GUI worker passes one bound to its signals, the CLI a
quiet one, tests a stub. Compute code calls :meth:`TaskState.report` between units of work and checks
:meth:`TaskState.cancelled` so that a newer request can abort an older one between scales.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Cancelled(Exception):
    """Raised inside compute code when its task was cancelled."""


class TaskState(Protocol):
    """What compute code may ask of the caller."""

    def report(self, fraction: float, message: str | None = None) -> None:
        """Report progress in [0, 1] with an optional short message."""

    def cancelled(self) -> bool:
        """True once the caller wants the work to stop."""


class SimpleTaskState:
    """A thread-safe task state with a cancel flag and an optional progress callback."""

    def __init__(self, on_progress=None) -> None:
        self._event = threading.Event()
        self._on_progress = on_progress
        self.fraction = 0.0
        self.message: str | None = None

    def report(self, fraction: float, message: str | None = None) -> None:
        self.fraction = float(fraction)
        self.message = message
        if self._on_progress is not None:
            self._on_progress(self.fraction, message)

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._event.set()

    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if :meth:`cancel` was called."""
        if self._event.is_set():
            raise Cancelled()


def check_cancelled(task: TaskState | None) -> None:
    """Raise :class:`Cancelled` if ``task`` was cancelled (``None`` never is)."""
    if task is not None and task.cancelled():
        raise Cancelled()
