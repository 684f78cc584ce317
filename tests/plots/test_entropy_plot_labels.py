"""The entropy plot's texts and marks: SUME header, legend out of the data area, hollow edges, both SUMEs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from compute_specimens import random_alloy

from hea_studio.compute.analysis import run_analysis
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings


def _analysis(sizes):
    """A random 10 nm alloy cube: 8 cubes up to 5 nm edges, a single cube above (left out of the fit)."""
    atoms = random_alloy(33_000, seed=4)
    box = Box((0.0, 0.0, 0.0), (10.0, 10.0, 10.0))
    return run_analysis(atoms, AnalysisSettings(sizes_nm=sizes, bootstrap=20), box)


def _resolved(result, edge=1.7, ci=(1.55, 1.85)):
    """``result`` with its headline SUME as a two-sided estimate at ``edge`` (a random alloy's is a bound)."""
    sume = replace(result.sume, edge_nm=edge, ci95_nm=ci, below_range=False, at_most_nm=None)
    return replace(result, sume=sume, sume_chemical=sume)


def _shown_plot(qtbot, result, width, height):
    from hea_studio.plots.curve import EntropyCurvePlot

    plot = EntropyCurvePlot()
    qtbot.addWidget(plot.widget)
    plot.widget.resize(width, height)
    plot.widget.show()
    qtbot.waitExposed(plot.widget)
    plot.set_result(result)
    qtbot.wait(50)
    return plot


def _data_points_in_scene(plot):
    from PySide6.QtCore import QPointF

    vb = plot.plot.getViewBox()
    points = []
    for item in (plot.mean_curve, plot.excluded, plot.null_curve, plot.sume_marker,
                 plot.band_upper, plot.band_lower, plot.fit_descending, plot.fit_bulk):  # fmt: skip
        x, y = item.getData()
        if x is None:
            continue
        points += [vb.mapViewToScene(QPointF(float(a), float(b))) for a, b in zip(x, y)]
    return points


@pytest.mark.parametrize("size", [(680, 569), (440, 420)])
def test_the_plot_texts_never_cover_each_other_or_the_data(qtbot, size):
    import pyqtgraph as pg

    from hea_studio.core.results import AnalysisWarning

    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0))
    from dataclasses import replace

    result = replace(
        _resolved(result),
        warnings=(AnalysisWarning("mixed_phases", "the composition varies"),
                  AnalysisWarning("sume_at_range_edge", "the curve does not level off")),
    )  # fmt: skip
    plot = _shown_plot(qtbot, result, *size)
    texts = plot.text_items()
    names = [label.text for _sample, label in plot.legend.items]
    for wanted in ("bulk S", "R ln N", "null SUME", "apparent SUME", "SUME, 95 % CI", "not in fit"):
        assert wanted in names
    rects = [t.sceneBoundingRect() for t in texts]
    assert all(r.width() > 0 and r.height() > 0 for r in rects)
    for i, a in enumerate(rects):
        for j, b in enumerate(rects[:i]):
            assert not a.intersects(b), f"{texts[i]} overprints {texts[j]}"
    # No text inside the data area at all, so none covers a point or a line; and none is cut off.
    data_area = plot.plot.getViewBox().sceneBoundingRect()
    scene_rect = plot.widget.scene().sceneRect()
    for text, r in zip(texts, rects):
        assert not r.intersects(data_area), text
        assert scene_rect.contains(r), f"{text} is clipped: {r} outside {scene_rect}"
    points = _data_points_in_scene(plot)
    assert len(points) > 20
    for r in rects:
        assert not any(r.contains(p) for p in points)
    # The lines carry no labels of their own (they used to be drawn over the curve).
    assert not [i for i in plot.widget.scene().items() if isinstance(i, pg.InfLineLabel)]
    # The header says the headline SUME with its interval, and the warning codes.
    header = plot.header.text
    assert "<b>SUME 1.70 nm</b> (95 % CI 1.55–1.85 nm)" in header
    assert "mixed_phases" in header and "sume_at_range_edge" in header


def test_edges_left_out_of_the_fit_are_hollow_and_not_joined(qtbot):
    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0))
    out = [s.size_nm for s in result.curve if not s.in_fit and s.n_cubes > 0]
    fitted = [s.size_nm for s in result.curve if s.in_fit]
    assert out, "the 6 and 7 nm edges hold one cube of the 10 nm box"
    plot = _shown_plot(qtbot, result, 640, 460)
    assert list(plot.mean_curve.getData()[0]) == fitted
    assert list(plot.excluded.getData()[0]) == out
    assert plot.excluded.opts["pen"] is None  # symbols only: not joined to the curve
    assert plot.excluded.opts["symbolBrush"].color().getRgb()[:3] == (255, 255, 255)
    L, _S = plot.plotted()
    assert np.all(np.diff(L) > 0) and len(L) == len(fitted) + len(out)
    assert plot.n_points() == len(L)


