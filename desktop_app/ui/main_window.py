"""The main window: images and model on the left, the preview in the middle, queue and library on the right."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
)

from desktop_app import APP_NAME
from desktop_app.core.job_owners import WINDOW
from desktop_app.core.jobs import Job, JobState
from desktop_app.core.library import LibraryItem
from desktop_app.core.mesh_formats import PREVIEW_FORMATS, UNPREVIEWABLE
from desktop_app.services import Services
from desktop_app.ui.about import show_about
from desktop_app.ui.account_wiring import AccountWiring
from desktop_app.ui.drop_zone import DropZone, image_paths_from_urls
from desktop_app.ui.job_queue import JobListModel, JobQueueView
from desktop_app.ui.keyboard import KeyboardWiring
from desktop_app.ui.library_controller import LibraryController
from desktop_app.ui.library_view import LibraryView
from desktop_app.ui.main_layout import build_layout, build_menus
from desktop_app.ui.model_picker import fill_model_combo, first_model_index
from desktop_app.ui.param_form import ParamForm
from desktop_app.ui.presets import PresetBar
from desktop_app.ui.preview.background_setting import bind_background_setting, bind_light_setting
from desktop_app.ui.preview.compare import CompareWindow, install_library_compare, show_compare
from desktop_app.ui.preview.viewer import PreviewWidget
from desktop_app.ui.queue_actions import QueueActions
from desktop_app.ui.queue_watch import ElsewhereWatcher
from desktop_app.ui.tasks import cancel_all, spawn
from desktop_app.ui.window_geometry import restore_window, window_state

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
        self._schema = None
        self._models: dict[str, object] = {}
        self._model_names: dict[str, str] = {}
        self.compare_window: CompareWindow | None = None
        self._open_item: str | None = None
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)

        self.drop_zone = DropZone(services.paths.cache_dir / "pasted")
        self.model_combo = QComboBox()
        self.model_combo.setToolTip(self.tr("The generator that turns your images into a 3D model"))
        self.model_description = QLabel()
        self.model_description.setObjectName("hint")
        self.model_description.setWordWrap(True)
        self.form = ParamForm()
        self.presets = PresetBar(services, self.form)
        self.cost_label = QLabel()
        self.cost_label.setObjectName("hint")
        self.generate_button = QPushButton(self.tr("Generate 3D model"))
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumHeight(40)
        self.generate_hint = QLabel()
        self.generate_hint.setObjectName("hint")
        self.generate_hint.setWordWrap(True)

        self.preview = PreviewWidget()
        self.job_model = JobListModel(self._model_names)
        self.queue = JobQueueView(self.job_model)
        self.library_view = LibraryView(services.library)
        self.library = LibraryController(self)  # details panel and every library action

        self.queue_actions = QueueActions(self)  # one job per image, compare, duplicate, notifications
        self.watcher = ElsewhereWatcher(self)  # jobs another window or process runs: live, read-only
        self.workspaces = build_layout(self)  # Create and Library, switched with Ctrl+1 / Ctrl+2
        self.account = AccountWiring(self)  # Settings action, status-bar credits
        build_menus(self)
        self._connect()
        self.keyboard = KeyboardWiring(self)  # Ctrl+Enter, tab order
        services.scheduler.add_listener(self._on_job_changed)
        self.statusBar().showMessage(self.tr("Ready"))
        restore_window(self, services.settings.window_state)

    def _connect(self) -> None:
        self.model_combo.currentIndexChanged.connect(self._on_model_changed)
        self.drop_zone.imagesChanged.connect(lambda _paths: self._update_generate())
        self.drop_zone.imagesChanged.connect(lambda _paths: self._refresh_quote())  # estimates see the images
        self.form.changed.connect(lambda _values: self._update_generate())
        self.form.costInputChanged.connect(self._refresh_quote)
        self.generate_button.clicked.connect(self.generate)
        self.queue.jobActivated.connect(self._job_activated)
        self.library_view.itemActivated.connect(self.open_item)
        bind_background_setting(self.preview, self.services)
        bind_light_setting(self.preview, self.services)
        self.compare_action = install_library_compare(self.library_view, self.open_compare)

    # --- start-up --------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load what the window shows: jobs, library, models; then continue unfinished jobs."""
        if self.services.notices:  # damaged state repaired at start: the user is told once, in one dialog
            self._show_error("\n\n".join(self.services.notices))
            self.services.notices.clear()
        jobs = await asyncio.to_thread(self.services.store.list, None, 500)
        self.job_model.set_jobs(jobs)
        self.library_view.reload()
        await self.load_models()
        resumed = await self.services.scheduler.resume_all()
        elsewhere = self.services.scheduler.elsewhere
        if resumed:
            self.statusBar().showMessage(self.tr("Continuing %n unfinished job(s)", "", len(resumed)), 8000)
        elif elsewhere:
            self.statusBar().showMessage(self.tr("%n job(s) running in another Meshwright window or process are "
                                                 "shown here as they go.", "", len(elsewhere)), 8000)
        if not self._closing:
            self.watcher.start(elsewhere)
        self.account.credits.refresh()

    async def load_models(self) -> None:
        previous = self.current_model_id()  # a reload (after Settings) keeps the user's choice
        models = await self.services.registry.models()
        self._models = {m.id: m for m in models}
        self._model_names.clear()
        self._model_names.update({m.id: m.name for m in models})
        self.model_combo.blockSignals(True)
        fill_model_combo(self.model_combo, models)  # grouped by service, each saying what it needs
        self.model_combo.blockSignals(False)
        wanted = self.services.settings.default_model
        index = self.model_combo.findData(previous) if previous else -1
        index = index if index >= 0 else self.model_combo.findData(wanted)
        index = index if index >= 0 else first_model_index(self.model_combo)
        self.model_combo.setCurrentIndex(index)
        self._on_model_changed(index)
        self.modelsLoaded.emit()

    # --- model and form --------------------------------------------------------------------------------

    def current_model_id(self) -> str:
        return self.model_combo.currentData() or ""

    def _on_model_changed(self, _index: int) -> None:
        model_id = self.current_model_id()
        info = self._models.get(model_id)
        self.model_description.setText(getattr(info, "description", "") or "")
        self._schema = None
        self.form.set_schema(None)
        self.presets.set_model(None)
        self._update_generate()
        if model_id:
            spawn(self._load_schema(model_id), self._show_error, name=f"schema {model_id}")

    async def _load_schema(self, model_id: str) -> None:
        schema = await self.services.registry.schema(model_id)
        if model_id != self.current_model_id():
            return
        self._schema = schema
        self.form.set_schema(schema, self.services.settings.last_params.get(model_id))
        self.presets.set_model(model_id)
        self.drop_zone.set_max_images(schema.max_images())
        self._update_generate()
        self._refresh_quote()

    def _refresh_quote(self) -> None:
        model_id = self.current_model_id()
        if model_id:
            spawn(self._quote(model_id), name="quote")

    async def _quote(self, model_id: str) -> None:
        from desktop_app.core.errors import InputImageError, ValidationError
        from desktop_app.pricing import quote_job  # the same code as the CLI's `quote`

        report = None
        try:
            report = await quote_job(self.services.registry, model_id, tuple(self.drop_zone.paths()),
                                     self.form.values(), with_balance=False, complete=False)
        except (ValidationError, InputImageError):
            pass  # the form's own hint says what is missing; no price until the job is complete
        except Exception as exc:  # a quote is informative; its failure must not block anything
            log.info("quote failed: %s", exc)
        if model_id != self.current_model_id():
            return
        if report is None:
            self.cost_label.setText("")
        elif report.cost is None:
            self.cost_label.setText(self.tr("No price before the job runs"))
            self.cost_label.setToolTip(report.note)
        elif report.cost == 0:
            self.cost_label.setText(report.detail or self.tr("Free"))
        else:
            self.cost_label.setText(self.tr("Cost: %1 %2").replace("%1", f"{report.cost:g}")
                                    .replace("%2", report.unit))
            self.cost_label.setToolTip(report.detail)

    def _blockers(self) -> list[str]:
        """Why Generate cannot run now, in words for the hint under the button."""
        model_id = self.current_model_id()
        info = self._models.get(model_id)
        if not model_id or self._schema is None:
            return [self.tr("Loading the model's settings…")]
        if info is not None and not info.available:
            return [info.unavailable_reason or self.tr("This model is not available.")]
        if self.automation and getattr(self.services.registry.provider_for(model_id), "paid", True):
            return [self.tr("Paid models are disabled in automation mode.")]
        if self.drop_zone.pending():
            return [self.tr("Checking images…")]
        errors = self._schema.validate(self.form.values(), image_count=len(self.drop_zone.paths()))
        return list(errors.values())

    def _update_generate(self) -> None:
        blockers = self._blockers()
        self.generate_button.setEnabled(not blockers)
        self.generate_hint.setText(blockers[0] if blockers else "")

    # --- actions ---------------------------------------------------------------------------------------

    def generate(self) -> None:
        if self._blockers():
            self._update_generate()
            return
        errors = self.form.validate(len(self.drop_zone.paths()))
        if errors:
            return
        model_id = self.current_model_id()
        values = self.form.values()
        self.services.settings.last_params[model_id] = values
        if self.queue_actions.wants_batch():
            return self.queue_actions.start_batch(model_id, values)
        spawn(self._create_and_start(model_id, self.drop_zone.paths(), values), self._show_error, name="generate")

    async def _create_and_start(self, model_id: str, images: list[Path], values: dict) -> Job:
        self.generate_button.setEnabled(False)
        try:
            job = await self.services.scheduler.create_job(model_id, images, values)
        finally:
            self._update_generate()
        self.queue.select(job.id)
        self.services.scheduler.start(job.id)
        self.statusBar().showMessage(self.tr("Started: %1").replace("%1", job.title), 5000)
        return job

    def _on_job_changed(self, job: Job) -> None:
        self.job_model.upsert(job)
        self.queue._update_buttons()
        self.account.job_changed(job)
        self.queue_actions.job_changed(job)
        if job.state is JobState.SUCCEEDED and job.item_id:
            self.library_view.reload()
            spawn(self._show_item(job.item_id, thumbnail=True), name="show result")
            self.statusBar().showMessage(self.tr("Finished: %1").replace("%1", job.title), 8000)
        if job.state.terminal or job.state in (JobState.NEEDS_CHECK, JobState.INTERRUPTED):
            self.jobFinished.emit(job.id)

    def _job_activated(self, job_id: str) -> None:
        row = self.job_model.row_of(job_id)
        job = self.job_model.job(row) if row is not None else None
        if job and job.item_id and job.item_id != self._open_item:
            spawn(self._show_item(job.item_id), name="show item")

    async def _show_item(self, item_id: str, thumbnail: bool = False) -> None:
        """Read the item off the GUI thread, then open it in the preview (and render its thumbnail)."""
        item = await asyncio.to_thread(self.services.library.get, item_id)
        if item is not None:
            self.open_item(item)
            if thumbnail:
                spawn(self.save_thumbnail(item), name="save thumbnail")

    def open_item(self, item: LibraryItem) -> None:
        path = item.model_path
        self._open_item = item.id
        self.library_view.select(item.id)
        if path is None:
            self.preview.show_error(self.tr("This item has no model file the preview can show."))
            return
        self.preview.open_file(path)
        self.setWindowTitle(f"{item.title} — {APP_NAME}")

    def open_compare(self, paths: list[Path], titles: list[str] | None = None,
                     costs: list[str] | None = None) -> None:
        """Show models side by side with linked cameras (library "Compare", finished compare groups)."""
        self.compare_window = show_compare(self.compare_window, paths, titles, costs)

    def choose_model_file(self) -> None:
        dialog = QFileDialog(self, self.tr("Open a 3D model"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("3D models (*.glb *.gltf *.obj *.stl *.ply *.fbx *.usdz)"))
        dialog.fileSelected.connect(lambda f: self.preview.open_file(f))
        self._file_dialog = dialog
        dialog.open()

    async def save_thumbnail(self, item: LibraryItem) -> None:
        """Render ``item``'s thumbnail from its own model file, loaded for this alone.

        Not from the scene the preview shows next: that was another item's picture whenever this result failed
        to show (an FBX) or the user opened something else first. Loading again costs a worker a moment, at a
        small texture size; the GUI thread only hands the PNG over.
        """
        path = item.model_path
        if path is None:
            return
        from desktop_app.core.meshes import load_scene_arrays  # the mesh stack: not at start-up
        from desktop_app.ui.preview.offscreen import render_thumbnail_png  # the GL stack: not at start-up

        try:
            scene = await asyncio.to_thread(load_scene_arrays, path, 512)
        except Exception as exc:  # a format the preview cannot show: the item keeps its placeholder tile
            log.info("no thumbnail for %s: %s", item.id, type(exc).__name__)
            return
        png = await render_thumbnail_png(scene, 256)  # rendered in the render thread, not here
        await asyncio.to_thread(self.services.library.set_thumbnail, item.id, png)
        self.library_view.model.invalidate_thumbnail(item.id)

    # --- what helpers (queue actions, account wiring) may use ------------------------------------------

    def show_error(self, text: str) -> None:
        self._show_error(text)

    def model_infos(self) -> list:
        return list(self._models.values())

    def model_name(self, model_id: str) -> str:
        return self._model_names.get(model_id, model_id)

    def use_model(self, model_id: str) -> bool:
        """Select ``model_id`` and load its form from the last-used values; False when it is not offered."""
        index = self.model_combo.findData(model_id)
        if index >= 0 and index == self.model_combo.currentIndex():
            self._on_model_changed(index)
        elif index >= 0:
            self.model_combo.setCurrentIndex(index)
        return index >= 0

    def _show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def about(self) -> QMessageBox:
        return show_about(self)

    # --- drops anywhere on the window ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        self.queue_actions.add_folders(urls)
        images = image_paths_from_urls(urls)
        if images:
            self.drop_zone.add_paths(images)
        models = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()
                  and Path(u.toLocalFile()).suffix.lower() in (*PREVIEW_FORMATS, *UNPREVIEWABLE)]
        if models:
            self.preview.open_file(models[0])
        event.acceptProposedAction()

    # --- closing ---------------------------------------------------------------------------------------

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
            spawn(self._shutdown(), name="shutdown")

    async def _shutdown(self) -> None:
        try:
            from desktop_app.core.settings import save_settings

            self.services.settings.window_state = window_state(self)
            await asyncio.to_thread(save_settings, self.services.paths, self.services.settings)
            self.queue.stop_timers()
            self.watcher.stop()
            await self.services.scheduler.shutdown()
            # The scheduler outlives this window in tests and must not call into a deleted widget.
            self.services.scheduler.remove_listener(self._on_job_changed)
            await cancel_all()
            await self.services.registry.aclose()
            if self.compare_window is not None:
                self.compare_window.close()
                await asyncio.to_thread(self.compare_window.shutdown)
            loader = self.preview.loader()
            if loader is not None:  # its worker thread must end before Qt tears the app down
                await asyncio.to_thread(loader.shutdown, True)
            offscreen = sys.modules.get("desktop_app.ui.preview.offscreen")
            if offscreen is not None:  # never imported: no thumbnail was made, and closing need not import GL
                offscreen.release_thumbnail_renderer()  # the thumbnail render thread too (it owns a GL context)
        finally:
            self._closed = True
            self.close()
            self.shutDown.emit()
