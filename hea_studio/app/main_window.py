"""The HEA Studio main window."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QPoint, QRect, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from hea_studio import __version__
from hea_studio.app.bindings import ViewBinder
from hea_studio.app.clusters_feature import ClustersFeature
from hea_studio.app.compare_docks import CompareFeatures
from hea_studio.app.controller import Controller
from hea_studio.app.dataset_settings import DatasetSettingsMemory, dataset_key
from hea_studio.app.history import SessionHistory
from hea_studio.app.project_keeper import ProjectKeeper
from hea_studio.app.recent_files import guess_range_file, read_recent, remember, split_dropped
from hea_studio.app.session import Session
from hea_studio.app.spectrum_binding import SpectrumBinder
from hea_studio.app.unsaved import UnsavedGuard
from hea_studio.app.window_layout import SpectrumRoom, initial_geometry, screen_key
from hea_studio.core import memory
from hea_studio.core.errors import InputError
from hea_studio.io.eds import is_eds_file
from hea_studio.io.project.store import PROJECT_SUFFIX
from hea_studio.render.atom_view import AtomView
from hea_studio.widgets.analysis_plots import AnalysisPlots
from hea_studio.widgets.freqdist_panel import FrequencyPanel
from hea_studio.widgets.local_panel import LocalEntropyPanel
from hea_studio.widgets.projection_view import ProjectionView
from hea_studio.widgets.results_panel import ResultsPanel
from hea_studio.widgets.settings_panel import SettingsPanel
from hea_studio.widgets.species_panel import SpeciesPanel
from hea_studio.widgets.spectrum_panel import SpectrumPanel
from hea_studio.widgets.sublattice_curve_panel import SublatticeCurvePanel
from hea_studio.widgets.subvolume_panel import SubVolumePanel
from hea_studio.workers import ComputeWorker, gui_gc

ORG = "HEA Studio"
APP = "HEA Studio"


# Bump when docks are added, removed or regrouped: saved layouts of another version are ignored.
LAYOUT_VERSION = 7  # 6: the Frequency distribution and Sublattice curve docks; 7: Clusters


def app_settings() -> QSettings:
    """The QSettings store for window state and remembered choices."""
    return QSettings(ORG, APP)


def dependency_versions() -> dict[str, str]:
    """Versions of the libraries HEA Studio runs on, for About and bug reports."""
    import h5py
    import numba
    import numpy
    import pyqtgraph
    import PySide6
    import vispy
    from PySide6.QtCore import qVersion

    return {
        "Python": platform.python_version(),
        "PySide6": PySide6.__version__,
        "Qt": qVersion(),
        "vispy": vispy.__version__,
        "pyqtgraph": pyqtgraph.__version__,
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "h5py": h5py.__version__,
    }


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area that resizes it (scroll bars only when it must shrink)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class MainWindow(QMainWindow):
    """Main window: 3D view in the centre, projections and panels in docks, progress in the status bar.

    Parameters
    ----------
    parent
        Parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"HEA Studio {__version__}")
        self.setAcceptDrops(True)
        # Collection on this (the GUI) thread only, from before the worker thread starts: see gui_gc.
        self._gc_lease: gui_gc.GuiThreadCollector | None = gui_gc.acquire()
        self.worker = ComputeWorker(self)
        self.session = Session(self)
        self.controller = Controller(self.session, self.worker, self)
        self.history = SessionHistory(self.session, self)
        self.atom_view = AtomView()
        self.setCentralWidget(self.atom_view.native)
        # The 3D view is its own native window: files dropped on it arrive there, not here.
        if hasattr(self.atom_view.gl_window, "set_drop_handler"):
            self.atom_view.gl_window.set_drop_handler(self._drop_on_view)
        self.docks: dict[str, QDockWidget] = {}
        self.error_dialog: QMessageBox | None = None
        self._build_status_bar()
        self._build_menus()
        self._build_docks()
        # Comparison and composition-profile docks, File > Export report / NeXus.
        self.compare = CompareFeatures(self)
        self.clusters = ClustersFeature(self)  # Clusters dock, 3D overlay, Analysis > at this scale
        self._connect_worker()
        # Before the project keeper connects: a project's own settings must win over these.
        self.dataset_settings = DatasetSettingsMemory(app_settings())
        self.controller.dataset_loaded.connect(self._apply_dataset_settings)
        self.settings_panel.settings_changed.connect(self._remember_dataset_settings)
        self.settings_panel.memory_budget_changed.connect(memory.set_budget)
        self.controller.memory_warned.connect(lambda text: self.show_message(f"⚠ {text}"))
        self.binder = ViewBinder(self)
        self.keeper = ProjectKeeper(self)
        self.spectrum_room = SpectrumRoom(self, LAYOUT_VERSION)
        self.unsaved = UnsavedGuard(self)  # the title, and the question on close
        self.spectrum_binder = SpectrumBinder(self)
        self.restore_settings()
        self.controller.load_failed.connect(lambda msg: self.show_error("Cannot open the file", msg))
        self.controller.dataset_loaded.connect(self._dataset_loaded)
        self.show_message("Ready: File > Open, or drop an ion file and its range file here")

    # ---- construction ---------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel("")
        # Messages quote file, range and box names: plain text, never markup.
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(260)
        self.progress_bar.setMinimumWidth(200)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("idle")
        self.progress_bar.setValue(0)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running calculation (Esc)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_calculation)
        # The worker reports progress far more often than is worth painting (see FLUSH_MS).
        self._progress_value: int | None = None
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(400)
        self._progress_timer.timeout.connect(self._paint_progress)
        self._progress_timer.start()
        bar.addWidget(self.status_label, 1)
        # Always visible (enabled only while busy): showing and hiding them at every drag step would
        # make the status bar jump ten times a second.
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        menu = self.menuBar()
        self.file_menu = menu.addMenu("&File")
        self.edit_menu = menu.addMenu("&Edit")
        self.view_menu = menu.addMenu("&View")
        self.analysis_menu = menu.addMenu("&Analysis")
        self.help_menu = menu.addMenu("&Help")

        self.open_action = self._action(
            "&Open...",
            self.open_dialog,
            QKeySequence.StandardKey.Open,
            "Open an ion file, then its range file, or a STEM-EDS spectrum image (.bcf, .emd, .hspy)",
        )
        self.demo_action = self._action(
            "Open &demo specimen", self.open_demo, tip="The bundled CoCuFeNi demo"
        )
        self.recent_menu = QMenu("Open &recent", self)
        self.export_action = self._action(
            "&Export analysis (JSON)...",
            self.export_json,
            "Ctrl+E",
            "Save the analysis as analyze --json does",
        )
        self.export_plot_action = self._action(
            "Export entropy &plot (PNG)...",
            self.export_plot,
            "Ctrl+Shift+E",
            "Save the entropy-versus-edge plot of the last analysis as a PNG, as analyze --plot does",
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.open_project_action = self._action(
            "Open &project...",
            self.open_project_dialog,
            "Ctrl+Shift+O",
            "Reopen a saved session: data files, sub-volumes and analysis settings",
        )
        self.save_project_action = self._action(
            "&Save project",
            self.save_project,
            QKeySequence.StandardKey.Save,
            "Save the session (data files, sub-volumes, settings, last result) as a project file",
        )
        self.save_project_as_action = self._action(
            "Save project &as...", lambda: self.save_project(ask=True), QKeySequence.StandardKey.SaveAs
        )
        for item in (self.open_action, self.demo_action):
            self.file_menu.addAction(item)
        self.file_menu.addMenu(self.recent_menu)
        self.file_menu.addSeparator()
        for item in (self.open_project_action, self.save_project_action, self.save_project_as_action):
            self.file_menu.addAction(item)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.export_action)
        self.file_menu.addAction(self.export_plot_action)
        self.file_menu.addSeparator()
        self.apply_ranges_action = self._action(
            "Apply &range file...",
            self.apply_range_file_dialog,
            "Ctrl+R",
            "Range the open ions with another range file (checked against the spectrum; undoable)",
        )
        self.save_ranges_action = self._action(
            "Save ra&nges...",
            self.save_ranges_dialog,
            "Ctrl+Shift+R",
            "Write the ranges in force (as edited in the Mass spectrum dock) as a .rrng file",
        )
        self.file_menu.addAction(self.apply_ranges_action)
        self.file_menu.addAction(self.save_ranges_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        # Undo and redo of sub-volume edits; a whole box drag is one step.
        self.undo_action = self.history.stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.history.stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)

        self.view_menu.addAction(self._action("&Reset view", self.atom_view.reset_view, "Ctrl+0"))
        for key, axis in (("Ctrl+1", "x"), ("Ctrl+2", "y"), ("Ctrl+3", "z")):
            self.view_menu.addAction(
                self._action(f"View along &{axis}", lambda _=False, a=axis: self.atom_view.view_along(a), key)
            )
        self.view_menu.addSeparator()

        self.run_action = self._action("&Run analysis now", self.controller.analyse_now, "F5")
        self.live_action = self._action("&Live analysis while dragging", self._set_live)
        self.live_action.setCheckable(True)
        self.live_action.setChecked(True)
        # A lambda: triggered(bool) would otherwise arrive as n_centres=False, i.e. "every atom".
        self.local_action = self._action(
            "&Atom-centred entropy", lambda: self.compute_local(), "Ctrl+L",
            "Local entropy of the k nearest atoms around sampled atoms of the active box",
        )  # fmt: skip
        self.cancel_action = self._action("&Cancel calculation", self.cancel_calculation, Qt.Key.Key_Escape)
        for item in (self.run_action, self.live_action, self.local_action, self.cancel_action):
            self.analysis_menu.addAction(item)

        self.help_menu.addAction(self._action("&About HEA Studio", self.show_about))

    def _build_docks(self) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.projection_xy = ProjectionView((0, 1))
        self.projection_xz = ProjectionView((0, 2))
        projections = QWidget()
        box = QVBoxLayout(projections)
        box.setContentsMargins(2, 2, 2, 2)
        box.addWidget(self.projection_xy)
        box.addWidget(self.projection_xz)
        projections.setMinimumWidth(300)
        self.add_dock("projections", "Projections (drag to place the box)", projections, left)
        self.subvolume_panel = SubVolumePanel()
        self.species_panel = SpeciesPanel()
        # Scrolling, so the left column can give height to the mass spectrum (see SpectrumRoom).
        sub = self.add_dock("subvolumes", "Sub-volumes", _scrolling(self.subvolume_panel), left)
        disp = self.add_dock("display", "Display", _scrolling(self.species_panel), left)
        self.tabifyDockWidget(sub, disp)
        sub.raise_()

        self.plots = AnalysisPlots()
        self.add_dock("entropy", "Entropy vs cube edge", self.plots.entropy_widget, right)
        conc = self.add_dock("concentration", "Concentration spread", self.plots.concentration_widget, right)
        self.local_panel = LocalEntropyPanel()
        local = self.add_dock("local", "Local entropy", self.local_panel, right)
        self.freq_panel = FrequencyPanel()
        freq = self.add_dock("freqdist", "Frequencies", self.freq_panel, right)
        self.sublattice_panel = SublatticeCurvePanel()
        sublattice = self.add_dock("sublattice", "Sublattices", self.sublattice_panel, right)
        # The numbers and the settings sit under the 3D view (the side columns keep their corners),
        # so the right column gives its height to the plots: the entropy plot is the one the user
        # reads SUME from. Scroll areas keep every row reachable when the strip is short.
        self.results_panel = ResultsPanel()
        self.settings_panel = SettingsPanel()
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.BottomRightCorner, right)
        res = self.add_dock("results", "Results", _scrolling(self.results_panel), bottom)
        sett = self.add_dock("settings", "Analysis settings", _scrolling(self.settings_panel), bottom)
        self.spectrum_panel = SpectrumPanel()
        spec = self.add_dock("spectrum", "Mass spectrum and ranges", _scrolling(self.spectrum_panel), bottom)
        # Tabify only once every dock is in: tabifying and then adding more docks to the same area
        # left stale copies of the tab bars painted over the Results panel.
        self.tabifyDockWidget(conc, local)
        self.tabifyDockWidget(local, freq)
        self.tabifyDockWidget(freq, sublattice)
        self.tabifyDockWidget(res, sett)
        self.tabifyDockWidget(sett, spec)
        conc.raise_()
        res.raise_()
        # The 3D view keeps a usable size however the docks are arranged.
        self.atom_view.native.setMinimumSize(420, 220)
        self._apply_default_dock_sizes()

    def _apply_default_dock_sizes(self) -> None:
        """Initial dock sizes: the right column wide enough for a readable entropy plot, the plots
        taller than the tabs under them, the rest for the 3D view (until the user changes it)."""
        width = self.width()
        height = self.height()
        right = max(440, min(round(0.42 * width), width - 340 - 520))
        self.resizeDocks(
            [self.docks["projections"], self.docks["entropy"]], [340, right], Qt.Orientation.Horizontal
        )
        self.resizeDocks(
            [self.docks["projections"], self.docks["subvolumes"]], [430, 330], Qt.Orientation.Vertical
        )
        self.resizeDocks(
            [self.docks["entropy"], self.docks["concentration"]],
            [round(0.58 * height), round(0.36 * height)],
            Qt.Orientation.Vertical,
        )
        self.resizeDocks([self.docks["results"]], [max(220, round(0.3 * height))], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.hide_stale_tab_bars)

    def hide_stale_tab_bars(self) -> None:
        """Hide dock tab bars Qt left behind.

        Qt 6.11 keeps showing a copy of a tab bar laid out before the window got its final size
        when an area holds two tabbed groups (reproduced with five bare QDockWidgets): here it sat
        over the Results panel. A tab bar in use sits right above or below the visible dock of its
        group; any other one is hidden (Qt shows a tab bar again when it reuses it).
        """
        docks = {d.windowTitle(): d for d in self.docks.values()}
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible():
                continue
            dock = docks.get(bar.tabText(bar.currentIndex()))
            if dock is None or dock.isFloating():
                continue
            g, b = dock.geometry(), bar.geometry()
            touching = abs(b.top() - g.bottom() - 1) <= 4 or abs(g.top() - b.bottom() - 1) <= 4
            beside = b.left() < g.right() and g.left() < b.right()
            if not (dock.isVisible() and touching and beside):
                bar.hide()

    def add_dock(
        self, name: str, title: str, widget: QWidget, area=Qt.DockWidgetArea.RightDockWidgetArea
    ) -> QDockWidget:
        """Add a dock (with a View menu toggle) holding ``widget``."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        dock.dockLocationChanged.connect(lambda _area: QTimer.singleShot(0, self.hide_stale_tab_bars))
        self.view_menu.addAction(dock.toggleViewAction())
        self.docks[name] = dock
        return dock

    def _connect_worker(self) -> None:
        self.worker.started.connect(self._on_job_started)
        self.worker.progress.connect(self._on_job_progress)
        self.worker.finished.connect(self._on_job_done)
        self.worker.failed.connect(self._on_job_done)
        self.worker.cancelled.connect(self._on_job_cancelled)

    # ---- files ----------------------------------------------------------------------------------
    def open_files(self, ion_path: Path | None, range_path: Path | None = None, ranges=None) -> int:
        """Open ``ion_path`` with ``range_path`` (guessed next to it if ``None``) in the worker.

        With no range file the run opens waiting for ranges: the mass spectrum shows, and the
        analysis starts once ranges are drawn, suggested or applied. ``ranges`` (a range table, e.g.
        a project's edited ranges) is used instead of any range file, and nothing is guessed.
        """
        if ion_path is not None and is_eds_file(ion_path):
            return self.open_map(Path(ion_path))
        if ion_path is not None and range_path is None and ranges is None:
            range_path = guess_range_file(Path(ion_path))
        self.show_message("Opening the demo specimen..." if ion_path is None else f"Opening {ion_path}...")
        self._opening = (ion_path, range_path)
        return self.controller.open_files(ion_path, range_path, ranges)

    def open_map(self, path: Path) -> int:
        """Open a STEM-EDS spectrum image in a map window of its own (see app/map_window.py)."""
        from hea_studio.app.map_window import MapWindow

        window = MapWindow(self)
        window.setWindowFlag(Qt.WindowType.Window, True)
        self.map_windows = [w for w in getattr(self, "map_windows", []) if w.isVisible()] + [window]
        window.show()
        self.show_message(f"Opening the spectrum image {Path(path).name} in its own window...")
        return window.open(Path(path))

    def open_demo(self) -> int:
        """Open the bundled demo specimen."""
        return self.open_files(None, None)

    def open_dialog(self) -> None:
        """File > Open: ask for the ion file, then for its range file."""
        store = app_settings()
        start = str(store.value("files/last_dir", ""))
        ion, _ = QFileDialog.getOpenFileName(
            self,
            "Open ion file or spectrum image",
            start,
            "Ion files (*.pos *.epos *.apt);;Spectrum images (*.bcf *.emd *.hspy);;All files (*)",
        )
        if not ion:
            return
        if is_eds_file(ion):
            store.setValue("files/last_dir", str(Path(ion).parent))
            self.open_map(Path(ion))
            return
        guess = guess_range_file(Path(ion))
        ranges, _ = QFileDialog.getOpenFileName(
            self,
            f"Range file for {Path(ion).name}",
            str(guess or Path(ion).parent),
            "Range files (*.rrng *.rng *.env);;All files (*)",
        )
        store.setValue("files/last_dir", str(Path(ion).parent))
        # No range file chosen: the run opens with its spectrum, waiting for ranges.
        self.open_files(Path(ion), Path(ranges) if ranges else None)

    def _dataset_loaded(self, dataset) -> None:
        self.show_message(
            f"{dataset.title}: {dataset.atoms.n_atoms:,} atoms ({dataset.n_ions:,} ions) "
            f"opened in {self.controller.load_seconds:.1f} s"
        )
        if dataset.ion_path is not None and getattr(self, "_opening", (None, None))[0] is not None:
            remember(app_settings(), dataset.ion_path, dataset.range_path)
            self._rebuild_recent_menu()

    def _apply_dataset_settings(self, dataset) -> None:
        """Show the settings last used with this dataset, or the defaults (no lattice) for a new one."""
        key = dataset_key(dataset.ion_path)
        self.settings_panel.apply(self.dataset_settings.settings_for(key, tuple(dataset.atoms.names)))
        self.controller.settings = self.settings_panel.current

    def _remember_dataset_settings(self, settings) -> None:
        dataset = self.session.dataset
        if dataset is not None:
            self.dataset_settings.remember(dataset_key(dataset.ion_path), settings)

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        pairs = read_recent(app_settings())
        for ion, ranges in pairs:
            label = ion.name + (f"  +  {ranges.name}" if ranges else "")
            action = self.recent_menu.addAction(label)
            action.setToolTip(f"{ion}\n{ranges or ''}")
            action.triggered.connect(lambda _=False, i=ion, r=ranges: self.open_files(i, r))
        self.recent_menu.setEnabled(bool(pairs))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def _drop_on_view(self, event) -> bool:
        if event.type() == QEvent.Type.Drop:
            self.dropEvent(event)
        else:
            self.dragEnterEvent(event)
        return event.isAccepted()

    def snapshot(self) -> QPixmap:
        """The window as the user sees it, including the 3D view (``grab`` alone leaves that area
        empty because the view is a separate native GL window)."""
        pixmap = self.grab()
        view = self.atom_view.native
        if view.isVisible() and view.width() > 0 and view.height() > 0:
            painter = QPainter(pixmap)
            painter.drawImage(QRect(view.mapTo(self, QPoint(0, 0)), view.size()), self.atom_view.snapshot())
            painter.end()
        return pixmap

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        projects = [p for p in paths if p.suffix.lower() == PROJECT_SUFFIX]
        if projects:
            self.open_project(projects[0])
            return
        maps = [p for p in paths if is_eds_file(p)]
        if maps:
            self.open_map(maps[0])
            return
        ion, ranges = split_dropped(paths)
        if ion is not None:
            self.open_files(ion, ranges)
        elif (
            ranges is not None and self.session.dataset is not None and self.session.dataset.ions is not None
        ):
            # A range file alone re-ranges the open ions (an undo step, checked against the spectrum).
            try:
                self.spectrum_binder.apply_file(ranges)
            except InputError as exc:
                self.show_error("Cannot read the range file", str(exc))
        else:
            self.show_error(
                "Cannot open the dropped files",
                "Drop an ion file (.pos, .epos, .apt), "
                "optionally together with its range file (.rrng, .rng, .env).",
            )

    def apply_range_file_dialog(self) -> None:
        """File > Apply range file: range the open ions with another range file."""
        self.spectrum_binder.apply_file_dialog()

    def save_ranges_dialog(self) -> None:
        """File > Save ranges: the ranges in force as a .rrng file."""
        self.spectrum_binder.save_dialog()

    def open_project_dialog(self) -> None:
        """File > Open project."""
        start = str(app_settings().value("files/last_dir", ""))
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", start, f"HEA Studio projects (*{PROJECT_SUFFIX});;All files (*)"
        )
        if path:
            self.open_project(Path(path))

    def open_project(self, path: Path) -> int:
        """Open a project file; a bad or incomplete one shows an error and keeps the current data."""
        try:
            return self.keeper.open(Path(path))
        except InputError as exc:
            self.show_error("Cannot open the project", str(exc))
            return -1

    def save_project(self, ask: bool = False) -> bool:
        """File > Save project (``ask``: Save project as); written atomically."""
        path = self.keeper.project_file
        if ask or path is None:
            start = str(
                path or Path(str(app_settings().value("files/last_dir", ""))) / f"session{PROJECT_SUFFIX}"
            )
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save project", start, f"HEA Studio projects (*{PROJECT_SUFFIX})"
            )
            if not chosen:
                return False
            path = Path(chosen)
            if path.suffix != PROJECT_SUFFIX:
                path = path.with_name(path.name + PROJECT_SUFFIX)
        try:
            ranges_file = self.spectrum_binder.save_unsaved_ranges(path.with_suffix(".rrng"))
            self.keeper.save(path)
        except (InputError, OSError) as exc:
            self.show_error("Cannot save the project", str(exc))
            return False
        self.unsaved.update_title()
        extra = f" (its edited ranges to {ranges_file.name})" if ranges_file is not None else ""
        self.show_message(f"Project saved to {path}{extra}")
        return True

    def offer_recovery(self, instead_of: Path | None = None) -> bool:
        """After a run that did not close cleanly, offer its session back; True if it is restored.

        Asked however the app starts (``instead_of``: the file it was started with, opened by the
        caller unless the session is restored). Yes restores it, No deletes the copy, Cancel keeps
        it for the next start. Copies of instances still running are never offered.
        """
        found = self.keeper.orphaned_session()
        if found is None:
            return False
        orphan, state = found
        what = Path(state.ion_file).name if state.ion_file else "the demo specimen"
        instead = f"\n\nYes opens it instead of {Path(instead_of).name}." if instead_of is not None else ""
        Button = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Restore the previous session?",
            f"A HEA Studio session did not close normally ({what}, {len(state.subvolumes)} "
            f"sub-volume(s)). Restore it?{instead}\n\nNo deletes the recovery copy; Cancel keeps it "
            "for the next start.",
            Button.Yes | Button.No | Button.Cancel,
            Button.Yes,
        )
        if answer == Button.No:
            orphan.discard()
            return False
        if answer != Button.Yes:
            orphan.release()
            return False
        try:
            gen = self.keeper.adopt(orphan, state)
        except InputError as exc:
            self.show_error("Cannot restore the session", str(exc))
            orphan.discard()
            return False
        if gen >= 0 and instead_of is not None:
            self.show_message(f"Restored the previous session; {Path(instead_of).name} was not opened.")
        return gen >= 0

    def compute_local(self, n_centres: int | None = None) -> int:
        """Analysis > Atom-centred entropy: compute it for the active box with the panel's number of
        centres (0 there: every atom); shows the panel. Returns the job's generation (-1: nothing)."""
        if n_centres is None:
            n_centres = self.local_panel.centres.value()
        gen = self.controller.run_local(n_centres or None)
        if gen >= 0:
            self.local_panel.set_busy(True)
            self.docks["local"].show()
            self.docks["local"].raise_()
        return gen

    def save_local_json(self) -> None:
        """The local entropy panel's Save button."""
        result = self.local_panel.result
        if result is not None:
            text = json.dumps(result.to_json(), indent=1, allow_nan=False) + "\n"
            self._export("Save local entropy", "local-entropy.json", "JSON (*.json)", "Local entropy",
                         lambda path: path.write_text(text))  # fmt: skip

    def export_plot(self) -> None:
        """File > Export entropy plot (PNG): the last finished analysis, titled like ``analyze --plot``."""
        from hea_studio.plots.curve import export_curve_png

        result = self.controller.result
        if self._has_result():
            self._export("Export entropy plot", "entropy.png", "PNG image (*.png)", "Plot",
                         lambda path: export_curve_png(result, path))  # fmt: skip

    def export_json(self) -> None:
        """File > Export analysis (JSON)."""
        if self._has_result():
            self._export("Export analysis", "analysis.json", "JSON (*.json)", "Analysis",
                         self.controller.write_result_json)  # fmt: skip

    def _has_result(self) -> bool:
        if self.controller.result is None:
            self.show_error("Nothing to export", "No analysis has finished yet.")
            return False
        return True

    def _export(self, title: str, default_name: str, file_filter: str, what: str, write) -> None:
        """Ask where to save, then ``write(path)``; a failure is shown, never raised."""
        path, _ = QFileDialog.getSaveFileName(self, title, default_name, file_filter)
        if not path:
            return
        try:
            write(Path(path))
        except InputError as exc:
            self.show_error(f"{title}: failed", str(exc))
            return
        except OSError as exc:
            self.show_error(f"{title}: failed", f"{path}: {exc.strerror or exc}")
            return
        self.show_message(f"{what} written to {path}")

    def show_error(self, title: str, message: str) -> QMessageBox:
        """Show an error without blocking the event loop (window-modal; kept in ``error_dialog``)."""
        dialog = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        self.error_dialog = dialog
        self.show_message(message.splitlines()[0] if message else title)
        return dialog

    def cancel_calculation(self) -> None:
        """Cancel button / Esc: the window stops showing the job at once; the worker follows."""
        if not self.worker.is_busy():
            return
        self.controller.cancel()
        self.cancel_button.setEnabled(False)
        self.progress_bar.setFormat("cancelling...")
        self.show_message("Cancelling...")

    def _set_live(self, on: bool) -> None:
        self.controller.live = bool(on)
        if on:
            self.controller.request_analysis()

    # ---- status ---------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """Show ``text`` in the status bar."""
        self.status_label.setText(text)

    def _on_job_started(self, gen: int, name: str) -> None:
        self._progress_value = 0
        if self.progress_bar.format() != f"{name} %p%":
            self.progress_bar.setFormat(f"{name} %p%")
        self.cancel_button.setEnabled(True)

    def _on_job_progress(self, gen: int, fraction: float, message: str) -> None:
        if self.worker.is_newest(gen):
            self._progress_value = round(fraction * 1000)

    def _paint_progress(self) -> None:
        if self._progress_value is not None and self._progress_value != self.progress_bar.value():
            self.progress_bar.setValue(self._progress_value)
        self._progress_value = None

    def _on_job_done(self, gen: int, *_args) -> None:
        if self.worker.is_newest(gen):
            self._progress_value = None
            self.progress_bar.setValue(1000)
            self.progress_bar.setFormat("done")
            self.cancel_button.setEnabled(False)

    def _on_job_cancelled(self, gen: int) -> None:
        if self.worker.is_newest(gen):
            self._progress_value = None
            self.progress_bar.setValue(0)
            self.progress_bar.setFormat("cancelled")
            self.cancel_button.setEnabled(False)
            self.show_message("Calculation cancelled")

    # ---- about / settings ------------------------------------------------------------------------
    def about_text(self) -> str:
        """Version and dependency versions, as shown by Help > About."""
        rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in dependency_versions().items())
        return (
            f"<h3>HEA Studio {__version__}</h3>"
            "<p>Configurational entropy versus scale and the smallest unit of maximal entropy (SUME) "
            "for atom probe data of medium- and high-entropy materials.</p>"
            f"<table>{rows}</table>"
        )

    def show_about(self) -> None:
        """Help > About."""
        QMessageBox.about(self, "About HEA Studio", self.about_text())

    def restore_settings(self) -> None:
        """Restore window geometry and dock layout from QSettings."""
        s = app_settings()
        # One layout per screen size: a laptop's and a monitor's arrangement differ.
        key = screen_key(self)
        geometry = s.value(f"{key}/geometry")
        if not (isinstance(geometry, QByteArray | bytes) and self.restoreGeometry(geometry)):
            self.setGeometry(initial_geometry(self.screen().availableGeometry()))
        state = s.value(f"{key}/state")
        # restoreState refuses a layout saved under another LAYOUT_VERSION, so a dock arrangement from
        # an older release never lands in a newer window; the defaults apply instead.
        if not (isinstance(state, QByteArray | bytes) and self.restoreState(state, LAYOUT_VERSION)):
            # resizeDocks only works once the window has its size: apply after the first layout.
            QTimer.singleShot(0, self._apply_default_dock_sizes)
        self.settings_panel.restore(s)
        memory.set_budget(self.settings_panel.memory_budget_bytes())
        self.local_panel.restore(s)
        self.spectrum_panel.restore(s)
        self.freq_panel.restore(s)
        self.controller.settings = self.settings_panel.current
        self._rebuild_recent_menu()

    def save_settings(self) -> None:
        """Remember window geometry and dock layout."""
        s = app_settings()
        key = screen_key(self)
        s.setValue(f"{key}/geometry", self.saveGeometry())
        s.setValue(f"{key}/state", self.spectrum_room.layout_state())
        self.settings_panel.save(s)
        self.local_panel.save(s)
        self.spectrum_panel.save(s)
        self.freq_panel.save(s)
        s.sync()

    def closeEvent(self, event) -> None:
        if not self.unsaved.may_close():
            event.ignore()  # asked to save, discard or cancel; the recovery copy stays meanwhile
            return
        self.save_settings()
        # A clean exit (the user saved or discarded): the recovery copy is only for sessions that
        # end without this.
        self.keeper.discard_recovery()
        # Stop timers first so no new job is submitted while the worker shuts down; the running
        # job is cancelled between scales (the numba kernels cannot be interrupted mid-call).
        self.controller.shutdown()
        self.compare.close()
        self.clusters.close()
        for window in getattr(self, "map_windows", []):
            window.close()  # each map window stops its own worker thread
        self.binder.stop()
        self._progress_timer.stop()
        self.worker.shutdown()
        if self._gc_lease is not None:  # once the worker thread has stopped
            self._gc_lease.release()
            self._gc_lease = None
        if self.error_dialog is not None:
            self.error_dialog.close()
        if self.spectrum_binder.fit_dialog is not None:
            self.spectrum_binder.fit_dialog.close()
        self.atom_view.close()
        super().closeEvent(event)
