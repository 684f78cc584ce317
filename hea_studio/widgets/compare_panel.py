"""The comparison dock: tick sub-volumes (of this run and of runs opened before), see their entropy curves
overlaid, each in its own colour, and a sortable table of their numbers, exportable as CSV.

The panel holds no model: the comparison job pushes the candidates in with :meth:`set_candidates` and the
finished analyses with :meth:`show_entries`; the panel reports ticks, cancel and export through signals.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hea_studio.core.comparison import ComparisonRow
from hea_studio.core.results import AnalysisResult
from hea_studio.plots.compare import ComparisonPlot

# Table columns: header, tooltip.
TABLE_COLUMNS = (
    ("Sub-volume", "Name of the sub-volume; its colour is its curve's"),
    ("Run", "The data file the sub-volume belongs to"),
    ("Atoms", "Atoms of the entropy elements in the sub-volume"),
    ("Composition (at.%)", "Bulk composition of the sub-volume over the entropy elements"),
    ("S bulk (R)", "Configurational entropy of the bulk composition, in units of R"),
    ("Class", "Low, medium or high entropy (science.md 2)"),
    (
        "SUME",
        "Smallest unit of maximal entropy (hinge on the deficit D(L)) with its 95 % sampling interval; "
        "a bound ('≥ … (not levelled)') or 'random down to …' when no estimate exists",
    ),
    (
        "Apparent SUME (nm)",
        "Hinge on S(L) itself: includes counting noise, so it moves with the detection efficiency",
    ),
    ("Warnings", "Codes of the analysis warnings (the report and the Results panel give them in words)"),
)


@dataclass(frozen=True)
class Candidate:
    """A sub-volume the user may tick: ``key`` identifies it, ``label`` is shown."""

    key: Hashable
    label: str
    checked: bool
    tooltip: str = ""


class _SortItem(QTableWidgetItem):
    """A cell that sorts by a number (``None`` last) while showing text."""

    def __init__(self, text: str, sort_key: float | None) -> None:
        super().__init__(text)
        self.sort_key = sort_key
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a = self.sort_key
        b = getattr(other, "sort_key", None)
        if a is None or b is None:
            return a is not None and b is None
        return a < b


def _text_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class ComparePanel(QWidget):
    """Ticked sub-volumes, their overlaid curves and the comparison table.

    Signals
    -------
    selection_changed(list)
        The keys of the ticked candidates, in list order.
    cancel_requested()
        Stop the analyses of the comparison.
    export_csv_requested()
        Save the table as CSV.
    report_requested()
        Write an HTML report of the compared sub-volumes.
    """

    selection_changed = Signal(list)
    cancel_requested = Signal()
    export_csv_requested = Signal()
    report_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self.rows: list[ComparisonRow] = []
        self.list = QListWidget()
        self.list.setToolTip(
            "Tick the sub-volumes to compare. Sub-volumes of runs opened before stay here with their results."
        )
        self.list.itemChanged.connect(self._item_changed)
        self.list.setMinimumWidth(120)
        self.plot = ComparisonPlot()
        self.plot.widget.setToolTip(
            "Entropy versus cube edge of each ticked sub-volume (dashed: random mixing)"
        )
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels([c[0] for c in TABLE_COLUMNS])
        for i, (_, tip) in enumerate(TABLE_COLUMNS):
            self.table.horizontalHeaderItem(i).setToolTip(tip)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setToolTip("Click a header to sort")
        # The header, three rows and the horizontal scroll bar stay visible however the splitter is set.
        self.table.setMinimumHeight(
            self.table.horizontalHeader().sizeHint().height()
            + 3 * self.table.verticalHeader().defaultSectionSize()
            + self.table.horizontalScrollBar().sizeHint().height()
            + 4
        )

        self.status = QLabel("Tick sub-volumes to compare.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # quotes box names
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the comparison's analyses (the finished ones are kept)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setToolTip("Save the table as CSV (the columns of the batch table)")
        self.csv_button.clicked.connect(self.export_csv_requested.emit)
        self.report_button = QPushButton("Report…")
        self.report_button.setToolTip(
            "Write an HTML report of the compared sub-volumes (File > Export report)"
        )
        self.report_button.clicked.connect(self.report_requested.emit)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.list)
        top.addWidget(self.plot.widget)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 3)
        top.setSizes([150, 450])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.report_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

    # ---- candidates -----------------------------------------------------------------------------
    def set_candidates(self, candidates: Sequence[Candidate]) -> None:
        """Replace the list of sub-volumes that can be ticked."""
        self._updating = True
        try:
            self.list.clear()
            for c in candidates:
                item = QListWidgetItem(c.label)
                item.setData(Qt.ItemDataRole.UserRole, c.key)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if c.checked else Qt.CheckState.Unchecked)
                if c.tooltip:
                    item.setToolTip(c.tooltip)
                self.list.addItem(item)
        finally:
            self._updating = False

    def checked_keys(self) -> list[Hashable]:
        """Keys of the ticked candidates, in list order."""
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_checked(self, keys: Sequence[Hashable]) -> None:
        """Tick exactly ``keys`` (as the user would; emits :attr:`selection_changed` once)."""
        wanted = set(keys)
        self._updating = True
        try:
            for i in range(self.list.count()):
                item = self.list.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        finally:
            self._updating = False
        self.selection_changed.emit(self.checked_keys())

    def _item_changed(self, _item: QListWidgetItem) -> None:
        if not self._updating:
            self.selection_changed.emit(self.checked_keys())

    # ---- results --------------------------------------------------------------------------------
    def show_entries(
        self,
        entries: Sequence[tuple[Hashable, str, AnalysisResult, tuple[int, int, int]]],
        rows: Sequence[ComparisonRow],
    ) -> None:
        """Show the finished analyses: ``(key, label, result, colour)`` curves and their table rows."""
        keep = {e[0] for e in entries}
        for key in self.plot.shown_keys():
            if key not in keep:
                self.plot.remove(key)
        for key, label, result, colour in entries:
            self.plot.set_curve(key, label, result, colour)
        self.rows = list(rows)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for r, (row, (_, _, _, colour)) in enumerate(zip(rows, entries)):
            name = _text_item(row.name)
            name.setForeground(QColor(*colour))
            name.setData(Qt.ItemDataRole.DecorationRole, QColor(*colour))
            cells = [
                name,
                _text_item(row.run),
                _SortItem(f"{row.atoms:,}", float(row.atoms)),
                _text_item(row.composition),
                _SortItem(f"{row.S_bulk_R:.3f}", row.S_bulk_R),
                _text_item(row.cls),
                _SortItem(row.sume_text, row.sume_sort_nm),
                _SortItem(
                    "-" if row.sume_apparent_nm is None else f"{row.sume_apparent_nm:.2f}",
                    row.sume_apparent_nm,
                ),
                _text_item(row.warnings),
            ]
            if row.warnings:
                cells[-1].setToolTip(row.warnings)
            for c, item in enumerate(cells):
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()

    def set_busy(self, busy: bool, message: str) -> None:
        """Show what the comparison is doing; the Cancel button is enabled while it computes."""
        self.cancel_button.setEnabled(busy)
        self.status.setText(message)
