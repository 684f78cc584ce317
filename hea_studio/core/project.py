"""What a saved project holds: files, sub-volumes, settings, display choices and the last result.

Plain values only, so the project file can be written and read with no display and tested without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hea_studio.core.geometry import SubVolume
from hea_studio.core.settings import AnalysisSettings

RGB = tuple[float, float, float]

PROJECT_SCHEMA = "hea-studio/project/1"


@dataclass
class ProjectState:
    """Everything needed to reopen a session where the user left it.

    Parameters
    ----------
    ion_file, range_file
        Absolute paths of the data files (``None`` for the demo specimen).
    subvolumes
        The named boxes, in the order the user made them.
    active
        Index of the active sub-volume.
    settings
        The analysis settings.
    colours
        Species display colours the user chose (overrides the range file's).
    hidden_species
        Species switched off in the 3D view.
    comparison
        The comparison dock as JSON text: the ticked sub-volumes, and those of other runs with their
        analyses (a run not reopened keeps its results), or ``None``.
    last_analysis
        The last analysis as its JSON text (schema hea-studio/analysis/1), or ``None``.
    ranges
        The ranges in force as .rrng text when no range file holds them (drawn or edited in the
        spectrum dock, or suggested): reopening ranges the ions with them. ``None``: ``range_file``'s.
    """

    ion_file: str | None = None
    range_file: str | None = None
    subvolumes: list[SubVolume] = field(default_factory=list)
    active: int = 0
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    colours: dict[str, RGB] = field(default_factory=dict)
    hidden_species: list[str] = field(default_factory=list)
    last_analysis: str | None = None
    comparison: str | None = None
    ranges: str | None = None
