"""The atom-centred entropy panel: computed in the worker for the active box, plotted, saved."""

from __future__ import annotations

import json

import numpy as np
import pytest
from gui_helpers import show_dataset

from hea_studio.compute.local.knn import default_ks, local_entropy
from hea_studio.core.geometry import Box

pytestmark = pytest.mark.gui


def test_local_entropy_is_computed_for_the_active_box_and_plotted(
    make_main_window, small_dataset, qtbot, tmp_path, monkeypatch
):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot)
    box = Box((0.5, 0.5, 0.5), (7.5, 7.5, 15.5))
    window.session.set_active_box(box)
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=60_000)
    panel = window.local_panel
    panel.centres.setValue(1500)
    with qtbot.waitSignal(window.controller.local_finished, timeout=60_000) as blocker:
        panel.compute_button.click()
        assert not panel.compute_button.isEnabled()  # busy until the result arrives
    result = blocker.args[1]
    assert panel.compute_button.isEnabled() and window.controller.local_box == box

    settings = window.controller.settings
    # k starts at the first shell of the lattice in the settings (remembered from earlier tests).
    ks = default_ks(settings.lattice.structure if settings.lattice is not None else "fcc")
    expected = local_entropy(small_dataset.atoms, box, settings.elements, ks, 1500, settings.seed)
    k, s = panel.plot.plotted()
    assert list(k) == [p.k for p in expected.points]
    assert np.allclose(s, [p.S_mean for p in expected.points])
    assert result.n_centres == 1500
    assert "Box 1" in panel.status.text() and "1,500 centres" in panel.status.text()

    # Save JSON writes the `hea-studio local --json` document.
    out = tmp_path / "local.json"
    monkeypatch.setattr(
        "hea_studio.app.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), "")
    )
    panel.save_button.click()
    data = json.loads(out.read_text())
    assert data["schema"] == "hea-studio/local-entropy/1" and data["n_centres"] == 1500


def test_a_box_change_cancels_the_local_entropy_and_the_curve_follows(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot)
    controller = window.controller
    failures: list[str] = []
    controller.local_failed.connect(lambda _g, message: failures.append(message))
    gen = window.compute_local(0)  # every atom a centre: long enough to be interrupted
    assert gen >= 0 and controller.is_computing_local()
    new_box = Box((1.0, 1.0, 1.0), (6.0, 6.0, 12.0))
    with qtbot.waitSignal(controller.analysis_finished, timeout=60_000):
        window.session.set_active_box(new_box)
    assert failures == ["cancelled"]
    assert not controller.is_computing_local()
    assert "cancelled" in window.local_panel.status.text()
    assert window.local_panel.compute_button.isEnabled()
    assert controller.result_box == new_box


def test_the_menu_action_runs_it_and_the_curve_is_recomputed_if_it_was_interrupted(
    make_main_window, small_dataset, qtbot
):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot)
    controller = window.controller
    window.local_panel.centres.setValue(500)
    finished: list[int] = []
    controller.analysis_finished.connect(lambda gen, _r: finished.append(gen))
    controller.analyse_now()  # a curve is running when the local entropy is asked for
    with qtbot.waitSignal(controller.local_finished, timeout=60_000):
        window.local_action.trigger()
    # The interrupted curve is computed again afterwards.
    qtbot.waitUntil(lambda: bool(finished) and not controller.is_analysing(), timeout=60_000)
    assert controller.result_box == window.session.active_box


def test_the_menu_and_ctrl_l_use_the_centres_setting(make_main_window, small_dataset, qtbot):
    # Issue 12: the menu action passed its "checked" flag (False) as the number of centres, which
    # meant "every atom" (175,860 centres, 270 s on one box) whatever the panel said.
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot)
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=60_000)
    window.local_panel.centres.setValue(700)
    with qtbot.waitSignal(window.controller.local_finished, timeout=60_000) as blocker:
        window.local_action.trigger()
    assert blocker.args[1].n_centres <= 700
    assert blocker.args[1].n_centres + sum(blocker.args[1].left_out.values()) >= 0
