"""The list of named sub-volumes and the exact coordinates of the active one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box


class SubVolumePanel(QWidget):
    """Named sub-volumes (one active), spin boxes in nm, and box shortcuts.

    The panel holds no model: the controller pushes the state in with :meth:`set_subvolumes` and
    :meth:`set_box`, and the panel reports the user's wishes through its signals.
    """

    box_edited = Signal(object)  # Box typed into the spin boxes
    activated = Signal(int)
    add_requested = Signal()
    remove_requested = Signal(int)
    renamed = Signal(int, str)
    largest_cube_requested = Signal()
    default_box_requested = Signal()
    highlight_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self.list = QListWidget()
        self.list.setToolTip("Named sub-volumes; the selected one is analysed. Double-click to rename.")
        self.list.setMaximumHeight(90)
        self.list.currentRowChanged.connect(self._row_changed)
        self.list.itemChanged.connect(self._item_changed)

        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add a sub-volume (a copy of the active one) and make it active")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Delete the selected sub-volume")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.list.currentRow()))
        self.cube_button = QPushButton("Largest cube")
        self.cube_button.setToolTip("Make the active box the largest cube that lies inside the specimen")
        self.cube_button.clicked.connect(self.largest_cube_requested)
        self.default_button = QPushButton("Largest box")
        self.default_button.setToolTip(
            "Make the active box the largest axis-aligned box inside the specimen (the default)"
        )
        self.default_button.clicked.connect(self.default_box_requested)

        self.spins: list[QDoubleSpinBox] = []
        grid = QGridLayout()
        grid.addWidget(QLabel("min (nm)"), 0, 1)
        grid.addWidget(QLabel("max (nm)"), 0, 2)
        for axis, name in enumerate("xyz"):
            grid.addWidget(QLabel(name), axis + 1, 0)
            for col in range(2):
                spin = QDoubleSpinBox()
                spin.setDecimals(2)
                spin.setSingleStep(0.5)
                spin.setRange(-1e5, 1e5)
                spin.setSuffix(" nm")
                spin.setKeyboardTracking(False)  # apply on Enter / focus out, not on every digit
                spin.setToolTip(f"{'Lower' if col == 0 else 'Upper'} {name} edge of the active box")
                spin.valueChanged.connect(self._spin_changed)
                grid.addWidget(spin, axis + 1, col + 1)
                self.spins.append(spin)

        self.size_label = QLabel("")
        self.size_label.setToolTip("Edge lengths and volume of the active box, and the atoms it holds")
        self.size_label.setWordWrap(True)
        self.highlight = QCheckBox("Highlight atoms inside the box")
        self.highlight.setToolTip("Dim the atoms outside the active box in the 3D view")
        self.highlight.toggled.connect(self.highlight_toggled)

        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button):
            buttons.addWidget(b)
        shortcuts = QHBoxLayout()
        for b in (self.cube_button, self.default_button):
            shortcuts.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addLayout(grid)
        layout.addWidget(self.size_label)
        layout.addLayout(shortcuts)
        layout.addWidget(self.highlight)
        layout.addStretch(1)

    # ---- state in -------------------------------------------------------------------------------
    def set_subvolumes(self, names: list[str], active: int) -> None:
        """Show the sub-volume names with ``active`` selected."""
        self._updating = True
        try:
            self.list.clear()
            for name in names:
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
            self.list.setCurrentRow(active)
            self.remove_button.setEnabled(len(names) > 1)
        finally:
            self._updating = False

    def set_box(self, box: Box | None, n_atoms: int | None = None) -> None:
        """Show the active box in the spin boxes."""
        if box is None:
            return
        self._updating = True
        try:
            for axis in range(3):
                self.spins[2 * axis].setValue(box.lo[axis])
                self.spins[2 * axis + 1].setValue(box.hi[axis])
        finally:
            self._updating = False
        sx, sy, sz = box.size
        text = f"{sx:.2f} x {sy:.2f} x {sz:.2f} nm = {box.volume:,.0f} nm³"
        if n_atoms is not None:
            text += f", {n_atoms:,} atoms"
        self.size_label.setText(text)

    def box(self) -> Box:
        """The box typed in the spin boxes (raises InputError if empty or inverted)."""
        v = [s.value() for s in self.spins]
        return Box((v[0], v[2], v[4]), (v[1], v[3], v[5]))

    # ---- user -> signals ------------------------------------------------------------------------
    def _spin_changed(self, _value: float) -> None:
        if self._updating:
            return
        try:
            box = self.box()
        except InputError:
            return  # an inverted box while typing: wait for the other edge
        self.box_edited.emit(box)

    def _row_changed(self, row: int) -> None:
        if not self._updating and row >= 0:
            self.activated.emit(row)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if not self._updating:
            self.renamed.emit(self.list.row(item), item.text())
