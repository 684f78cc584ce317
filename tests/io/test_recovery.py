"""Recovery copies: one per running instance, offered only once their owner is gone (issue 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import hea_studio
from hea_studio.io.project.recovery import RecoveryFolder


def test_each_instance_has_its_own_copy_and_live_ones_are_never_orphans(tmp_path):
    a, b = RecoveryFolder(tmp_path), RecoveryFolder(tmp_path)
    copy_a, copy_b = a.own_copy(), b.own_copy()
    assert copy_a != copy_b  # B no longer overwrites A's session
    copy_a.write_bytes(b"A")
    copy_b.write_bytes(b"B")
    assert a.orphans() == [] and b.orphans() == []  # both owners run
    assert RecoveryFolder(tmp_path).orphans() == []  # a third instance offers nothing either
    b.close()
    assert not copy_b.exists() and copy_a.read_bytes() == b"A"  # a clean exit removes only its own


def test_a_crashed_instance_leaves_an_orphan_that_one_instance_claims(tmp_path):
    a = RecoveryFolder(tmp_path)
    copy = a.own_copy()
    copy.write_bytes(b"session")
    a._handle.close()  # the process died: the OS released its lock, the files stay
    b, c = RecoveryFolder(tmp_path), RecoveryFolder(tmp_path)
    (orphan,) = b.orphans()
    assert orphan.copy == copy
    assert c.orphans() == []  # while B offers it, nobody else does
    orphan.release()  # "later": kept for the next start
    (again,) = c.orphans()
    again.discard()  # "no": deleted
    assert not copy.exists() and RecoveryFolder(tmp_path).orphans() == []


def test_a_killed_process_is_detected_by_its_lock_not_its_pid(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(hea_studio.__file__).parents[1])!r})
        from hea_studio.io.project.recovery import RecoveryFolder
        r = RecoveryFolder({str(tmp_path)!r})
        r.own_copy().write_bytes(b"live session")
        print(os.getpid(), flush=True)
        time.sleep(600)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(child.stdout.readline())
        me = RecoveryFolder(tmp_path)
        assert me.orphans() == []  # its owner runs: never offered
        (copy,) = tmp_path.glob("session-*.heaproj")
        assert me.owner_pid(copy) == pid
        os.kill(pid, signal.SIGKILL)
        child.wait(timeout=30)
        (orphan,) = me.orphans()
        assert orphan.copy == copy and orphan.copy.read_bytes() == b"live session"
        orphan.discard()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_copy_from_an_older_version_is_an_orphan(tmp_path):
    (tmp_path / "session.heaproj").write_bytes(b"old")
    (orphan,) = RecoveryFolder(tmp_path).orphans()
    assert orphan.copy.name == "session.heaproj"
    orphan.discard()
    assert not list(tmp_path.iterdir())
