"""Analysis settings remembered per dataset, so that one file's edges and lattice never leak into the next.

The lattice in particular is a fact about the specimen (CoCuFeNi fcc, an oxide's rock-salt cell):
carrying it over to another file silently turns its SUME into the wrong number of unit cells. Each
dataset (keyed by its ion file, the demo by ``"demo"``) keeps the settings last used with it; a
dataset seen for the first time starts from the defaults, which have no lattice.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings

from hea_studio.core.errors import InputError
from hea_studio.core.settings import AnalysisSettings
from hea_studio.io.project.store import settings_from_json, settings_to_json

STORE_KEY = "analysis/per_dataset"
MAX_DATASETS = 50  # the oldest entries are forgotten beyond this


def dataset_key(ion_path: Path | str | None) -> str:
    """The key a dataset's settings are remembered under (the resolved ion file; ``"demo"``)."""
    if ion_path is None:
        return "demo"
    return str(Path(ion_path).resolve())


class DatasetSettingsMemory:
    """Settings per dataset, kept in a QSettings store as one JSON value.

    Parameters
    ----------
    store
        Where the settings are kept (read at once, written at every change).
    """

    def __init__(self, store: QSettings) -> None:
        self._store = store
        self._entries: dict[str, str] = {}
        try:
            raw = json.loads(str(store.value(STORE_KEY, "{}")))
        except ValueError:
            raw = {}
        if isinstance(raw, dict):
            self._entries = {str(k): str(v) for k, v in raw.items()}

    def settings_for(self, key: str, species: tuple[str, ...] | None = None) -> AnalysisSettings:
        """The settings last used with dataset ``key``, or the defaults (no lattice) for a new one.

        ``species``: the species of the dataset as now loaded. Entropy elements remembered from an
        earlier ranging that are no longer among them fall back to the default choice (the same
        ion file re-ranged with another range file keeps its edges and lattice).
        """
        text = self._entries.get(key)
        if text is not None:
            try:
                settings = settings_from_json(text)
            except InputError:
                return AnalysisSettings(lattice=None)  # written by another version: start afresh
            elements = settings.elements
            if species is not None and elements is not None and not set(elements) <= set(species):
                settings = replace(settings, elements=None)
            return settings
        return AnalysisSettings(lattice=None)

    def knows(self, key: str) -> bool:
        """True if settings were remembered for dataset ``key``."""
        return key in self._entries

    def remember(self, key: str, settings: AnalysisSettings) -> None:
        """Keep ``settings`` for dataset ``key`` (most recent last) and write the store."""
        self._entries.pop(key, None)
        self._entries[key] = settings_to_json(settings)
        while len(self._entries) > MAX_DATASETS:
            self._entries.pop(next(iter(self._entries)))
        self._store.setValue(STORE_KEY, json.dumps(self._entries))
