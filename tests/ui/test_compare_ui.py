"""Compare from the real window: select two library items, choose "Compare side by side", see both."""

from __future__ import annotations

import time
from pathlib import Path

import trimesh
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QMessageBox

from desktop_app.core.library.store import LibraryItem
from desktop_app.ui.main_window import MainWindow
from tests.emulators.common import make_glb


def _add_item(main_window: MainWindow, tmp_path: Path, name: str, data: bytes, suffix: str) -> LibraryItem:
    source = tmp_path / name / "outputs"
    source.mkdir(parents=True)
    (source / f"model{suffix}").write_bytes(data)
    item = LibraryItem(id=name, title=name.title(), model_id="local:relief", created_at=time.time(),
                       model_file=f"outputs/model{suffix}")
    return main_window.services.library.add(item, source.parent)


def test_library_compare_opens_linked_views(main_window: MainWindow, qloop, tmp_path: Path) -> None:
    _add_item(main_window, tmp_path, "sphere", make_glb(), ".glb")
    _add_item(main_window, tmp_path, "box", trimesh.creation.box().export(file_type="stl"), ".stl")
    library = main_window.library_view
    library.reload()
    qloop.until(lambda: library.model.rowCount() == 2, 10, "the library to list both items")

    main_window.compare_action.trigger()  # nothing selected: a hint, no window
    assert main_window.compare_window is None
    hints = [box for box in library.findChildren(QMessageBox) if box.isVisible()]
    assert len(hints) == 1 and "Select two to four models" in hints[0].text()
    hints[0].close()

    selection = library.selection
    for row in range(2):
        selection.select(library.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select)
    main_window.compare_action.trigger()
    qloop.until(lambda: main_window.compare_window is not None, 10, "the compare window")  # items read off-thread
    window = main_window.compare_window
    assert window is not None and window.isVisible()
    qloop.until(lambda: all(p.state() == "scene" for p in window.previews()), 20, "both models to show")
    assert sorted(t.text() for t in window._titles) == ["Box", "Sphere"]
    first, second = window.previews()
    first.view.orbit(25.0, 10.0)
    qloop.until(lambda: second.camera() == first.camera(), 5, "the second camera to follow")

    sphere = main_window.services.library.get("sphere").model_path
    main_window.open_compare([sphere, sphere, sphere], ["A", "B", "C"])  # reused, not a new window
    assert main_window.compare_window is window and len(window.previews()) == 3
    qloop.until(lambda: all(p.state() == "scene" for p in window.previews()), 20, "three views")
