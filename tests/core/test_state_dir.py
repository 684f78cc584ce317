"""Crash logs and recovery copies live in $XDG_STATE_HOME, and what older versions left in the cache moves there."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hea_studio.core import paths

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are Linux's")


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    """Default folders under tmp_path: no overrides, XDG variables pointing into the test's folder."""
    monkeypatch.delenv("HEA_STUDIO_STATE", raising=False)
    monkeypatch.delenv("HEA_STUDIO_CACHE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(paths, "_migrated", False)
    return tmp_path / "cache" / "hea-studio", tmp_path / "state" / "hea-studio"


def test_old_logs_and_recovery_copies_move_from_the_cache_to_state(xdg):
    cache, state = xdg
    (cache / "logs").mkdir(parents=True)
    (cache / "logs" / "crash-20260101-000000.log").write_text("old traceback")
    (cache / "recovery").mkdir()
    (cache / "recovery" / "session.heaproj").write_bytes(b"HDF5 copy")
    (cache / "numba").mkdir()  # a real cache entry stays where it is
    assert paths.user_state_dir() == state
    assert (state / "logs" / "crash-20260101-000000.log").read_text() == "old traceback"
    assert (state / "recovery" / "session.heaproj").read_bytes() == b"HDF5 copy"
    assert not (cache / "logs").exists() and not (cache / "recovery").exists() and (cache / "numba").is_dir()
    # New crash logs and the recovery copy go to state.
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log = paths.write_crash_log()
    assert log.startswith(str(state / "logs")) and "boom" in Path(log).read_text()
    from hea_studio.io.project.store import recovery_path

    assert recovery_path() == state / "recovery" / "session.heaproj"


def test_migration_never_overwrites_and_never_runs_with_overrides(xdg, tmp_path, monkeypatch):
    cache, state = xdg
    (cache / "logs").mkdir(parents=True)
    (cache / "logs" / "crash-a.log").write_text("cache copy")
    (state / "logs").mkdir(parents=True)
    (state / "logs" / "crash-a.log").write_text("state copy")
    paths.user_state_dir()
    assert (state / "logs" / "crash-a.log").read_text() == "state copy"
    assert (cache / "logs" / "crash-a.log").read_text() == "cache copy"  # left, not lost
    # With an override (tests, frozen builds) a user's cache is never touched.
    monkeypatch.setattr(paths, "_migrated", False)
    (cache / "recovery").mkdir()
    (cache / "recovery" / "session.heaproj").write_bytes(b"x")
    monkeypatch.setenv("HEA_STUDIO_STATE", str(tmp_path / "elsewhere"))
    assert paths.user_state_dir() == tmp_path / "elsewhere"
    assert (cache / "recovery" / "session.heaproj").exists() and not (
        tmp_path / "elsewhere" / "recovery"
    ).exists()
