"""The analysis settings' SUME method and memory budget in the window (issues 11 and 15)."""

from __future__ import annotations

import pytest
from gui_helpers import show_dataset

from hea_studio.core import memory

pytestmark = pytest.mark.gui


def test_the_sume_method_is_chosen_in_the_panel_and_remembered(make_main_window, small_dataset, qtbot):
    first = make_main_window()
    show_dataset(first, small_dataset, qtbot)
    panel = first.settings_panel
    assert panel.sume_method.currentText() == "hinge-deficit"
    with qtbot.waitSignal(first.controller.analysis_finished, timeout=60_000) as blocker:
        panel.sume_method.setCurrentText("tangent-free")
    assert first.controller.settings.sume_method == "tangent-free"
    result = blocker.args[1]
    assert result.sume is not None and result.sume.method == "tangent-free"
    # Results says which method gave the value shown when it is not the default.
    qtbot.waitUntil(lambda: "[tangent-free]" in first.results_panel.values["sume"].text(), timeout=10_000)
    first.close()

    second = make_main_window()
    assert second.settings_panel.sume_method.currentText() == "tangent-free"
    assert second.controller.settings.sume_method == "tangent-free"


def test_the_memory_budget_is_set_remembered_and_warns_before_a_run(make_main_window, small_dataset, qtbot):
    first = make_main_window()
    panel = first.settings_panel
    # The default is the machine's default budget (a quarter of its memory).
    assert panel.memory_budget_bytes() == pytest.approx(memory.default_budget(), rel=0.05)
    panel.memory_budget.setValue(0.5)
    assert memory.budget() == panel.memory_budget_bytes() == 1 << 29
    first.close()

    second = make_main_window()
    assert second.settings_panel.memory_budget.value() == pytest.approx(0.5)
    assert memory.budget() == 1 << 29
    show_dataset(second, small_dataset, qtbot)
    warnings: list[str] = []
    second.controller.memory_warned.connect(warnings.append)
    # A budget far below what the analysis needs: said in the status bar before the run.
    memory.set_budget(1 << 16)
    with qtbot.waitSignal(second.controller.analysis_finished, timeout=60_000):
        second.controller.analyse_now()
    assert warnings and "memory budget" in warnings[0]
    assert "memory budget" in second.status_label.text()
    # Within the budget nothing is said.
    warnings.clear()
    second.settings_panel.memory_budget.setValue(4.0)
    with qtbot.waitSignal(second.controller.analysis_finished, timeout=60_000):
        second.controller.analyse_now()
    assert warnings == []
