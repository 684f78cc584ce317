"""Projects in the window: save and reopen a session, and get it back after a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from hea_studio.core.geometry import Box
from hea_studio.io.project import load_project
from hea_studio.synth import generate, write_specimen
from hea_studio.synth.shape import BoxShape
from hea_studio.synth.specimen import SynthParams


@pytest.fixture(scope="module")
def small_files(tmp_path_factory) -> tuple[Path, Path]:
    """A real .pos + .rrng pair: a 12 nm random CoCuFeNi block through the synth and io writers."""
    prefix = tmp_path_factory.mktemp("project") / "block"
    pos, rrng, _ = write_specimen(generate(SynthParams(shape=BoxShape((12.0, 12.0, 12.0)), seed=3)), prefix)
    return pos, rrng


def _open(window, qtbot, pos: Path, rrng: Path) -> None:
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000):
        window.open_files(pos, rrng)


@pytest.mark.gui
def test_project_round_trip_restores_files_boxes_and_settings(make_main_window, qtbot, small_files, tmp_path):
    pos, rrng = small_files
    first = make_main_window()
    _open(first, qtbot, pos, rrng)
    first.session.add_subvolume(Box((1.0, 1.0, 1.0), (7.0, 7.0, 9.0)), "Grain A")
    first.session.rename_subvolume(0, "Whole block")
    settings = first.settings_panel.current
    first.settings_panel.min_atoms.setValue(settings.min_atoms + 5)
    project = tmp_path / "session.heaproj"
    assert first.keeper.save(project) is None and project.is_file()
    saved = load_project(project)
    assert [nb.name for nb in saved.subvolumes] == ["Whole block", "Grain A"]
    assert saved.ion_file == str(pos.resolve()) and saved.settings.min_atoms == settings.min_atoms + 5
    first.close()

    second = make_main_window()
    with qtbot.waitSignal(second.controller.dataset_loaded, timeout=60_000):
        assert second.open_project(project) >= 0
    qtbot.waitUntil(lambda: len(second.session.subvolumes) == 2, timeout=5000)
    assert [sv.name for sv in second.session.subvolumes] == ["Whole block", "Grain A"]
    assert second.session.subvolumes[1].box == Box((1.0, 1.0, 1.0), (7.0, 7.0, 9.0))
    assert second.session.active == 1
    assert second.settings_panel.current.min_atoms == settings.min_atoms + 5


@pytest.mark.gui
def test_recovery_copy_is_offered_after_a_crash_and_removed_on_clean_exit(
    make_main_window, qtbot, small_files, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    pos, rrng = small_files
    crashed = make_main_window()
    _open(crashed, qtbot, pos, rrng)
    crashed.session.add_subvolume(Box((2.0, 2.0, 2.0), (6.0, 6.0, 6.0)), "Precipitate")
    recovery = crashed.keeper.recovery_file
    qtbot.waitUntil(recovery.is_file, timeout=10_000)  # the debounced autosave writes it
    # Simulate a crash: the window goes away without its clean-exit path.
    crashed.keeper.discard_recovery = lambda: None

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    restored = make_main_window()
    with qtbot.waitSignal(restored.controller.dataset_loaded, timeout=60_000):
        assert restored.offer_recovery()
    qtbot.waitUntil(lambda: len(restored.session.subvolumes) == 2, timeout=5000)
    assert restored.session.subvolumes[1].name == "Precipitate"
    restored.close()
    assert not recovery.exists(), "a clean exit must delete the recovery copy"


@pytest.mark.gui
def test_project_with_a_missing_data_file_shows_an_error(make_main_window, qtbot, small_files, tmp_path):
    import shutil

    pos, rrng = small_files
    moved = tmp_path / "moved.pos"
    shutil.copy(pos, moved)
    window = make_main_window()
    _open(window, qtbot, moved, rrng)
    project = tmp_path / "p.heaproj"
    window.keeper.save(project)
    moved.unlink()
    assert window.open_project(project) == -1
    assert window.error_dialog is not None and "moved.pos" in window.error_dialog.text()
    assert window.session.dataset is not None  # the open dataset stays
