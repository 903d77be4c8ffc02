"""The library panel: a grid of every kept result with its thumbnail; search; open in the preview."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from desktop_app.core.library import Library, LibraryItem
from desktop_app.ui.tasks import spawn

ItemRole = Qt.ItemDataRole.UserRole + 2
THUMB = 112
_Index = QModelIndex | QPersistentModelIndex


def _load_image(path: Path) -> QImage | None:
    """Runs in a worker: QImage (unlike QPixmap) may be created off the GUI thread."""
    image = QImage(str(path))
    if image.isNull():
        return None
    return image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


class LibraryModel(QAbstractListModel):
    """Items newest first. Thumbnails load lazily the first time a row is painted."""

    def __init__(self) -> None:
        super().__init__()
        self._items: list[LibraryItem] = []
        self._icons: dict[str, QIcon] = {}
        self._loading: set[str] = set()
        placeholder = QPixmap(THUMB, THUMB)
        placeholder.fill(QColor("#e0e0e0"))
        self._placeholder = QIcon(placeholder)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Qt.ItemDataRole.DecorationRole:
            icon = self._icons.get(item.id)
            if icon is None:
                self._request_thumbnail(item)
                return self._placeholder
            return icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.title}\n{item.model_id}"
        if role == ItemRole:
            return item
        return None

    def set_items(self, items: list[LibraryItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> LibraryItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, item_id: str) -> int | None:
        for row, item in enumerate(self._items):
            if item.id == item_id:
                return row
        return None

    def invalidate_thumbnail(self, item_id: str) -> None:
        self._icons.pop(item_id, None)
        row = self.row_of(item_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _request_thumbnail(self, item: LibraryItem) -> None:
        path = item.thumbnail_path
        if path is None or item.id in self._loading:
            return
        self._loading.add(item.id)
        spawn(self._load(item.id, path), name=f"thumbnail {item.id}")

    async def _load(self, item_id: str, path: Path) -> None:
        try:
            image = await asyncio.to_thread(_load_image, path) if path.exists() else None
        finally:
            self._loading.discard(item_id)
        self._icons[item_id] = QIcon(QPixmap.fromImage(image)) if image is not None else self._placeholder
        row = self.row_of(item_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class LibraryView(QWidget):
    """Search box and thumbnail grid. ``itemActivated`` carries the chosen item."""

    itemActivated = Signal(object)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.model = LibraryModel()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search by name, prompt or model"))
        self.search.setClearButtonEnabled(True)
        self.view = QListView()
        self.view.setObjectName("libraryGrid")
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setGridSize(QSize(THUMB + 20, THUMB + 40))
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        self.empty = QLabel(self.tr("Finished models are kept here."))
        self.empty.setObjectName("emptyHint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        # Search as you type, but query the index only once typing pauses.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self._show_empty(True)

    def reload(self) -> None:
        spawn(self._reload(self.search.text()), name="library reload")

    async def _reload(self, query: str) -> None:
        items = await asyncio.to_thread(self.library.list, query)
        if query != self.search.text():
            return  # a newer search is on its way
        self.model.set_items(items)
        self._show_empty(not items, searching=bool(query.strip()))

    def select(self, item_id: str) -> None:
        row = self.model.row_of(item_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))

    def _activate(self, index: QModelIndex) -> None:
        item = self.model.item(index.row())
        if item is not None:
            self.itemActivated.emit(item)

    def _show_empty(self, empty: bool, searching: bool = False) -> None:
        if searching:
            self.empty.setText(self.tr("Nothing in the library matches this search."))
        else:
            self.empty.setText(self.tr("Finished models are kept here. Click one to look at it again."))
        self.empty.setVisible(empty)
        self.view.setVisible(not empty)
