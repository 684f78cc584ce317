"""numba set-up shared by every kernel module: where compiled code is cached, and a cache that heals.

Cache location
    numba's ``cache=True`` writes next to the source file when it can. For HEA Studio that meant a
    cache inside the installed package (shared by every user of a system install, stale after an
    upgrade in place) or, in a frozen build, nowhere useful. Every kernel module imports this module
    before it decorates anything, and this module points numba at ``user_cache_dir()/numba`` unless
    the user chose ``NUMBA_CACHE_DIR`` themselves. Both the environment variable (inherited by worker
    processes, read when numba is first imported) and numba's already-loaded configuration (read
    when a kernel is decorated) are set, so the order of imports does not matter: the CLI entry, the
    window and the frozen app all decorate their kernels after importing this module.

Corrupt entries
    A cache file cut short by a crash or a full disk made every later run fail while numba unpickled
    it ("UnpicklingError", "EOFError") until the user found and deleted it. Loading an entry now goes
    through :func:`_load_or_heal`: an entry that cannot be loaded is removed, one line on stderr says
    so, and numba compiles the kernel again (and caches the fresh result).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from hea_studio.core.paths import user_cache_dir


def numba_cache_dir() -> Path:
    """The folder numba caches compiled kernels in (``NUMBA_CACHE_DIR`` if the user set one)."""
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    return Path(chosen) if chosen else user_cache_dir() / "numba"


def _say_once(text: str) -> None:
    """One line on stderr per process, however many kernels hit the same problem."""
    if text not in _SAID:
        _SAID.add(text)
        print(f"hea-studio: {text}", file=sys.stderr)


_SAID: set[str] = set()


def _configure_location() -> str | None:
    """The cache folder, made and probed; ``None`` when it cannot be written (then nothing is cached).

    A read-only HOME or XDG_CACHE_HOME, a full disk or a file where the folder should be used to stop
    every run at import; now the kernels compile every run instead (slower start, same results).
    """
    try:
        path = numba_cache_dir()
        path.mkdir(parents=True, exist_ok=True)
        # mkdir succeeds on an existing read-only folder: creating a file is the only honest test.
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        _say_once(
            f"cannot write the compiled-code cache ({exc.strerror or exc}: {exc.filename or ''}); "
            "compiling without a cache (slower start, same results)"
        )
        return None
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    return str(path)


_CACHE_DIR = _configure_location()

import numba  # noqa: E402  (the cache location must be in the environment before numba reads it)
from numba.core import caching  # noqa: E402

if _CACHE_DIR is not None:
    # numba may have been imported before this module, when its configuration snapshot missed the variable.
    numba.config.CACHE_DIR = _CACHE_DIR  # type: ignore[attr-defined]


def njit(*args, **kwargs):
    """``numba.njit``, with ``cache=True`` dropped when the cache folder cannot be written.

    Without this numba would fall back to caching beside the sources (inside an installed package)
    or raise "no locator available" at import.
    """
    if _CACHE_DIR is None:
        kwargs["cache"] = False
    return numba.njit(*args, **kwargs)


def _entry_files(cache: caching.Cache) -> list[Path]:
    """The index file of a kernel's cache and every data file it may point to."""
    impl = cache._cache_file  # numba's IndexDataCacheFile
    index = Path(impl._index_path)
    base = impl._index_name[: -len(".nbi")] if impl._index_name.endswith(".nbi") else impl._index_name
    return [index, *index.parent.glob(f"{base}.*.nbc")]


def _load_or_heal(self: caching.Cache, sig, target_context):
    """numba's ``Cache.load_overload``, but a corrupt entry is removed and recompiled, not fatal."""
    try:
        return _ORIGINAL_LOAD(self, sig, target_context)
    except Exception as exc:  # unpickling a damaged file can raise nearly anything
        if isinstance(exc, IsADirectoryError):
            return None  # a folder where the entry should be: compiled again, saving says so once
        removed = 0
        for path in _entry_files(self):
            try:
                path.unlink()
                removed += 1
            except OSError:  # a folder where the entry should be: saving skips it too
                pass
        name = getattr(getattr(self, "_py_func", None), "__qualname__", "a kernel")
        print(
            f"hea-studio: the compiled-code cache of {name} was damaged ({type(exc).__name__}); "
            f"removed {removed} file(s) from {self._cache_path}, compiling it again",
            file=sys.stderr,
        )
        return None


def _save_or_skip(self: caching.Cache, sig, data):
    """numba's ``Cache.save_overload``, but a cache that cannot be written is skipped, not fatal.

    A full disk, a folder where an entry should be, or a cache made read-only while running: the
    kernel is compiled and runs; only the next run compiles it again. Half-written entries are
    removed so they are not loaded later.
    """
    try:
        return _ORIGINAL_SAVE(self, sig, data)
    except Exception as exc:  # OSError mostly; pickling into a broken file can raise others
        for path in _entry_files(self):
            if path.is_file():
                with contextlib.suppress(OSError):
                    path.unlink()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        _say_once(
            f"cannot save compiled code in {_CACHE_DIR or self._cache_path} ({reason}); "
            "continuing without caching it (slower start next time, same results)"
        )
        return None


_ORIGINAL_SAVE = getattr(caching.Cache.save_overload, "_hea_original", caching.Cache.save_overload)
_save_or_skip._hea_original = _ORIGINAL_SAVE  # type: ignore[attr-defined]
caching.Cache.save_overload = _save_or_skip  # type: ignore[method-assign]

_ORIGINAL_LOAD = getattr(caching.Cache.load_overload, "_hea_original", caching.Cache.load_overload)
_load_or_heal._hea_original = _ORIGINAL_LOAD  # type: ignore[attr-defined]
caching.Cache.load_overload = _load_or_heal  # type: ignore[method-assign]

__all__ = ["njit", "numba_cache_dir"]
