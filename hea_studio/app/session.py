"""What the window is looking at: the open dataset, the named sub-volumes and which one is active.

The session lives on the GUI thread. Workers produce new :class:`Dataset` values; only slots on the
GUI thread hand them to :meth:`Session.set_dataset`, so views never see a half-built model.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from hea_studio.core.dataset import Dataset
from hea_studio.core.display import DisplayState
from hea_studio.core.geometry import Box, SubVolume


class Session(QObject):
    """The open dataset and its sub-volumes; emits a signal for every change.

    Signals
    -------
    dataset_changed(object)
        A new :class:`Dataset` (or ``None``).
    subvolumes_changed()
        Names or the list of sub-volumes changed.
    active_changed(int)
        Another sub-volume became active.
    active_box_changed(object)
        The box of the active sub-volume changed (a :class:`Box`), including when another one
        became active.
    ranging_changed(object)
        The same ions were ranged anew (a :class:`Dataset` with new atoms and ranges); the
        sub-volumes stay.
    display_changed(object, object)
        The display choices changed (the old and the new :class:`DisplayState`).
    """

    dataset_changed = Signal(object)
    ranging_changed = Signal(object)
    subvolumes_changed = Signal()
    active_changed = Signal(int)
    active_box_changed = Signal(object)
    display_changed = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dataset: Dataset | None = None
        self.subvolumes: list[SubVolume] = []
        self.active = -1
        self.display = DisplayState()

    # ---- dataset --------------------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset) -> None:
        """Replace the dataset; its sub-volumes start with the default box."""
        self.dataset = dataset
        atoms = dataset.atoms
        # The new species get fresh colours; point size, budget and highlight stay as they were.
        self.display = DisplayState.for_species(atoms.names, atoms.colours, like=self.display)
        self.subvolumes = [SubVolume("Box 1", dataset.default_box)]
        self.active = 0
        self.dataset_changed.emit(dataset)
        self.subvolumes_changed.emit()
        self.active_changed.emit(0)
        self.active_box_changed.emit(dataset.default_box)

    def replace_ranging(self, dataset: Dataset) -> None:
        """The open ions with new ranges (same file, same sub-volumes): views update their atoms."""
        self.dataset = dataset
        atoms = dataset.atoms
        self.display = DisplayState.for_species(atoms.names, atoms.colours, like=self.display)
        self.ranging_changed.emit(dataset)

    # ---- display --------------------------------------------------------------------------------
    def set_display(self, display: DisplayState) -> None:
        """Change the display choices (ignored if nothing changes)."""
        if display == self.display:
            return
        old, self.display = self.display, display
        self.display_changed.emit(old, display)

    # ---- sub-volumes ----------------------------------------------------------------------------
    @property
    def active_box(self) -> Box | None:
        """Box of the active sub-volume (``None`` with no dataset)."""
        if 0 <= self.active < len(self.subvolumes):
            return self.subvolumes[self.active].box
        return None

    def set_active_box(self, box: Box) -> None:
        """Move or resize the active sub-volume (ignored if nothing changes)."""
        if not (0 <= self.active < len(self.subvolumes)):
            return
        current = self.subvolumes[self.active]
        if current.box == box:
            return
        self.subvolumes[self.active] = replace(current, box=box)
        self.active_box_changed.emit(box)

    def add_subvolume(self, box: Box | None = None, name: str | None = None) -> int:
        """Add a sub-volume (a copy of the active box by default) and make it active."""
        if box is None:
            box = self.active_box
        if box is None:
            return -1
        name = name or self._fresh_name()
        self.subvolumes.append(SubVolume(name, box))
        self.subvolumes_changed.emit()
        self.set_active(len(self.subvolumes) - 1)
        return self.active

    def remove_subvolume(self, index: int) -> None:
        """Delete a sub-volume; the last one cannot be removed (there is always an active box)."""
        if len(self.subvolumes) <= 1 or not (0 <= index < len(self.subvolumes)):
            return
        del self.subvolumes[index]
        self.subvolumes_changed.emit()
        self.set_active(min(index, len(self.subvolumes) - 1), force=True)

    def rename_subvolume(self, index: int, name: str) -> None:
        """Give a sub-volume a new name."""
        name = name.strip()
        if name and 0 <= index < len(self.subvolumes) and self.subvolumes[index].name != name:
            self.subvolumes[index] = replace(self.subvolumes[index], name=name)
            self.subvolumes_changed.emit()

    def set_active(self, index: int, force: bool = False) -> None:
        """Make sub-volume ``index`` the active one."""
        if not (0 <= index < len(self.subvolumes)) or (index == self.active and not force):
            return
        self.active = index
        self.active_changed.emit(index)
        self.active_box_changed.emit(self.subvolumes[index].box)

    def restore_subvolumes(self, subvolumes: list[SubVolume], active: int) -> None:
        """Replace all sub-volumes at once (undo, redo) and tell every view."""
        if not subvolumes:
            return
        old_box = self.active_box
        self.subvolumes = list(subvolumes)
        self.active = min(max(active, 0), len(self.subvolumes) - 1)
        self.subvolumes_changed.emit()
        self.active_changed.emit(self.active)
        if self.active_box != old_box:
            self.active_box_changed.emit(self.active_box)

    def _fresh_name(self) -> str:
        taken = {s.name for s in self.subvolumes}
        i = len(self.subvolumes) + 1
        while f"Box {i}" in taken:
            i += 1
        return f"Box {i}"
