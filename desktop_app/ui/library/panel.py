"""The library panel (the Library workspace): the grid or list with its filters over the selected item's details.

Fed by the bus: a finished job's item appears and gets its thumbnail, model names replace ids once the models are
listed, the item the preview shows is selected (and the item a user picks is shown in the preview), and a finished
comparison is selected and shown side by side.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QSplitter, QWidget

from desktop_app.core.jobs.store import Job, JobState
from desktop_app.core.library.store import LibraryItem
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus, model_names
from desktop_app.ui.library.actions import LibraryActions
from desktop_app.ui.library.details import LibraryDetails
from desktop_app.ui.library.thumbnails import ThumbnailMaker
from desktop_app.ui.library.view import LibraryView
from desktop_app.ui.preview.compare import MAX_MODELS, install_library_compare, item_cost_text
from desktop_app.ui.tasks import blocking, spawn

PREVIEW_DELAY_MS = 250


class LibraryPanel(QSplitter):
    def __init__(self, services: Services, bus: AppBus, *, automation: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("libraryPanel")
        self.services = services
        self.bus = bus
        self.view = LibraryView(services.library)
        self.details = LibraryDetails()
        self.thumbnails = ThumbnailMaker(services.library, self)  # from each item's own file
        self.actions = LibraryActions(services, bus, self.view, self.details, self.thumbnails,
                                      automation=automation, parent=self)
        self.editRequested = self.actions.editRequested
        self.setChildrenCollapsible(False)
        self.addWidget(self.view)
        self.addWidget(self.details)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setSizes([380, 320])  # the details (name, actions, versions) need room: at 1366x768 ~280 px of them

        self.thumbnails.made.connect(self.view.model.invalidate_thumbnail)
        self.view.itemActivated.connect(bus.openItem)
        # A click or arrow key on an item shows it in the preview beside the list, as the details already do;
        # the short wait lets a user run down the list with the arrow keys without loading every model passed.
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._preview_current)
        self.view.picked.connect(lambda _id: self._preview_timer.start())
        self.compare_action = install_library_compare(self.view, self._compare)
        bus.jobChanged.connect(self._on_job_changed)
        bus.modelsChanged.connect(self._on_models)
        bus.itemOpened.connect(self._on_item_opened)
        bus.libraryChanged.connect(self.view.reload)
        bus.compareReady.connect(self.show_compared)

    def _preview_current(self) -> None:
        current = self.view.current_id()
        if current and self.view.selected_ids() == [current]:  # not while the user builds a multi-selection
            self.bus.showItem.emit(current)

    def catch_up(self, models: list | None, item: LibraryItem | None) -> None:
        """Built after the bus already carried the model list or an opened item (the workspace is built on first
        use, see ui/main_layout.py LazyPage): take them as if it had been listening."""
        if models is not None:
            self._on_models(models)
            self.actions.set_models(models)
        if item is not None:
            self._on_item_opened(item)

    def _compare(self, paths: list, titles: list, costs: list | None = None) -> None:
        self.bus.compareItems.emit(list(paths), list(titles), list(costs or []))

    def _on_job_changed(self, job: Job) -> None:
        if job.state is JobState.SUCCEEDED and job.item_id:
            self.bus.libraryChanged.emit()
            self.thumbnails.request(job.item_id)

    def _on_models(self, models: list) -> None:
        names = model_names(models)
        self.actions.model_names = names
        self.view.model.model_names = dict(names)
        self.details.model_names = dict(names)
        self.view.reload()  # model names replace raw ids in the filter menu

    def _on_item_opened(self, item: LibraryItem) -> None:
        self.view.select(item.id)

    def show_compared(self, item_ids: list[str]) -> None:
        """A comparison finished: select its results, open the first, and show them side by side."""
        if item_ids:
            spawn(self._show_compared(list(item_ids)), name="show compare")

    async def _show_compared(self, item_ids: list[str]) -> None:
        await self.view.refresh()
        library = self.services.library
        items = [i for i in await blocking(lambda: [library.get(x) for x in item_ids]) if i is not None]
        if items:
            self.bus.openItem.emit(items[0])
        shown = [i for i in items if i.model_path is not None][:MAX_MODELS]
        if len(shown) >= 2:
            self.bus.compareItems.emit([i.model_path for i in shown],
                                       [self.actions.model_names.get(i.model_id, i.model_id) for i in shown],
                                       [item_cost_text(i) for i in shown])
        self.view.select_ids(item_ids)
