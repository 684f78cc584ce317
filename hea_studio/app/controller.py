"""Wires the session, the worker and the views: loading, live analysis, stale-result dropping.

Data flow: user edits (projections, spin boxes, settings) change the :class:`Session` on the GUI
thread; every change of the active box restarts a short throttle timer that submits one analysis
job to the single worker (a newer job cancels the older one). Partial results (one per cube edge)
and the final result come back as queued signals carrying the job's generation; anything from an
older generation is ignored, so stale curves never reach the plots.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from hea_studio.app.session import Session
from hea_studio.compute.jobs import analysis_job, load_job, local_job
from hea_studio.core.dataset import Dataset
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings
from hea_studio.workers import ComputeWorker, Job

THROTTLE_MS = 100  # at most ten analysis requests per second while the user drags
# Partial results are applied to the views at most this often. With software OpenGL every repaint
# of the window costs tens of milliseconds (the GL view is composited with the rest), so painting
# once per arriving edge would let the queue of results outgrow the event loop.
FLUSH_MS = 120
# While the user drags, a running curve is not thrown away for a newer box unless it has run this
# long: preempting at once would restart the job at every mouse move and never show a curve;
# waiting for it (up to this bound) shows complete curves, at most this much behind the mouse.
PREEMPT_AFTER_S = 0.5


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

    def __init__(self, session: Session, worker: ComputeWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.worker = worker
        self.settings = AnalysisSettings()
        self.live = True
        self.result: Any = None
        self.result_box: Box | None = None
        self.load_seconds = 0.0
        self._load_gen = -1
        self._analysis_gen = -1
        self._load_started = 0.0
        self._pending_load: tuple[Path | None, Path | None] | None = None
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self._throttled_submit)
        self._waiting = False  # a newer box waits for the running curve
        self._submitted_at = 0.0
        self._preempt = QTimer(self)
        self._preempt.setSingleShot(True)
        self._preempt.timeout.connect(self._submit_pending)
        self._settled_gen = -1  # newest analysis whose result, failure or cancellation arrived
        self._interacting = False  # the user is dragging the box: analyses are previews
        self._preview_gen = -1  # generation of the newest preview job
        self.result_is_preview = False  # ``result`` lacks the SUME interval and frequency test
        self._local_gen = -1
        self._local_box: Box | None = None
        self._reanalyse_after_local = False
        self.local_result: Any = None
        self.local_box: Box | None = None  # the box ``local_result`` belongs to
        self._rerange_gen = -1
        self._spectrum_gen = -1
        self._spectrum_box: Box | None = None
        self._reanalyse_after_spectrum = False
        self._buffer: list[object] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        worker.partial.connect(self._on_partial)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        session.active_box_changed.connect(lambda _box: self.request_analysis())

    # ---- state ----------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """True while a file is being opened."""
        return self._load_gen >= 0

    @property
    def analysis_generation(self) -> int:
        """Generation of the newest analysis job (-1 before the first)."""
        return self._analysis_gen

    def is_analysing(self) -> bool:
        """True while an analysis job runs or waits, or a request waits for the throttle."""
        return self._throttle.isActive() or self._waiting or self._analysis_running()

    # ---- loading --------------------------------------------------------------------------------
    def open_files(self, ion_path: Path | None, range_path: Path | None) -> int:
        """Open an ion file with its range file (``None``, ``None``: the bundled demo) in the worker."""
        self._throttle.stop()
        decompose = self.settings.decompose
        self._pending_load = (ion_path, range_path)
        self._load_started = time.perf_counter()
        load = load_job(ion_path, range_path, decompose=decompose)
        name = "opening demo" if ion_path is None else f"opening {Path(ion_path).name}"
        self._load_gen = self.worker.submit(Job(load, name))
        return self._load_gen

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
        if not self._throttle.isActive():
            self._throttle.start()

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
        newest_is_preview = self._analysis_gen >= 0 and self._analysis_gen == self._preview_gen
        if self._throttle.isActive() or self._waiting or newest_is_preview:
            self.analyse_now()

    @property
    def interacting(self) -> bool:
        """True between :meth:`set_interacting` ``(True)`` and ``(False)``."""
        return self._interacting

    def _analysis_running(self) -> bool:
        # The newest analysis job, not yet settled. The worker may already be idle while the job's
        # final signal waits in the event queue: the analysis is over only once that signal has
        # been handled here.
        return (
            self._analysis_gen >= 0
            and self._analysis_gen == self.worker.generation
            and self._analysis_gen != self._settled_gen
        )

    def _throttled_submit(self) -> None:
        """A box change from a drag: start its analysis, or let a young running one finish first."""
        age = time.perf_counter() - self._submitted_at
        if self._analysis_running() and age < PREEMPT_AFTER_S:
            self._waiting = True
            if not self._preempt.isActive():
                self._preempt.start(max(1, int(1000 * (PREEMPT_AFTER_S - age))))
            return
        self.analyse_now()

    def _submit_pending(self) -> None:
        """Analyse a box that changed while a curve was computed, at once: the worker just became
        free (or the preemption delay ran out), so there is no reason to wait for the throttle."""
        if self._waiting or self._throttle.isActive():
            self.analyse_now()

    def analyse_now(self) -> int:
        """Submit the analysis of the active box at once; returns its generation (-1 if none)."""
        self._throttle.stop()
        self._preempt.stop()
        self._waiting = False
        dataset = self.session.dataset
        box = self.session.active_box
        if dataset is None or box is None or self.loading or self.reranging:
            return -1
        if dataset.waiting_for_ranges:
            return -1  # nothing to analyse until the run has ranges
        preview = self._interacting
        job = analysis_job(dataset.atoms, box, self.settings, preview=preview)
        self._buffer.clear()
        self._submitted_at = time.perf_counter()
        name = "entropy vs scale (preview while dragging)" if preview else "entropy vs scale"
        self._analysis_gen = self.worker.submit(Job(job, name))
        self._preview_gen = self._analysis_gen if preview else -1
        self.result_box = box
        self.analysis_started.emit(self._analysis_gen)
        return self._analysis_gen

    # ---- ranges and spectrum --------------------------------------------------------------------
    @property
    def reranging(self) -> bool:
        """True while the open ions are being ranged anew."""
        return self._rerange_gen >= 0

    def apply_ranges(self, table, range_path: Path | None = None) -> int:
        """Range the open ions with ``table`` in the worker, then analyse; returns the job's
        generation (-1 with nothing open). ``range_path``: the file it came from, if any."""
        from hea_studio.compute.spectrum_jobs import rerange

        dataset = self.session.dataset
        if dataset is None or dataset.ions is None or self.loading:
            return -1
        self._throttle.stop()
        self._preempt.stop()
        self._waiting = False
        self._analysis_gen = -1
        decompose = self.settings.decompose

        def job(task):
            return rerange(dataset, table, decompose, range_path, task)

        self._rerange_gen = self.worker.submit(Job(job, "ranging"))
        return self._rerange_gen

    def compute_spectrum(self, bin_width: float, box: Box | None = None) -> int:
        """Bin the spectrum of the whole run (``box`` ``None``) or of ``box`` in the worker; the
        result arrives as :attr:`spectrum_ready`. Returns the job's generation (-1: nothing to do)."""
        from hea_studio.compute.spectrum_jobs import run_spectrum

        dataset = self.session.dataset
        if dataset is None or dataset.ions is None or self.loading or self.reranging:
            return -1
        self._reanalyse_after_spectrum = self._reanalyse_after_spectrum or self.is_analysing()
        self._throttle.stop()
        self._preempt.stop()
        self._waiting = False
        ions = dataset.ions
        self._spectrum_box = box
        self._spectrum_gen = self.worker.submit(
            Job(lambda task: run_spectrum(ions, bin_width, box, task), "mass spectrum")
        )
        return self._spectrum_gen

    def _spectrum_done(self) -> None:
        self._spectrum_gen = -1
        if self._reanalyse_after_spectrum:
            self._reanalyse_after_spectrum = False
            self.analyse_now()

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
        self._reanalyse_after_local = self.is_analysing()
        self._throttle.stop()
        self._preempt.stop()
        self._waiting = False
        job = local_job(dataset.atoms, box, self.settings, n_centres)
        self._local_box = box
        self._local_gen = self.worker.submit(Job(job, "atom-centred entropy"))
        self.local_started.emit(self._local_gen)
        return self._local_gen

    def is_computing_local(self) -> bool:
        """True while an atom-centred entropy job runs or its result has not been handled yet."""
        return self._local_gen >= 0 and self._local_gen == self.worker.generation

    def _local_done(self) -> None:
        self._local_gen = -1
        if self._reanalyse_after_local:
            self._reanalyse_after_local = False
            self.analyse_now()

    def cancel(self) -> None:
        """Stop the running job now: its remaining results are dropped at once, the worker stops
        at its next cancellation point (between cube edges)."""
        self._throttle.stop()
        self._preempt.stop()
        self._waiting = False
        self._analysis_gen = -1
        self._buffer.clear()
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
        self._throttle.stop()
        self._preempt.stop()
        self._waiting = False
        self._flush_timer.stop()
        self._buffer.clear()
        # Results still queued from the worker must not reach a window that is going away.
        for signal, slot in (
            (self.worker.partial, self._on_partial),
            (self.worker.finished, self._on_finished),
            (self.worker.failed, self._on_failed),
            (self.worker.cancelled, self._on_cancelled),
        ):
            signal.disconnect(slot)
        self.session.blockSignals(True)

    # ---- worker signals (GUI thread) ------------------------------------------------------------
    def _on_partial(self, gen: int, value: object) -> None:
        if gen == self._analysis_gen and gen == self.worker.generation:
            self._buffer.append(value)
            if not self._flush_timer.isActive():
                self._flush_timer.start()

    def _flush(self) -> None:
        """Hand the buffered edges of the current analysis to the views."""
        self._flush_timer.stop()
        items, self._buffer = self._buffer, []
        gen = self._analysis_gen
        if gen < 0 or gen != self.worker.generation:
            return
        if not items:
            return
        for value in items:
            self.scale_arrived.emit(gen, value)
        self.scales_arrived.emit(gen, items)

    def _on_finished(self, gen: int, result: object) -> None:
        if gen == self._load_gen:
            self._load_gen = -1
            self.load_seconds = time.perf_counter() - self._load_started
            assert isinstance(result, Dataset)
            self.session.set_dataset(result)
            self.dataset_loaded.emit(result)
            self.analyse_now()
        elif gen == self._local_gen:
            self.local_result = result
            self.local_box = self._local_box
            self.local_finished.emit(gen, result)
            self._local_done()
        elif gen == self._rerange_gen:
            self._rerange_gen = -1
            assert isinstance(result, Dataset)
            self.session.replace_ranging(result)
            self.ranging_applied.emit(result)
            self.analyse_now()
        elif gen == self._spectrum_gen:
            self.spectrum_ready.emit(result, self._spectrum_box)
            self._spectrum_done()
        elif gen == self._analysis_gen and gen == self.worker.generation:
            self._settled_gen = gen
            self._flush()
            self.result = result
            self.result_is_preview = gen == self._preview_gen
            self.analysis_finished.emit(gen, result)
            self._submit_pending()

    def _on_failed(self, gen: int, message: str, _is_input_error: bool) -> None:
        if gen == self._load_gen:
            self._load_gen = -1
            self.load_failed.emit(message)
            # The previous dataset stays: re-analyse it if the failed load cancelled its analysis.
            if self.session.dataset is not None:
                self.request_analysis()
        elif gen == self._local_gen:
            self.local_failed.emit(gen, message)
            self._local_done()
        elif gen == self._rerange_gen:
            self._rerange_gen = -1
            self.ranging_failed.emit(message)
            self.request_analysis()
        elif gen == self._spectrum_gen:
            self._spectrum_done()
        elif gen == self._analysis_gen:
            self._settled_gen = gen
            self.analysis_failed.emit(gen, message)
            self._submit_pending()

    def _on_cancelled(self, gen: int) -> None:
        if gen == self._load_gen:
            self._load_gen = -1
        elif gen == self._local_gen:
            self._local_gen = -1
            self._reanalyse_after_local = False  # whatever replaced it runs now
            self.local_failed.emit(gen, "cancelled")
        elif gen == self._rerange_gen:
            self._rerange_gen = -1
            self.ranging_failed.emit("cancelled")
        elif gen == self._spectrum_gen:
            self._spectrum_gen = -1
        elif gen == self._analysis_gen:
            self._settled_gen = gen
