"""A password-style field for one API key, and the scrubbing of typed keys out of shown messages."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from desktop_app.core.secrets_scrub import scrub as scrub_secrets


def scrub(text: str, secrets: list[str]) -> str:
    """Remove typed key values from a message before it is shown (a server may echo what it was sent)."""
    return scrub_secrets(text, secrets)


class SecretField(QWidget):
    """A password-style line edit with a show/hide toggle and a note under it."""

    def __init__(self, env_var: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env_var = env_var
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setClearButtonEnabled(True)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setText(self.tr("Show"))
        self.toggle.setToolTip(self.tr("Show or hide the key"))
        self.toggle.toggled.connect(self._on_toggled)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.note.hide()
        self.touched = False  # the user typed here: a late keychain read must not overwrite it
        self.edit.textEdited.connect(self._on_edited)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.toggle)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.note)
        self.setFocusProxy(self.edit)  # the form label's buddy and Tab land in the line edit

    def _on_edited(self, _text: str) -> None:
        self.touched = True

    def _on_toggled(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setText(self.tr("Hide") if shown else self.tr("Show"))

    def set_from_environment(self) -> None:
        """The environment variable wins over anything stored, so typing here would change nothing."""
        text = self.tr("Set by %1 in the environment (overrides the stored key)").replace("%1", self.env_var)
        self.edit.clear()
        self.edit.setReadOnly(True)
        self.edit.setPlaceholderText(self.tr("Set in the environment"))
        self.toggle.setEnabled(False)
        self.note.setText(text)
        self.note.show()

    def from_environment(self) -> bool:
        return self.edit.isReadOnly()

    def value(self) -> str:
        return self.edit.text().strip()
