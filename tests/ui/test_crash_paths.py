"""The two other doors to the crash dialog: an exception in a Qt slot, and one in a worker thread.

(The asyncio door is tested in test_welcome_and_crash.py.) The reporter replaces pytest-qt's and pytest's own
hooks while installed, so an exception it catches is shown in the dialog rather than failing the test.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop_app.core.logs import register_secret
from desktop_app.ui.crash_dialog import CrashReporter


class Emitter(QObject):
    fired = Signal()


def _dialog_text(qloop, reporter: CrashReporter) -> str:
    qloop.until(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), 10, "the crash dialog")
    return reporter.dialog.details.toPlainText()


def test_an_exception_in_a_qt_slot_opens_the_dialog(qtbot, qloop):
    register_secret("rk-slot-secret-5150")
    reporter = CrashReporter().install()
    emitter = Emitter()

    def slot() -> None:
        raise LookupError("slot failed with key rk-slot-secret-5150")

    emitter.fired.connect(slot)
    try:
        emitter.fired.emit()  # PySide6 hands a slot's exception to sys.excepthook
        text = _dialog_text(qloop, reporter)
    finally:
        reporter.uninstall()
    assert "LookupError: slot failed" in text and "in slot" in text  # the traceback names the slot
    assert "rk-slot-secret-5150" not in text
    reporter.dialog.close()
    reporter.deleteLater()


def test_an_exception_in_a_worker_thread_opens_the_dialog_on_the_gui_thread(qtbot, qloop):
    reporter = CrashReporter().install()

    def work() -> None:
        raise ZeroDivisionError("the worker divided by zero")

    worker = threading.Thread(target=work, name="mesh-worker")
    try:
        worker.start()
        worker.join(5)
        text = _dialog_text(qloop, reporter)
    finally:
        reporter.uninstall()
    assert "ZeroDivisionError: the worker divided by zero" in text
    assert "Where: thread mesh-worker" in text
    assert reporter.dialog.thread() is QCoreApplication.instance().thread()  # built on the GUI thread
    reporter.dialog.close()
    reporter.deleteLater()
