"""What the user (or quitting) does to running jobs: cancel, shut down, retry; and where a job's inputs are.

A mixin of ``Scheduler`` (kept apart so each file stays readable); it uses the scheduler's journal helpers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import MeshwrightError, ProviderError
from desktop_app.core.jobs.model_input import ModelInput, is_model_name
from desktop_app.core.jobs.owners import Owner, owned_elsewhere_error
from desktop_app.core.jobs.scheduler_submit import is_paid
from desktop_app.core.jobs.spending import Ledger
from desktop_app.core.jobs.store import PREPARING, Job, JobState, JobStore
from desktop_app.core.library.store import Library
from desktop_app.core.library.versions import read_refine_marker
from desktop_app.core.ports import RemoteRef

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

log = logging.getLogger("desktop_app.core.jobs.scheduler")
S = JobState


def _sending_paid(job: Job) -> bool:
    # Jobs still uploading free inputs are not waited for: stopping them costs nothing and they start again.
    return job.state is S.UPLOADING and job.submit_stage != PREPARING


class JobControl:
    store: JobStore
    ledger: Ledger
    registry: Any
    library: Library
    _client: httpx.AsyncClient | None
    _tasks: dict[str, asyncio.Task[Job]]
    _finish_balance_reads: Callable[[float], Awaitable[None]]
    _closing: bool
    _heartbeat: asyncio.Task[None] | None
    _set: Callable[..., Job]
    _take: Callable[[Job], Awaitable[tuple[Owner | None, Job]]]
    job_dir: Callable[[str], Path]
    running: Callable[[str], bool]
    create_job: Callable[..., Awaitable[Job]]

    async def cancel(self, job_id: str) -> Job:
        """Stop a job this process runs, or one nobody runs. A job another live Meshwright process runs is
        refused with NotOwnerError (cancel it there): two processes must never both act on one job."""
        job = self.store.require(job_id)
        if job.state.terminal:
            return job
        if not self.running(job_id):
            owner, job = await self._take(job)
            if owner is not None:
                raise owned_elsewhere_error(owner)
            try:
                return await self._cancel(job)
            finally:
                await asyncio.to_thread(self.store.release, job_id)
        return await self._cancel(job)

    async def _cancel(self, job: Job) -> Job:
        job_id = job.id
        if job.state.terminal:
            return job
        job = self._set(job, cancel_requested=True)
        provider = self.registry.provider_for(job.model_id)
        if job.state is S.UPLOADING and self.running(job_id) and is_paid(provider):
            # Interrupting a paid submit would leave its fate unknown; cancel once it has an id.
            return self._set(job, message="Cancelling once the service confirms the job…")
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        job = self.store.require(job_id)
        if job.remote and job.state in (S.SUBMITTED, S.QUEUED, S.RUNNING, S.INTERRUPTED, S.NEEDS_CHECK):
            return await self._cancel_remote(job, provider)
        if job.state.terminal:
            return job
        if is_paid(provider) and await asyncio.to_thread(self.store.paid_request_never_left, job_id):
            # Stopped on free steps (e.g. interrupted while preparing): its reservation held nothing that was spent.
            await asyncio.to_thread(self.ledger.release, job_id)
        return self._set(job, S.CANCELED, "Canceled.")

    async def cancel_group(self, group_id: str) -> list[Job]:
        """Cancel every unfinished job of a batch or compare group that this process may stop (finished ones keep
        their results)."""
        jobs = await asyncio.to_thread(self.store.group_jobs, group_id)
        # Jobs of the group another window or process runs are its to stop.
        elsewhere = await asyncio.to_thread(self.store.owned_elsewhere, jobs)
        pending = [j for j in jobs if not j.state.terminal and j.id not in elsewhere]
        return list(await asyncio.gather(*(self.cancel(j.id) for j in pending)))

    async def _cancel_remote(self, job: Job, provider: Any) -> Job:
        try:
            accepted = await provider.cancel(RemoteRef.from_json(job.remote))
        except ProviderError as exc:
            log.info("cancel of %s refused: %s", job.id, exc.message)
            accepted = False
        if accepted:
            return self._set(job, S.CANCELED, "Canceled.")
        return self._set(job, S.CANCELED, f"Stopped watching this job, but {provider.display_name} did not confirm "
                         "the cancel: it may still finish and be billed.")

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop every task: jobs sending a paid request get ``grace`` seconds to obtain their remote id."""
        self._closing = True
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(
            not t.done() and _sending_paid(self.store.require(jid)) for jid, t in list(self._tasks.items())
        ):
            await asyncio.sleep(0.05)
        tasks = [t for t in self._tasks.values() if not t.done()]
        if self._heartbeat is not None:
            tasks.append(self._heartbeat)
            self._heartbeat = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # Balance readings after settled jobs get a moment (every job is stopped: this only delays the exit).
        await self._finish_balance_reads(min(2.0, max(0.0, deadline - time.monotonic())))
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def input_paths(self, job: Job) -> list[Path]:
        """Where a job's input images are now: its job folder, or its library item once filed (blocking I/O)."""
        images = [self.job_dir(job.id) / "inputs" / n for n in job.inputs]
        if job.item_id:
            item = self.library.get(job.item_id)
            if item is not None and item.folder is not None:
                images = [item.inside(n) or item.folder / "inputs" / "(outside the item)" for n in item.inputs]
        missing = [p.name for p in images if not p.exists()]
        if missing:
            raise MeshwrightError(f"The input images of this job are gone ({', '.join(missing)}).")
        return images

    async def retry(self, job_id: str) -> Job:
        """A new job with the same inputs and parameters (the old one stays as it was)."""
        old = self.store.require(job_id)
        paths = await asyncio.to_thread(self.input_paths, old)
        images = [p for p in paths if not is_model_name(p.name)]
        # A refine keeps its lineage while its job folder (and so its marker) is still there.
        refine = await asyncio.to_thread(read_refine_marker, self.job_dir(old.id))
        item_id, version = refine if refine else ("", 0)
        models = [ModelInput(p, item_id, version) for p in paths if is_model_name(p.name)]
        job = await self.create_job(old.model_id, images, dict(old.params), title=old.title, models=models)
        return self._set(job, retry_of=old.id)
