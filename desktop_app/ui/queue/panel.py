"""The queue panel: the job list as a compact strip under the preview, fed by the bus.

It lists the journal's jobs at start, updates a row on every ``jobChanged``, selects a job a panel just
started, names models once ``modelsChanged`` says what they are called, shows jobs another process runs (live,
read-only, see watch.py), and asks the preview to show a finished job's item when the user picks its row.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.core.jobs.owners import Owner
from desktop_app.core.jobs.store import Job
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus, model_names
from desktop_app.ui.queue.actions import QueueActions
from desktop_app.ui.queue.job_list import JobListModel, JobQueueView
from desktop_app.ui.queue.quotes import QuoteReader
from desktop_app.ui.queue.watch import ElsewhereWatcher
from desktop_app.ui.tasks import blocking


class QueuePanel(QWidget):
    def __init__(self, services: Services, bus: AppBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueStrip")
        self.services = services
        self.bus = bus
        self.job_model = JobListModel()
        self.view = JobQueueView(self.job_model)
        heading = QLabel(self.tr("Queue"))
        heading.setObjectName("sectionHeading")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.addWidget(heading)
        lay.addWidget(self.view)
        self.actions = QueueActions(services, bus, self.job_model, self.view, self)
        self.watcher = ElsewhereWatcher(services, bus, self.job_model, self.view)  # other processes' jobs
        self.quotes = QuoteReader(services.store, self.job_model, self)  # each paid job's quote, for its tooltip
        self.duplicateRequested = self.actions.duplicateRequested
        self.view.jobActivated.connect(self._job_activated)
        bus.jobChanged.connect(self._on_job_changed)
        bus.jobStarted.connect(self.view.select)
        bus.groupCreated.connect(lambda group: self.job_model.set_groups({group.id: group}))
        bus.modelsChanged.connect(lambda models: self.job_model.set_model_names(model_names(models)))

    async def load(self) -> None:
        """The newest jobs from the journal (read in a worker)."""
        jobs = await blocking(self.services.store.list, None, 500)
        self.job_model.set_jobs(jobs)

    def watch(self, elsewhere: dict[str, Owner]) -> None:
        """Show and follow the jobs other processes own (after the scheduler's resume)."""
        self.watcher.start(elsewhere)

    def _on_job_changed(self, job: Job) -> None:
        self.job_model.upsert(job)
        self.view.update_buttons()
        self.actions.job_changed(job)

    def _job_activated(self, job_id: str) -> None:
        row = self.job_model.row_of(job_id)
        job = self.job_model.job(row) if row is not None else None
        if job is not None and job.item_id:
            self.bus.showItem.emit(job.item_id)

    def stop_timers(self) -> None:
        self.view.stop_timers()
        self.watcher.stop()
