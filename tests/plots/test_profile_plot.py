"""The profile plot's key sits beside the axes, never over the curves (it covered data in the
window and in the report)."""

from __future__ import annotations

import numpy as np
from compute_specimens import two_phase_alloy


def test_profile_legend_does_not_cover_the_data(qtbot):
    from hea_studio.compute.profile.slabs import composition_profile
    from hea_studio.core.geometry import Box
    from hea_studio.plots.profile import ProfilePlot

    atoms = two_phase_alloy(30_000, interface_z=11.3, seed=4)
    lo, hi = atoms.positions.min(axis=0), atoms.positions.max(axis=0)
    profile = composition_profile(atoms, Box(tuple(lo), tuple(hi)), "z", 1.0)
    plot = ProfilePlot()
    qtbot.addWidget(plot.widget)
    plot.widget.resize(560, 300)  # the dock's size on a laptop
    plot.set_profile(profile)
    plot.widget.show()
    qtbot.waitExposed(plot.widget)
    qtbot.wait(50)
    legend = plot.legend.sceneBoundingRect()
    view = plot.plot.vb.sceneBoundingRect()
    assert len(plot.legend.items) == len(profile.species)
    # Beside the axes (half a pixel of the view's frame pen may touch it), not over the data.
    assert legend.width() > 0 and legend.left() >= view.right() - 1, (legend, view)
    assert view.width() > 0.6 * plot.widget.width()  # the key leaves the axes most of the width
    assert np.isfinite(profile.fractions).any()
