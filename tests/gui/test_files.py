"""Opening files from the window: the worker loads, errors become a dialog, the old dataset stays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

pytestmark = pytest.mark.gui

MASSES = {"Co": 58.93, "Cu": 62.93, "Fe": 55.93, "Ni": 57.94}


def write_specimen(folder: Path, name: str, n: int = 30_000, seed: int = 0) -> tuple[Path, Path]:
    """A small random CoCuFeNi block as .pos + .rrng."""
    rng = np.random.default_rng(seed)
    positions = rng.uniform(0, 1, (n, 3)) * np.array([8.0, 8.0, 12.0])
    names = list(MASSES)
    labels = rng.integers(0, 4, n)
    mass = np.array([MASSES[names[i]] for i in labels]) + rng.normal(0, 0.05, n)
    pos = folder / f"{name}.pos"
    rrng = folder / f"{name}.rrng"
    write_pos(pos, positions, mass)
    table = RangeTable(
        [
            Range(m - 0.4, m + 0.4, el, ((el, 1.0),), (0.2 + 0.2 * i, 0.5, 0.8))
            for i, (el, m) in enumerate(MASSES.items())
        ]
    )
    table.ranges.sort(key=lambda r: r.lo)
    write_rrng(rrng, table)
    return pos, rrng


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
