"""Window size and dock room: a first window that fits the screen it opens on, a layout remembered
per screen size, and a mass spectrum dock that gets the width and height it needs when shown.

The window used to open at a fixed 1400 x 900 px: on a 1280 x 800 laptop its status bar, bottom
tabs and right edge were off screen. And the spectrum, a tab of the strip under the 3D view, got
about 430 x 130 px, where its labels overprinted and its range table was out of reach.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

# The window on a first start: most of the screen, up to a size where the plots stop gaining.
SHARE_W, SHARE_H = 0.94, 0.92
MAX_W, MAX_H = 1760, 1100
FRAME_ALLOWANCE = 40  # the window manager's title bar and borders, outside the window's geometry

# The spectrum dock, when raised, makes the strip under the 3D view span the whole window width
# and at least this tall (and at most SPECTRUM_SHARE of the window).
SPECTRUM_MIN_H = 380
SPECTRUM_SHARE = 0.38


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area that resizes it: scroll bars only when the dock is
    shorter than the widget's minimum, so a column can give its height to the spectrum."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def initial_geometry(available: QRect) -> QRect:
    """The first window's geometry (inside its frame) on a screen whose free area is ``available``.

    Parameters
    ----------
    available
        The screen's available geometry (without task bars and panels).

    Returns
    -------
    QRect
        Centred in ``available``; with the frame allowance it stays inside it.
    """
    aw, ah = available.width(), available.height()
    w = min(round(SHARE_W * aw), MAX_W, aw)
    h = min(round(SHARE_H * ah), MAX_H, ah - FRAME_ALLOWANCE)
    x = available.x() + (aw - w) // 2
    y = available.y() + max(FRAME_ALLOWANCE - 10, (ah - h) // 2)
    return QRect(x, y, w, h)


def screen_key(window) -> str:
    """The settings group of the layout for the screen ``window`` is on, e.g. ``window/1280x800``."""
    screen = window.screen()
    if screen is None:
        return "window/default"
    size = screen.availableGeometry().size()
    return f"window/{size.width()}x{size.height()}"


class SpectrumRoom:
    """Gives the mass spectrum dock room while it is the raised tab of the bottom strip.

    While shown there, the strip spans the whole window width (the side columns give up their bottom
    corners) and is at least :data:`SPECTRUM_MIN_H` tall; when another tab is raised, the corners
    and the strip's height go back to what they were.

    Parameters
    ----------
    window
        The main window (its ``docks``).
    """

    def __init__(self, window, version: int) -> None:
        self.window = window
        self.version = version
        self.dock = window.docks["spectrum"]
        self._height_before: int | None = None
        # The dock layout from before the spectrum took its room: what is remembered if the window
        # closes meanwhile (else the next start opens with the plots squashed and no spectrum).
        self._state_before = None
        self.dock.visibilityChanged.connect(self._visibility)

    def layout_state(self):
        """The window's dock state to remember (the one before the spectrum took its room)."""
        if self._state_before is not None:
            return self._state_before
        return self.window.saveState(self.version)

    def _docked_at_bottom(self) -> bool:
        area = self.window.dockWidgetArea(self.dock)
        return not self.dock.isFloating() and area == Qt.DockWidgetArea.BottomDockWidgetArea

    def _grow(self) -> None:
        window = self.window
        if not (self.dock.isVisible() and self._docked_at_bottom()):
            return
        height = self.dock.height()
        wanted = min(max(SPECTRUM_MIN_H, height), round(SPECTRUM_SHARE * window.height()))
        if height < wanted:
            if self._height_before is None:
                self._height_before = height
            window.resizeDocks([self.dock], [wanted], Qt.Orientation.Vertical)

    def _visibility(self, visible: bool) -> None:
        window = self.window
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        if visible and self._docked_at_bottom():
            if window.corner(Qt.Corner.BottomLeftCorner) != bottom:
                self._state_before = window.saveState(self.version)
            window.setCorner(Qt.Corner.BottomLeftCorner, bottom)
            window.setCorner(Qt.Corner.BottomRightCorner, bottom)
            # Once the corners' new layout is in place: resizing before it is undone by it.
            QTimer.singleShot(0, self._grow)
            return
        if not visible and window.corner(Qt.Corner.BottomLeftCorner) == bottom:
            window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
            window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
            if self._height_before is not None and self._docked_at_bottom():
                # The tab raised instead (Results, settings) shares the strip: back to its height.
                others = window.tabifiedDockWidgets(self.dock)
                if others:
                    window.resizeDocks(others[:1], [self._height_before], Qt.Orientation.Vertical)
            self._height_before = None
            self._state_before = None
