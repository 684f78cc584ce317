"""PyInstaller runtime hook: environment defaults for the frozen HEA Studio.

Runs inside the frozen app before ``hea_studio`` is imported.

- numba caches compiled kernels (``cache=True``) next to the source by default, which is read-only
  (or missing) in an installed bundle. ``NUMBA_CACHE_DIR`` sends the cache to the per-user cache
  directory, ``<user cache>/numba``, unless the user set it already.
- hea_studio and rsciio ship as .py files (see hea_studio.spec); Python must not write ``__pycache__`` into the
  installed bundle (read-only under Program Files, and writing into a signed macOS app breaks its
  signature), so bytecode writing is off. Compiling the modules a run imports takes well under 1 s.
- Linux: HEA Studio's 3D view needs an OpenGL-capable Qt platform. With an X display (including
  XWayland) and no choice made, ``QT_QPA_PLATFORM`` defaults to ``xcb``.
"""

import os
import sys
import tempfile


def _numba_cache_dir() -> str:
    try:
        from hea_studio.core.paths import user_cache_dir

        path = user_cache_dir() / "numba"
        path.mkdir(parents=True, exist_ok=True)
        return str(path)
    except OSError:
        # A home directory we cannot write to: still let numba cache for this session.
        return tempfile.mkdtemp(prefix="hea-studio-numba-")


if getattr(sys, "frozen", False):
    sys.dont_write_bytecode = True
    if not os.environ.get("NUMBA_CACHE_DIR"):
        os.environ["NUMBA_CACHE_DIR"] = _numba_cache_dir()
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and os.environ.get("DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
