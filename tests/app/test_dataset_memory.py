"""Per-dataset settings memory, on a QSettings file of its own (no window needed)."""

from __future__ import annotations

from hea_studio.core.settings import AnalysisSettings


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
