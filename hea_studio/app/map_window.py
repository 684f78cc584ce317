"""The STEM-EDS map window: open a spectrum image, draw a rectangle, watch the 2D entropy curve.

Everything that touches the spectra or the patches runs on this window's own compute worker (the
main window's worker keeps its APT jobs): reading and the net-count maps once per file, then a
preview curve (reference at preview precision, no interval) at every move of the rectangle and the
full analysis (interval, 3D-equivalent SUME) when it is released. Results, warnings and the JSON
export are those of ``hea-studio analyze MAP``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolBar,
    QWidget,
)

from hea_studio.io.eds import EDS_SUFFIXES
from hea_studio.widgets.map_plots import CurvePlot, MapResults, SpectrumPlot
from hea_studio.widgets.map_view import MapView
from hea_studio.workers import ComputeWorker, gui_gc
from hea_studio.workers.latest_job import LatestJob

PREVIEW_DRAWS = 2000
FILE_FILTER = (
    "Spectrum images (" + " ".join(f"*{s}" for s in EDS_SUFFIXES if s != ".spx") + ");;All files (*)"
)


class MapWindow(QMainWindow):
    """One spectrum image: the map with its rectangle, the sum spectrum, the curve and the results."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("HEA Studio: STEM-EDS map")
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        # Collection on the GUI thread only while this window's worker runs (see gui_gc): a map window
        # opened on its own (no main window holding a lease) had a collection start on its worker
        # thread, inside a reader's import, destroy a widget there and hang.
        self._gc_lease: gui_gc.GuiThreadCollector | None = gui_gc.acquire()
        self.worker = ComputeWorker(self)
        self.loader = LatestJob(self.worker, parent=self)
        self.analysis = LatestJob(self.worker, parent=self)
        self.path: Path | None = None
        self.prepared = None  # MapInput of the open file
        self.result: dict | None = None  # the last full analysis
        self.errors: list[str] = []  # messages shown in dialogs (tests read them)
        self._last_requested: Path | None = None
        self._preview_cache: dict = {}
        self._build()
        self.loader.finished.connect(self._loaded)
        self.loader.failed.connect(self._load_failed)
        self.analysis.finished.connect(self._analysed)
        self.analysis.failed.connect(lambda msg: self.show_message(f"⚠ {msg}"))
        self.worker.progress.connect(self._progress)
        self.worker.started.connect(lambda _g, name: self._busy(True, name))
        for sig in (self.worker.finished, self.worker.failed, self.worker.cancelled):
            sig.connect(lambda *_: self._busy(self.worker.is_busy(), ""))

    # ---- construction ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.map_view = MapView()
        self.spectrum = SpectrumPlot()
        self.curve = CurvePlot()
        self.results = MapResults()
        scroll = QScrollArea()
        scroll.setWidget(self.results)
        scroll.setWidgetResizable(True)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.spectrum)
        right.addWidget(self.curve)
        right.addWidget(scroll)
        right.setSizes([220, 430, 170])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.map_view)
        split.addWidget(right)
        split.setSizes([560, 700])
        self.setCentralWidget(split)
        self.map_view.roi_changed.connect(self._roi_changed)
        self.map_view.roi_finished.connect(self._roi_finished)

        menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open spectrum image...", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setToolTip("Open a .bcf, .emd or .hspy spectrum image")
        self.open_action.triggered.connect(self.open_dialog)
        self.export_action = QAction("&Export analysis (JSON)...", self)
        self.export_action.setShortcut("Ctrl+E")
        self.export_action.setToolTip("Save the analysis as analyze --json does")
        self.export_action.triggered.connect(self.export_json)
        self.export_csv_action = QAction("Export &curve (CSV)...", self)
        self.export_csv_action.setToolTip("Save the entropy curve per patch side as analyze --csv does")
        self.export_csv_action.triggered.connect(self.export_csv)
        self.export_png_action = QAction("Export entropy &plot (PNG)...", self)
        self.export_png_action.setShortcut("Ctrl+Shift+E")
        self.export_png_action.setToolTip("Save the entropy and deficit plots as a PNG")
        self.export_png_action.triggered.connect(self.export_png)
        self.compare_action = QAction("Compare with an &APT analysis (JSON)...", self)
        self.compare_action.setToolTip(
            "Overlay the deficit curve of an APT analysis (analyze --json, or File > Export analysis of the main "
            "window) on the map's deficit and its 3D-equivalent prediction"
        )
        self.compare_action.triggered.connect(self.compare_dialog)
        close = QAction("&Close", self)
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        for a in (
            self.open_action,
            self.export_action,
            self.export_csv_action,
            self.export_png_action,
            close,
        ):
            menu.addAction(a)

        bar = QToolBar("Analysis")
        bar.setObjectName("map-analysis")
        self.addToolBar(bar)
        bar.addWidget(QLabel(" Foil thickness "))
        self.thickness = QDoubleSpinBox()
        self.thickness.setRange(0.0, 1000.0)
        self.thickness.setDecimals(1)
        self.thickness.setSuffix(" nm")
        self.thickness.setSpecialValueText("from file")
        self.thickness.setToolTip(
            "Foil thickness t: a patch is an L x L x t column (0: the file's, else 50 nm)"
        )
        self.thickness.setValue(float(QSettings("HEA Studio", "HEA Studio").value("maps/thickness", 0.0)))
        self.thickness.editingFinished.connect(self._thickness_changed)
        bar.addWidget(self.thickness)
        run = QPushButton("Analyse")
        run.setToolTip("Full analysis of the region (F5)")
        run.setShortcut("F5")
        run.clicked.connect(self._roi_finished)
        bar.addWidget(run)

        self.status_label = QLabel("Open a spectrum image: File > Open, or drop it here")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)  # messages quote file names
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(240)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running calculation (Esc)")
        self.cancel_button.setShortcut(Qt.Key.Key_Escape)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.worker.cancel)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

    # ---- status ---------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """One line in the status bar."""
        self.status_label.setText(text)

    def show_error(self, title: str, text: str) -> None:
        """A dialog (non-blocking) naming the file and the problem."""
        self.errors.append(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setModal(False)
        box.show()
        self.error_dialog = box

    def _progress(self, gen: int, fraction: float, message: str) -> None:
        if self.worker.is_newest(gen):
            self.progress.setValue(int(1000 * fraction))
            self.progress.setFormat(message or "%p%")

    def _busy(self, busy: bool, name: str) -> None:
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.progress.setValue(0)
            self.progress.setFormat("idle")

    # ---- files ----------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """File > Open spectrum image."""
        store = QSettings("HEA Studio", "HEA Studio")
        path, _ = QFileDialog.getOpenFileName(
            self, "Open spectrum image", str(store.value("files/last_dir", "")), FILE_FILTER
        )
        if path:
            store.setValue("files/last_dir", str(Path(path).parent))
            self.open(Path(path))

    def open(self, path: Path, elements: tuple[str, ...] | None = None) -> int:
        """Read ``path`` and its net-count maps in the worker; returns the job's generation."""
        from hea_studio.compute.maps.analysis import MapSettings, prepare
        from hea_studio.compute.maps.netcounts import sum_spectrum
        from hea_studio.io.eds import load_spectrum_image

        path = Path(path)
        settings = MapSettings(elements=elements, thickness_nm=self._thickness())

        def job(task):
            si = load_spectrum_image(path, elements)
            mi = prepare(si, settings, task)
            return path, mi, sum_spectrum(si)

        self.show_message(f"Opening {path.name}...")
        self._last_requested = path
        return self.loader.submit(job, f"reading {path.name}", context=elements)

    def _load_failed(self, message: str) -> None:
        if "names no elements" in message:
            text, ok = QInputDialog.getText(
                self,
                "Which elements?",
                f"{message}\n\nElements to analyse (comma-separated):",
                text="Co,Cu,Fe,Ni",
            )
            if ok and text.strip() and self._last_requested is not None:
                self.open(self._last_requested, tuple(e.strip() for e in text.split(",") if e.strip()))
                return
        self.show_message(f"⚠ {message}")
        self.show_error("Cannot open the spectrum image", message)

    def _loaded(self, value) -> None:
        path, mi, spec = value
        self.path, self.prepared = path, mi
        self._preview_cache = {}  # reference runs reused while the rectangle moves (this file, this t)
        si, nc = mi.si, mi.nc
        self.setWindowTitle(f"HEA Studio: {path.name} (STEM-EDS)")
        self.map_view.set_data(si.image, np.clip(nc.intensity, 0, None), list(nc.elements), si.pixel_nm)
        windows = {w.element: w.to_json(si.energy_offset_kev, si.energy_scale_kev) for w in nc.windows}
        self.spectrum.show_spectrum(si.energy_axis(), spec, windows, list(nc.elements))
        ny, nx = si.shape
        self.show_message(
            f"{path.name}: {nx} x {ny} px of {si.pixel_nm:.4g} nm, {si.n_channels} channels, "
            f"{', '.join(nc.lines)}" + (f"; image: {si.image_name}" if si.image_name else "")
        )
        self._roi_finished()

    # ---- analysis -------------------------------------------------------------------------------
    def _thickness(self) -> float | None:
        v = self.thickness.value()
        return v if v > 0 else None

    def _thickness_changed(self) -> None:
        QSettings("HEA Studio", "HEA Studio").setValue("maps/thickness", self.thickness.value())
        if self.prepared is not None and self.path is not None:
            self.open(self.path, self.prepared.si.elements)

    def _settings(self, preview: bool):
        from hea_studio.compute.maps.analysis import MapSettings

        return MapSettings(
            roi_nm=self.map_view.rect(),
            thickness_nm=self._thickness(),
            bootstrap=0 if preview else 200,
            ref_draws=PREVIEW_DRAWS if preview else None,
        )

    def _submit(self, preview: bool) -> int | None:
        if self.prepared is None:
            return None
        from hea_studio.compute.maps.analysis import analyze_prepared

        mi, settings = self.prepared, self._settings(preview)
        cache = self._preview_cache if preview else None

        def job(task):
            return analyze_prepared(mi, settings, task, with_3d=not preview, ref_cache=cache), preview

        return self.analysis.submit(job, "entropy versus patch size" + (" (preview)" if preview else ""))

    def _roi_changed(self, *_rect) -> None:
        self._submit(preview=True)

    def _roi_finished(self) -> None:
        self._submit(preview=False)

    def _analysed(self, value) -> None:
        result, preview = value
        self.curve.show_result(result)
        self.results.show_result(result, preview)
        if not preview:
            self.result = result

    def export_json(self) -> None:
        """File > Export analysis: the last full analysis as ``analyze --json`` writes it."""
        if self.result is None:
            self.show_error("Nothing to export", "Open a spectrum image and let the analysis finish first.")
            return
        start = str(self.path.with_suffix(".json")) if self.path else "analysis.json"
        out, _ = QFileDialog.getSaveFileName(self, "Export analysis", start, "JSON (*.json)")
        if out:
            self.write_json(Path(out))

    def write_json(self, out: Path) -> None:
        """Write the last full analysis to ``out`` (atomically)."""
        from hea_studio.io.files import write_atomically

        text = json.dumps(self.result, indent=1) + "\n"
        write_atomically(Path(out), lambda tmp: tmp.write_text(text, encoding="utf-8"), durable=False)
        self.show_message(f"Saved {out}")

    def _ask_output(self, title: str, suffix: str, filt: str) -> Path | None:
        if self.result is None:
            self.show_error("Nothing to export", "Open a spectrum image and let the analysis finish first.")
            return None
        start = str(self.path.with_suffix(suffix)) if self.path else f"analysis{suffix}"
        out, _ = QFileDialog.getSaveFileName(self, title, start, filt)
        return Path(out) if out else None

    def export_csv(self) -> None:
        """File > Export curve: one row per patch side (``analyze --csv``)."""
        out = self._ask_output("Export curve", ".csv", "CSV (*.csv)")
        if out is not None:
            self.write_csv(out)

    def write_csv(self, out: Path) -> None:
        """Write the last full analysis's curve to ``out`` (atomically)."""
        from hea_studio.compute.maps.analysis import curve_csv
        from hea_studio.io.files import write_atomically

        text = curve_csv(self.result or {})
        write_atomically(Path(out), lambda tmp: tmp.write_text(text, encoding="utf-8"), durable=False)
        self.show_message(f"Saved {out}")

    def export_png(self) -> None:
        """File > Export entropy plot: the entropy and deficit plots as on screen."""
        out = self._ask_output("Export entropy plot", ".png", "PNG (*.png)")
        if out is not None:
            self.write_png(out)

    def write_png(self, out: Path) -> None:
        """Write the curve plots to ``out`` as a PNG (atomically)."""
        from hea_studio.io.files import write_atomically

        pixmap = self.curve.grab()

        def save(tmp: Path) -> None:
            if not pixmap.save(str(tmp), "PNG"):
                raise OSError(f"cannot write a PNG to {out}")

        write_atomically(Path(out), save, durable=False)
        self.show_message(f"Saved {out}")

    def compare_dialog(self) -> None:
        """File > Compare with an APT analysis: pick its JSON."""
        start = str(QSettings("HEA Studio", "HEA Studio").value("files/last_dir", ""))
        path, _ = QFileDialog.getOpenFileName(
            self, "APT analysis to compare", start, "JSON (*.json);;All files (*)"
        )
        if path:
            self.compare_with(Path(path))

    def compare_with(self, path: Path) -> bool:
        """Overlay the deficit curve of the APT analysis in ``path``; a dialog names the file if it cannot."""
        import html

        from hea_studio.widgets.map_plots import apt_curve, sume_words

        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            L, D, sem, sume = apt_curve(doc)
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            self.show_error("Cannot compare", f"{Path(path).name}: {exc}")
            return False
        self.curve.show_apt(f"APT: {Path(path).name}", L, D, sem)
        self.results.apt_line = f"APT {html.escape(Path(path).name)}: SUME {sume_words(sume)}"
        if self.result is not None:
            self.results.show_result(self.result)
        self.show_message(f"Comparing with {Path(path).name}: {L.size} cube edges")
        return True

    # ---- drag and drop, closing -----------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        if paths:
            self.open(paths[0])

    def closeEvent(self, event) -> None:
        self.loader.detach()
        self.analysis.detach()
        self.worker.shutdown()
        if self._gc_lease is not None:  # once the worker thread has stopped
            self._gc_lease.release()
            self._gc_lease = None
        super().closeEvent(event)


__all__ = ["MapWindow"]
