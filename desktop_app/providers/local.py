"""The offline provider: runs the relief generator on this computer, behind the same protocol as the services.

Jobs run one at a time in a private worker thread (the generator is CPU-bound and the machine may have two
cores). ``submit`` returns at once; ``poll`` reads the worker's progress. Nothing survives the process except
finished files: after a restart a task id is unknown, and it is reported as failed unless its model was
already written (files are renamed into place only when complete, so an existing file is a whole one).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import uuid
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import (
    InputImageError,
    JobCanceled,
    MeshwrightError,
    ProviderError,
    UnknownModelError,
)
from desktop_app.core.relief.params import ReliefParams
from desktop_app.core.schema.model_schema import ModelSchema
from desktop_app.core.state_repair import storage_error_for
from desktop_app.providers.base import (
    FileKind,
    GenerationRequest,
    ModelInfo,
    PollResult,
    ProgressCallback,
    ProviderTraits,
    Quote,
    RemoteFile,
    RemoteRef,
    RemoteStatus,
)
from desktop_app.resources import resource_path

log = logging.getLogger(__name__)

MODEL_ID = "local:relief"
MODEL_FILE = "model.glb"
INTERRUPTED = "The offline generation was interrupted when the app closed; retry it (it is free)."
DESCRIPTION = (
    "Makes a solid, coloured relief from one picture on this computer. Free, no account or internet needed, "
    "ready in seconds."
)


def generate_relief(*args: Any, **kwargs: Any) -> Path:
    """core.relief.generate_relief, imported on first use: it pulls in trimesh, which the window's
    start-up must not wait for (benchmarks/startup.py)."""
    from desktop_app.core.relief.generate import generate_relief as run

    return run(*args, **kwargs)


@dataclass
class _Task:
    id: str
    folder: Path
    cancel: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)
    future: Future[Path] | None = None
    progress: float = 0.0
    message: str = "Waiting for the previous offline model to finish"

    def report(self, fraction: float, message: str) -> None:
        # Called from the worker thread; single attribute writes are atomic, and poll only reads them.
        self.progress, self.message = fraction, message


class LocalProvider(ProviderTraits):
    name = "local"
    display_name = "Offline (this computer)"
    paid = False  # the scheduler may safely resubmit after a crash: nothing is billed
    poll_timing = (0.3, 1.0)  # (first poll, cap) in seconds: the work is local and quick

    def __init__(self, work_dir: Path) -> None:
        self._work_dir = Path(work_dir)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="meshwright-relief")
        self._tasks: dict[str, _Task] = {}
        self._schema: ModelSchema | None = None

    # ----------------------------------------------------------------- catalogue

    async def models(self) -> list[ModelInfo]:
        return [ModelInfo(id=MODEL_ID, name="Offline relief", provider=self.name, description=DESCRIPTION,
                          needs_account=False)]

    async def schema(self, model_id: str) -> ModelSchema:
        _check_model(model_id)
        if self._schema is None:
            self._schema = await asyncio.to_thread(ModelSchema.load, resource_path("schemas/local-relief.json"))
        return self._schema

    quote_needs_complete_job = False  # always free

    async def quote(self, request: GenerationRequest) -> Quote | None:
        return Quote(0, "credits", "Free, runs on this computer")

    # ----------------------------------------------------------------- jobs

    async def submit(self, request: GenerationRequest, progress: ProgressCallback) -> RemoteRef:
        _check_model(request.model_id)
        if len(request.images) != 1:
            raise InputImageError(
                f"The offline relief takes exactly 1 image; you added {len(request.images)}."
            )
        params = ReliefParams.from_values(request.values)  # ValidationError before anything starts
        task_id = f"relief-{uuid.uuid4().hex[:12]}"
        folder = self._work_dir / task_id
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        task = _Task(task_id, folder)
        if not any(t.future is not None and not t.future.done() for t in self._tasks.values()):
            task.message = "Starting"
        image = Path(request.images[0])

        def run() -> Path:
            task.started.set()
            return generate_relief(image, folder / MODEL_FILE, params, progress=task.report, cancel=task.cancel)

        task.future = self._executor.submit(run)
        self._tasks[task_id] = task
        progress(None, "Started on this computer")
        return RemoteRef(data={"task": task_id, "dir": str(folder)}, cost=0, cost_unit="credits")

    async def poll(self, ref: RemoteRef) -> PollResult:
        task = self._tasks.get(str(ref.data.get("task", "")))
        if task is None or task.future is None:
            if self._finished_file(ref) is not None:
                return PollResult(RemoteStatus.SUCCEEDED, progress=1.0, message="Done", cost=0)
            return PollResult(RemoteStatus.FAILED, message=INTERRUPTED)
        future = task.future
        if not future.done():
            if not task.started.is_set():
                return PollResult(RemoteStatus.QUEUED, progress=0.0, message=task.message)
            return PollResult(RemoteStatus.RUNNING, progress=task.progress, message=task.message)
        try:
            future.result()
        except (JobCanceled, CancelledError):
            return PollResult(RemoteStatus.CANCELED, message="Canceled")
        except MeshwrightError as exc:
            return PollResult(RemoteStatus.FAILED, message=exc.user_text())
        except OSError as exc:
            storage = storage_error_for(exc, self._work_dir)
            if storage is not None:
                raise storage from exc  # the scheduler stops the job with this sentence (CLI exit code 6)
            log.exception("offline relief %s failed", task.id)
            return PollResult(RemoteStatus.FAILED, message=f"The offline generator could not write its file ({exc}).")
        except MemoryError:
            return PollResult(RemoteStatus.FAILED, message="This computer ran out of memory making the model; "
                              "lower “Detail” and retry.")
        except Exception as exc:  # a bug, not the user's fault: keep the details for the log
            log.exception("offline relief %s failed", task.id)
            return PollResult(RemoteStatus.FAILED, message=f"The offline generator failed unexpectedly ({exc}).")
        return PollResult(RemoteStatus.SUCCEEDED, progress=1.0, message="Done", cost=0)

    async def outputs(self, ref: RemoteRef) -> list[RemoteFile]:
        path = self._finished_file(ref)
        if path is None:
            raise ProviderError("The offline model file is missing; retry the generation (it is free).")
        size = (await asyncio.to_thread(path.stat)).st_size
        return [RemoteFile(key=MODEL_FILE, name=MODEL_FILE, kind=FileKind.MODEL, url=path.as_uri(), size=size,
                           mime="model/gltf-binary", preferred=True)]

    async def fresh_url(self, ref: RemoteRef, file: RemoteFile) -> str:
        path = self._finished_file(ref)
        if path is None:
            raise ProviderError("The offline model file is missing; retry the generation (it is free).")
        return path.as_uri()

    async def cancel(self, ref: RemoteRef) -> bool:
        task = self._tasks.get(str(ref.data.get("task", "")))
        if task is not None:
            task.cancel.set()
            if task.future is not None:
                task.future.cancel()  # only succeeds while it is still waiting for the worker
        return True  # nothing is billed, so a stop is always accepted

    async def release(self, ref: RemoteRef) -> None:
        """The result is in the library: delete this provider's working copy (cache/local/<task>)."""
        self._tasks.pop(str(ref.data.get("task", "")), None)
        folder = ref.data.get("dir")
        if not folder:
            return
        path = Path(str(folder))
        try:
            path.resolve().relative_to(self._work_dir.resolve())
        except ValueError:
            return  # not ours to delete
        if path.resolve() != self._work_dir.resolve():
            await asyncio.to_thread(shutil.rmtree, path, True)

    async def aclose(self) -> None:
        for task in self._tasks.values():
            task.cancel.set()
            if task.future is not None:
                task.future.cancel()
        # The generator checks its cancel flag between stages (well under a second apart), so this is short.
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)

    # ----------------------------------------------------------------- helpers

    def _finished_file(self, ref: RemoteRef) -> Path | None:
        folder = ref.data.get("dir")
        if not folder:
            return None
        path = Path(str(folder)) / MODEL_FILE
        try:
            path.resolve().relative_to(self._work_dir.resolve())
        except ValueError:
            return None  # a journal entry pointing outside our folder is not ours to hand out
        return path if path.is_file() else None


def _check_model(model_id: str) -> None:
    if model_id != MODEL_ID:
        raise UnknownModelError(f"The offline generator has no model called “{model_id}”.",
                                hint=f"It offers {MODEL_ID}.")
