"""Each listed job's quote and charge for the queue's row tooltips, read from the spend ledger in a worker.

The ledger (core/jobs/spending.py) is in the job journal, so it is read off the GUI thread: all listed jobs when the
list is loaded, one job again whenever its state moves (a reservation is written before the paid request leaves;
the charge replaces it when the job settles). One read at a time, in order; the model caches the lines per job id.
Jobs whose state moves in the same turn of the event loop (a batch's jobs made or started together, 50 jobs
resumed at once) are read together, in one worker op, instead of one op and one SQLite query each.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from desktop_app.core.jobs.spending import Ledger
from desktop_app.core.jobs.store import JobStore
from desktop_app.ui.queue.job_list import JobListModel
from desktop_app.ui.tasks import Op

log = logging.getLogger(__name__)


class QuoteReader(QObject):
    def __init__(self, store: JobStore, model: JobListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ledger = Ledger(store)
        self.model = model
        self._lane = f"queue-ledger-{id(self)}"
        self._pending: dict[str, None] = {}  # job ids whose state moved this turn, in order, read at the next
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._read_pending)
        model.modelReset.connect(lambda: self.read(model.job_ids()))
        model.jobStateChanged.connect(self.read_soon)

    def read_soon(self, job_id: str) -> None:
        """Read this job's line with the others that move before the event loop's next turn."""
        self._pending[job_id] = None
        self._flush.start()

    def _read_pending(self) -> None:
        pending, self._pending = list(self._pending), {}
        self.read(pending)

    def read(self, job_ids: list[str]) -> Op | None:
        """Read these jobs' ledger lines in a worker; the model shows them when they arrive."""
        if not job_ids:
            return None
        asked = list(job_ids)
        return (Op(self.ledger.job_lines, asked).serial(self._lane).owner(self)
                .success(lambda lines: self.model.set_money(asked, lines))
                .failure(lambda text: log.warning("could not read the spend ledger for the queue: %s", text))
                .named("queue quotes").run())
