"""Issue 14, project files: saving keeps the file's permissions, cleans up after killed saves, and a
project moved together with its data still finds the data."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

from hea_studio.core.geometry import Box, SubVolume
from hea_studio.core.project import ProjectState
from hea_studio.io.files import STALE_TEMPORARY_S
from hea_studio.io.project.store import load_project, save_project


def _state(folder: Path) -> ProjectState:
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "run.pos").write_bytes(b"\0" * 16)
    (folder / "data" / "run.rrng").write_text("[Ions]\n")
    return ProjectState(
        ion_file=str(folder / "data" / "run.pos"),
        range_file=str(folder / "data" / "run.rrng"),
        subvolumes=[SubVolume("Box 1", Box((0, 0, 0), (5, 5, 5)))],
    )


def test_saving_keeps_the_permissions_of_an_existing_project(tmp_path):
    path = tmp_path / "p.heaproj"
    save_project(path, _state(tmp_path))
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # a new project: like any new file
    for mode in (0o644, 0o640, 0o664):
        path.chmod(mode)
        save_project(path, _state(tmp_path))
        assert stat.S_IMODE(path.stat().st_mode) == mode  # was 0600 after every save


def test_leftovers_of_killed_saves_are_removed_but_a_save_in_progress_is_not(tmp_path):
    path = tmp_path / "p.heaproj"
    old = tmp_path / ".p.heaproj.abc123.tmp"
    fresh = tmp_path / ".p.heaproj.def456.tmp"
    other = tmp_path / ".q.heaproj.abc123.tmp"
    for f in (old, fresh, other):
        f.write_bytes(b"partial")
    past = time.time() - STALE_TEMPORARY_S - 60
    os.utime(old, (past, past))
    os.utime(other, (past, past))
    save_project(path, _state(tmp_path))
    assert not old.exists()  # a killed save of this project
    assert fresh.exists()  # maybe another instance writing right now
    assert other.exists()  # another project's business
    assert load_project(path).subvolumes[0].name == "Box 1"


def test_a_folder_moved_with_its_data_still_opens(tmp_path):
    src = tmp_path / "study"
    src.mkdir()
    save_project(src / "p.heaproj", _state(src))
    moved = tmp_path / "elsewhere" / "study"
    shutil.move(str(src), str(moved))
    state = load_project(moved / "p.heaproj")
    assert state.ion_file == str((moved / "data" / "run.pos").resolve())
    assert state.range_file == str((moved / "data" / "run.rrng").resolve())


def test_absolute_paths_win_while_they_exist_and_are_reported_when_nothing_exists(tmp_path):
    data_home = tmp_path / "shared"
    data_home.mkdir()
    state = _state(data_home)
    projects = tmp_path / "projects"
    projects.mkdir()
    save_project(projects / "p.heaproj", state)
    shutil.copytree(projects, tmp_path / "copy")
    # The data did not move: the copy still uses the original absolute paths.
    assert load_project(tmp_path / "copy" / "p.heaproj").ion_file == state.ion_file
    shutil.rmtree(data_home)
    # Neither path exists: the original one is kept so the window can say what is missing.
    assert load_project(tmp_path / "copy" / "p.heaproj").ion_file == state.ion_file


def test_a_project_keeps_ranges_no_file_holds(tmp_path):
    from dataclasses import replace

    text = "[Ions]\nNumber=1\nIon1=Fe\n[Ranges]\nNumber=1\nRange1=55.8 56.1 Fe:1\n"
    path = tmp_path / "p.heaproj"
    save_project(path, replace(_state(tmp_path), range_file=None, ranges=text))
    back = load_project(path)
    assert back.ranges == text and back.range_file is None
    save_project(path, _state(tmp_path))
    assert load_project(path).ranges is None  # ranges from a file: the file is named, not copied
