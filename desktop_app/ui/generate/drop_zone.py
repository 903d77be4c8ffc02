"""Where images come in: drag and drop, a file dialog or paste; thumbnails, reorder, remove, per-image errors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QIcon, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import InputImageError
from desktop_app.core.images import IMAGE_SUFFIXES, check_image, thumbnail
from desktop_app.core.mesh.formats import name_filter
from desktop_app.ui.tasks import blocking, spawn

_ROLE_PATH = Qt.ItemDataRole.UserRole
THUMB = 96


@dataclass
class _Entry:
    path: Path
    error: str = ""
    checked: bool = False


def image_paths_from_urls(urls: list) -> list[Path]:
    paths = []
    for url in urls:
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMAGE_SUFFIXES:
                paths.append(path)
    return paths


def _error_icon(size: int, ratio: float = 1.0) -> QIcon:
    # Drawn at the screen's pixel density so the mark stays sharp on high-DPI screens (painted in logical units).
    pix = QPixmap(round(size * ratio), round(size * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(QColor("#fde8e8"))
    painter = QPainter(pix)
    painter.setPen(QColor("#c62828"))
    font = painter.font()
    font.setPointSize(28)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QRect(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "!")
    painter.end()
    return QIcon(pix)


class DropZone(QWidget):
    """Holds the ordered list of input images. ``imagesChanged`` carries the usable paths in order."""

    imagesChanged = Signal(list)

    def __init__(self, paste_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self._paste_dir = paste_dir
        self._entries: dict[str, _Entry] = {}
        self._max = 1
        self._from_model = False
        self._each = False  # "one job per image": every usable image is used, none is extra

        self._empty = QLabel()
        self._empty.setObjectName("dropEmpty")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setCursor(Qt.CursorShape.PointingHandCursor)
        self._empty.mousePressEvent = lambda _e: self.choose_files()  # type: ignore[method-assign]

        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        # One line for the name (elided): a tile of icon + one text line fits the zone's height, so a single
        # picture shows whole, with no scroll bar beside it (tests/ui/test_drop_zone_fit.py).
        self.list.setGridSize(QSize(THUMB + 16, THUMB + 24))
        self.list.setMovement(QListWidget.Movement.Snap)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # "typical_b…crate.png": the end tells files apart
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.model().rowsMoved.connect(self._emit)
        self.list.itemSelectionChanged.connect(self._update_buttons)

        self._stack = QStackedLayout()
        empty_page = QWidget()
        QVBoxLayout(empty_page).addWidget(self._empty)
        self._stack.addWidget(empty_page)
        self._stack.addWidget(self.list)

        self.add_button = QPushButton(self.tr("Add images…"))
        self.add_button.setToolTip(self.tr("Choose image files (PNG, JPEG or WebP)"))
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setToolTip(self.tr("Remove the selected images (Delete)"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = QLabel()
        self.message.setObjectName("dropMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        frame = QWidget()
        frame.setObjectName("dropFrame")
        frame.setLayout(self._stack)
        frame.setMinimumHeight(132)  # one row of image tiles; on a laptop the settings form needs the rest
        layout.addWidget(frame, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        QShortcut(QKeySequence.StandardKey.Delete, self.list, self.remove_selected)
        QShortcut(QKeySequence.StandardKey.Paste, self, self.paste)
        self._dialog: QFileDialog | None = None
        self._refresh()

    # --- public ----------------------------------------------------------------------------------------

    def set_max_images(self, count: int, *, works_from_model: bool = False) -> None:
        """``works_from_model``: the model starts from a 3D model (remesh, retexture...), chosen in its form."""
        self._max = count
        self._from_model = works_from_model
        self._refresh()

    def paths(self) -> list[Path]:
        """Usable images, in the order shown (images with errors or beyond the model's limit excluded)."""
        result = []
        for row in range(self.list.count()):
            entry = self._entries.get(self.list.item(row).data(_ROLE_PATH))
            if entry and entry.checked and not entry.error and len(result) < max(self._max, 0):
                result.append(entry.path)
        return result

    def usable_paths(self) -> list[Path]:
        """Every checked image without an error, beyond the model's limit too (one job per image)."""
        result = []
        for row in range(self.list.count()):
            entry = self._entries.get(self.list.item(row).data(_ROLE_PATH))
            if entry and entry.checked and not entry.error:
                result.append(entry.path)
        return result

    def max_images(self) -> int:
        return self._max

    def set_one_job_per_image(self, on: bool) -> None:
        """With one job per image every usable image is used, so none is greyed out as extra."""
        if on != self._each:
            self._each = on
            self._refresh()

    def all_paths(self) -> list[Path]:
        return [Path(self.list.item(r).data(_ROLE_PATH)) for r in range(self.list.count())]

    def pending(self) -> bool:
        return any(not e.checked for e in self._entries.values())

    def add_paths(self, paths: list[Path]) -> None:
        for path in paths:
            key = str(path.resolve()) if path.exists() else str(path)
            if key in self._entries:
                continue
            self._entries[key] = _Entry(Path(key))
            item = QListWidgetItem(path.name)
            item.setData(_ROLE_PATH, key)
            item.setToolTip(str(path))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            self.list.addItem(item)
            spawn(self._check(key), name=f"check {path.name}")
        self._refresh()

    def clear(self) -> None:
        self.list.clear()
        self._entries.clear()
        self._refresh()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self._entries.pop(item.data(_ROLE_PATH), None)
            self.list.takeItem(self.list.row(item))
        self._refresh()

    def choose_files(self) -> None:
        # open() rather than exec(): a nested modal loop inside the qasync loop re-enters it.
        dialog = QFileDialog(self, self.tr("Choose images"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(self.tr("Images (%1)").replace("%1", name_filter(sorted(IMAGE_SUFFIXES))))
        dialog.filesSelected.connect(lambda files: self.add_paths([Path(f) for f in files]))
        self._dialog = dialog
        dialog.open()

    def paste(self) -> None:
        from PySide6.QtWidgets import QApplication

        mime = QApplication.clipboard().mimeData()
        if mime is None:
            return
        if mime.hasUrls():
            self.add_paths(image_paths_from_urls(mime.urls()))
        elif mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                spawn(self._save_pasted(image), name="save pasted image")

    # --- internals -------------------------------------------------------------------------------------

    async def _save_pasted(self, image: QImage) -> None:
        target = self._paste_dir / f"pasted-{time.strftime('%Y%m%d-%H%M%S')}.png"
        failed = self.tr("The pasted image could not be saved.")  # here: tr belongs on the GUI thread

        def save() -> None:  # QImage is safe to use off the GUI thread
            target.parent.mkdir(parents=True, exist_ok=True)
            if not image.save(str(target), "PNG"):
                raise InputImageError(failed)

        await blocking(save)
        self.add_paths([target])

    async def _check(self, key: str) -> None:
        path = Path(key)
        try:
            await blocking(check_image, path)
            png = await blocking(thumbnail, path, THUMB * 2)
            error = ""
        except InputImageError as exc:
            png, error = b"", exc.user_text()
        entry = self._entries.get(key)
        if entry is None:  # removed while being checked
            return
        entry.checked, entry.error = True, error
        item = self._item_for(key)
        if item is not None:
            if error:
                item.setIcon(_error_icon(THUMB, self.devicePixelRatioF()))
                item.setToolTip(error)
            else:
                item.setIcon(QIcon(QPixmap.fromImage(QImage.fromData(png))))
        self._refresh()

    def _item_for(self, key: str) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            if self.list.item(row).data(_ROLE_PATH) == key:
                return self.list.item(row)
        return None

    def _refresh(self) -> None:
        limit = self._max
        if limit <= 0:
            text = (self.tr("This model starts from a 3D model,\nchosen under Settings below.") if self._from_model
                    else self.tr("This model works from a text prompt only."))
        elif limit == 1:
            text = self.tr("Drop an image here\nor click to choose a file\n\nPNG, JPEG or WebP")
        else:
            text = self.tr(
                "Drop images here\nor click to choose files\n\nPNG, JPEG or WebP · up to %n images", "", limit
            )
        self._empty.setText(text)
        self._stack.setCurrentIndex(1 if self.list.count() else 0)
        problems = []
        usable = 0
        for row in range(self.list.count()):
            item = self.list.item(row)
            entry = self._entries.get(item.data(_ROLE_PATH))
            if entry is None:
                continue
            if entry.error:
                problems.append(f"{entry.path.name}: {entry.error}")
            elif entry.checked:
                usable += 1
                over = usable > limit and not self._each
                item.setData(Qt.ItemDataRole.ForegroundRole, QColor("#9e9e9e") if over else None)
                # Grey says it; the tooltip and the message under the zone say why. Not in the one-line name, where
                # eliding would cut it to "typical…t used)".
                item.setToolTip(str(entry.path) if not over
                                else self.tr("%1 (not used by this model)").replace("%1", str(entry.path)))
        calm = False
        if usable > limit and not self._each:
            if limit <= 0:  # nothing is wrong: the images wait here for the next model that takes them
                calm = not problems
                problems.append(self.tr("This model takes no images; they stay here for the next model."))
            else:
                problems.append(self.tr("This model uses at most %n image(s); the extra ones are greyed out.", "",
                                        limit))
        name = "dropHint" if calm else "dropMessage"
        if self.message.objectName() != name:
            self.message.setObjectName(name)
            self.message.style().unpolish(self.message)  # a changed object name needs a re-polish for its colour
            self.message.style().polish(self.message)
        self.message.setText("\n".join(problems))
        self.message.setVisible(bool(problems))
        self._update_buttons()
        self._emit()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.list.selectedItems()))

    def _emit(self, *_args: object) -> None:
        self.imagesChanged.emit(self.paths())

    # --- drag and drop ---------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and image_paths_from_urls(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = image_paths_from_urls(event.mimeData().urls())
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()
