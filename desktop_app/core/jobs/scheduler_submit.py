"""The paid step of a job: send it exactly once, and record how far the send got so a stop can be judged.

A mixin of ``Scheduler`` (kept apart so each file stays readable). The journal's ``submit_stage`` says whether a
paid request may be in flight: a job stopped while only free steps ran (Scenario's asset uploads, waiting out a
429) starts again from scratch after a restart; a job stopped once the paid request may have left is
"needs check" and is never sent again.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from desktop_app.core.errors import AuthError, MeshwrightError, ProviderError, SubmitUncertainError
from desktop_app.core.jobs.model_input import is_model_name
from desktop_app.core.jobs.pacing import ProviderGate, backoff
from desktop_app.core.jobs.spending import CHARGE, NOT_CHARGED, REFUND, Entry, Ledger, cap_message, today
from desktop_app.core.jobs.store import PAID_REQUEST, PREPARING, Job, JobState, JobStore
from desktop_app.core.ports import GenerationRequest, PollResult, RemoteRef

S = JobState
log = logging.getLogger(__name__)
MAX_SUBMIT_REFUSALS = 20


def is_paid(provider: Any) -> bool:
    return bool(provider.paid)


def uncertain_message(service: str) -> str:
    return (f"Meshwright stopped while sending this job to {service}. It may have started there; it was not "
            "sent again so you are not charged twice. Check your account before retrying.")


def paid_request_maybe_sent(job: Job, provider: Any) -> bool:
    """Whether a job found in "uploading" (after a stop) may have a paid request at the service."""
    return job.state is S.UPLOADING and is_paid(provider) and job.submit_stage != PREPARING


class SubmitStage:
    store: JobStore
    ledger: Ledger
    registry: Any
    daily_caps: dict[str, float]  # service -> daily cap (shared with Settings.daily_caps, edited in place)
    _want_balance: Callable[..., Any]
    _paid_request_leaving: Callable[[str], float | None]
    stop_causes: dict[str, str]
    _set: Callable[..., Job]
    job_dir: Callable[[str], Path]
    _cancel_remote: Callable[[Job, Any], Awaitable[Job]]

    async def _mark_paid_request(self, job_id: str) -> None:
        """Committed and synced before the paid request leaves: from here a stop means "needs check"."""
        job = self._set(self.store.require(job_id), submit_stage=PAID_REQUEST)
        await asyncio.to_thread(self.store.flush)
        # The balance read beside the job so far, if it answered in time (it is never waited for).
        before = self._paid_request_leaving(self.registry.provider_for(job.model_id).name)
        if before is not None:
            try:
                await asyncio.to_thread(self.ledger.set_balance, job_id, before=before)
            except sqlite3.Error as exc:  # a nicety: never a reason to stop a job about to be sent
                log.info("balance before job %s not recorded: %s", job_id, exc)

    async def _submit(self, job: Job, provider: Any, gate: ProviderGate, already_uploading: bool = False) -> Job:
        if not already_uploading:
            # Wait for the provider's request slot first: a job held here is still a draft.
            await gate.request_slot()
            job = self._set(self.store.require(job.id), S.UPLOADING, "Sending", submit_stage=PREPARING)
        folder = self.job_dir(job.id) / "inputs"
        # A provider that uploads free inputs before its paid call says when that call starts; for the others
        # the whole submit is the paid request.
        announces = bool(provider.announces_paid_request)
        request = GenerationRequest(
            model_id=job.model_id,
            images=tuple(folder / name for name in job.inputs if not is_model_name(name)),
            models=tuple(folder / name for name in job.inputs if is_model_name(name)),
            values=dict(job.params),
            job_id=job.id,
            on_paid_request=(lambda jid=job.id: self._mark_paid_request(jid)) if announces else None,
        )
        self._want_balance(provider)  # a new reading if another job's payment made the last one stale
        quote = await self._quote_and_reserve(job, provider, request)
        if isinstance(quote, Job):
            return quote
        try:
            sent = await self._send(job, provider, gate, request, announces)
        except BaseException:
            # Stopped (app closing, a bug): only a job whose paid request had not left gives its reservation up.
            if is_paid(provider) and self.store.require(job.id).submit_stage == PREPARING:
                self.ledger.release(job.id)
            raise
        if isinstance(sent, Job):
            if is_paid(provider) and sent.state is not S.NEEDS_CHECK:
                self.ledger.release(job.id)  # refused: nothing was charged
            return sent
        ref = sent
        self._record_charge(job, provider, ref.cost, ref.cost_unit, quote,
                            estimated=bool(ref.data.get("cost_estimated")))
        job = self._set(
            self.store.require(job.id), S.SUBMITTED, "Submitted",
            remote=ref.to_json(), cost=ref.cost, cost_unit=ref.cost_unit, progress=None,
        )
        await asyncio.to_thread(self.store.flush)  # the remote id outlives a power cut too
        if job.cancel_requested:
            return await self._cancel_remote(job, provider)
        return job

    async def _send(self, job: Job, provider: Any, gate: ProviderGate, request: GenerationRequest,
                    announces: bool) -> RemoteRef | Job:
        """The paid request, sent again only after a refusal that created nothing; the job when it ended."""
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
                return await provider.submit(request, progress)
            except SubmitUncertainError as exc:
                return self._set(job, S.NEEDS_CHECK, exc.user_text())
            except ProviderError as exc:
                # A refusal (429, parallelism limit) created nothing at the service, so sending again is safe,
                # and a stop while waiting to send again is too.
                if not exc.retryable or attempt >= MAX_SUBMIT_REFUSALS or job.cancel_requested:
                    if isinstance(exc, AuthError):
                        self.stop_causes[job.id] = "auth"
                    return self._set(job, S.FAILED, _not_charged(exc.user_text()))
                wait = exc.retry_after if exc.retry_after is not None else backoff(attempt, cap=60.0)
                gate.pause(wait)
                job = self._set(self.store.require(job.id), submit_stage=PREPARING,
                                message=f"{exc.message} Sending again in {round(wait)} s; nothing was charged.")
                await gate.request_slot()
                job = self.store.require(job.id)
            except MeshwrightError as exc:
                return self._set(job, S.FAILED, _not_charged(exc.user_text()))

    async def _quote_and_reserve(self, job: Job, provider: Any, request: GenerationRequest) -> float | Job | None:
        """For a paid job: ask its quote and write it to the ledger as the job's reservation before anything
        paid is sent; the quote (None when the service gives none) or the job failed, nothing sent, when it
        would pass today's cap. The cap check and the reservation are one journal transaction, so two
        processes sharing the library cannot both slip under the cap (``Ledger.reserve``)."""
        if not is_paid(provider):
            return None
        cap = self.daily_caps.get(provider.name)
        priced = None
        if hasattr(provider, "quote"):
            try:
                priced = await provider.quote(request)
            except MeshwrightError as exc:  # no price: a cap judges the job by what is already spent
                log.info("job %s: no quote (%s)", job.id, exc.message)
        quote = float(priced.cost) if priced is not None and priced.cost is not None else None
        unit = priced.unit if priced is not None and priced.unit else getattr(provider, "cost_unit", "")
        reserved, spent = await asyncio.to_thread(self.ledger.reserve, job.id, provider.name, job.model_id, quote,
                                                  unit, None if cap is None else float(cap))
        if not reserved:
            self.stop_causes[job.id] = "cap"
            return self._set(self.store.require(job.id), S.FAILED,
                             cap_message(provider.display_name, float(cap or 0), spent, quote, unit))
        return quote

    def _record_charge(self, job: Job, provider: Any, cost: float | None, unit: str, quote: float | None,
                       estimated: bool = False) -> None:
        """The charge the service reported when it took the job; else the quote (or the provider's price table,
        ``estimated``), marked estimated."""
        if not is_paid(provider):
            return
        if cost is None and quote is None:
            self.ledger.release(job.id)  # nothing to record: no figure from the service, none quoted
            return
        amount = cost if cost is not None else quote
        self.ledger.record(Entry(job.id, CHARGE, provider.name, job.model_id, today(), float(amount or 0),
                                 unit or getattr(provider, "cost_unit", ""), quote, cost is None or estimated))

    def _record_poll_cost(self, job: Job, provider: Any, result: PollResult) -> None:
        """A cost reported while polling completes an estimate (or a missing charge); a failed job the service
        refunds gets its refund entry. Both are idempotent, so a resumed job polling again adds nothing."""
        if not is_paid(provider):
            return
        if result.cost is not None:
            # Hyper3D echoes its submit-time figure here: still an estimate when that was one.
            echoed = bool((job.remote.get("data") or {}).get("cost_estimated"))
            self.ledger.record(Entry(job.id, CHARGE, provider.name, job.model_id, today(), float(result.cost),
                                     job.cost_unit or getattr(provider, "cost_unit", ""), estimated=echoed))
        if result.refunded:
            charge = self.ledger.get(job.id)
            if charge is not None and charge.amount:
                self.ledger.record(Entry(job.id, REFUND, provider.name, job.model_id, today(), charge.amount,
                                         charge.unit, note="refunded: the job failed"))


def _not_charged(text: str) -> str:
    """The service refused the paid request (it answered, so nothing was started there)."""
    return text if NOT_CHARGED in text else f"{text} {NOT_CHARGED}"
