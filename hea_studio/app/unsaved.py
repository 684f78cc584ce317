"""Unsaved work in the main window: the title's project name and modified mark, and the
save / discard / cancel question when the window closes.

The recovery copy stays on disk until the user has answered: Cancel keeps the window (and the
copy) open, Save writes the project first, Discard is the only way work is dropped on purpose.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from hea_studio import __version__

Button = QMessageBox.StandardButton


def session_name(project_file: Path | None, dataset) -> str:
    """What the title calls the session: the project file, else the open data file, else nothing."""
    if project_file is not None:
        return Path(project_file).name
    if dataset is None:
        return ""
    if dataset.ion_path is None:
        return "demo specimen"
    return Path(dataset.ion_path).name


class UnsavedGuard(QObject):
    """Keeps the title up to date and asks before unsaved work is closed.

    Parameters
    ----------
    window
        The main window (its ``keeper``, ``session``, ``controller`` and ``save_project``).
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: QMessageBox | None = None
        self.confirmed = False  # the user answered Save or Discard: the next close goes through
        window.keeper.modified_changed.connect(self.update_title)
        window.controller.dataset_loaded.connect(self.update_title)
        self.update_title()

    def update_title(self, *_args) -> None:
        """``name[*] - HEA Studio x.y``; Qt shows ``[*]`` as ``*`` while the session is modified."""
        window = self.window
        name = session_name(window.keeper.project_file, window.session.dataset)
        app = f"HEA Studio {__version__}"
        window.setWindowTitle(f"{name}[*] \u2014 {app}" if name else f"{app}[*]")
        window.setWindowModified(window.keeper.is_modified())

    def may_close(self) -> bool:
        """True if the window may close now; otherwise the question is shown (not blocking) and
        the window closes once the user answers Save (and the save succeeds) or Discard."""
        if self.confirmed or not self.window.keeper.is_modified():
            return True
        self.ask()
        return False

    def ask(self) -> QMessageBox:
        """Show the save / discard / cancel question (window-modal; kept in ``dialog``)."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        keeper = self.window.keeper
        where = (
            f"the project {keeper.project_file.name}" if keeper.project_file is not None else "a project file"
        )
        dialog = QMessageBox(
            QMessageBox.Icon.Warning,
            "Save the session?",
            "The session has changes that are not saved (sub-volumes, ranges, settings or display).",
            Button.Save | Button.Discard | Button.Cancel,
            self.window,
        )
        dialog.setInformativeText(
            f"Save writes them to {where}. Discard drops them and the recovery copy. "
            "Cancel keeps the window open."
        )
        dialog.setDefaultButton(Button.Save)
        dialog.setEscapeButton(Button.Cancel)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.buttonClicked.connect(lambda button: self._answered(dialog.standardButton(button)))
        dialog.open()
        self.dialog = dialog
        return dialog

    def _answered(self, answer: Button) -> None:
        if answer == Button.Save:
            if not self.window.save_project():
                return  # save cancelled or failed: the window stays, with its recovery copy
        elif answer != Button.Discard:
            return
        self.confirmed = True
        QTimer.singleShot(0, self.window.close)  # once the question has closed
