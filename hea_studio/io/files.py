"""Writing files so that a crash, a full disk or a killed process never leaves half a file behind.

Every file HEA Studio writes (projects, exports, range files, reports, plots, meshes) goes through
:func:`write_atomically`: the data is written to a temporary file in the target folder and moved over
the old file in one ``os.replace``. Temporaries left by killed writes are removed once they are old.

Reading large files goes the other way: they are memory-mapped, and :func:`release_pages` lets the OS
drop the pages a chunked pass has finished with.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import mmap
import os
import stat
import tempfile
import time
from pathlib import Path

import numpy as np
from numpy.lib.array_utils import byte_bounds


def _final_mode(path: Path) -> int:
    """Permission bits the written file should get: the existing file's, else 0666 minus the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process umask (read from /proc where possible: setting it is process-wide)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def output_target(path: Path) -> Path:
    """The file a write to ``path`` must replace: a symbolic link's final target (so the link is
    kept), refusing anything that is not a regular file (a device, a FIFO, a folder).

    Raises
    ------
    OSError
        ``path`` (or its target) exists and is not a regular file.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        st = path.stat()
    except FileNotFoundError:
        return path
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, FIFO or socket"
        raise OSError(errno.EINVAL, f"{kind}, not a regular file: it is never replaced", str(path))
    return path


def write_atomically(path: Path, write, durable: bool = True, allow_empty: bool = False) -> None:
    """Call ``write(tmp_path)`` on a temporary file next to ``path``, then move it into place.

    The temporary file lives in the same folder so that ``os.replace`` is an atomic rename on the same
    file system; on any failure the old file is untouched and the temporary file is removed. A
    symbolic link is followed (its target is replaced and the link kept: a project saved through a
    link used to lose it); a device, FIFO or folder is refused (``--csv /dev/stdout`` as root used to
    replace the device); a write that produced an empty file (a writer that failed silently, such as
    libpng on a full disk) is refused unless ``allow_empty``.
    ``durable`` also flushes the data to disk before the rename (it can block for a while on a busy
    disk, so the GUI's frequent recovery copy skips it: a rename is still all-or-nothing).
    """
    path = output_target(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _final_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        if not allow_empty and os.stat(tmp).st_size == 0:
            raise OSError(
                errno.ENOSPC, "nothing was written (is the disk full?); the old file is kept", str(path)
            )
        # mkstemp makes the file private (0600); the result keeps the old file's permissions, or
        # gets those of any new file (umask applied), so saving never narrows who can read it.
        os.chmod(tmp, mode)
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    remove_stale_temporaries(path)


# A temporary file older than this is a leftover of a killed write, not one being written: a
# project or an export is written in well under a second.
STALE_TEMPORARY_S = 600.0


def remove_stale_temporaries(path: Path, older_than_s: float = STALE_TEMPORARY_S) -> int:
    """Delete ``.NAME.*.tmp`` files beside ``path`` left by writes that were killed; return how many.

    Only files older than ``older_than_s`` go, so a write in progress in another process is safe.
    """
    now = time.time()
    removed = 0
    for leftover in Path(path).parent.glob(f".{glob.escape(Path(path).name)}.*.tmp"):
        try:
            if now - leftover.stat().st_mtime > older_than_s:
                leftover.unlink()
                removed += 1
        except OSError:
            continue  # gone already, or not ours to delete
    return removed


def mapping_of(arr: np.ndarray) -> mmap.mmap | None:
    """The memory map an array is a view of (through its base chain), or None for an ordinary array."""
    base: object = arr
    while base is not None:
        if isinstance(base, mmap.mmap):
            return base
        base = base.obj if isinstance(base, memoryview) else getattr(base, "base", None)
    return None


def release_pages(arr: np.ndarray) -> None:
    """Let the OS drop the resident pages of a memory-mapped array (no-op for other arrays).

    The pages are clean file pages: the data stays in the page cache and is faulted back in if
    touched again. Releasing them after each chunk is what keeps the resident size of a process
    that scans a large file at a few MB instead of the file size.
    """
    mm = mapping_of(arr) if hasattr(mmap, "MADV_DONTNEED") else None
    if mm is None or arr.size == 0:
        return
    start = np.frombuffer(mm, dtype=np.uint8, count=1).__array_interface__["data"][0]
    low, high = byte_bounds(arr)
    first = max(0, (low - start) // mmap.PAGESIZE * mmap.PAGESIZE)
    end = min(len(mm), high - start)
    if end > first:
        with contextlib.suppress(OSError):  # advice only: never fail a read because of it
            mm.madvise(mmap.MADV_DONTNEED, first, end - first)
