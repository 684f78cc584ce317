"""Analysis settings side panel: cube edges, mode, minimum atoms, entropy elements, lattice, sublattices.

The values are remembered in QSettings between runs (group ``analysis``); the window also remembers
them per dataset (:mod:`hea_studio.app.dataset_settings`) and shows a dataset's own settings when it
is opened. A bad edge list stays in the line edit, marked red with the reason in its tooltip, and
the last good settings stay in force. The lattice is "none" until the user picks the structure of
the specimen: SUME is then reported without unit cells.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hea_studio.core import memory
from hea_studio.core.errors import InputError
from hea_studio.core.settings import (
    ATOMS_PER_CELL,
    COCUFENI_LATTICE,
    PRIMARY_SUME_METHODS,
    AnalysisSettings,
    Lattice,
    parse_sizes,
)
from hea_studio.core.sublattices import Sublattice, check_sublattices

NO_LATTICE = "none"
# Offered in this order; each with a typical lattice parameter (nm) filled in when it is picked.
TYPICAL_A_NM = {
    "fcc": (COCUFENI_LATTICE.a_nm, "CoCuFeNi"),
    "bcc": (0.2866, "α-Fe"),
    "hcp": (0.2507, "Co"),
    "rock-salt": (0.4216, "(MgCoNiCuZn)O"),
    "spinel": (0.8320, "(CoCrFeMnNi)3O4"),
    "perovskite": (0.3905, "SrTiO3"),
}
LATTICES = tuple(s for s in TYPICAL_A_NM if s in ATOMS_PER_CELL) + tuple(
    s for s in ATOMS_PER_CELL if s not in TYPICAL_A_NM
)


def format_sizes(sizes: tuple[float, ...]) -> str:
    """Cube edges as the edit shows them: ``start:stop:step`` for an even grid, else a list."""
    if len(sizes) >= 3:
        step = sizes[1] - sizes[0]
        if step > 0 and all(abs((b - a) - step) < 1e-9 for a, b in pairwise(sizes)):
            return f"{sizes[0]:g}:{sizes[-1]:g}:{step:g}"
    return ",".join(f"{v:g}" for v in sizes)


# Every default shown comes from AnalysisSettings(), as the command line's and the project's do.
DEFAULTS = AnalysisSettings()
DEFAULT_EDGES = format_sizes(DEFAULTS.sizes_nm)


PRINCIPAL_TIP = "Use every element with at least 5 at.% in the box; untick to choose the elements"

# The sublattice editor (science.md 8): a preset, or "custom" with the specs typed in.
NO_SUBLATTICES = "none (all atoms)"
SUBLATTICE_CHOICES = (NO_SUBLATTICES, "cations", "rock-salt", "spinel", "perovskite", "custom")
SUBLATTICE_HINTS = {
    NO_SUBLATTICES: "",
    "cations": "one sublattice: every cation (≥ 5 % of the metals)",
    "rock-salt": "AX: cations on A, O/N/C on X",
    "spinel": "A=Mg,Co:B=Fe,Cr  (AB2O4)",
    "perovskite": "A=La,Sr:B=Co,Fe  (ABO3)",
    "custom": "A:Mg,Fe:0.33:1; B:Fe:0.67,Cr:2; O:O:4",
}
SUBLATTICE_TIP = (
    "Sublattices of a compound (science.md 8): every cube's atoms are split by sublattice and the "
    "curve, the random reference and SUME are reported per formula unit and per site; the class is "
    "that of the mixing sublattice(s). Presets: cations; rock-salt AX; spinel AB2O4 and perovskite "
    "ABO3 with A and B given as A=..:B=..; custom: NAME:ELEMENTS:SITES separated by ';' (an element on "
    "two sublattices needs its share on each, e.g. Fe:0.33). Remembered per dataset."
)


def sublattice_fields(choice: str, text: str) -> dict:
    """``sublattices``/``sublattice_preset`` of the editor's choice and text (InputError if unreadable)."""
    text = text.strip()
    if choice == NO_SUBLATTICES:
        return {"sublattices": None, "sublattice_preset": None}
    if choice in ("cations", "rock-salt"):
        return {"sublattices": None, "sublattice_preset": choice}
    if choice in ("spinel", "perovskite"):
        if not text:
            raise InputError(f"{choice}: give A and B, e.g. {SUBLATTICE_HINTS[choice].split()[0]}")
        return {"sublattices": None, "sublattice_preset": f"{choice}:{text}"}
    subs = tuple(Sublattice.parse(t) for t in text.replace("\n", ";").split(";") if t.strip())
    check_sublattices(subs)
    return {"sublattices": subs, "sublattice_preset": None}


