"""The entropy and concentration plots: live updates, final result, nothing drawn for empty edges."""

from __future__ import annotations

import numpy as np
from compute_specimens import drain, full_box, random_alloy

from hea_studio.compute.analysis import iter_analysis
from hea_studio.core.settings import AnalysisSettings


def _run(sizes, **kw):
    atoms = random_alloy(30_000, seed=5)
    return drain(iter_analysis(atoms, AnalysisSettings(sizes_nm=sizes, bootstrap=10, **kw), full_box(atoms)))


def test_entropy_plot_live_then_final(qtbot):
    from hea_studio.plots.curve import ConcentrationStdPlot, EntropyCurvePlot

    scales, result = _run((0.5, 1.0, 1.5, 2.0, 3.0, 4.0))
    plot = EntropyCurvePlot()
    conc = ConcentrationStdPlot()
    qtbot.addWidget(plot.widget)
    qtbot.addWidget(conc.widget)
    for i, s in enumerate(reversed(scales)):  # any arrival order
        plot.add_scale(s)
        conc.add_scale(s)
        assert plot.n_points() == i + 1
    x, y = plot.plotted()  # fitted edges on the curve, the others hollow beside it
    assert np.all(np.diff(x) > 0)
    np.testing.assert_allclose(y, [s.S_mean for s in scales])
    assert set(conc._curves) == set(result.elements)
    plot.set_result(result)
    conc.set_result(result)
    assert plot.bulk_line.value() == result.bulk.S_R
    assert plot.ideal_line.value() == result.bulk.S_ideal_R
    # A random alloy: the star marks the apparent SUME (hinge on S); the headline is a bound, so no
    # interval band is drawn.
    assert result.sume is not None and result.sume.below_range and result.sume_apparent is not None
    assert plot.sume_marker.getData()[0][0] == result.sume_apparent.edge_nm
    assert not plot.sume_ci.isVisible() and plot.bulk_line.isVisible()
    plot.clear()
    conc.clear()
    assert plot.n_points() == 0 and not plot.bulk_line.isVisible() and not plot.sume_ci.isVisible()
    assert all(c.getData()[0] is None or len(c.getData()[0]) == 0 for c in conc._curves.values())
    plot.add_scales(scales[:3])  # the GUI batches partial results
    assert plot.n_points() == 3


def test_plot_without_sume(qtbot):
    from hea_studio.plots.curve import EntropyCurvePlot

    _, result = _run((1.0, 2.0))  # a SUME needs 3 fitted edges
    assert result.sume is None
    plot = EntropyCurvePlot()
    qtbot.addWidget(plot.widget)
    plot.set_result(result)
    assert plot.n_points() == 2
    assert plot.fit_descending.getData()[0] is None or len(plot.fit_descending.getData()[0]) == 0
