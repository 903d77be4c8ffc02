"""First-run welcome: the three ways to generate, where keys are made, paste and test them, or skip.

Shown once on the first start (``Settings.welcome_done``) and again from Help › Welcome. It reuses the Accounts
form of Settings, so keys are tested and stored exactly the same way.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.core.settings import save_settings
from desktop_app.services import Services
from desktop_app.ui.provider_texts import described, provider_text
from desktop_app.ui.settings.accounts import KEYRING_TIMEOUT, AccountsForm
from desktop_app.ui.settings.secret_field import scrub
from desktop_app.ui.tasks import SETTINGS_LANE, blocking, spawn

log = logging.getLogger(__name__)


class WelcomeDialog(QDialog):
    saved = Signal()  # keys or settings changed: models and credits should be reloaded

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(self.tr("Welcome to %1").replace("%1", APP_NAME))
        self.setMinimumWidth(640)
        self._tasks: list[asyncio.Task[Any]] = []
        self._saving = False

        title = QLabel(self.tr("Welcome to %1").replace("%1", APP_NAME))
        title.setObjectName("welcomeTitle")
        intro = QLabel(self.tr("Turn one to five pictures of an object into a 3D model you can look at, keep and "
                               "export. The ways to generate:"))
        intro.setWordWrap(True)
        ways = QHBoxLayout()
        for description in described(services.registry.providers):  # one card per service, from the list
            ways.addWidget(self._way(provider_text(description.display_name), provider_text(description.summary)))
        self.accounts = AccountsForm(services)
        self.fields = self.accounts.fields
        self.test_buttons, self.test_results = self.accounts.test_buttons, self.accounts.test_results
        later = QLabel(self.tr("Keys are optional: you can add or change them any time in File › Settings, and "
                               "open this page again from Help › Welcome."))
        later.setObjectName("hint")
        later.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("dropMessage")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.buttons = QDialogButtonBox()
        self.start_button = QPushButton(self.tr("&Start"))
        self.start_button.setToolTip(self.tr("Keep the keys typed above and start"))
        self.start_button.setDefault(True)
        self.skip_button = QPushButton(self.tr("Sk&ip"))
        self.skip_button.setToolTip(self.tr("Start without keys; only the offline generator is available"))
        self.skip_button.setAutoDefault(False)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(intro)
        lay.addLayout(ways)
        lay.addSpacing(6)
        lay.addWidget(self.accounts)
        lay.addWidget(later)
        lay.addWidget(self.error_label)
        lay.addWidget(self.buttons)
        self._tasks.append(spawn(self._load(), self._show_error, name="welcome keychain"))

    async def _load(self) -> None:
        await self.accounts.load()
        # The keychain message arrives after layout and may wrap onto several lines: grow to show all of it.
        # The new text re-lays out on a posted event: let it run, or the old (shorter) hint is measured and
        # the Test and Show buttons end up squeezed flat.
        await asyncio.sleep(0)
        self.layout().activate()
        needed = max(self.sizeHint().height(), self.heightForWidth(self.width()))
        self.resize(self.width(), max(self.height(), needed))

    @staticmethod
    def _way(name: str, text: str) -> QFrame:
        frame = QFrame()
        frame.setObjectName("welcomeCard")
        lay = QVBoxLayout(frame)
        heading = QLabel(f"<b>{name}</b>")
        body = QLabel(text)
        body.setWordWrap(True)
        lay.addWidget(heading)
        lay.addWidget(body, 1)
        return frame

    def _show_error(self, text: str) -> None:
        self.error_label.setText(scrub(text, self.accounts.typed_values()))
        self.error_label.show()

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.start_button.setEnabled(not saving)
        self.skip_button.setEnabled(not saving)

    def accept(self) -> None:
        if not self._saving:
            self._set_saving(True)  # Enter pressed twice must not store twice
            self._tasks.append(spawn(self._finish(keep_keys=True), self._failed, name="welcome start"))

    def reject(self) -> None:
        """Skip (and Esc): nothing typed is kept, but the welcome does not come back by itself."""
        if not self._saving:
            self._set_saving(True)
            self._tasks.append(spawn(self._finish(keep_keys=False), self._failed, name="welcome skip"))

    def _failed(self, text: str) -> None:
        self._set_saving(False)
        self._show_error(text)

    async def _finish(self, keep_keys: bool) -> None:
        self.error_label.hide()
        settings = self.services.settings
        errors = []
        if keep_keys:
            self.accounts.apply_options(settings)
            errors = await self.accounts.save()
        settings.welcome_done = True
        try:
            await asyncio.wait_for(blocking(save_settings, self.services.paths, settings, serial=SETTINGS_LANE),
                                   KEYRING_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            log.warning("saving settings after the welcome failed: %s", type(exc).__name__)
            errors.append(self.tr("The settings could not be saved (%1).").replace("%1", type(exc).__name__))
        self._set_saving(False)
        if keep_keys:
            self.saved.emit()
        if errors:
            self._show_error("\n".join(errors))
            return
        if keep_keys:
            super().accept()
        else:
            super().reject()

    def done(self, result: int) -> None:
        try:
            current = asyncio.current_task()
        except RuntimeError:
            current = None
        for task in self._tasks:
            if task is not current and not task.done():
                task.cancel()
        self.accounts.cancel_tests()
        super().done(result)