def sublattice_choice(settings: AnalysisSettings) -> tuple[str, str]:
    """The editor's (choice, text) showing ``settings``."""
    if settings.sublattices:
        return "custom", "; ".join(s.spec() for s in settings.sublattices)
    if settings.sublattice_preset:
        name, _, rest = settings.sublattice_preset.partition(":")
        return name.strip().lower(), rest
    return NO_SUBLATTICES, ""


SUME_METHOD_TIP = (
    "What the headline SUME holds (science.md 5). hinge-deficit (default): the hinge on the deficit "
    "D(L) = S_null - S_mean, the scale below which chemistry, not counting noise, lowers the entropy: "
    "the material's number, independent of the detection efficiency. hinge-bulk: the apparent SUME, "
    "the hinge on S(L) itself; it includes counting noise, so it moves with the instrument. "
    "tangent-free: the 2024 paper's two free tangents. All are always in the JSON."
)
GB = float(1 << 30)


class SettingsPanel(QWidget):
    """Edits an :class:`AnalysisSettings`; emits ``settings_changed`` with the new value, and
    ``memory_budget_changed`` with the memory budget in bytes (a machine setting, not an analysis one)."""

    settings_changed = Signal(object)
    memory_budget_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self._last_good = DEFAULTS
        self._principal: set[str] = set()

        self.edges = QLineEdit(DEFAULT_EDGES)
        self.edges.setToolTip(
            "Cube edges L in nm: a list (1,1.5,2) or start:stop:step with stop included (0.5:10:0.5)"
        )
        self.edges.editingFinished.connect(self._changed)
        self.mode = QComboBox()
        self.mode.addItems(["tiling", "paper"])
        self.mode.setToolTip(
            "tiling: every whole cube of edge L inside the box; paper: 9 cubes at the centre and the "
            "octant centres (the paper's hand-picked cubes, made reproducible)"
        )
        self.mode.currentTextChanged.connect(self._changed)
        self.min_atoms = QSpinBox()
        self.min_atoms.setRange(1, 100_000)
        self.min_atoms.setValue(DEFAULTS.min_atoms)
        self.min_atoms.setKeyboardTracking(False)
        self.min_atoms.setToolTip("Cubes holding fewer atoms of the entropy elements are left out")
        self.min_atoms.valueChanged.connect(self._changed)
        self.bootstrap = QSpinBox()
        self.bootstrap.setRange(0, 10_000)
        self.bootstrap.setValue(DEFAULTS.bootstrap)
        self.bootstrap.setKeyboardTracking(False)
        self.bootstrap.setToolTip("Bootstrap resamples for the 95 % interval of SUME (0: no interval)")
        self.bootstrap.valueChanged.connect(self._changed)

        self.auto_elements = QCheckBox("principal elements (≥ 5 at.%)")
        self.auto_elements.setChecked(True)
        self.auto_elements.setToolTip(PRINCIPAL_TIP)
        self.auto_elements.toggled.connect(self._auto_toggled)
        self.elements = QListWidget()
        self.elements.setMaximumHeight(110)
        # In the short strip under the 3D view the panel scrolls rather than squeezing the list.
        self.elements.setMinimumHeight(90)
        self.elements.setEnabled(False)
        self.elements.setToolTip("Entropy elements: the species that enter S = -R Σ x ln x")
        self.elements.itemChanged.connect(self._changed)

        self.lattice = QComboBox()
        self.lattice.addItem(NO_LATTICE)
        for name in LATTICES:
            self.lattice.addItem(f"{name}")
        self.lattice.setToolTip(
            "Crystal structure of this dataset, used to express SUME in unit cells and atoms "
            "(atoms per cell: "
            + ", ".join(f"{name} {ATOMS_PER_CELL[name]}" for name in LATTICES)
            + "). none: SUME without unit cells. Chosen per dataset."
        )
        self.lattice.currentTextChanged.connect(self._lattice_picked)
        self.lattice_a = QDoubleSpinBox()
        self.lattice_a.setDecimals(5)
        self.lattice_a.setRange(0.1, 2.0)
        self.lattice_a.setSingleStep(0.001)
        self.lattice_a.setValue(TYPICAL_A_NM["fcc"][0])
        self.lattice_a.setSuffix(" nm")
        self.lattice_a.setKeyboardTracking(False)
        self.lattice_a.setEnabled(False)
        self.lattice_a.setToolTip(
            "Lattice parameter a in nm (cubic cell; hcp: a of the hexagonal prism). Picking a "
            "structure fills in a typical value: enter the one of your specimen"
        )
        self.lattice_a.valueChanged.connect(self._changed)
        lattice_row = QHBoxLayout()
        lattice_row.addWidget(self.lattice)
        lattice_row.addWidget(self.lattice_a, 1)

        self.sublattice = QComboBox()
        self.sublattice.addItems(list(SUBLATTICE_CHOICES))
        self.sublattice.setToolTip(SUBLATTICE_TIP)
        self.sublattice.currentTextChanged.connect(self._sublattice_picked)
        self.sublattice_spec = QLineEdit()
        self.sublattice_spec.setEnabled(False)
        self.sublattice_spec.setToolTip(SUBLATTICE_TIP)
        self.sublattice_spec.editingFinished.connect(self._changed)
        sublattice_row = QVBoxLayout()
        sublattice_row.setContentsMargins(0, 0, 0, 0)
        sublattice_row.addWidget(self.sublattice)
        sublattice_row.addWidget(self.sublattice_spec)

        self.sume_method = QComboBox()
        self.sume_method.addItems(list(PRIMARY_SUME_METHODS))
        self.sume_method.setToolTip(SUME_METHOD_TIP)
        self.sume_method.currentTextChanged.connect(self._changed)
        self.memory_budget = QDoubleSpinBox()
        self.memory_budget.setDecimals(1)
        self.memory_budget.setRange(0.5, max(1.0, round(memory.machine_memory() / GB, 1)))
        self.memory_budget.setSingleStep(0.5)
        self.memory_budget.setSuffix(" GB")
        self.memory_budget.setKeyboardTracking(False)
        self.memory_budget.setValue(memory.default_budget() / GB)
        self.memory_budget.setToolTip(
            "How much memory an analysis may plan for: it sets the size of the voxel tables that make "
            "the curve fast, and a run whose estimate exceeds it is announced in the status bar before "
            f"it starts. Default: a quarter of this machine's memory ({memory.default_budget() / GB:.1f} GB)."
        )
        self.memory_budget.valueChanged.connect(lambda v: self.memory_budget_changed.emit(int(v * GB)))

        form = QFormLayout()
        form.addRow("Cube edges", self.edges)
        form.addRow("Mode", self.mode)
        form.addRow("Min. atoms", self.min_atoms)
        form.addRow("Bootstrap", self.bootstrap)
        form.addRow("Lattice", lattice_row)
        form.addRow("Sublattices", sublattice_row)
        form.addRow("SUME method", self.sume_method)
        form.addRow("Memory budget", self.memory_budget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.auto_elements)
        layout.addWidget(self.elements)
        layout.addStretch(1)

    # ---- species of the open dataset ------------------------------------------------------------
    def set_species(
        self, names: list[str], principal: list[str] | None = None, note: str | None = None
    ) -> None:
        """Offer ``names`` as entropy elements; ``principal`` are ticked by default.

        ``note`` says why the default is a compound's cations (then the default's label says so).
        """
        if note:
            self.auto_elements.setText("cations (≥ 5 % of the metal atoms)")
            self.auto_elements.setToolTip(note + "; untick to choose the elements")
        else:
            self.auto_elements.setText("principal elements (≥ 5 at.%)")
            self.auto_elements.setToolTip(PRINCIPAL_TIP)
        chosen = set(principal or names)
        self._principal = chosen
        previous = self._ticked()
        self._updating = True
        try:
            self.elements.clear()
            for name in names:
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                ticked = (
                    name in previous if previous and not self.auto_elements.isChecked() else name in chosen
                )
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
                self.elements.addItem(item)
        finally:
            self._updating = False

    def _tick_principal(self) -> None:
        """Tick the principal elements of the dataset (what "principal elements" computes)."""
        for i in range(self.elements.count()):
            item = self.elements.item(i)
            on = item.text() in self._principal
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _ticked(self) -> list[str]:
        out = []
        for i in range(self.elements.count()):
            item = self.elements.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.text())
        return out

    # ---- value ----------------------------------------------------------------------------------
    def settings(self) -> AnalysisSettings:
        """The settings shown (raises :class:`InputError` for an unreadable edge list)."""
        sizes = parse_sizes(self.edges.text())
        subs = sublattice_fields(self.sublattice.currentText(), self.sublattice_spec.text())
        with_subs = subs["sublattices"] is not None or subs["sublattice_preset"] is not None
        # Sublattices choose the entropy elements themselves.
        elements = None if (self.auto_elements.isChecked() or with_subs) else tuple(self._ticked())
        if elements is not None and len(elements) < 2:
            raise InputError("choose at least two entropy elements")
        structure = self.lattice.currentText()
        lattice = None if structure == NO_LATTICE else Lattice(structure, self.lattice_a.value())
        return AnalysisSettings(
            sizes_nm=sizes,
            mode=self.mode.currentText(),
            min_atoms=self.min_atoms.value(),
            elements=elements,
            lattice=lattice,
            bootstrap=self.bootstrap.value(),
            sume_method=self.sume_method.currentText(),
            **subs,
        )

    @property
    def current(self) -> AnalysisSettings:
        """The last valid settings."""
        return self._last_good

    def _lattice_picked(self, structure: str) -> None:
        self.lattice_a.setEnabled(structure != NO_LATTICE)
        if not self._updating and structure in TYPICAL_A_NM:
            # The previous structure's parameter is surely wrong for this one (fcc 0.358 nm for a
            # spinel would give 12x too many cells): start from a typical value the user then edits.
            a_nm, example = TYPICAL_A_NM[structure]
            self._updating = True
            try:
                self.lattice_a.setValue(a_nm)
            finally:
                self._updating = False
            self.lattice_a.setToolTip(
                f"Lattice parameter a in nm; {a_nm:g} nm is typical of {example}: enter the one of "
                "your specimen"
            )
        self._changed()

    def _set_lattice(self, lattice: Lattice | None) -> None:
        """Show ``lattice`` (``None``: "none") without emitting a change."""
        if lattice is None or lattice.structure not in LATTICES:
            self.lattice.setCurrentText(NO_LATTICE)
        else:
            self.lattice.setCurrentText(lattice.structure)
            self.lattice_a.setValue(lattice.a_nm)
        self.lattice_a.setEnabled(self.lattice.currentText() != NO_LATTICE)

    def _sublattice_picked(self, choice: str) -> None:
        needs_text = choice in ("spinel", "perovskite", "custom")
        self.sublattice_spec.setEnabled(needs_text)
        self.sublattice_spec.setPlaceholderText(SUBLATTICE_HINTS.get(choice, ""))
        on = choice != NO_SUBLATTICES
        self.auto_elements.setEnabled(not on)
        self.elements.setEnabled(not on and not self.auto_elements.isChecked())
        if needs_text and not self.sublattice_spec.text().strip() and not self._updating:
            self.sublattice_spec.setFocus()
            return  # wait for the text
        self._changed()

    def _auto_toggled(self, on: bool) -> None:
        self.elements.setEnabled(not on)
        self._changed()

    def _changed(self, *_args) -> None:
        if self._updating:
            return
        try:
            sublattice_fields(self.sublattice.currentText(), self.sublattice_spec.text())
        except InputError as exc:
            self.sublattice_spec.setStyleSheet("background: #ffd6d6;")
            self.sublattice_spec.setToolTip(str(exc))
            return
        self.sublattice_spec.setStyleSheet("")
        self.sublattice_spec.setToolTip(SUBLATTICE_TIP)
        try:
            value = self.settings()
        except InputError as exc:
            self.edges.setStyleSheet("background: #ffd6d6;")
            self.setToolTip(str(exc))
            self.edges.setToolTip(str(exc))
            return
        self.edges.setStyleSheet("")
        self.edges.setToolTip("Cube edges L in nm: a list (1,1.5,2) or start:stop:step (0.5:10:0.5)")
        if value != self._last_good:
            self._last_good = value
            self.settings_changed.emit(value)

    def apply(self, settings: AnalysisSettings) -> None:
        """Show ``settings`` (e.g. from a project file) and emit them as the current ones."""
        self._updating = True
        try:
            self.edges.setText(format_sizes(settings.sizes_nm))
            self.mode.setCurrentText(settings.mode)
            self.min_atoms.setValue(settings.min_atoms)
            self.bootstrap.setValue(settings.bootstrap)
            self.auto_elements.setChecked(settings.elements is None)
            self.elements.setEnabled(settings.elements is not None)
            if settings.elements is None:
                self._tick_principal()
            else:
                wanted = set(settings.elements)
                present = {self.elements.item(i).text() for i in range(self.elements.count())}
                for name in settings.elements:
                    if name not in present:
                        item = QListWidgetItem(name)
                        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                        self.elements.addItem(item)
                for i in range(self.elements.count()):
                    item = self.elements.item(i)
                    on = item.text() in wanted
                    item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self._set_lattice(settings.lattice)
            self._set_sublattices(*sublattice_choice(settings))
            self.sume_method.setCurrentText(settings.sume_method)
        finally:
            self._updating = False
        self._changed()

    def _set_sublattices(self, choice: str, text: str) -> None:
        """Show the sublattice editor's ``choice`` and ``text`` without emitting a change."""
        if choice not in SUBLATTICE_CHOICES:
            choice, text = NO_SUBLATTICES, ""
        try:
            sublattice_fields(choice, text)
        except InputError:
            choice, text = NO_SUBLATTICES, ""  # written by another version, or never valid
        self.sublattice_spec.setText(text)
        self.sublattice.setCurrentText(choice)
        self._sublattice_picked(choice)

    # ---- persistence ----------------------------------------------------------------------------
    def save(self, store: QSettings) -> None:
        """Remember the settings."""
        store.beginGroup("analysis")
        store.setValue("edges", self.edges.text())
        store.setValue("mode", self.mode.currentText())
        store.setValue("min_atoms", self.min_atoms.value())
        store.setValue("bootstrap", self.bootstrap.value())
        store.setValue("auto_elements", self.auto_elements.isChecked())
        store.setValue("elements", ",".join(self._ticked()))
        store.setValue("lattice", self.lattice.currentText())
        store.setValue("lattice_a", self.lattice_a.value())
        store.setValue("sublattice", self.sublattice.currentText())
        store.setValue("sublattice_spec", self.sublattice_spec.text())
        store.setValue("sume_headline_method", self.sume_method.currentText())
        store.setValue("memory_budget_gb", self.memory_budget.value())
        store.endGroup()

    def memory_budget_bytes(self) -> int:
        """The memory budget shown, in bytes."""
        return int(self.memory_budget.value() * GB)

    def restore(self, store: QSettings) -> None:
        """Restore remembered settings (unreadable values are ignored)."""
        store.beginGroup("analysis")
        self._updating = True
        try:
            self.edges.setText(str(store.value("edges", DEFAULT_EDGES)))
            self.mode.setCurrentText(str(store.value("mode", "tiling")))
            self.min_atoms.setValue(_int(store.value("min_atoms"), DEFAULTS.min_atoms))
            self.bootstrap.setValue(_int(store.value("bootstrap"), DEFAULTS.bootstrap))
            self.auto_elements.setChecked(str(store.value("auto_elements", "true")).lower() == "true")
            self.elements.setEnabled(not self.auto_elements.isChecked())
            names = [n for n in str(store.value("elements", "")).split(",") if n]
            if names:
                self.set_species(names, names)
            lattice = str(store.value("lattice", NO_LATTICE))
            self.lattice.setCurrentText(lattice if lattice in LATTICES else NO_LATTICE)
            self.lattice_a.setValue(_float(store.value("lattice_a"), TYPICAL_A_NM["fcc"][0]))
            self.lattice_a.setEnabled(self.lattice.currentText() != NO_LATTICE)
            self._set_sublattices(
                str(store.value("sublattice", NO_SUBLATTICES)), str(store.value("sublattice_spec", ""))
            )
            # A new key: the old one remembered "hinge-bulk", the default before the deficit hinge led.
            method = str(store.value("sume_headline_method", PRIMARY_SUME_METHODS[0]))
            self.sume_method.setCurrentText(
                method if method in PRIMARY_SUME_METHODS else PRIMARY_SUME_METHODS[0]
            )
            self.memory_budget.blockSignals(True)
            self.memory_budget.setValue(_float(store.value("memory_budget_gb"), memory.default_budget() / GB))
            self.memory_budget.blockSignals(False)
        finally:
            self._updating = False
            store.endGroup()
        try:
            self._last_good = self.settings()
        except InputError:
            self.edges.setText(DEFAULT_EDGES)
            self._last_good = self.settings()


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
