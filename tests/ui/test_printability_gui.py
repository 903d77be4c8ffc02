"""The printability verdict in the library details, clicked through on the real window: holes counted, a closed
model ready, "Make printable…" opening Print… for that item, the newest selection winning over a slow check,
and the verdict following a repair."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import trimesh
from PySide6.QtCore import Qt

from desktop_app.core.library.store import LibraryFile, LibraryItem, new_item_id
from desktop_app.core.printing import verdict as printability
from desktop_app.ui.library.print_dialog import PrintDialog
from desktop_app.ui.main_window import MainWindow
from tests.print_meshes import blob, broken


def _item(window: MainWindow, tmp_path: Path, name: str, mesh: trimesh.Trimesh) -> LibraryItem:
    src = tmp_path / f"job-{name}"
    (src / "outputs").mkdir(parents=True)
    model = src / "outputs" / "model.glb"
    model.write_bytes(trimesh.Scene(mesh).export(file_type="glb"))
    item = LibraryItem(id=new_item_id(name), title=name, model_id="local:relief", created_at=1.7e9,
                       files=[LibraryFile("outputs/model.glb", "model", model.stat().st_size)],
                       model_file="outputs/model.glb")
    return window.services.library.add(item, src)


def _items(window: MainWindow, qloop, tmp_path: Path) -> tuple[LibraryItem, LibraryItem]:
    printability.CACHE.clear()
    holes = _item(window, tmp_path, "Holey", broken())
    closed = _item(window, tmp_path, "Closed", blob(3))
    window.workspaces.show(window.workspaces.LIBRARY)
    window.library_view.reload()
    qloop.until(lambda: window.library_view.model.rowCount() == 2, 10, "the items")
    return holes, closed


def _shows(details, item: LibraryItem, start: str):
    return lambda: (details.item is not None and details.item.id == item.id
                    and details.printability.verdict_text().startswith(start))


def test_details_show_the_verdict_and_make_printable_opens_print(main_window: MainWindow, qloop, qtbot, tmp_path):
    holes, closed = _items(main_window, qloop, tmp_path)
    view, details = main_window.library_view, main_window.library.details
    section = details.printability

    view.select(holes.id)
    qloop.until(_shows(details, holes, "Needs repair"), 30, "the holey item's verdict")
    assert section.isVisible() and "8 holes" in section.verdict_text()
    assert "117 flipped edges" in section.verdict_text() and "hole(s)" in section.line.toolTip()
    assert not section.details.isVisible()
    qtbot.mouseClick(section.toggle, Qt.MouseButton.LeftButton)  # expand: every problem with its meaning
    assert section.details.isVisible()
    text = section.details.text()
    assert "A slicer cannot tell inside from outside" in text and "longest side 100 mm" in text and " mm" in text

    view.select(closed.id)
    qloop.until(_shows(details, closed, "Ready to print"), 30, "the closed item's verdict")
    assert "Volume:" in section.details.text()  # still expanded, now for this item

    view.select(holes.id)
    qloop.until(_shows(details, holes, "Needs repair"), 10, "the cached verdict")
    qtbot.mouseClick(section.button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: isinstance(getattr(main_window.library, "print_dialog", None), PrintDialog), 10, "Print…")
    dialog: PrintDialog = main_window.library.print_dialog
    assert dialog.item.id == holes.id
    qloop.until(lambda: "Problem:" in dialog.report.text(), 30, "the dialog's check")

    # a repair in the dialog keeps a copy in the item: once the dialog closes, the details judge that copy
    qtbot.mouseClick(dialog.repair_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: "Ready to print" in dialog.report.text(), 60, "the repair")
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qloop.until(_shows(details, holes, "Ready to print"), 30, "the repaired copy's verdict")
    qtbot.mouseClick(section.toggle, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(section.toggle, Qt.MouseButton.LeftButton)
    assert "repaired copy outputs/print/model-print-1.stl" in section.details.text()


def test_newest_selection_wins_over_a_slow_check(main_window: MainWindow, qloop, tmp_path, monkeypatch):
    holes, closed = _items(main_window, qloop, tmp_path)
    view, details = main_window.library_view, main_window.library.details
    release = threading.Event()
    slow_started = threading.Event()
    real = printability.file_verdict

    def verdict(path, cancel=None):
        if path == holes.model_path:
            slow_started.set()
            release.wait(20)  # the holey item's check is slow: it ends after the closed item's
        return real(path)  # no cancel: this late check must finish and be ignored

    monkeypatch.setattr(printability, "file_verdict", verdict)  # the details import it per check
    view.select(holes.id)
    qloop.until(slow_started.is_set, 10, "the slow check to start")
    view.select(closed.id)
    qloop.until(_shows(details, closed, "Ready to print"), 30, "the closed item's verdict")
    release.set()  # now the holey item's check finishes, late
    qloop.until(lambda: printability.CACHE.get(printability.file_key(holes.model_path)) is not None, 30,
                "the late check")
    qloop.run(asyncio.sleep(0.3))
    assert details.item.id == closed.id and details.printability.verdict_text() == "Ready to print"


def test_quick_switching_shows_the_last_items_verdict(main_window: MainWindow, qloop, tmp_path):
    holes, closed = _items(main_window, qloop, tmp_path)
    view, details = main_window.library_view, main_window.library.details
    for item in (holes, closed, holes, closed, holes):  # arrowing through the list
        view.select(item.id)
        qloop.run(asyncio.sleep(0.03))
    qloop.until(_shows(details, holes, "Needs repair"), 30, "the last selected item's verdict")
    qloop.run(asyncio.sleep(0.5))
    assert details.printability.verdict_text().startswith("Needs repair: 8 holes")
