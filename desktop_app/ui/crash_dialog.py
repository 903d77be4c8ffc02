"""Unhandled exceptions become a dialog with scrubbed details and a "Copy details" button, never a silent crash.

Three doors lead here: ``sys.excepthook`` (exceptions in Qt slots), ``threading.excepthook`` (worker threads) and
the asyncio loop's exception handler (callbacks and tasks nobody awaited). All of them log the full traceback
(the log file is scrubbed too) and hand the text to the GUI thread through a queued signal.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

import desktop_app
from desktop_app import APP_NAME
from desktop_app.core.logs import scrub
from desktop_app.core.state_repair import StorageError
from desktop_app.ui import tasks

log = logging.getLogger(__name__)


def crash_details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
                  where: str = "") -> str:
    """The text a user can paste into a report: versions, where it happened, and the scrubbed traceback."""
    from PySide6 import __version__ as pyside_version

    lines = [f"{APP_NAME} {desktop_app.__version__} · Python {platform.python_version()} · PySide6 {pyside_version} · "
             f"{platform.system()} {platform.release()}"]
    if where:
        lines.append(f"Where: {where}")
    lines.append("".join(traceback.format_exception(exc_type, exc, tb)).rstrip())
    return scrub("\n".join(lines))


class CrashDialog(QDialog):
    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("%1 hit a problem").replace("%1", APP_NAME))
        self.setMinimumSize(560, 360)
        intro = QLabel(self.tr("<b>Something unexpected went wrong.</b><p>Your library and finished models are "
                               "safe, and unfinished jobs continue at the next start. You can keep working; if "
                               "this happens again, copy the details below and include them in a report. Keys "
                               "and secrets have been removed from them.</p>"))
        intro.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setAccessibleName(self.tr("Crash details"))
        self.copy_button = QPushButton(self.tr("&Copy details"))
        self.copy_button.setToolTip(self.tr("Copy the text above to the clipboard"))
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.details, 1)
        lay.addWidget(buttons)

    def add(self, details: str) -> None:
        """A further crash while this dialog is open: append rather than stack dialogs."""
        self.details.appendPlainText("\n" + "-" * 60 + "\n" + details)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText(self.tr("Copied"))


class CrashReporter(QObject):
    """Collects unhandled exceptions from anywhere and shows them in one dialog on the GUI thread."""

    reported = Signal(str)
    storage = Signal(str)  # a StorageError's sentence, shown in a plain warning dialog

    def __init__(self, parent_window: QWidget | None = None) -> None:
        super().__init__(parent_window)  # the window keeps it alive for the run
        self.window = parent_window
        self.dialog: CrashDialog | None = None
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.storage.connect(self._show_storage, Qt.ConnectionType.QueuedConnection)
        self._previous: dict[str, Any] = {}

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> CrashReporter:
        self._previous = {"sys": sys.excepthook, "threading": threading.excepthook}
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        if loop is not None:
            loop.set_exception_handler(self._loop_handler)
        tasks.unhandled = self.report
        return self

    def uninstall(self) -> None:
        if self._previous:
            sys.excepthook = self._previous["sys"]
            threading.excepthook = self._previous["threading"]
            tasks.unhandled = None

    def report(self, exc: BaseException, where: str = "") -> None:
        """Log and show ``exc``; callable from any thread. A full or read-only disk is not a crash: it gets a
        plain dialog naming the folder."""
        if isinstance(exc, StorageError):
            log.warning("storage problem%s: %s", f" in {where}" if where else "", exc.message)
            self.storage.emit(exc.user_text())
            return
        log.error("unhandled exception%s", f" in {where}" if where else "", exc_info=exc)
        self.reported.emit(crash_details(type(exc), exc, exc.__traceback__, where))

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous["sys"](exc_type, exc, tb)
            return
        self.report(exc.with_traceback(tb))

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            name = args.thread.name if args.thread is not None else "?"
            self.report(args.exc_value.with_traceback(args.exc_traceback), f"thread {name}")

    def _loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException) and not isinstance(exc, asyncio.CancelledError):
            self.report(exc, str(context.get("message", "")))
        else:
            loop.default_exception_handler(context)

    def _show(self, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add(details)
            return
        self.dialog = CrashDialog(details, self.window)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(self._forget)
        self.dialog.open()  # never exec(): it would re-enter the qasync loop

    def _show_storage(self, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, text, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("storageProblem")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _forget(self) -> None:
        self.dialog = None
