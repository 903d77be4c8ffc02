"""The form's editor for a 3D-model input (mesh-to-mesh models): a dropped model file or a library item.

The widget holds a ``ModelInput`` (file, and the item/version it came from, so the result becomes a new version of
that item). Library items are offered through ``ModelItemChooser``, a small list by title and thumbnail; the form
is given the candidates (``ModelChoice``) by whoever owns the library, since the form itself knows no library.
Nothing here reads files on the GUI thread beyond a ``stat`` of the chosen path (the full check runs in the
scheduler on a worker).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs.model_input import MODEL_INPUT_FORMATS, ModelInput
from desktop_app.core.schema.fields import Field


def tr(text: str) -> str:
    return QCoreApplication.translate("ModelInput", text)


@dataclass(frozen=True)
class ModelChoice:
    """One library item offered as a model input: shown by title and thumbnail."""

    item_id: str
    title: str
    model_path: Path
    version: int = 1
    thumbnail: Path | None = None


class ModelItemChooser(QDialog):
    """Pick one library item whose current model goes to the model input."""

    def __init__(self, choices: Sequence[ModelChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Choose a model from the library"))
        self._choices = list(choices)
        self.list = QListWidget()
        self.list.setIconSize(QSize(48, 48))
        for choice in self._choices:
            label = choice.title if choice.version <= 1 else f"{choice.title} (v{choice.version})"
            entry = QListWidgetItem(label)
            if choice.thumbnail is not None and choice.thumbnail.is_file():
                entry.setIcon(QIcon(str(choice.thumbnail)))
            self.list.addItem(entry)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        if self._choices:
            self.list.setCurrentRow(0)

    def chosen(self) -> ModelChoice | None:
        row = self.list.currentRow()
        return self._choices[row] if 0 <= row < len(self._choices) else None


class ModelInputEditor:
    """The form row's widget: the chosen model's name, "From library..." and "Model file...", and drops."""

    def __init__(self, field: Field, on_edit: Callable[[], None]) -> None:
        self.field = field
        self._on_edit = on_edit
        self._value: ModelInput | None = None
        self.choices: list[ModelChoice] = []
        self.widget = _DropArea(self._dropped)
        self.label = QLabel(tr("No model chosen: drop a model file here"))
        self.label.setWordWrap(True)
        self.library_button = QPushButton(tr("From library..."))
        self.file_button = QPushButton(tr("Model file..."))
        self.library_button.clicked.connect(self._choose_item)
        self.file_button.clicked.connect(self._choose_file)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.library_button)
        row.addWidget(self.file_button)
        box = QVBoxLayout(self.widget)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.label)
        box.addLayout(row)
        self.library_button.setEnabled(False)

    # The Editor protocol: a model input is not a setting, so it gives no value to the body's settings.
    def value(self) -> Any:
        return None

    def set_value(self, value: Any) -> None:
        if value is None:
            self.set_model(None)

    def set_range(self, lo: float | None, hi: float | None) -> None:
        """No range."""

    def set_choices(self, choices: Sequence[ModelChoice]) -> None:
        self.choices = list(choices)
        self.library_button.setEnabled(bool(self.choices))

    def model(self) -> ModelInput | None:
        return self._value

    def set_model(self, model: ModelInput | None, title: str = "") -> None:
        self._value = model
        if model is None:
            self.label.setText(tr("No model chosen: drop a model file here"))
        else:
            self.label.setText(title or model.path.name)
        self._on_edit()

    def _choose_item(self) -> None:
        dialog = ModelItemChooser(self.choices, self.widget)
        if dialog.exec() == QDialog.DialogCode.Accepted and (choice := dialog.chosen()) is not None:
            self.choose(choice)

    def choose(self, choice: ModelChoice) -> None:
        label = choice.title if choice.version <= 1 else f"{choice.title} (v{choice.version})"
        self.set_model(ModelInput(choice.model_path, choice.item_id, choice.version), label)

    def _choose_file(self) -> None:
        patterns = " ".join(f"*{s}" for s in MODEL_INPUT_FORMATS)
        path, _ = QFileDialog.getOpenFileName(self.widget, tr("Choose a model file"), "",
                                              f"{tr('3D models')} ({patterns})")
        if path:
            self._dropped(Path(path))

    def _dropped(self, path: Path) -> None:
        if path.suffix.lower() in MODEL_INPUT_FORMATS:
            self.set_model(ModelInput(path))


class _DropArea(QWidget):

    def __init__(self, on_drop: Callable[[Path], None]) -> None:
        super().__init__()
        self._on_drop = on_drop
        self.setAcceptDrops(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and Path(urls[0].toLocalFile()).suffix.lower() in MODEL_INPUT_FORMATS:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls:
            self._on_drop(Path(urls[0].toLocalFile()))
            event.acceptProposedAction()
