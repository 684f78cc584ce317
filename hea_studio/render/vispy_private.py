"""The one module that touches vispy's private Qt backend API (``vispy.app.backends._pyside6``/``_qt``).

Why private API at all: vispy's PySide6 backend only draws into a ``QOpenGLWidget``, which makes Qt
composite the whole main window through OpenGL (see :mod:`hea_studio.render.gl_window`), and vispy
offers no public hook to draw into a ``QOpenGLWindow`` instead. The window backend reuses vispy's Qt
event translation by subclassing its shared Qt canvas base class, and is installed by replacing the
class vispy's PySide6 backend module instantiates.

Keeping every private name behind these four small functions means a vispy upgrade that moves them
breaks here, in one place, and ``tests/test_layers.py`` checks that no other module imports
``vispy.app.backends``. pyproject.toml pins vispy to the minor versions this was tested with.
"""

from __future__ import annotations

from typing import Any

# _pyside6 first: importing it binds vispy's shared Qt backend module (_qt) to PySide6.
from vispy.app.backends import _pyside6, _qt

QtCanvasBackendBase: type = _qt.QtBaseCanvasBackend
"""vispy's Qt canvas base class: event translation (mouse, wheel, keys) shared by its Qt backends."""

_WIDGET_BACKEND = _pyside6.CanvasBackend  # vispy's own QOpenGLWidget backend, before any install


def surface_format(config: Any):
    """The ``QSurfaceFormat`` vispy builds for a canvas's GL ``config`` (depth, samples, profile)."""
    return _qt._set_config(config)


def widget_backend() -> type:
    """vispy's own canvas backend class (a ``QOpenGLWidget``)."""
    return _WIDGET_BACKEND


def set_canvas_backend(cls: type) -> None:
    """Make vispy's PySide6 backend create ``cls`` canvases from now on (vispy looks the class up on
    the backend module each time a canvas is made, so existing canvases keep theirs)."""
    _pyside6.CanvasBackend = cls
