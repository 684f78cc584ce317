"""Projects in the window: save and reopen a session, and get it back after a crash."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from window_support import close_discarding

from hea_studio.core.geometry import Box
from hea_studio.io.project.store import load_project
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
    qtbot.waitUntil(lambda: len(second.session.subvolumes) == 2, timeout=30_000)
    assert [sv.name for sv in second.session.subvolumes] == ["Whole block", "Grain A"]
    assert second.session.subvolumes[1].box == Box((1.0, 1.0, 1.0), (7.0, 7.0, 9.0))
    assert second.session.active == 1
    assert second.settings_panel.current.min_atoms == settings.min_atoms + 5


@pytest.mark.gui
def test_recovery_copy_is_offered_after_a_crash_and_removed_on_clean_exit(
    make_main_window, qtbot, small_files, monkeypatch
):

    crashed, recovery = _window_with_recovery_copy(make_main_window, qtbot, small_files, "Precipitate")
    restored = _crash_and_recover(crashed, make_main_window, qtbot, monkeypatch)
    assert restored.session.subvolumes[1].name == "Precipitate"
    # The session lives on in the new instance's own copy; the crashed one's copy is gone.
    qtbot.waitUntil(lambda: not recovery.exists(), timeout=30_000)
    own = restored.keeper.recovery_file
    assert own != recovery and own.is_file()
    close_discarding(restored, qtbot)  # a recovered session is unsaved work: asked, Discard
    assert not own.exists(), "a clean exit must delete the recovery copy"


def _window_with_recovery_copy(make_main_window, qtbot, files, name: str):
    """A new window with ``files`` open and one more sub-volume, ``name``, once the debounced
    autosave has written the recovery copy; returns the window and its copy."""
    pos, rrng = files
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    window.session.add_subvolume(Box((2.0, 2.0, 2.0), (6.0, 6.0, 6.0)), name)
    copy = window.keeper.recovery_file
    qtbot.waitUntil(copy.is_file, timeout=30_000)
    return window, copy


def _crash(window) -> None:
    """What a crash leaves: the recovery copy on disk, its lock released by the operating system."""
    window.keeper.discard_recovery = lambda: None
    window.keeper.recovery.close(discard=False)


def _crash_and_recover(crashed, make_main_window, qtbot, monkeypatch):
    """Crash ``crashed``, start a new window, accept the recovery it offers, and wait until the
    session (two sub-volumes) is back; returns the new window."""
    from PySide6.QtWidgets import QMessageBox

    _crash(crashed)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    restored = make_main_window()
    with qtbot.waitSignal(restored.controller.dataset_loaded, timeout=60_000):
        assert restored.offer_recovery()
    qtbot.waitUntil(lambda: len(restored.session.subvolumes) == 2, timeout=30_000)
    return restored


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


def _answer(monkeypatch, button):
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []

    def question(parent, title, text, *a, **k):
        asked.append(text)
        return getattr(QMessageBox.StandardButton, button)

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


@pytest.mark.gui
def test_failed_project_open_leaves_save_pointing_elsewhere(
    make_main_window, qtbot, small_files, tmp_path, monkeypatch
):
    import shutil

    from PySide6.QtWidgets import QFileDialog

    pos, rrng = small_files
    moved = tmp_path / "moved.pos"
    shutil.copy(pos, moved)
    window = make_main_window()
    _open(window, qtbot, moved, rrng)
    project = tmp_path / "p.heaproj"
    window.keeper.save(project)
    window.keeper.project_file = None  # a fresh window that never saved
    before = project.read_bytes()
    moved.unlink()
    _open(window, qtbot, pos, rrng)  # an unrelated session on screen
    assert window.open_project(project) == -1
    assert window.keeper.project_file != project
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(a) or ("", ""))
    assert window.save_project() is False  # Ctrl+S asks where to save instead of overwriting
    assert asked and project.read_bytes() == before


@pytest.mark.gui
def test_project_with_unreadable_data_leaves_nothing_pending(make_main_window, qtbot, small_files, tmp_path):
    from dataclasses import replace

    from hea_studio.core.geometry import SubVolume
    from hea_studio.core.project import ProjectState
    from hea_studio.core.settings import AnalysisSettings
    from hea_studio.io.project.store import save_project

    pos, rrng = small_files
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    # A project whose data file exists but is not ion data.
    garbage = tmp_path / "garbage.pos"
    garbage.write_bytes(np.random.default_rng(1).integers(0, 256, 16 * 4000, dtype=np.uint8).tobytes())
    project = tmp_path / "broken.heaproj"
    box = Box((1.0, 1.0, 1.0), (5.0, 5.0, 5.0))
    settings = replace(AnalysisSettings(), min_atoms=37)
    state = ProjectState(
        str(garbage), str(rrng), [SubVolume("Box 1", box), SubVolume("From the project", box)]
    )
    state.settings = settings
    save_project(project, state)
    with qtbot.waitSignal(window.controller.load_failed, timeout=60_000):
        assert window.open_project(project) >= 0
    assert window.keeper.project_file != project
    # The next file opened starts clean: none of the failed project's boxes or settings.
    _open(window, qtbot, pos, rrng)
    qtbot.wait(200)
    assert "From the project" not in [sv.name for sv in window.session.subvolumes]
    assert window.settings_panel.current.min_atoms != 37
    # And the autosave works again.
    own = window.keeper.recovery_file
    own.unlink(missing_ok=True)
    window.session.add_subvolume(Box((2.0, 2.0, 2.0), (4.0, 4.0, 4.0)), "After")
    qtbot.waitUntil(own.is_file, timeout=30_000)


@pytest.mark.gui
def test_recovery_is_offered_when_started_with_a_file(make_main_window, qtbot, small_files, monkeypatch):
    from hea_studio.app.launch import first_open

    pos, rrng = small_files
    crashed, copy = _window_with_recovery_copy(make_main_window, qtbot, small_files, "Precipitate")
    _crash(crashed)

    # Started with a FILE, "Cancel": the file opens and the copy is kept, not overwritten or deleted.
    asked = _answer(monkeypatch, "Cancel")
    second = make_main_window()
    with qtbot.waitSignal(second.controller.dataset_loaded, timeout=60_000):
        first_open(second, pos, rrng)
    assert len(asked) == 1 and pos.name in asked[0]
    second.session.add_subvolume(Box((1.0, 1.0, 1.0), (3.0, 3.0, 3.0)), "Other work")
    qtbot.waitUntil(second.keeper.recovery_file.is_file, timeout=30_000)
    close_discarding(second, qtbot)
    assert copy.is_file() and [nb.name for nb in load_project(copy).subvolumes][-1] == "Precipitate"

    # Next start, again with a FILE (a double-click): "Yes" restores the crashed session instead.
    _answer(monkeypatch, "Yes")
    third = make_main_window()
    with qtbot.waitSignal(third.controller.dataset_loaded, timeout=60_000):
        first_open(third, pos, rrng)
    qtbot.waitUntil(lambda: len(third.session.subvolumes) == 2, timeout=30_000)
    assert third.session.subvolumes[1].name == "Precipitate"
    qtbot.waitUntil(lambda: not copy.exists(), timeout=30_000)


@pytest.mark.gui
def test_a_running_instance_is_never_offered_or_deleted(make_main_window, qtbot, small_files, monkeypatch):
    pos, rrng = small_files
    _first, copy = _window_with_recovery_copy(make_main_window, qtbot, small_files, "Live work")
    asked = _answer(monkeypatch, "No")
    second = make_main_window()
    assert second.offer_recovery() is False and asked == []  # its owner runs: no offer
    _open(second, qtbot, pos, rrng)
    qtbot.waitUntil(second.keeper.recovery_file.is_file, timeout=30_000)
    assert second.keeper.recovery_file != copy  # B writes its own copy, not over A's
    second.close()
    assert copy.is_file() and load_project(copy).subvolumes[-1].name == "Live work"


@pytest.mark.gui
def test_projects_keep_species_colours_and_hidden_species(make_main_window, qtbot, small_files, tmp_path):
    pos, rrng = small_files
    first = make_main_window()
    _open(first, qtbot, pos, rrng)
    names = list(first.session.display.names)
    ni, cu = names.index("Ni"), names.index("Cu")
    first.species_panel.set_colour(ni, (0.1, 0.8, 0.2))
    first.species_panel._rows[cu][0].setChecked(False)  # the user unticks Cu
    assert not first.session.display.is_visible("Cu")
    project = tmp_path / "display.heaproj"
    first.keeper.save(project)
    saved = load_project(project)
    assert saved.colours == {"Ni": (0.1, 0.8, 0.2)} and saved.hidden_species == ["Cu"]
    first.close()

    second = make_main_window()
    with qtbot.waitSignal(second.controller.dataset_loaded, timeout=60_000):
        second.open_project(project)
    qtbot.waitUntil(lambda: not second.session.display.is_visible("Cu"), timeout=30_000)
    display = second.session.display
    assert display.colour("Ni") == (0.1, 0.8, 0.2) and display.is_visible("Ni")
    assert not second.species_panel._rows[cu][0].isChecked()  # the panel shows it too
    view = second.atom_view
    assert view.n_candidates == view.n_atoms - int(second.session.dataset.atoms.counts()["Cu"])


def _edited(table):
    """``table`` as a user leaves it in the spectrum dock: the first range narrowed, one removed."""
    from dataclasses import replace

    first = replace(table.ranges[0], hi=table.ranges[0].lo + 0.6 * (table.ranges[0].hi - table.ranges[0].lo))
    return replace(table, ranges=[first, *table.ranges[1:-1]], source=None)


@pytest.mark.gui
def test_edited_ranges_survive_a_crash_and_a_project(
    make_main_window, qtbot, small_files, tmp_path, monkeypatch
):
    """Ranges edited in the window (no file behind them) are part of the session: the recovery copy
    and project files carry them, and reopening ranges the ions with them, not with none (the run
    used to reopen waiting for ranges, or with the range file guessed next to the ion file)."""

    pos, rrng = small_files
    crashed = make_main_window()
    _open(crashed, qtbot, pos, rrng)
    edited = _edited(crashed.session.dataset.ranges)
    with qtbot.waitSignal(crashed.controller.ranging_applied, timeout=60_000):
        crashed.controller.apply_ranges(edited, None)
    crashed.session.add_subvolume(Box((2.0, 2.0, 2.0), (6.0, 6.0, 6.0)), "Precipitate")
    counts = crashed.session.dataset.atoms.counts()
    project = tmp_path / "edited.heaproj"
    crashed.keeper.save(project)
    recovery = crashed.keeper.recovery_file
    qtbot.waitUntil(recovery.is_file, timeout=30_000)
    assert load_project(recovery).ranges is not None
    restored = _crash_and_recover(crashed, make_main_window, qtbot, monkeypatch)
    dataset = restored.session.dataset
    assert not dataset.waiting_for_ranges and dataset.range_path is None
    assert [(r.lo, r.hi, r.ion) for r in dataset.ranges.ranges] == [
        (r.lo, r.hi, r.ion) for r in edited.ranges
    ]
    assert dataset.atoms.counts() == counts
    close_discarding(restored, qtbot)

    again = make_main_window()
    with qtbot.waitSignal(again.controller.dataset_loaded, timeout=60_000):
        assert again.open_project(project) >= 0
    qtbot.waitUntil(lambda: len(again.session.subvolumes) == 2, timeout=30_000)
    assert again.session.dataset.atoms.counts() == counts
