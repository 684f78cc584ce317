"""Compounds in the window (issue 12): the cation default and its note."""

from __future__ import annotations

import dataclasses

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
    assert composition.text().endswith("(cations)")
    assert composition.toolTip() == result.elements_note
