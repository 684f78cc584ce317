"""Project files in the window, and the recovery copy of the running session.

While a dataset is open, every change of the sub-volumes, the active box or the analysis settings
schedules a save of the session to a recovery file (debounced, so dragging a box writes once it
settles). A clean exit deletes that file; if it is still there at the next start, the previous run
ended without closing and the user is offered the session back. Project files use the same format
and the same atomic write, so neither a crash nor a full disk leaves a half-written file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from hea_studio.core.errors import InputError
from hea_studio.core.project import ProjectState
from hea_studio.io.project import load_project, recovery_path, save_project

AUTOSAVE_MS = 1500


def default_recovery_file() -> Path:
    """The recovery file (``HEA_STUDIO_RECOVERY`` overrides it, which the tests use)."""
    override = os.environ.get("HEA_STUDIO_RECOVERY")
    return Path(override) if override else recovery_path()


class ProjectKeeper(QObject):
    """Saves and restores sessions for one main window.

    Parameters
    ----------
    window
        The main window (its ``session``, ``controller``, ``settings_panel`` and ``open_files``).
    recovery_file
        Where the recovery copy goes (default: :func:`default_recovery_file`).
    """

    def __init__(self, window, recovery_file: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.recovery_file = Path(recovery_file) if recovery_file else default_recovery_file()
        self.project_file: Path | None = None
        self._pending: ProjectState | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.write_recovery)
        session = window.session
        for signal in (session.subvolumes_changed, session.active_changed, session.active_box_changed):
            signal.connect(self.schedule)
        window.settings_panel.settings_changed.connect(self.schedule)
        window.controller.analysis_finished.connect(self.schedule)
        window.controller.dataset_loaded.connect(self._dataset_loaded)

    # ---- capture and write ------------------------------------------------------------------------
    def capture(self) -> ProjectState | None:
        """The session as a :class:`ProjectState` (``None`` with no dataset open)."""
        session = self.window.session
        dataset = session.dataset
        if dataset is None:
            return None
        controller = self.window.controller
        last = None
        if controller.result is not None:
            try:
                last = json.dumps(controller.result_json())
            except (TypeError, ValueError):
                last = None
        return ProjectState(
            ion_file=str(Path(dataset.ion_path).resolve()) if dataset.ion_path else None,
            range_file=str(Path(dataset.range_path).resolve()) if dataset.range_path else None,
            subvolumes=list(session.subvolumes),
            active=max(session.active, 0),
            settings=controller.settings,
            last_analysis=last,
        )

    def schedule(self, *_args) -> None:
        """Save the recovery copy once changes settle (not while a project is being restored)."""
        if self._pending is None:
            self._timer.start()

    def write_recovery(self) -> bool:
        """Write the recovery copy now; False (with a status message) if it could not be written."""
        state = self.capture()
        if state is None:
            return False
        try:
            save_project(self.recovery_file, state, durable=False)
        except OSError as exc:
            self.window.show_message(f"Could not write the recovery copy: {exc}")
            return False
        return True

    def discard_recovery(self) -> None:
        """A clean exit: stop autosaving and delete the recovery copy."""
        self._timer.stop()
        self.recovery_file.unlink(missing_ok=True)

    def pending_recovery(self) -> ProjectState | None:
        """The recovery copy left by a run that did not close cleanly, if it is readable."""
        if not self.recovery_file.is_file():
            return None
        try:
            return load_project(self.recovery_file)
        except InputError:
            self.recovery_file.unlink(missing_ok=True)
            return None

    # ---- project files ----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Save the session as a project file (atomic); raises :class:`InputError` with no dataset."""
        state = self.capture()
        if state is None:
            raise InputError("nothing to save: open a dataset first")
        save_project(path, state)
        self.project_file = Path(path)

    def open(self, path: Path) -> int:
        """Open a project file: load its data files, then restore its sub-volumes and settings."""
        state = load_project(path)
        self.project_file = Path(path)
        return self.restore(state)

    def restore(self, state: ProjectState) -> int:
        """Reopen the data of ``state``; its boxes and settings are applied once the data is loaded."""
        for name in (state.ion_file, state.range_file):
            if name is not None and not Path(name).is_file():
                raise InputError(f"the project's data file {name} is missing", Path(name))
        self._pending = state
        ion = Path(state.ion_file) if state.ion_file else None
        ranges = Path(state.range_file) if state.range_file else None
        return self.window.open_files(ion, ranges)

    def _dataset_loaded(self, _dataset) -> None:
        state, self._pending = self._pending, None
        if state is None:
            self.schedule()
            return
        self.window.settings_panel.apply(state.settings)
        session = self.window.session
        for i, named in enumerate(state.subvolumes):
            if i == 0:
                session.set_active_box(named.box)
                session.rename_subvolume(0, named.name)
            else:
                session.add_subvolume(named.box, named.name)
        if state.subvolumes:
            session.set_active(min(state.active, len(state.subvolumes) - 1), force=True)
        self.schedule()
