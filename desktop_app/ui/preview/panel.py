"""The preview panel: the 3D view in the window, and the Compare window beside it.

It shows what the bus asks for (a library item, an item by id, models side by side) and tells the bus which
item it now shows. Opening by id reads the item in a worker; the newest request wins.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from desktop_app.core.jobs.store import Job, JobState
from desktop_app.core.library.store import LibraryItem
from desktop_app.core.library.versions import version_of_path
from desktop_app.core.mesh.formats import PREVIEW_FORMATS, UNPREVIEWABLE, name_filter
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.edit_with_menu import popup_edit_with, refine_models
from desktop_app.ui.preview.background_setting import bind_background_setting, bind_light_setting
from desktop_app.ui.preview.viewer import PreviewWidget
from desktop_app.ui.tasks import Op, blocking, supersede

if TYPE_CHECKING:  # the compare window is imported when first opened
    from desktop_app.ui.preview.compare import CompareWindow


class PreviewPanel(QObject):
    fileOpened = Signal(str)  # a model file opened from disk, outside the library

    def __init__(self, services: Services, bus: AppBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.widget = PreviewWidget()
        self.compare_window: CompareWindow | None = None
        self.open_id = ""
        self.shown_path: Path | None = None  # the file shown: the item's newest model, a version or a part
        self.shown_version = 0  # the version of the item shown (0: its newest)
        self._latest = f"preview-{id(self)}"  # the newest item asked for wins
        bind_background_setting(self.widget, services)
        bind_light_setting(self.widget, services)
        bus.openItem.connect(self.open_item)
        bus.showItem.connect(self.show_item)
        bus.compareItems.connect(self.open_compare)
        bus.openItemFile.connect(self.open_item_file)
        bus.jobChanged.connect(self._on_job_changed)
        self._add_edit_with(bus)

    def _add_edit_with(self, bus: AppBus) -> None:
        """"Edit with…" on the toolbar, for the library item shown (the same menu as the library details)."""
        self.refine_models: list[tuple[str, str]] = []
        self.edit_with_menu = QMenu(self.widget)
        self.edit_with_button = button = QToolButton(self.widget.toolbar)
        button.setObjectName("previewEditWith")
        button.setText(self.tr("Edit with…"))
        button.setToolTip(self.tr("Send the library item shown to a model that remeshes, retextures, rigs or "
                                  "splits it; the result becomes a new version of the item"))
        button.clicked.connect(self._show_edit_with)
        toolbar = self.widget.toolbar
        first = toolbar.actions()[0] if toolbar.actions() else None
        # First, not last: at 1366 px the toolbar overflows and its end folds into the » menu.
        toolbar.insertWidget(first, button)
        toolbar.insertSeparator(first)
        bus.modelsChanged.connect(self._on_models)
        self._update_edit_with()

    def _on_models(self, models: list) -> None:
        self.refine_models = refine_models(models)
        self._update_edit_with()

    def _update_edit_with(self) -> None:
        self.edit_with_button.setEnabled(bool(self.open_id and self.refine_models))

    def _show_edit_with(self) -> None:
        if self.open_id and self.refine_models:
            button = self.edit_with_button
            popup_edit_with(self.edit_with_menu, self.refine_models, self.open_id, self.shown_version,
                            self.bus.editWith.emit,
                            button.mapToGlobal(button.rect().bottomLeft()))

    def open_item(self, item: LibraryItem) -> None:
        self.open_item_file(item, None)

    def open_item_file(self, item: LibraryItem, path: Path | None) -> None:
        """Show ``path`` (one of the item's versions or parts), or the item's newest model when None."""
        supersede(self._latest)  # an older "show by id" still reading must not replace this
        self.open_id = item.id
        self.shown_path = path or item.model_path
        # What "Edit with…" refines: the version shown (a part's own version), the newest when shown by id.
        self.shown_version = version_of_path(item, path) if path is not None else 0
        if self.shown_path is None:
            self.widget.show_error(self.tr("This item has no model file the preview can show."))
        else:
            self.widget.open_file(self.shown_path)
        self._update_edit_with()
        self.bus.itemOpened.emit(item)

    def show_item(self, item_id: str) -> None:
        """Open the item with this id, unless it is already shown (read off the GUI thread)."""
        if item_id and item_id != self.open_id:
            self._show(item_id)

    def _show(self, item_id: str) -> Op:
        """Read the item in a worker, then open it unless a newer request came meanwhile."""
        return (Op(blocking, self.services.library.get, item_id).latest(self._latest).success(self._read)
                .failure(self.bus.error).named("show item").run())

    def _read(self, item: LibraryItem | None) -> None:
        if item is not None:
            self.open_item(item)

    async def show_result(self, item_id: str) -> None:
        """A finished job's item replaces whatever was asked for before."""
        task = self._show(item_id).task
        assert task is not None
        await asyncio.wait([task])

    def _on_job_changed(self, job: Job) -> None:
        if job.state is JobState.SUCCEEDED and job.item_id:
            self._show(job.item_id)

    def open_file(self, path: str | Path) -> None:
        """A model file from disk (File ▸ Open model file, a drop, the command line)."""
        supersede(self._latest)
        self.open_id = ""
        self.shown_path = Path(path)
        self._update_edit_with()
        self.widget.open_file(path)
        self.fileOpened.emit(str(path))

    def choose_model_file(self, parent: QWidget) -> QFileDialog:
        dialog = QFileDialog(parent, self.tr("Open a 3D model"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("3D models (%1)").replace("%1", name_filter((*PREVIEW_FORMATS, *UNPREVIEWABLE))))
        dialog.fileSelected.connect(self.open_file)
        self._file_dialog = dialog
        dialog.open()
        return dialog

    def open_compare(self, paths: list[Path], titles: list[str] | None = None,
                     costs: list[str] | None = None) -> None:
        """Models side by side with linked cameras, in their own window."""
        from desktop_app.ui.preview.compare import show_compare  # on first compare: not needed at start

        self.compare_window = show_compare(self.compare_window, paths, titles, costs)

    async def shutdown(self) -> None:
        """End the loader and render threads (they must stop before Qt tears the app down)."""
        if self.compare_window is not None:
            self.compare_window.close()
            await blocking(self.compare_window.shutdown)
        loader = self.widget.loader()
        if loader is not None:
            loader.shutdown()
        offscreen = sys.modules.get("desktop_app.ui.preview.offscreen")
        if offscreen is not None:  # never imported: no thumbnail was made, and closing need not import GL
            offscreen.release_thumbnail_renderer()  # the thumbnail render thread too (it owns a GL context)
