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


def _analysis(sizes, box=None):
    from gui_helpers import synthetic_atoms

    from hea_studio.compute.analysis import run_analysis
    from hea_studio.core.geometry import Box
    from hea_studio.core.settings import AnalysisSettings

    atoms = synthetic_atoms()
    box = box or Box((0.0, 0.0, 0.0), (8.0, 8.0, 16.0))
    return run_analysis(atoms, AnalysisSettings(sizes_nm=sizes, bootstrap=20), box)


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
        result,
        warnings=(AnalysisWarning("mixed_phases", "the composition varies"),
                  AnalysisWarning("sume_at_range_edge", "the curve does not level off")),
    )  # fmt: skip
    plot = _shown_plot(qtbot, result, *size)
    texts = plot.text_items()
    names = [label.text for _sample, label in plot.legend.items]
    for wanted in ("bulk S", "R ln N", "null SUME", "chemical SUME", "SUME, 95 % CI", "not in fit"):
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
    # The header says the primary SUME with its interval, and the warning codes.
    header = plot.header.text
    s = result.sume
    assert s is not None and s.ci95_nm is not None
    assert f"SUME {s.edge_nm:.2f} nm" in header and f"{s.ci95_nm[0]:.2f}–{s.ci95_nm[1]:.2f}" in header
    assert "mixed_phases" in header and "sume_at_range_edge" in header


def test_edges_left_out_of_the_fit_are_hollow_and_not_joined(qtbot):
    import numpy as np

    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0))
    out = [s.size_nm for s in result.curve if not s.in_fit and s.n_cubes > 0]
    fitted = [s.size_nm for s in result.curve if s.in_fit]
    assert out, "the 5 and 6 nm edges hold fewer than 8 cubes of the 8 x 8 x 16 nm box"
    plot = _shown_plot(qtbot, result, 640, 460)
    assert list(plot.mean_curve.getData()[0]) == fitted
    assert list(plot.excluded.getData()[0]) == out
    assert plot.excluded.opts["pen"] is None  # symbols only: not joined to the curve
    assert plot.excluded.opts["symbolBrush"].color().getRgb()[:3] == (255, 255, 255)
    L, _S = plot.plotted()
    assert np.all(np.diff(L) > 0) and len(L) == len(fitted) + len(out)
    assert plot.n_points() == len(L)


def test_both_sumes_are_marked(qtbot):
    from dataclasses import replace

    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0))
    chem = result.sume_chemical
    assert result.sume is not None and chem is not None
    # The chemical SUME drawn where it sits, with its own line style.
    resolved = replace(result, sume_chemical=replace(chem, edge_nm=1.7, below_range=False))
    plot = _shown_plot(qtbot, resolved, 640, 460)
    assert plot.sume_marker.getData()[0][0] == pytest.approx(result.sume.edge_nm)
    assert plot.chemical_line.isVisible() and plot.chemical_line.value() == pytest.approx(1.7)
    assert plot.chemical_line.pen.style() != plot.fit_descending.opts["pen"].style() or (
        plot.chemical_line.pen.color() != plot.fit_descending.opts["pen"].color()
    )
    assert "chemical SUME 1.70 nm" in plot.header.text
    assert f"null SUME {result.sume_null.edge_nm:.2f} nm" in plot.header.text
    unreached = replace(resolved, sume_null=replace(result.sume_null, edge_nm=None, reason="significant"))
    plot.set_result(unreached)
    assert "null SUME not reached" in plot.header.text and not plot.null_sume_line.isVisible()
    # Below the range: no line, the header says so.
    below = replace(result, sume_chemical=replace(chem, below_range=True))
    plot.set_result(below)
    assert not plot.chemical_line.isVisible()
    assert f"chemical SUME below {chem.edge_nm:.2f} nm" in plot.header.text


