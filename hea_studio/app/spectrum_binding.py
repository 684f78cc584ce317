"""Wires the mass spectrum dock to the session, the worker and the undo stack.

Every range edit (a drag on the spectrum, a table cell, Suggest, Apply range file, undo, redo) goes
the same way: the dock shows the new table at once, one undo step records the table before and
after, and the controller ranges the ions anew in the worker; when that finishes the session gets
the new atoms (sub-volumes stay) and the analysis follows. The share of unranged ions goes to the
Results panel and the status bar; the fit check's warnings to the dock, and to a dialog when a range
file is applied.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QFileDialog, QMessageBox

from hea_studio.compute.spectrum.isotope_check import is_isotope_warning
from hea_studio.core.errors import InputError, os_reason
from hea_studio.core.range_edits import same_ranges
from hea_studio.core.ranges import RangeTable

if TYPE_CHECKING:
    from hea_studio.app.main_window import MainWindow


class RangeStep(QUndoCommand):
    """One range edit: the table before and after (``None``: no ranges)."""

    def __init__(self, binder: SpectrumBinder, before, after, text: str) -> None:
        super().__init__(text)
        self.binder = binder
        self.before = before
        self.after = after
        self._first = True

    def redo(self) -> None:
        if self._first:  # the edit was applied when it was made
            self._first = False
            return
        self.binder.apply(self.after, record=False)

    def undo(self) -> None:
        self.binder.apply(self.before, record=False)


class SpectrumBinder(QObject):
    """The spectrum dock's connections (one per window)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.panel = window.spectrum_panel
        self.current: RangeTable | None = None  # the table shown and being applied
        self.fit_dialog: QMessageBox | None = None
        self._applied_path: Path | None = None
        c = window.controller
        self.panel.ranges_edited.connect(lambda table, text: self.apply(table, text=text))
        self.panel.spectrum_requested.connect(self._spectrum_requested)
        self.panel.save_requested.connect(self.save_dialog)
        c.dataset_loaded.connect(self._loaded)
        c.ranging_applied.connect(self._ranged)
        c.ranging_failed.connect(lambda msg: window.show_message(f"Ranging not applied: {msg}"))
        c.spectrum_ready.connect(lambda spectrum, _box: self.panel.set_spectrum(spectrum, keep_view=True))
        c.analysis_finished.connect(lambda *_: self._refresh_box_spectrum())

    # ---- edits ----------------------------------------------------------------------------------
    def apply(self, table: RangeTable | None, text: str = "Edit ranges", record: bool = True,
              path: Path | None = None) -> int:  # fmt: skip
        """Show ``table`` and range the ions with it in the worker (an undo step if ``record``)."""
        before = self.current
        if record and same_ranges(before, table):
            return -1
        self.current = table
        self._applied_path = path
        self.panel.set_table(table)
        gen = self.w.controller.apply_ranges(table if table is not None else RangeTable([]), path)
        if record:
            self.w.history.stack.push(RangeStep(self, before, table, text))
        self.w.show_message(f"{text}: ranging...")
        return gen

    def apply_file(self, path: Path) -> int:
        """Range the open ions with the range file ``path`` (an undo step); raises InputError."""
        from hea_studio.io import load_ranges

        table = load_ranges(Path(path))
        return self.apply(table, f"Apply {Path(path).name}", path=Path(path))

    def apply_file_dialog(self) -> None:
        """File > Apply range file."""
        ds = self.w.session.dataset
        if ds is None or ds.ions is None:
            self.w.show_error("No ions to range", "Open an ion file first.")
            return
        start = str(ds.ion_path.parent) if ds.ion_path is not None else ""
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Apply range file", start, "Range files (*.rrng *.rng *.env);;All files (*)"
        )
        if not path:
            return
        try:
            self.apply_file(Path(path))
        except InputError as exc:
            self.w.show_error("Cannot read the range file", str(exc))

    def save(self, path: Path) -> Path:
        """Write the ranges in force to ``path`` (.rrng, atomically); raises InputError."""
        from hea_studio.io import write_rrng

        if self.current is None or not self.current.ranges:
            raise InputError("there are no ranges to save")
        path = Path(path)
        if path.suffix.lower() != ".rrng":
            path = path.with_name(path.name + ".rrng")
        try:
            write_rrng(path, self.current)
        except OSError as exc:
            raise InputError(f"cannot write: {os_reason(exc)}", path) from None
        ds = self.w.session.dataset
        if ds is not None and same_ranges(ds.ranges, self.current):
            # The ranges in force now live in this file: projects and recent files refer to it.
            self.w.session.dataset = replace(ds, range_path=path)
        return path

    def save_unsaved_ranges(self, path: Path) -> Path | None:
        """Ranges edited in the window and not saved yet are written to ``path`` (a project file
        refers to range files by name, so they must live in one); returns the file, or ``None``."""
        ds = self.w.session.dataset
        if ds is None or ds.ranges is None or ds.range_path is not None or self.current is None:
            return None
        return self.save(path)

    def save_dialog(self) -> None:
        """File > Save ranges."""
        if self.current is None or not self.current.ranges:
            self.w.show_error("No ranges to save", "Draw, suggest or apply ranges first.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self.w, "Save ranges", str(self.default_save_path()), "Range files (*.rrng)"
        )
        if not path:
            return
        try:
            written = self.save(Path(path))
        except InputError as exc:
            self.w.show_error("Cannot save the ranges", str(exc))
            return
        self.w.show_message(f"Ranges written to {written}")

    def default_save_path(self) -> Path:
        """Where Save ranges proposes to write: beside the ion file, under a name no file there has
        (letter case ignored), so the original range file is never replaced by default."""
        from hea_studio.core.paths import unused_name

        ds = self.w.session.dataset
        if ds is None or ds.ion_path is None:
            return Path("ranges.rrng")
        return unused_name(Path(ds.ion_path).parent, Path(ds.ion_path).stem, ".rrng")

    def show_dock(self) -> None:
        """Bring the spectrum dock to the front, tall enough to work in."""
        dock = self.w.docks["spectrum"]
        dock.show()
        dock.raise_()
        # Tall enough to work in, while the 3D view keeps most of a small screen.
        target = min(380, int(0.38 * self.w.height()))
        if not dock.isFloating() and dock.height() < target:
            self.w.resizeDocks([dock], [target], Qt.Orientation.Vertical)

    # ---- results in -----------------------------------------------------------------------------
    def _loaded(self, dataset) -> None:
        self.current = dataset.ranges
        self._applied_path = dataset.range_path
        self.panel.set_spectrum(dataset.spectrum)
        self.panel.set_table(dataset.ranges)
        self._show_ranging(dataset, dialog=True)
        if abs(self.panel.bin.value() - 0.01) > 1e-9 or self.panel.source.currentIndex() == 1:
            self._spectrum_requested(float(self.panel.bin.value()), self.panel.source.currentIndex() == 1)

    def _ranged(self, dataset) -> None:
        if not same_ranges(self.current, dataset.ranges) and dataset.ranges is not None:
            return  # a newer edit is on its way; its own result will show
        self._show_ranging(dataset, dialog=dataset.range_path is not None)

    def _show_ranging(self, dataset, dialog: bool) -> None:
        n = max(dataset.n_ions, 1)
        self.panel.set_warnings(dataset.fit_warnings)
        if dataset.waiting_for_ranges:
            text = (
                f"{dataset.title}: {dataset.n_ions:,} ions, no ranges yet: the analysis waits. Drag on the "
                "spectrum to add a range, use Suggest ranges, or File > Apply range file."
            )
            self.w.results_panel.set_ranging(dataset.n_ions, dataset.n_ions, waiting=True)
            self.show_dock()
        else:
            share = 100.0 * dataset.n_unranged / n
            text = (
                f"{dataset.title}: {dataset.n_unranged:,} of {dataset.n_ions:,} ions unranged ({share:.1f} %)"
            )
            self.w.results_panel.set_ranging(dataset.n_ions, dataset.n_unranged, waiting=False)
        if dataset.n_far:
            text += f"; {dataset.n_far:,} far ions lie outside the analysed region"
        self.panel.set_status(text)
        # After the window's own "opened in ..." message, which handles the same signal.
        QTimer.singleShot(0, lambda: self.w.show_message(text))
        # A dialog for a file that does not fit the run; single ranges whose isotope ratios do not
        # fit are listed in the dock only.
        if dialog and any(not is_isotope_warning(w) for w in dataset.fit_warnings):
            self._warn(dataset)

    def _warn(self, dataset) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Range file check",
            "The range file does not fit this run's mass spectrum:\n\n"
            + "\n\n".join(dataset.fit_warnings)
            + "\n\nSee the Mass spectrum dock; the analysis uses these ranges as they are.",
            QMessageBox.StandardButton.Ok,
            self.w,
        )
        box.setWindowModality(self.w.windowModality())
        box.open()
        self.fit_dialog = box

    # ---- spectrum requests ------------------------------------------------------------------------
    def _spectrum_requested(self, bin_width: float, box_only: bool) -> None:
        box = self.w.session.active_box if box_only else None
        self._box_of_spectrum = box
        self.w.controller.compute_spectrum(bin_width, box)

    def _refresh_box_spectrum(self) -> None:
        """With the sub-volume spectrum shown, follow the box once its analysis has finished."""
        if self.panel.source.currentIndex() != 1:
            return
        box = self.w.session.active_box
        if box is not None and box != getattr(self, "_box_of_spectrum", None):
            self._spectrum_requested(float(self.panel.bin.value()), True)