def test_both_sumes_are_marked(qtbot):
    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0))
    app = result.sume_apparent
    assert app is not None and app.edge_nm is not None
    # The headline (deficit hinge) drawn where it sits, with its interval; the apparent SUME's hinge on
    # S(L) with its star, in another colour.
    resolved = _resolved(result)
    plot = _shown_plot(qtbot, resolved, 640, 460)
    assert plot.sume_marker.getData()[0][0] == pytest.approx(app.edge_nm)
    assert plot.chemical_line.isVisible() and plot.chemical_line.value() == pytest.approx(1.7)
    assert plot.sume_ci.isVisible() and plot.sume_ci.getRegion() == pytest.approx((1.55, 1.85))
    assert plot.chemical_line.pen.color() != plot.fit_descending.opts["pen"].color()
    assert "<b>SUME 1.70 nm</b>" in plot.header.text
    assert f"apparent SUME {app.edge_nm:.2f} nm (incl. counting noise)" in plot.header.text
    assert f"null SUME {result.sume_null.edge_nm:.2f} nm" in plot.header.text
    unreached = replace(resolved, sume_null=replace(result.sume_null, edge_nm=None, reason="significant"))
    plot.set_result(unreached)
    assert "null SUME not reached" in plot.header.text and not plot.null_sume_line.isVisible()
    # The random alloy itself: no headline number and no line, a calm "random down to".
    assert result.sume.below_range
    plot.set_result(result)
    assert not plot.chemical_line.isVisible() and not plot.sume_ci.isVisible()
    first = min(s.size_nm for s in result.curve if s.in_fit)
    assert f"SUME: random down to {first:.2f} nm" in plot.header.text
    assert "<b>SUME" not in plot.header.text


def test_the_header_fades_while_a_new_analysis_runs_instead_of_blinking(qtbot):
    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0))
    plot = _shown_plot(qtbot, result, 640, 460)
    text = plot.header.text
    assert "SUME" in text and plot.header.opacity() == 1.0
    plot.clear()  # the first edge of the next analysis is about to arrive
    assert plot.header.text == text and plot.header.opacity() < 0.5
    plot.add_scales(result.curve[:2])
    plot.set_result(result, curve_shown=False)
    assert plot.header.opacity() == 1.0


def test_the_concentration_key_sits_beside_the_axes_not_over_the_curves(qtbot):
    from PySide6.QtCore import QPointF

    from hea_studio.plots.curve import ConcentrationStdPlot

    result = _analysis((0.5, 1.0, 1.5, 2.0, 3.0, 4.0))
    plot = ConcentrationStdPlot()
    qtbot.addWidget(plot.widget)
    plot.widget.resize(600, 300)
    plot.widget.show()
    qtbot.waitExposed(plot.widget)
    plot.set_result(result)
    qtbot.wait(50)
    labels = [label for _sample, label in plot.legend.items]
    assert sorted(label.text for label in labels) == sorted(result.elements)
    vb = plot.plot.getViewBox()
    area = vb.sceneBoundingRect()
    for label in labels:
        rect = label.sceneBoundingRect()
        assert not rect.intersects(area) and plot.widget.scene().sceneRect().contains(rect)
    for curve in plot._curves.values():
        x, y = curve.getData()
        assert all(area.contains(vb.mapViewToScene(QPointF(a, b))) for a, b in zip(x, y))


def test_another_datasets_species_leave_the_concentration_key(qtbot):
    from hea_studio.plots.curve import ConcentrationStdPlot

    plot = ConcentrationStdPlot()
    qtbot.addWidget(plot.widget)
    plot.set_result(_analysis((1.0, 2.0, 3.0)))
    assert sorted(label.text for _s, label in plot.legend.items) == ["Co", "Cu", "Fe", "Ni"]
    plot.keep_species(("Cr", "Ni", "Si"))
    assert [label.text for _s, label in plot.legend.items] == ["Ni"]
    assert set(plot._curves) == {"Ni"}
    assert all(item.name() == "Ni" for item in plot.plot.listDataItems())
    # A result over fewer elements keeps only their keys.
    result = _analysis((1.0, 2.0, 3.0))
    plot.set_result(result)
    assert sorted(label.text for _s, label in plot.legend.items) == ["Co", "Cu", "Fe", "Ni"]
    fewer = replace(result, curve=tuple(replace(s, conc_std={"Co": 0.1, "Ni": 0.2}) for s in result.curve))
    plot.set_result(fewer)
    assert sorted(label.text for _s, label in plot.legend.items) == ["Co", "Ni"]
