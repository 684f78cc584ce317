"""One compute thread that runs jobs one at a time, newest first.

A job is a callable ``job(task) -> result`` or a generator function whose yielded values are
forwarded as partial results (one per scale for the entropy curve). Each submitted job gets a
generation number; submitting a new job cancels the running one (cooperatively, between yields or at
``task.cancelled()`` checks) and drops any job still waiting. Every signal carries the generation so
that the GUI can ignore stale results (:class:`~hea_studio.workers.latest_job.LatestJob` does that
for each kind of work). Every signal, ``cancelled`` of a job dropped before it ran included, is
emitted from the worker thread, so all of them reach the GUI thread the same way: queued, in order. The worker never touches the model: slots on the GUI thread
apply the results.
"""

from __future__ import annotations

import inspect
import os
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from hea_studio.core.errors import InputError
from hea_studio.core.paths import write_crash_log
from hea_studio.core.progress import Cancelled, SimpleTaskState

_LIVE: weakref.WeakSet[QThread] = weakref.WeakSet()


def live_threads() -> list[QThread]:
    """Worker threads that are still running (the test harness fails a test that leaves one)."""
    return [t for t in list(_LIVE) if t.isRunning()]


@dataclass
class Job:
    """A unit of work for the worker.

    Parameters
    ----------
    fn
        ``fn(task)``; a plain function returns the result, a generator function yields partial
        results and returns the final one.
    name
        Shown in the status bar.
    """

    fn: Callable[[SimpleTaskState], Any]
    name: str = "working"


class _Thread(QThread):
    def __init__(self, owner: ComputeWorker) -> None:
        super().__init__()
        self._owner = owner

    def run(self) -> None:
        _lower_priority()
        self._owner._loop()


# The compute thread runs at a slightly lower priority than the GUI thread. On a 2-core machine with
# software OpenGL, painting (GUI thread, llvmpipe's raster threads, the X server) competes with the
# compute thread for the cores; a small nice value lets a repaint finish in time without starving
# the calculation (the GUI thread is idle most of the time, so the compute keeps nearly all of a core).
COMPUTE_NICE = int(os.environ.get("HEA_STUDIO_COMPUTE_NICE", "5"))


def _lower_priority() -> None:
    if COMPUTE_NICE <= 0 or not hasattr(os, "setpriority") or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + COMPUTE_NICE)
    except OSError:  # not allowed here: run at normal priority
        pass


class ComputeWorker(QObject):
    """Runs jobs on a single background thread; signals arrive on the GUI thread (queued)."""

    started = Signal(int, str)  # generation, job name
    progress = Signal(int, float, str)  # generation, fraction, message
    partial = Signal(int, object)  # generation, yielded value
    finished = Signal(int, object)  # generation, result
    failed = Signal(int, str, bool)  # generation, message, is-input-error
    cancelled = Signal(int)  # generation

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: tuple[int, Job] | None = None
        self._dropped: list[int] = []  # jobs dropped before they ran: the thread reports them cancelled
        self._current: SimpleTaskState | None = None
        self._generation = 0
        self._stopping = False
        self._thread = _Thread(self)
        self._thread.setObjectName("hea-compute")
        _LIVE.add(self._thread)
        self._thread.start()

    @property
    def generation(self) -> int:
        """Generation number of the newest submitted job."""
        return self._generation

    def is_newest(self, generation: int) -> bool:
        """True if ``generation`` is the newest job submitted (its progress is the one to show)."""
        return generation == self._generation

    def submit(self, job: Job) -> int:
        """Queue ``job``, cancelling whatever runs or waits; returns its generation."""
        with self._cond:
            self._generation += 1
            gen = self._generation
            if self._current is not None:
                self._current.cancel()
            if self._pending is not None:
                self._dropped.append(self._pending[0])
            self._pending = (gen, job)
            self._cond.notify()
        return gen

    def cancel(self) -> None:
        """Cancel the running job and drop the waiting one."""
        with self._cond:
            if self._current is not None:
                self._current.cancel()
            if self._pending is not None:
                self._dropped.append(self._pending[0])
                self._pending = None
                self._cond.notify()

    def is_busy(self) -> bool:
        """True while a job runs or waits."""
        with self._cond:
            return self._current is not None or self._pending is not None

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and stop the thread; True if it stopped within ``timeout_ms``.

        If the running job does not reach a cancellation point in time (one numba kernel call
        cannot be interrupted), this keeps waiting: destroying a running QThread would crash the
        process, which is worse than a late exit.
        """
        with self._cond:
            self._stopping = True
            self._pending = None
            if self._current is not None:
                self._current.cancel()
            self._cond.notify()
        if self._thread.wait(timeout_ms):
            return True
        self._thread.wait()
        return False

    # ---- worker thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._dropped and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                dropped, self._dropped = self._dropped, []
            for gen in dropped:
                self.cancelled.emit(gen)
            with self._cond:
                if self._pending is None:
                    continue
                gen, job = self._pending
                self._pending = None
                task = SimpleTaskState(on_progress=lambda f, m, g=gen: self.progress.emit(g, f, m or ""))
                self._current = task
            self._run_one(gen, job, task)
            with self._cond:
                self._current = None

    def _run_one(self, gen: int, job: Job, task: SimpleTaskState) -> None:
        self.started.emit(gen, job.name)
        try:
            if inspect.isgeneratorfunction(job.fn):
                it = job.fn(task)
                result = None
                while True:
                    if task.cancelled():
                        it.close()
                        raise Cancelled()
                    try:
                        value = next(it)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    if task.cancelled():
                        it.close()
                        raise Cancelled()
                    self.partial.emit(gen, value)
            else:
                result = job.fn(task)
            if task.cancelled():
                raise Cancelled()
            self.finished.emit(gen, result)
        except Cancelled:
            self.cancelled.emit(gen)
        except InputError as exc:
            self.failed.emit(gen, str(exc), True)
        except Exception as exc:
            log = write_crash_log()
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.failed.emit(gen, f"{detail}\n\nDetails were written to {log}", False)
