"""The preview's "Turntable…" action: ask where, then render and encode in the render thread with a progress
dialog the user can cancel; the GUI thread only moves the progress bar."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.ui.preview.offscreen import RenderOptions
from desktop_app.ui.preview.turntable import (
    DEFAULT_FRAMES,
    DEFAULT_SIZE,
    TurntableCancelled,
    TurntableJob,
    start_turntable,
)

log = logging.getLogger(__name__)


class TurntableSaver(QObject):
    """One turntable at a time for one preview."""

    progressed = Signal(int, int)  # frames done (the encoding counts as the last), total
    finished = Signal(str, str)  # path, message ("" when saved)
    _progress = Signal(int, int)  # from the render thread; queued to ours
    _done = Signal(str, str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._job: TurntableJob | None = None
        self._future: Future | None = None
        self.dialog: QFileDialog | None = None
        self.progress: QProgressDialog | None = None
        self.message: QMessageBox | None = None
        # always queued, even from this thread (a quick job may be done before its callback is attached), so
        # the outcome arrives after every progress step, in order
        self._progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def busy(self) -> bool:
        return self._job is not None

    def ask_and_save(self, arrays: SceneArrays, options: RenderOptions) -> None:
        """A save dialog (WebP or GIF; Qt asks before replacing a file), then :meth:`save`."""
        if self.busy():
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        stem = Path(arrays.source).stem if arrays.source else "model"
        dialog = QFileDialog(self._parent, self.tr("Save turntable"), str(Path(folder) / f"{stem}-turntable.webp"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters([self.tr("Animated WebP (*.webp)"), self.tr("Animated GIF (*.gif)")])
        dialog.setDefaultSuffix("webp")
        dialog.filterSelected.connect(lambda f: dialog.setDefaultSuffix("gif" if "gif" in f else "webp"))
        dialog.fileSelected.connect(lambda path: self.save(arrays, Path(path), options))
        self.dialog = dialog
        dialog.open()

    def save(self, arrays: SceneArrays, out: Path, options: RenderOptions, frames: int = DEFAULT_FRAMES,
             size: tuple[int, int] = DEFAULT_SIZE) -> None:
        """Render ``frames`` frames in the render thread and write them to ``out`` (.webp or .gif)."""
        if self.busy():
            return
        if out.suffix.lower() not in (".webp", ".gif"):
            out = out.with_suffix(".webp")
        job = TurntableJob(arrays, out, frames=frames, size=size, options=options,
                           progress=lambda done, total: self._emit(self._progress, done, total))
        self._job = job
        progress = QProgressDialog(self.tr("Rendering the turntable…"), self.tr("Cancel"), 0, frames + 1,
                                   self._parent)
        progress.setWindowTitle(self.tr("Save turntable"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel)
        progress.setValue(0)
        progress.show()  # at once: even a short turntable takes a few seconds
        self.progress = progress
        try:
            self._future = start_turntable(job)
        except Exception as exc:  # no OpenGL for offscreen rendering, or a bad suffix
            log.info("turntable could not start: %r", exc)
            self._on_done(str(out), self.tr("The turntable could not be rendered on this computer."))
            return
        self._future.add_done_callback(lambda f: self._emit(self._done, str(out), self._outcome(f)))

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            if self.progress is not None:
                self.progress.setLabelText(self.tr("Stopping…"))

    def shutdown(self) -> None:
        """Stop a turntable in progress and wait for the render thread to let go of it (at quit)."""
        self.cancel()
        future = self._future
        if future is not None:
            try:
                future.result(timeout=30)
            except Exception:  # cancelled or failed: either way it has stopped
                pass

    def _emit(self, signal: Signal, *args: object) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # we were deleted while the render thread worked
            pass

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)  # first: a modal dialog's setValue runs the event loop (later steps)
        if self.progress is not None and self._job is not None and not self._job.cancelled():
            self.progress.setMaximum(total)
            self.progress.setValue(done)
            if done == total - 1:
                self.progress.setLabelText(self.tr("Writing the animation…"))

    @Slot(str, str)
    def _on_done(self, path: str, message: str) -> None:
        self._job, self._future = None, None
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        if message != CANCELLED:
            text = message or self.tr("The turntable was saved to %1.").replace("%1", path)
            icon = QMessageBox.Icon.Warning if message else QMessageBox.Icon.Information
            box = QMessageBox(icon, self.tr("Save turntable"), text, QMessageBox.StandardButton.Ok, self._parent)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self.message = box
        self.finished.emit(path, message)

    def _outcome(self, future: Future) -> str:
        """"" when written, CANCELLED, or a message a user can act on (runs in the render thread)."""
        try:
            future.result()
            return ""
        except TurntableCancelled:
            return CANCELLED
        except OSError as exc:
            log.info("turntable could not be written: %r", exc)
            return self.tr("The turntable could not be saved there. Check that the folder exists and that you "
                           "may write to it.")
        except Exception as exc:
            log.info("turntable failed: %r", exc)
            return self.tr("The turntable could not be rendered on this computer.")


CANCELLED = "cancelled"
