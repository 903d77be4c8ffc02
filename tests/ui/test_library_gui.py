"""The library panel in the real window: search, filters, sort, rename, tags, favourite, delete with undo,
re-run, re-run with edits, import and the Compare action."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.core.jobs.store import JobState
from desktop_app.core.library.store import Library, LibraryFile, LibraryItem, new_item_id
from desktop_app.ui.main_window import MainWindow
from tests.emulators.common import make_glb
from tests.ui.conftest import wait_until

RELIEF = {"depth": 0.2, "detail": 96}


def add(library: Library, tmp_path: Path, title: str, image: Path, *, model: str = "local:relief",
        created: float = 1_700_000_000.0, cost: float | None = None, params: dict | None = None) -> LibraryItem:
    src = tmp_path / f"job-{title}"
    (src / "outputs").mkdir(parents=True)
    (src / "inputs").mkdir()
    shutil.copy(image, src / "inputs" / "01-input.png")
    (src / "outputs" / "model.glb").write_bytes(make_glb())
    size = (src / "outputs" / "model.glb").stat().st_size
    item = LibraryItem(id=new_item_id(title), title=title, model_id=model, created_at=created, cost=cost,
                       params=dict(params if params is not None else RELIEF), inputs=["inputs/01-input.png"],
                       files=[LibraryFile("outputs/model.glb", "model", size)], model_file="outputs/model.glb")
    return library.add(item, src)


@pytest.fixture
def stocked(main_window: MainWindow, qloop, tmp_path, fixture_images) -> dict[str, LibraryItem]:
    lib = main_window.services.library
    items = {
        "castle": add(lib, tmp_path, "Stone castle", fixture_images / "typical_building_castle.png",
                      created=1_700_000_100.0, cost=0.0),
        "dragon": add(lib, tmp_path, "red dragon", fixture_images / "typical_creature_dragon.png",
                      model="scenario:model_trellis-2", created=1_700_000_300.0, cost=5.0,
                      params={"prompt": "a fierce dragon"}),
        "biplane": add(lib, tmp_path, "Biplane", fixture_images / "typical_vehicle_biplane.png",
                       model="hyper3d:rodin", created=1_700_000_200.0, cost=0.5),
    }
    main_window.workspaces.show(main_window.workspaces.LIBRARY)  # as a user does, to work in the library
    view = main_window.library_view
    view.reload()
    qloop.until(lambda: view.model.rowCount() == 3, 10, "the library to list three items")
    return items


def titles(window: MainWindow) -> list[str]:
    model = window.library_view.model
    return [model.row(r).title for r in range(model.rowCount())]


def settle(window: MainWindow, qloop, expected: list[str], what: str = "the library") -> None:
    qloop.until(lambda: titles(window) == expected, 10, what)


def test_search_as_you_type(main_window: MainWindow, qloop, qtbot, stocked):
    view = main_window.library_view
    assert titles(main_window) == ["red dragon", "Biplane", "Stone castle"]
    qtbot.keyClicks(view.search, "drag")
    settle(main_window, qloop, ["red dragon"], "the search to narrow the list")
    view.search.setText("fierce")  # the prompt is searched too
    settle(main_window, qloop, ["red dragon"])
    view.search.setText("trellis")  # and the model id
    settle(main_window, qloop, ["red dragon"])
    view.search.setText("no such thing")
    qloop.until(lambda: view.empty.isVisible(), 10, "the empty hint")
    assert "Clear the search" in view.empty.text() and not view.views.isVisible()
    view.search.clear()
    settle(main_window, qloop, ["red dragon", "Biplane", "Stone castle"])
    assert view.count_label.text() == "3 item(s)"


def test_filters(main_window: MainWindow, qloop, stocked):
    view = main_window.library_view
    combo = view.model_filter
    data = [combo.itemData(i) for i in range(combo.count())]
    assert "p:scenario" in data and "m:hyper3d:rodin" in data and "m:local:relief" in data
    combo.setCurrentIndex(combo.findData("p:hyper3d"))
    settle(main_window, qloop, ["Biplane"], "the service filter")
    combo.setCurrentIndex(combo.findData("m:local:relief"))
    settle(main_window, qloop, ["Stone castle"], "the model filter")
    combo.setCurrentIndex(0)
    settle(main_window, qloop, ["red dragon", "Biplane", "Stone castle"])
    view.date_filter.setCurrentIndex(view.date_filter.findData(7))  # the items are from 2023
    qloop.until(lambda: view.model.rowCount() == 0 and view.empty.isVisible(), 10, "the date filter")
    view.date_filter.setCurrentIndex(0)
    settle(main_window, qloop, ["red dragon", "Biplane", "Stone castle"])
    view.status_filter.setCurrentIndex(view.status_filter.findData("imported"))
    qloop.until(lambda: view.model.rowCount() == 0, 10, "the status filter")
    view.status_filter.setCurrentIndex(view.status_filter.findData("complete"))
    settle(main_window, qloop, ["red dragon", "Biplane", "Stone castle"])


def test_sort(main_window: MainWindow, qloop, stocked):
    view = main_window.library_view
    view.sort.setCurrentIndex(view.sort.findData("name:asc"))
    settle(main_window, qloop, ["Biplane", "red dragon", "Stone castle"], "name order (ignoring case)")
    view.sort.setCurrentIndex(view.sort.findData("cost:desc"))
    settle(main_window, qloop, ["red dragon", "Biplane", "Stone castle"], "cost order")
    view.sort.setCurrentIndex(view.sort.findData("date:asc"))
    settle(main_window, qloop, ["Stone castle", "Biplane", "red dragon"], "oldest first")
    view.set_list_mode(True)
    assert view.views.currentWidget() is view.table
    view.table.horizontalHeader().sectionClicked.emit(0)  # clicking the Name header sorts by name
    settle(main_window, qloop, ["Biplane", "red dragon", "Stone castle"], "header click")


def test_details_rename_tags_favourite(main_window: MainWindow, qloop, qtbot, stocked):
    view, details = main_window.library_view, main_window.library.details
    castle = stocked["castle"]
    view.select(castle.id)
    qloop.until(lambda: details.item is not None and details.item.id == castle.id, 10, "the details")
    assert "Offline relief" in details.info.text() or "local:relief" in details.info.text()
    assert "model.glb" in details.info.text() and "depth" in details.info.text()
    qloop.until(lambda: details.images.count() >= 1, 10, "the source image")

    details.title.selectAll()
    qtbot.keyClicks(details.title, "Keep")
    qtbot.keyClick(details.title, Qt.Key.Key_Return)
    qloop.until(lambda: main_window.services.library.get(castle.id).title == "Keep", 10, "the rename")
    qloop.until(lambda: "Keep" in titles(main_window), 10, "the new name in the grid")
    assert '"title": "Keep"' in (castle.folder / "item.json").read_text()  # the folder is the truth

    details.tags.setText("print, gift,print")
    qtbot.keyClick(details.tags, Qt.Key.Key_Return)
    qloop.until(lambda: main_window.services.library.get(castle.id).tags == ["print", "gift"], 10, "tags")
    qtbot.mouseClick(details.favorite, Qt.MouseButton.LeftButton)
    qloop.until(lambda: main_window.services.library.get(castle.id).favorite, 10, "the favourite")
    view.favorites.setChecked(True)
    settle(main_window, qloop, ["Keep"], "favourites only")
    view.favorites.setChecked(False)
    view.search.setText("gift")
    settle(main_window, qloop, ["Keep"], "search by tag")


def test_clicking_an_item_shows_it_in_the_preview(main_window: MainWindow, qloop, qtbot, stocked):
    """The preview beside the list follows the item the user picks, as the details do; a reload or the window
    selecting a finished result does not move it, and a multi-selection leaves it alone."""
    view, panel = main_window.library_view, main_window.preview_panel
    castle, dragon = stocked["castle"], stocked["dragon"]
    view.select(castle.id)  # the window selecting an item (a finished job) is not a pick
    qloop.until(lambda: main_window.library.details.item is not None, 10, "the details")
    qloop.run(asyncio.sleep(0.4))
    assert panel.open_id != castle.id
    row = view.model.row_of(dragon.id)
    rect = view.grid.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(view.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qloop.until(lambda: panel.open_id == dragon.id, 10, "the clicked item in the preview")
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_End)  # the keyboard picks too
    last = view.model.id_at(view.model.rowCount() - 1)
    qloop.until(lambda: panel.open_id == last, 10, "the item reached by keys in the preview")
    view.grid.selectAll()
    view.reload()
    qloop.run(asyncio.sleep(0.5))
    assert panel.open_id == last


def test_delete_then_undo(main_window: MainWindow, qloop, qtbot, stocked):
    view, lib = main_window.library_view, main_window.services.library
    dragon = stocked["dragon"]
    view.select(dragon.id)
    qloop.until(lambda: main_window.library.details.item is not None, 10, "the details")
    qtbot.mouseClick(main_window.library.details.buttons["delete"], Qt.MouseButton.LeftButton)
    settle(main_window, qloop, ["Biplane", "Stone castle"], "the item to leave the list")
    assert lib.get(dragon.id) is None and not dragon.folder.exists()
    trashed = list((lib.root / "trash").iterdir())
    assert len(trashed) == 1 and (trashed[0] / "item.json").exists()  # recoverable
    assert view.undo_bar.isVisible() and "Deleted 1 item" in view.undo_bar.label.text()
    qtbot.mouseClick(view.undo_bar.button, Qt.MouseButton.LeftButton)
    settle(main_window, qloop, ["red dragon", "Biplane", "Stone castle"], "the undo")
    assert lib.get(dragon.id).model_path.exists() and not view.undo_bar.isVisible()
    # the item put back is selected and shown: the details and the preview agree
    qloop.until(lambda: view.current_id() == dragon.id and main_window.preview_panel.open_id == dragon.id, 10,
                "the restored item in the details and the preview")


def test_multi_select_delete_and_compare(main_window: MainWindow, qloop, stocked):
    view = main_window.library_view
    compared: list[list[str]] = []
    view.compareRequested.connect(compared.append)
    view.grid.selectAll()
    assert len(view.selected_ids()) == 3
    details = main_window.library.details
    qloop.until(lambda: details.buttons["compare"].isVisibleTo(details), 10, "the several-items details")
    assert details.title.text() == "3 items selected"
    index = view.model.index(0, 0)
    view._context_menu(view.grid, view.grid.visualRect(index).center())
    actions = {a.text(): a for a in view._menu.actions()}
    assert actions["Compare"].isEnabled() and not actions["Export…"].isEnabled()
    actions["Compare"].trigger()
    assert sorted(compared[0]) == sorted(i.id for i in stocked.values())
    view._menu.close()
    actions["Delete 3 item(s)"].trigger()
    qloop.until(lambda: view.empty.isVisible(), 10, "the empty library")
    assert main_window.services.library.count() == 0


def test_rerun_makes_a_new_item(main_window: MainWindow, qloop, qtbot, stocked):
    castle = stocked["castle"]
    main_window.library_view.select(castle.id)
    details = main_window.library.details
    store = main_window.services.store

    async def body() -> None:  # one coroutine: the job, its preview and thumbnail run inside the loop
        await wait_until(lambda: details.item is not None and details.buttons["rerun"].isEnabled(), 10, "details")
        qtbot.mouseClick(details.buttons["rerun"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: bool(store.list()) and store.list()[0].state is JobState.SUCCEEDED, 60, "re-run")
        await wait_until(lambda: main_window.library_view.model.rowCount() == 4, 10, "the new item")
        await wait_until(lambda: main_window.preview.state() == "scene", 30, "the new model in the preview")

    qloop.run(body(), timeout=120)
    job = store.list()[0]
    assert job.model_id == "local:relief" and job.params["depth"] == 0.2 and job.params["detail"] == 96
    assert job.title == "Stone castle" and len(job.inputs) == 1


def test_paid_rerun_is_refused_in_automation_mode(main_window: MainWindow, qloop, stocked):
    main_window.library.rerun(main_window.services.library.get(stocked["biplane"].id))
    qloop.until(lambda: "automation" in main_window.statusBar().currentMessage(), 5, "the refusal")
    assert main_window.services.store.list() == []
    for box in QApplication.topLevelWidgets():
        if box.isVisible() and box is not main_window:
            box.close()


def test_rerun_with_edits_fills_the_form(main_window: MainWindow, qloop, qtbot, stocked, fixture_images):
    castle = stocked["castle"]
    saved = {"local:relief": {"depth": 0.3, "detail": 120}}
    main_window.services.settings.last_params = {k: dict(v) for k, v in saved.items()}
    main_window.workspaces.show(main_window.workspaces.LIBRARY)
    main_window.library_view.select(castle.id)
    details = main_window.library.details
    qloop.until(lambda: details.item is not None and details.buttons["edit"].isEnabled(), 10, "the details")
    qtbot.mouseClick(details.buttons["edit"], Qt.MouseButton.LeftButton)
    qloop.until(lambda: main_window.drop_zone.paths() and main_window.generate_button.isEnabled(), 20,
                "the form to be ready")
    assert main_window.current_model_id() == "local:relief"
    assert main_window.workspaces.current() == main_window.workspaces.CREATE  # where the form is
    assert [p.name for p in main_window.drop_zone.paths()] == ["01-input.png"]
    values = main_window.form.values()
    assert values["depth"] == 0.2 and values["detail"] == 96
    # A prefill is a call on the generate panel, not a write to the saved settings.
    assert main_window.services.settings.last_params == saved


def test_import_from_disk(main_window: MainWindow, qloop, tmp_path):
    model = tmp_path / "my_vase.glb"
    model.write_bytes(make_glb())

    async def body() -> LibraryItem:  # one coroutine: import, preview and thumbnail all inside the loop
        items = await main_window.library.import_models([model])
        await wait_until(lambda: titles(main_window) == ["my vase"], 20, "the imported item")
        await wait_until(lambda: main_window.preview.state() == "scene", 30, "the preview of the import")
        await wait_until(lambda: items[0].thumbnail_path.exists(), 10, "a rendered thumbnail")
        return items[0]

    item = qloop.run(body())
    assert item.status == "imported" and item.model_path.read_bytes() == model.read_bytes()


def test_move_library_from_settings(main_window: MainWindow, qloop, qtbot, stocked, tmp_path):
    from desktop_app.core.settings import load_settings
    from desktop_app.ui.library.folder_setting import LibraryFolderWidget

    services = main_window.services
    old_root = services.library.root
    widget = LibraryFolderWidget(services)
    qtbot.addWidget(widget)
    dest = tmp_path / "bigger-disk" / "Meshwright library"
    widget.move_to(dest)
    qloop.until(lambda: not widget.message.isHidden() and services.library.root == dest.resolve(), 20, "the move")
    assert "kept" in widget.message.text() and widget.path.text() == str(dest.resolve())
    assert load_settings(services.paths).library_dir == str(dest.resolve())
    assert (old_root / "items" / stocked["castle"].id / "item.json").exists()  # nothing removed
    qloop.until(lambda: main_window.library_view.model.rowCount() == 3, 10, "the view to list the new folder")
    first = main_window.library_view.model.row(0).id
    assert services.library.get(first).model_path.is_relative_to(dest.resolve())

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    widget.move_to(busy)  # not empty: refused with a message, nothing changes
    qloop.until(lambda: "empty folder" in widget.message.text(), 10, "the refusal")
    assert services.library.root == dest.resolve()
