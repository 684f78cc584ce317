"""Opening files from the window: the worker loads, errors become a dialog, the old dataset stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import write_specimen
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

pytestmark = pytest.mark.gui


def _open(window, qtbot, ion: Path, ranges: Path | None):
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000) as blocker:
        window.open_files(ion, ranges)
    return blocker.args[0]


def test_open_files_then_a_truncated_file_shows_an_error_and_keeps_the_dataset(
    make_main_window, qtbot, tmp_path
):
    pos, rrng = write_specimen(tmp_path, "good")
    window = make_main_window()
    window.controller.live = False
    dataset = _open(window, qtbot, pos, rrng)
    assert dataset.atoms.n_atoms == 30_000
    assert window.session.dataset is dataset
    assert "good.pos" in window.windowTitle()
    # The pair is remembered in File > Open recent.
    assert any("good.pos" in a.text() for a in window.recent_menu.actions())

    bad = tmp_path / "bad.pos"
    bad.write_bytes(pos.read_bytes()[:-7])  # not a whole number of 16-byte records
    with qtbot.waitSignal(window.controller.load_failed, timeout=60_000) as blocker:
        window.open_files(bad, rrng)
    message = blocker.args[0]
    assert "bad.pos" in message
    dialog = window.error_dialog
    assert isinstance(dialog, QMessageBox) and dialog.isVisible()
    assert "bad.pos" in dialog.text()
    assert window.session.dataset is dataset
    assert window.atom_view.n_atoms == dataset.atoms.n_atoms
    dialog.close()


def test_dropping_an_ion_file_with_its_range_file_opens_them(make_main_window, qtbot, tmp_path):
    pos, rrng = write_specimen(tmp_path, "dropped", n=20_000, seed=3)
    window = make_main_window()
    window.controller.live = False
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(rrng)), QUrl.fromLocalFile(str(pos))])
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000) as blocker:
        window.dropEvent(event)  # what Qt calls when the user releases the files over the window
    assert blocker.args[0].ion_path == pos
    assert blocker.args[0].atoms.n_atoms == 20_000


def test_an_ion_file_finds_its_range_file_by_name(make_main_window, qtbot, tmp_path):
    pos, _ = write_specimen(tmp_path, "paired", n=5_000, seed=4)
    window = make_main_window()
    window.controller.live = False
    dataset = _open(window, qtbot, pos, None)
    assert dataset.range_path.name == "paired.rrng"
