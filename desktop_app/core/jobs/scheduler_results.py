"""The last stage of a job: list the results, download each over a fresh link, and file them in the library.

A mixin of ``Scheduler`` (kept apart so each file stays readable); it uses the scheduler's journal helpers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import DownloadError, MeshwrightError, ProviderError
from desktop_app.core.jobs import outputs as result_files
from desktop_app.core.jobs.download import TransientDownloadError, UrlExpiredError, download_to, safe_filename
from desktop_app.core.jobs.pacing import ProviderGate
from desktop_app.core.jobs.store import Job, JobState, JobStore
from desktop_app.core.library import versions as library_versions
from desktop_app.core.library.store import Library
from desktop_app.core.ports import PollResult, RemoteRef
from desktop_app.core.retry import DOWNLOADS, READS

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

log = logging.getLogger("desktop_app.core.jobs.scheduler")
S = JobState


class ResultStage:
    store: JobStore
    stop_causes: dict[str, str]
    library: Library
    http_client: Callable[[], Awaitable[httpx.AsyncClient]]
    _set: Callable[..., Job]
    _success_notes: dict[str, str]
    job_dir: Callable[[str], Path]

    async def _retrying(self, what: str, call: Callable[[], Any], gate: ProviderGate, tries: int = 0) -> Any:
        """A read (never the paid submit), tried again by the one policy, core/retry.py ``READS`` (``tries``:
        fewer tries where a wait would only delay a message)."""
        policy = replace(READS, attempts=tries) if tries else READS
        attempt = 0
        while True:
            attempt += 1
            await gate.request_slot()
            try:
                return await call()
            except ProviderError as exc:
                if not policy.should_retry(exc, attempt):
                    raise
                gate.pause(policy.delay(attempt, exc.retry_after))
                log.info("%s failed (%s); retrying", what, exc.message)

    async def _fail_keeping_partial(self, job: Job, provider: Any, gate: ProviderGate, result: PollResult) -> Job:
        """A failed job may still have produced files (already paid for): keep them, and say so."""
        reason = result.message or "The service could not make this model."
        ref = RemoteRef.from_json(job.remote)
        try:
            files = await self._retrying("listing partial results", lambda: provider.outputs(ref), gate, tries=2)
        except MeshwrightError:
            files = []
        if not files:
            return self._set(job, S.FAILED, reason)
        job = self._set(job, S.DOWNLOADING, "Keeping the partial results")
        return await self._download(job, provider, gate, files=files,
                                    final=(S.FAILED, f"{reason} The partial results were kept in the library."))

    async def _download(self, job: Job, provider: Any, gate: ProviderGate, files: list[Any] | None = None,
                        final: tuple[JobState, str] | None = None) -> Job:
        if final is None:
            final = (S.SUCCEEDED, self._success_notes.pop(job.id, "Done"))
        existing = await asyncio.to_thread(self.library.find_by_job, job.id)
        if existing is not None:  # filed before a crash; only the final transition was missing
            return self._set(job, final[0], final[1], item_id=existing.id, progress=1.0)
        ref = RemoteRef.from_json(job.remote)
        if files is None:
            try:
                files = await self._retrying("listing results", lambda: provider.outputs(ref), gate)
            except ProviderError as exc:
                return self._set(job, S.INTERRUPTED, f"Could not list the results: {exc.user_text()}")
        if not files:
            return self._set(job, S.FAILED, "The service finished but returned no files.")
        out_dir = self.job_dir(job.id) / "outputs"
        used: set[str] = set()
        saved: list[tuple[Any, Path]] = []
        missing: list[tuple[Any, str, str]] = []  # (remote, file name, why) of files that would not download
        for index, remote in enumerate(files):
            dest = out_dir / safe_filename(remote.name, used, default=f"file-{index + 1}")
            job = self._set(job, message=f"Downloading {dest.name} ({index + 1} of {len(files)})",
                            progress=index / len(files))
            if not dest.exists():
                try:
                    await self._fetch(ref, remote, dest, provider, gate)
                except DownloadError as exc:
                    missing.append((remote, dest.name, exc.user_text()))
                    continue
            saved.append((remote, dest))
        if missing and not _has_main_model(saved, [m[0] for m in missing]):
            # The model itself is missing: keep the job to try again ("resume"), nothing is filed half-done.
            self.stop_causes[job.id] = "download"
            return self._set(job, S.INTERRUPTED, missing[0][2])
        if missing:
            # One broken extra (a preview image, a second format) must not cost the model that did arrive.
            names = ", ".join(name for _r, name, _why in missing)
            log.warning("job %s: kept the model; %d extra file(s) did not download: %s", job.id, len(missing), names)
            final = (final[0], f"{final[1]} (could not download: {names})")
        job = await self._file_result(job, saved, final)
        release = getattr(provider, "release", None)  # the offline generator's copy is no longer needed
        if release is not None:
            try:
                await release(ref)
            except Exception:  # tidying only: the item is safe in the library already
                log.warning("could not remove the provider's copy of job %s's files", job.id, exc_info=True)
        return job

    async def _fetch(self, ref: RemoteRef, remote: Any, dest: Path, provider: Any, gate: ProviderGate) -> None:
        for attempt in range(1, DOWNLOADS.attempts + 1):
            # Signed links expire: ask for a fresh one right before each try.
            url = await self._retrying("refreshing a link", lambda: provider.fresh_url(ref, remote), gate)
            await gate.request_slot()
            try:
                await download_to(await self.http_client(), url, dest, expected_size=remote.size)
                return
            except UrlExpiredError:
                if attempt >= 3:
                    raise
            except TransientDownloadError:
                if not DOWNLOADS.tries_left(attempt):
                    raise
                await asyncio.sleep(DOWNLOADS.delay(attempt))

    async def _file_result(self, job: Job, saved: list[tuple[Any, Path]], final: tuple[JobState, str]) -> Job:
        folder = self.job_dir(job.id)
        refine = library_versions.read_refine_marker(folder)
        if refine is not None and final[0] is not S.FAILED and self.library.get(refine[0]) is not None:
            # A refine of a library item: its result is the item's next version, with lineage.
            item = await asyncio.to_thread(
                library_versions.add_version, self.library, refine[0], folder, model_id=job.model_id,
                params=dict(job.params), job_id=job.id, made_from=refine[1], cost=job.cost,
                cost_unit=job.cost_unit)
            return self._set(self.store.require(job.id), final[0], final[1], item_id=item.id, progress=1.0)
        item = await asyncio.to_thread(result_files.build_item, job, folder, saved)
        item.status = "partial" if final[0] is S.FAILED else "complete"
        item = await asyncio.to_thread(self.library.add, item, folder)
        return self._set(self.store.require(job.id), final[0], final[1], item_id=item.id, progress=1.0)


def _has_main_model(saved: list[tuple[Any, Path]], failed: list[Any]) -> bool:
    """Whether the files that arrived hold the job's model: a previewable model arrived, and no file the
    service marked as *the* model (``preferred``) is among the failed ones."""
    if any(getattr(remote, "preferred", False) for remote in failed):
        return False
    return result_files.choose_model(saved) is not None
