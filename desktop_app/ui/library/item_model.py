"""The library as a Qt item model: one row per item, columns for the list view, lazy thumbnails for the grid.

Rows are the plain tuples the index search returns (``core/library/search.py``, built off the GUI thread), so
swapping in 10,000 of them costs the GUI thread next to nothing. A thumbnail
is read (and scaled to the screen's device pixels, so it stays sharp at 2x) in a worker the first time its row
is painted, at most a few at once, and kept in a bounded cache; the GUI thread only wraps the finished QImage.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QIcon, QImage, QPalette, QPixmap

from desktop_app.core.library.index import row_from_tuple
from desktop_app.core.library.search import COST, COST_UNIT, CREATED_AT, FAVORITE, ID, MODEL_ID, SIZE, TITLE
from desktop_app.core.library.store import THUMBNAIL, LibraryRow
from desktop_app.ui.tasks import blocking, spawn

THUMB = 112  # logical pixels; loaded at THUMB x the device pixel ratio
IdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
CACHE_SIZE = 1500  # thumbnails kept in memory (about 50 KB each)
PARALLEL_LOADS = 4
_Index = QModelIndex | QPersistentModelIndex


def _load_image(path: Path, ratio: float) -> QImage | None:
    """Runs in a worker: QImage (unlike QPixmap) may be created off the GUI thread."""
    image = QImage(str(path))
    if image.isNull():
        return None
    side = round(THUMB * ratio)
    image = image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    image.setDevicePixelRatio(ratio)  # drawn at THUMB logical pixels, one image pixel per device pixel
    return image


def placeholder_color(palette: QPalette) -> QColor:
    """A quiet tile on the view's background: the base colour with a touch of the text colour (light or dark)."""
    base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    mix = 0.12  # on white with black text this is the #e0e0e0 the light theme always had
    return QColor.fromRgbF(*(b + (t - b) * mix for b, t in zip(base.getRgbF()[:3], text.getRgbF()[:3], strict=True)))


def _pixel_ratio() -> float:
    """The screens' highest device pixel ratio (2 on a 2x display; QT_SCALE_FACTOR included)."""
    app = QGuiApplication.instance()
    return float(app.devicePixelRatio()) if isinstance(app, QGuiApplication) else 1.0


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


def plain_icon(pixmap: QPixmap) -> QIcon:
    """An icon drawn the same when its item is selected: Qt's default Selected mode tints the picture with the
    highlight colour, which turned a selected model's thumbnail blue (an orange dragon looked purple)."""
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon

class LibraryModel(QAbstractTableModel):
    """Rows in the order the index returned them (the view's sort and filters are part of the query)."""

    COLUMNS = ("name", "model", "date", "cost", "size")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[Any, ...]] = []
        self._positions: dict[str, int] = {}
        self._items_dir: Path | None = None
        self._icons: OrderedDict[str, QIcon | None] = OrderedDict()  # None: no readable picture
        self._loading: set[str] = set()
        self._gate = asyncio.Semaphore(PARALLEL_LOADS)
        self.model_names: dict[str, str] = {}
        self._placeholder = QIcon()
        self._placeholder_key: tuple[int, float] | None = None
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
        if item_id not in self._icons:
            self._request_thumbnail(item_id)
            return self.placeholder()
        self._icons.move_to_end(item_id)
        return self._icons[item_id] or self.placeholder()

    def placeholder(self) -> QIcon:
        """The tile shown until (or instead of) a thumbnail, redrawn when the theme's palette changes."""
        palette = QGuiApplication.palette()
        key = (palette.cacheKey(), _pixel_ratio())
        if key != self._placeholder_key:
            pixmap = QPixmap(round(THUMB * key[1]), round(THUMB * key[1]))
            pixmap.setDevicePixelRatio(key[1])
            pixmap.fill(placeholder_color(palette))
            self._placeholder, self._placeholder_key = plain_icon(pixmap), key
        return self._placeholder

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
                image = await blocking(_load_image, path, _pixel_ratio())
        finally:
            self._loading.discard(item_id)
        self._icons[item_id] = plain_icon(QPixmap.fromImage(image)) if image is not None else None
        while len(self._icons) > CACHE_SIZE:
            self._icons.popitem(last=False)
        self._changed(item_id)
