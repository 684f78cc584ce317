"""A vispy canvas backend that draws into its own native window (``QOpenGLWindow``).

vispy's PySide6 backend draws into a ``QOpenGLWidget``. Putting one of those into a window makes Qt
composite the *whole* window through OpenGL: every repaint of any widget (a spin box, a plot, the
status bar) uploads the window as a texture and swaps a full-window frame. With software OpenGL
(llvmpipe, no GPU) that costs about 40 ms per repaint on a 1600x1000 window instead of about 1 ms,
which is what limited how fast the entropy plot could follow a box drag.

A ``QOpenGLWindow`` embedded with ``QWidget.createWindowContainer`` is a separate native window:
the rest of the main window keeps its plain raster backing store, and only the 3D view pays for
OpenGL when it actually redraws. This is the arrangement Qt's documentation recommends when a GL
widget makes the rest of a window slow.

The class reuses vispy's Qt event translation (mouse, wheel, keys) and only replaces what differs
between a widget and a window: construction, context handling and buffer swapping. The vispy
internals this needs are reached only through :mod:`hea_studio.render.vispy_private`.
"""

from __future__ import annotations

import atexit
import os
import weakref
from collections.abc import Callable

from PySide6 import QtCore, QtGui
from PySide6.QtOpenGL import QOpenGLWindow
from PySide6.QtWidgets import QVBoxLayout, QWidget
from shiboken6 import Shiboken

from hea_studio.render.vispy_private import (
    QtCanvasBackendBase,
    set_canvas_backend,
    surface_format,
    widget_backend,
)


class WindowCanvasBackend(QtCanvasBackendBase, QOpenGLWindow):  # type: ignore[misc]
    """vispy canvas backend on a ``QOpenGLWindow`` (see the module docstring for why)."""

    def _init_specific(self, p, kwargs) -> None:
        glformat = surface_format(p.context.config)
        glformat.setSwapInterval(1 if p.vsync else 0)
        p.context.shared.add_ref("qt", self)
        QOpenGLWindow.__init__(self, QOpenGLWindow.UpdateBehavior.NoPartialUpdate)
        self.setFormat(glformat)
        # GL queries made before the window is exposed (e.g. GL_RENDERER for the display budget)
        # need a current context; a small offscreen one answers them, as in vispy's widget backend.
        self._secondary_context = QtGui.QOpenGLContext()
        self._secondary_context.setFormat(glformat)
        self._secondary_context.create()
        self._surface = QtGui.QOffscreenSurface()
        self._surface.setFormat(glformat)
        self._surface.create()
        self._secondary_context.makeCurrent(self._surface)
        self._initialized = True
        self._drop_handler: Callable[[QtCore.QEvent], bool] | None = None

    # ---- QWidget-isms vispy's shared code calls ------------------------------------------------------
    def setMouseTracking(self, _on: bool) -> None:
        """Windows always receive mouse moves; nothing to switch on."""

    def setWindowTitle(self, title: str) -> None:
        self.setTitle(title)

    def devicePixelRatioF(self) -> float:
        return float(self.devicePixelRatio())

    def showNormal(self) -> None:
        self.show()

    # ---- GL plumbing -------------------------------------------------------------------------------
    def _vispy_close(self) -> None:
        self.close()
        if self.isValid():
            self.doneCurrent()

    def _vispy_set_current(self) -> None:
        if self._vispy_canvas is None:
            return
        if self.isValid():
            self.makeCurrent()
        else:
            self._secondary_context.makeCurrent(self._surface)

    def _vispy_swap_buffers(self) -> None:
        """Nothing to do: QOpenGLWindow swaps after :meth:`paintGL` returns."""

    def _vispy_get_fb_bind_location(self) -> int:
        return int(self.defaultFramebufferObject())

    def initializeGL(self) -> None:
        if self._vispy_canvas is not None:
            self._vispy_canvas.events.initialize()

    def resizeGL(self, w: int, h: int) -> None:
        if self._vispy_canvas is None:
            return
        ratio = self.devicePixelRatioF()
        pw, ph = int(w * ratio), int(h * ratio)
        self._vispy_set_physical_size(pw, ph)
        self._vispy_canvas.events.resize(size=(self.width(), self.height()), physical_size=(pw, ph))

    def paintGL(self) -> None:
        if self._vispy_canvas is None:
            return
        self._vispy_canvas.set_current()
        self._vispy_canvas.events.draw(region=None)

    # ---- file drops ------------------------------------------------------------------------------
    def set_drop_handler(self, handler: Callable[[QtCore.QEvent], bool] | None) -> None:
        """Route drag-and-drop events that land on the 3D view (a separate native window, so the
        main window never sees them) to ``handler``, which returns True when it took the event."""
        self._drop_handler = handler

    def event(self, ev: QtCore.QEvent) -> bool:
        kind = ev.type()
        drops = (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove, QtCore.QEvent.Type.Drop)
        if self._drop_handler is not None and kind in drops and self._drop_handler(ev):
            return True
        return super().event(ev)


FALLBACK_ENV = "HEA_STUDIO_GL_WIDGET"


def use_window() -> bool:
    """False when the user asked for vispy's own QOpenGLWidget (``HEA_STUDIO_GL_WIDGET=1``): an
    escape hatch for a platform where a native child window misbehaves, and the benchmark's
    baseline."""
    return os.environ.get(FALLBACK_ENV, "").strip().lower() not in ("1", "true", "yes", "on")


def install(windowed: bool = True) -> None:
    """Make vispy's PySide6 backend create :class:`WindowCanvasBackend` canvases (``windowed``) or
    its own QOpenGLWidget ones.

    vispy looks the class up on the backend module each time a canvas is made, so this affects only
    canvases created afterwards.
    """
    set_canvas_backend(WindowCanvasBackend if windowed else widget_backend())


# Teardown order. Qt deletes an embedded window together with its container, but PySide leaves the
# window's wrapper owned by Python, and at exit PySide's own handler deletes Python-owned objects and
# then the QApplication in an order that can leave a container (its top-level widget closed but
# not yet deleted, e.g. after deleteLater) pointing at a window that is gone; Qt dereferences it
# and the process crashes on the way out (it did, after every test had passed). So at exit, before
# PySide's handler (atexit runs handlers in reverse order of registration, and PySide registered
# its handler when QtCore was imported), each 3D view's top-level widget is deleted explicitly,
# which deletes holder, container and window in Qt's own parent-first order.
_holders: list[weakref.ref[QWidget]] = []


def _delete_view_windows() -> None:
    for ref in _holders:
        holder = ref()
        if holder is None or not Shiboken.isValid(holder):
            continue
        top = holder.window()
        if top is not None and Shiboken.isValid(top):
            Shiboken.delete(top)
    _holders.clear()


atexit.register(_delete_view_windows)


def embed(window: QOpenGLWindow, parent: QWidget | None = None) -> QWidget:
    """The widget that places ``window`` in a layout (a holder around the window's container)."""
    holder = QWidget(parent)
    _holders.append(weakref.ref(holder))
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    container = QWidget.createWindowContainer(window, holder)
    container.setFocusPolicy(QtCore.Qt.FocusPolicy.WheelFocus)
    layout.addWidget(container)
    holder.setMinimumSize(200, 150)
    return holder
