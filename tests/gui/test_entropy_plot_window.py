"""The entropy plot in the window: it gets the space, and its SUME text and warnings are readable."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_the_entropy_plot_gets_the_space_at_1600_by_1000(make_main_window, qtbot):
    window = make_main_window()
    window.resize(1600, 1000)
    # The default dock sizes follow the window's size once it is laid out.
    window._apply_default_dock_sizes()
    qtbot.wait(200)
    plot = window.plots.entropy_widget
    assert window.docks["entropy"].isVisible() and plot.isVisible()
    assert plot.width() >= 600 and plot.height() >= 420, (plot.width(), plot.height())
    # The 3D view and the numbers are still there, next to it and not under it.
    assert window.atom_view.native.width() >= 420
    assert window.results_panel.isVisible() and window.results_panel.height() >= 200
    dock = window.docks["entropy"].geometry()
    assert not dock.intersects(window.docks["results"].geometry())
