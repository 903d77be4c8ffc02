"""What the queue's buttons do (cancel, cancel a group, retry, remove, duplicate) and what it announces when a job
or a group ends (notifications while the window is in the background; a finished comparison on the bus)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.core.jobs.groups import COMPARE, group_progress
from desktop_app.core.jobs.store import Job, JobState
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.queue.job_list import JobListModel, JobQueueView
from desktop_app.ui.tasks import Op, blocking, spawn

log = logging.getLogger(__name__)


class QueueActions(QObject):
    duplicateRequested = Signal(str, list, dict)  # model id, image paths, settings: for the generate panel

    def __init__(self, services: Services, bus: AppBus, model: JobListModel, view: JobQueueView,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.model = model
        self.view = view
        self.parent_widget = parent
        self.notifier = Notifier(parent)  # reads the top-level window only when it notifies
        self._announced: set[str] = set()  # groups whose end was already announced
        self._naming: set[str] = set()  # groups whose titles are being read: each job of a new batch asks
        view.cancelRequested.connect(self.cancel)
        view.cancelGroupRequested.connect(self.confirm_cancel_group)
        view.retryRequested.connect(self.retry)
        view.removeRequested.connect(self.remove)
        view.duplicateRequested.connect(self.duplicate)
        model.modelReset.connect(self.load_group_names)

    # --- cancel, retry, remove -------------------------------------------------------------------------

    def cancel(self, job_id: str) -> None:
        spawn(self.services.scheduler.cancel(job_id), self.bus.error, name="cancel")

    def retry(self, job_id: str) -> None:
        scheduler = self.services.scheduler

        async def retry() -> None:
            job = await scheduler.retry(job_id)
            self.bus.jobStarted.emit(job.id)
            scheduler.start(job.id)

        spawn(retry(), self.bus.error, name="retry")

    def remove(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        job = self.model.job(row) if row is not None else None
        if job is None or not (job.state.terminal or job.state is JobState.NEEDS_CHECK):
            return
        self.model.remove(job_id)
        Op(self.services.store.delete, job_id).failure(self.bus.error).named("remove job").run()

    def confirm_cancel_group(self, group_id: str) -> None:
        """Ask first: one click would otherwise stop dozens of jobs."""
        group = self.model.group(group_id)
        pending = [j for j in self.model.group_members(group_id) if not j.state.terminal]
        if group is None or not pending:
            return
        kind = self.tr("comparison") if group.kind == COMPARE else self.tr("batch")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Cancel group"),
                          self.tr("Cancel the %n unfinished job(s) of the %1 “%2”? Finished jobs keep their "
                                  "results.", "", len(pending)).replace("%1", kind).replace("%2", group.title),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.parent_widget)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda button: self.cancel_group(group_id) if button is yes else None)
        self.cancel_box = box
        box.open()  # open(), not exec(): a nested modal loop inside the qasync loop re-enters it

    def cancel_group(self, group_id: str) -> None:
        async def run() -> None:
            jobs = await self.services.scheduler.cancel_group(group_id)
            self.bus.status(self.tr("Canceled %n job(s).", "", len(jobs)), 8000)

        spawn(run(), self.bus.error, name="cancel group")

    def load_group_names(self) -> None:
        """Group titles for the tags in the queue ("Compare 1 of 3 · Dragon"), read off the GUI thread."""
        wanted = self.model.unknown_groups() - self._naming
        if not wanted:
            return
        self._naming |= wanted

        async def load() -> None:
            try:
                groups = await blocking(self.services.store.groups, wanted)
            finally:
                self._naming -= wanted
            self.model.set_groups(groups)

        spawn(load(), name="group names")

    # --- duplicate with edits --------------------------------------------------------------------------

    def duplicate(self, job_id: str) -> None:
        """Read a job's images, model and settings, for the generate panel to put back into the form."""

        async def load() -> None:
            job = await blocking(self.services.store.require, job_id)
            images: list[Path] = await blocking(self.services.scheduler.input_paths, job)
            params: dict[str, Any] = dict(job.params)
            self.duplicateRequested.emit(job.model_id, images, params)

        spawn(load(), self.bus.error, name="duplicate")

    # --- the end of a job or a group -------------------------------------------------------------------

    def job_changed(self, job: Job) -> None:
        if job.group_id and self.model.group(job.group_id) is None:
            self.load_group_names()  # a new batch or comparison: its tag needs the group's title
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
        progress = await blocking(group_progress, self.services.store, group_id)
        if progress is None or not progress.finished or group_id in self._announced:
            return
        self._announced.add(group_id)
        title = progress.group.title
        failed = len(progress.item_ids) < len(progress.jobs)
        if progress.group.kind == COMPARE:
            self.notifier.notify(self.tr("Comparison ready"), f"{title}: {progress.summary()}", failed=failed)
            self.bus.compareReady.emit(progress.item_ids)
        else:
            self.notifier.notify(self.tr("Batch finished"), f"{title}: {progress.summary()}", failed=failed)
        self.bus.status(f"{title}: {progress.summary()}", 10000)
