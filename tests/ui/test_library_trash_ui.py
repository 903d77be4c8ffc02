"""The Library trash dialog in the real window: deleted items are listed, Restore puts one back (and selects
it), Delete permanently asks first and then removes the files; Cancel keeps them. Each test runs as one
coroutine, so no worker result arrives while the loop is stopped."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from shiboken6 import isValid

from desktop_app.ui.main_window import MainWindow
from tests.ui.conftest import wait_until
from tests.ui.test_library_gui import stocked, titles  # noqa: F401  (stocked is a fixture)


def _row(dialog, title: str):
    return next(dialog.list.topLevelItem(n) for n in range(dialog.list.topLevelItemCount())
                if dialog.list.topLevelItem(n).text(0) == title)


def test_trash_restore_and_delete_permanently(main_window: MainWindow, qloop, qtbot, stocked):  # noqa: F811
    view, lib, controller = main_window.library_view, main_window.services.library, main_window.library
    dragon, castle = stocked["dragon"], stocked["castle"]

    async def scenario() -> None:
        view.select(dragon.id)
        view.select_ids([castle.id])
        controller.delete(view.selected_ids())
        await wait_until(lambda: titles(main_window) == ["Biplane"], 10, "the deleted items to leave the list")
        assert "Library trash" in view.undo_bar.label.text()

        controller.trash_action.trigger()  # File ▸ Library trash…
        dialog = controller.trash_dialog
        assert not view.undo_bar.isVisible()  # the dialog handles those items now
        await wait_until(lambda: dialog.list.topLevelItemCount() == 2, 10, "the trash listing")
        assert dialog.isVisible() and not dialog.empty.isVisible()
        assert sorted(e.title for e in dialog.entries()) == ["Stone castle", "red dragon"]
        assert dialog.summary.text().startswith("2 item(s), ")

        dialog.list.setCurrentItem(_row(dialog, "red dragon"))
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: titles(main_window) == ["red dragon", "Biplane"], 10, "the restored item")
        await wait_until(lambda: view.current_id() == dragon.id, 5, "the restored item selected")
        await wait_until(lambda: main_window.preview_panel.open_id == dragon.id, 10, "the restored item shown")
        await wait_until(lambda: dialog.list.topLevelItemCount() == 1, 10, "the trash to shrink")
        assert lib.get(dragon.id).model_path.is_file()

        castle_folder = dialog.entries()[0].path
        dialog.list.setCurrentItem(_row(dialog, "Stone castle"))
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
        question = dialog.question
        assert "cannot be undone" in question.text() and "Stone castle" in question.text()
        qtbot.mouseClick(question.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
        await wait_until(lambda: not isValid(question) or not question.isVisible(), 5, "the question to close")
        assert castle_folder.is_dir() and dialog.list.topLevelItemCount() == 1  # Cancel keeps it

        qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        await wait_until(lambda: dialog.empty.isVisible(), 10, "the empty trash")
        assert not castle_folder.exists() and not dialog.list.isVisible()
        assert "The trash is empty" in dialog.empty.text() and not dialog.empty_button.isEnabled()
        assert [r.title for r in lib.rows()] == ["red dragon", "Biplane"]  # the library itself is untouched
        dialog.close()

    qloop.run(scenario())


def test_restoring_over_a_live_item_says_why(main_window: MainWindow, qloop, qtbot, stocked):  # noqa: F811
    lib, controller = main_window.services.library, main_window.library
    castle = stocked["castle"]
    trashed = lib.delete(castle.id)
    shutil.copytree(trashed, lib.items_dir / castle.id)  # the same item is back in the library meanwhile
    lib.rebuild_index()

    async def scenario() -> None:
        controller.show_trash()
        dialog = controller.trash_dialog
        await wait_until(lambda: dialog.list.topLevelItemCount() == 1, 10, "the trash listing")
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: dialog.message.isVisible(), 10, "the explanation")
        assert "already in the library" in dialog.message.text() and trashed.is_dir()
        assert dialog.list.topLevelItemCount() == 1
        dialog.close()

    qloop.run(scenario())
