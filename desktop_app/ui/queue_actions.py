"""What the queue adds to the main window: one job per image (a folder or many images), compare (one image to
several models), duplicate-with-edits, the end of a group, and notifications when the window is in the
background. Kept here so the main window only holds a few hooks."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtWidgets import QCheckBox, QMessageBox, QPushButton

from desktop_app.core.job_groups import BATCH, COMPARE, GroupCreated, create_batch, create_compare, group_progress
from desktop_app.core.jobs import Job, JobState
from desktop_app.ui.compare_picker import ComparePicker
from desktop_app.ui.drop_zone import IMAGE_SUFFIXES
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.preview.compare import item_cost_text
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
        window.queue.cancelRequested.connect(self.cancel)
        window.queue.cancelGroupRequested.connect(self.confirm_cancel_group)
        window.queue.retryRequested.connect(self.retry)
        window.queue.removeRequested.connect(self.remove)
        window.queue.duplicateRequested.connect(self.duplicate)
        window.job_model.modelReset.connect(self._load_group_names)
        self._update_batch()

    # --- cancel, retry, remove -------------------------------------------------------------------------

    def cancel(self, job_id: str) -> None:
        spawn(self.window.services.scheduler.cancel(job_id), self.window.show_error, name="cancel")

    def retry(self, job_id: str) -> None:
        scheduler = self.window.services.scheduler

        async def retry() -> None:
            job = await scheduler.retry(job_id)
            self.window.queue.select(job.id)
            scheduler.start(job.id)

        spawn(retry(), self.window.show_error, name="retry")

    def remove(self, job_id: str) -> None:
        model = self.window.job_model
        row = model.row_of(job_id)
        job = model.job(row) if row is not None else None
        if job is None or not (job.state.terminal or job.state is JobState.NEEDS_CHECK):
            return
        model.remove(job_id)
        spawn(asyncio.to_thread(self.window.services.store.delete, job_id), self.window.show_error,
              name="remove job")

    def confirm_cancel_group(self, group_id: str) -> None:
        """Ask first: one click would otherwise stop dozens of jobs."""
        model = self.window.job_model
        group = model.group(group_id)
        pending = [j for j in model.group_members(group_id) if not j.state.terminal]
        if group is None or not pending:
            return
        kind = self.tr("comparison") if group.kind == COMPARE else self.tr("batch")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Cancel group"),
                          self.tr("Cancel the %n unfinished job(s) of the %1 “%2”? Finished jobs keep their "
                                  "results.", "", len(pending)).replace("%1", kind).replace("%2", group.title),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda button: self.cancel_group(group_id) if button is yes else None)
        self.cancel_box = box
        box.open()  # open(), not exec(): a nested modal loop inside the qasync loop re-enters it

    def cancel_group(self, group_id: str) -> None:
        async def run() -> None:
            jobs = await self.window.services.scheduler.cancel_group(group_id)
            self.window.statusBar().showMessage(self.tr("Canceled %n job(s).", "", len(jobs)), 8000)

        spawn(run(), self.window.show_error, name="cancel group")

    def _load_group_names(self) -> None:
        """Group titles for the tags in the queue ("Compare 1 of 3 · Dragon"), read off the GUI thread."""
        wanted = self.window.job_model.unknown_groups()
        if not wanted:
            return

        async def load() -> None:
            groups = await asyncio.to_thread(self.window.services.store.groups, wanted)
            self.window.job_model.set_groups(groups)

        spawn(load(), name="group names")

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
        self.window.drop_zone.set_one_job_per_image(self.wants_batch())
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

        spawn(load(), self.window.show_error, name="folder drop")
        return True

    def start_batch(self, model_id: str, values: dict) -> None:
        images = self.window.drop_zone.usable_paths()

        async def run() -> None:
            made = await create_batch(self.window.services.scheduler, model_id, images, values)
            self._started(made, self.tr("Started %n job(s), one per image.", "", len(made.jobs)))

        spawn(run(), self.window.show_error, name="batch")

    # --- compare ---------------------------------------------------------------------------------------

    def choose_compare(self) -> None:
        window = self.window
        models = [(m.id, m.name, "" if m.available else (m.unavailable_reason or self.tr("not available")))
                  for m in window.model_infos()]
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
                text += " " + self.tr("Skipped: %1").replace("%1", "; ".join(f"{window.model_name(m)}: "
                                                                              f"{why}" for m, why in made.skipped))
            self._started(made, text)

        spawn(run(), window.show_error, name="compare")

    def _started(self, made: GroupCreated, text: str) -> None:
        scheduler = self.window.services.scheduler
        self.window.job_model.set_groups({made.group.id: made.group})
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
            if not window.use_model(job.model_id):  # (re)loads the form with the job's settings
                window.show_error(self.tr("The model of this job is not available any more."))
                return
            window.statusBar().showMessage(
                self.tr("The job's images and settings are back in the form: change what you like and press "
                        "Generate."), 10000)

        spawn(load(), window.show_error, name="duplicate")

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
                self.window.open_compare([i.model_path for i in shown],
                                         [self.window.model_name(i.model_id) for i in shown],
                                         [item_cost_text(i) for i in shown])
            view.select_ids(item_ids)

        spawn(select(), name="show compare")
