"""Display controls of the 3D view: species colours and visibility, point size, display budget."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

RGB = tuple[float, float, float]


def _swatch_style(rgb: RGB) -> str:
    r, g, b = (round(255 * c) for c in rgb)
    return f"background-color: rgb({r},{g},{b}); border: 1px solid #555; min-width: 28px;"


class SpeciesPanel(QWidget):
    """One row per species (visible check box, colour button, atom count) plus view settings."""

    visibility_changed = Signal(int, bool)
    colour_changed = Signal(int, object)  # index, (r, g, b) in 0..1
    point_size_changed = Signal(float)
    budget_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[QCheckBox, QPushButton, QLabel]] = []
        self._colours: list[RGB] = []
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)

        self.point_size = QDoubleSpinBox()
        self.point_size.setRange(1.0, 20.0)
        self.point_size.setSingleStep(0.5)
        self.point_size.setValue(4.0)
        self.point_size.setSuffix(" px")
        self.point_size.setToolTip("Diameter of each drawn atom in screen pixels")
        self.point_size.valueChanged.connect(self.point_size_changed)
        self.budget = QSpinBox()
        self.budget.setRange(1000, 50_000_000)
        self.budget.setSingleStep(50_000)
        self.budget.setGroupSeparatorShown(True)
        self.budget.setKeyboardTracking(False)
        self.budget.setToolTip(
            "At most this many atoms are drawn (a random subset). The default depends on the "
            "OpenGL renderer: about 1e5 for software rendering, millions on a graphics card."
        )
        self.budget.valueChanged.connect(self.budget_changed)
        self.shown_label = QLabel("no dataset")
        self.shown_label.setTextFormat(Qt.TextFormat.PlainText)
        self.shown_label.setToolTip("Atoms drawn in the 3D view out of the atoms of the visible species")

        form = QFormLayout()
        form.addRow("Point size", self.point_size)
        form.addRow("Display budget", self.budget)
        layout = QVBoxLayout(self)
        layout.addLayout(self.grid)
        layout.addLayout(form)
        layout.addWidget(self.shown_label)
        layout.addStretch(1)

    def set_species(self, names: list[str], colours: list[RGB], counts: list[int]) -> None:
        """Rebuild the rows for a new dataset (all species visible)."""
        for widgets in self._rows:
            for w in widgets:
                self.grid.removeWidget(w)
                w.deleteLater()
        self._rows = []
        self._colours = list(colours)
        for i, (name, rgb, count) in enumerate(zip(names, colours, counts)):
            check = QCheckBox(name)
            check.setChecked(True)
            check.setToolTip(f"Show or hide {name} atoms in the 3D view")
            check.toggled.connect(lambda on, i=i: self.visibility_changed.emit(i, on))
            button = QPushButton()
            button.setStyleSheet(_swatch_style(rgb))
            button.setToolTip(f"Colour of {name}; click to change it")
            button.clicked.connect(lambda _=False, i=i: self._pick_colour(i))
            label = QLabel(f"{count:,}")
            label.setToolTip(f"{name} atoms in the dataset")
            self.grid.addWidget(check, i, 0)
            self.grid.addWidget(button, i, 1)
            self.grid.addWidget(label, i, 2)
            self._rows.append((check, button, label))

    def set_colour(self, index: int, rgb: RGB) -> None:
        """Change a species colour (updates the swatch and emits ``colour_changed``)."""
        self._colours[index] = tuple(float(c) for c in rgb[:3])  # type: ignore[assignment]
        self._rows[index][1].setStyleSheet(_swatch_style(self._colours[index]))
        self.colour_changed.emit(index, self._colours[index])

    def show_state(self, index: int, rgb: RGB, visible: bool) -> None:
        """Show a species' colour and visibility set elsewhere (a project, undo) without emitting."""
        if not 0 <= index < len(self._rows):
            return
        check, button, _ = self._rows[index]
        self._colours[index] = tuple(float(c) for c in rgb[:3])  # type: ignore[assignment]
        button.setStyleSheet(_swatch_style(self._colours[index]))
        check.blockSignals(True)
        check.setChecked(bool(visible))
        check.blockSignals(False)

    def set_budget(self, budget: int) -> None:
        """Show the budget without emitting ``budget_changed``."""
        self.budget.blockSignals(True)
        self.budget.setValue(int(budget))
        self.budget.blockSignals(False)

    def set_shown(self, shown: int, candidates: int, total: int) -> None:
        """Update "showing N of M atoms"."""
        text = f"Showing {shown:,} of {candidates:,} atoms"
        if candidates != total:
            text += f" ({total:,} in the dataset)"
        self.shown_label.setText(text)

    def _pick_colour(self, index: int) -> None:
        r, g, b = (round(255 * c) for c in self._colours[index])
        colour = QColorDialog.getColor(QColor(r, g, b), self, "Species colour")
        if colour.isValid():
            self.set_colour(index, (colour.redF(), colour.greenF(), colour.blueF()))
