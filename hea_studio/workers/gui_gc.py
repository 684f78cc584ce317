"""Garbage collection on the GUI thread only, while windows with worker threads are open.

Python's cyclic collector runs on whichever thread happens to allocate when a threshold is
crossed. With a compute thread that meant a collection could start there (during a numba compile,
say), reach a cycle holding a Qt object owned by the GUI thread and destroy it: the destructor
waits for a Qt lock the GUI thread holds, while the GUI thread waits for the GIL the compute thread
holds, and the app hangs at 0 % CPU. The remedy (the one pyqtgraph ships as its GarbageCollector)
is to switch automatic collection off and collect from a timer on the GUI thread, with the same
generation thresholds Python would use.

Every main window holds a :class:`GuiThreadCollector` lease (:func:`acquire`, :meth:`release`);
automatic collection comes back when the last one is released, so scripts and tests that go on
without a window get Python's normal behaviour again.
"""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

INTERVAL_MS = 500

_collector: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    """Collects garbage from a timer on the GUI thread while automatic collection is off."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.leases = 0
        self.collections = 0
        self.gui_thread = threading.get_ident()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        """One more window: collection only from the timer."""
        self.leases += 1
        if self.leases == 1:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()

    def release(self) -> None:
        """One window fewer; the last one gives automatic collection back (after collecting)."""
        if self.leases == 0:
            return
        self.leases -= 1
        if self.leases == 0:
            self._timer.stop()
            self.check()
            if self._was_enabled:
                gc.enable()

    def check(self) -> int:
        """Collect the generations whose counts crossed their thresholds; objects collected."""
        found = 0
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if c0 > t0:
            generation = 2 if (c1 > t1 and c2 > t2) else 1 if c1 > t1 else 0
            found = gc.collect(generation)
            self.collections += 1
        return found


def acquire() -> GuiThreadCollector:
    """Start (or share) the application's collector; call from the GUI thread with a
    QApplication running. Pair every call with :meth:`GuiThreadCollector.release`."""
    global _collector
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("the GUI-thread collector must be started on the GUI thread")
    if _collector is None:
        _collector = GuiThreadCollector(app)
        _collector.destroyed.connect(_forget)
    _collector.start()
    return _collector


def _forget(*_args) -> None:
    global _collector
    _collector = None
