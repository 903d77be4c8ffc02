"""The Library workspace is built after the first frame or on first use (issue 16: start-up time). Whatever reaches
it first, the View menu's Library item (Ctrl+2), a File menu item or a caller, finds it working, with what the
window learnt before it existed: the model names, the item the preview shows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from desktop_app.ui.main_layout import Workspaces
from desktop_app.ui.main_window import MainWindow
from tests.ui.test_library_gui import add


def menu_action(window: MainWindow, menu: str, text: str) -> QAction:
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for action in top.menu().actions():
                if action.text().replace("&", "").rstrip("…") == text:
                    return action
    raise AssertionError(f"no {menu} › {text} menu item")


@pytest.fixture
def unstarted(qtbot, qloop, services_factory) -> Iterator[MainWindow]:
    """The window as the app shows it, before ``start`` (which builds the Library after the first frame)."""
    window = MainWindow(services_factory(), automation=True)
    window.show()
    qtbot.waitExposed(window)
    yield window
    for box in QApplication.topLevelWidgets():
        if box.isVisible() and box is not window:
            box.close()
    qloop.run(window.shutdown())
    window.hide()
    window.deleteLater()
    qloop.run(asyncio.sleep(0.05))


def test_the_window_shows_before_the_library_is_built(unstarted: MainWindow, qloop) -> None:
    assert not unstarted.library_built()
    assert unstarted.workspaces.tabs.tabText(Workspaces.LIBRARY).replace("&", "") == "Library"  # the tab is there
    qloop.run(unstarted.start())
    assert unstarted.library_built()  # start (after the first frame) builds it before anything fills it
    assert unstarted.library_view.model.model_names  # and the model list reached it


def test_view_library_builds_it_with_the_models_and_item_seen_before(unstarted: MainWindow, qloop, qtbot,
                                                                     tmp_path, fixture_images) -> None:
    window = unstarted
    castle = add(window.services.library, tmp_path, "Stone castle", fixture_images / "typical_building_castle.png")
    qloop.run(window.load_models())  # the bus carries the model list while the Library does not exist yet
    window.bus.itemOpened.emit(castle)  # and the preview reports the item it opened
    assert not window.library_built()

    library = menu_action(window, "View", "Library")
    assert library.shortcut().toString() == "Ctrl+2"
    # Triggered as the menu or its shortcut does (a key click would need the window activated, and under Xvfb
    # with no window manager that activation outlives this test and upsets the next ones).
    library.trigger()
    assert window.library_built()
    assert window.workspaces.current() == Workspaces.LIBRARY
    qtbot.waitUntil(window.library_view.isVisible, timeout=3000)
    assert window.library_panel.parentWidget() is window.workspaces.library_page

    view = window.library_view
    assert view.model.model_names.get("local:relief") == "Offline relief"  # names, not raw ids
    view.reload()
    qloop.until(lambda: view.model.rowCount() == 1, 10, "the library listed")
    qloop.until(lambda: view.current_id() == castle.id, 10, "the opened item selected")
    details = window.library.details
    qloop.until(lambda: details.item is not None and details.item.id == castle.id, 10, "its details")
    assert "Offline relief" in details.info.text()

    menu_action(window, "View", "Create").trigger()
    menu_action(window, "View", "Library").trigger()  # a second switch keeps the same workspace
    assert window.library_view is view


def test_file_menu_items_build_the_library_on_demand(unstarted: MainWindow, qloop) -> None:
    window = unstarted
    assert not window.library_built()
    menu_action(window, "File", "Library trash").trigger()
    assert window.library_built()
    dialog = window.library.trash_dialog
    assert dialog.isVisible()
    qloop.until(lambda: dialog.empty.isVisible(), 10, "the empty trash said")
    dialog.close()
    # The menu items are the library's own from then on (what its actions and tests reach).
    assert window.library.trash_action is menu_action(window, "File", "Library trash")
    assert window.library.import_action.shortcut().toString() == "Ctrl+I"
    menu_action(window, "File", "Export model").trigger()  # nothing selected: nothing happens, nothing fails
    assert window.workspaces.current() == Workspaces.CREATE  # a menu item does not switch the workspace


def test_a_job_finished_before_the_library_is_built_still_reaches_it(unstarted: MainWindow, qloop, tmp_path,
                                                                      fixture_images) -> None:
    """A caller that submits work without ``start``: the finished job builds the Library, which files it (its
    libraryChanged reloads the views) and thumbnails it, as when it had been listening."""
    from desktop_app.core.jobs.store import Job, JobState

    window = unstarted
    item = add(window.services.library, tmp_path, "Biplane", fixture_images / "typical_vehicle_biplane.png")
    changed: list[bool] = []
    window.bus.libraryChanged.connect(lambda: changed.append(True))
    window.bus.jobChanged.emit(Job(id="j1", model_id="local:relief", state=JobState.SUCCEEDED, item_id=item.id))
    assert window.library_built() and changed == [True]  # once: the new panel missed this signal, it is handed on
    view = window.library_view
    qloop.until(lambda: view.model.rowCount() == 1, 10, "the item listed")
    qloop.until(lambda: window.services.library.get(item.id).thumbnail_path.is_file(), 30, "its thumbnail")
