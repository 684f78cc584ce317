"""Analysis settings belong to a dataset: no silent carry-over of edges or lattice to the next file."""

from __future__ import annotations

import pytest
from gui_helpers import write_specimen

from hea_studio.core.settings import AnalysisSettings

pytestmark = pytest.mark.gui


def _open(window, qtbot, pos, rrng) -> None:
    with qtbot.waitSignal(window.controller.analysis_started, timeout=60_000):
        window.open_files(pos, rrng)
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=60_000)


def test_a_new_dataset_starts_with_the_defaults_and_no_lattice(make_main_window, qtbot, tmp_path):
    first_files = write_specimen(tmp_path, "first", seed=1)
    second_files = write_specimen(tmp_path, "second", seed=2)
    window = make_main_window()
    panel = window.settings_panel
    _open(window, qtbot, *first_files)
    panel.edges.setText("1:4:1")
    panel.edges.editingFinished.emit()
    panel.lattice.setCurrentText("bcc")
    panel.lattice_a.setValue(0.2866)
    assert window.controller.settings.lattice.structure == "bcc"
    assert window.controller.settings.sizes_nm == (1.0, 2.0, 3.0, 4.0)

    # Another file: the defaults, and no lattice until the user chooses one for it.
    _open(window, qtbot, *second_files)
    defaults = AnalysisSettings()
    settings = window.controller.settings
    assert settings.sizes_nm == defaults.sizes_nm
    assert settings.lattice is None
    assert panel.lattice.currentText() == "none" and not panel.lattice_a.isEnabled()
    assert window.controller.result.lattice is None
    qtbot.waitUntil(lambda: window.results_panel.values["sume_cells"].text().startswith("–"), timeout=5000)

    # Back to the first file: its own edges and lattice come back (remembered per file).
    _open(window, qtbot, *first_files)
    settings = window.controller.settings
    assert settings.sizes_nm == (1.0, 2.0, 3.0, 4.0)
    assert settings.lattice is not None and settings.lattice.structure == "bcc"
    assert settings.lattice.a_nm == pytest.approx(0.2866)
    assert window.controller.result.lattice == str(settings.lattice)
    window.close()

    # ... also in the next session.
    again = make_main_window()
    _open(again, qtbot, *first_files)
    assert again.controller.settings.lattice.structure == "bcc"
    assert again.controller.settings.sizes_nm == (1.0, 2.0, 3.0, 4.0)
