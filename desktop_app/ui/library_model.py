"""The library as a Qt item model: one row per item, columns for the list view, lazy thumbnails for the grid.

Rows are the plain tuples the index search returns (``core/library_search.py``, built off the GUI thread), so
swapping in 10,000 of them costs the GUI thread next to nothing. A thumbnail
is read (and scaled) in a worker the first time its row is painted, at most a few at once, and kept in a
bounded cache; the GUI thread only wraps the finished QImage.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QImage, QPixmap

from desktop_app.core.library import THUMBNAIL, LibraryRow
from desktop_app.core.library_index import row_from_tuple
from desktop_app.core.library_search import COST, COST_UNIT, CREATED_AT, FAVORITE, ID, MODEL_ID, SIZE, TITLE
from desktop_app.ui.tasks import spawn

THUMB = 112
IdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
CACHE_SIZE = 1500  # thumbnails kept in memory (about 50 KB each)
PARALLEL_LOADS = 4
_Index = QModelIndex | QPersistentModelIndex


def _load_image(path: Path) -> QImage | None:
    """Runs in a worker: QImage (unlike QPixmap) may be created off the GUI thread."""
    image = QImage(str(path))
    if image.isNull():
        return None
    return image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def cost_text(cost: float | None, unit: str) -> str:
    if cost is None:
        return ""
    return f"{cost:g} {unit}".strip()


class LibraryModel(QAbstractTableModel):
    """Rows in the order the index returned them (the view's sort and filters are part of the query)."""

    COLUMNS = ("name", "model", "date", "cost", "size")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[Any, ...]] = []
        self._positions: dict[str, int] = {}
        self._items_dir: Path | None = None
        self._icons: OrderedDict[str, QIcon] = OrderedDict()
        self._loading: set[str] = set()
        self._gate = asyncio.Semaphore(PARALLEL_LOADS)
        self.model_names: dict[str, str] = {}
        placeholder = QPixmap(THUMB, THUMB)
        placeholder.fill(QColor("#e0e0e0"))
        self._placeholder = QIcon(placeholder)
        self._headers = (self.tr("Name"), self.tr("Model"), self.tr("Date"), self.tr("Cost"), self.tr("Size"))

    # --- Qt model ---------------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self.icon(row[ID])
        if role == Qt.ItemDataRole.ToolTipRole:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row[CREATED_AT]))
            model = self.model_names.get(row[MODEL_ID], row[MODEL_ID])
            star = " ★" if row[FAVORITE] else ""
            return f"{row[TITLE]}{star}\n{model}\n{when}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == IdRole:
            return row[ID]
        if role == RowRole:
            return row_from_tuple(row)
        return None

    def _display(self, row: tuple[Any, ...], column: int) -> str:
        if column == 0:
            return f"★ {row[TITLE]}" if row[FAVORITE] else row[TITLE]
        if column == 1:
            return self.model_names.get(row[MODEL_ID], row[MODEL_ID])
        if column == 2:
            return time.strftime("%Y-%m-%d", time.localtime(row[CREATED_AT]))
        if column == 3:
            return self.tr("free") if row[COST] == 0 else cost_text(row[COST], row[COST_UNIT])
        return human_size(row[SIZE])

    def column_widths(self, metrics: QFontMetrics, model_ids: list[str]) -> dict[int, int]:
        """Widths for the list's columns 1-4 that fit their widest possible text (measuring rows is too slow)."""
        names = [self.model_names.get(m, m) for m in model_ids] or ["Scenario Trellis 2"]
        samples = {1: names, 2: ["2026-12-31"], 3: ["12.5 credits", self.tr("free")], 4: ["999.9 MB"]}
        return {column: max(metrics.horizontalAdvance(t) for t in [*texts, self._headers[column]]) + 24
                for column, texts in samples.items()}

    # --- content ----------------------------------------------------------------------------------------

    def set_rows(self, rows: list[tuple[Any, ...]], items_dir: Path, positions: dict[str, int] | None = None) -> None:
        """``rows`` as ``IndexReader.search`` returns them; ``positions`` (id -> row) too, when it was built."""
        if items_dir != self._items_dir:
            self._icons.clear()  # another library folder: cached pictures belong to the old one
        self.beginResetModel()
        self._rows = rows
        self._positions = positions if positions is not None else {row[ID]: n for n, row in enumerate(rows)}
        self._items_dir = items_dir
        self.endResetModel()

    def row(self, number: int) -> LibraryRow | None:
        return row_from_tuple(self._rows[number]) if 0 <= number < len(self._rows) else None

    def id_at(self, number: int) -> str | None:
        return self._rows[number][ID] if 0 <= number < len(self._rows) else None

    def row_of(self, item_id: str) -> int | None:
        return self._positions.get(item_id)

    def ids(self) -> list[str]:
        return [row[ID] for row in self._rows]

    # --- thumbnails -------------------------------------------------------------------------------------

    def icon(self, item_id: str) -> QIcon:
        icon = self._icons.get(item_id)
        if icon is None:
            self._request_thumbnail(item_id)
            return self._placeholder
        self._icons.move_to_end(item_id)
        return icon

    def invalidate_thumbnail(self, item_id: str) -> None:
        self._icons.pop(item_id, None)
        self._changed(item_id)

    def _changed(self, item_id: str) -> None:
        number = self.row_of(item_id)
        if number is not None:
            index = self.index(number, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _request_thumbnail(self, item_id: str) -> None:
        if self._items_dir is None or item_id in self._loading:
            return
        self._loading.add(item_id)
        spawn(self._load(item_id, self._items_dir / item_id / THUMBNAIL), name=f"thumbnail {item_id}")

    async def _load(self, item_id: str, path: Path) -> None:
        try:
            async with self._gate:
                if self.row_of(item_id) is None:
                    return  # scrolled past or filtered out while waiting
                image = await asyncio.to_thread(_load_image, path)
        finally:
            self._loading.discard(item_id)
        self._icons[item_id] = QIcon(QPixmap.fromImage(image)) if image is not None else self._placeholder
        while len(self._icons) > CACHE_SIZE:
            self._icons.popitem(last=False)
        self._changed(item_id)
