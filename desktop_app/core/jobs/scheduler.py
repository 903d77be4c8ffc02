"""Runs jobs to the end: submit once, poll politely, download atomically, file the result in the library.

Used through qasync in the GUI and plain asyncio in the CLI. The scheduler is the only writer of job state;
every change is committed to the journal first and then announced to listeners (the GUI turns those calls into
Qt signals). Paid submits are never repeated: a submit whose fate is unknown leaves the job "needs check".

Other Meshwright processes may share the journal: a job is run only by the process that owns it
(desktop_app.core.jobs.owners). This scheduler claims each job before touching it, leaves alone the jobs another
live process runs (``elsewhere``), takes over those whose owner is gone, and hands a job back when it stops
working on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AuthError, MeshwrightError, ProviderError, ValidationError
from desktop_app.core.images import check_images, normalise_image
from desktop_app.core.jobs.download import safe_filename
from desktop_app.core.jobs.model_input import ModelInput, check_model_file
from desktop_app.core.jobs.owners import HEARTBEAT_S, NotOwnerError, Owner
from desktop_app.core.jobs.pacing import ProviderGate
from desktop_app.core.jobs.scheduler_balance import BalanceReadings, Reading
from desktop_app.core.jobs.scheduler_control import JobControl
from desktop_app.core.jobs.scheduler_results import ResultStage
from desktop_app.core.jobs.scheduler_resume import ResumeStage
from desktop_app.core.jobs.scheduler_submit import SubmitStage, is_paid, paid_request_maybe_sent, uncertain_message
from desktop_app.core.jobs.spending import Ledger
from desktop_app.core.jobs.store import Job, JobGroup, JobState, JobStore, new_job_id
from desktop_app.core.library.store import Library
from desktop_app.core.library.versions import write_refine_marker
from desktop_app.core.ports import PollResult, RemoteRef, RemoteStatus, poll_interval
from desktop_app.core.retry import POLLS
from desktop_app.core.state_repair import storage_error_for

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

log = logging.getLogger(__name__)
S = JobState
Listener = Callable[[Job], None]

_STATUS_TO_STATE = {
    RemoteStatus.QUEUED: S.QUEUED,
    RemoteStatus.RUNNING: S.RUNNING,
    RemoteStatus.SUCCEEDED: S.DOWNLOADING,
    RemoteStatus.FAILED: S.FAILED,
    RemoteStatus.CANCELED: S.CANCELED,
}


class Scheduler(SubmitStage, BalanceReadings, JobControl, ResultStage, ResumeStage):
    """``concurrency`` is shared, not copied (it is the live Settings dict): a cap edited in Settings applies to
    waiting jobs at once, as does a new ``deadline_s`` to running ones."""

    def __init__(
        self,
        store: JobStore,
        registry: Any,  # desktop_app.services.Registry: provider_for(model_id), schema(model_id)
        library: Library,
        jobs_dir: Path,
        *,
        concurrency: dict[str, int] | None = None,
        deadline_s: float = 30 * 60,
        poll_override: tuple[float, float] | None = None,
        http_client: httpx.AsyncClient | None = None,
        daily_caps: dict[str, float] | None = None,
    ) -> None:
        self.store = store
        self.ledger = Ledger(store)
        self.daily_caps = daily_caps if daily_caps is not None else {}
        self._paid_sends: dict[str, int] = {}
        self._readings: dict[str, Reading] = {}
        self._side_tasks: set[asyncio.Task[None]] = set()
        self.registry = registry
        self.library = library
        self.jobs_dir = jobs_dir
        self.concurrency = concurrency if concurrency is not None else {}
        self.deadline_s = deadline_s
        self.poll_override = poll_override or _polls_from_env()
        self._client = http_client
        self._gates: dict[str, ProviderGate] = {}
        self._tasks: dict[str, asyncio.Task[Job]] = {}
        self._listeners: list[Listener] = []
        self._success_notes: dict[str, str] = {}  # job id -> what the service said about a qualified success
        # job id -> why it stopped short, when the CLI's exit code depends on it: "auth" (key missing or
        # rejected) or "download" (paid for and finished, but the result could not be fetched yet).
        self.stop_causes: dict[str, str] = {}
        self._closing = False
        self._heartbeat: asyncio.Task[None] | None = None
        # Unfinished jobs the last resume_all left to the other live process that runs them: job id -> owner.
        self.elsewhere: dict[str, Owner] = {}

    # --- plumbing --------------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, job: Job) -> Job:
        for listener in list(self._listeners):
            try:
                listener(job)
            except Exception:  # a broken view must not break the job
                log.exception("job listener failed")
        return job

    def _set(self, job: Job, to: JobState | None = None, message: str | None = None, **changes: Any) -> Job:
        if to is None:
            if message is not None:
                changes["message"] = message
            job = self.store.update(job.id, **changes)
        else:
            job = self.store.transition(job.id, to, message, **changes)
        return self._emit(job)

    def gate(self, provider: Any) -> ProviderGate:
        name = provider.name
        if name not in self._gates:
            spacing = provider.request_spacing
            self._gates[name] = ProviderGate(lambda: self.concurrency.get(name, 2), spacing)
        return self._gates[name]

    def apply_settings(self) -> None:
        """Start waiting jobs now if a cap grew (running jobs also notice at their next request; a shrunk cap
        takes effect as running jobs finish)."""
        for gate in self._gates.values():
            gate.jobs.wake()

    async def http_client(self) -> httpx.AsyncClient:
        """The client for result downloads, made on first use in a worker: building its TLS context reads the
        CA bundle, which blocked the GUI loop for tens of milliseconds."""
        import httpx

        if self._client is None:
            client = await asyncio.to_thread(
                httpx.AsyncClient, timeout=httpx.Timeout(120.0, connect=15.0), follow_redirects=True)
            if self._client is None:
                self._client = client
            else:  # another job made one meanwhile
                await client.aclose()
        return self._client

    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def running(self, job_id: str) -> bool:
        task = self._tasks.get(job_id)
        return task is not None and not task.done()

    # --- creating and starting -------------------------------------------------------------------------

    async def model_schema(self, model_id: str) -> Any:
        """The model's parameter schema (desktop_app.core.schema.model_schema.ModelSchema), fetched once and cached."""
        self.registry.provider_for(model_id)  # an unknown model fails here with a clear message
        return await self.registry.schema(model_id)

    async def new_group(self, kind: str, title: str) -> JobGroup:
        """Commit a batch or compare group before its jobs are made, so they can name it."""
        return await asyncio.to_thread(self.store.create_group, kind, title)

    async def create_job(
        self, model_id: str, images: Sequence[Path], values: dict[str, Any], *, title: str = "",
        group_id: str | None = None, models: Sequence[ModelInput] = (),
    ) -> Job:
        """Check everything locally, copy the inputs into the job folder, and commit the job as a draft.
        ``models`` fill the schema's 3D-model inputs; one taken from a library item makes the result a new
        version of that item (desktop_app.core.library.versions)."""
        provider = self.registry.provider_for(model_id)
        schema = await self.registry.schema(model_id)
        values = {**schema.defaults(), **schema.coerce(values)}
        checked = await asyncio.to_thread(check_images, [Path(p) for p in images], schema.max_images(), 0)
        errors = schema.validate(values, image_count=len(checked), model_count=len(models))
        for model in models:
            problem = await asyncio.to_thread(check_model_file, model.path)
            if problem:
                errors.setdefault("models", problem)
        if errors:
            raise ValidationError(errors)
        self._want_balance(provider)  # the "before" reading runs beside the copying below (one per service)
        job = Job(id=new_job_id(), model_id=model_id, params=values, group_id=group_id)
        prompt_field = schema.prompt_field()
        prompt = str(values.get(prompt_field.name, "")) if prompt_field else ""
        source_item = next((self.library.get(m.item_id) for m in models if m.item_id), None)
        job.title = title or (source_item.title if source_item else "") or (
            _humanise(checked[0].path.stem) if checked else prompt[:40]) or schema.name
        inputs_dir = self.job_dir(job.id) / "inputs"

        def copy_inputs() -> list[str]:
            inputs_dir.mkdir(parents=True, exist_ok=True)
            used: set[str] = set()
            names = []
            for index, image in enumerate(checked, 1):
                name = safe_filename(f"{index:02d}-{image.path.stem}.png", used)
                normalise_image(image, inputs_dir / name)
                names.append(name)
            for index, model in enumerate(models, 1):
                name = safe_filename(f"m{index:02d}-{model.path.stem}{model.path.suffix.lower()}", used)
                shutil.copyfile(model.path, inputs_dir / name)
                names.append(name)
            refined = next((m for m in models if m.item_id), None)
            if refined is not None:
                write_refine_marker(self.job_dir(job.id), refined.item_id, refined.version)
            return names

        job.inputs = await asyncio.to_thread(copy_inputs)
        return self._emit(await asyncio.to_thread(self.store.create, job))

    def start(self, job_id: str) -> asyncio.Task[Job]:
        if self.running(job_id):
            return self._tasks[job_id]
        task = asyncio.get_running_loop().create_task(self._run(job_id), name=f"job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda t, jid=job_id: self._tasks.pop(jid, None) if self._tasks.get(jid) is t else None)
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name="owner heartbeat")
        return task

    async def _beat(self) -> None:
        """Refresh this process's heartbeat while it runs jobs (read by processes that cannot probe its lock)."""
        while live := [t for t in self._tasks.values() if not t.done()]:
            try:
                await asyncio.to_thread(self.store.heartbeat)
            except Exception as exc:  # a missed beat only matters after LEASE_S of them
                log.info("heartbeat failed: %s", exc)
            await asyncio.wait(live, timeout=HEARTBEAT_S)  # ends as soon as the last job does

    async def run(self, job_id: str) -> Job:
        """Start (or join) a job and wait for it to stop."""
        return await self.start(job_id)

    # --- the run ---------------------------------------------------------------------------------------

    async def _run(self, job_id: str) -> Job:
        try:
            taken = await asyncio.to_thread(self.store.claim, job_id)
            if taken is None:  # another live process runs it: leave it alone, say so
                job = self.store.require(job_id)
                log.info("job %s is running in another process; not touching it", job_id)
                return self._emit(job)
            job, previous = taken
            if job.state is S.UPLOADING and previous != self.store.token:
                job = self._settle_stopped_upload(job)  # taken over from a process stopped mid-submit
            return await self._advance(job)
        except NotOwnerError as exc:  # another process took it (it judged this one gone): stop touching it
            log.warning("job %s: no longer owned by this process (%s); stopping quietly", job_id, exc.message)
            return self.store.require(job_id)
        finally:
            with contextlib.suppress(Exception):
                self.store.release(job_id)

    async def _advance(self, job: Job) -> Job:
        job_id = job.id
        try:
            provider = self.registry.provider_for(job.model_id)
        except MeshwrightError as exc:
            return self._set(job, S.FAILED, exc.user_text()) if job.state is S.DRAFT else job
        gate = self.gate(provider)
        if job.state is S.DRAFT:
            self._want_balance(provider)  # read beside the wait for a slot, never waited for
        try:
            if gate.jobs.locked():
                job = self._set(job, message=f"Waiting for a free slot ({gate.jobs.running} of {gate.max_jobs} "
                                f"{provider.display_name} jobs are running)")
            async with gate.jobs:
                job = self.store.require(job_id)
                paid = is_paid(provider)
                if job.state is S.INTERRUPTED and (not job.remote or not paid):
                    job = self._set(job, S.DRAFT if not job.remote else S.UPLOADING, "Starting again")
                if job.state is S.DRAFT:
                    job = await self._submit(job, provider, gate)
                elif job.state is S.UPLOADING:
                    job = await self._submit(job, provider, gate, already_uploading=True)
                if job.state in (S.SUBMITTED, S.QUEUED, S.RUNNING, S.INTERRUPTED):
                    job = await self._poll_until_done(job, provider, gate)
                if job.state is S.DOWNLOADING:
                    job = await self._download(job, provider, gate)
                self._after_settled(job, provider)
                return job
        except asyncio.CancelledError:
            with contextlib.suppress(NotOwnerError):
                self._on_stopped(job_id, provider)
            raise
        except NotOwnerError:
            raise
        except Exception as exc:  # a bug must not leave a job looking alive
            storage = storage_error_for(exc, self.jobs_dir)  # a full or read-only disk is not a bug
            if storage is not None:
                log.info("job %s stopped: %s", job_id, storage.message)
                self.stop_causes[job_id] = "storage"
                exc = storage
            else:
                log.exception("job %s crashed", job_id)
            try:
                job = self.store.require(job_id)
                if not job.state.terminal:
                    text = exc.user_text() if isinstance(exc, MeshwrightError) else f"Unexpected error: {exc}"
                    to = S.INTERRUPTED if job.remote else S.FAILED
                    job = self._set(job, to, text)
            except Exception as again:  # the journal itself cannot be written (disk full): say which folder
                raise (storage_error_for(again, self.store.path.parent) or again) from exc
            return job

    def _on_stopped(self, job_id: str, provider: Any) -> None:
        """The task was canceled: by the user (cancel() records the end state) or by the app closing."""
        job = self.store.require(job_id)
        if job.state.terminal or job.cancel_requested:
            return
        if paid_request_maybe_sent(job, provider):
            self._set(job, S.NEEDS_CHECK, uncertain_message(provider.display_name))
        elif job.state.active or job.state is S.DRAFT:
            self._set(job, S.INTERRUPTED, "Paused when Meshwright closed; it continues at the next start.")

    def _timing(self, provider: Any) -> tuple[float, float]:
        return self.poll_override or provider.poll_timing

    async def _poll_until_done(self, job: Job, provider: Any, gate: ProviderGate) -> Job:
        ref = RemoteRef.from_json(job.remote)
        first, cap = self._timing(provider)
        started = job.started_at or time.time()
        attempt = 0
        failures = 0
        if job.state is S.INTERRUPTED:
            job = self._set(job, S.SUBMITTED, "Checking on the job")
        while True:
            if time.time() - started > self.deadline_s:
                minutes = round(self.deadline_s / 60)
                return self._set(job, S.NEEDS_CHECK, f"No result after {minutes} minutes. It may still finish on "
                                 f"{provider.display_name}; check there before retrying.")
            await asyncio.sleep(poll_interval(attempt, first, cap) if failures == 0 else 0)
            await gate.request_slot()
            try:
                result = await provider.poll(ref)
            except AuthError as exc:
                self.stop_causes[job.id] = "auth"
                return self._set(job, S.INTERRUPTED, exc.user_text())
            except ProviderError as exc:
                if not exc.retryable:
                    return self._set(job, S.FAILED, exc.user_text())
                failures += 1
                wait = POLLS.delay(failures, exc.retry_after, cap=cap)
                gate.pause(wait)
                job = self._set(job, message=f"{exc.message} Trying again in {round(wait)} s.")
                continue
            failures = 0
            attempt += 1
            self._record_poll_cost(job, provider, result)
            if result.status is RemoteStatus.FAILED:
                return await self._fail_keeping_partial(job, provider, gate, result)
            job = self._apply_poll(job, result)
            if job.state is not S.QUEUED and job.state is not S.RUNNING and job.state is not S.SUBMITTED:
                return job

    def _apply_poll(self, job: Job, result: PollResult) -> Job:
        to = _STATUS_TO_STATE[result.status]
        changes: dict[str, Any] = {"queue_position": result.queue_position}
        if result.progress is not None:
            changes["progress"] = max(0.0, min(1.0, result.progress))
        if result.cost is not None:
            changes["cost"] = result.cost
        message = result.message or to.label
        if to is S.FAILED:
            message = result.message or "The service could not make this model."
        if to is job.state:
            if message == job.message and all(getattr(job, key) == value for key, value in changes.items()):
                return job  # a poll that changed nothing: no journal write, no row repainted (on software GL each
                # repaint of the window composes all of it again: 12-30 ms), and 50 jobs poll every few seconds
            return self._set(job, message=message, **changes)
        if to is S.DOWNLOADING:
            changes["progress"] = None
            if result.message and result.message != "Done":  # "Done, but the preview render failed": keep it
                self._success_notes[job.id] = result.message
            message = "Fetching the results"
        return self._set(job, to, message, **changes)


def _polls_from_env() -> tuple[float, float] | None:
    """``MESHWRIGHT_POLL_SECONDS="first,cap"``: quick polling for emulator runs (the kill -9 suite drives the
    real CLI as a subprocess). Real services keep their own etiquette unless this is set."""
    raw = os.environ.get("MESHWRIGHT_POLL_SECONDS", "")
    try:
        first, cap = (float(v) for v in raw.split(","))
    except ValueError:
        return None
    return (first, cap) if 0 < first <= cap else None


def _humanise(stem: str) -> str:
    """'typical_building-castle' -> 'Typical building castle': file names make poor titles as they are."""
    words = " ".join(stem.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else ""

