"""Project files in the window, and the recovery copy of the running session.

While a dataset is open, every change of the sub-volumes, the active box or the analysis settings
schedules a save of the session to this instance's own recovery copy (debounced, so dragging a box
writes once it settles). A clean exit deletes that copy; a copy whose instance ended without
closing is offered back at the next start, however that start happens (see
:mod:`hea_studio.io.project.recovery`: one copy per running instance, each guarded by a lock, so a running
instance's session is never offered, overwritten or deleted by another). Project files use the same
format and the same atomic write, so neither a crash nor a full disk leaves a half-written file.

A project or recovered session is applied only to the dataset it names, once that dataset has
loaded: a failed or superseded load drops it, and a project becomes the file Ctrl+S writes only
after its data opened.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from hea_studio.core.display import RGB, DisplayState, species_colours
from hea_studio.core.errors import InputError
from hea_studio.core.project import ProjectState
from hea_studio.io.project.recovery import Orphan, RecoveryFolder
from hea_studio.io.project.store import PROJECT_SUFFIX, load_project, recovery_path, save_project
from hea_studio.io.ranges.rrng import parse_rrng_text, rrng_text

AUTOSAVE_MS = 1500


def default_recovery_folder() -> Path:
    """The folder of the recovery copies (``HEA_STUDIO_RECOVERY`` overrides it, which the tests use;
    a file name there means its folder, as older versions used one file)."""
    override = os.environ.get("HEA_STUDIO_RECOVERY")
    if override:
        path = Path(override)
        return path.parent if path.suffix == PROJECT_SUFFIX else path
    return recovery_path().parent


def _same_file(a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Path(a).resolve() == Path(b).resolve()


def _chosen_colours(display: DisplayState, atoms) -> dict[str, RGB]:
    """The species colours the user changed (those that differ from the range file's or the palette's)."""
    defaults = dict(zip(atoms.names, species_colours(atoms.names, atoms.colours)))
    return {n: c for n, c in display.colour_map().items() if defaults.get(n) != c}


def _restored_display(display: DisplayState, state: ProjectState) -> DisplayState:
    """``display`` with a project's colours and hidden species (species the data lack are ignored)."""
    colours = tuple(state.colours.get(n, c) for n, c in zip(display.names, display.colours))
    hidden = frozenset(state.hidden_species) & set(display.names)
    return replace(display, colours=colours, hidden=hidden)


def _fingerprint(state: ProjectState | None) -> tuple | None:
    """What of a session is the user's work: files, boxes, settings, display, ranges and ticks.

    The last result (recomputed on reopen), which box is active (a selection, not an edit) and the
    analysis settings (remembered per data file anyway) are left out, so running an analysis,
    clicking another box or changing a setting does not ask to save on quit.
    """
    if state is None:
        return None
    return (
        state.ion_file,
        state.range_file,
        tuple(state.subvolumes),
        tuple(sorted(state.colours.items())),
        tuple(state.hidden_species),
        state.ranges,
        state.comparison,
    )


