"""The paid step of a job: send it exactly once, and record how far the send got so a stop can be judged.

A mixin of ``Scheduler`` (kept apart so each file stays readable). The journal's ``submit_stage`` says whether a
paid request may be in flight: a job stopped while only free steps ran (Scenario's asset uploads, waiting out a
429) starts again from scratch after a restart; a job stopped once the paid request may have left is
"needs check" and is never sent again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from desktop_app.core.errors import AuthError, MeshwrightError, ProviderError, SubmitUncertainError
from desktop_app.core.jobs import PAID_REQUEST, PREPARING, Job, JobState, JobStore
from desktop_app.core.model_input import is_model_name
from desktop_app.core.pacing import ProviderGate, backoff
from desktop_app.providers.base import GenerationRequest

S = JobState
MAX_SUBMIT_REFUSALS = 20


def is_paid(provider: Any) -> bool:
    return bool(getattr(provider, "paid", True))


def uncertain_message(service: str) -> str:
    return (f"Meshwright stopped while sending this job to {service}. It may have started there; it was not "
            "sent again so you are not charged twice. Check your account before retrying.")


def paid_request_maybe_sent(job: Job, provider: Any) -> bool:
    """Whether a job found in "uploading" (after a stop) may have a paid request at the service."""
    return job.state is S.UPLOADING and is_paid(provider) and job.submit_stage != PREPARING


class SubmitStage:
    store: JobStore
    stop_causes: dict[str, str]
    _set: Callable[..., Job]
    job_dir: Callable[[str], Path]
    _cancel_remote: Callable[[Job, Any], Awaitable[Job]]

    async def _mark_paid_request(self, job_id: str) -> None:
        """Committed and synced before the paid request leaves: from here a stop means "needs check"."""
        self._set(self.store.require(job_id), submit_stage=PAID_REQUEST)
        await asyncio.to_thread(self.store.flush)

    async def _submit(self, job: Job, provider: Any, gate: ProviderGate, already_uploading: bool = False) -> Job:
        if not already_uploading:
            # Wait for the provider's request slot first: a job held here is still a draft.
            await gate.request_slot()
            job = self._set(self.store.require(job.id), S.UPLOADING, "Sending", submit_stage=PREPARING)
        folder = self.job_dir(job.id) / "inputs"
        # A provider that uploads free inputs before its paid call says when that call starts; for the others
        # the whole submit is the paid request.
        announces = bool(getattr(provider, "announces_paid_request", False))
        request = GenerationRequest(
            model_id=job.model_id,
            images=tuple(folder / name for name in job.inputs if not is_model_name(name)),
            models=tuple(folder / name for name in job.inputs if is_model_name(name)),
            values=dict(job.params),
            job_id=job.id,
            on_paid_request=(lambda jid=job.id: self._mark_paid_request(jid)) if announces else None,
        )
        last = [0.0]

        def progress(fraction: float | None, message: str) -> None:
            now = time.monotonic()
            if now - last[0] > 0.3:
                last[0] = now
                self._set(self.store.require(job.id), message=message, progress=fraction)

        attempt = 0
        while True:
            attempt += 1
            try:
                if not announces:
                    await self._mark_paid_request(job.id)
                ref = await provider.submit(request, progress)
                break
            except SubmitUncertainError as exc:
                return self._set(job, S.NEEDS_CHECK, exc.user_text())
            except ProviderError as exc:
                # A refusal (429, parallelism limit) created nothing at the service, so sending again is safe,
                # and a stop while waiting to send again is too.
                if not exc.retryable or attempt >= MAX_SUBMIT_REFUSALS or job.cancel_requested:
                    if isinstance(exc, AuthError):
                        self.stop_causes[job.id] = "auth"
                    return self._set(job, S.FAILED, exc.user_text())
                wait = exc.retry_after if exc.retry_after is not None else backoff(attempt, cap=60.0)
                gate.pause(wait)
                job = self._set(self.store.require(job.id), submit_stage=PREPARING,
                                message=f"{exc.message} Sending again in {round(wait)} s; nothing was charged.")
                await gate.request_slot()
                job = self.store.require(job.id)
            except MeshwrightError as exc:
                return self._set(job, S.FAILED, exc.user_text())
        job = self._set(
            self.store.require(job.id), S.SUBMITTED, "Submitted",
            remote=ref.to_json(), cost=ref.cost, cost_unit=ref.cost_unit, progress=None,
        )
        await asyncio.to_thread(self.store.flush)  # the remote id outlives a power cut too
        if job.cancel_requested:
            return await self._cancel_remote(job, provider)
        return job
