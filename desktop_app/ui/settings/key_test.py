"""The "Test" button next to API keys: one cheap read with the typed values, as the service's description says
(Rodin: its balance; Scenario: the models the keys unlock).

Shared by Settings and the welcome screen. A test builds a throw-away provider, so it neither saves anything nor
changes the key that running jobs use, and its message is scrubbed of the typed values before it is shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.logs import timed
from desktop_app.core.ports import Provider, ProviderContext
from desktop_app.core.settings import AppPaths, Secrets, Settings
from desktop_app.providers import catalog
from desktop_app.ui.provider_texts import provider_text
from desktop_app.ui.settings.secret_field import scrub
from desktop_app.ui.tasks import spawn

log = logging.getLogger(__name__)

TEST_TIMEOUT = 60.0
# What a test needs, read when the button is pressed: settings and secrets as typed, and the typed values.
Context = Callable[[], tuple[Settings, Secrets, list[str]]]


def _tr(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("KeyTest", text, None, n)


def probe(service: str, settings: Settings, secrets: Secrets, paths: AppPaths) -> Provider:
    """A throw-away provider for ``service`` built from the values as typed."""
    description = catalog.description(service)
    if description is None:
        raise MeshwrightError(_tr("This service is not available in this build."))
    return description.factory(ProviderContext(paths, settings, secrets))


async def check(service: str, provider: Provider) -> str:
    """A plain sentence about the connection; raises MeshwrightError with the reason when it fails."""
    description = catalog.description(service)
    if description is not None and description.test_connection is not None:
        return provider_text(await description.test_connection(provider))
    await provider.check_connection()  # the default: one authenticated read, then the balance if there is one
    balance = await provider.balance()
    if balance is None:
        return _tr("Connected")
    return _tr("Connected · %1 %2 left").replace("%1", f"{balance[0]:g}").replace("%2", balance[1])


def test_button_text(index: int) -> str:
    """"&Test", "T&est", "Te&st"...: each service's Test button gets its own Alt key on the same page."""
    word = _tr("Test")
    return f"{word[:index]}&{word[index:]}" if index < len(word) else word


class KeyTestRow(QWidget):
    """A Test button and the result beside it."""

    def __init__(self, service: str, paths: AppPaths, context: Context, enabled: bool = True,
                 parent: QWidget | None = None, *, mnemonic: int = 0) -> None:
        super().__init__(parent)
        self.service, self.paths, self.context = service, paths, context
        self.button = QPushButton(test_button_text(mnemonic))
        self.button.setAutoDefault(False)  # Enter must save, not start a test
        self.button.setToolTip(self.tr("Check the connection with the values typed above (nothing is saved)"))
        self.button.setEnabled(enabled)
        self.button.clicked.connect(self.start)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setAccessibleName(self.tr("Connection test result"))
        self.task: asyncio.Task[Any] | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.button)
        lay.addWidget(self.result, 1)

    def start(self) -> None:
        # Disabled here, not in the task: a second click before the task starts must not start a second test.
        self.button.setEnabled(False)
        self.result.setText(self.tr("Testing…"))
        self.task = spawn(self._run(), name=f"test {self.service}")

    async def _run(self) -> None:
        settings, secrets, typed = self.context()
        try:
            provider = probe(self.service, settings, secrets, self.paths)
            try:
                with timed(log, "testing %s", self.service):
                    text = await asyncio.wait_for(check(self.service, provider), TEST_TIMEOUT)
            finally:
                await provider.aclose()
        except TimeoutError:
            text = self.tr("No answer within %1 s.").replace("%1", f"{TEST_TIMEOUT:g}")
        except MeshwrightError as exc:
            text = exc.user_text()
        except Exception as exc:  # shown, not raised: a test is a question, not an action
            text = self.tr("Something went wrong: %1").replace("%1", type(exc).__name__)
        self.result.setText(scrub(text, typed))
        self.button.setEnabled(True)

    def cancel(self) -> None:
        try:
            current = asyncio.current_task()
        except RuntimeError:  # no loop running (a dialog closed after the loop stopped)
            current = None
        if self.task is not None and not self.task.done() and self.task is not current:
            self.task.cancel()
