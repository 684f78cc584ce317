"""The newest job of one kind of work (loading, an analysis, ...): where its results go.

The window runs several kinds of work on its single worker (:class:`ComputeWorker`), and a newer
job replaces an older one. Each kind gets one :class:`LatestJob`. It submits that kind's jobs,
remembers which generation is the newest, drops anything an older job of its kind still delivers,
knows when the newest one has *settled* (its result, failure or cancellation has been handled on the
GUI thread), and re-emits what is current as plain signals. Nothing else in the window ever compares
generation numbers.

How to add a kind of work (say the mass spectrum or a comparison)::

    self.spectrum = LatestJob(worker, parent=self)
    self.spectrum.finished.connect(self._spectrum_done)   # called with the result only
    self.spectrum.failed.connect(...)                      # (message)
    self.spectrum.cancelled.connect(...)                   # () also when another job took the worker
    ...
    self.spectrum.submit(job_fn, "mass spectrum", context=box)   # job_fn(task) -> result
    ...
    def _spectrum_done(self, spectrum):
        box = self.spectrum.context          # what this result belongs to, kept with the job

``job_fn`` is a plain function or a generator function of a :class:`TaskState`; values a generator
yields arrive as ``partial`` (batched every ``batch_ms`` when given, as ``partials(list)``).
:meth:`deliver_later` runs a callback on the next turn of the event loop unless a newer job of this
kind has started by then (for views that spread a redraw over two turns).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from hea_studio.workers.compute_worker import ComputeWorker, Job


class LatestJob(QObject):
    """The newest job of one kind on ``worker``; its signals carry only the newest job's news.

    Parameters
    ----------
    worker
        The window's worker (shared by every kind of work).
    batch_ms
        If given, partial results are collected and emitted as one ``partials(list)`` at most this
        often (a view that redraws per batch instead of per value); ``partial`` is emitted per value
        either way, at the same time.
    parent
        Qt parent.

    Signals
    -------
    started(int)
        A job was submitted (its generation, for progress displays only).
    partial(object)
        One value the newest job yielded.
    partials(object)
        The values since the last batch (a list), when ``batch_ms`` is set.
    finished(object)
        The newest job's result.
    failed(str)
        The newest job failed (the message the user sees).
    cancelled()
        The newest job was cancelled (by the user, or because another job took the worker).
    """

    started = Signal(int)
    partial = Signal(object)
    partials = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, worker: ComputeWorker, batch_ms: int | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = worker
        self.generation = -1
        self.context: Any = None
        self._settled = True
        self._epoch = 0  # counts submissions and forgets, for deliver_later
        self._buffer: list[object] = []
        self._batch: QTimer | None = None
        if batch_ms is not None:
            self._batch = QTimer(self)
            self._batch.setSingleShot(True)
            self._batch.setInterval(batch_ms)
            self._batch.timeout.connect(self.flush)
        self._connections = (
            (worker.partial, self._on_partial),
            (worker.finished, self._on_finished),
            (worker.failed, self._on_failed),
            (worker.cancelled, self._on_cancelled),
        )
        for signal, slot in self._connections:
            signal.connect(slot)

    # ---- state ----------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True from :meth:`submit` until the job's result, failure or cancellation was handled."""
        return not self._settled

    @property
    def running(self) -> bool:
        """Active and still the worker's newest job (not yet replaced by a job of another kind)."""
        return not self._settled and self.generation == self.worker.generation

    # ---- actions --------------------------------------------------------------------------------
    def submit(self, fn: Callable, name: str, context: Any = None) -> int:
        """Run ``fn(task)`` on the worker (cancelling whatever runs there); returns its generation.

        ``context`` is kept with the job (e.g. the box it analyses) and read back as :attr:`context`.
        """
        self.forget()
        self.context = context
        self.generation = self.worker.submit(Job(fn, name))
        self._settled = False
        self.started.emit(self.generation)
        return self.generation

    def forget(self) -> None:
        """Ignore whatever the current job still delivers (e.g. the user cancelled it)."""
        self._epoch += 1
        self._buffer.clear()
        if self._batch is not None:
            self._batch.stop()
        self._settled = True

    def deliver_later(self, callback: Callable[..., None], *args: Any) -> None:
        """``callback(*args)`` on the next turn of the event loop, unless a newer job of this kind
        was submitted (or this one forgotten) in between."""
        epoch = self._epoch
        QTimer.singleShot(0, lambda: callback(*args) if epoch == self._epoch else None)

    def flush(self) -> None:
        """Emit the batched partial results now."""
        if self._batch is not None:
            self._batch.stop()
        items, self._buffer = self._buffer, []
        if items and not self._settled:
            self.partials.emit(items)

    def detach(self) -> None:
        """Stop listening to the worker (the window is closing)."""
        self.forget()
        for signal, slot in self._connections:
            signal.disconnect(slot)

    # ---- worker signals (GUI thread) ------------------------------------------------------------
    def _mine(self, gen: int) -> bool:
        return gen == self.generation and not self._settled

    def _on_partial(self, gen: int, value: object) -> None:
        if not (self._mine(gen) and self.running):  # a job another kind replaced is on its way out
            return
        self.partial.emit(value)
        if self._batch is not None:
            self._buffer.append(value)
            if not self._batch.isActive():
                self._batch.start()

    def _on_finished(self, gen: int, result: object) -> None:
        if self._mine(gen):
            self.flush()
            self._settled = True
            self.finished.emit(result)

    def _on_failed(self, gen: int, message: str, _is_input_error: bool) -> None:
        if self._mine(gen):
            self._buffer.clear()
            self._settled = True
            self.failed.emit(message)

    def _on_cancelled(self, gen: int) -> None:
        if self._mine(gen):
            self._buffer.clear()
            self._settled = True
            self.cancelled.emit()
