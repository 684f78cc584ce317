"""Undo and redo of sub-volume edits; a drag is one undo step."""

from __future__ import annotations

import pytest
from gui_helpers import show_dataset

from hea_studio.core.geometry import Box

pytestmark = pytest.mark.gui


def test_undo_redo_of_moves_adds_and_renames(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    session, stack = window.session, window.history.stack
    assert stack.count() == 0, "opening a dataset starts a fresh history"
    start = session.active_box

    # A drag: many small moves in quick succession become one step.
    for i in range(1, 6):
        session.set_active_box(start.translated((0.2 * i, 0.0, 0.0)))
        qtbot.wait(5)  # mouse events arrive on separate event-loop turns
    assert stack.count() == 1 and stack.undoText().startswith("Move")
    session.add_subvolume(Box((1.0, 1.0, 1.0), (4.0, 4.0, 4.0)), "Grain")
    qtbot.wait(5)
    session.rename_subvolume(1, "Grain B")
    qtbot.wait(5)
    assert stack.count() == 3

    window.undo_action.trigger()  # rename
    assert session.subvolumes[1].name == "Grain"
    window.undo_action.trigger()  # add
    assert len(session.subvolumes) == 1 and session.active == 0
    window.undo_action.trigger()  # the whole drag
    assert session.active_box == start
    assert not stack.canUndo()

    window.redo_action.trigger()
    assert session.active_box == start.translated((1.0, 0.0, 0.0))
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert [s.name for s in session.subvolumes][-1] == "Grain B"
    # The projections and spin boxes follow undo: the view shows the active box again.
    assert window.session.active_box == Box((1.0, 1.0, 1.0), (4.0, 4.0, 4.0))
