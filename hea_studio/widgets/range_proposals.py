"""Suggested ranges waiting for the user: accept them one by one (or all), or dismiss them.

Suggest ranges used to replace every range of the table with its own (26 ranges of the Si run
became 12 without a question). Now the suggestions that overlap no existing range are listed here
and shown as dashed bands on the spectrum; each Accept is one undoable edit of the table.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hea_studio.core.ranges import Range


class RangeProposals(QWidget):
    """The list of proposed ranges with Accept, Accept all and Dismiss.

    Signals
    -------
    accepted(list)
        The user accepted these :class:`Range` values (they leave the list).
    changed(list)
        The ranges still proposed (for the dashed bands on the spectrum).
    """

    accepted = Signal(list)
    changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.proposals: list[Range] = []
        self.title = QLabel("Suggested ranges")
        self.list = QListWidget()
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setToolTip("Ranges proposed by Suggest ranges; double-click one to accept it")
        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("Add the selected suggestions to the ranges (undoable)")
        self.accept_all_button = QPushButton("Accept all")
        self.accept_all_button.setToolTip("Add every suggestion to the ranges (undoable)")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Forget the suggestions; the ranges stay as they are")
        buttons = QHBoxLayout()
        for b in (self.accept_button, self.accept_all_button, self.dismiss_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.accept_button.clicked.connect(self.accept_selected)
        self.accept_all_button.clicked.connect(self.accept_all)
        self.dismiss_button.clicked.connect(lambda: self.set_proposals([]))
        self.list.itemDoubleClicked.connect(lambda item: self._accept([self.list.row(item)]))
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.set_proposals([])

    def set_proposals(self, proposals: list[Range]) -> None:
        """Show ``proposals`` (hidden when there are none)."""
        self.proposals = list(proposals)
        self.list.clear()
        for r in self.proposals:
            item = QListWidgetItem(f"{r.ion}   {r.lo:.3f} - {r.hi:.3f} Da")
            item.setData(Qt.ItemDataRole.UserRole, (r.lo, r.hi))
            self.list.addItem(item)
        self.title.setText(f"Suggested ranges ({len(self.proposals)}): accept one by one or all")
        self.setVisible(bool(self.proposals))
        self._update_buttons()
        self.changed.emit(list(self.proposals))

    def _update_buttons(self) -> None:
        self.accept_button.setEnabled(bool(self.list.selectedItems()))
        self.accept_all_button.setEnabled(bool(self.proposals))

    def accept_selected(self) -> None:
        """Accept the selected suggestions."""
        self._accept(sorted(self.list.row(i) for i in self.list.selectedItems()))

    def accept_all(self) -> None:
        """Accept every suggestion."""
        self._accept(list(range(len(self.proposals))))

    def _accept(self, rows: list[int]) -> None:
        chosen = [self.proposals[i] for i in rows if 0 <= i < len(self.proposals)]
        if not chosen:
            return
        self.set_proposals([r for i, r in enumerate(self.proposals) if i not in set(rows)])
        self.accepted.emit(chosen)
