"""Issue 28: user text (range names, file and box names) is shown as plain text, never as Qt rich
text: a range named ``<h1>Big</h1>`` used to appear as a heading (spoofable messages)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from hea_studio.widgets.spectrum_panel import SpectrumPanel

NAME = "<h1>Big</h1><a href='http://x'>click</a>"


@pytest.fixture
def panel(qtbot):
    p = SpectrumPanel()
    qtbot.addWidget(p)
    QWidget.resize(p, 700, 400)  # (the panel has its own resize: of a range)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_range_names_in_the_spectrum_dock_are_plain_text(panel, qtbot):
    panel.set_warnings([f"range {NAME} at 57.8-61.2 Da holds no peak"])
    panel.set_status(f"ranged 90 % ({NAME})")
    for label in (panel.warning, panel.info):
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert NAME in label.text()
        # What is drawn: the markup as typed, not a heading and a link (which take more room).
        shown = label.sizeHint()
        label.setTextFormat(Qt.TextFormat.RichText)
        as_markup = label.sizeHint()
        label.setTextFormat(Qt.TextFormat.PlainText)
        assert shown != as_markup and shown.height() < as_markup.height() + label.fontMetrics().height()
        assert shown.width() > as_markup.width() or shown.height() != as_markup.height()


def test_the_status_bar_shows_names_as_typed(make_main_window, qtbot):
    window = make_main_window()
    window.show_message(f"Renamed the box to {NAME}")
    assert window.status_label.textFormat() == Qt.TextFormat.PlainText
    assert window.status_label.text().endswith(NAME)
