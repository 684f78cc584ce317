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


def test_a_mouse_drag_is_one_step_however_long_it_pauses(make_main_window, small_dataset, qtbot):
    from gui_helpers import drag

    from hea_studio.app.history import MERGE_WINDOW_S

    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    session, stack = window.session, window.history.stack
    start = Box((0.5, 0.5, 0.5), (4.5, 4.5, 15.5))
    session.set_active_box(start)
    qtbot.wait(int(1000 * MERGE_WINDOW_S) + 200)
    before = stack.count()

    proj = window.projection_xy
    view = proj.plot.viewport()
    # A real drag whose hand rests longer than the merge window between moves.
    rest_ms = int(1000 * MERGE_WINDOW_S) + 100
    drag(qtbot, view, proj.widget_point(2.5, 2.5), proj.widget_point(3.5, 2.5), steps=3, pause_ms=rest_ms)
    assert stack.count() == before + 1
    dragged = session.active_box
    assert dragged != start
    # Typing a value right after the drag is a separate step, not part of the drag.
    session.set_active_box(dragged.translated((0.0, 0.5, 0.0)))
    qtbot.wait(5)
    assert stack.count() == before + 2
    window.undo_action.trigger()
    assert session.active_box == dragged
    window.undo_action.trigger()
    assert session.active_box == start


def test_history_merges_a_drag_across_pauses(make_main_window, small_dataset, qtbot):
    from hea_studio.app.history import MERGE_WINDOW_S

    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    session, history = window.session, window.history
    start = session.active_box
    history.set_dragging(True)
    session.set_active_box(start.translated((0.3, 0.0, 0.0)))
    qtbot.wait(int(1000 * MERGE_WINDOW_S) + 200)  # the hand rests longer than the merge window
    session.set_active_box(start.translated((0.6, 0.0, 0.0)))
    history.set_dragging(False)
    assert history.stack.count() == 1
    window.undo_action.trigger()
    assert session.active_box == start
