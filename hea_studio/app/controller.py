"""Wires the session, the worker and the views: loading, live analysis, atom-centred entropy, ranging.

Data flow: user edits (projections, spin boxes, settings) change the :class:`Session` on the GUI
thread; every change of the active box (re)starts a short timer that submits one analysis job to
the single worker (a newer job cancels the older one). Each kind of work has one
:class:`~hea_studio.workers.LatestJob`, which keeps only the newest job's partial results, result,
failure or cancellation and says when it has settled, so nothing here compares generations.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from hea_studio.app.session import Session
from hea_studio.compute.analysis import memory_warning
from hea_studio.compute.jobs import analysis_job, load_job, local_job
from hea_studio.core.dataset import Dataset
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings
from hea_studio.workers import ComputeWorker, LatestJob

THROTTLE_MS = 100  # at most ten analysis requests per second while the user drags
# Partial results are applied to the views at most this often. With software OpenGL every repaint
# of the window costs tens of milliseconds (the GL view is composited with the rest), so painting
# once per arriving edge would let the queue of results outgrow the event loop.
FLUSH_MS = 120
# While the user drags, a running curve is not thrown away for a newer box unless it has run this
# long: preempting at once would restart the job at every mouse move and never show a curve;
# waiting for it (up to this bound) shows complete curves, at most this much behind the mouse.
PREEMPT_AFTER_S = 0.5


@dataclass(frozen=True)
class AnalysisRequest:
    """What an analysis job was asked for: the box, and whether it is a drag preview."""

    box: Box
    preview: bool


class Controller(QObject):
    """Owns the jobs of one window.

    Signals
    -------
    dataset_loaded(object)
        A dataset was opened (after the session switched to it).
    load_failed(str)
        Opening failed; the message is what the user sees in the dialog.
    analysis_started(int)
        An analysis job was submitted (its generation).
    scale_arrived(int, object)
        One cube edge of the current analysis (generation, scale result).
    scales_arrived(int, object)
        The edges that arrived since the last flush (generation, list), for views that redraw once.
    analysis_finished(int, object)
        The current analysis completed (generation, result).
    analysis_failed(int, str)
        The current analysis could not be done (e.g. the box is too small).
    local_started(int)
        An atom-centred entropy job was submitted (its generation).
    local_finished(int, object)
        It finished (generation, :class:`LocalEntropyResult`).
    local_failed(int, str)
        It failed, or was cancelled (by the user or by a newer job such as a box change).
    ranging_applied(object)
        The open ions were ranged anew (the new :class:`Dataset`, already in the session).
    ranging_failed(str)
        Ranging anew failed or was cancelled (the ranges in force stay).
    spectrum_ready(object, object)
        A spectrum computed on request (the spectrum, and the box it covers or ``None``).
    memory_warned(str)
        An analysis about to run may need more memory than the budget (the warning, before it runs).
    """

    dataset_loaded = Signal(object)
    load_failed = Signal(str)
    analysis_started = Signal(int)
    scale_arrived = Signal(int, object)
    scales_arrived = Signal(int, object)
    analysis_finished = Signal(int, object)
    analysis_failed = Signal(int, str)
    local_started = Signal(int)
    local_finished = Signal(int, object)
    local_failed = Signal(int, str)
    ranging_applied = Signal(object)
    ranging_failed = Signal(str)
    spectrum_ready = Signal(object, object)
    memory_warned = Signal(str)

    def __init__(self, session: Session, worker: ComputeWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.worker = worker
        self.settings = AnalysisSettings()
        self.live = True
        self.result: Any = None
        self.result_is_preview = False  # ``result`` lacks the SUME interval and frequency test
        self.load_seconds = 0.0
        self.local_result: Any = None
        self.local_box: Box | None = None  # the box ``local_result`` belongs to
        # One latest job per kind of work; their signals carry only the newest job's news.
        self.loads = LatestJob(worker, parent=self)
        self.analysis = LatestJob(worker, batch_ms=FLUSH_MS, parent=self)
        self.local = LatestJob(worker, parent=self)
        self.ranging = LatestJob(worker, parent=self)
        self.spectrum = LatestJob(worker, parent=self)
        # One timer for a requested analysis: the throttle, then (while a young curve runs during a
        # drag) the wait before preempting it.
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self._soon_due)
        self._waiting = False  # a newer box waits for the running curve
        self._submitted_at = 0.0
        self._interacting = False  # the user is dragging the box: analyses are previews
        self._resume_analysis = False  # a curve was interrupted by another job: run it again after
        self._connect_jobs()
        session.active_box_changed.connect(lambda _box: self.request_analysis())

    def _connect_jobs(self) -> None:
        self.loads.finished.connect(self._loaded)
        self.loads.failed.connect(self._load_failed)
        self.analysis.partials.connect(self._scales)
        self.analysis.finished.connect(self._analysed)
        self.analysis.failed.connect(self._analysis_failed)
        self.local.finished.connect(self._local_done)
        self.local.failed.connect(self._local_failed)
        self.local.cancelled.connect(self._local_cancelled)
        self.ranging.finished.connect(self._ranged)
        self.ranging.failed.connect(self._ranging_failed)
        self.ranging.cancelled.connect(lambda: self._ranging_failed("cancelled"))
        self.spectrum.finished.connect(self._spectrum_done)
        self.spectrum.failed.connect(lambda _message: self._resume())
        self.spectrum.cancelled.connect(self._replaced)

    # ---- state ----------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """True while a file is being opened."""
        return self.loads.active

    @property
    def reranging(self) -> bool:
        """True while the open ions are being ranged anew."""
        return self.ranging.active

    @property
    def analysis_generation(self) -> int:
        """Generation of the newest analysis job (-1 before the first), for progress displays."""
        return self.analysis.generation

    @property
    def result_box(self) -> Box | None:
        """The box of the newest analysis submitted."""
        request = self.analysis.context
        return request.box if request is not None else None

    def is_analysing(self) -> bool:
        """True while an analysis job runs or waits, or a request waits for its timer."""
        return self._soon.isActive() or self._waiting or self.analysis.running

    def is_computing_local(self) -> bool:
        """True while an atom-centred entropy job runs or its result has not been handled yet."""
        return self.local.running

    # ---- loading --------------------------------------------------------------------------------
    def open_files(self, ion_path: Path | None, range_path: Path | None, ranges=None) -> int:
        """Open an ion file with its range file (``None``, ``None``: the bundled demo) in the worker;
        ``ranges``, a range table, stands in for a range file (``range_path`` ``None``)."""
        self._soon.stop()
        load = load_job(ion_path, range_path, decompose=self.settings.decompose, ranges=ranges)
        name = "opening demo" if ion_path is None else f"opening {Path(ion_path).name}"
        return self.loads.submit(load, name, context=time.perf_counter())

    def _loaded(self, dataset: Dataset) -> None:
        self.load_seconds = time.perf_counter() - self.loads.context
        self.session.set_dataset(dataset)
        self.dataset_loaded.emit(dataset)
        self.analyse_now()

    def _load_failed(self, message: str) -> None:
        self.load_failed.emit(message)
        # The previous dataset stays: re-analyse it if the failed load cancelled its analysis.
        if self.session.dataset is not None:
            self.request_analysis()

    # ---- analysis -------------------------------------------------------------------------------
    def set_settings(self, settings: AnalysisSettings) -> None:
        """New analysis settings: recompute."""
        self.settings = settings
        self.request_analysis()

    def request_analysis(self) -> None:
        """Ask for an analysis of the active box soon (throttled: drags give at most 10 per second)."""
        if not self.live or self.session.dataset is None or self.loading or self.reranging:
            return
        if self.session.dataset.waiting_for_ranges:
            return
        if not self._soon.isActive():
            self._soon.start(THROTTLE_MS)

    def set_interacting(self, on: bool) -> None:
        """The user starts (True) or ends (False) dragging the box with the mouse.

        While dragging, analyses are previews (no bootstrap interval, no frequency test), so
        complete curves follow the mouse faster. Letting go analyses the final box in full.
        """
        on = bool(on)
        if on == self._interacting:
            return
        self._interacting = on
        if on or not self.live:
            return
        request = self.analysis.context
        newest_is_preview = request is not None and request.preview
        if self._soon.isActive() or self._waiting or newest_is_preview:
            self.analyse_now()

    @property
    def interacting(self) -> bool:
        """True between :meth:`set_interacting` ``(True)`` and ``(False)``."""
        return self._interacting

    def _soon_due(self) -> None:
        """A box change from a drag: start its analysis, or let a young running one finish first
        (at most until it is PREEMPT_AFTER_S old)."""
        age = time.perf_counter() - self._submitted_at
        if not self._waiting and self.analysis.running and age < PREEMPT_AFTER_S:
            self._waiting = True
            self._soon.start(max(1, int(1000 * (PREEMPT_AFTER_S - age))))
            return
        self.analyse_now()

    def _submit_pending(self) -> None:
        """Analyse a box that changed while a curve was computed, at once: the worker just became
        free, so there is no reason to wait for the timer."""
        if self._waiting or self._soon.isActive():
            self.analyse_now()

    def _stop_requests(self) -> None:
        self._soon.stop()
        self._waiting = False

    def analyse_now(self) -> int:
        """Submit the analysis of the active box at once; returns its generation (-1 if none)."""
        self._stop_requests()
        dataset = self.session.dataset
        box = self.session.active_box
        if dataset is None or box is None or self.loading or self.reranging:
            return -1
        if dataset.waiting_for_ranges:
            return -1  # nothing to analyse until the run has ranges
        preview = self._interacting
        if not preview:
            self._warn_memory(dataset, box)
        job = analysis_job(dataset.atoms, box, self.settings, preview=preview)
        self._submitted_at = time.perf_counter()
        name = "entropy vs scale (preview while dragging)" if preview else "entropy vs scale"
        gen = self.analysis.submit(job, name, context=AnalysisRequest(box, preview))
        self.analysis_started.emit(gen)
        return gen

    def _warn_memory(self, dataset: Dataset, box: Box) -> None:
        """Emit :attr:`memory_warned` if the analysis of ``box`` may exceed the memory budget (an
        estimate from sizes alone, no pass over the atoms: said before the run, not after)."""
        try:
            text = memory_warning(dataset.atoms, box, self.settings.fitted_to(box))
        except InputError:
            return  # no edge fits: the analysis itself says so
        if text:
            self.memory_warned.emit(text)

    def _scales(self, items: list) -> None:
        gen = self.analysis.generation
        for value in items:
            self.scale_arrived.emit(gen, value)
        self.scales_arrived.emit(gen, items)

    def _analysed(self, result: object) -> None:
        self.result = result
        self.result_is_preview = self.analysis.context.preview
        self.analysis_finished.emit(self.analysis.generation, result)
        self._submit_pending()

    def _analysis_failed(self, message: str) -> None:
        self.analysis_failed.emit(self.analysis.generation, message)
        self._submit_pending()

    def _interrupt_analysis(self) -> None:
        """Another kind of job takes the worker: the running curve is recomputed when it is done."""
        self._resume_analysis = self._resume_analysis or self.is_analysing()
        self._stop_requests()

    def _resume(self) -> None:
        if self._resume_analysis:
            self._resume_analysis = False
            self.analyse_now()

    # ---- ranges and spectrum --------------------------------------------------------------------
    def apply_ranges(self, table, range_path: Path | None = None) -> int:
        """Range the open ions with ``table`` in the worker, then analyse; returns the job's
        generation (-1 with nothing open). ``range_path``: the file it came from, if any."""
        from hea_studio.compute.spectrum.jobs import rerange

        dataset = self.session.dataset
        if dataset is None or dataset.ions is None or self.loading:
            return -1
        self._stop_requests()
        self.analysis.forget()
        decompose = self.settings.decompose
        return self.ranging.submit(
            lambda task: rerange(dataset, table, decompose, range_path, task), "ranging"
        )

    def _ranged(self, dataset: Dataset) -> None:
        self.session.replace_ranging(dataset)
        self.ranging_applied.emit(dataset)
        self.analyse_now()

    def _ranging_failed(self, message: str) -> None:
        self.ranging_failed.emit(message)
        self.request_analysis()

    def compute_spectrum(self, bin_width: float, box: Box | None = None) -> int:
        """Bin the spectrum of the whole run (``box`` ``None``) or of ``box`` in the worker; the
        result arrives as :attr:`spectrum_ready`. Returns the job's generation (-1: nothing to do)."""
        from hea_studio.compute.spectrum.jobs import run_spectrum

        dataset = self.session.dataset
        if dataset is None or dataset.ions is None or self.loading or self.reranging:
            return -1
        self._interrupt_analysis()
        ions = dataset.ions
        return self.spectrum.submit(
            lambda task: run_spectrum(ions, bin_width, box, task), "mass spectrum", context=box
        )

    def _spectrum_done(self, spectrum: object) -> None:
        self.spectrum_ready.emit(spectrum, self.spectrum.context)
        self._resume()

    # ---- atom-centred entropy -------------------------------------------------------------------
    def run_local(self, n_centres: int | None) -> int:
        """Compute the atom-centred entropy of the active box in the worker (``None``: every atom a
        centre); returns the job's generation (-1 if there is nothing to compute).

        It takes the worker from a running curve, which is recomputed afterwards. A box change
        while it runs cancels it, as it does a curve.
        """
        dataset = self.session.dataset
        box = self.session.active_box
        if dataset is None or box is None or self.loading or dataset.waiting_for_ranges:
            return -1
        self._interrupt_analysis()
        job = local_job(dataset.atoms, box, self.settings, n_centres)
        gen = self.local.submit(job, "atom-centred entropy", context=box)
        self.local_started.emit(gen)
        return gen

    def _local_done(self, result: object) -> None:
        self.local_result = result
        self.local_box = self.local.context
        self.local_finished.emit(self.local.generation, result)
        self._resume()

    def _local_failed(self, message: str) -> None:
        self.local_failed.emit(self.local.generation, message)
        self._resume()

    def _local_cancelled(self) -> None:
        self._replaced()
        self.local_failed.emit(self.local.generation, "cancelled")

    def _replaced(self) -> None:
        """A job that interrupted the curve was cancelled: whatever replaced it runs now, and the
        curve is not rerun later on its behalf (after some unrelated job)."""
        self._resume_analysis = False

    # ---- the user and the window ----------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the running job now: its remaining results are dropped at once, the worker stops
        at its next cancellation point (between cube edges)."""
        self._stop_requests()
        self.analysis.forget()
        self.worker.cancel()

    def result_json(self) -> dict:
        """The last finished analysis in the ``analyze --json`` schema."""
        if self.result is None:
            raise InputError("no analysis has finished yet")
        data = self.result.to_json()
        timing = dict(data.get("timing_s") or {})
        timing["load"] = round(self.load_seconds, 3)
        data["timing_s"] = timing
        return data

    def write_result_json(self, path: Path) -> None:
        """Write :meth:`result_json` to ``path``."""
        Path(path).write_text(json.dumps(self.result_json(), indent=2))

    def shutdown(self) -> None:
        """Stop submitting work (the window is closing)."""
        self.live = False
        self._stop_requests()
        # Results still queued from the worker must not reach a window that is going away.
        for job in (self.loads, self.analysis, self.local, self.ranging, self.spectrum):
            job.detach()
        self.session.blockSignals(True)
