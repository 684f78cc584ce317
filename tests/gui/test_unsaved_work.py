"""Quitting with unsaved work asks Save / Discard / Cancel, and the title names the session.

On the old window File > Quit asked nothing and deleted the recovery copy, and the title never
showed the project or a modified mark.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from hea_studio.core.geometry import Box
from hea_studio.io.project.store import load_project
from hea_studio.synth import generate, write_specimen
from hea_studio.synth.shape import BoxShape
from hea_studio.synth.specimen import SynthParams


@pytest.fixture(scope="module")
def block_files(tmp_path_factory) -> tuple[Path, Path]:
    prefix = tmp_path_factory.mktemp("unsaved") / "block"
    pos, rrng, _ = write_specimen(generate(SynthParams(shape=BoxShape((10.0, 10.0, 10.0)), seed=5)), prefix)
    return pos, rrng


def _opened(make_main_window, qtbot, files):
    window = make_main_window()
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000):
        window.open_files(*files)
    return window


def _shown_title(window) -> str:
    """The title the window system shows (Qt turns ``[*]`` into ``*`` or nothing)."""
    return window.windowHandle().title()


def _click(qtbot, window, which: QMessageBox.StandardButton) -> None:
    dialog = window.unsaved.dialog
    assert dialog is not None and dialog.isVisible(), "no save question shown"
    dialog.button(which).click()
    qtbot.wait(50)


@pytest.mark.gui
def test_title_names_the_file_and_marks_changes(make_main_window, qtbot, block_files):
    window = _opened(make_main_window, qtbot, block_files)
    assert _shown_title(window).startswith("block.pos \u2014 HEA Studio")
    window.session.add_subvolume(Box((1.0, 1.0, 1.0), (4.0, 4.0, 4.0)), "Grain")
    qtbot.waitUntil(lambda: _shown_title(window).startswith("block.pos* \u2014"), timeout=5000)


@pytest.mark.gui
def test_quit_with_a_new_box_asks_and_cancel_keeps_window_and_recovery(
    make_main_window, qtbot, block_files, tmp_path, monkeypatch
):
    window = _opened(make_main_window, qtbot, block_files)
    window.session.add_subvolume(Box((1.0, 1.0, 1.0), (4.0, 4.0, 4.0)), "Grain")
    copy = window.keeper.recovery_file
    qtbot.waitUntil(copy.is_file, timeout=30_000)

    window.quit_action.trigger()
    assert window.isVisible()
    buttons = window.unsaved.dialog.standardButtons()
    Button = QMessageBox.StandardButton
    assert buttons == Button.Save | Button.Discard | Button.Cancel
    _click(qtbot, window, Button.Cancel)
    assert window.isVisible() and copy.is_file(), "Cancel must keep the window and the recovery copy"

    # Save: asks where (no project yet), writes it with the box, then closes and drops the copy.
    project = tmp_path / "work.heaproj"
    monkeypatch.setattr(
        "hea_studio.app.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(project), "")
    )
    window.quit_action.trigger()
    _click(qtbot, window, Button.Save)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert [nb.name for nb in load_project(project).subvolumes] == ["Box 1", "Grain"]
    assert not copy.exists()


@pytest.mark.gui
def test_edited_ranges_count_as_unsaved_and_discard_drops_them(make_main_window, qtbot, block_files):
    window = _opened(make_main_window, qtbot, block_files)
    assert not window.isWindowModified()
    table = window.session.dataset.ranges
    edited = replace(
        table, ranges=[replace(table.ranges[0], hi=table.ranges[0].hi - 0.01), *table.ranges[1:]], source=None
    )
    with qtbot.waitSignal(window.controller.ranging_applied, timeout=60_000):
        window.controller.apply_ranges(edited, None)
    qtbot.waitUntil(window.isWindowModified, timeout=5000)
    copy = window.keeper.recovery_file
    qtbot.waitUntil(copy.is_file, timeout=30_000)
    window.close()
    assert window.isVisible() and copy.is_file()
    _click(qtbot, window, QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not copy.exists()


@pytest.mark.gui
def test_a_session_with_nothing_new_closes_without_asking(make_main_window, qtbot, block_files, tmp_path):
    window = _opened(make_main_window, qtbot, block_files)
    window.session.add_subvolume(Box((1.0, 1.0, 1.0), (4.0, 4.0, 4.0)), "Grain")
    window.keeper.save(tmp_path / "saved.heaproj")
    assert not window.isWindowModified()
    window.close()
    assert not window.isVisible() and window.unsaved.dialog is None
