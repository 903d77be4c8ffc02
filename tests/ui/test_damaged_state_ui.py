"""The window on damaged state: it opens, says what was repaired in a dialog, and lists a damaged item."""

from __future__ import annotations

import asyncio
import os

from PySide6.QtWidgets import QMessageBox

from desktop_app.app import startup_failure_box
from desktop_app.core.settings import app_paths
from desktop_app.core.state_repair import read_only_error
from desktop_app.ui.main_window import MainWindow
from tests.ui.conftest import run_in_window

BROKEN_ITEM = "20260101-000000-broken-abc123"


def test_window_opens_on_a_damaged_journal_and_shows_the_notice(qtbot, qloop, services_factory) -> None:
    paths = app_paths().ensure()
    paths.journal_file.write_bytes(os.urandom(16384))  # garbled: "file is not a database"
    folder = paths.default_library_dir / "items" / BROKEN_ITEM
    (folder / "outputs").mkdir(parents=True)
    (folder / "outputs" / "model.glb").write_bytes(b"glTF" + bytes(40))
    (folder / "item.json").write_text("[1,2]")
    services = services_factory()
    window = MainWindow(services, automation=True)
    seen: dict[str, object] = {}

    async def body() -> None:
        boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
        seen["texts"] = [b.text() for b in boxes]
        await window.library_view.refresh()
        seen["ids"] = window.library_view.model.ids()
        for box in boxes:
            box.close()
        await asyncio.sleep(0)

    run_in_window(qloop, window, body)
    texts = seen["texts"]
    assert any("job list" in t and "set aside" in t and "library is not affected" in t for t in texts), texts
    assert BROKEN_ITEM in seen["ids"]  # listed (as damaged), not dropped
    assert services.library.get(BROKEN_ITEM).damaged
    assert any(p.name.startswith("jobs.sqlite3.damaged-") for p in paths.data_dir.iterdir())


def test_an_unusable_home_gets_a_dialog_naming_the_folder(qtbot, tmp_path) -> None:
    box = startup_failure_box(read_only_error(tmp_path / "data"))
    qtbot.addWidget(box)
    assert box.icon() == QMessageBox.Icon.Critical
    assert str(tmp_path / "data") in box.text() and "read-only" in box.text()


def test_a_full_disk_during_a_job_is_a_plain_dialog_not_a_crash(qtbot, qloop, qapp, tmp_path) -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop_app.core.state_repair import disk_full_error
    from desktop_app.ui.crash_dialog import CrashReporter

    parent = QWidget()
    qtbot.addWidget(parent)
    reporter = CrashReporter(parent)
    reporter.report(disk_full_error(tmp_path / "data"), "task job-1")

    def box() -> QMessageBox | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
                 and w.objectName() == "storageProblem"]
        return found[0] if found else None

    qloop.until(lambda: box() is not None, 10, "the storage dialog")
    shown = box()
    assert shown is not None and str(tmp_path / "data") in shown.text() and "is full" in shown.text()
    assert reporter.dialog is None  # no crash dialog, no traceback
    shown.close()
