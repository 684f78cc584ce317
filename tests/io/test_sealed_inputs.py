"""Issue 28, inputs: only regular files are read (a FIFO or a device is refused at once, never read),
and a project or recovery copy cannot reach outside its own file."""

from __future__ import annotations

import os
import threading

import h5py
import numpy as np
import pytest

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.project import ProjectState, SubVolume
from hea_studio.core.settings import AnalysisSettings
from hea_studio.io import load_ions, load_ranges
from hea_studio.io.project.store import load_project, save_project


def _refused_in_time(call, *args) -> str:
    """Run ``call``; it must raise InputError within 20 s (a FIFO used to block forever)."""
    outcome: dict = {}

    def target():
        try:
            call(*args)
        except InputError as exc:
            outcome["error"] = str(exc)
        except Exception as exc:
            outcome["other"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "the reader blocked"
    assert "other" not in outcome, outcome.get("other")
    return outcome["error"]


@pytest.mark.parametrize("name", ["run.pos", "run.epos", "run.apt", "r.rrng", "r.rng", "r.env"])
def test_a_fifo_is_refused_without_blocking(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    loader = load_ions if name.startswith("run") else load_ranges
    message = _refused_in_time(loader, fifo)
    assert message.startswith(name) and "FIFO" in message


def test_a_character_device_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "zero.rrng"
    link.symlink_to("/dev/zero")  # used to read > 4 GB in seconds
    assert "device" in _refused_in_time(load_ranges, link)
    link2 = tmp_path / "zero.pos"
    link2.symlink_to("/dev/zero")
    assert "device" in _refused_in_time(load_ions, link2)


def test_a_fifo_project_is_refused(tmp_path):
    fifo = tmp_path / "p.h5"
    os.mkfifo(fifo)
    assert "FIFO" in _refused_in_time(load_project, fifo)


def _state(tmp_path) -> ProjectState:
    return ProjectState(
        ion_file=str(tmp_path / "a.pos"),
        range_file=str(tmp_path / "a.rrng"),
        subvolumes=[SubVolume("box", Box((0, 0, 0), (1, 1, 1)))],
        active=0,
        settings=AnalysisSettings(),
    )


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.h5"
    save_project(path, _state(tmp_path))
    assert load_project(path).subvolumes[0].name == "box"
    secret = tmp_path / "elsewhere.h5"
    with h5py.File(secret, "w") as f:
        f["boxes_nm"] = np.arange(6.0).reshape(1, 6)
    return path, secret


def _swap_boxes(path, make):
    with h5py.File(path, "r+") as f:
        del f["subvolumes/boxes_nm"]
        make(f["subvolumes"], "boxes_nm")


def test_an_external_link_is_refused(project):
    path, secret = project
    _swap_boxes(path, lambda g, n: g.__setitem__(n, h5py.ExternalLink(str(secret), "/boxes_nm")))
    with pytest.raises(InputError, match="external link"):
        load_project(path)


def test_a_virtual_dataset_is_refused(project):
    path, secret = project

    def make(group, name):
        layout = h5py.VirtualLayout(shape=(1, 6), dtype="f8")
        layout[:] = h5py.VirtualSource(str(secret), "boxes_nm", shape=(1, 6))
        group.create_virtual_dataset(name, layout)

    _swap_boxes(path, make)
    with pytest.raises(InputError, match="virtual dataset"):
        load_project(path)


def test_external_raw_storage_is_refused(project, tmp_path):
    path, _ = project
    raw = tmp_path / "raw.bin"
    np.arange(6.0).tofile(raw)
    _swap_boxes(
        path, lambda g, n: g.create_dataset(n, shape=(1, 6), dtype="f8", external=[(str(raw), 0, 48)])
    )
    with pytest.raises(InputError, match="external files"):
        load_project(path)


def test_a_soft_link_loop_is_not_a_project(project):
    path, _ = project
    with h5py.File(path, "r+") as f:
        del f["subvolumes/boxes_nm"]
        f["subvolumes/boxes_nm"] = h5py.SoftLink("/subvolumes/loop")
        f["subvolumes/loop"] = h5py.SoftLink("/subvolumes/boxes_nm")
    with pytest.raises(InputError, match="soft link"):
        load_project(path)


def test_a_huge_dataset_is_refused_without_reading_it(project):
    path, _ = project
    # 1e9 x 6 float64 declared (48 GB), nothing written: only the header is read.
    _swap_boxes(path, lambda g, n: g.create_dataset(n, shape=(10**9, 6), dtype="f8", chunks=(1024, 6)))
    with pytest.raises(InputError, match="MB"):
        load_project(path)


def test_any_hdf5_error_means_not_a_project(project, monkeypatch):
    path, _ = project

    def broken(*a, **k):
        raise RuntimeError("Unable to open object (component not found)")

    monkeypatch.setattr(h5py.Group, "__getitem__", broken)
    with pytest.raises(InputError, match="not a readable HEA Studio project"):
        load_project(path)


def test_a_bad_recovery_copy_is_set_aside_not_retried(tmp_path):
    """A recovery copy with a link loop gave a traceback at every start and was never removed."""
    from types import SimpleNamespace

    from hea_studio.app.project_keeper import ProjectKeeper
    from hea_studio.io.project.recovery import PREFIX, RecoveryFolder
    from hea_studio.io.project.store import PROJECT_SUFFIX

    folder = tmp_path / "recovery"
    folder.mkdir()
    copy = folder / f"{PREFIX}-999999{PROJECT_SUFFIX}"
    save_project(copy, _state(tmp_path))
    with h5py.File(copy, "r+") as f:
        del f["subvolumes/boxes_nm"]
        f["subvolumes/boxes_nm"] = h5py.SoftLink("/subvolumes/boxes_nm")

    # The window's start-up check, on this folder only (the keeper needs nothing else for it).
    def start():
        return ProjectKeeper.orphaned_session(SimpleNamespace(recovery=RecoveryFolder(folder)))  # type: ignore[arg-type]

    assert start() is None  # no traceback: the copy is not a project
    assert not copy.exists()
    (aside,) = folder.glob("*.unreadable")
    assert aside.name == copy.name + ".unreadable"  # kept for a bug report, out of the way
    assert RecoveryFolder(folder).orphans() == []  # the next start does not try it again
    assert start() is None
