"""Compounds in the window (issue 12): the cation default and its note."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hea_studio.synth import generate
from hea_studio.synth.molecular import cocrfeni_oxide_random
from hea_studio.synth.output import write_specimen
from hea_studio.synth.shape import BoxShape

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def oxide_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oxide")
    params = dataclasses.replace(cocrfeni_oxide_random(seed=3), shape=BoxShape((10.0, 10.0, 10.0)))
    pos, rrng, _ = write_specimen(generate(params), folder / "oxide")
    return pos, rrng


def _open(window, qtbot, pos, rrng) -> None:
    with qtbot.waitSignal(window.controller.analysis_started, timeout=60_000):
        window.open_files(pos, rrng)
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=120_000)


def test_a_compound_defaults_to_its_cations_and_says_so(make_main_window, qtbot, oxide_files):
    window = make_main_window()
    _open(window, qtbot, *oxide_files)
    panel = window.settings_panel
    assert panel.auto_elements.isChecked()
    assert "cations" in panel.auto_elements.text()
    assert "O" in panel.auto_elements.toolTip()
    result = window.controller.result
    assert result.elements == ("Co", "Cr", "Fe", "Ni")
    assert result.elements_note and "molecular ions with O" in result.elements_note
    composition = window.results_panel.values["composition"]
    qtbot.waitUntil(lambda: composition.text().endswith("(cations)"), timeout=5000)
    # The window words it for the window: the Elements list, not the --elements option.
    from hea_studio.widgets.wording import gui_wording

    assert (
        composition.toolTip() == gui_wording(result.elements_note)
        and "--elements" not in composition.toolTip()
    )


def test_frequency_distribution_tab_shows_observed_against_random(make_main_window, qtbot, oxide_files):
    window = make_main_window()
    _open(window, qtbot, *oxide_files)
    panel = window.freq_panel
    qtbot.waitUntil(lambda: panel.result is not None, timeout=10_000)
    result = window.controller.result
    assert [panel.element.itemText(i) for i in range(panel.element.count())] == list(result.elements)
    panel.element.setCurrentText("Cr")
    index = next(i for i in range(panel.edge.count()) if panel.edge.itemData(i) == 1.0)
    panel.edge.setCurrentIndex(index)
    scale = next(s for s in result.curve if s.size_nm == 1.0)
    counts, observed, expected = panel.plot.shown()
    # The bars are the histogram of Cr atoms per kept cube; the line sums to the same cubes.
    assert observed.sum() == scale.n_cubes
    assert expected.sum() == pytest.approx(scale.n_cubes, rel=1e-3)
    assert counts[np.argmax(observed)] == pytest.approx(counts[np.argmax(expected)], abs=1)
    text = panel.status.text()
    assert f"p = {scale.chi2_p['Cr']:.3g}" in text and f"μ = {scale.pearson_mu['Cr']:.3f}" in text
    assert "consistent with random" in text


@pytest.fixture(scope="module")
def rocksalt_files(tmp_path_factory):
    from hea_studio.synth.molecular import rocksalt_hea_oxide_random

    folder = tmp_path_factory.mktemp("rocksalt")
    params = dataclasses.replace(rocksalt_hea_oxide_random(seed=4), shape=BoxShape((10.0, 10.0, 10.0)))
    pos, rrng, _ = write_specimen(generate(params), folder / "rs")
    return pos, rrng


def test_sublattice_editor_presets_are_used_and_remembered_per_dataset(
    make_main_window, qtbot, rocksalt_files, oxide_files
):
    window = make_main_window()
    _open(window, qtbot, *rocksalt_files)
    panel = window.settings_panel
    assert window.controller.result.bulk.S_R < 1.51  # all atoms: about 1.50 R, medium or barely high
    with qtbot.waitSignal(window.controller.analysis_finished, timeout=120_000):
        panel.sublattice.setCurrentText("rock-salt")
    result = window.controller.result
    assert result.bulk.cls == "high"  # from the cation sublattice
    assert window.controller.settings.sublattice_preset == "rock-salt"
    assert result.sublattices["bulk"]["per_sublattice"]["A"]["S_R"] == pytest.approx(1.609, abs=0.01)
    assert not panel.auto_elements.isEnabled() and not panel.elements.isEnabled()
    qtbot.waitUntil(lambda: "per site" in window.results_panel.values["sublattices"].text(), timeout=5000)
    # The Sublattice curve tab plots S per formula unit (the cation sublattice's 1.609 R at large L).
    curve_panel = window.sublattice_panel
    qtbot.waitUntil(lambda: curve_panel.result is not None, timeout=5000)
    _edges, values = curve_panel.plot.plotted()
    fu = [s["S_fu_mean"] for s in result.sublattices["curve"]]
    assert list(values) == pytest.approx([v for v in fu if v is not None][: len(values)])
    assert values[-1] == pytest.approx(1.609, abs=0.01)
    assert "per formula unit" in curve_panel.status.text() and "class high" in curve_panel.status.text()

    # A spinel without A and B given waits for them; an ambiguous custom spec is marked red.
    panel.sublattice.setCurrentText("custom")
    panel.sublattice_spec.setText("A:Mg,Co:1; B:Co,Ni:2")
    panel.sublattice_spec.editingFinished.emit()
    assert "without a split" in panel.sublattice_spec.toolTip()
    assert window.controller.settings.sublattice_preset == "rock-salt"  # the last good settings stay
    panel.sublattice.setCurrentText("rock-salt")

    # Another dataset starts without sublattices; coming back restores the preset.
    _open(window, qtbot, *oxide_files)
    assert panel.sublattice.currentText() == "none (all atoms)"
    qtbot.waitUntil(lambda: window.sublattice_panel.result is None, timeout=5000)
    assert window.controller.settings.sublattice_preset is None
    _open(window, qtbot, *rocksalt_files)
    assert panel.sublattice.currentText() == "rock-salt"
    assert window.controller.result.sublattices is not None
