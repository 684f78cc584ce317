"""Undo and redo of sub-volume edits (move, resize, add, remove, rename, switch).

The history watches the session instead of wrapping every edit: after each change it compares the
session with the snapshot it kept and records the difference as one undo step. All box moves of one
mouse drag (between :meth:`SessionHistory.set_dragging` True and False) merge into one step, however
long the hand pauses; other moves of the same sub-volume (spin boxes, typed values) merge when they
follow each other within a short time.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QUndoCommand, QUndoStack

from hea_studio.app.session import Session
from hea_studio.core.geometry import SubVolume

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
        self.drag = history.drag_id  # the mouse drag this step belongs to (None: not a drag)
        self._first_redo = True

    def id(self) -> int:
        return _MOVE_ID if self.move_index is not None else -1

    def mergeWith(self, other) -> bool:
        if not (isinstance(other, _Step) and other.move_index == self.move_index):
            return False
        if self.drag is not None or other.drag is not None:
            same = self.drag == other.drag  # one drag is one step; it never absorbs other edits
        else:
            same = other.stamp - self.stamp < MERGE_WINDOW_S
        if same:
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
        self.drag_id: int | None = None
        self._drags = 0
        # One user action can emit several signals (adding a box also makes it active): record once
        # per event-loop turn, so it becomes one undo step.
        self._record = QTimer(self)
        self._record.setSingleShot(True)
        self._record.setInterval(0)
        self._record.timeout.connect(self._changed)
        session.dataset_changed.connect(self._reset)
        for signal in (session.subvolumes_changed, session.active_changed, session.active_box_changed):
            signal.connect(self._schedule)

    def set_dragging(self, on: bool) -> None:
        """A mouse drag of the box starts (True) or ends (False): its moves become one step."""
        if on:
            self._changed()  # an earlier edit still waiting is not part of the drag
            self._drags += 1
            self.drag_id = self._drags
        else:
            self._changed()  # the drag's last move still belongs to it
            self.drag_id = None

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
