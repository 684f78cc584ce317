"""The comparison job: analyses of the ticked sub-volumes, one after another in the worker, cached.

Each ticked sub-volume is analysed exactly as the live analysis and ``hea-studio analyze`` do it
(:meth:`hea_studio.core.settings.AnalysisSettings.fitted_to` + :func:`hea_studio.compute.analysis.run_analysis`), and
its result is cached by (run, box, settings), so ticking it again, or coming back to the same box, costs
nothing. The live analysis of the active box fills the cache too.

The comparison shares the single compute worker with the live analysis and gives way to it: it only
submits when no analysis, load or local-entropy job is running or waiting, a box change (whose analysis
cancels the comparison's job) sends it back to waiting, and it resumes with what is still missing once
the worker is free. The user's Cancel (the dock's button or the window's) stops it until the next tick.

Sub-volumes of runs opened before stay in the comparison with their cached results; they cannot be
recomputed (their atoms are no longer loaded) and say so if the settings change.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from hea_studio.compute.analysis import run_analysis
from hea_studio.core.comparison import ComparisonRow, comparison_row
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.result_json import result_from_json
from hea_studio.core.results import AnalysisResult
from hea_studio.core.settings import AnalysisSettings
from hea_studio.plots.compare import palette_colour
from hea_studio.workers import ComputeWorker, Job

PROJECT_SCHEMA = "hea-studio/comparison/1"


@dataclass(frozen=True)
class SkippedBox:
    """What the comparison job yields for a box it could not analyse."""

    reason: str


@dataclass(frozen=True)
class CompareItem:
    """A sub-volume that can be compared: its run (id and shown name), its name and its box."""

    run_id: str
    run: str
    name: str
    box: Box

    @property
    def key(self) -> tuple:
        """Identity in the list of candidates: a tick follows a sub-volume when its box moves."""
        return (self.run_id, self.name)

    def cache_key(self, settings: AnalysisSettings) -> tuple:
        """Identity of its analysis."""
        return (self.run_id, tuple(self.box.flat()), repr(settings))

    @property
    def label(self) -> str:
        """What the legend and the report show: the name and the run."""
        return f"{self.name} ({self.run})"


def run_id_of(dataset: Any) -> str:
    """A run's identity: its ion file's absolute path (generated data: its title)."""
    if dataset.ion_path is None:
        return f"generated:{dataset.title}"
    return str(Path(dataset.ion_path).resolve())


class ComparisonJob(QObject):
    """Owns the comparison: what is ticked, the cache, the worker job and its generation.

    Signals
    -------
    candidates_changed()
        The sub-volumes that can be ticked changed (a run opened, a box was added, moved or renamed).
    results_changed()
        A ticked sub-volume's result arrived, or the ticks changed.
    state_changed(bool, str)
        Busy or not, and a one-line status.
    """

    candidates_changed = Signal()
    results_changed = Signal()
    state_changed = Signal(bool, str)

    def __init__(self, controller, worker: ComputeWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.session = controller.session
        self.worker = worker
        self.cache: dict[tuple, AnalysisResult] = {}
        # Why a ticked box could not be analysed (cache key -> reason): it is skipped, not retried
        # until the settings or the box change, and the other boxes are compared all the same.
        self.skipped: dict[tuple, str] = {}
        self.kept: dict[tuple, CompareItem] = {}  # sub-volumes of earlier runs that have a result
        self.checked: list[tuple] = []
        # The ticked items of the open run that have a result, as last seen: when another run opens,
        # the session already holds the new one, so this is where the old boxes are found.
        self._known: dict[tuple, CompareItem] = {}
        self._colours: dict[tuple, tuple[int, int, int]] = {}
        self._gen = -1
        self._running: list[CompareItem] = []
        self._paused = False
        self._active = True
        # Resubmission waits for the event loop: the controller's own slots for the same worker
        # signal (which may submit the next analysis) run first.
        self._kick = QTimer(self)
        self._kick.setSingleShot(True)
        self._kick.setInterval(0)
        self._kick.timeout.connect(self._schedule)
        worker.partial.connect(self._on_partial)
        worker.finished.connect(self._on_settled)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        controller.analysis_finished.connect(self._on_live_result)
        controller.analysis_failed.connect(lambda *_: self._kick.start())
        controller.local_finished.connect(lambda *_: self._kick.start())
        controller.local_failed.connect(lambda *_: self._kick.start())
        controller.dataset_loaded.connect(self._on_dataset)
        controller.ranging_applied.connect(self._on_ranging)
        self.session.subvolumes_changed.connect(self._on_subvolumes)
        self.session.active_box_changed.connect(lambda _b: self._on_subvolumes())

    # ---- what can be ticked ---------------------------------------------------------------------
    def current_items(self) -> list[CompareItem]:
        """The sub-volumes of the open run."""
        dataset = self.session.dataset
        if dataset is None:
            return []
        rid = run_id_of(dataset)
        return [CompareItem(rid, dataset.title, s.name, s.box) for s in self.session.subvolumes]

    def candidates(self) -> list[CompareItem]:
        """The open run's sub-volumes, then those kept from earlier runs."""
        current = self.current_items()
        keys = {c.key for c in current}
        return current + [item for key, item in self.kept.items() if key not in keys]

    def set_checked(self, keys: list) -> None:
        """Tick exactly ``keys`` (candidate keys); analyses what is missing."""
        self.checked = [tuple(k) for k in keys]
        for k in self.checked:
            if k not in self._colours:
                used = set(self._colours.values())
                i = 0
                while palette_colour(i) in used and i < 64:
                    i += 1
                self._colours[k] = palette_colour(i)
        self._paused = False
        self._remember()
        self.results_changed.emit()
        self._schedule()

    def checked_items(self) -> list[CompareItem]:
        """The ticked candidates, in list order."""
        by_key = {c.key: c for c in self.candidates()}
        return [by_key[k] for k in self.checked if k in by_key]

    def colour(self, item: CompareItem) -> tuple[int, int, int]:
        """The item's curve colour (fixed from its first tick)."""
        return self._colours.get(item.key, palette_colour(0))

    # ---- results --------------------------------------------------------------------------------
    def result_of(self, item: CompareItem) -> AnalysisResult | None:
        """The item's cached result for the current settings; for earlier runs, any cached result."""
        hit = self.cache.get(item.cache_key(self.controller.settings))
        if hit is not None:
            return hit
        if self._is_current(item):
            return None
        for key, result in self.cache.items():
            if key[0] == item.run_id and key[1] == tuple(item.box.flat()):
                return result
        return None

    def entries(self) -> list[tuple[Hashable, str, AnalysisResult, tuple[int, int, int]]]:
        """``(key, label, result, colour)`` of the ticked items that have a result."""
        out = []
        for item in self.checked_items():
            result = self.result_of(item)
            if result is not None:
                out.append((item.key, item.label, result, self.colour(item)))
        return out

    def rows(self) -> list[ComparisonRow]:
        """The table rows of :meth:`entries`, in the same order."""
        by_key = {c.key: c for c in self.candidates()}
        return [comparison_row(by_key[k].name, by_key[k].run, r) for k, _, r, _ in self.entries()]

    def missing(self) -> list[CompareItem]:
        """Ticked items of the open run still to analyse."""
        settings = self.controller.settings
        return [
            i
            for i in self.checked_items()
            if self._is_current(i) and self.result_of(i) is None and i.cache_key(settings) not in self.skipped
        ]

    def skipped_items(self) -> list[tuple[CompareItem, str]]:
        """Ticked boxes of the open run left out, with the reason."""
        settings = self.controller.settings
        return [
            (i, self.skipped[i.cache_key(settings)])
            for i in self.checked_items()
            if self._is_current(i) and i.cache_key(settings) in self.skipped
        ]

    def _summary(self) -> str:
        n = len(self.entries())
        text = f"{n} sub-volume(s) compared." if n else "Tick sub-volumes to compare."
        for item, reason in self.skipped_items():
            text += f" {item.name} skipped: {reason}"
        return text

    def _remember(self) -> None:
        for item in self.checked_items():
            if self._is_current(item) and self.result_of(item) is not None:
                self._known[item.key] = item

    def _is_current(self, item: CompareItem) -> bool:
        dataset = self.session.dataset
        return dataset is not None and item.run_id == run_id_of(dataset)

    # ---- work -----------------------------------------------------------------------------------
    def is_running(self) -> bool:
        """True while the comparison's job is the worker's newest and has not settled."""
        return self._gen >= 0 and self._gen == self.worker.generation

    def _worker_taken(self) -> bool:
        c = self.controller
        return c.loading or c.is_analysing() or c.is_computing_local()

    def _schedule(self) -> None:
        if not self._active or self._paused or self.is_running():
            return
        todo = self.missing()
        if not todo:
            self.state_changed.emit(False, self._summary())
            return
        if self._worker_taken():
            self.state_changed.emit(False, f"{len(todo)} to analyse after the live analysis...")
            return
        dataset = self.session.dataset
        atoms = dataset.atoms
        settings = self.controller.settings
        items = list(todo)

        def job(task):
            for item in items:
                try:
                    fitted = settings.fitted_to(item.box)
                    result = run_analysis(atoms, fitted, item.box, task=task)
                except InputError as exc:
                    # One box that cannot be analysed (too small, too few elements) does not
                    # stop the comparison of the others: it is skipped with its reason.
                    yield item.cache_key(settings), SkippedBox(str(exc).splitlines()[0])
                    continue
                yield item.cache_key(settings), result

        self._running = items
        self._gen = self.worker.submit(Job(job, f"comparing {len(items)} sub-volume(s)"))
        self.state_changed.emit(True, f"Analysing {len(items)} sub-volume(s) one after another...")

    def cancel(self) -> None:
        """Stop the comparison's analyses (finished ones stay); resumes on the next tick."""
        self._paused = True
        if self.is_running():
            self.worker.cancel()
        self.state_changed.emit(False, "Comparison cancelled.")

    def shutdown(self) -> None:
        """The window closes: submit nothing more."""
        self._active = False
        self._kick.stop()

    # ---- projects -------------------------------------------------------------------------------
    def to_project_json(self) -> str | None:
        """The comparison for a project file: the open run's ticked boxes (analysed again when the
        project reopens) and other runs' boxes with their results; ``None`` when there is nothing."""
        entries = []
        for item in self.candidates():
            ticked = item.key in self.checked
            entry: dict[str, Any] = {
                "run_id": item.run_id, "run": item.run, "name": item.name,
                "box_nm": item.box.flat(), "ticked": ticked,
            }  # fmt: skip
            if self._is_current(item):
                if ticked:
                    entries.append(entry)
                continue
            result = self.result_of(item)
            if result is not None:
                entries.append({**entry, "result": result.to_json()})
        if not entries:
            return None
        return json.dumps({"schema": PROJECT_SCHEMA, "entries": entries})

    def restore_project_json(self, text: str | None) -> None:
        """Tick and keep what :meth:`to_project_json` saved (a damaged block is reported, not raised)."""
        if not text:
            return
        try:
            data = json.loads(text)
            if data.get("schema") != PROJECT_SCHEMA:
                raise InputError(f"unknown comparison schema {data.get('schema')!r}")
            checked = []
            for e in data["entries"]:
                item = CompareItem(
                    str(e["run_id"]), str(e["run"]), str(e["name"]), Box.from_flat(e["box_nm"])
                )
                if "result" in e and not self._is_current(item):
                    self.cache[(item.run_id, tuple(item.box.flat()), "saved")] = result_from_json(e["result"])
                    self.kept[item.key] = item
                if e.get("ticked"):
                    checked.append(item.key)
        except (InputError, ValueError, KeyError, TypeError) as exc:
            self.state_changed.emit(False, f"The project's comparison could not be read: {exc}")
            return
        self.set_checked(checked)
        # After the ticks: the dock's list is rebuilt from the candidates with their ticks (emitted
        # before, it showed every restored box unticked while the plot showed their curves).
        self.candidates_changed.emit()

    # ---- worker and controller signals (GUI thread) ---------------------------------------------
    def _on_partial(self, gen: int, value: object) -> None:
        if gen != self._gen or not isinstance(value, tuple) or len(value) != 2:
            return
        key, result = value
        if isinstance(result, SkippedBox):
            self.skipped[key] = result.reason
        else:
            self.cache[key] = result
        self._remember()
        left = len(self.missing())
        self.state_changed.emit(
            left > 0, f"{left} sub-volume(s) still to analyse..." if left else self._summary()
        )
        self.results_changed.emit()

    def _settle(self, gen: int) -> bool:
        if gen != self._gen:
            return False
        self._gen = -1
        self._running = []
        return True

    def _on_settled(self, gen: int, _result: object) -> None:
        # Whichever job finished, the worker may be free for what the comparison still misses.
        self._settle(gen)
        self._kick.start()

    def _on_failed(self, gen: int, message: str, _input: bool) -> None:
        if self._settle(gen):
            self._paused = True
            self.state_changed.emit(False, f"Comparison stopped: {message.splitlines()[0]}")
        else:
            self._kick.start()

    def _on_cancelled(self, gen: int) -> None:
        if gen != self._gen and gen == self.worker.generation and self.missing():
            # The user cancelled another job (Esc): do not start the comparison's work behind their back.
            self._paused = True
            self.state_changed.emit(False, "Paused: tick a sub-volume to go on.")
            return
        if self._settle(gen):
            if self.worker.generation == gen:  # nothing newer took the worker: the user cancelled
                self._paused = True
                self.state_changed.emit(False, "Comparison cancelled.")
            else:
                self.state_changed.emit(False, "Waiting for the live analysis...")
        self._kick.start()

    def _on_live_result(self, _gen: int, result: object) -> None:
        box = self.controller.result_box
        dataset = self.session.dataset
        if dataset is not None and box is not None and not self.controller.result_is_preview:
            item = CompareItem(run_id_of(dataset), dataset.title, "", box)
            self.cache[item.cache_key(self.controller.settings)] = result  # type: ignore[assignment]
            self._remember()
            self.results_changed.emit()
        self._kick.start()

    def _on_subvolumes(self) -> None:
        # A ticked box moved or was renamed or removed: recompute what it needs now.
        self._remember()
        self.candidates_changed.emit()
        self.results_changed.emit()
        self._kick.start()

    def _on_ranging(self, dataset) -> None:
        """The open run was ranged anew: its cached results describe other atoms."""
        rid = run_id_of(dataset)
        for key in [k for k in self.cache if k[0] == rid]:
            del self.cache[key]
        self.results_changed.emit()
        self._kick.start()

    def _on_dataset(self, dataset) -> None:
        # The ticked sub-volumes of the run just closed stay comparable with the results they have.
        rid = run_id_of(dataset)
        for key in self.checked:
            item = self._known.get(key)
            if item is not None and item.run_id != rid and self.result_of(item) is not None:
                self.kept[key] = item
        self.checked = [k for k in self.checked if k in self.kept]
        self.candidates_changed.emit()
        self.results_changed.emit()
