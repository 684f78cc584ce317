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


def test_edge_lists_are_shown_compactly_and_read_back_the_same():
    from hea_studio.core.settings import parse_sizes
    from hea_studio.widgets.settings_panel import format_sizes

    for text, shown in (("0.5:10:0.5", "0.5:10:0.5"), ("1,2,4", "1,2,4"), ("0.5:8:0.25", "0.5:8:0.25")):
        sizes = parse_sizes(text)
        assert format_sizes(sizes) == shown
        assert parse_sizes(format_sizes(sizes)) == sizes


def test_the_memory_keeps_each_file_apart_and_drops_elements_a_new_ranging_lacks(tmp_path):
    from PySide6.QtCore import QSettings

    from hea_studio.app.dataset_settings import MAX_DATASETS, DatasetSettingsMemory, dataset_key
    from hea_studio.core.settings import Lattice

    store = QSettings(str(tmp_path / "store.ini"), QSettings.Format.IniFormat)
    memory = DatasetSettingsMemory(store)
    a, b = dataset_key(tmp_path / "a.pos"), dataset_key(tmp_path / "b.pos")
    chosen = AnalysisSettings(sizes_nm=(1.0, 2.0), elements=("Co", "Ni"), lattice=Lattice("spinel", 0.83))
    memory.remember(a, chosen)
    assert memory.settings_for(b) == AnalysisSettings(lattice=None)
    again = DatasetSettingsMemory(QSettings(str(tmp_path / "store.ini"), QSettings.Format.IniFormat))
    assert again.settings_for(a, ("Co", "Ni", "Fe")) == chosen
    # Re-ranged without Ni: the edges and lattice stay, the elements go back to the default choice.
    reranged = again.settings_for(a, ("Co", "Fe", "O"))
    assert reranged.elements is None and reranged.lattice == chosen.lattice
    assert reranged.sizes_nm == chosen.sizes_nm
    for i in range(MAX_DATASETS + 5):
        again.remember(dataset_key(tmp_path / f"{i}.pos"), chosen)
    assert not again.knows(a) and again.knows(dataset_key(tmp_path / f"{MAX_DATASETS + 4}.pos"))
