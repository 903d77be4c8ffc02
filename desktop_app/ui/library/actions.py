"""What the library does when asked from its view or its details: show details, rename, tags, favourite, delete
and undo, re-run, re-run with edits, export, print, import, reveal. Every library read and write runs in a worker.

Deleting moves items into the library's own trash at once (so Undo is instant and certain). They stay there,
listed in the Library trash dialog (File menu), until the user restores them or deletes them permanently;
nothing is written outside the library folder.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop_app import APP_NAME
from desktop_app.core.library.files import import_model
from desktop_app.core.library.store import LibraryItem
from desktop_app.core.library.versions import current_version, version_entry
from desktop_app.core.mesh.formats import PREVIEW_FORMATS, name_filter
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.edit_with_menu import refine_models
from desktop_app.ui.library.details import LibraryDetails
from desktop_app.ui.library.export_dialog import ExportDialog
from desktop_app.ui.library.thumbnails import ThumbnailMaker
from desktop_app.ui.library.trash_dialog import TrashDialog
from desktop_app.ui.library.view import LibraryView
from desktop_app.ui.tasks import Op, blocking, spawn

log = logging.getLogger(__name__)
UNDO_SECONDS = 15


class LibraryActions(QObject):
    editRequested = Signal(str, list, dict)  # model id, input images, settings: "Re-run with edits"

    def __init__(self, services: Services, bus: AppBus, view: LibraryView, details: LibraryDetails,
                 thumbnails: ThumbnailMaker, *, automation: bool, parent: QWidget) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.automation = automation
        self.library = services.library
        self.view = view
        self.details = details
        self.thumbnails = thumbnails
        self.parent_widget = parent  # dialogs open over the top-level window it is in
        self.model_names: dict[str, str] = {}
        self._trashed: list[Path] = []
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self._end_undo_offer)
        self._latest = f"library-details-{id(self)}"  # the newest selection's details win

        self.view.currentChanged.connect(lambda _id: self._show_selection())
        self.view.selectionChanged.connect(lambda _ids: self._show_selection())
        self.view.deleteRequested.connect(self.delete)
        self.view.exportRequested.connect(self.export)
        self.view.importRequested.connect(self.choose_import)
        self.view.undo_bar.undo.connect(self.undo_delete)
        self.details.openRequested.connect(bus.openItem)
        self.details.openFileRequested.connect(bus.openItemFile)
        self.details.compareFilesRequested.connect(bus.compareItems)
        self.details.rerunRequested.connect(self.rerun)
        self.details.editRequested.connect(self.edit)
        self.details.exportRequested.connect(self.export)
        self.details.printRequested.connect(self.print_item)
        self.details.refineRequested.connect(bus.editWith)
        bus.modelsChanged.connect(self.set_models)
        self.details.revealRequested.connect(self.reveal)
        self.details.deleteRequested.connect(self.delete)
        self.details.compareRequested.connect(self.view.compareRequested)
        self.details.changeRequested.connect(self.change)
        bus.libraryChanged.connect(self.refresh_printability)

    def adopt_menu_actions(self, import_action: QAction, export_action: QAction, trash_action: QAction) -> None:
        """File › Import, Export and Library trash: the window makes them (they work before the Library workspace
        is built, see ui/main_layout.py) and they call ``choose_import``, ``export_current`` and ``show_trash``."""
        self.import_action, self.export_action, self.trash_action = import_action, export_action, trash_action

    def export_current(self) -> None:
        if self.view.current_id():
            self.export(self.view.current_id())

    def set_models(self, models: list) -> None:
        """The models listed now: the details offer those that take a 3D model as input ("Edit with…")."""
        self.details.set_refine_models(refine_models(models))

    # --- details ----------------------------------------------------------------------------------------

    def _show_selection(self) -> None:
        ids = self.view.selected_ids()
        current = self.view.current_id()
        if len(ids) <= 1:
            ids = [current] if current else ids
        (Op(self._read_one, ids).latest(self._latest).owner(self.details)
         .success(lambda item: self._show_details(ids, item))
         .failure(self.bus.error).named("library details").run())

    def _read_one(self, ids: list[str]) -> LibraryItem | None:
        return self.library.get(ids[0]) if len(ids) == 1 else None

    def _show_details(self, ids: list[str], item: LibraryItem | None) -> None:
        self.details.show_selection(ids if len(ids) != 1 or item else [], item)

    def refresh_printability(self) -> None:
        """The library changed (a repair may have added a copy): read the shown item again, check it again."""
        item = self.details.item
        if item is None:
            return

        async def work() -> None:
            fresh = await blocking(self.library.get, item.id)
            if fresh is not None and [f.name for f in fresh.files] != [f.name for f in item.files]:
                self.details.refresh(fresh)  # a repaired copy or a new version

        spawn(work(), self.bus.error, name="printability refresh")

    def change(self, item_id: str, changes: dict[str, Any]) -> None:
        async def work() -> None:
            await blocking(self.library.update, item_id, **changes)
            self.bus.libraryChanged.emit()

        spawn(work(), self.bus.error, name="library change")

    # --- delete and undo --------------------------------------------------------------------------------

    def delete(self, ids: list[str]) -> None:
        if ids:
            spawn(self._delete(list(ids)), self.bus.error, name="library delete")

    async def _delete(self, ids: list[str]) -> None:
        self._end_undo_offer()  # an earlier delete can no longer be undone
        trashed = []
        for item_id in ids:
            path = await blocking(self.library.delete, item_id)
            if path is not None:
                trashed.append(path)
        self._trashed = trashed
        self.bus.libraryChanged.emit()
        self.view.undo_bar.show_message(self.tr("Deleted %n item(s). Later, File ▸ Library trash… restores them.", "",
                                                len(ids)))
        self._undo_timer.start()

    def undo_delete(self) -> None:
        trashed, self._trashed = self._trashed, []
        self._undo_timer.stop()
        self.view.undo_bar.hide()

        async def work() -> None:
            restored = [await blocking(self.library.restore, path) for path in trashed]
            self.bus.libraryChanged.emit()
            if restored:  # selected and shown, as an import is: the details and the preview agree
                self.view.select(restored[0].id)
                self.bus.openItem.emit(restored[0])
            self.bus.status(self.tr("Restored %n item(s).", "", len(restored)), 5000)

        spawn(work(), self.bus.error, name="library undo")

    def _end_undo_offer(self) -> None:
        """The Undo offer ends; the items stay in the library's trash (see the Library trash dialog)."""
        self._trashed = []
        self._undo_timer.stop()
        self.view.undo_bar.hide()

    def show_trash(self) -> None:
        # The dialog restores and deletes those same folders: an Undo offered beside it could point at nothing.
        self._end_undo_offer()
        dialog = TrashDialog(self.library, dict(self.model_names), self.parent_widget.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restored.connect(self._restored_from_trash)
        self.trash_dialog = dialog
        dialog.open()
        dialog.reload()

    def _restored_from_trash(self, ids: list[str]) -> None:
        async def work() -> None:
            await self.view.refresh()
            self.view.select(ids[0])
            self.bus.showItem.emit(ids[0])  # and shown: the details and the preview agree
            self.bus.status(self.tr("Restored %n item(s).", "", len(ids)), 5000)

        spawn(work(), self.bus.error, name="show restored items")

    # --- re-run -----------------------------------------------------------------------------------------

    def _inputs(self, item: LibraryItem) -> list[Path]:
        return [p for p in (item.inside(name) for name in item.inputs) if p is not None]

    def rerun(self, item: LibraryItem) -> None:
        try:
            provider = self.services.registry.provider_for(item.model_id)
        except Exception as exc:
            self.bus.error(str(exc))
            return
        paid = provider.paid
        if paid and self.automation:
            self.bus.error(self.tr("Paid models are disabled in automation mode."))
            return
        if not paid:
            self._start_rerun(item)
            return
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                          self.tr("Run “%1” again with %2? This uses credits again.")
                          .replace("%1", item.title).replace("%2", self.model_names.get(item.model_id,
                                                                                        item.model_id)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self.parent_widget.window())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self._start_rerun(item))
        self._question = box
        box.open()

    def _start_rerun(self, item: LibraryItem) -> None:
        async def work() -> None:
            scheduler = self.services.scheduler
            job = await scheduler.create_job(item.model_id, self._inputs(item), dict(item.params), title=item.title)
            self.bus.jobStarted.emit(job.id)
            scheduler.start(job.id)
            self.bus.status(self.tr("Started again: %1").replace("%1", item.title), 5000)

        spawn(work(), self.bus.error, name="re-run")

    def edit(self, item: LibraryItem) -> None:
        """Ask for the item's images and parameters in the form; the user changes them and presses Generate.
        The shell hands them to the generate panel (``prefill``); the saved settings are left alone."""

        async def work() -> None:
            images = await blocking(lambda: [p for p in self._inputs(item) if p.exists()])
            self.editRequested.emit(item.model_id, images, dict(item.params))

        spawn(work(), self.bus.error, name="re-run with edits")

    # --- files ------------------------------------------------------------------------------------------

    def export(self, item_id: str, version: int = 0) -> None:
        """The export dialog on the item's newest model, or on ``version`` when one is picked in its details."""

        async def work() -> None:
            item = await blocking(self.library.get, item_id)
            if item is not None and version:
                item = _as_version(item, version)
            if item is None or item.model_path is None:
                self.bus.error(self.tr("This item has no model file to export."))
                return
            dialog = ExportDialog(item, self.parent_widget.window())
            dialog.exported.connect(lambda paths: self.bus.status(
                self.tr("Exported %1").replace("%1", ", ".join(Path(p).name for p in paths)), 8000))
            self.export_dialog = dialog
            dialog.open()

        spawn(work(), self.bus.error, name="export dialog")

    def print_item(self, item_id: str) -> None:
        async def work() -> None:
            item = await blocking(self.library.get, item_id)
            if item is None or item.model_path is None:
                self.bus.error(self.tr("This item has no model file to print."))
                return
            from desktop_app.ui.library.print_dialog import PrintDialog

            dialog = PrintDialog(item, self.library, self.parent_widget.window())
            # a repair keeps a new "print" copy in the item: views and the printability verdicts show it
            dialog.finished.connect(lambda _result: dialog.kept_name and self.bus.libraryChanged.emit())
            self.print_dialog = dialog
            dialog.open()

        spawn(work(), self.bus.error, name="print dialog")

    def reveal(self, item: LibraryItem, folder: Path | None = None) -> None:
        """The item's folder, or the folder of one of its versions (``versions/vN``)."""
        target = folder or item.folder
        if target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    def choose_import(self) -> None:
        dialog = QFileDialog(self.parent_widget.window(), self.tr("Import models into the library"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(self.tr("3D models (%1)").replace("%1", name_filter(PREVIEW_FORMATS)))
        dialog.filesSelected.connect(lambda names: self.import_files([Path(n) for n in names]))
        self._file_dialog = dialog
        dialog.open()

    def import_files(self, paths: list[Path]) -> None:
        spawn(self.import_models(paths), self.bus.error, name="import models")

    async def import_models(self, paths: list[Path]) -> list[LibraryItem]:
        """Copy model files into the library (in a worker), give each its thumbnail and show the last."""
        items = []
        try:
            for path in paths:
                self.bus.status(self.tr("Importing %1…").replace("%1", path.name), 0)
                items.append(await blocking(import_model, self.library, path))
        finally:
            self.bus.libraryChanged.emit()  # what was imported before a failure is shown
        for item in items:
            self.thumbnails.request(item.id)  # from its own file, as for a generated model
        if items:
            self.view.select(items[-1].id)
            self.bus.openItem.emit(items[-1])
        self.bus.status(self.tr("Imported %n model(s).", "", len(items)), 5000)
        return items


def _as_version(item: LibraryItem, number: int) -> LibraryItem | None:
    """``item`` as if version ``number`` were its model (what Export writes), named after that version."""
    try:
        entry = version_entry(item, number)
    except KeyError:
        return None
    if number == current_version(item):
        return item
    return replace(item, model_file=str(entry.get("model_file") or ""), title=f"{item.title} v{number}")
