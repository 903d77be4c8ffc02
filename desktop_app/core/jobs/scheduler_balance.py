"""Account balance readings around a paid job, for the spend ledger: never on the job's critical path.

A mixin of ``Scheduler``. One reading per service is kept, and at most one is in flight (a GET of the balance,
started beside the work, sent in its turn through the service's request gate so the pace stays as polite as
without it, and never waited for by a job). Only providers with ``reports_balance`` are read (Hyper3D).
A job's "before" is the service's reading at the moment its paid request leaves, if that reading had
answered by then, is under a minute old, and no other paid request to the service left (from this process) since
it started: any of those would make it a reading of some other moment. A job's "after" is a reading started once
the job settled (finished, failed or canceled, its charge recorded), kept under the same rule; it is also the next
job's "before" when nothing was sent in between. Otherwise, or when the read fails or the service has no balance
to read, the ledger says "unknown" (NULL). Nothing paid is ever sent, or sent again, because of a reading.
Other processes and the web app can still move the balance between two readings: the ledger keeps what the service
reported, while what this job alone cost is its charge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop_app.core.jobs.pacing import ProviderGate
from desktop_app.core.jobs.spending import CHARGE, Ledger
from desktop_app.core.jobs.store import JobState

log = logging.getLogger(__name__)

BALANCE_TIMEOUT_S = 20.0  # a reading later than this is of no use to anyone
FRESH_S = 60.0  # an older reading is not "before" this job: the web app or another device may have spent since
SETTLED = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED)


async def read_balance(provider: Any) -> float | None:
    """The provider's balance, or None for "unknown" (no endpoint, no key, offline, slow, unreadable)."""
    if not hasattr(provider, "balance"):
        return None
    try:
        found = await asyncio.wait_for(provider.balance(), BALANCE_TIMEOUT_S)
    except Exception as exc:  # a reading is a nicety: any failure is "unknown", never the job's problem
        log.info("%s balance not read: %s", getattr(provider, "name", "?"), exc)
        return None
    return float(found[0]) if found is not None else None


def _value(task: asyncio.Task[float | None]) -> float | None:
    return None if task.cancelled() else task.result()  # read_balance itself never raises


@dataclass
class Reading:
    task: asyncio.Task[float | None]
    sends: int  # the service's paid-request count when it started
    started: float  # time.monotonic()


class BalanceReadings:
    ledger: Ledger
    # service -> paid requests this process has let leave; a reading is stale if this moved since it started
    _paid_sends: dict[str, int]
    _readings: dict[str, Reading]  # service -> its latest reading
    _side_tasks: set[asyncio.Task[None]]
    gate: Callable[[Any], ProviderGate]

    def _fresh(self, service: str, reading: Reading | None) -> bool:
        return (reading is not None and reading.sends == self._paid_sends.get(service, 0)
                and time.monotonic() - reading.started < FRESH_S
                and not (reading.task.done() and _value(reading.task) is None))

    def _want_balance(self, provider: Any, *, again: bool = False) -> Reading | None:
        """Make sure a usable reading of this service's balance is on its way or in hand (``again``: start a new
        one in any case, as after a job settled)."""
        if not getattr(provider, "paid", False) or not getattr(provider, "reports_balance", False):
            return None
        name = provider.name
        reading = self._readings.get(name)
        if reading is not None and not reading.task.done():
            return reading  # one reading in flight per service, stale or not: the service is not hammered
        if not again and self._fresh(name, reading):
            return reading
        task = asyncio.get_running_loop().create_task(self._paced_read(provider), name=f"balance-{name}")
        reading = self._readings[name] = Reading(task, self._paid_sends.get(name, 0), time.monotonic())
        return reading

    async def _paced_read(self, provider: Any) -> float | None:
        """A reading sent in its turn with the service's other requests (the gate's spacing and any Retry-After
        pause), so it never makes Meshwright hammer the service; the jobs never wait for it."""
        await self.gate(provider).request_slot()
        return await read_balance(provider)

    def _paid_request_leaving(self, service: str) -> float | None:
        """Called at the last moment before a paid request leaves: the balance now, if a fresh reading has it;
        from here on every reading of this service taken so far is stale."""
        reading = self._readings.get(service)
        value = _value(reading.task) if self._fresh(service, reading) and reading and reading.task.done() else None
        self._paid_sends[service] = self._paid_sends.get(service, 0) + 1
        return value

    def _after_settled(self, job: Any, provider: Any) -> None:
        """Once a paid job has settled with a charge on the ledger, read the balance beside whatever runs next."""
        if job.state not in SETTLED or not getattr(provider, "paid", False) \
                or not getattr(provider, "reports_balance", False):
            return
        if self.ledger.get(job.id, CHARGE) is None:
            return
        task = asyncio.get_running_loop().create_task(self._keep_after(job.id, provider, time.monotonic()),
                                                      name=f"balance-after-{job.id}")
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _keep_after(self, job_id: str, provider: Any, settled_at: float) -> None:
        """A reading started after the job settled (one in flight from before is waited out first), kept when no
        other paid request to the service left meanwhile."""
        for _ in range(2):
            reading = self._want_balance(provider, again=True)
            if reading is None:
                return
            await asyncio.wait([reading.task])  # its own cancel ends it; ours (shutdown) propagates
            if reading.task.cancelled():
                return
            if reading.started >= settled_at:
                break
        else:
            return
        value = _value(reading.task)
        if value is None or reading.sends != self._paid_sends.get(provider.name, 0):
            return  # unknown, or another job's paid request left meanwhile
        try:
            await asyncio.to_thread(self.ledger.set_balance, job_id, after=value)
        except Exception as exc:  # the journal is busy or gone (closing): the reading is simply not kept
            log.info("balance after job %s not recorded: %s", job_id, exc)

    async def _finish_balance_reads(self, grace: float) -> None:
        """At shutdown: give "after" readings a moment to land, then stop every reading."""
        pending = [t for t in self._side_tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=grace)
        for task in [*pending, *(r.task for r in self._readings.values())]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._readings.clear()
