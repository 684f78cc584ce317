"""The local-entropy and entropy plots: cleared means nothing of the previous result is left on them."""

from __future__ import annotations

from compute_specimens import full_box, random_alloy

from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.local.knn import local_entropy
from hea_studio.core.settings import AnalysisSettings


def _bands_drawn(plot) -> int:
    """Fill items on the plot that are shown and enclose an area."""
    import pyqtgraph as pg

    fills = [i for i in plot.plot.items if isinstance(i, pg.FillBetweenItem)]
    return sum(1 for f in fills if f.isVisible() and not f.path().isEmpty())


def test_clear_removes_the_spread_band_too(qtbot):
    from hea_studio.plots.local import LocalEntropyPlot

    atoms = random_alloy(20_000, seed=1)
    plot = LocalEntropyPlot()
    qtbot.addWidget(plot.widget)
    plot.set_result(local_entropy(atoms, full_box(atoms), None, (13, 50), 500, 0))
    assert _bands_drawn(plot) == 1
    plot.clear()
    # The band between mean - std and mean + std is a fill item of its own: it kept the old area
    # (and showed it over the next dataset's empty plot) until it was cleared as well.
    assert _bands_drawn(plot) == 0
    k, s = plot.plotted()
    assert k.size == 0 and s.size == 0


def test_the_entropy_plot_clears_its_bands_too(qtbot):
    from hea_studio.plots.curve import EntropyCurvePlot

    atoms = random_alloy(30_000, seed=5)
    result = run_analysis(
        atoms, AnalysisSettings(sizes_nm=(0.5, 1.0, 1.5, 2.0, 3.0), bootstrap=10), full_box(atoms)
    )
    plot = EntropyCurvePlot()
    qtbot.addWidget(plot.widget)
    plot.set_result(result)
    assert _bands_drawn(plot) == 2  # S mean +-1 std and the random-mixing reference +-2 SEM
    plot.clear()
    assert _bands_drawn(plot) == 0
    plot.add_scales(result.curve)  # the next curve brings them back
    assert _bands_drawn(plot) == 2
