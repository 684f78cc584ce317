"""Recovery copies of running sessions: one per instance, each guarded by a lock file with its PID.

Every running window keeps its session in ``FOLDER/session-PID.heaproj`` and holds an operating
system lock on ``FOLDER/session-PID.lock`` (which also records the PID, for people) for as long as
it runs. The operating system releases such a lock when the process ends in any way, a crash or a
``kill -9`` included, so a copy whose lock can be taken belongs to a session that ended without
closing: an orphan, to be offered back. A copy whose lock is held belongs to a live instance and
is never offered or deleted by another one (PID reuse cannot fool the check: it asks about the lock,
not about the PID). An instance that offers an orphan holds its lock meanwhile, so two instances
started together never offer the same copy. A copy without a lock file (a recovery file from an
older version, ``session.heaproj``) is an orphan too.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from hea_studio.io.project.store import PROJECT_SUFFIX

PREFIX = "session"


def _try_lock(fh: IO[bytes]) -> bool:
    """Take an exclusive, non-blocking lock on the open file ``fh``; False if another process holds it."""
    try:
        if sys.platform.startswith("win"):
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _open_lock(path: Path) -> IO[bytes] | None:
    try:
        return open(path, "a+b")  # never truncates a lock another process may be holding
    except OSError:
        return None


@dataclass
class Orphan:
    """A recovery copy whose session ended without closing, claimed (locked) by this process."""

    copy: Path
    lock_path: Path
    handle: IO[bytes] | None = field(default=None, repr=False)

    def release(self) -> None:
        """Stop claiming it: keep the copy for a later start."""
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()
            self.handle = None

    def set_aside(self) -> Path | None:
        """Move an unreadable copy out of the way (``NAME.h5.unreadable``) so that no later start tries
        it again; the user can still send it in. Returns where it went (``None``: it was deleted)."""
        target: Path | None = self.copy.with_name(self.copy.name + ".unreadable")
        try:
            os.replace(self.copy, target)  # type: ignore[arg-type]
        except OSError:
            self.copy.unlink(missing_ok=True)
            target = None
        self.lock_path.unlink(missing_ok=True)
        self.release()
        return target

    def discard(self) -> None:
        """Delete the copy and its lock file (the user declined it, or it was restored)."""
        self.copy.unlink(missing_ok=True)
        self.lock_path.unlink(missing_ok=True)
        self.release()


class RecoveryFolder:
    """The recovery copies of all instances in ``folder``, and this instance's own slot.

    Parameters
    ----------
    folder
        Where the copies live (created on demand).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._own: Path | None = None
        self._own_lock: Path | None = None
        self._handle: IO[bytes] | None = None

    # ---- this instance ---------------------------------------------------------------------------
    def own_copy(self) -> Path:
        """This instance's recovery file (its lock is taken the first time, held until :meth:`close`)."""
        if self._own is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            pid = os.getpid()
            for n in range(100):  # a second window of the same process gets its own slot
                name = f"{PREFIX}-{pid}" + (f"-{n}" if n else "")
                lock = self.folder / f"{name}.lock"
                fh = _open_lock(lock)
                if fh is None:
                    continue
                if _try_lock(fh) and not (self.folder / f"{name}{PROJECT_SUFFIX}").exists():
                    fh.seek(0)
                    fh.truncate()
                    fh.write(f"{pid}\n".encode())
                    fh.flush()
                    self._own, self._own_lock, self._handle = (
                        self.folder / f"{name}{PROJECT_SUFFIX}",
                        lock,
                        fh,
                    )
                    break
                fh.close()
            else:
                raise OSError(f"no free recovery slot in {self.folder}")
        assert self._own is not None
        return self._own

    def close(self, discard: bool = True) -> None:
        """A clean exit: delete this instance's copy (unless ``discard`` is False) and its lock."""
        if self._own is not None and discard:
            self._own.unlink(missing_ok=True)
            if self._own_lock is not None:
                self._own_lock.unlink(missing_ok=True)
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
        self._own = self._own_lock = None
        self._handle = None

    # ---- the others -------------------------------------------------------------------------------
    def orphans(self) -> list[Orphan]:
        """Copies left by sessions that ended without closing, newest first, each claimed by us.

        Copies of running instances (their lock is held) and our own copy are left alone.
        """
        if not self.folder.is_dir():
            return []
        found: list[Orphan] = []
        copies = sorted(
            self.folder.glob(f"{PREFIX}*{PROJECT_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for copy in copies:
            if copy == self._own:
                continue
            lock = copy.with_suffix(".lock")
            fh = _open_lock(lock)
            if fh is None:
                continue
            if not _try_lock(fh):
                fh.close()  # a live instance's copy
                continue
            if not copy.exists():  # discarded by whoever held the lock just before us
                fh.close()
                continue
            found.append(Orphan(copy, lock, fh))
        return found

    def owner_pid(self, copy: Path) -> int | None:
        """The PID written in the lock file of ``copy`` (for messages), if readable."""
        try:
            return int(copy.with_suffix(".lock").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
