"""The settings panel: the Settings and welcome dialogs, the log-folder action, the theme, and the credits shown
in the status bar. The shell adds the actions to its menus and the credits to its status bar, and calls
``first_run`` once started. Saving announces ``settingsChanged`` on the bus (the model list reloads)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QDialog, QWidget

from desktop_app.core.jobs.store import Job
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.settings.credits import CreditsIndicator
from desktop_app.ui.theme import apply_theme

if TYPE_CHECKING:  # the dialogs (and their pages) are imported when first opened, not at start-up
    from desktop_app.ui.settings.dialog import SettingsDialog
    from desktop_app.ui.settings.welcome import WelcomeDialog


def preferences_shortcut() -> QKeySequence:
    """The platform's Preferences key where it has one (macOS: Cmd+,); Linux desktops often have none."""
    bindings = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
    return bindings[0] if bindings else QKeySequence("Ctrl+,")


class AccountWiring(QObject):
    def __init__(self, services: Services, bus: AppBus, window: QWidget) -> None:
        super().__init__(window)
        self.services = services
        self.bus = bus
        self.window = window  # the dialogs' parent
        self.dialog: SettingsDialog | None = None
        self.welcome: WelcomeDialog | None = None
        if services.settings.theme != "system":  # "system" is what Qt starts with: nothing to change
            apply_theme(services.settings.theme)
        self.credits = CreditsIndicator(services)  # the shell puts it in its status bar
        self.settings_action = QAction(self.tr("&Settings…"), window, shortcut=preferences_shortcut())
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.setToolTip(self.tr("API keys, default model, theme, folders and job limits"))
        self.settings_action.triggered.connect(self.open_settings)
        self.welcome_action = QAction(self.tr("&Welcome…"), window)
        self.welcome_action.setToolTip(self.tr("The three ways to generate, and where to get API keys"))
        self.welcome_action.triggered.connect(self.open_welcome)
        self.log_action = QAction(self.tr("Open &log folder"), window)
        self.log_action.setToolTip(self.tr("Show the log files, for a problem report"))
        self.log_action.triggered.connect(self.open_log_folder)
        bus.jobChanged.connect(self.job_changed)

    def open_settings(self) -> SettingsDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        from desktop_app.ui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._on_saved)
        dialog.destroyed.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()  # never exec(): it would re-enter the qasync loop
        return dialog

    def open_welcome(self) -> WelcomeDialog:
        if self.welcome is not None and self.welcome.isVisible():
            self.welcome.raise_()
            self.welcome.activateWindow()
            return self.welcome
        from desktop_app.ui.settings.welcome import WelcomeDialog

        dialog = WelcomeDialog(self.services, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._on_saved)
        dialog.destroyed.connect(self._forget_welcome)
        self.welcome = dialog
        dialog.open()
        return dialog

    def first_run(self) -> QDialog | None:
        """Show the welcome once, on the first start (the app calls this after the window has loaded)."""
        if self.services.settings.welcome_done:
            return None
        return self.open_welcome()

    def open_log_folder(self) -> None:
        folder = self.services.paths.log_dir
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _forget_dialog(self) -> None:
        self.dialog = None

    def _forget_welcome(self) -> None:
        self.welcome = None

    def _on_saved(self) -> None:
        # Keys decide which models are available and what the status bar can ask for.
        self.credits.refresh()
        self.bus.settingsChanged.emit()

    def job_changed(self, job: Job) -> None:
        """A finished cloud job has spent (or refunded) credits: show the new balance."""
        if job.state.terminal and job.provider in self.credits.labels:
            self.credits.refresh()