def _two_phase_dataset():
    """8 x 8 x 16 nm: Co-rich below z = 8 nm, Ni-rich above (a box across an interface)."""
    import numpy as np
    from gui_helpers import synthetic_atoms

    from hea_studio.compute.dataset import build_dataset

    atoms = synthetic_atoms(seed=4)
    rng = np.random.default_rng(4)
    upper = atoms.positions[:, 2] > 8.0
    labels = atoms.labels.copy()
    labels[~upper] = rng.choice(4, size=int((~upper).sum()), p=[0.55, 0.15, 0.15, 0.15])
    labels[upper] = rng.choice(4, size=int(upper.sum()), p=[0.15, 0.15, 0.15, 0.55])
    from dataclasses import replace

    return build_dataset(replace(atoms, labels=labels), "two phases")


def test_warnings_are_shown_in_words_and_colour_next_to_sume(make_main_window, small_dataset, qtbot):
    from gui_helpers import show_dataset

    from hea_studio.core.settings import AnalysisSettings

    window = make_main_window()
    window.settings_panel.apply(AnalysisSettings(sizes_nm=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0), bootstrap=20))
    show_dataset(window, _two_phase_dataset(), qtbot)
    result = window.controller.result
    codes = [w.code for w in result.warnings]
    assert "mixed_phases" in codes
    panel = window.results_panel
    label = panel.values["warnings"]
    qtbot.waitUntil(lambda: "mixed_phases" in label.text(), timeout=5000)
    assert panel.warning_codes() == codes
    for w in result.warnings:
        assert w.message in label.text()
    assert "color" in label.styleSheet() and label.isVisible()
    # Beside the number: the row right under SUME, within the same visible panel.
    sume = panel.values["sume"]
    assert sume.isVisible() and 0 < label.y() - sume.y() < 80
    assert "mixed_phases" in window.plots.entropy.header.text

    # A homogeneous specimen: no warning, said in words too.
    show_dataset(window, small_dataset, qtbot)
    assert window.controller.result.warnings == ()
    qtbot.waitUntil(lambda: label.text() == "none", timeout=5000)
    assert panel.warning_codes() == []


def test_the_final_analysis_has_the_grid_shift_interval_and_previews_skip_it(
    make_main_window, small_dataset, qtbot
):
    from gui_helpers import show_dataset

    from hea_studio.core.settings import AnalysisSettings

    window = make_main_window()
    controller = window.controller
    window.settings_panel.apply(AnalysisSettings(sizes_nm=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0), bootstrap=20))
    show_dataset(window, small_dataset, qtbot, analyse=False)
    controller.live = True
    controller.set_interacting(True)
    with qtbot.waitSignal(controller.analysis_finished, timeout=60_000):
        controller.analyse_now()
    preview = controller.result
    assert controller.result_is_preview and preview.bootstrap == 0 and preview.grid_shifts == 1
    with qtbot.waitSignal(controller.analysis_finished, timeout=60_000):
        controller.set_interacting(False)
    final = controller.result
    assert not controller.result_is_preview
    assert final.bootstrap == 20 and final.grid_shifts > 1
    assert final.sume is not None and final.sume.ci95_nm is not None
    lo, hi = final.sume.ci95_nm
    qtbot.waitUntil(lambda: f"{lo:.2f}–{hi:.2f}" in window.results_panel.values["sume"].text(), timeout=5000)
    assert f"{lo:.2f}–{hi:.2f}" in window.plots.entropy.header.text


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


def test_the_results_panel_reads_the_json_of_schema_2(qtbot):
    from hea_studio.widgets.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0)).to_json()
    result["sume"]["method"] = "tangent-free"
    result["sume_chemical"]["below_range"] = True
    result["warnings"] = [{"code": "few_cubes", "message": "edge 3 nm holds 4 cubes"}]
    panel.show_result(result)
    sume = panel.values["sume"].text()
    assert f"{result['sume']['edge_nm']:.2f} nm" in sume and "[tangent-free]" in sume
    assert panel.values["sume_chemical"].text().startswith("below ")
    assert panel.values["sume_cells"].text() == "– (no lattice chosen)"
    assert panel.warning_codes() == ["few_cubes"]
    assert "edge 3 nm holds 4 cubes" in panel.values["warnings"].text()
    panel.clear()
    assert panel.values["warnings"].text() == "–" and panel.values["warnings"].styleSheet() == ""
