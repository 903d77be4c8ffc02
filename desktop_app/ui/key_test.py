"""The "Test" button next to API keys: one cheap read with the typed values (Rodin: balance; Scenario: models).

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
from desktop_app.core.settings import AppPaths, Secrets, Settings
from desktop_app.ui.secret_field import scrub
from desktop_app.ui.tasks import spawn

log = logging.getLogger(__name__)

TEST_TIMEOUT = 60.0
# What a test needs, read when the button is pressed: settings and secrets as typed, and the typed values.
Context = Callable[[], tuple[Settings, Secrets, list[str]]]


def _tr(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("KeyTest", text, None, n)


def probe(service: str, settings: Settings, secrets: Secrets, paths: AppPaths) -> Any:
    if service == "hyper3d":
        from desktop_app.providers.hyper3d import DEFAULT_BASE_URL, Hyper3DProvider

        key = secrets.peek("rodin_api_key")
        return Hyper3DProvider(settings.base_url("hyper3d", DEFAULT_BASE_URL), lambda: key)
    from desktop_app.providers.scenario import DEFAULT_BASE_URL, ScenarioProvider

    pair = (secrets.peek("scenario_api_key"), secrets.peek("scenario_api_secret"))
    return ScenarioProvider(settings.base_url("scenario", DEFAULT_BASE_URL), lambda: pair,
                            project_id=settings.scenario_project_id, cache_dir=paths.cache_dir / "scenario")


async def check(service: str, provider: Any) -> str:
    """A plain sentence about the connection; raises MeshwrightError with the reason when it fails."""
    if service == "hyper3d":
        balance = await provider.balance()
        if balance is None:
            return _tr("Connected")
        return _tr("Connected · %1 %2 left").replace("%1", f"{balance[0]:g}").replace("%2", balance[1])
    # Scenario has no balance for API keys; listing the models checks the key and shows what it unlocks.
    models = await provider.models()
    usable = [m for m in models if m.available]
    if not usable:
        reasons = [m.unavailable_reason for m in models if m.unavailable_reason]
        raise MeshwrightError(reasons[0] if reasons else _tr("This account cannot use any 3D model."))
    return _tr("Connected · %n 3D model(s) available to this account", len(usable))


class KeyTestRow(QWidget):
    """A Test button and the result beside it."""

    def __init__(self, service: str, paths: AppPaths, context: Context, enabled: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service, self.paths, self.context = service, paths, context
        self.button = QPushButton(self.tr("&Test") if service == "hyper3d" else self.tr("T&est"))
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
