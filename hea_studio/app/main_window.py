"""The HEA Studio main window."""

from __future__ import annotations

import platform

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from hea_studio import __version__
from hea_studio.render.atom_view import AtomView
from hea_studio.workers import ComputeWorker

ORG = "HEA Studio"
APP = "HEA Studio"


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


class MainWindow(QMainWindow):
    """Main window: 3D view in the centre, plots and panels in docks, progress in the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"HEA Studio {__version__}")
        self.resize(1400, 900)
        self.worker = ComputeWorker(self)
        self.atom_view = AtomView()
        self.setCentralWidget(self.atom_view.native)
        self.docks: dict[str, QDockWidget] = {}
        self._build_status_bar()
        self._build_menus()
        self._connect_worker()
        self.restore_settings()
        self.show_message("Ready")

    # ---- construction ---------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running calculation (Esc)")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.worker.cancel)
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        self.file_menu = menu.addMenu("&File")
        self.view_menu = menu.addMenu("&View")
        self.analysis_menu = menu.addMenu("&Analysis")
        self.help_menu = menu.addMenu("&Help")

        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        self.cancel_action = QAction("&Cancel calculation", self, shortcut=QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.triggered.connect(self.worker.cancel)
        self.analysis_menu.addAction(self.cancel_action)

        about = QAction("&About HEA Studio", self)
        about.triggered.connect(self.show_about)
        self.help_menu.addAction(about)

    def add_dock(
        self, name: str, title: str, widget: QWidget, area=Qt.DockWidgetArea.RightDockWidgetArea
    ) -> QDockWidget:
        """Add a dock (with a View menu toggle) holding ``widget``."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        self.docks[name] = dock
        return dock

    def _connect_worker(self) -> None:
        self.worker.started.connect(self._on_job_started)
        self.worker.progress.connect(self._on_job_progress)
        self.worker.finished.connect(self._on_job_done)
        self.worker.failed.connect(self._on_job_done)
        self.worker.cancelled.connect(self._on_job_cancelled)

    # ---- status -------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """Show ``text`` in the status bar."""
        self.status_label.setText(text)

    def _on_job_started(self, gen: int, name: str) -> None:
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(f"{name} %p%")
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)

    def _on_job_progress(self, gen: int, fraction: float, message: str) -> None:
        if gen == self.worker.generation:
            self.progress_bar.setValue(round(fraction * 1000))

    def _on_job_done(self, gen: int, *_args) -> None:
        if gen == self.worker.generation:
            self.progress_bar.setVisible(False)
            self.cancel_button.setVisible(False)

    def _on_job_cancelled(self, gen: int) -> None:
        if gen == self.worker.generation:
            self._on_job_done(gen)
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
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(state)

    def save_settings(self) -> None:
        """Remember window geometry and dock layout."""
        s = app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.sync()

    def closeEvent(self, event) -> None:
        self.save_settings()
        self.worker.shutdown()
        self.atom_view.close()
        super().closeEvent(event)
