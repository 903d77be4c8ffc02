"""Settings: API keys (stored in the OS keychain), job limits and service addresses.

Every keyring call runs in a worker thread with a timeout (a locked Secret Service can block forever), the
dialog is shown with ``open()`` (``exec()`` would re-enter the qasync loop), and key values are never logged
nor put into an error text.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.settings import BASE_URL_ENV, SECRET_ENV, Secrets, Settings, save_settings
from desktop_app.services import Services
from desktop_app.ui.library_folder import LibraryFolderWidget
from desktop_app.ui.secret_field import SecretField, scrub
from desktop_app.ui.tasks import spawn

log = logging.getLogger(__name__)

KEYRING_TIMEOUT = 10.0  # seconds a keychain read or write may take before the dialog reports it
TEST_TIMEOUT = 60.0
RODIN_KEYS_URL = "https://hyper3d.ai/"  # the dashboard's API Key Management page (rodin.md: Auth)
SCENARIO_KEYS_URL = "https://app.scenario.com/"  # Project Settings > API Keys (scenario.md: Keys)
SERVICE_NAMES = {"hyper3d": "Hyper3D Rodin", "scenario": "Scenario", "local": "Offline relief"}


class SettingsDialog(QDialog):
    saved = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(560)
        self._initial: dict[str, str] = {}  # key values as loaded, to write only the ones that changed
        self._can_store: bool | None = None  # None: not known yet (the lookup runs in a worker)
        self._tasks: list[asyncio.Task[Any]] = []
        self._saving = False

        self.fields = {name: SecretField(env) for name, env in SECRET_ENV.items()}
        self.project_edit = QLineEdit(services.settings.scenario_project_id)
        self.project_edit.setPlaceholderText(self.tr("Optional: only for project-bound keys"))
        self.test_buttons: dict[str, QPushButton] = {}
        self.test_results: dict[str, QLabel] = {}
        self.keychain_label = QLabel(self.tr("Looking up the keychain…"))
        self.keychain_label.setWordWrap(True)
        self.keychain_label.setObjectName("hint")
        self.concurrency: dict[str, QSpinBox] = {}
        self.deadline = QSpinBox()
        self.base_urls: dict[str, QLineEdit] = {}
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
        lay.addWidget(self._accounts_box())
        lay.addWidget(self._jobs_box())
        lay.addWidget(self._advanced_box())
        lay.addWidget(self.error_label)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        self._fill()
        self._tasks.append(spawn(self._load_keychain(), self._show_error, name="settings keychain"))

    # --- building ----------------------------------------------------------------------------------------

    def _link(self, url: str, text: str) -> QLabel:
        label = QLabel(f'<a href="{url}">{text}</a>')
        label.setOpenExternalLinks(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                      | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        return label

    def _test_row(self, service: str) -> QWidget:
        button = QPushButton(self.tr("Test"))
        button.setAutoDefault(False)  # Enter must save, not start a test
        button.setToolTip(self.tr("Check the connection with the values typed above (nothing is saved)"))
        button.setEnabled(service in self.services.registry.providers)
        button.clicked.connect(lambda: self.test(service))
        result = QLabel()
        result.setWordWrap(True)
        result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_buttons[service], self.test_results[service] = button, result
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(button)
        lay.addWidget(result, 1)
        return row

    def _accounts_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Accounts"))
        form = QFormLayout(box)
        form.addRow(QLabel(f"<b>{self.tr('Hyper3D Rodin')}</b>"))
        form.addRow(self.tr("API key:"), self.fields["rodin_api_key"])
        form.addRow("", self._link(RODIN_KEYS_URL, self.tr("Create a key on the Hyper3D dashboard "
                                                           "(API Key Management)")))
        form.addRow("", self._test_row("hyper3d"))
        form.addRow(QLabel(f"<b>{self.tr('Scenario')}</b>"))
        form.addRow(self.tr("API key:"), self.fields["scenario_api_key"])
        form.addRow(self.tr("API secret:"), self.fields["scenario_api_secret"])
        form.addRow(self.tr("Project id:"), self.project_edit)
        form.addRow("", self._link(SCENARIO_KEYS_URL, self.tr("Create a key in Scenario "
                                                              "(Project Settings › API Keys)")))
        form.addRow("", self._test_row("scenario"))
        form.addRow(self.keychain_label)
        return box

    def _jobs_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Jobs"))
        form = QFormLayout(box)
        names = list(dict.fromkeys([*self.services.registry.providers, *self.services.settings.concurrency]))
        for name in names:
            spin = QSpinBox()
            spin.setRange(1, 8)
            spin.setToolTip(self.tr("How many jobs of this service run at the same time"))
            self.concurrency[name] = spin
            form.addRow(self.tr("%1 jobs at once:").replace("%1", SERVICE_NAMES.get(name, name)), spin)
        self.deadline.setRange(5, 240)
        self.deadline.setSuffix(self.tr(" min"))
        self.deadline.setToolTip(self.tr("A job still unfinished after this long is marked as failed"))
        form.addRow(self.tr("Give up waiting after:"), self.deadline)
        note = QLabel(self.tr("A changed limit applies after a restart."))
        note.setObjectName("hint")
        form.addRow(note)
        form.addRow(self.tr("Library folder:"), LibraryFolderWidget(self.services, self))
        return box

    def _advanced_box(self) -> QWidget:
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText(self.tr("Advanced"))
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced = QWidget()
        form = QFormLayout(self.advanced)
        for name, env_var in BASE_URL_ENV.items():
            edit = QLineEdit()
            edit.setPlaceholderText(self.tr("Default"))
            self.base_urls[name] = edit
            form.addRow(self.tr("%1 address:").replace("%1", SERVICE_NAMES.get(name, name)), edit)
            if os.environ.get(env_var, "").strip():
                edit.setToolTip(self.tr("%1 is set in the environment and wins over this").replace("%1", env_var))
        note = QLabel(self.tr("Empty means the service's own address. A change takes effect after a restart."))
        note.setObjectName("hint")
        note.setWordWrap(True)
        form.addRow(note)
        self.advanced.hide()
        self.advanced_toggle.toggled.connect(self._show_advanced)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.advanced_toggle)
        lay.addWidget(self.advanced)
        return box

    def _show_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _fill(self) -> None:
        secrets, settings = self.services.secrets, self.services.settings
        for name, field in self.fields.items():
            if secrets.source(name) == "environment":
                field.set_from_environment()
            else:
                self._initial[name] = secrets.peek(name)
                field.edit.setText(self._initial[name])
        for name, spin in self.concurrency.items():
            spin.setValue(settings.concurrency.get(name, 2))
        self.deadline.setValue(settings.poll_deadline_minutes)
        for name, edit in self.base_urls.items():
            edit.setText(settings.base_urls.get(name, ""))

    # --- keychain ----------------------------------------------------------------------------------------

    def _fit_height(self) -> None:
        """A message set after the dialog was laid out may wrap onto more lines: grow to show all of it."""
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    async def _load_keychain(self) -> None:
        """Which backend holds the keys, and the stored values the start-up preload may not have read."""
        secrets = self.services.secrets
        missing = [n for n, f in self.fields.items() if not f.from_environment() and not secrets.peek(n)]

        def work() -> tuple[str, bool]:
            # Values stay in the Secrets cache: a worker's arguments and result are logged by qasync at DEBUG.
            for name in missing:
                secrets.get(name)
            return Secrets.keychain_status()

        try:
            backend, can_store = await asyncio.wait_for(asyncio.to_thread(work), KEYRING_TIMEOUT)
        except TimeoutError:
            self.keychain_label.setText(self.tr("The keychain did not answer within %1 s; stored keys cannot be "
                                                "shown.").replace("%1", f"{KEYRING_TIMEOUT:g}"))
            self._fit_height()
            return
        self._can_store = can_store
        if can_store:
            self.keychain_label.setText(self.tr("Keys are stored in your system keychain (%1), never in a file.")
                                        .replace("%1", backend))
        else:
            self.keychain_label.setObjectName("dropMessage")
            self.keychain_label.setText(self._no_keychain_text())
            self.keychain_label.style().unpolish(self.keychain_label)  # restyle for the new object name
            self.keychain_label.style().polish(self.keychain_label)
        self._fit_height()
        for name in missing:
            field, value = self.fields[name], secrets.peek(name)
            if value and not field.touched:
                self._initial[name] = value
                field.edit.setText(value)

    def _no_keychain_text(self) -> str:
        names = ", ".join(SECRET_ENV.values())
        return self.tr("This system has no keychain, so keys cannot be stored. Give them as environment "
                       "variables instead (%1); a key typed here is used only until Meshwright quits.") \
            .replace("%1", names)

    # --- testing a connection ----------------------------------------------------------------------------

    def typed_settings(self) -> Settings:
        """A copy of the settings with the values in the dialog; the live settings stay untouched."""
        settings = self.services.settings
        return dataclasses.replace(
            settings,
            concurrency={**settings.concurrency, **{n: s.value() for n, s in self.concurrency.items()}},
            poll_deadline_minutes=self.deadline.value(),
            base_urls={n: e.text().strip() for n, e in self.base_urls.items() if e.text().strip()},
            scenario_project_id=self.project_edit.text().strip(),
        )

    def typed_secrets(self) -> Secrets:
        """Secrets holding the typed keys in memory: the environment still wins, the keychain is not touched."""
        secrets = Secrets()
        for name, field in self.fields.items():
            if not field.from_environment():
                secrets.remember(name, field.value())
        return secrets

    def _probe(self, service: str) -> Any:
        """A throw-away provider built from the typed values, so a test neither saves anything nor changes
        the key that running jobs use."""
        settings, secrets, paths = self.typed_settings(), self.typed_secrets(), self.services.paths
        if service == "hyper3d":
            from desktop_app.providers.hyper3d import DEFAULT_BASE_URL, Hyper3DProvider

            key = secrets.peek("rodin_api_key")
            return Hyper3DProvider(settings.base_url("hyper3d", DEFAULT_BASE_URL), lambda: key)
        from desktop_app.providers.scenario import DEFAULT_BASE_URL, ScenarioProvider

        pair = (secrets.peek("scenario_api_key"), secrets.peek("scenario_api_secret"))
        return ScenarioProvider(settings.base_url("scenario", DEFAULT_BASE_URL), lambda: pair,
                                project_id=settings.scenario_project_id, cache_dir=paths.cache_dir / "scenario")

    def test(self, service: str) -> None:
        # Disabled here, not in the task: a second click before the task starts must not start a second test.
        self.test_buttons[service].setEnabled(False)
        self.test_results[service].setText(self.tr("Testing…"))
        self._tasks.append(spawn(self._test(service), name=f"test {service}"))

    async def _test(self, service: str) -> None:
        button, result = self.test_buttons[service], self.test_results[service]
        secrets = [f.value() for f in self.fields.values()]
        try:
            provider = self._probe(service)
            try:
                text = await asyncio.wait_for(self._run_test(service, provider), TEST_TIMEOUT)
            finally:
                await provider.aclose()
        except TimeoutError:
            text = self.tr("No answer within %1 s.").replace("%1", f"{TEST_TIMEOUT:g}")
        except MeshwrightError as exc:
            text = exc.user_text()
        except Exception as exc:  # shown, not raised: a test is a question, not an action
            text = self.tr("Something went wrong: %1").replace("%1", type(exc).__name__)
        result.setText(scrub(text, secrets))
        button.setEnabled(True)

    async def _run_test(self, service: str, provider: Any) -> str:
        if service == "hyper3d":
            balance = await provider.balance()
            if balance is None:
                return self.tr("Connected")
            return self.tr("Connected · %1 %2 left").replace("%1", f"{balance[0]:g}").replace("%2", balance[1])
        # Scenario has no balance for API keys; listing the models checks the key and shows what it unlocks.
        models = await provider.models()
        usable = [m for m in models if m.available]
        if not usable:
            reasons = [m.unavailable_reason for m in models if m.unavailable_reason]
            raise MeshwrightError(reasons[0] if reasons else self.tr("This account cannot use any 3D model."))
        return self.tr("Connected · %n 3D model(s) available to this account", "", len(usable))

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
        self.error_label.setText(scrub(text, [f.value() for f in self.fields.values()]))
        self.error_label.show()

    async def _save(self) -> None:
        self.error_label.hide()
        errors = [*await self._save_settings(), *await self._save_keys()]
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
        live.scenario_project_id = typed.scenario_project_id
        scheduler = self.services.scheduler
        if hasattr(scheduler, "deadline_s"):  # checked at every poll, so it applies to running jobs too
            scheduler.deadline_s = live.poll_deadline_minutes * 60
        try:
            await asyncio.wait_for(asyncio.to_thread(save_settings, self.services.paths, live), KEYRING_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            log.warning("saving settings failed: %s", type(exc).__name__)
            return [self.tr("The settings could not be saved (%1).").replace("%1", type(exc).__name__)]
        return []

    async def _save_keys(self) -> list[str]:
        secrets = self.services.secrets
        changed = {n: f.value() for n, f in self.fields.items()
                   if not f.from_environment() and f.value() != self._initial.get(n, "")}
        if not changed:
            return []
        if self._can_store is False:
            for name, value in changed.items():
                secrets.remember(name, value)
            return [self._no_keychain_text()]
        errors = []
        for name, value in changed.items():
            def store(name: str = name, value: str = value) -> None:
                secrets.set(name, value)

            try:
                # A closure, not to_thread(secrets.set, name, value): qasync logs a worker's arguments at DEBUG.
                await asyncio.wait_for(asyncio.to_thread(store), KEYRING_TIMEOUT)
            except TimeoutError:
                problem = self.tr("the keychain did not answer within %1 s").replace("%1", f"{KEYRING_TIMEOUT:g}")
            except Exception as exc:  # keyring errors vary by backend; the name is enough and holds no key
                log.warning("storing %s in the keychain failed: %s", name, type(exc).__name__)
                problem = self.tr("the keychain refused it (%1)").replace("%1", type(exc).__name__)
            else:
                self._initial[name] = value
                continue
            secrets.remember(name, value)
            errors.append(self.tr("A key could not be stored: %1. It is used until Meshwright quits.")
                          .replace("%1", problem))
        return errors

    def done(self, result: int) -> None:
        current = asyncio.current_task() if self._loop_running() else None
        for task in self._tasks:
            if task is not current and not task.done():
                task.cancel()
        super().done(result)

    @staticmethod
    def _loop_running() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True
