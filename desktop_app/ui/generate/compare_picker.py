"""The dialog that picks the models one image is sent to at once ("compare")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

_ROLE_ID = Qt.ItemDataRole.UserRole


class ComparePicker(QDialog):
    """Checkable list of models; ``chosen`` carries the checked model ids when the user presses Compare."""

    chosen = Signal(list)

    def __init__(self, models: list[tuple[str, str, str]], checked: set[str],
                 allowed: Callable[[str], str], parent: QWidget | None = None) -> None:
        """``models``: (id, name, reason it is unavailable or ""); ``allowed(id)`` gives a reason to refuse."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare models"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        hint = QLabel(self.tr("The same images and settings go to each model you tick. Each model is a "
                              "separate job and, for paid services, a separate charge."))
        hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("compareModels")
        self.list.setAccessibleName(self.tr("Models to compare"))
        for model_id, name, reason in models:
            refusal = reason or allowed(model_id)
            item = QListWidgetItem(name if not refusal else f"{name}  ({refusal})")
            item.setData(_ROLE_ID, model_id)
            item.setToolTip(refusal or model_id)
            flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
            item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if not refusal else flags)
            on = model_id in checked and not refusal
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.compare_button = self.buttons.addButton(self.tr("Compare"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.compare_button.setToolTip(self.tr("Start one job per ticked model"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemChanged.connect(lambda _item: self._update())
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.resize(420, 360)
        self._update()

    def checked_ids(self) -> list[str]:
        return [self.list.item(r).data(_ROLE_ID) for r in range(self.list.count())
                if self.list.item(r).checkState() == Qt.CheckState.Checked]

    def set_checked(self, model_id: str, on: bool = True) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(_ROLE_ID) == model_id and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _update(self) -> None:
        count = len(self.checked_ids())
        self.compare_button.setEnabled(count >= 2)
        self.compare_button.setText(self.tr("Compare %n model(s)", "", count) if count >= 2 else self.tr("Compare"))

    def accept(self) -> None:
        if len(self.checked_ids()) >= 2:
            self.chosen.emit(self.checked_ids())
            super().accept()
