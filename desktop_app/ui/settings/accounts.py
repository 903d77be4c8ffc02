"""The API keys form, used by Settings (its Accounts page) and by the first-run welcome.

Every keyring call runs in a worker thread with a timeout (a locked Secret Service can block forever), and key
values are never logged nor put into an error text. Where no keychain works, the user may opt in to a clearly
labelled owner-only file instead (core/secret_file.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop_app.core.ports import OptionSpec
from desktop_app.core.settings import Secrets, Settings
from desktop_app.services import Services
from desktop_app.ui.provider_texts import provider_text, with_accounts
from desktop_app.ui.settings.key_test import KeyTestRow
from desktop_app.ui.settings.secret_field import SecretField
from desktop_app.ui.tasks import blocking

log = logging.getLogger(__name__)

KEYRING_TIMEOUT = 10.0  # seconds a keychain read or write may take before the form reports it


def link(url: str, text: str) -> QLabel:
    label = QLabel(f'<a href="{url}">{text}</a>')
    label.setOpenExternalLinks(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                  | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
    label.setToolTip(url)
    return label


def restyle(label: QLabel, object_name: str) -> None:
    label.setObjectName(object_name)
    label.style().unpolish(label)  # a changed object name needs a re-polish to pick up its style
    label.style().polish(label)


class AccountsForm(QWidget):
    """Key fields with Test buttons, the Scenario project id, and where the keys are kept."""

    def __init__(self, services: Services, typed_settings: Callable[[], Settings] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._typed_settings = typed_settings
        self._initial: dict[str, str] = {}  # key values as loaded, to write only the ones that changed
        self.can_store: bool | None = None  # None: not known yet (the lookup runs in a worker)
        self._file_in_use = False
        self._backend = ""
        # One block per service that needs keys, in the provider list's order: its fields, its options, where
        # to make a key, and a Test button.
        self.services_shown = with_accounts()
        self.fields: dict[str, SecretField] = {}
        self.options: dict[str, list[QLineEdit]] = {}
        self._option_specs: list[tuple[OptionSpec, QLineEdit]] = []
        providers = services.registry.providers
        self.tests: dict[str, KeyTestRow] = {}
        for index, description in enumerate(self.services_shown):
            for secret in description.secrets:
                field = SecretField(secret.env)
                field.edit.setAccessibleName(provider_text(secret.accessible_name))
                self.fields[secret.name] = field
            for option in description.options:
                edit = QLineEdit(option.get(services.settings))
                edit.setPlaceholderText(provider_text(option.placeholder))
                edit.setToolTip(provider_text(option.tooltip))
                self.options.setdefault(description.name, []).append(edit)
                self._option_specs.append((option, edit))
            self.tests[description.name] = KeyTestRow(description.name, services.paths, self._test_context,
                                                      description.name in providers, mnemonic=index)
        self.test_buttons = {s: row.button for s, row in self.tests.items()}
        self.test_results = {s: row.result for s, row in self.tests.items()}
        self.keychain_label = QLabel(self.tr("Looking up the keychain…"))
        self.keychain_label.setWordWrap(True)
        self.keychain_label.setObjectName("hint")
        self.file_check = QCheckBox(self.tr("Store keys in a &file on this computer (not encrypted)"))
        self.file_check.setToolTip(self.tr("Only for systems without a keychain: the keys go into a file that "
                                           "only your user account can read, but anyone using that account "
                                           "(or a backup of it) can."))
        self.file_check.hide()
        self.file_check.toggled.connect(self._show_storage)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        outer.addLayout(form)
        for description in self.services_shown:
            heading = QLabel()
            heading.setText(f"<b>{provider_text(description.display_name)}</b>")
            form.addRow(heading)
            for secret in description.secrets:
                self._add(form, provider_text(secret.label), self.fields[secret.name])
            for option, edit in self._option_specs:
                if edit in self.options.get(description.name, []):
                    self._add(form, provider_text(option.label), edit)
            if description.key_url:
                form.addRow("", link(description.key_url, provider_text(description.key_link_text)))
            form.addRow("", self.tests[description.name])
        # Outside the form: a spanning form row under-reports the height of a label that wraps late.
        outer.addWidget(self.keychain_label)
        outer.addWidget(self.file_check)
        self._fill()

    @staticmethod
    def _add(form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)  # the mnemonic in the label jumps to the field
        form.addRow(label, field)

    def _fill(self) -> None:
        secrets = self.services.secrets
        for name, field in self.fields.items():
            if secrets.source(name) == "environment":
                field.set_from_environment()
            else:
                self._initial[name] = secrets.peek(name)
                field.edit.setText(self._initial[name])

    # --- values as typed ---------------------------------------------------------------------------------

    def typed_values(self) -> list[str]:
        return [f.value() for f in self.fields.values()]

    def typed_settings(self) -> Settings:
        base = self._typed_settings() if self._typed_settings else self.services.settings
        typed = dataclasses.replace(base)
        self.apply_options(typed)
        return typed

    def apply_options(self, settings: Settings) -> None:
        """Write the typed service options (Scenario's project id...) into ``settings``."""
        for option, edit in self._option_specs:
            option.set(settings, edit.text().strip())

    def typed_secrets(self) -> Secrets:
        """Secrets holding the typed keys in memory: the environment still wins, the keychain is not touched."""
        secrets = Secrets()
        for name, field in self.fields.items():
            if not field.from_environment():
                secrets.remember(name, field.value())
        return secrets

    def _test_context(self) -> tuple[Settings, Secrets, list[str]]:
        return self.typed_settings(), self.typed_secrets(), self.typed_values()

    def changed_keys(self) -> dict[str, str]:
        return {n: f.value() for n, f in self.fields.items()
                if not f.from_environment() and f.value() != self._initial.get(n, "")}

    # --- loading -----------------------------------------------------------------------------------------

    async def load(self) -> None:
        """Which backend holds the keys, and the stored values the start-up preload may not have read."""
        secrets = self.services.secrets
        missing = [n for n, f in self.fields.items() if not f.from_environment() and not secrets.peek(n)]

        def work() -> tuple[str, bool, bool]:
            # Values stay in the Secrets cache: a worker's arguments and result are logged by qasync at DEBUG.
            for name in missing:
                secrets.get(name)
            return (*Secrets.keychain_status(), secrets.file.exists())

        try:
            backend, can_store, file_in_use = await asyncio.wait_for(blocking(work), KEYRING_TIMEOUT)
        except TimeoutError:
            self.keychain_label.setText(self.tr("The keychain did not answer within %1 s; stored keys cannot be "
                                                "shown.").replace("%1", f"{KEYRING_TIMEOUT:g}"))
            return
        self.can_store, self._file_in_use = can_store, file_in_use
        self.file_check.setChecked(file_in_use)
        self.file_check.setVisible(file_in_use or not can_store)
        self._backend = backend
        self._show_storage()
        for name in missing:
            field, value = self.fields[name], secrets.peek(name)
            if value and not field.touched:
                self._initial[name] = value
                field.edit.setText(value)

    def _show_storage(self) -> None:
        if self.file_check.isChecked():
            restyle(self.keychain_label, "dropMessage")
            self.keychain_label.setText(self.tr("Keys are kept in %1 without encryption. Anyone who can read "
                                                "your files can use your accounts.")
                                        .replace("%1", str(self.services.secrets.file.path)))
        elif self.can_store:
            restyle(self.keychain_label, "hint")
            self.keychain_label.setText(self.tr("Keys are stored in your system keychain (%1), never in a file.")
                                        .replace("%1", self._backend))
        else:
            restyle(self.keychain_label, "dropMessage")
            self.keychain_label.setText(self.no_keychain_text())

    def no_keychain_text(self) -> str:
        names = ", ".join(s.env for d in self.services_shown for s in d.secrets)
        return self.tr("This system has no keychain, so keys cannot be stored safely. Set them as environment "
                       "variables (%1) or tick the file option below; otherwise a key typed here lasts only until "
                       "Meshwright quits.").replace("%1", names)

    # --- saving ------------------------------------------------------------------------------------------

    async def save(self) -> list[str]:
        """Store the changed keys (and the file choice); returns plain-text problems, never a key."""
        secrets, errors = self.services.secrets, []
        want_file = self.file_check.isChecked()
        if want_file != self._file_in_use:
            try:
                await asyncio.wait_for(blocking(secrets.use_file, want_file), KEYRING_TIMEOUT)
                self._file_in_use = want_file
            except (OSError, TimeoutError) as exc:
                log.warning("switching the key file failed: %s", type(exc).__name__)
                errors.append(self.tr("The key file could not be changed (%1).").replace("%1", type(exc).__name__))
        changed = self.changed_keys()
        if not changed:
            return errors
        if self.can_store is False and not self._file_in_use:
            for name, value in changed.items():
                secrets.remember(name, value)
                self._initial[name] = value  # said once; saving again goes on without repeating it
            return [*errors, self.no_keychain_text()]
        for name, value in changed.items():
            def store(name: str = name, value: str = value) -> None:
                secrets.set(name, value)

            try:
                # A closure, not to_thread(secrets.set, name, value): qasync logs a worker's arguments at DEBUG.
                await asyncio.wait_for(blocking(store), KEYRING_TIMEOUT)
            except TimeoutError:
                problem = self.tr("the keychain did not answer within %1 s").replace("%1", f"{KEYRING_TIMEOUT:g}")
            except Exception as exc:  # keyring errors vary by backend; the name is enough and holds no key
                log.warning("storing %s failed: %s", name, type(exc).__name__)
                problem = self.tr("the keychain refused it (%1)").replace("%1", type(exc).__name__)
            else:
                self._initial[name] = value
                continue
            secrets.remember(name, value)
            errors.append(self.tr("A key could not be stored: %1. It is used until Meshwright quits.")
                          .replace("%1", problem))
        return errors

    def cancel_tests(self) -> None:
        for row in self.tests.values():
            row.cancel()
