"""The library's trash as a dialog: every deleted item, with Restore and Delete permanently (after a question).

Listing, restoring and deleting run in workers (``core/library/trash.py``); the dialog only shows the answers.
"""

from __future__ import annotations

import time
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.core.library.store import Library
from desktop_app.core.library.trash import TrashedItem, TrashError, purge, restore, trashed_items
from desktop_app.ui.library.item_model import human_size
from desktop_app.ui.tasks import blocking, spawn

EntryRole = Qt.ItemDataRole.UserRole + 1


class TrashDialog(QDialog):
    restored = Signal(list)  # ids of the items put back
    changed = Signal()  # the listing was refreshed (tests wait for it)

    def __init__(self, library: Library, model_names: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.model_names = model_names
        self.setWindowTitle(self.tr("Library trash"))
        self.resize(640, 400)
        self.hint = QLabel(self.tr("Deleted items wait here. Restore puts them back in the library; Delete "
                                   "permanently removes their files for good."))
        self.hint.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setAccessibleName(self.tr("Deleted items"))
        self.list.setHeaderLabels([self.tr("Name"), self.tr("Model"), self.tr("Deleted"), self.tr("Size")])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)  # a handful of rows
        header.setStretchLastSection(False)
        self.empty = QLabel(self.tr("The trash is empty. Items you delete from the library wait here until you "
                                    "restore them or delete them permanently."))
        self.empty.setObjectName("emptyHint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        self.restore_button = QPushButton(self.tr("&Restore"))
        self.restore_button.setToolTip(self.tr("Put the selected items back in the library"))
        self.delete_button = QPushButton(self.tr("&Delete permanently…"))
        self.delete_button.setToolTip(self.tr("Remove the selected items' files for good (asks first)"))
        self.delete_button.setShortcut(QKeySequence.StandardKey.Delete)
        self.empty_button = QPushButton(self.tr("&Empty trash…"))
        self.empty_button.setToolTip(self.tr("Remove every item in the trash for good (asks first)"))
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        for button in (self.restore_button, self.delete_button, self.empty_button, close):
            button.setAutoDefault(False)
        self.restore_button.clicked.connect(lambda: self._restore(self.selected()))
        self.delete_button.clicked.connect(lambda: self._ask_delete(self.selected()))
        self.empty_button.clicked.connect(lambda: self._ask_delete(self.entries()))
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item, _column: self._restore(self.selected()))

        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.empty_button)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.empty, 1)
        lay.addWidget(self.message)
        lay.addWidget(self.summary)
        lay.addLayout(buttons)
        self._busy = False
        self._show([])

    # --- listing ----------------------------------------------------------------------------------------

    def reload(self) -> None:
        spawn(self._reload(), self._show_message, name="library trash listing")

    async def _reload(self) -> None:
        self._show(await blocking(trashed_items, self.library))

    def _show(self, entries: list[TrashedItem]) -> None:
        self.list.clear()
        for entry in entries:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.deleted_at))
            model = self.model_names.get(entry.model_id, entry.model_id)
            row = QTreeWidgetItem([entry.title or entry.item_id, model, when, human_size(entry.size)])
            row.setData(0, EntryRole, entry)
            row.setToolTip(0, entry.item_id)
            row.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(row)
        self.list.setVisible(bool(entries))
        self.empty.setVisible(not entries)
        total = human_size(sum(e.size for e in entries))
        self.summary.setText(self.tr("%n item(s), %1", "", len(entries)).replace("%1", total) if entries else "")
        if entries and not self.list.selectedItems():
            self.list.setCurrentItem(self.list.topLevelItem(0))
        self._update_buttons()
        self.changed.emit()

    def entries(self) -> list[TrashedItem]:
        return [self.list.topLevelItem(n).data(0, EntryRole) for n in range(self.list.topLevelItemCount())]

    def selected(self) -> list[TrashedItem]:
        return [item.data(0, EntryRole) for item in self.list.selectedItems()]

    def _update_buttons(self) -> None:
        chosen = bool(self.list.selectedItems()) and not self._busy
        self.restore_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)
        self.empty_button.setEnabled(self.list.topLevelItemCount() > 0 and not self._busy)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- actions ----------------------------------------------------------------------------------------

    def _restore(self, entries: list[TrashedItem]) -> None:
        if entries and not self._busy:
            spawn(self._run(self._restore_all(entries)), self._show_message, name="restore from trash")

    async def _restore_all(self, entries: list[TrashedItem]) -> None:
        ids, problems = [], []
        for entry in entries:
            try:
                ids.append(await blocking(restore, self.library, entry))
            except TrashError as exc:
                problems.append(exc.user_text())
        self._show_message(" ".join(problems))
        if ids:
            self.restored.emit(ids)

    def _ask_delete(self, entries: list[TrashedItem]) -> None:
        if not entries or self._busy:
            return
        if len(entries) == 1:
            text = self.tr("Delete “%1” permanently? Its files are removed and this cannot be undone.").replace(
                "%1", entries[0].title or entries[0].item_id)
        else:
            text = self.tr("Delete %n item(s) permanently? Their files are removed and this cannot be undone.", "",
                           len(entries))
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Delete permanently"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: spawn(self._run(self._purge_all(entries)), self._show_message,
                                           name="delete from trash"))
        self.question = box  # tests answer it
        box.open()

    async def _purge_all(self, entries: list[TrashedItem]) -> None:
        for entry in entries:
            await blocking(purge, self.library, entry)
        self._show_message("")

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        self._busy = True
        self._update_buttons()
        try:
            await work
        finally:
            self._busy = False
            await self._reload()
