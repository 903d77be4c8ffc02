"""Jobs another Meshwright window or process is running (a ``generate`` in a terminal, a second window): the
queue shows them live and read-only, and this window takes them over when that process stops.

The journal is read every ``INTERVAL_MS`` in a worker thread (never on the GUI thread); this window never writes
to such a job while its owner lives (desktop_app.core.jobs.owners).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from desktop_app.core.jobs.owners import Owner
from desktop_app.core.jobs.scheduler_resume import RESUMABLE
from desktop_app.core.jobs.store import Job, JobState
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.queue.job_list import JobListModel, JobQueueView
from desktop_app.ui.tasks import blocking, spawn

log = logging.getLogger(__name__)
INTERVAL_MS = 1500
# What a stopped owner may leave behind that this window continues ("uploading" is judged on take-over).
_RESUMABLE = (*RESUMABLE, JobState.UPLOADING)


class ElsewhereWatcher(QObject):
    def __init__(self, services: Services, bus: AppBus, model: JobListModel, view: JobQueueView) -> None:
        super().__init__(view)
        self.services = services
        self.bus = bus
        self.model = model
        self.view = view
        self.watched: dict[str, Owner] = {}  # job id -> the live process running it
        self._busy = False
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    def start(self, elsewhere: dict[str, Owner]) -> None:
        """Begin watching (after the window's resume): ``elsewhere`` are the jobs resume left to others."""
        if self._stopped:  # the window closed while it was starting
            return
        self._show(elsewhere)
        self._timer.start()

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()

    def _show(self, elsewhere: dict[str, Owner]) -> None:
        self.watched = dict(elsewhere)
        self.model.set_elsewhere({job_id: owner.running_text() for job_id, owner in elsewhere.items()})
        self.view.update_buttons()

    def _tick(self) -> None:
        if self._busy:  # a slow disk: one read at a time
            return
        self._busy = True
        spawn(self.refresh(), name="watch other processes")

    async def refresh(self) -> None:
        """Read the jobs other processes own (and those watched so far), show them, adopt the orphaned ones."""
        try:
            if self._stopped:
                return
            store = self.services.store
            watched = list(self.watched)
            owned, jobs = await blocking(self._read, store, watched)
            for job in jobs:
                self._upsert(job)
            self._show(owned)
            scheduler = self.services.scheduler
            for job in jobs:
                if job.id in owned or job.state not in _RESUMABLE or scheduler.running(job.id):
                    continue
                # Its owner has stopped (closed, crashed, killed): continue it here, as a restart would.
                adopted = await scheduler.adopt(job.id)
                if adopted is not None:
                    log.info("took over job %s from a process that stopped", job.id)
                    self._upsert(adopted)
                    self.bus.status(self.tr("Continuing “%1” here: the process that was running it has stopped.")
                                    .replace("%1", job.title), 8000)
        finally:
            self._busy = False

    @staticmethod
    def _read(store, watched: list[str]) -> tuple[dict[str, Owner], list[Job]]:
        """(jobs owned by live processes, every job to show): the watched ones and any other process owns."""
        foreign = [j for j in store.list_foreign() if not j.state.terminal]
        ids = {j.id for j in foreign}
        jobs = foreign + [j for j in (store.get(i) for i in watched if i not in ids) if j is not None]
        return store.owned_elsewhere(jobs), jobs

    def _upsert(self, job: Job) -> None:
        model = self.model
        row = model.row_of(job.id)
        before = model.job(row) if row is not None else None
        model.upsert(job)
        if job.state is JobState.SUCCEEDED and (before is None or before.state is not JobState.SUCCEEDED):
            self.bus.libraryChanged.emit()  # its item was filed by the other process
