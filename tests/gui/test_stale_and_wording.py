"""A failed analysis marks the curve still shown as the previous one, and its message speaks of the
window's controls, not of CLI options (on main: "choose them with --elements" in the status bar
under an unmarked curve of the previous analysis)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from gui_helpers import show_dataset


@pytest.mark.gui
def test_a_failed_analysis_is_marked_and_worded_for_the_window(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot)
    plot = window.plots.entropy
    assert plot.plot.opacity() == 1.0 and "SUME" in plot.header.text
    # What a pure Si run gives by default (one principal element), forced here with one element.
    settings = window.controller.settings
    with qtbot.waitSignal(window.controller.analysis_failed, timeout=60_000):
        window.controller.set_settings(replace(settings, elements=("Co",)))
    qtbot.wait(50)
    status = window.status_label.text()
    assert "at least 2 elements" in status and "--" not in status
    assert "Elements list" in status
    assert "Not updated" in plot.header.text and "previous analysis" in plot.header.text
    assert plot.plot.opacity() < 0.5  # the old curve is faded
    with qtbot.waitSignal(window.controller.analysis_finished, timeout=60_000):
        window.controller.set_settings(settings)
    assert plot.plot.opacity() == 1.0 and "Not updated" not in plot.header.text


def test_gui_wording_names_the_control():
    from hea_studio.widgets.wording import gui_wording

    text = gui_wording("entropy needs at least 2 elements, got 1 (Co); choose them with --elements")
    assert "--elements" not in text and text.endswith("choose them in the Elements list of the Analysis "
                                                    "settings tab (untick principal elements)")  # fmt: skip
