"""Continuing jobs after a start, and jobs other Meshwright processes run: claim before touching, leave a live
owner's jobs alone, take over a stopped one's with the "needs check" rule for a paid request that may have left.

A mixin of ``Scheduler`` (kept apart so each file stays readable); it uses the scheduler's journal helpers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from desktop_app.core.jobs.owners import NotOwnerError, Owner
from desktop_app.core.jobs.scheduler_submit import paid_request_maybe_sent, uncertain_message
from desktop_app.core.jobs.store import Job, JobState, JobStore

S = JobState
# States a job can be continued from by this process once it owns it.
RESUMABLE = (S.DRAFT, S.SUBMITTED, S.QUEUED, S.RUNNING, S.DOWNLOADING, S.INTERRUPTED)


class ResumeStage:
    store: JobStore
    registry: Any  # desktop_app.services.Registry
    elsewhere: dict[str, Owner]
    _set: Callable[..., Job]
    running: Callable[[str], bool]
    start: Callable[[str], Any]

    async def resume_all(self) -> list[Job]:
        """After a start: continue every unfinished job from the journal; never resubmit a paid one. Jobs another
        live process runs are left to it and listed in ``elsewhere``."""
        resumed = []
        self.elsewhere = {}
        for job in reversed(await asyncio.to_thread(self.store.list)):
            if job.state.terminal or self.running(job.id):
                continue
            owner, job = await self._take(job)
            if owner is not None:
                self.elsewhere[job.id] = owner
            elif job.state in RESUMABLE:
                self.start(job.id)
                resumed.append(job)
            else:  # needs a check by hand: nothing for this process to do with it
                await asyncio.to_thread(self.store.release, job.id)
        return resumed

    async def adopt(self, job_id: str) -> Job | None:
        """Continue one job another process was running, now that it has stopped (the window watches such
        jobs). None while that process still owns it."""
        if self.running(job_id):
            return None
        job = await asyncio.to_thread(self.store.require, job_id)
        owner, job = await self._take(job)
        if owner is not None:
            return None
        if job.state in RESUMABLE:
            self.start(job.id)
        else:
            await asyncio.to_thread(self.store.release, job.id)
        return job

    async def _take(self, job: Job) -> tuple[Owner | None, Job]:
        """Claim a job that no task of this process runs: (None, job) once it is ours, with a submit that was
        stopped half way judged ("needs check" or start again); (owner, job) while a live process owns it."""
        for _ in range(3):  # an owner that ends between the claim and the look-up is claimed on the next turn
            taken = await asyncio.to_thread(self.store.claim, job.id)
            if taken is not None:
                job = taken[0]
                if job.state is S.UPLOADING:  # no task here sends it: whoever did stopped mid-submit
                    job = self._settle_stopped_upload(job)
                return None, job
            job = await asyncio.to_thread(self.store.require, job.id)
            owner = await asyncio.to_thread(self.store.owner_elsewhere, job)
            if owner is not None:
                return owner, job
        raise NotOwnerError("Could not take this job over from the process that was running it.")

    def _settle_stopped_upload(self, job: Job) -> Job:
        provider = self.registry.provider_for(job.model_id)
        if paid_request_maybe_sent(job, provider):
            return self._set(job, S.NEEDS_CHECK, uncertain_message(provider.display_name))
        return self._set(job, S.INTERRUPTED, "Stopped before anything was charged; starting again.")
