"""Finding the numba kernels, and running them with the JIT off (shared by the kernel tests).

Compiled numba code does not check array bounds, so an indexing error in a kernel can pass unnoticed
with the JIT on; the same kernel run as plain Python (its ``py_func``) raises IndexError instead.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

# The layers that may hold numba code (the rest never import numba).
KERNEL_PACKAGES = ("hea_studio.core", "hea_studio.io", "hea_studio.compute", "hea_studio.synth")


def kernel_modules() -> list[ModuleType]:
    """Every module of the science layers, imported."""
    out = []
    for pkg_name in KERNEL_PACKAGES:
        pkg = importlib.import_module(pkg_name)
        out.append(pkg)
        for info in pkgutil.walk_packages(pkg.__path__, pkg_name + "."):
            out.append(importlib.import_module(info.name))
    return out


def numba_kernels() -> dict[str, tuple[ModuleType, str, object]]:
    """``"module:name" -> (module, name, dispatcher)`` for every numba function the package defines."""
    from numba.core.registry import CPUDispatcher

    found = {}
    for module in kernel_modules():
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__:
                found[f"{module.__name__}:{name}"] = (module, name, value)
    return found


# Kernels that ran as plain Python in this process ("module:name"), for the coverage check in
# tests/test_kernel_twins.py. A kernel called from another kernel counts too.
RAN_AS_PYTHON: set[str] = set()


def _recording(key: str, func):
    def run_as_python(*args, **kwargs):
        RAN_AS_PYTHON.add(key)
        return func(*args, **kwargs)

    run_as_python.__wrapped__ = func
    return run_as_python


def disable_jit(monkeypatch) -> int:
    """Replace every kernel by its plain-Python function for the rest of the test; returns how many.

    Kernels look each other up in their module's namespace at call time, so nested calls run as
    Python too, and so do the callers in compute/io (they call ``_kernels.name(...)``). Each call
    is recorded in :data:`RAN_AS_PYTHON`.
    """
    kernels = numba_kernels()
    for key, (module, name, dispatcher) in kernels.items():
        monkeypatch.setattr(module, name, _recording(key, dispatcher.py_func))
    return len(kernels)
