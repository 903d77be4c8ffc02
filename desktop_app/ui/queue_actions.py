"""What the queue adds to the main window: one job per image (a folder or many images), compare (one image to
several models), duplicate-with-edits, the end of a group, and notifications when the window is in the
background. Kept here so the main window only holds a few hooks."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QCheckBox, QPushButton

from desktop_app.core.job_groups import BATCH, COMPARE, GroupCreated, create_batch, create_compare, group_progress
from desktop_app.core.jobs import Job, JobState
from desktop_app.ui.compare_picker import ComparePicker
from desktop_app.ui.drop_zone import IMAGE_SUFFIXES
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.tasks import spawn

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
_FOLDER_LIMIT = 500  # images taken from one dropped folder


def images_in_folders(folders: list[Path]) -> list[Path]:
    """Image files directly inside each folder, sorted by name (blocking: run it in a worker)."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found.extend(sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES))
    return found[:_FOLDER_LIMIT]


class QueueActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.notifier = Notifier(window)
        self._folder_dropped = False
        self._announced: set[str] = set()  # groups whose end was already announced
        self.batch_check = QCheckBox()
        self.batch_check.setObjectName("batchCheck")
        self.batch_check.setToolTip(self.tr("Make a separate 3D model from each image instead of one model "
                                            "from several views"))
        self.batch_check.setVisible(False)
        self.batch_check.toggled.connect(lambda _on: self._update_batch())
        self.compare_button = QPushButton(self.tr("Compare models…"))
        self.compare_button.setObjectName("compareButton")
        self.compare_button.setToolTip(self.tr("Send these images to several models at once and see the results "
                                               "side by side"))
        self.compare_button.clicked.connect(self.choose_compare)
        window.drop_zone.imagesChanged.connect(lambda _paths: self._update_batch())
        window.queue.duplicateRequested.connect(self.duplicate)
        self._update_batch()

    # --- one job per image -----------------------------------------------------------------------------

    def image_count(self) -> int:
        return len(self.window.drop_zone.usable_paths())

    def _update_batch(self) -> None:
        count = self.image_count()
        limit = self.window.drop_zone.max_images()
        offer = count > 1 and (count > limit or self._folder_dropped)
        self.batch_check.setVisible(offer)
        self.batch_check.setText(self.tr("One job per image (%n job(s))", "", count))
        self.compare_button.setEnabled(count > 0 or limit == 0)
        self.window.generate_button.setText(
            self.tr("Generate %n 3D model(s)", "", count) if self.wants_batch() else self.tr("Generate 3D model"))

    def wants_batch(self) -> bool:
        return not self.batch_check.isHidden() and self.batch_check.isChecked()

    def add_folders(self, urls: list[QUrl]) -> bool:
        """Take the images inside dropped folders (listed in a worker); returns whether any URL was a folder."""
        candidates = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()
                      and not Path(u.toLocalFile()).suffix]
        if not candidates:
            return False

        async def load() -> None:
            images = await asyncio.to_thread(images_in_folders, candidates)
            if not images:
                self.window.statusBar().showMessage(self.tr("No images in the dropped folder."), 8000)
                return
            self._folder_dropped = True
            self.window.drop_zone.add_paths(images)
            self.batch_check.setChecked(True)
            self._update_batch()

        spawn(load(), self.window._show_error, name="folder drop")
        return True

    def start_batch(self, model_id: str, values: dict) -> None:
        images = self.window.drop_zone.usable_paths()

        async def run() -> None:
            made = await create_batch(self.window.services.scheduler, model_id, images, values)
            self._started(made, self.tr("Started %n job(s), one per image.", "", len(made.jobs)))

        spawn(run(), self.window._show_error, name="batch")

    # --- compare ---------------------------------------------------------------------------------------

    def choose_compare(self) -> None:
        window = self.window
        models = [(m.id, m.name, "" if m.available else (m.unavailable_reason or self.tr("not available")))
                  for m in window._models.values()]
        picker = ComparePicker(models, {window.current_model_id()}, self._refusal, window)
        picker.chosen.connect(self.start_compare)
        self.picker = picker
        picker.open()

    def _refusal(self, model_id: str) -> str:
        provider = self.window.services.registry.provider_for(model_id)
        if self.window.automation and getattr(provider, "paid", True):
            return self.tr("paid models are off in automation mode")
        return ""

    def start_compare(self, model_ids: list[str]) -> None:
        window = self.window
        images = window.drop_zone.paths() or window.drop_zone.usable_paths()[:1]
        values = {m: dict(window.services.settings.last_params.get(m, {})) for m in model_ids}
        values[window.current_model_id()] = window.form.values()

        async def run() -> None:
            made = await create_compare(window.services.scheduler, model_ids, images, values)
            text = self.tr("Comparing %n model(s).", "", len(made.jobs))
            if made.skipped:
                text += " " + self.tr("Skipped: %1").replace("%1", "; ".join(f"{window._model_names.get(m, m)}: "
                                                                              f"{why}" for m, why in made.skipped))
            self._started(made, text)

        spawn(run(), window._show_error, name="compare")

    def _started(self, made: GroupCreated, text: str) -> None:
        scheduler = self.window.services.scheduler
        for job in made.jobs:
            scheduler.start(job.id)
        if made.jobs:
            self.window.queue.select(made.jobs[0].id)
        if made.skipped and made.group.kind == BATCH:
            text += " " + self.tr("Skipped %n image(s) that cannot be used.", "", len(made.skipped))
        self.window.statusBar().showMessage(text, 10000)

    # --- duplicate with edits --------------------------------------------------------------------------

    def duplicate(self, job_id: str) -> None:
        """Put a job's images, model and settings back into the form, to edit and generate again."""
        window = self.window

        async def load() -> None:
            job = await asyncio.to_thread(window.services.store.require, job_id)
            images = await asyncio.to_thread(window.services.scheduler.input_paths, job)
            window.services.settings.last_params[job.model_id] = dict(job.params)
            window.drop_zone.clear()
            window.drop_zone.add_paths(images)
            index = window.model_combo.findData(job.model_id)
            if index < 0:
                window._show_error(self.tr("The model of this job is not available any more."))
                return
            if index == window.model_combo.currentIndex():
                window._on_model_changed(index)  # reload the form with the job's settings
            else:
                window.model_combo.setCurrentIndex(index)
            window.statusBar().showMessage(
                self.tr("The job's images and settings are back in the form: change what you like and press "
                        "Generate."), 10000)

        spawn(load(), window._show_error, name="duplicate")

    # --- the end of a job or a group -------------------------------------------------------------------

    def job_changed(self, job: Job) -> None:
        if not (job.state.terminal or job.state is JobState.NEEDS_CHECK):
            return
        if job.group_id:
            if job.group_id not in self._announced:
                spawn(self._check_group(job.group_id), name="group progress")
            return
        if job.state is JobState.SUCCEEDED:
            self.notifier.notify(self.tr("Model ready"), self.tr("%1 is done.").replace("%1", job.title))
        else:
            self.notifier.notify(self.tr("Job stopped"), f"{job.title}: {job.state.label}. {job.message}",
                                 failed=True)

    async def _check_group(self, group_id: str) -> None:
        progress = await asyncio.to_thread(group_progress, self.window.services.store, group_id)
        if progress is None or not progress.finished or group_id in self._announced:
            return
        self._announced.add(group_id)
        title = progress.group.title
        failed = len(progress.item_ids) < len(progress.jobs)
        if progress.group.kind == COMPARE:
            self.notifier.notify(self.tr("Comparison ready"), f"{title}: {progress.summary()}", failed=failed)
            self.show_items(progress.item_ids)
            self.window.compareReady.emit(progress.item_ids)
        else:
            self.notifier.notify(self.tr("Batch finished"), f"{title}: {progress.summary()}", failed=failed)
        self.window.statusBar().showMessage(f"{title}: {progress.summary()}", 10000)

    def show_items(self, item_ids: list[str]) -> None:
        """Select the group's results in the library, open the first, and show them side by side."""
        if not item_ids:
            return
        view = self.window.library_view

        async def select() -> None:
            await view.refresh()
            library = self.window.services.library
            items = [i for i in await asyncio.to_thread(lambda: [library.get(x) for x in item_ids]) if i is not None]
            if items:
                self.window.open_item(items[0])
            shown = [i for i in items if i.model_path is not None]
            if len(shown) >= 2 and hasattr(self.window, "open_compare"):
                names = self.window._model_names
                self.window.open_compare([i.model_path for i in shown],
                                         [names.get(i.model_id, i.model_id) for i in shown])
            view.select_ids(item_ids)

        spawn(select(), name="show compare")
