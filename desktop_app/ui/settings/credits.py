"""Status-bar indicator: for each cloud service, its credits, "connected", "no key" or "offline"."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop_app.core.errors import AuthError, MeshwrightError
from desktop_app.services import Services
from desktop_app.ui.provider_texts import provider_text, with_accounts
from desktop_app.ui.tasks import spawn

log = logging.getLogger(__name__)

BALANCE_TIMEOUT = 30.0


class CreditsIndicator(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.labels: dict[str, QLabel] = {}
        # Each service with an account, from the provider list: its short name and the secrets it needs (the
        # indicator only asks a service that has all of them).
        accounts = {d.name: d for d in with_accounts() if d.name in services.registry.providers}
        self.short_names = {n: provider_text(d.short_name) for n, d in accounts.items()}
        self.key_names = {n: tuple(s.name for s in d.secrets) for n, d in accounts.items()}
        self._task: asyncio.Task[Any] | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 6, 0)
        lay.setSpacing(12)
        for name in self.services_shown():
            label = QLabel()
            self.labels[name] = label
            lay.addWidget(label)
            self._show(name, self.tr("%1: …").replace("%1", self.short_names[name]), self.tr("Checking…"),
                       muted=True)

    def services_shown(self) -> list[str]:
        """Cloud services that are built in this run (the offline generator has no account)."""
        return list(self.short_names)

    def texts(self) -> dict[str, str]:
        return {name: label.text() for name, label in self.labels.items()}

    def has_key(self, name: str) -> bool:
        return all(self.services.secrets.peek(secret) for secret in self.key_names[name])

    def refresh(self) -> None:
        """Ask every service with a key for its balance; a newer refresh replaces one still running."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = spawn(self._refresh(), name="credits")

    async def _refresh(self) -> None:
        names = []
        for name in self.labels:
            if self.has_key(name):
                names.append(name)
            else:
                short = self.short_names[name]
                self._show(name, self.tr("%1: no key").replace("%1", short),
                           self.tr("No %1 API key is set. Add it in File › Settings.").replace("%1", short),
                           muted=True)
        # Each coroutine handed to gather is created in the task that runs it: a refresh cancelled before those
        # tasks start would otherwise leave eagerly built inner coroutines that were "never awaited".
        results = await asyncio.gather(*(self._ask_in_time(n) for n in names), return_exceptions=True)
        for name, result in zip(names, results, strict=True):
            self._show_result(name, result)

    async def _ask_in_time(self, name: str) -> tuple[float, str] | None:
        return await asyncio.wait_for(self._ask(name), BALANCE_TIMEOUT)

    async def _ask(self, name: str) -> tuple[float, str] | None:
        """The balance; a service that reports none (Scenario) is asked one small question to prove the keys."""
        provider = self.services.registry.providers[name]
        balance = await provider.balance()
        if balance is None:
            await provider.check_connection()
        return balance

    def _show_result(self, name: str, result: Any) -> None:
        short = self.short_names[name]
        if isinstance(result, asyncio.CancelledError):
            return
        if isinstance(result, AuthError):
            self._show(name, self.tr("%1: key not accepted").replace("%1", short), result.user_text(), muted=False)
        elif isinstance(result, BaseException):
            detail = result.user_text() if isinstance(result, MeshwrightError) else (
                self.tr("No answer in time.") if isinstance(result, TimeoutError) else type(result).__name__)
            log.info("balance of %s unavailable: %s", name, type(result).__name__)
            self._show(name, self.tr("%1: offline").replace("%1", short), detail, muted=False)
        elif result is None:
            self._show(name, self.tr("%1: connected").replace("%1", short),
                       self.tr("%1 keys are set. %1 does not report a balance to API keys; see your account "
                               "page for credits.").replace("%1", short), muted=False)
        else:
            amount, unit = result
            self._show(name, self.tr("%1: %2 %3").replace("%1", short).replace("%2", f"{amount:g}")
                       .replace("%3", unit),
                       self.tr("Credits left on your %1 account, as the service reported them.").replace("%1", short),
                       muted=False)

    def _show(self, name: str, text: str, tooltip: str, *, muted: bool) -> None:
        label = self.labels[name]
        label.setText(text)
        label.setToolTip(tooltip)
        # "hint" is the app stylesheet's muted colour; re-polish so a changed object name restyles. Not before
        # the label's first polish (at show), which reads them anyway; that keeps QStyle's ~20 enum types (~5 ms)
        # out of the start.
        label.setObjectName("hint" if muted else "credits")
        label.setProperty("muted", muted)
        if label.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            label.style().unpolish(label)
            label.style().polish(label)
