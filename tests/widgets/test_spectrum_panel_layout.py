"""The spectrum dock in a narrow window: the ranges table moves under the spectrum instead of
making the dock scroll sideways."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

pytestmark = pytest.mark.gui


def test_the_ranges_table_goes_under_the_spectrum_when_the_dock_is_narrow(qtbot):
    from hea_studio.widgets.spectrum_panel import SpectrumPanel

    panel = SpectrumPanel()
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    qtbot.addWidget(area)
    area.resize(430, 520)  # the dock's width in a 1280x800 window
    area.show()
    qtbot.waitExposed(area)
    qtbot.waitUntil(lambda: panel.split.orientation() == Qt.Orientation.Vertical, timeout=5_000)
    qtbot.wait(50)
    assert not area.horizontalScrollBar().isVisible()
    assert panel.width() <= area.viewport().width()

    area.resize(1100, 520)  # a 1920-pixel window: side by side
    qtbot.waitUntil(lambda: panel.split.orientation() == Qt.Orientation.Horizontal, timeout=5_000)
    qtbot.wait(50)
    assert not area.horizontalScrollBar().isVisible()
