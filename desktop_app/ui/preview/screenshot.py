"""Save a rendered frame as PNG: a save dialog that asks before overwriting, and encoding off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QWidget

log = logging.getLogger(__name__)


class ImageSaver(QObject):
    """Writes QImages to PNG in a worker (PNG encoding of a large frame takes longer than a UI frame)."""

    saved = Signal(str, str)  # path, error message ("" on success)
    _done = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool: ThreadPoolExecutor | None = None
        self._pending = 0
        self._done.connect(self._on_done)
        self.destroyed.connect(lambda *_: self.shutdown(wait=False))

    def save(self, image: QImage, path: str | Path) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screenshot")
        self._pending += 1
        self._pool.submit(self._work, image.copy(), str(path))  # a detached copy: the worker owns it

    def is_busy(self) -> bool:
        return self._pending > 0

    def shutdown(self, wait: bool = True) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait)

    def _work(self, image: QImage, path: str) -> None:
        error = ""
        try:
            if not image.save(path, "PNG"):
                error = "write"
        except Exception as exc:  # the user gets a message either way; the log keeps the detail
            log.info("screenshot save failed: %r", exc)
            error = "write"
        try:
            self._done.emit(path, error)
        except RuntimeError:  # the saver was deleted meanwhile
            pass

    @Slot(str, str)
    def _on_done(self, path: str, error: str) -> None:
        self._pending -= 1
        message = self.tr("The image could not be saved there. Check that the folder exists and that you may "
                          "write to it.") if error else ""
        self.saved.emit(path, message)


def ask_png_path(parent: QWidget, suggested_name: str, on_chosen: Callable[[str], None]) -> QFileDialog:
    """Open a non-blocking save dialog; Qt's dialog asks before replacing an existing file."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    dialog = QFileDialog(parent, parent.tr("Save screenshot"), str(Path(folder) / suggested_name))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(parent.tr("PNG images (*.png)"))
    dialog.setDefaultSuffix("png")
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, False)
    dialog.fileSelected.connect(on_chosen)
    dialog.open()
    return dialog
