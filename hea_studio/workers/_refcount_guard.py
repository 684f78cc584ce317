"""Guard against a PySide6 6.12 reference-counting bug on Python 3.11.

PySide6 6.12 drops one reference to ``None`` on every call of a void Qt method (``processEvents``,
``setText``, ``update``, ``QTimer.start``...) and one reference to ``True``/``False`` on every signal
emission. From Python 3.12 on these objects are immortal and nothing happens; on 3.11 their count
reaches zero after some ten thousand calls and the interpreter aborts with "deallocating None".
Raising their counts by 2**40 makes them effectively immortal, which is exactly what Python 3.12
does; the objects are never freed anyway, so nothing else changes.
"""

from __future__ import annotations

import ctypes
import sys

_PIN = 1 << 40
_done = False


def pin_singletons() -> None:
    """Make ``None``, ``True`` and ``False`` immortal on Python < 3.12 (idempotent)."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        _done = True
        return
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object header.
        ctypes.c_ssize_t.from_address(id(obj)).value += _PIN
    _done = True


pin_singletons()
