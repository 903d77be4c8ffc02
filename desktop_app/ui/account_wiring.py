"""Settings menu entry and status-bar credits for the main window, kept out of main_window.py (size)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from desktop_app.core.jobs import Job
from desktop_app.ui.credits import CreditsIndicator
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.tasks import spawn

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow


def preferences_shortcut() -> QKeySequence:
    """The platform's Preferences key where it has one (macOS: Cmd+,); Linux desktops often have none."""
    bindings = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
    return bindings[0] if bindings else QKeySequence("Ctrl+,")


class AccountWiring(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: SettingsDialog | None = None
        self.credits = CreditsIndicator(window.services)
        window.statusBar().addPermanentWidget(self.credits)
        self.settings_action = QAction(self.tr("&Settings…"), window, shortcut=preferences_shortcut())
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)

    def open_settings(self) -> SettingsDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        dialog = SettingsDialog(self.window.services, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._on_saved)
        dialog.destroyed.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()  # never exec(): it would re-enter the qasync loop
        return dialog

    def _forget_dialog(self) -> None:
        self.dialog = None

    def _on_saved(self) -> None:
        # Keys decide which models are available and what the status bar can ask for.
        self.credits.refresh()
        spawn(self.window.load_models(), self.window._show_error, name="reload models")

    def job_changed(self, job: Job) -> None:
        """A finished cloud job has spent (or refunded) credits: show the new balance."""
        if job.state.terminal and job.provider in self.credits.labels:
            self.credits.refresh()
