"""Closing main windows in tests as a user would."""

from __future__ import annotations


def close_discarding(window, qtbot) -> None:
    """Close ``window`` as a user who answers Discard when asked about unsaved work."""
    from PySide6.QtWidgets import QMessageBox

    window.close()
    dialog = window.unsaved.dialog
    if window.isVisible() and dialog is not None and dialog.isVisible():
        dialog.button(QMessageBox.StandardButton.Discard).click()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
