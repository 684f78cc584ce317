"""The atom-centred local entropy panel: a compute button, the number of centres, the plot and a
one-line summary of what is shown (science.md 7).

Unlike the cube curve this is not recomputed live: it takes a few seconds for 10^4 centres, so the
user asks for it (button or Analysis > Atom-centred entropy) and the panel says which box the
shown result belongs to.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hea_studio.compute.local.knn import DEFAULT_CENTRES, LocalEntropyResult
from hea_studio.plots.local import LocalEntropyPlot


class LocalEntropyPanel(QWidget):
    """Plot of S_local(k) with the controls that start its computation.

    Signals
    -------
    compute_requested(int)
        The user asked for the local entropy of the active box with this many centres (0: all).
    save_requested()
        The user asked to save the shown result as JSON.
    """

    compute_requested = Signal(int)
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = LocalEntropyPlot()
        self.centres = QSpinBox()
        self.centres.setRange(0, 10_000_000)
        self.centres.setSingleStep(1000)
        self.centres.setValue(DEFAULT_CENTRES)
        self.centres.setSpecialValueText("all atoms")
        self.centres.setGroupSeparatorShown(True)
        self.centres.setToolTip(
            "Centre atoms drawn at random from the active box (0: every atom). Each centre's k nearest "
            "atoms, itself included, form one local area."
        )
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Atom-centred entropy of the active sub-volume (Ctrl+L)")
        self.compute_button.clicked.connect(lambda: self.compute_requested.emit(self.centres.value()))
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the shown result as JSON (the `hea-studio local --json` format)")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_requested.emit)
        self.status = QLabel("Not computed yet.")
        self.status.setWordWrap(True)
        self.status.setToolTip(
            "S_local(k): mean over centre atoms of -sum x ln x over the k nearest atoms (science.md 7). "
            "The dashed line is the same statistic for k atoms drawn at random at the bulk composition: "
            "the gap between the two is what is not random."
        )
        self.result: LocalEntropyResult | None = None

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Centres"))
        controls.addWidget(self.centres)
        controls.addWidget(self.compute_button, 1)
        controls.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        layout.addWidget(self.plot.widget, 1)
        layout.addWidget(self.status)

    def save(self, store: QSettings) -> None:
        """Remember the number of centres."""
        store.setValue("local/centres", self.centres.value())

    def restore(self, store: QSettings) -> None:
        """Restore the remembered number of centres (an unreadable value keeps the default)."""
        try:
            self.centres.setValue(int(store.value("local/centres", DEFAULT_CENTRES)))
        except (TypeError, ValueError):
            self.centres.setValue(DEFAULT_CENTRES)

    def set_busy(self, busy: bool) -> None:
        """A computation runs (the button waits for it)."""
        self.compute_button.setEnabled(not busy)
        if busy:
            self.status.setText("Computing…")

    def show_result(self, result: LocalEntropyResult, box_label: str) -> None:
        """Plot ``result`` and say which box it belongs to."""
        self.result = result
        self.plot.set_result(result)
        self.save_button.setEnabled(True)
        self.set_busy(False)
        small = result.points[0]
        self.status.setText(
            f"{box_label}: {result.n_centres:,} centres of {result.roi_atoms:,} atoms, "
            f"{result.timing_s.get('total', 0.0):.1f} s. k = {small.k} (r ≈ {small.radius_nm:.2f} nm): "
            f"S = {small.S_mean:.3f} R, random {small.S_null:.3f} R."
            + (
                f" {result.points[-1].n_left_out:,} centres left out at k = {result.points[-1].k} "
                "(their neighbours reach beyond the specimen)."
                if result.points[-1].n_left_out
                else ""
            )
        )

    def show_failure(self, message: str) -> None:
        """The computation failed or was cancelled."""
        self.set_busy(False)
        self.status.setText(message.splitlines()[0] if message else "Not computed.")

    def clear(self) -> None:
        """A new dataset: nothing computed for it yet."""
        self.result = None
        self.plot.clear()
        self.save_button.setEnabled(False)
        self.set_busy(False)
        self.status.setText("Not computed yet.")
