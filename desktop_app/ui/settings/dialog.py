"""Settings: API keys (Accounts), model, theme, folders and job limits (General), service addresses (Advanced).

The dialog is shown with ``open()`` (``exec()`` would re-enter the qasync loop); the pages live in
accounts.py and general.py. Saving writes the settings file and the changed keys off the GUI
thread, and key values never reach a log line or an error text.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from desktop_app.core.logs import timed
from desktop_app.core.settings import Settings, save_settings
from desktop_app.services import Services
from desktop_app.ui.settings import accounts as settings_accounts
from desktop_app.ui.settings.accounts import AccountsForm
from desktop_app.ui.settings.general import AdvancedPage, GeneralPage
from desktop_app.ui.settings.secret_field import scrub
from desktop_app.ui.spending_view import SpendingCaps, set_caps_in_place
from desktop_app.ui.tasks import SETTINGS_LANE, blocking, spawn
from desktop_app.ui.theme import apply_theme

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    saved = Signal()
    themeChanged = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(600)
        self._tasks: list[asyncio.Task[Any]] = []
        self._saving = False

        self.general = GeneralPage(services)
        self.advanced = AdvancedPage(services)
        self.spending = SpendingCaps(services.settings.daily_caps)
        self.accounts = AccountsForm(services, self.typed_settings)
        accounts_page = QWidget()
        QVBoxLayout(accounts_page).addWidget(self.accounts)
        accounts_page.layout().addStretch(1)
        # Names the tests and the other helpers' hooks use, kept from the one-page dialog.
        self.fields = self.accounts.fields
        self.test_buttons, self.test_results = self.accounts.test_buttons, self.accounts.test_results
        self.keychain_label = self.accounts.keychain_label
        self.concurrency, self.deadline = self.general.concurrency, self.general.deadline
        self.base_urls = self.advanced.base_urls

        self.tabs = QTabWidget()
        self.tabs.addTab(accounts_page, self.tr("&Accounts"))
        self.tabs.addTab(self.general, self.tr("&General"))
        self.tabs.addTab(self.spending, self.tr("&Spending"))
        self.tabs.addTab(self.advanced, self.tr("Ad&vanced"))
        self.error_label = QLabel()
        self.error_label.setObjectName("dropMessage")  # the app's red message style
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)  # Enter saves; Esc (QDialog's own) cancels
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.error_label)
        lay.addWidget(self.buttons)
        self._tasks.append(spawn(self._load(), self._show_error, name="settings keychain"))

    async def _load(self) -> None:
        await asyncio.gather(self.accounts.load(), self._load_models())
        self._fit_height()

    async def _load_models(self) -> None:
        self.general.set_models(await self.services.registry.models())

    def _fit_height(self) -> None:
        """A message set after the dialog was laid out may wrap onto more lines: grow to show all of it."""
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    @property
    def _can_store(self) -> bool | None:
        return self.accounts.can_store

    # --- values as typed ---------------------------------------------------------------------------------

    def typed_settings(self) -> Settings:
        """A copy of the settings with the values in the dialog; the live settings stay untouched."""
        settings, general = self.services.settings, self.general
        return dataclasses.replace(
            settings,
            default_model=general.default_model.currentData() or settings.default_model,
            theme=general.theme.currentData() or "system",
            concurrency={**settings.concurrency, **{n: s.value() for n, s in self.concurrency.items()}},
            poll_deadline_minutes=self.deadline.value(),
            base_urls={n: e.text().strip() for n, e in self.base_urls.items() if e.text().strip()},
            daily_caps=self.spending.caps(),
        )

    def typed_secrets(self) -> Any:
        return self.accounts.typed_secrets()

    # --- saving ------------------------------------------------------------------------------------------

    def accept(self) -> None:
        if not self._saving:
            self._set_saving(True)  # at once: Enter pressed twice must not save twice
            self._tasks.append(spawn(self._save(), self._saving_failed, name="save settings"))

    def reject(self) -> None:
        if not self._saving:  # a half-finished save must not be abandoned silently
            super().reject()

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setEnabled(not saving)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(not saving)

    def _saving_failed(self, text: str) -> None:
        self._set_saving(False)
        self._show_error(text)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(scrub(text, self.accounts.typed_values()))
        self.error_label.show()

    async def _save(self) -> None:
        self.error_label.hide()
        with timed(log, "saving settings"):
            errors = [*await self._save_settings(), *await self.accounts.save()]
        self._set_saving(False)
        self.saved.emit()  # even after a partial failure: what did change is in effect now
        if errors:
            self._show_error("\n".join(errors))
            return
        super().accept()

    async def _save_settings(self) -> list[str]:
        typed, live = self.typed_settings(), self.services.settings
        # In place: providers read the project id through the live object, and the scheduler shares it.
        live.concurrency.update(typed.concurrency)
        live.poll_deadline_minutes = typed.poll_deadline_minutes
        live.base_urls.clear()
        live.base_urls.update(typed.base_urls)
        self.accounts.apply_options(live)  # the services' own options (Scenario's project id)
        set_caps_in_place(live.daily_caps, typed.daily_caps)
        live.default_model = typed.default_model
        if live.theme != typed.theme:
            live.theme = typed.theme
            apply_theme(live.theme)
            self.themeChanged.emit(live.theme)
        scheduler = self.services.scheduler
        if hasattr(scheduler, "deadline_s"):  # checked at every poll, so it applies to running jobs too
            scheduler.deadline_s = live.poll_deadline_minutes * 60
        try:
            await asyncio.wait_for(blocking(save_settings, self.services.paths, live, serial=SETTINGS_LANE),
                                   settings_accounts.KEYRING_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            log.warning("saving settings failed: %s", type(exc).__name__)
            return [self.tr("The settings could not be saved (%1).").replace("%1", type(exc).__name__)]
        return []

    def done(self, result: int) -> None:
        current = asyncio.current_task() if self._loop_running() else None
        for task in self._tasks:
            if task is not current and not task.done():
                task.cancel()
        self.accounts.cancel_tests()
        super().done(result)

    @staticmethod
    def _loop_running() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True
