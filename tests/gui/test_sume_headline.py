"""The window's SUME headline (issue 21): a random material shows no number, only "random down to"."""

from __future__ import annotations

import dataclasses
import re

import pytest

from hea_studio.synth import generate
from hea_studio.synth.molecular import rocksalt_hea_oxide_random
from hea_studio.synth.output import write_specimen
from hea_studio.synth.shape import BoxShape

pytestmark = pytest.mark.gui

# A bold number in the plot header or the Results panel: what a random material must never get.
BOLD_NUMBER = re.compile(r"<b>SUME [0-9]")


@pytest.fixture(scope="module")
def oxide_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rocksalt")
    params = dataclasses.replace(rocksalt_hea_oxide_random(seed=5), shape=BoxShape((12.0, 12.0, 12.0)))
    pos, rrng, _ = write_specimen(generate(params), folder / "rocksalt")
    return pos, rrng


def _shown(window, qtbot) -> tuple[str, str]:
    header = window.plots.entropy.header
    label = window.results_panel.values["sume"]
    qtbot.waitUntil(lambda: "SUME" in header.text and label.text() not in ("", "–"), timeout=10_000)
    return header.text, label.text()


def _assert_random(window, qtbot) -> None:
    result = window.controller.result
    assert result.sume is not None and result.sume.below_range and result.sume.edge_nm is None
    header, text = _shown(window, qtbot)
    first = f"{result.sume.at_most_nm:.2f}"
    assert f"SUME: random down to {first} nm" in header and not BOLD_NUMBER.search(header)
    assert text == f"random down to {first} nm"
    assert "bold" not in window.results_panel.values["sume"].styleSheet()
    # The apparent SUME is still there, second and labelled.
    assert "apparent SUME" in header
    assert window.results_panel.values["sume_apparent"].text().endswith("(includes counting noise)")


def test_random_rock_salt_oxide_shows_no_headline_number(make_main_window, qtbot, oxide_files):
    window = make_main_window()
    with qtbot.waitSignal(window.controller.analysis_started, timeout=60_000):
        window.open_files(*oxide_files)
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=120_000)
    _assert_random(window, qtbot)


def test_random_alloy_shows_no_headline_number(make_main_window, small_dataset, qtbot):
    from gui_helpers import show_dataset

    window = make_main_window()
    show_dataset(window, small_dataset, qtbot)
    _assert_random(window, qtbot)
