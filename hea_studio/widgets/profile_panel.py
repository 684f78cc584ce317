"""The composition profile dock: concentration of every species per slab along an axis of the active box
(or of a cylinder along that axis), with binomial error bars; it follows the box as it moves.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hea_studio.compute.profile.slabs import CompositionProfile, interface_position
from hea_studio.plots.profile import ProfilePlot


class ProfilePanel(QWidget):
    """Controls (axis, slab width, cylinder radius), the profile plot and a summary line.

    Signals
    -------
    params_changed()
        Axis, slab width or cylinder changed: the profile must be recomputed.
    save_requested()
        Save the shown profile as CSV.
    """

    params_changed = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = ProfilePlot()
        self.axis = QComboBox()
        self.axis.addItems(["x", "y", "z"])
        self.axis.setCurrentText("z")
        self.axis.setToolTip("Axis of the active box along which the slabs are stacked")
        self.bin = QDoubleSpinBox()
        self.bin.setRange(0.05, 100.0)
        self.bin.setDecimals(2)
        self.bin.setSingleStep(0.1)
        self.bin.setValue(0.5)
        self.bin.setSuffix(" nm")
        self.bin.setToolTip("Slab thickness")
        self.cylinder = QCheckBox("Cylinder r")
        self.cylinder.setToolTip("Only atoms within this radius of the box's centre line along the axis")
        self.radius = QDoubleSpinBox()
        self.radius.setRange(0.1, 1000.0)
        self.radius.setDecimals(1)
        self.radius.setValue(3.0)
        self.radius.setSuffix(" nm")
        self.radius.setEnabled(False)
        self.radius.setToolTip("Cylinder radius")
        self.save_button = QPushButton("Save CSV…")
        self.save_button.setToolTip("Save the profile as CSV (the `hea-studio profile --csv` format)")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_requested.emit)
        self.status = QLabel("No profile yet.")
        self.status.setWordWrap(True)
        self.profile: CompositionProfile | None = None

        self.axis.currentTextChanged.connect(lambda _t: self.params_changed.emit())
        self.bin.valueChanged.connect(lambda _v: self.params_changed.emit())
        self.cylinder.toggled.connect(self.radius.setEnabled)
        self.cylinder.toggled.connect(lambda _on: self.params_changed.emit())
        self.radius.valueChanged.connect(lambda _v: self.params_changed.emit())

        # Two short rows rather than one long one: the dock shares the right column, and one row of
        # six controls made the whole main window at least 1213 px wide.
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Axis"))
        controls.addWidget(self.axis)
        controls.addWidget(QLabel("Slab"))
        controls.addWidget(self.bin)
        controls.addStretch(1)
        controls.addWidget(self.save_button)
        shape = QHBoxLayout()
        shape.addWidget(self.cylinder)
        shape.addWidget(self.radius)
        shape.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        layout.addLayout(shape)
        layout.addWidget(self.plot.widget, 1)
        layout.addWidget(self.status)

    @property
    def radius_nm(self) -> float | None:
        """The cylinder radius, or ``None`` for the whole box."""
        return float(self.radius.value()) if self.cylinder.isChecked() else None

    def set_colours(self, colours: dict[str, tuple[float, float, float]]) -> None:
        """Species colours from the range file."""
        self.plot.set_colours(colours)

    def set_profile(self, profile: CompositionProfile) -> None:
        """Show ``profile`` and summarise its interfaces."""
        self.profile = profile
        self.plot.set_profile(profile)
        self.save_button.setEnabled(True)
        found = [(n, interface_position(profile, n)) for n in profile.species]
        found_text = ", ".join(f"{n} {p:.2f}" for n, p in found if p is not None)
        self.status.setText(
            f"{len(profile.totals)} slabs, {int(profile.totals.sum()):,} atoms"
            + (f"; interfaces at {profile.axis} (nm): {found_text}" if found_text else "; no interface")
        )

    def set_message(self, text: str) -> None:
        """A status line (e.g. why there is no profile)."""
        self.status.setText(text)

    def save(self, store: QSettings) -> None:
        """Remember axis, slab width and cylinder."""
        store.setValue("profile/axis", self.axis.currentText())
        store.setValue("profile/bin_nm", self.bin.value())
        store.setValue("profile/cylinder", self.cylinder.isChecked())
        store.setValue("profile/radius_nm", self.radius.value())

    def restore(self, store: QSettings) -> None:
        """Restore what :meth:`save` kept (defaults where nothing was saved or it is unreadable)."""
        self.blockSignals(True)
        try:
            axis = str(store.value("profile/axis", "z"))
            if axis in ("x", "y", "z"):
                self.axis.setCurrentText(axis)
            try:
                self.bin.setValue(float(store.value("profile/bin_nm", 0.5)))
                self.radius.setValue(float(store.value("profile/radius_nm", 3.0)))
            except (TypeError, ValueError):
                pass
            self.cylinder.setChecked(str(store.value("profile/cylinder", "false")).lower() == "true")
        finally:
            self.blockSignals(False)
