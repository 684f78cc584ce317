"""Atomic writes (io/files.py): the file appears whole or not at all, and keeps its permissions."""

from __future__ import annotations

import os
import stat

import pytest

from hea_studio.io.files import write_atomically


def test_the_new_content_replaces_the_old_and_no_temporary_is_left(tmp_path):
    target = tmp_path / "out" / "result.json"  # the folder does not exist yet
    write_atomically(target, lambda tmp: tmp.write_text("first"))
    write_atomically(target, lambda tmp: tmp.write_text("second"), durable=False)
    assert target.read_text() == "second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["result.json"]


def test_a_failed_write_leaves_the_old_file_untouched(tmp_path):
    target = tmp_path / "result.json"
    target.write_text("old")

    def half_then_fail(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, half_then_fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_rewriting_keeps_the_files_permissions(tmp_path):
    target = tmp_path / "shared.rrng"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomically(target, lambda tmp: tmp.write_text("new"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
