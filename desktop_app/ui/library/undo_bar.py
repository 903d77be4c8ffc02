"""The bar shown above the library after a delete: what was deleted, and an Undo button (Ctrl+Z)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class UndoBar(QWidget):
    """'Deleted 3 items  [Undo]': shown after a delete until the next one or a timeout."""

    undo = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("undoBar")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton(self.tr("Undo"))
        self.button.setToolTip(self.tr("Put the deleted items back (Ctrl+Z)"))
        self.button.setShortcut(QKeySequence.StandardKey.Undo)
        self.button.clicked.connect(self.undo)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.button)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()
