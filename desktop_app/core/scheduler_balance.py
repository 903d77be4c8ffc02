"""Account balance readings around a paid job, for the spend ledger: never on the job's critical path.

A mixin of ``Scheduler``. The "before" reading starts when a paid job starts and runs beside it; it is kept only
if its answer arrived before the job's paid request left and no other paid request to that service left (from
this process) while it was in flight, since either would make it a reading of some other moment. Otherwise, or
when the read fails or the service has no balance to read, the ledger says "unknown" (NULL). The job never waits
for it. The "after" reading starts once the job has settled (finished, failed or canceled, its charge recorded)
and is kept under the same rule. A reading is only ever a GET: nothing paid is sent, or sent again, because of it.
Other processes sharing the account can still move the balance between two readings; the ledger says what the
service reported, not what this job alone cost (that is the charge).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from desktop_app.core.jobs import JobState
from desktop_app.core.spending import CHARGE, Ledger

log = logging.getLogger(__name__)

BALANCE_TIMEOUT_S = 20.0  # a reading later than this is of no use to anyone
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


class BalanceReadings:
    ledger: Ledger
    # service -> paid requests this process has let leave; a reading is stale if this moved while it ran
    _paid_sends: dict[str, int]
    _probes: dict[str, tuple[asyncio.Task[float | None], str, int]]  # job id -> (reading, service, sends then)
    _side_tasks: set[asyncio.Task[None]]

    def _start_balance_probe(self, job_id: str, provider: Any) -> None:
        """Start (or restart, when stale) the "before" reading of a paid job about to be sent."""
        if not getattr(provider, "paid", False) or not hasattr(provider, "balance"):
            return
        held = self._probes.get(job_id)
        sends = self._paid_sends.get(provider.name, 0)
        if held is not None:
            if held[2] == sends and not (held[0].done() and _value(held[0]) is None):
                return  # still a valid reading (or on its way)
            held[0].cancel()
        task = asyncio.get_running_loop().create_task(read_balance(provider), name=f"balance-before-{job_id}")
        self._probes[job_id] = (task, provider.name, sends)

    def _paid_request_leaving(self, job_id: str, service: str) -> float | None:
        """Called at the last moment before a paid request leaves: the "before" reading if it is valid now,
        and from here on every other reading of this service in flight is stale."""
        held = self._probes.pop(job_id, None)
        sends = self._paid_sends.get(service, 0)
        self._paid_sends[service] = sends + 1
        if held is None:
            return None
        task, _service, then = held
        if not task.done():
            task.cancel()  # its answer could come after this job's charge: not a "before"
            return None
        return _value(task) if then == sends else None

    def _drop_balance_probe(self, job_id: str) -> None:
        held = self._probes.pop(job_id, None)
        if held is not None:
            held[0].cancel()

    def _after_settled(self, job: Any, provider: Any) -> None:
        """Once a paid job has settled with a charge on the ledger, read the balance beside whatever runs next."""
        if job.state not in SETTLED or not getattr(provider, "paid", False) or not hasattr(provider, "balance"):
            return
        if self.ledger.get(job.id, CHARGE) is None:
            return
        task = asyncio.get_running_loop().create_task(self._read_after(job.id, provider),
                                                      name=f"balance-after-{job.id}")
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _read_after(self, job_id: str, provider: Any) -> None:
        then = self._paid_sends.get(provider.name, 0)
        value = await read_balance(provider)
        if value is None or self._paid_sends.get(provider.name, 0) != then:
            return  # unknown, or another job's paid request left meanwhile
        try:
            await asyncio.to_thread(self.ledger.set_balance, job_id, after=value)
        except Exception as exc:  # the journal is busy or gone (closing): the reading is simply not kept
            log.info("balance after job %s not recorded: %s", job_id, exc)

    async def _finish_balance_reads(self, grace: float) -> None:
        """At shutdown: give "after" readings a moment to land, then stop them and every "before" reading."""
        for task, _service, _sends in self._probes.values():
            task.cancel()
        self._probes.clear()
        pending = [t for t in self._side_tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=grace)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
