"""vispy adapters: model changes become scene-node updates."""

from hea_studio.workers import _refcount_guard  # noqa: F401  (PySide6 6.12 on Python 3.11)
