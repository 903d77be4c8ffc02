"""What the library does when asked from the main window: details, rename, tags, favourite, delete and undo,
re-run, re-run with edits, export, import, reveal. Every library read and write runs in a worker.

Deleting moves items into the library's own trash at once (so Undo is instant and certain). They stay there,
listed in the Library trash dialog (File menu), until the user restores them or deletes them permanently;
nothing is written outside the library folder.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from desktop_app import APP_NAME
from desktop_app.core.library import LibraryItem
from desktop_app.core.library_files import import_model
from desktop_app.ui.library_details import LibraryDetails
from desktop_app.ui.library_export import ExportDialog
from desktop_app.ui.library_trash import TrashDialog
from desktop_app.ui.tasks import spawn

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
UNDO_SECONDS = 15


class LibraryController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.library = window.services.library
        self.view = window.library_view
        self.details = LibraryDetails()
        self.view.model.model_names = window._model_names  # the same dict, filled when models load
        self.details.model_names = window._model_names
        self._trashed: list[Path] = []
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self._end_undo_offer)
        self._token = 0

        self.view.currentChanged.connect(lambda _id: self._show_selection())
        self.view.selectionChanged.connect(lambda _ids: self._show_selection())
        self.view.deleteRequested.connect(self.delete)
        self.view.exportRequested.connect(self.export)
        self.view.importRequested.connect(self.choose_import)
        self.view.undo_bar.undo.connect(self.undo_delete)
        self.details.openRequested.connect(window.open_item)
        self.details.rerunRequested.connect(self.rerun)
        self.details.editRequested.connect(self.edit)
        self.details.exportRequested.connect(self.export)
        self.details.revealRequested.connect(self.reveal)
        self.details.deleteRequested.connect(self.delete)
        self.details.compareRequested.connect(self.view.compareRequested)
        self.details.changeRequested.connect(self.change)
        window.modelsLoaded.connect(self.view.reload)  # model names replace raw ids in the filter menu

    def add_menu_actions(self, menu: QMenu) -> None:
        self.import_action = QAction(self.tr("&Import model into library…"), self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.choose_import)
        self.export_action = QAction(self.tr("&Export model…"), self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(lambda: self.view.current_id() and self.export(self.view.current_id()))
        self.trash_action = QAction(self.tr("Library &trash…"), self)
        self.trash_action.setToolTip(self.tr("Restore deleted items, or delete them permanently"))
        self.trash_action.triggered.connect(self.show_trash)
        menu.addAction(self.import_action)
        menu.addAction(self.export_action)
        menu.addAction(self.trash_action)

    # --- details ----------------------------------------------------------------------------------------

    def _show_selection(self) -> None:
        ids = self.view.selected_ids()
        current = self.view.current_id()
        if len(ids) <= 1:
            ids = [current] if current else ids
        self._token += 1
        spawn(self._load_details(self._token, ids), self.window._show_error, name="library details")

    async def _load_details(self, token: int, ids: list[str]) -> None:
        item = await asyncio.to_thread(self.library.get, ids[0]) if len(ids) == 1 else None
        if token == self._token:
            self.details.show_selection(ids if len(ids) != 1 or item else [], item)

    def change(self, item_id: str, changes: dict[str, Any]) -> None:
        async def work() -> None:
            await asyncio.to_thread(self.library.update, item_id, **changes)
            self.view.reload()

        spawn(work(), self.window._show_error, name="library change")

    # --- delete and undo --------------------------------------------------------------------------------

    def delete(self, ids: list[str]) -> None:
        if ids:
            spawn(self._delete(list(ids)), self.window._show_error, name="library delete")

    async def _delete(self, ids: list[str]) -> None:
        self._end_undo_offer()  # an earlier delete can no longer be undone
        trashed = []
        for item_id in ids:
            path = await asyncio.to_thread(self.library.delete, item_id)
            if path is not None:
                trashed.append(path)
        self._trashed = trashed
        self.view.reload()
        self.view.undo_bar.show_message(self.tr("Deleted %n item(s). Later, File ▸ Library trash… restores them.", "",
                                                len(ids)))
        self._undo_timer.start()

    def undo_delete(self) -> None:
        trashed, self._trashed = self._trashed, []
        self._undo_timer.stop()
        self.view.undo_bar.hide()

        async def work() -> None:
            restored = [await asyncio.to_thread(self.library.restore, path) for path in trashed]
            self.view.reload()
            if restored:
                self.view.select(restored[0].id)
            self.window.statusBar().showMessage(self.tr("Restored %n item(s).", "", len(restored)), 5000)

        spawn(work(), self.window._show_error, name="library undo")

    def _end_undo_offer(self) -> None:
        """The Undo offer ends; the items stay in the library's trash (see the Library trash dialog)."""
        self._trashed = []
        self._undo_timer.stop()
        self.view.undo_bar.hide()

    def show_trash(self) -> None:
        # The dialog restores and deletes those same folders: an Undo offered beside it could point at nothing.
        self._end_undo_offer()
        dialog = TrashDialog(self.library, self.window._model_names, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restored.connect(self._restored_from_trash)
        self.trash_dialog = dialog
        dialog.open()
        dialog.reload()

    def _restored_from_trash(self, ids: list[str]) -> None:
        async def work() -> None:
            await self.view.refresh()
            self.view.select(ids[0])
            self.window.statusBar().showMessage(self.tr("Restored %n item(s).", "", len(ids)), 5000)

        spawn(work(), self.window._show_error, name="show restored items")

    # --- re-run -----------------------------------------------------------------------------------------

    def _inputs(self, item: LibraryItem) -> list[Path]:
        return [p for p in (item.inside(name) for name in item.inputs) if p is not None]

    def rerun(self, item: LibraryItem) -> None:
        window = self.window
        try:
            provider = window.services.registry.provider_for(item.model_id)
        except Exception as exc:
            window._show_error(str(exc))
            return
        paid = getattr(provider, "paid", True)
        if paid and window.automation:
            window._show_error(self.tr("Paid models are disabled in automation mode."))
            return
        if not paid:
            self._start_rerun(item)
            return
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                          self.tr("Run “%1” again with %2? This uses credits again.")
                          .replace("%1", item.title).replace("%2", window._model_names.get(item.model_id,
                                                                                           item.model_id)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self._start_rerun(item))
        self._question = box
        box.open()

    def _start_rerun(self, item: LibraryItem) -> None:
        async def work() -> None:
            scheduler = self.window.services.scheduler
            job = await scheduler.create_job(item.model_id, self._inputs(item), dict(item.params), title=item.title)
            self.window.queue.select(job.id)
            scheduler.start(job.id)
            self.window.statusBar().showMessage(self.tr("Started again: %1").replace("%1", item.title), 5000)

        spawn(work(), self.window._show_error, name="re-run")

    def edit(self, item: LibraryItem) -> None:
        """Put the item's images and parameters back into the form; the user changes them and presses Generate."""
        window = self.window
        index = window.model_combo.findData(item.model_id)
        if index < 0:
            window._show_error(self.tr("The model this item was made with is not available now."))
            return
        # The form takes a model's remembered values when its schema loads: remember this item's.
        window.services.settings.last_params[item.model_id] = dict(item.params)
        window.drop_zone.clear()
        window.drop_zone.add_paths([p for p in self._inputs(item) if p.exists()])
        if window.model_combo.currentIndex() == index:
            window._on_model_changed(index)
        else:
            window.model_combo.setCurrentIndex(index)
        window.statusBar().showMessage(self.tr("Images and settings of “%1” are in the form: change them and "
                                               "press Generate.").replace("%1", item.title), 8000)

    # --- files ------------------------------------------------------------------------------------------

    def export(self, item_id: str) -> None:
        async def work() -> None:
            item = await asyncio.to_thread(self.library.get, item_id)
            if item is None or item.model_path is None:
                self.window._show_error(self.tr("This item has no model file to export."))
                return
            dialog = ExportDialog(item, self.window)
            dialog.exported.connect(lambda paths: self.window.statusBar().showMessage(
                self.tr("Exported %1").replace("%1", ", ".join(Path(p).name for p in paths)), 8000))
            self.export_dialog = dialog
            dialog.open()

        spawn(work(), self.window._show_error, name="export dialog")

    def reveal(self, item: LibraryItem) -> None:
        if item.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(item.folder)))

    def choose_import(self) -> None:
        dialog = QFileDialog(self.window, self.tr("Import models into the library"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(self.tr("3D models (*.glb *.gltf *.obj *.stl *.ply)"))
        dialog.filesSelected.connect(lambda names: self.import_files([Path(n) for n in names]))
        self._file_dialog = dialog
        dialog.open()

    def import_files(self, paths: list[Path]) -> None:
        spawn(self._import(paths), self.window._show_error, name="import models")

    async def _import(self, paths: list[Path]) -> list[LibraryItem]:
        items = []
        try:
            for path in paths:
                self.window.statusBar().showMessage(self.tr("Importing %1…").replace("%1", path.name))
                items.append(await asyncio.to_thread(import_model, self.library, path))
        finally:
            self.view.reload()  # what was imported before a failure is shown
        if items:
            self.view.select(items[-1].id)
            # Opening it renders its thumbnail, as for a generated model.
            await self.window._show_item(items[-1].id, thumbnail=True)
        self.window.statusBar().showMessage(self.tr("Imported %n model(s).", "", len(items)), 5000)
        return items
