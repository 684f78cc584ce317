"""Undo and redo of sub-volume edits (move, resize, add, remove, rename, switch).

The history watches the session instead of wrapping every edit: after each change it compares the
session with the snapshot it kept and records the difference as one undo step. Box moves of the same
sub-volume that follow each other within a short time merge into one step, so a whole drag is undone
at once rather than mouse event by mouse event.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QUndoCommand, QUndoStack

from hea_studio.app.session import Session, SubVolume

MERGE_WINDOW_S = 0.8
_MOVE_ID = 1

Snapshot = tuple[tuple[SubVolume, ...], int]


class _Step(QUndoCommand):
    def __init__(
        self, history: SessionHistory, before: Snapshot, after: Snapshot, text: str, move: int | None
    ):
        super().__init__(text)
        self.history = history
        self.before = before
        self.after = after
        self.move_index = move
        self.stamp = time.monotonic()
        self._first_redo = True

    def id(self) -> int:
        return _MOVE_ID if self.move_index is not None else -1

    def mergeWith(self, other) -> bool:
        if (
            isinstance(other, _Step)
            and other.move_index == self.move_index
            and other.stamp - self.stamp < MERGE_WINDOW_S
        ):
            self.after = other.after
            self.stamp = other.stamp
            return True
        return False

    def redo(self) -> None:
        if self._first_redo:  # the change already happened in the session when the step was pushed
            self._first_redo = False
            return
        self.history.apply(self.after)

    def undo(self) -> None:
        self.history.apply(self.before)


class SessionHistory(QObject):
    """An undo stack for the sub-volumes of one session (cleared when a new dataset opens)."""

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.stack = QUndoStack(self)
        self._snapshot = self._take()
        self._applying = False
        # One user action can emit several signals (adding a box also makes it active): record once
        # per event-loop turn, so it becomes one undo step.
        self._record = QTimer(self)
        self._record.setSingleShot(True)
        self._record.setInterval(0)
        self._record.timeout.connect(self._changed)
        session.dataset_changed.connect(self._reset)
        for signal in (session.subvolumes_changed, session.active_changed, session.active_box_changed):
            signal.connect(self._schedule)

    def _schedule(self, *_args) -> None:
        if not self._applying:
            self._record.start()

    def _take(self) -> Snapshot:
        return tuple(self.session.subvolumes), self.session.active

    def _reset(self, *_args) -> None:
        self._record.stop()
        self.stack.clear()
        self._snapshot = self._take()

    def _changed(self, *_args) -> None:
        if self._applying:
            return
        before, after = self._snapshot, self._take()
        if before == after:
            return
        self._snapshot = after
        text, move = describe(before, after)
        self.stack.push(_Step(self, before, after, text, move))

    def apply(self, snapshot: Snapshot) -> None:
        """Put the session back into ``snapshot`` (used by undo and redo)."""
        self._changed()  # an edit still waiting to be recorded goes first
        self._record.stop()
        self._applying = True
        try:
            subvolumes, active = snapshot
            self.session.restore_subvolumes(list(subvolumes), active)
        finally:
            self._applying = False
        self._snapshot = self._take()


def describe(before: Snapshot, after: Snapshot) -> tuple[str, int | None]:
    """Menu text of a change, and the index of the moved sub-volume if it was a plain box move."""
    (old, _old_active), (new, new_active) = before, after
    if len(new) > len(old):
        return f"Add {new[-1].name}", None
    if len(new) < len(old):
        gone = next((s.name for s in old if s not in new), "sub-volume")
        return f"Remove {gone}", None
    for i, (a, b) in enumerate(zip(old, new)):
        if a.name != b.name:
            return f"Rename {a.name} to {b.name}", None
        if a.box != b.box:
            return f"Move {b.name}", i
    return f"Switch to {new[new_active].name}" if 0 <= new_active < len(new) else "Switch", None