class ProjectKeeper(QObject):
    """Saves and restores sessions for one main window.

    Parameters
    ----------
    window
        The main window (its ``session``, ``controller``, ``settings_panel`` and ``open_files``).
    recovery_folder
        Where the recovery copies live (default: :func:`default_recovery_folder`).

    Signals
    -------
    modified_changed(bool)
        The session started or stopped differing from what was last opened or saved.
    """

    modified_changed = Signal(bool)

    def __init__(self, window, recovery_folder: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.recovery = RecoveryFolder(recovery_folder or default_recovery_folder())
        self.project_file: Path | None = None
        self._pending: ProjectState | None = None
        self._pending_project: Path | None = None  # becomes project_file once its data opened
        self._adopting: Orphan | None = None  # a recovered copy, deleted once its session is back
        self._clean: tuple | None = None  # the session's fingerprint when last opened or saved
        self._modified = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.write_recovery)
        session = window.session
        for signal in (session.subvolumes_changed, session.active_changed, session.active_box_changed):
            signal.connect(self.schedule)
        window.settings_panel.settings_changed.connect(self.schedule)
        session.display_changed.connect(self.schedule)
        window.controller.analysis_finished.connect(self.schedule)
        window.controller.ranging_applied.connect(self.schedule)
        window.controller.dataset_loaded.connect(self._dataset_loaded)
        window.controller.load_failed.connect(self._load_failed)
        # A new dataset starts a session with nothing to save (a project restore marks it again
        # once its boxes and settings are applied, see _dataset_loaded).
        session.dataset_changed.connect(self.mark_clean)

    @property
    def recovery_file(self) -> Path:
        """This instance's recovery copy."""
        return self.recovery.own_copy()

    # ---- capture and write ------------------------------------------------------------------------
    def capture(self, with_result: bool = True) -> ProjectState | None:
        """The session as a :class:`ProjectState` (``None`` with no dataset open; ``with_result``
        False leaves the last analysis out, which is the costly part)."""
        session = self.window.session
        dataset = session.dataset
        if dataset is None:
            return None
        controller = self.window.controller
        last = None
        if with_result and controller.result is not None:
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
            colours=_chosen_colours(session.display, dataset.atoms),
            hidden_species=sorted(session.display.hidden),
            last_analysis=last,
            comparison=self.window.compare.job.to_project_json(),
            # Ranges no file holds (edited, drawn, suggested) are part of the session itself.
            ranges=rrng_text(dataset.ranges) if dataset.range_path is None and dataset.ranges else None,
        )

    def schedule(self, *_args) -> None:
        """Save the recovery copy once changes settle (not while a project is being restored)."""
        if self._pending is None:
            self._timer.start()
            self._update_modified()

    # ---- unsaved work -----------------------------------------------------------------------------
    def is_modified(self) -> bool:
        """True if the session holds work that no project file has (asked about on quit)."""
        current = _fingerprint(self.capture(with_result=False))
        return current is not None and current != self._clean

    def mark_clean(self, *_args) -> None:
        """The session as it is now needs no saving (just opened or saved)."""
        self._clean = _fingerprint(self.capture(with_result=False))
        self._update_modified()

    def _update_modified(self) -> None:
        modified = self.is_modified()
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)

    def write_recovery(self) -> bool:
        """Write the recovery copy now; False (with a status message) if it could not be written."""
        state = self.capture()
        if state is None:
            return False
        try:
            save_project(self.recovery.own_copy(), state, durable=False)
        except OSError as exc:
            self.window.show_message(f"Could not write the recovery copy: {exc}")
            return False
        return True

    def discard_recovery(self) -> None:
        """A clean exit: stop autosaving and delete this instance's recovery copy."""
        self._timer.stop()
        self.recovery.close(discard=True)

    def orphaned_session(self) -> tuple[Orphan, ProjectState] | None:
        """The newest readable copy left by an instance that ended without closing, claimed by us
        (unreadable ones are set aside, older readable ones kept for a later start)."""
        found: tuple[Orphan, ProjectState] | None = None
        for orphan in self.recovery.orphans():
            if found is not None:
                orphan.release()
                continue
            try:
                found = (orphan, load_project(orphan.copy))
            except InputError:
                orphan.set_aside()  # never tried again at the next start
        return found

    def pending_recovery(self) -> ProjectState | None:
        """The session of the newest orphaned recovery copy, if any (the copy stays on disk)."""
        found = self.orphaned_session()
        if found is None:
            return None
        found[0].release()
        return found[1]

    # ---- project files ----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Save the session as a project file (atomic); raises :class:`InputError` with no dataset."""
        state = self.capture()
        if state is None:
            raise InputError("nothing to save: open a dataset first")
        save_project(path, state)
        self.project_file = Path(path)
        self.mark_clean()

    def open(self, path: Path) -> int:
        """Open a project file: load its data files, then restore its sub-volumes and settings.

        The project becomes the file Save writes to only once its data has opened: after a failed
        open, Ctrl+S must not write the unrelated session still on screen over it.
        """
        state = load_project(path)
        gen = self.restore(state)
        if self._pending is state:
            self._pending_project = Path(path)
        return gen

    def restore(self, state: ProjectState) -> int:
        """Reopen the data of ``state``; its boxes and settings are applied once the data is loaded."""
        for name in (state.ion_file, state.range_file):
            if name is not None and not Path(name).is_file():
                raise InputError(f"the project's data file {name} is missing", Path(name))
        ion = Path(state.ion_file) if state.ion_file else None
        ranges = Path(state.range_file) if state.range_file else None
        table = None
        if state.ranges is not None and ranges is None:
            table = parse_rrng_text(
                state.ranges, f"{ion.name if ion else 'the demo'}: the session's saved ranges"
            )
        self._drop_pending()
        gen = self.window.open_files(ion, ranges, table)
        if gen >= 0:
            self._pending = state
        return gen

    def adopt(self, orphan: Orphan, state: ProjectState) -> int:
        """Restore an orphaned session; its copy is deleted once the session is back and saved in
        this instance's own copy, and kept (for the next start) if its data cannot be opened."""
        gen = self.restore(state)
        if self._pending is state:
            self._adopting = orphan
        else:
            orphan.release()
        return gen

    def _drop_pending(self) -> None:
        self._pending = None
        self._pending_project = None
        if self._adopting is not None:
            self._adopting.release()  # not restored after all: offered again at the next start
            self._adopting = None

    def _load_failed(self, _message: str) -> None:
        # The project's data could not be read: nothing of it may reach the next dataset, and the
        # autosave (paused while a restore waits) resumes for the session still open.
        if self._pending is not None:
            self._drop_pending()
            self.schedule()

    def _dataset_loaded(self, dataset) -> None:
        state, project, adopted = self._pending, self._pending_project, self._adopting
        if state is None or not (
            _same_file(state.ion_file, dataset.ion_path) and _same_file(state.range_file, dataset.range_path)
        ):
            # No restore waiting, or another file was opened before the project's data arrived.
            self._drop_pending()
            self.mark_clean()  # the remembered per-file settings are not the user's edits
            self.schedule()
            return
        self._adopting = None  # handled below, not released
        self._drop_pending()
        if project is not None:
            self.project_file = project
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
        session.set_display(_restored_display(session.display, state))
        self.window.compare.job.restore_project_json(state.comparison)
        if adopted is None:
            self.mark_clean()
        else:
            # A recovered session is work no project file holds: quitting asks about it.
            self._clean = None
            self._update_modified()
            # The session lives on in this instance's copy before the crashed one's goes away.
            if self.write_recovery():
                adopted.discard()
            else:
                adopted.release()
            return
        self.schedule()
