"""Save a rendered frame as PNG: a save dialog that asks before overwriting, and encoding off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.ui.tasks import Op

log = logging.getLogger(__name__)


class ImageSaver(QObject):
    """Writes QImages to PNG in a worker (PNG encoding of a large frame takes longer than a UI frame)."""

    saved = Signal(str, str)  # path, error message ("" on success)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lane = f"screenshot-{id(self)}"  # in the order asked: the last save to a path wins
        self._pending = 0
        self._alive = True
        self.destroyed.connect(lambda *_: setattr(self, "_alive", False))

    def save(self, image: QImage, path: str | Path) -> None:
        self._pending += 1
        copy, path = image.copy(), str(path)  # a detached copy: the worker owns it
        Op(self._work, copy, path).serial(self._lane).owner(self).success(
            lambda error: self._on_done(path, error) if self._alive else None).named("save screenshot").run()

    def is_busy(self) -> bool:
        return self._pending > 0

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to stop: a save in flight finishes in its worker."""

    @staticmethod
    def _work(image: QImage, path: str) -> str:
        try:
            return "" if image.save(path, "PNG") else "write"
        except Exception as exc:  # the user gets a message either way; the log keeps the detail
            log.info("screenshot save failed: %r", exc)
            return "write"

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
