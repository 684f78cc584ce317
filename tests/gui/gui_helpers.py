"""Helpers shared by the GUI tests: small synthetic data, loading it into a window, mouse drags.

``QTest.mouseMove`` carries no button state, so pyqtgraph never sees a drag from it; :func:`drag`
sends real press / move / release events with the left button held, as a user's mouse does.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from hea_studio.core.atoms import AtomSet

SPECIES = ("Co", "Cu", "Fe", "Ni")
COLOURS = {"Co": (1.0, 0.0, 1.0), "Cu": (0.0, 1.0, 1.0), "Fe": (1.0, 0.5, 0.0), "Ni": (0.3, 0.3, 1.0)}


def synthetic_atoms(
    size_nm=(8.0, 8.0, 16.0), density: float = 40.0, seed: int = 0, fractions=(0.22, 0.27, 0.21, 0.30)
) -> AtomSet:
    """A random CoCuFeNi block: uniform positions, labels drawn from ``fractions``."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(size_nm) * density)
    positions = rng.uniform(0.0, 1.0, (n, 3)) * np.asarray(size_nm)
    labels = rng.choice(len(SPECIES), size=n, p=np.asarray(fractions) / np.sum(fractions))
    return AtomSet(positions=positions, labels=labels.astype(np.int64), names=SPECIES, colours=dict(COLOURS))


def show_dataset(window, dataset, qtbot, analyse: bool = True) -> None:
    """Put ``dataset`` into ``window`` as a finished load would, and wait for its analysis."""
    controller = window.controller
    if analyse:
        with qtbot.waitSignal(controller.analysis_finished, timeout=60_000):
            window.session.set_dataset(dataset)
            controller.analyse_now()
    else:
        controller.live = False
        window.session.set_dataset(dataset)


LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def _send(widget, kind, pos: QPointF, button, buttons) -> None:
    glob = QPointF(widget.mapToGlobal(pos.toPoint()))
    event = QMouseEvent(kind, pos, glob, button, buttons, NO_MOD)
    QApplication.sendEvent(widget, event)


def drag(widget, start: QPoint, end: QPoint, steps: int = 10, on_step=None) -> None:
    """Left-drag on ``widget`` from ``start`` to ``end`` (widget pixels) in ``steps`` moves."""
    a = QPointF(start)
    b = QPointF(end)
    _send(widget, QEvent.Type.MouseButtonPress, a, LEFT, LEFT)
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        _send(widget, QEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, LEFT)
        if on_step is not None:
            on_step(i)
    _send(widget, QEvent.Type.MouseButtonRelease, b, LEFT, Qt.MouseButton.NoButton)
