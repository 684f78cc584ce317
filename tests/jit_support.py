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


def disable_jit(monkeypatch) -> int:
    """Replace every kernel by its plain-Python function for the rest of the test; returns how many.

    Kernels look each other up in their module's namespace at call time, so nested calls run as
    Python too, and so do the callers in compute/io (they call ``_kernels.name(...)``).
    """
    kernels = numba_kernels()
    for module, name, dispatcher in kernels.values():
        monkeypatch.setattr(module, name, dispatcher.py_func)
    return len(kernels)
