"""The mass spectrum dock: the spectrum with its ranges, a ranges table, and the tools to edit them.

Mouse: left-drag on the spectrum draws a new range; drag a band's edge to resize it (its body to
move it); click a band to select it; click elsewhere to list the ions that could make a peak there;
Shift-drag pans, the wheel zooms the m/n axis. Delete removes the selected range. Every edit becomes a
new :class:`~hea_studio.core.ranges.RangeTable` sent out as :attr:`SpectrumPanel.ranges_edited`; the
window makes it an undo step and has the ions ranged anew in the worker. The panel draws only binned
counts, never touches the ions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hea_studio.compute.spectrum.fit import match_tolerance, suggest_ranges
from hea_studio.compute.spectrum.isotope_check import MOLECULES
from hea_studio.compute.spectrum.mass import MassSpectrum, Peak, find_peaks
from hea_studio.core import range_edits as edits
from hea_studio.core.errors import InputError
from hea_studio.core.isotopes import candidate_ions, ion_peaks, parse_charged
from hea_studio.core.ranges import RangeTable
from hea_studio.plots.spectrum import SpectrumPlot, range_colour, rgb255
from hea_studio.widgets.range_proposals import RangeProposals

# Elements proposed first when a new range is drawn or a peak clicked (common in metals' spectra).
COMMON = ("H", "C", "N", "O", "Al", "Si", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Mo")


def likeliest_ion(mn: float, bin_width: float, species=()) -> str:
    """The ion to name a range drawn over a peak at ``mn``: among the species of the table, common
    elements and common molecular ions (H2+ at 2.02 Da, H2O+ at 18.01 Da) with a line there, a
    species of the table first, then the strongest line, then an element before a molecule; else
    the element with any line nearest to it."""
    known = [k for k in dict.fromkeys([*species, *COMMON]) if _is_formula(k)]
    found = candidate_ions(mn, match_tolerance(mn, bin_width), known, MOLECULES)
    if found:
        in_table = set(species)
        found.sort(
            key=lambda p: (p.ion not in in_table, -round(p.abundance, 1), p.ion in MOLECULES, abs(p.mn - mn))
        )
        return found[0].ion
    near = candidate_ions(mn, 0.5, None, (), min_abundance=0.0)
    return min(near, key=lambda p: abs(p.mn - mn)).ion if near else "H"


class _Band(pg.LinearRegionItem):
    """A range band that reports clicks on itself (pyqtgraph's region only reports drags)."""

    clicked = Signal(object)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.clicked.emit(self)
        else:
            super().mouseClickEvent(ev)


class _SpectrumViewBox(pg.ViewBox):
    """Left-drag draws a range, a click asks what is there; Shift-drag or the middle button pans."""

    range_drawn = Signal(float, float)
    clicked_at = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.setMouseEnabled(x=True, y=False)
        self._draft: pg.LinearRegionItem | None = None

    def mouseDragEvent(self, ev, axis=None) -> None:
        drawing = ev.button() == Qt.MouseButton.LeftButton and not (
            ev.modifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        if not drawing:
            if ev.button() == Qt.MouseButton.LeftButton:
                # Shift-drag pans like pyqtgraph's plain left-drag.
                ev.accept()
                delta = self.mapToView(ev.lastPos()) - self.mapToView(ev.pos())
                self.translateBy(x=delta.x(), y=0)
                return
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        x0 = self.mapSceneToView(ev.buttonDownScenePos()).x()
        x1 = self.mapSceneToView(ev.scenePos()).x()
        if ev.isStart() or self._draft is None:
            self._draft = pg.LinearRegionItem(
                values=(x0, x1), brush=pg.mkBrush(60, 60, 60, 50), movable=False
            )
            self.addItem(self._draft)
        self._draft.setRegion((min(x0, x1), max(x0, x1)))
        if ev.isFinish():
            self.removeItem(self._draft)
            self._draft = None
            if abs(x1 - x0) > 0:
                self.range_drawn.emit(min(x0, x1), max(x0, x1))

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.clicked_at.emit(self.mapSceneToView(ev.scenePos()).x())
        else:
            super().mouseClickEvent(ev)


_UNLIMITED = 16_777_215  # Qt's QWIDGETSIZE_MAX


class _RangesTable(QTableWidget):
    """The ranges table; Delete or Backspace removes the selected range."""

    delete_pressed = Signal()

    def keyPressEvent(self, event) -> None:
        if (
            event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.state() != self.State.EditingState
        ):
            event.accept()
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class SpectrumPanel(QWidget):
    """Spectrum, range bands, ranges table and tools.

    Signals
    -------
    ranges_edited(object, str)
        A new range table made by an edit, and a short description for the undo menu.
    spectrum_requested(float, bool)
        Bin the spectrum again: bin width in Da, and whether of the active sub-volume only.
    save_requested()
        The "Save ranges" button.
    """

    ranges_edited = Signal(object, str)
    spectrum_requested = Signal(float, bool)
    save_requested = Signal()

    COLUMNS = ("Ion", "From (Da)", "To (Da)", "Ions", "")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table: RangeTable | None = None
        self.spectrum: MassSpectrum | None = None
        self.peaks: list[Peak] = []
        self.selected = -1
        self._filling = False
        self.view_box = _SpectrumViewBox()
        self.plot = SpectrumPlot(view_box=self.view_box)
        self.plot.widget.setToolTip(
            "Drag to add a range; drag a band's edge to resize it; click a band to select it (Del "
            "removes it); click a peak to list candidate ions; Shift-drag pans, the wheel zooms"
        )

        self.source = QComboBox()
        self.source.addItems(["Whole run", "Active sub-volume"])
        self.source.setToolTip("Bin the ions of the whole run or only those inside the active sub-volume")
        self.bin = QDoubleSpinBox()
        self.bin.setDecimals(3)
        self.bin.setRange(0.001, 1.0)
        self.bin.setSingleStep(0.005)
        self.bin.setValue(0.01)
        self.bin.setSuffix(" Da")
        self.bin.setToolTip("Bin width of the histogram (computed in the background)")
        self.log = QCheckBox("Log")
        self.log.setChecked(True)
        self.log.setToolTip("Logarithmic counts (small peaks next to large ones)")
        self.suggest_edit = QLineEdit()
        self.suggest_edit.setPlaceholderText("elements, e.g. Co,Cu,Fe,Ni")
        self.suggest_edit.setToolTip("Elements or molecular ions to place ranges for (comma-separated)")
        self.suggest_button = QPushButton("Suggest ranges")
        self.suggest_button.setToolTip(
            "Propose ranges on the peaks matching the isotope patterns of these elements (charges 1-3) "
            "where there is no range yet; accept them one by one or all (each acceptance can be undone)"
        )
        self.overlay_edit = QLineEdit()
        self.overlay_edit.setPlaceholderText("Ni, CrO, Fe2+")
        self.overlay_edit.setToolTip(
            "Show the expected peaks of an element or molecular ion with natural isotope abundances "
            "(a charge such as Fe2+ shows that charge only; none shows 1+, 2+ and 3+)"
        )
        self.save_button = QPushButton("Save ranges…")
        self.save_button.setToolTip("Write the ranges as a .rrng file (File > Save ranges)")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove the selected range (Del)")

        # One row when the dock is wide; the isotope field gets a row of its own when it is narrow
        # (a 1280-pixel window), see _arrange.
        tools = self._tools = QHBoxLayout()
        for w in (self.source, QLabel("Bin"), self.bin, self.log):
            tools.addWidget(w)
        tools.addStretch(1)  # keeps the short row together when the isotope field is not in it
        self._overlay_label = QLabel("Isotopes")
        overlay_row = self._overlay_row = QHBoxLayout()
        overlay_row.addWidget(self._overlay_label)
        overlay_row.addWidget(self.overlay_edit, 1)
        self.suggest_edit.setMinimumWidth(90)
        self.overlay_edit.setMinimumWidth(70)
        tools2 = QHBoxLayout()
        for w in (self.suggest_edit, self.suggest_button):
            tools2.addWidget(w)
        tools3 = QHBoxLayout()
        for w in (self.delete_button, self.save_button):
            tools3.addWidget(w)

        self.ranges_view = _RangesTable(0, len(self.COLUMNS))
        self.ranges_view.setHorizontalHeaderLabels(self.COLUMNS)
        self.ranges_view.verticalHeader().setVisible(False)
        header = self.ranges_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(4, 44)
        header.setStretchLastSection(False)
        self.ranges_view.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.ranges_view.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.ranges_view.setToolTip(
            "Double-click to edit an ion (e.g. Fe, CrO2, Fe2+) or a bound; double-click a colour to change it"
        )
        self.ranges_view.setMinimumWidth(240)

        self.info = QLabel("")
        # Range names are the user's text: never rendered as markup (a name "<h1>X" was a heading).
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = QLabel("")
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00000")

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(tools)
        lv.addLayout(overlay_row)
        self.plot.widget.setMinimumHeight(160)
        lv.addWidget(self.plot.widget, 1)
        lv.addWidget(self.warning)
        lv.addWidget(self.info)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(tools2)
        rv.addWidget(self.ranges_view, 1)
        self.proposals = RangeProposals()
        rv.addWidget(self.proposals, 1)
        rv.addLayout(tools3)
        split = self.split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)
        self._watched: QWidget | None = None

        self.view_box.range_drawn.connect(self.add_range)
        self.view_box.clicked_at.connect(self.clicked_at)
        self.log.toggled.connect(self.plot.set_log)
        self.bin.editingFinished.connect(self._request_spectrum)
        self.source.currentIndexChanged.connect(lambda _i: self._request_spectrum())
        self.suggest_button.clicked.connect(self.suggest)
        self.suggest_edit.returnPressed.connect(self.suggest)
        self.proposals.accepted.connect(self.accept_proposals)
        self.proposals.changed.connect(self.plot.set_proposals)
        self.overlay_edit.editingFinished.connect(self.show_overlay)
        self.save_button.clicked.connect(self.save_requested)
        self.delete_button.clicked.connect(self.delete_selected)
        self.ranges_view.itemChanged.connect(self._cell_edited)
        self.ranges_view.itemSelectionChanged.connect(self._row_selected)
        self.ranges_view.cellDoubleClicked.connect(self._cell_double_clicked)
        self.ranges_view.delete_pressed.connect(self.delete_selected)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self)
        delete.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete.activated.connect(self.delete_selected)

    # ---- data in --------------------------------------------------------------------------------

    # ---- layout -----------------------------------------------------------------------------------
    NARROW_PX = 720
    """Below this width the ranges table goes under the spectrum instead of beside it."""

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # The panel sits in a scroll area: its width is the scroll area's, not its own minimum, so
        # the arrangement follows the viewport (a side-by-side layout there would scroll sideways).
        parent = self.parentWidget()
        if isinstance(parent, QWidget) and parent is not self._watched:
            area = parent.parentWidget()
            if isinstance(area, QScrollArea):
                parent.installEventFilter(self)
                self._watched = parent
        self._arrange()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._watched and event.type() == QEvent.Type.Resize:
            self._arrange()
        return super().eventFilter(watched, event)

    def _arrange(self) -> None:
        """Ranges table beside the spectrum when there is room, else below it (refitted at every
        resize of the dock: a height the user dragged the splitter to is a wish for that size)."""
        view = self._watched if self._watched is not None else self
        width, height = view.width(), view.height()
        vertical = width < self.NARROW_PX
        want = Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal
        switched = self.split.orientation() != want
        if switched:
            self.split.setOrientation(want)
        left, right = self.split.widget(0), self.split.widget(1)
        self._place_overlay(own_row=vertical)
        if not vertical:
            # Side by side the dock is wide: the warnings wrap to a line or two and fit as they are.
            left.setMinimumHeight(0)
            self.plot.widget.setMaximumHeight(_UNLIMITED)
            if switched:
                self.split.setStretchFactor(0, 3)
                self.split.setStretchFactor(1, 1)
                side = min(right.sizeHint().width(), width // 2)
                self.split.setSizes([max(width - side, 1), side])
            return
        # A splitter ignores how tall wrapped text is at the width it gets (the warnings then
        # overprinted the spectrum's axis): the spectrum column is given that height itself.
        layout = left.layout()
        left.setMinimumHeight(0)
        need = layout.minimumHeightForWidth(width) if layout.hasHeightForWidth() else 0
        need = max(need, left.minimumSizeHint().height())
        left.setMinimumHeight(need)
        # The spectrum fills what the dock shows, no more (else the scroll area sizes the panel from
        # the plot's own tall size hint), and the ranges table follows below it (scrolled to).
        plot_min = self.plot.widget.minimumHeight()
        top = max(need, height)
        self.plot.widget.setMaximumHeight(max(plot_min, top - (need - plot_min)))
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([top, right.minimumSizeHint().height()])

    def _place_overlay(self, own_row: bool) -> None:
        """The isotope field at the end of the tools row, or on a row of its own."""
        tools, row = self._tools, self._overlay_row
        if (row if own_row else tools).indexOf(self.overlay_edit) >= 0:
            return
        (tools if own_row else row).removeWidget(self._overlay_label)
        (tools if own_row else row).removeWidget(self.overlay_edit)
        if own_row:
            row.addWidget(self._overlay_label)
            row.addWidget(self.overlay_edit, 1)
            tools.setStretch(tools.count() - 1, 1)  # the trailing stretch
        else:
            at = tools.count() - 1  # before the trailing stretch, which the field then replaces
            tools.insertWidget(at, self._overlay_label)
            tools.insertWidget(at + 1, self.overlay_edit, 1)
            tools.setStretch(tools.count() - 1, 0)

    def set_spectrum(self, spectrum: MassSpectrum | None, keep_view: bool = False) -> None:
        """Show a new spectrum (whole run or sub-volume); peaks are found here from the bins."""
        self.spectrum = spectrum
        self.peaks = find_peaks(spectrum) if spectrum is not None and spectrum.n_bins else []
        self.plot.set_spectrum(spectrum, keep_view=keep_view)
        self._draw_ranges()

    def set_table(self, table: RangeTable | None) -> None:
        """Show ``table`` (bands and rows)."""
        self.table = table
        if self.selected >= len(table.ranges if table is not None else []):
            self.selected = -1
        self._draw_ranges()
        self._fill_rows()

    def set_warnings(self, warnings: Sequence[str]) -> None:
        """The fit check's warnings, in red under the spectrum (empty: hidden)."""
        self.warning.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning.setVisible(bool(warnings))
        self._arrange()  # the text's height at this width changed

    def set_status(self, text: str) -> None:
        """One line of information under the spectrum (ranged share, candidates)."""
        self.info.setText(text)
        self._arrange()

    # ---- drawing --------------------------------------------------------------------------------
    def _draw_ranges(self) -> None:
        table = self.table
        bands = self.plot.set_ranges(table, movable=True, band_type=_Band)
        for i, band in enumerate(bands):
            band.index = i
            band.sigRegionChangeFinished.connect(self._band_moved)
            band.clicked.connect(lambda b: self.select(b.index))
        total = self.spectrum.n_ions if self.spectrum is not None else 0
        self.plot.set_unranged_peaks(self.peaks, table, total)
        self._mark_selected()

    def _fill_rows(self) -> None:
        self._filling = True
        try:
            ranges = self.table.ranges if self.table is not None else []
            self.ranges_view.setRowCount(len(ranges))
            for i, r in enumerate(ranges):
                n = self.spectrum.counts_between(r.lo, r.hi) if self.spectrum is not None else 0
                cells = [r.ion, f"{r.lo:.3f}", f"{r.hi:.3f}", f"{n:,}", ""]
                for j, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    if j in (3, 4):
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    if j == 4:
                        item.setBackground(QColor(*rgb255(range_colour(self.table, r))))  # type: ignore[arg-type]
                    self.ranges_view.setItem(i, j, item)
            if 0 <= self.selected < len(ranges):
                self.ranges_view.selectRow(self.selected)
        finally:
            self._filling = False

    def _mark_selected(self) -> None:
        for i, band in enumerate(self.plot.regions):
            width = 3 if i == self.selected else 1
            for line in band.lines:
                pen = pg.mkPen(line.pen.color(), width=width)
                line.setPen(pen)

    # ---- selection ------------------------------------------------------------------------------
    def select(self, index: int) -> None:
        """Select range ``index`` (row and band)."""
        self.selected = index
        if 0 <= index < self.ranges_view.rowCount():
            self.ranges_view.selectRow(index)
        self._mark_selected()

    def _row_selected(self) -> None:
        if self._filling:
            return
        rows = {i.row() for i in self.ranges_view.selectedItems()}
        self.selected = min(rows) if rows else -1
        self._mark_selected()

    # ---- edits ----------------------------------------------------------------------------------
    def _emit(self, table: RangeTable, text: str) -> None:
        self.set_table(table)
        self.ranges_edited.emit(table, text)

    def best_ion_between(self, lo: float, hi: float) -> str:
        """The ion most likely to make the highest peak in ``[lo, hi)`` (for a new range's name)."""
        s = self.spectrum
        centre = 0.5 * (lo + hi)
        if s is not None and s.n_bins:
            sl = s.bins_between(lo, hi)
            if sl.stop > sl.start:
                centre = s.lo + (sl.start + int(np.argmax(s.counts[sl])) + 0.5) * s.bin_width
        return likeliest_ion(centre, s.bin_width if s else 0.01, self.table.species if self.table else ())

    def add_range(self, lo: float, hi: float, ion: str | None = None) -> None:
        """Add a range (from a drag on the spectrum) named after the likeliest ion."""
        name = ion or self.best_ion_between(lo, hi)
        try:
            table = edits.add_range(self.table, lo, hi, name)
        except InputError as exc:
            self.set_status(str(exc))
            return
        self.selected = next((i for i, r in enumerate(table.ranges) if r.lo == round(min(lo, hi), 4)), -1)
        self._emit(table, f"Add range {min(lo, hi):.2f}-{max(lo, hi):.2f} Da ({name})")

    def delete_selected(self) -> None:
        """Remove the selected range."""
        if self.table is None or not 0 <= self.selected < len(self.table.ranges):
            return
        r = self.table.ranges[self.selected]
        table = edits.remove_range(self.table, self.selected)
        self.selected = -1
        self._emit(table, f"Delete range {r.lo:.2f}-{r.hi:.2f} Da ({r.ion})")

    def resize(self, index: int, lo: float, hi: float) -> None:
        """Give range ``index`` new bounds."""
        if self.table is None:
            return
        try:
            table = edits.resize_range(self.table, index, lo, hi)
        except InputError as exc:
            self.set_status(str(exc))
            self._draw_ranges()
            return
        old = self.table.ranges[index]
        self.selected = next((i for i, r in enumerate(table.ranges) if r.lo == round(lo, 4)), -1)
        self._emit(table, f"Resize range {old.ion} to {lo:.2f}-{hi:.2f} Da")

    def rename(self, index: int, ion: str) -> None:
        """Assign range ``index`` to ``ion`` (element or formula, optionally with a charge)."""
        if self.table is None:
            return
        try:
            table = edits.rename_range(self.table, index, ion)
        except InputError as exc:
            self.set_status(str(exc))
            self._fill_rows()
            return
        self._emit(table, f"Assign range to {ion}")

    def recolour(self, ion: str, rgb) -> None:
        """Draw every range of species ``ion`` in ``rgb`` (0..1)."""
        if self.table is not None:
            self._emit(edits.recolour_species(self.table, ion, rgb), f"Recolour {ion}")

    def suggest(self) -> None:
        """Propose ranges for the elements typed where the table has none (listed for acceptance;
        the ranges in force stay as they are)."""
        if self.spectrum is None:
            return
        text = self.suggest_edit.text()
        if not text.strip():
            self.set_status("Suggest ranges: type the elements first, e.g. Co,Cu,Fe,Ni")
            return
        names = [e.strip() for e in text.split(",") if e.strip()]
        try:
            suggested = suggest_ranges(self.spectrum, names)
        except InputError as exc:
            self.set_status(f"Suggest ranges: {exc}")
            return
        proposals = edits.new_proposals(self.table, suggested)
        self.proposals.set_proposals(proposals)
        kept = len(suggested.ranges) - len(proposals)
        overlap = f"; {kept} overlap your ranges and are left out" if kept else ""
        self.set_status(
            f"{len(proposals)} ranges suggested for {', '.join(names)}{overlap}: accept them under the "
            "table, one by one or all"
        )

    def accept_proposals(self, ranges: list) -> None:
        """Add accepted suggestions to the table (one undoable edit)."""
        table = edits.accept_proposals(self.table, ranges)
        what = (
            f"{ranges[0].ion} {ranges[0].lo:.2f}-{ranges[0].hi:.2f} Da"
            if len(ranges) == 1
            else f"{len(ranges)} ranges"
        )
        self._emit(table, f"Accept suggested {what}")

    def _band_moved(self, band) -> None:
        lo, hi = band.getRegion()
        r = self.table.ranges[band.index] if self.table is not None else None
        if r is not None and (abs(r.lo - lo) > 1e-6 or abs(r.hi - hi) > 1e-6):
            self.resize(band.index, lo, hi)

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._filling or self.table is None:
            return
        i, j = item.row(), item.column()
        r = self.table.ranges[i]
        if j == 0:
            self.rename(i, item.text())
        elif j in (1, 2):
            try:
                value = float(item.text().replace(",", "."))
            except ValueError:
                self.set_status(f"{item.text()!r} is not a number of Da")
                self._fill_rows()
                return
            lo, hi = (value, r.hi) if j == 1 else (r.lo, value)
            self.resize(i, lo, hi)

    def _cell_double_clicked(self, row: int, column: int) -> None:
        if column != 4 or self.table is None:
            return
        r = self.table.ranges[row]
        start = QColor(*rgb255(range_colour(self.table, r)))  # type: ignore[arg-type]
        colour = QColorDialog.getColor(start, self, f"Colour of {r.ion}")
        if colour.isValid():
            self.recolour(r.ion, (colour.redF(), colour.greenF(), colour.blueF()))

    def clicked_at(self, mn: float) -> None:
        """A click on the spectrum: select the range there, if any, and list the candidate ions."""
        ranges = self.table.ranges if self.table is not None else []
        inside = [i for i, r in enumerate(ranges) if r.lo <= mn < r.hi]
        self.select(inside[0] if inside else -1)
        self.show_candidates(mn)

    # ---- identification help --------------------------------------------------------------------
    def show_candidates(self, mn: float) -> list[str]:
        """List the ions with a peak near ``mn`` (the click), most abundant first."""
        s = self.spectrum
        if s is not None and s.n_bins and self.peaks:
            # Snap to the nearest peak maximum within reach of the click.
            near = min(self.peaks, key=lambda p: abs(p.mn - mn))
            if abs(near.mn - mn) < 0.3:
                mn = near.mn
        tol = match_tolerance(mn, s.bin_width if s is not None else 0.01)
        found = candidate_ions(mn, tol, [e for e in COMMON] + [e for e in _all_elements() if e not in COMMON])
        names = [f"{p.label} ({p.mn:.3f}, {100 * p.abundance:.1f} %)" for p in found[:8]]
        self.set_status(
            f"{mn:.3f} Da: " + (", ".join(names) if names else f"no ion within {tol:.2f} Da at charge 1-3")
        )
        return [p.label for p in found]

    def show_overlay(self) -> None:
        """Draw the isotope pattern of the ion typed (charges 1-3 unless one is given)."""
        text = self.overlay_edit.text().strip()
        if not text:
            self.plot.set_overlay([])
            return
        try:
            explicit = any(c in text for c in "+")
            formula, charge = parse_charged(text)
            lines = ion_peaks(formula, (charge,) if explicit else (1, 2, 3), min_abundance=1e-3)
        except InputError as exc:
            self.set_status(str(exc))
            return
        self.plot.set_overlay(lines)

    # ---- spectrum requests ----------------------------------------------------------------------
    def _request_spectrum(self) -> None:
        self.spectrum_requested.emit(float(self.bin.value()), self.source.currentIndex() == 1)

    # ---- settings -------------------------------------------------------------------------------
    def save(self, store: QSettings) -> None:
        """Remember the bin width, log scale and element list."""
        store.setValue("spectrum/bin", float(self.bin.value()))
        store.setValue("spectrum/log", bool(self.log.isChecked()))
        store.setValue("spectrum/elements", self.suggest_edit.text())

    def restore(self, store: QSettings) -> None:
        """Restore what :meth:`save` remembered."""
        with contextlib.suppress(TypeError, ValueError):
            self.bin.setValue(float(store.value("spectrum/bin", 0.01)))
        self.log.setChecked(str(store.value("spectrum/log", "true")).lower() in ("true", "1"))
        self.suggest_edit.setText(str(store.value("spectrum/elements", "") or ""))


def _is_formula(name: str) -> bool:
    try:
        parse_charged(name)
    except InputError:
        return False
    return True


def _all_elements() -> list[str]:
    from hea_studio.core.isotopes import ISOTOPES

    return list(ISOTOPES)
