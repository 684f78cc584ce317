"""The Clusters dock: cluster-search and isosurface parameters, the NN plot, the cluster table, the size
distribution and the proxigram.

A view only: it emits what the user asks for and shows what it is given. The jobs, the 3D overlay and
the exports live in :mod:`hea_studio.app.clusters_feature`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hea_studio.plots.neighbours import NNPlot, ProxigramPlot, SizePlot

TIPS = {
    "solutes": "Species the clusters are made of, comma-separated (e.g. Ni,Cu): IVAS's 'Ion(s)'",
    "method": "msm: maximum separation (IVAS); dbscan/hdbscan: scikit-learn's density clustering",
    "dmax": "d-max: the largest solute-solute distance inside a cluster. 'Suggest' reads it off the "
    "NN distribution: where shuffled solutes would have half a neighbour on average",
    "order": "Order: a solute is a core ion when its order-th nearest solute is within d-max (1: any)",
    "nmin": "N-min: clusters with fewer solute ions are dropped (matrix)",
    "envelope": "L (envelope): every ion within L of a core ion joins its cluster",
    "erosion": "d-erosion: envelope ions within this distance of a matrix ion are removed again",
    "roi": "Search only the active sub-volume (else every ion of the data set)",
    "species": "Species whose concentration is contoured (comma-separated for a sum)",
    "threshold": "Iso-concentration of the surface, at.%",
    "voxel": "Voxel edge of the concentration field (nm)",
    "deloc": "Delocalisation: FWHM of the Gaussian that smooths the counts (nm)",
}


def _spin(
    lo: float, hi: float, value: float, step: float, decimals: int = 2, suffix: str = " nm"
) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setValue(value)
    s.setSuffix(suffix)
    return s


class ClustersPanel(QWidget):
    """Parameters, actions and results of the cluster analysis and isosurfaces.

    Signals
    -------
    suggest_requested()
        Compute the solutes' NN distribution and suggest d-max.
    run_requested()
        Find clusters with the parameters shown.
    surface_requested()
        Compute the isosurface and its proxigram.
    cancel_requested()
        Stop the running job.
    export_requested(str)
        ``"json"``, ``"csv"``, ``"mesh"``, ``"proxigram"`` or ``"nn"``.
    overlay_toggled()
        A "show in 3D" box changed.
    """

    suggest_requested = Signal()
    run_requested = Signal()
    surface_requested = Signal()
    cancel_requested = Signal()
    export_requested = Signal(str)
    overlay_toggled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)

        search = QGroupBox("Cluster search")
        form = QVBoxLayout(search)
        grid = QGridLayout()
        self.solutes = QLineEdit("Cu")
        self.method = QComboBox()
        self.method.addItems(["msm", "dbscan", "hdbscan"])
        self.dmax = _spin(0.05, 10.0, 0.5, 0.05)
        self.order = QSpinBox()
        self.order.setRange(1, 20)
        self.nmin = QSpinBox()
        self.nmin.setRange(1, 1_000_000)
        self.nmin.setValue(20)
        self.envelope = _spin(0.0, 10.0, 0.25, 0.05)
        self.erosion = _spin(0.0, 10.0, 0.25, 0.05)
        self.in_box = QCheckBox("active sub-volume only")
        # Two label/field pairs per row: the dock shares its column with the entropy plot.
        cells = (
            ("solutes", self.solutes, "Solutes"),
            ("method", self.method, "Method"),
            ("dmax", self.dmax, "d-max"),
            ("order", self.order, "Order"),
            ("nmin", self.nmin, "N-min"),
            ("envelope", self.envelope, "Envelope L"),
            ("erosion", self.erosion, "d-erosion"),
            ("roi", self.in_box, "Region"),
        )
        for i, (key, widget, caption) in enumerate(cells):
            widget.setToolTip(TIPS[key])
            label = QLabel(caption)
            label.setToolTip(TIPS[key])
            grid.addWidget(label, i // 2, 2 * (i % 2))
            grid.addWidget(widget, i // 2, 2 * (i % 2) + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        form.addLayout(grid)
        buttons = QHBoxLayout()
        self.suggest_button = QPushButton("Suggest d-max")
        self.suggest_button.setToolTip(
            "Solute nearest-neighbour distances against shuffled labels (NN plot tab)"
        )
        self.run_button = QPushButton("Find clusters")
        self.run_button.setToolTip("Run the cluster search in the background (Ctrl+Shift+K)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        for b in (self.suggest_button, self.run_button, self.cancel_button):
            buttons.addWidget(b)
        form.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("idle")
        self.progress.setTextVisible(True)
        form.addWidget(self.progress)
        layout.addWidget(search)

        self.summary = QLabel("No clusters yet: choose the solutes, then Suggest d-max or Find clusters.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

        self.tabs = QTabWidget()
        self.nn_plot = NNPlot()
        self.table = QTableWidget(0, 8)
        self.table.setHorizontalHeaderLabels(
            ["id", "solute", "ions", "x (nm)", "y (nm)", "z (nm)", "Rg (nm)", "r_G (nm)"]
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.size_plot = SizePlot()
        self.proxigram_plot = ProxigramPlot()
        self.tabs.addTab(self.nn_plot.widget, "NN plot")
        self.tabs.addTab(self.table, "Clusters")
        self.tabs.addTab(self.size_plot.widget, "Sizes")
        self.tabs.setMinimumHeight(240)
        layout.addWidget(self.tabs, 1)

        # The surface's parameters are a tab of their own, beside its proxigram: the dock shares a
        # column with the entropy plot, and the plots need the height.
        surface = QWidget()
        sform = QFormLayout(surface)
        self.species = QLineEdit("Cu")
        self.threshold = _spin(0.01, 100.0, 10.0, 1.0, 2, " at.%")
        self.voxel = _spin(0.1, 5.0, 1.0, 0.1)
        self.deloc = _spin(0.0, 10.0, 3.0, 0.5)
        for key, widget, caption in (
            ("species", self.species, "Species"),
            ("threshold", self.threshold, "Threshold"),
            ("voxel", self.voxel, "Voxel"),
            ("deloc", self.deloc, "Delocalisation"),
        ):
            widget.setToolTip(TIPS[key])
            label = QLabel(caption)
            label.setToolTip(TIPS[key])
            sform.addRow(label, widget)
        self.surface_button = QPushButton("Compute surface and proxigram")
        sform.addRow(self.surface_button)
        self.tabs.addTab(surface, "Surface")
        self.tabs.addTab(self.proxigram_plot.widget, "Proxigram")

        show = QHBoxLayout()
        self.show_clusters = QCheckBox("Clusters in 3D")
        self.show_clusters.setChecked(True)
        self.show_surface = QCheckBox("Surface in 3D")
        self.show_surface.setChecked(True)
        show.addWidget(self.show_clusters)
        show.addWidget(self.show_surface)
        show.addStretch(1)
        layout.addLayout(show)

        exports = QHBoxLayout()
        self.export_buttons = {}
        for key, text, tip in (
            ("json", "JSON…", "Save the clusters as hea-studio/clusters/1 JSON"),
            ("csv", "CSV…", "Save one row per cluster"),
            ("mesh", "Mesh…", "Save the isosurface as .ply or .stl"),
            ("proxigram", "Proxigram…", "Save the proxigram as .csv or .json"),
            ("nn", "NN…", "Save the NN distribution as .csv or .json"),
        ):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.setEnabled(False)
            b.clicked.connect(lambda _=False, k=key: self.export_requested.emit(k))
            exports.addWidget(b)
            self.export_buttons[key] = b
        layout.addLayout(exports)

        self.suggest_button.clicked.connect(self.suggest_requested)
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.surface_button.clicked.connect(self.surface_requested)
        self.show_clusters.toggled.connect(lambda _on: self.overlay_toggled.emit())
        self.show_surface.toggled.connect(lambda _on: self.overlay_toggled.emit())
        self.dmax.valueChanged.connect(
            lambda v: self.nn_plot.set_dmax(v) if self.nn_plot.distribution else None
        )
        QShortcut(QKeySequence("Ctrl+Shift+K"), self, activated=self.run_requested.emit)

    # ---- state --------------------------------------------------------------------------------
    def solute_names(self) -> tuple[str, ...]:
        """The solutes typed (stripped, empty entries dropped)."""
        return tuple(s.strip() for s in self.solutes.text().split(",") if s.strip())

    def surface_species(self) -> tuple[str, ...]:
        """The species of the isosurface."""
        return tuple(s.strip() for s in self.species.text().split(",") if s.strip())

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Disable the actions while a job runs; the progress bar says what runs."""
        for b in (self.suggest_button, self.run_button, self.surface_button):
            b.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.progress.setValue(0)
            self.progress.setFormat(f"{text} %p%")

    def set_progress(self, fraction: float) -> None:
        """Move the progress bar (0..1)."""
        self.progress.setValue(round(1000 * fraction))

    def set_done(self, text: str) -> None:
        """The job ended (``text``: done, cancelled, failed)."""
        self.set_busy(False)
        self.progress.setValue(1000 if text == "done" else 0)
        self.progress.setFormat(text)

    def show_clusters_table(self, clusters) -> None:
        """One row per :class:`~hea_studio.compute.clusters.ClusterStats`."""
        self.table.setRowCount(len(clusters))
        for r, c in enumerate(clusters):
            vals = [c.id, c.solute_ions, c.ions, *c.centre, c.rg, c.guinier_radius]
            for k, v in enumerate(vals):
                text = f"{v:.2f}" if isinstance(v, float) else str(v)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, k, item)
