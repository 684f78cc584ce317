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
    # A random specimen: the headline is a bound; the apparent SUME carries the interval.
    assert final.sume is not None and final.sume.below_range
    assert final.sume_apparent is not None and final.sume_apparent.ci95_nm is not None
    lo, hi = final.sume_apparent.ci95_nm
    apparent = window.results_panel.values["sume_apparent"]
    qtbot.waitUntil(lambda: f"{lo:.2f}–{hi:.2f}" in apparent.text(), timeout=5000)
    assert window.results_panel.values["sume"].text().startswith("random down to")
    assert "SUME: random down to" in window.plots.entropy.header.text


def test_the_results_panel_shows_numbers_bounds_and_methods(qtbot):
    from hea_studio.widgets.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    result = _analysis((0.5, 1.0, 1.5, 2.0, 2.5, 3.0)).to_json()
    # The random block: "random down to" the smallest fitted edge, not bold, and the apparent SUME
    # second, labelled as including counting noise.
    panel.show_result(result)
    first = result["sume"]["at_most_nm"]
    assert result["sume"]["below_range"] and panel.values["sume"].text() == f"random down to {first:.2f} nm"
    assert "bold" not in panel.values["sume"].styleSheet()
    app = panel.values["sume_apparent"].text()
    assert app.startswith(f"{result['sume_apparent']['edge_nm']:.2f} nm (95 % CI ")
    assert app.endswith("(includes counting noise)")
    # A curve that does not level off: a one-sided bound, never a zero-width interval.
    result["sume"] = dict(
        result["sume"],
        below_range=False,
        at_most_nm=None,
        at_least_nm=3.0,
        ci95_nm=[3.0, None],
        volume_nm3=27.0,
    )
    panel.show_result(result)
    assert panel.values["sume"].text() == "≥ 3.00 nm (not levelled)"
    assert panel.values["sume_volume"].text().startswith("≥ 27.0")
    # Another method chosen as the headline: said beside the (bold) number.
    result["sume"] = dict(result["sume_apparent"], method="tangent-free")
    result["warnings"] = [{"code": "few_cubes", "message": "edge 3 nm holds 4 cubes", "applies_to": ["all"]}]
    panel.show_result(result)
    sume = panel.values["sume"].text()
    assert f"{result['sume']['edge_nm']:.2f} nm" in sume and "[tangent-free]" in sume
    assert "bold" in panel.values["sume"].styleSheet()
    assert panel.values["sume_cells"].text() == "– (no lattice chosen)"
    assert panel.warning_codes() == ["few_cubes"]
    assert "edge 3 nm holds 4 cubes" in panel.values["warnings"].text()
    panel.clear()
    assert panel.values["warnings"].text() == "–" and panel.values["warnings"].styleSheet() == ""


def test_live_curves_drop_the_keys_of_species_the_analysis_lacks(qtbot):
    from hea_studio.widgets.analysis_plots import AnalysisPlots

    plots = AnalysisPlots()
    qtbot.addWidget(plots.entropy_widget)
    qtbot.addWidget(plots.concentration_widget)
    plots.concentration._curve("Cr")  # a species of the dataset opened before
    result = _analysis((0.5, 1.0, 1.5, 2.0))
    plots.begin()
    plots.add_scales(list(result.curve))
    qtbot.wait(20)  # the concentration plot follows on the next turn of the event loop
    plots.set_result(result)  # every edge arrived live: only the fits are new
    labels = sorted(label.text for _sample, label in plots.concentration.legend.items)
    assert labels == sorted(result.elements)
