"""The memory budget: how much RAM an analysis may plan to use, and the warning when it would not fit.

The budget decides the size of the voxel summed-volume tables (the fast path of the entropy curve)
and is compared with an estimate of a run's peak before the run starts. The default is a fraction
of the machine's physical memory; the ``HEA_STUDIO_MEMORY_BUDGET_MB`` environment variable, the
``--memory-budget`` option of the command line and the GUI's settings override it.
"""

from __future__ import annotations

import os

DEFAULT_FRACTION = 0.25
"""Share of physical memory an analysis may plan for by default (others may run beside it)."""

TABLE_SHARE = 0.5
"""Share of the budget the voxel tables of one sub-volume may take."""

ENV_VAR = "HEA_STUDIO_MEMORY_BUDGET_MB"

_MB = 1 << 20


def machine_memory() -> int:
    """Physical memory in bytes (4 GB if the platform does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - Windows without sysconf
        pass
    try:  # pragma: no cover - Windows
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [
                ("dwLength", ctypes.c_ulong),
                ("dwMemoryLoad", ctypes.c_ulong),
                ("ullTotalPhys", ctypes.c_ulonglong),
                ("ullAvailPhys", ctypes.c_ulonglong),
                ("ullTotalPageFile", ctypes.c_ulonglong),
                ("ullAvailPageFile", ctypes.c_ulonglong),
                ("ullTotalVirtual", ctypes.c_ulonglong),
                ("ullAvailVirtual", ctypes.c_ulonglong),
                ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
            ]

        status = _Status()
        status.dwLength = ctypes.sizeof(_Status)
        ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
        return int(status.ullTotalPhys)
    except Exception:  # pragma: no cover
        return 4 << 30


def default_budget() -> int:
    """The budget in bytes: the environment variable if set, else a fraction of physical memory."""
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        try:
            value = float(text)
            if value > 0:
                return int(value * _MB)
        except ValueError:
            pass
    return int(machine_memory() * DEFAULT_FRACTION)


_budget: int | None = None


def budget() -> int:
    """The budget in force (bytes): :func:`set_budget`'s value or :func:`default_budget`."""
    return _budget if _budget is not None else default_budget()


def set_budget(nbytes: int | None) -> None:
    """Set the process-wide budget in bytes (``None``: back to the default)."""
    global _budget
    if nbytes is not None and nbytes <= 0:
        raise ValueError("the memory budget must be positive")
    _budget = int(nbytes) if nbytes is not None else None


def table_budget() -> int:
    """Bytes the voxel tables of one sub-volume may take."""
    return int(budget() * TABLE_SHARE)


def format_bytes(n: float) -> str:
    """``1536 MB``-style text (GB from 10 GB up)."""
    return f"{n / (1 << 30):.1f} GB" if n >= 10 * (1 << 30) else f"{n / _MB:.0f} MB"


def over_budget_warning(estimate: int, what: str = "this analysis") -> str | None:
    """A warning when ``estimate`` bytes exceed the budget, else ``None``."""
    limit = budget()
    if estimate <= limit:
        return None
    return (
        f"{what} needs about {format_bytes(estimate)}, more than the memory budget of "
        f"{format_bytes(limit)}; it may swap or fail (raise the budget or choose a smaller box)"
    )
