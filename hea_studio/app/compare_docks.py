"""The window's comparison and composition-profile docks, and the exports that use them: File > Export
report (HTML) and File > Export results (NeXus).

Kept out of :mod:`hea_studio.app.main_window` so the window only builds this once and closes it: the
docks, their jobs (:class:`ComparisonJob` on the main worker, :class:`ProfileJob` on its light worker)
and the menu actions live here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from hea_studio.app.comparison_job import CompareItem, ComparisonJob, run_id_of
from hea_studio.app.profile_job import ProfileJob
from hea_studio.app.window_layout import scrolling
from hea_studio.core.comparison import rows_to_csv
from hea_studio.core.errors import InputError
from hea_studio.core.provenance import InputFile, input_file
from hea_studio.core.results import AnalysisResult
from hea_studio.widgets.compare_panel import Candidate, ComparePanel
from hea_studio.widgets.profile_panel import ProfilePanel


class CompareFeatures(QObject):
    """Builds the two docks and their actions in ``window`` and connects them to its session.

    Signals
    -------
    export_done(str)
        A report, NeXus file or table was written (its path).
    export_failed(str)
        Writing one failed (the message).
    """

    export_done = Signal(str)
    export_failed = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.compare_panel = ComparePanel()
        self.profile_panel = ProfilePanel()
        # Scrolling, so the right column can give height to the mass spectrum (see SpectrumRoom).
        self.compare_dock = window.add_dock(
            "compare", "Compare sub-volumes", scrolling(self.compare_panel), right
        )
        self.profile_dock = window.add_dock("profile", "Profile", scrolling(self.profile_panel), right)
        # Tabbed with the plots they belong next to: the comparison with the entropy plot (it is one,
        # for several boxes), the profile with the concentration plots.
        window.tabifyDockWidget(window.docks["entropy"], self.compare_dock)
        window.tabifyDockWidget(window.docks["local"], self.profile_dock)
        # The default layout stays as it was: the entropy and concentration plots in front.
        window.docks["entropy"].raise_()
        window.docks["concentration"].raise_()

        self.job = ComparisonJob(window.controller, window.worker, self)
        self.profile_job = ProfileJob(window.session, self._profile_params, self)
        # Off until its dock is on screen (a dock behind another tab never says it is hidden).
        self.profile_job.enabled = False
        self._shown: tuple = ()

        self.compare_panel.selection_changed.connect(self.job.set_checked)
        self.compare_panel.cancel_requested.connect(self.job.cancel)
        self.compare_panel.export_csv_requested.connect(lambda: self.export_compare_csv())
        self.compare_panel.report_requested.connect(lambda: self.export_report())
        self.job.candidates_changed.connect(self._show_candidates)
        self.job.results_changed.connect(self._show_results)
        self.job.state_changed.connect(self.compare_panel.set_busy)
        self.profile_panel.params_changed.connect(self.profile_job.request)
        self.profile_panel.save_requested.connect(lambda: self.export_profile_csv())
        self.profile_job.profile_ready.connect(self.profile_panel.set_profile)
        self.profile_job.profile_failed.connect(self.profile_panel.set_message)
        self.profile_dock.visibilityChanged.connect(self._profile_visible)
        window.controller.dataset_loaded.connect(self._dataset_loaded)
        self.export_done.connect(lambda path: window.show_message(f"Written to {path}"))
        self.export_failed.connect(lambda msg: window.show_error("Export failed", msg))
        self._build_actions()
        self.profile_panel.restore(QSettings("HEA Studio", "HEA Studio"))

    # ---- construction ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        w = self.window

        def action(text: str, slot: Callable, shortcut: str, tip: str) -> QAction:
            # The slots take an optional path: ``triggered``'s ``checked`` must not reach it.
            return w._action(text, lambda _=False: slot(), shortcut, tip)

        self.report_action = action(
            "Export &report (HTML)...", self.export_report, "Ctrl+Shift+H",
            "One self-contained HTML file: figures, comparison table, parameters, versions, input SHA-256",
        )  # fmt: skip
        self.nexus_action = action(
            "Export results (&NeXus)...", self.export_nexus, "Ctrl+Shift+N",
            "Curves, SUMEs and parameters of the compared sub-volumes (or the last analysis) as NeXus/HDF5",
        )  # fmt: skip
        self.compare_action = action(
            "&Compare sub-volumes", self.show_compare, "Ctrl+Shift+C",
            "Tick sub-volumes to overlay their entropy curves and compare their numbers",
        )  # fmt: skip
        self.profile_action = action(
            "Composition &profile", self.show_profile, "Ctrl+Shift+P",
            "Concentration of every species along an axis of the active box",
        )  # fmt: skip
        actions = w.file_menu.actions()
        anchor = actions[actions.index(w.export_plot_action) + 1] if w.export_plot_action in actions else None
        for a in (self.report_action, self.nexus_action):
            w.file_menu.insertAction(anchor, a) if anchor is not None else w.file_menu.addAction(a)
        w.analysis_menu.addSeparator()
        w.analysis_menu.addAction(self.compare_action)
        w.analysis_menu.addAction(self.profile_action)

    def close(self) -> None:
        """The window closes: remember the profile settings, stop both jobs."""
        self.profile_panel.save(QSettings("HEA Studio", "HEA Studio"))
        self.job.shutdown()
        self.profile_job.shutdown()

    # ---- docks ----------------------------------------------------------------------------------
    def show_compare(self) -> None:
        """Show and raise the comparison dock."""
        self.compare_dock.show()
        self.compare_dock.raise_()

    def show_profile(self) -> None:
        """Show and raise the profile dock."""
        self.profile_dock.show()
        self.profile_dock.raise_()

    def _profile_params(self) -> tuple[str, float, float | None]:
        p = self.profile_panel
        return p.axis.currentText(), float(p.bin.value()), p.radius_nm

    def _profile_visible(self, visible: bool) -> None:
        # A hidden dock costs nothing: the profile is computed when it is looked at.
        self.profile_job.enabled = visible
        if visible:
            self.profile_job.request()

    def _dataset_loaded(self, dataset) -> None:
        self.profile_panel.set_colours(dict(dataset.atoms.colours))

    def _show_candidates(self) -> None:
        checked = set(self.job.checked)
        current = run_id_of(self.window.session.dataset) if self.window.session.dataset is not None else None
        items = []
        for c in self.job.candidates():
            tip = f"{c.run}: {', '.join(f'{v:.2f}' for v in c.box.flat())} nm"
            if c.run_id != current:
                tip += " (run not open: shown with its last result)"
            # The open run's boxes by name (the list is narrow); earlier runs' with the run's name.
            label = c.name if c.run_id == current else c.label
            items.append(Candidate(c.key, label, c.key in checked, tip))
        self.compare_panel.set_candidates(items)

    def _show_results(self) -> None:
        entries = self.job.entries()
        signature = tuple((k, id(r), colour) for k, _, r, colour in entries)
        if signature == self._shown:
            return
        self._shown = signature
        self.compare_panel.show_entries(entries, self.job.rows())

    # ---- exports --------------------------------------------------------------------------------
    def _ask(self, title: str, default: str, file_filter: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.window, title, default, file_filter)
        return Path(path) if path else None

    def _sections(self) -> list[tuple[CompareItem | None, str, str, AnalysisResult]]:
        """What to export: the compared sub-volumes with results, else the last finished analysis."""
        entries = self.job.entries()
        if entries:
            by_key = {c.key: c for c in self.job.candidates()}
            return [(by_key[k], by_key[k].name, by_key[k].run, r) for k, _, r, _ in entries]
        result = self.window.controller.result
        session = self.window.session
        if result is None or session.dataset is None:
            raise InputError("nothing to export: no analysis has finished yet")
        name = (
            session.subvolumes[session.active].name
            if 0 <= session.active < len(session.subvolumes)
            else "box"
        )
        return [(None, name, session.dataset.title, result)]

    def _input_paths(self, sections) -> dict[str, list[str]]:
        """Files behind each section (by run id): the open run's ion and range files, earlier runs' ion file."""
        dataset = self.window.session.dataset
        out: dict[str, list[str]] = {}
        for item, *_ in sections:
            rid = item.run_id if item is not None else run_id_of(dataset)
            if dataset is not None and rid == run_id_of(dataset):
                out[rid] = [str(p) for p in (dataset.ion_path, dataset.range_path) if p is not None]
            elif not rid.startswith("generated:"):
                out[rid] = [rid]
        return out

    def _with_inputs(self, sections, then: Callable[[dict[str, tuple[InputFile, ...]]], None]) -> None:
        """Hash the input files on the light worker, then call ``then`` on the GUI thread."""
        paths = self._input_paths(sections)

        def job(task):
            out = {}
            for rid, files in paths.items():
                task.report(0.0, "hashing input files")
                out[rid] = tuple(input_file(p) for p in files if Path(p).exists())
            return out

        self.window.show_message("Hashing the input files...")
        self.profile_job.run_other(job, then, self.export_failed.emit, "hashing input files")

    def _export_target(self, path: Path | None, title: str, default: str, file_filter: str):
        """What File > Export report and Export results start with: ``(path, sections)``, the path
        asked for unless given; ``None`` when there is nothing to export (said as
        :attr:`export_failed`) or the user cancelled the dialog."""
        try:
            sections = self._sections()
        except InputError as exc:
            self.export_failed.emit(str(exc))
            return None
        path = path or self._ask(title, default, file_filter)
        return None if path is None else (path, sections)

    def _write_export(self, path: Path, write: Callable[[], None]) -> None:
        """``write()``, then :attr:`export_done`, or :attr:`export_failed` on an :class:`InputError`."""
        try:
            write()
        except InputError as exc:
            self.export_failed.emit(str(exc))
            return
        self.export_done.emit(str(path))

    def export_report(self, path: Path | None = None) -> None:
        """File > Export report: the compared sub-volumes (or the last analysis) as one HTML file."""
        target = self._export_target(path, "Export report", "report.html", "HTML (*.html)")
        if target is None:
            return
        path, sections = target
        settings = self.window.controller.settings
        profile = self.profile_panel.profile if self.profile_dock.isVisible() else None

        def write(inputs: dict) -> None:
            from hea_studio.plots.report import ReportSection, write_report

            dataset = self.window.session.dataset
            # The species colours the window draws (range file's, the palette's, or the user's).
            species = self.window.session.display.colour_map()
            current = run_id_of(dataset) if dataset is not None else None
            built = []
            clusters = getattr(self.window, "clusters", None)
            for item, name, run, result in sections:
                rid = item.run_id if item is not None else current
                colour = self.job.colour(item) if item is not None else None
                ranged = None
                if dataset is not None and rid == current and dataset.n_ions:
                    ranged = (dataset.n_ions - dataset.n_unranged, dataset.n_ions)
                built.append(
                    ReportSection(
                        name,
                        run,
                        result,
                        inputs.get(rid, ()),
                        settings,
                        colour,
                        species_colours=species,
                        ranged=ranged,
                        # The Clusters dock's result beside the SUME (this run's sections only).
                        extra=clusters.report_rows() if clusters is not None and rid == current else {},
                    )
                )
            self._write_export(
                path, lambda: write_report(path, built, title="HEA Studio report", profile=profile)
            )

        self._with_inputs(sections, write)

    def export_nexus(self, path: Path | None = None) -> None:
        """File > Export results (NeXus): one NXentry per compared sub-volume (or the last analysis)."""
        target = self._export_target(path, "Export results as NeXus", "results.nxs", "NeXus (*.nxs *.h5)")
        if target is None:
            return
        path, sections = target

        def write(inputs: dict) -> None:
            from hea_studio.io.exports.nexus import write_nexus

            files: list[InputFile] = []
            for found in inputs.values():
                files += [f for f in found if f not in files]
            entries = [(f"{name} ({run})", result) for _, name, run, result in sections]
            self._write_export(path, lambda: write_nexus(path, entries, files))

        self._with_inputs(sections, write)

    def export_compare_csv(self, path: Path | None = None) -> None:
        """The comparison table as CSV."""
        rows = self.job.rows()
        if not rows:
            self.export_failed.emit("nothing to export: tick sub-volumes and let their analyses finish")
            return
        path = path or self._ask("Export comparison table", "comparison.csv", "CSV (*.csv)")
        if path is None:
            return
        self._write_text(path, rows_to_csv(rows))

    def export_profile_csv(self, path: Path | None = None) -> None:
        """The shown composition profile as CSV."""
        profile = self.profile_panel.profile
        if profile is None:
            self.export_failed.emit("no profile yet")
            return
        path = path or self._ask("Save composition profile", "profile.csv", "CSV (*.csv)")
        if path is None:
            return
        self._write_text(path, profile.to_csv())

    def _write_text(self, path: Path, text: str) -> None:
        from hea_studio.io.files import write_atomically

        try:
            write_atomically(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"), durable=False)
        except OSError as exc:
            self.export_failed.emit(f"{path}: {exc.strerror or exc}")
            return
        self.export_done.emit(str(path))
