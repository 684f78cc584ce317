"""The composition-profile job: the profile of the active box, recomputed when the box or the panel's
parameters change.

A profile is one pass of numpy over the atoms (no numba kernel), a few milliseconds per million atoms,
so it runs on a light worker of its own: it follows the box while the entropy curve, which takes the
main worker for seconds, is being computed, instead of cancelling it or waiting behind it. The same
light worker hashes input files for the report. Both jobs check for cancellation between chunks.
The profiles are a :class:`~hea_studio.workers.LatestJob` of that worker (only the newest one's
result or failure is shown); the hashing jobs are tracked one by one, each with its own callbacks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from hea_studio.compute.profile.slabs import CompositionProfile, composition_profile
from hea_studio.workers import ComputeWorker, Job, LatestJob

THROTTLE_MS = 120


class ProfileJob(QObject):
    """Owns the light worker and the newest profile request.

    Signals
    -------
    profile_ready(object)
        A :class:`CompositionProfile` of the current box and parameters.
    profile_failed(str)
        The profile could not be computed (the message says why).
    """

    profile_ready = Signal(object)
    profile_failed = Signal(str)

    def __init__(self, session, params: Callable[[], tuple[str, float, float | None]], parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.params = params
        self.worker = ComputeWorker(self)
        self.profile: CompositionProfile | None = None
        self.profiles = LatestJob(self.worker, parent=self)
        self._other: dict[int, tuple[Callable, Callable]] = {}
        self.enabled = True
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self.compute_now)
        self.profiles.finished.connect(self._profile_done)
        self.profiles.failed.connect(self.profile_failed)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        session.active_box_changed.connect(lambda _box: self.request())
        session.dataset_changed.connect(lambda _d: self.request())
        session.ranging_changed.connect(lambda _d: self.request())  # new ranges, new compositions

    def request(self) -> None:
        """Recompute soon (throttled: a drag asks at most every THROTTLE_MS)."""
        if self.enabled and not self._throttle.isActive():
            self._throttle.start()

    def compute_now(self) -> int:
        """Submit the profile of the active box now; its generation (-1: no box)."""
        self._throttle.stop()
        dataset = self.session.dataset
        box = self.session.active_box
        if dataset is None or box is None:
            return -1
        if self._other:  # hashing for a report: let it finish, the profile follows
            self._throttle.start()
            return -1
        axis, bin_nm, radius = self.params()
        atoms = dataset.atoms

        def job(task):
            return composition_profile(atoms, box, axis, bin_nm, radius, task)

        return self.profiles.submit(job, "composition profile")

    def run_other(self, fn, on_done: Callable, on_fail: Callable, name: str) -> int:
        """Run another light job ``fn(task)`` (e.g. hashing files for a report). It is not cancelled
        by box changes; a profile it displaces is computed again afterwards."""
        if self.is_busy():
            self._throttle.start()
        gen = self.worker.submit(Job(fn, name))
        self._other[gen] = (on_done, on_fail)
        return gen

    def is_busy(self) -> bool:
        """True while a profile is waiting for the throttle or being computed."""
        return self._throttle.isActive() or self.profiles.running

    def shutdown(self) -> None:
        """Stop the light worker (the window is closing)."""
        self.enabled = False
        self._throttle.stop()
        self.worker.shutdown()

    def _profile_done(self, result: object) -> None:
        if self.profiles.generation != self.worker.generation:
            return  # a hashing job took the worker: the profile is computed again after it
        assert isinstance(result, CompositionProfile)
        self.profile = result
        self.profile_ready.emit(result)

    # ---- the other light jobs (worker signals, GUI thread) --------------------------------------
    def _on_finished(self, gen: int, result: object) -> None:
        if gen in self._other:
            on_done, _ = self._other.pop(gen)
            on_done(result)

    def _on_failed(self, gen: int, message: str, _input: bool) -> None:
        if gen in self._other:
            _, on_fail = self._other.pop(gen)
            on_fail(message)

    def _on_cancelled(self, gen: int) -> None:
        if gen in self._other:
            _, on_fail = self._other.pop(gen)
            on_fail("cancelled")
