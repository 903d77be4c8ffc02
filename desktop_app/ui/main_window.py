"""The shell: builds the panels with the services and the bus, places them and the menus, and closes cleanly.

The panels (generate, queue, library, preview, settings) never see this window. They talk over the bus
(ui/bus.py); the shell carries the few requests that involve two panels: "Re-run with edits" and "Duplicate"
prefill the generate panel. Its other attributes are handles on the panels' parts for tests, tools and the
self-test.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from desktop_app import APP_NAME
from desktop_app.core.jobs.owners import WINDOW
from desktop_app.core.jobs.store import Job, JobState
from desktop_app.core.library.store import LibraryItem
from desktop_app.core.mesh.formats import PREVIEW_FORMATS, UNPREVIEWABLE
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.generate.drop_zone import image_paths_from_urls
from desktop_app.ui.generate.panel import GeneratePanel
from desktop_app.ui.gl_surface import create_for_gl
from desktop_app.ui.keyboard import KeyboardWiring
from desktop_app.ui.main_layout import LazyPage, Workspaces, build_layout, build_menus
from desktop_app.ui.preview.panel import PreviewPanel
from desktop_app.ui.queue.panel import QueuePanel
from desktop_app.ui.settings.panel import AccountWiring
from desktop_app.ui.tasks import SETTINGS_LANE, blocking, cancel_all, spawn
from desktop_app.ui.window_geometry import restore_window, window_state

if TYPE_CHECKING:  # the Library workspace and the compare window are imported when first built
    from desktop_app.ui.library.actions import LibraryActions
    from desktop_app.ui.library.panel import LibraryPanel
    from desktop_app.ui.library.thumbnails import ThumbnailMaker
    from desktop_app.ui.library.view import LibraryView
    from desktop_app.ui.preview.compare import CompareWindow

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """``automation`` (screenshots, tests) refuses paid models so no click can ever spend credits."""

    jobFinished = Signal(str)  # job id, after it reached a terminal state
    shutDown = Signal()  # jobs paused, files saved, connections closed: the process may end
    modelsLoaded = Signal()
    compareReady = Signal(list)  # library item ids of a finished compare group, in the order asked

    def __init__(self, services: Services, *, automation: bool = False) -> None:
        super().__init__()
        self.services = services
        services.store.kind = WINDOW  # what a `resume` in a terminal calls this process when it meets its jobs
        self.automation = automation
        self._closing = False
        self._closed = False
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)

        self.bus = bus = AppBus(self)
        # The Library workspace is built after the first frame (start) or when first used (library_panel):
        # what the bus carried before that is handed to it then.
        self._models: list | None = None
        self._opened: LibraryItem | None = None
        bus.modelsChanged.connect(self._remember_models)
        bus.itemOpened.connect(self._remember_opened)
        bus.jobChanged.connect(self._library_missed_job)
        bus.compareReady.connect(self._library_missed_compare)
        self.generate_panel = GeneratePanel(services, bus, automation=automation)
        self.queue_panel = QueuePanel(services, bus)
        self.preview_panel = PreviewPanel(services, bus, self)
        self.account = AccountWiring(services, bus, self)  # the settings panel: dialogs, theme, credits
        self.workspaces: Workspaces = build_layout(self, self.generate_panel, LazyPage(self._build_library),
                                                   self.preview_panel, self.queue_panel)
        self._library_menu = build_menus(self, self.workspaces, self.generate_panel, lambda: self.library,
                                         self.preview_panel, self.account)
        self.statusBar().addPermanentWidget(self.account.credits)
        self._handles()
        self.keyboard = KeyboardWiring(self, self.generate_panel, self.focus_regions)  # Ctrl+Enter, tab order
        # Tab walks the library too, in its place, once it is built.
        self.workspaces.library_page.contentBuilt.connect(self.keyboard.apply_tab_order)

        bus.statusMessage.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        bus.errorRaised.connect(self.show_error)
        bus.compareReady.connect(self.compareReady)
        bus.modelsChanged.connect(lambda _models: self.modelsLoaded.emit())
        bus.itemOpened.connect(lambda item: self.setWindowTitle(f"{item.title} — {APP_NAME}"))
        self.queue_panel.duplicateRequested.connect(lambda m, images, values: self.prefill(
            m, images, values, self.tr("The model of this job is not available any more.")))
        # "Edit with…": the generate panel picks the model and fills its model input; the shell shows Create.
        bus.editWith.connect(lambda _model, _item, _version: self.workspaces.show(Workspaces.CREATE))
        services.scheduler.add_listener(self._on_job_changed)
        self.statusBar().showMessage(self.tr("Ready"))
        restore_window(self, services.settings.window_state)

    def _handles(self) -> None:
        """Short names for the panels' parts (tests, screenshots, the self-test and the app read them)."""
        generate = self.generate_panel
        self.drop_zone, self.model_combo, self.form = generate.drop_zone, generate.model_combo, generate.form
        self.presets, self.cost_label = generate.presets, generate.cost_label
        self.generate_button, self.generate_hint = generate.generate_button, generate.generate_hint
        self.model_description = generate.model_description
        self.queue, self.job_model = self.queue_panel.view, self.queue_panel.job_model
        self.preview = self.preview_panel.widget

    # --- the Library workspace, built on first use -------------------------------------------------------

    @property
    def library_panel(self) -> LibraryPanel:
        """The Library workspace, built now if it was not yet (the tab, a menu item, a test or a tool asks)."""
        return self.workspaces.library_page.content()  # type: ignore[return-value]

    def library_built(self) -> bool:
        return self.workspaces.library_page.built()

    @property
    def library_view(self) -> LibraryView:
        return self.library_panel.view

    @property
    def library(self) -> LibraryActions:
        return self.library_panel.actions

    @property
    def compare_action(self) -> QAction:
        return self.library_panel.compare_action

    @property
    def thumbnails(self) -> ThumbnailMaker:
        return self.library_panel.thumbnails

    def _build_library(self) -> LibraryPanel:
        from desktop_app.ui.library.panel import LibraryPanel

        panel = LibraryPanel(self.services, self.bus, automation=self.automation)
        panel.actions.adopt_menu_actions(*self._library_menu)
        panel.editRequested.connect(lambda m, images, values: self.prefill(
            m, images, values, self.tr("The model this item was made with is not available now.")))
        panel.catch_up(self._models, self._opened)
        return panel

    def _remember_models(self, models: list) -> None:
        self._models = list(models)

    def _remember_opened(self, item: LibraryItem) -> None:
        self._opened = item

    def _library_missed_job(self, job: Job) -> None:
        # A job finished before the library was built (a caller that skipped start): it files and thumbnails
        # the item as the library panel does, built now, which missed this signal.
        if not self.library_built() and job.state is JobState.SUCCEEDED and job.item_id:
            self.library_panel._on_job_changed(job)

    def _library_missed_compare(self, item_ids: list) -> None:
        if not self.library_built():
            self.library_panel.show_compared(item_ids)

    def focus_regions(self) -> list[QWidget]:
        """The panels' parts in the order Tab visits them: the side column (the Create form, or the Library when
        that workspace is shown; hidden widgets take no focus), then the queue strip, then the preview."""
        library = self.library_view if self.library_built() else self.workspaces.library_page
        return [*self.generate_panel.focus_regions(), library, self.queue_panel.view, self.preview_panel.widget]

    # --- start-up --------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load what the window shows: jobs, library, models; then continue unfinished jobs."""
        self.workspaces.library_page.content()  # the Library workspace: after the first frame, before it is filled
        if self.services.notices:  # damaged state repaired at start: the user is told once, in one dialog
            self.show_error("\n\n".join(self.services.notices))
            self.services.notices.clear()
        await self.queue_panel.load()
        self.library_view.reload()
        await self.generate_panel.load_models()
        resumed = await self.services.scheduler.resume_all()
        elsewhere = self.services.scheduler.elsewhere
        if resumed:
            self.statusBar().showMessage(self.tr("Continuing %n unfinished job(s)", "", len(resumed)), 8000)
        elif elsewhere:
            self.statusBar().showMessage(self.tr("%n job(s) running in another Meshwright window or process are "
                                                 "shown here as they go.", "", len(elsewhere)), 8000)
        if not self._closing:
            self.queue_panel.watch(elsewhere)
        self.account.credits.refresh()

    async def load_models(self) -> None:
        await self.generate_panel.load_models()

    # --- what the panels report ------------------------------------------------------------------------

    def _on_job_changed(self, job: Job) -> None:
        self.bus.jobChanged.emit(job)  # every panel takes what it needs from here
        if job.state is JobState.SUCCEEDED and job.item_id:
            self.statusBar().showMessage(self.tr("Finished: %1").replace("%1", job.title), 8000)
        if job.state.terminal or job.state in (JobState.NEEDS_CHECK, JobState.INTERRUPTED):
            self.jobFinished.emit(job.id)

    def prefill(self, model_id: str, images: list[Path], values: dict, unavailable: str) -> bool:
        """Put images, model and settings into the generate panel ("Re-run with edits", "Duplicate")."""
        if not self.generate_panel.prefill(model_id, images, values):
            self.show_error(unavailable)
            return False
        self.workspaces.show(Workspaces.CREATE)
        self.statusBar().showMessage(self.tr("The images and settings are in the form: change what you like and "
                                             "press Generate."), 10000)
        return True

    # --- for tests, tools and the self-test ------------------------------------------------------------

    def current_model_id(self) -> str:
        return self.generate_panel.current_model_id()

    def generate(self) -> None:
        self.generate_panel.generate()

    def open_item(self, item: LibraryItem) -> None:
        self.preview_panel.open_item(item)

    async def show_result(self, item_id: str) -> None:
        """What a finished job does: its thumbnail from its own file, and the item in the preview."""
        self.thumbnails.request(item_id)
        await self.preview_panel.show_result(item_id)

    def open_compare(self, paths: list[Path], titles: list[str] | None = None,
                     costs: list[str] | None = None) -> None:
        self.preview_panel.open_compare(paths, titles, costs)

    @property
    def compare_window(self) -> CompareWindow | None:
        return self.preview_panel.compare_window

    def choose_model_file(self) -> None:
        self.preview_panel.choose_model_file(self)

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def about(self) -> QMessageBox:
        from desktop_app.ui.about import show_about  # on demand: not needed for the first frame

        return show_about(self)

    # --- drops anywhere on the window ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        self.generate_panel.take_drop(urls, image_paths_from_urls(urls))
        models = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()
                  and Path(u.toLocalFile()).suffix.lower() in (*PREVIEW_FORMATS, *UNPREVIEWABLE)]
        if models:
            self.preview_panel.open_file(models[0])
        event.acceptProposedAction()

    # --- closing ---------------------------------------------------------------------------------------

    def closed(self) -> bool:
        """True once the window finished shutting down."""
        return self._closed

    def setVisible(self, visible: bool) -> None:
        if visible:  # first show: made for the preview's GL view, which comes after the first frame
            create_for_gl(self)
        super().setVisible(visible)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop to finish jobs on (the loop already stopped): close as is
            self._closed = True
            event.accept()
            return
        event.ignore()
        if not self._closing:
            self._closing = True
            self.statusBar().showMessage(self.tr("Saving and closing…"))
            spawn(self.shutdown(), name="shutdown")

    async def shutdown(self) -> None:
        """Save settings, pause jobs, close connections and end worker threads; then close the window."""
        try:
            from desktop_app.core.settings import save_settings

            self.services.settings.window_state = window_state(self)
            await blocking(save_settings, self.services.paths, self.services.settings, serial=SETTINGS_LANE)
            self.queue_panel.stop_timers()
            checks = sys.modules.get("desktop_app.core.printing.verdict")  # loaded once a check ran
            if checks is not None:
                checks.stop_all()  # a big model's check may run in a child process for a while
            await self.services.scheduler.shutdown()
            # The scheduler outlives this window in tests and must not call into a deleted widget.
            self.services.scheduler.remove_listener(self._on_job_changed)
            await cancel_all()
            await self.services.registry.aclose()
            await self.preview_panel.shutdown()
        finally:
            self._closed = True
            self.close()
            self.shutDown.emit()
