"""A scripted provider for scheduler tests: real files and a real journal, no network."""

from __future__ import annotations

import asyncio
from pathlib import Path

from desktop_app.core.errors import ProviderError, SubmitUncertainError
from desktop_app.core.schema.model_schema import ModelSchema
from desktop_app.providers.base import (
    FileKind,
    ModelInfo,
    PollResult,
    ProviderTraits,
    Quote,
    RemoteFile,
    RemoteRef,
    RemoteStatus,
)
from tests.emulators.common import make_glb

SCHEMA = {
    "id": "fake:model", "name": "Fake model", "provider": "fake",
    "inputs": [
        {"name": "image", "type": "file", "kind": "image", "required": {"always": True}},
        {"name": "detail", "type": "number", "min": 1, "max": 10, "default": 5},
    ],
}


class FakeProvider(ProviderTraits):
    name = "fake"
    display_name = "Fake service"
    paid = True
    poll_timing = (0.01, 0.02)
    request_spacing = 0.01

    def __init__(self, work: Path, script: list[object] | None = None) -> None:
        self.work = work
        self.script = list(script or [RemoteStatus.QUEUED, RemoteStatus.RUNNING, RemoteStatus.SUCCEEDED])
        self.submits = 0
        self.polls = 0
        self.cancels = 0
        self.submit_error: Exception | None = None
        self.submit_gate: asyncio.Event | None = None
        self.cancel_accepted = True
        self.outputs_on_failure: list | None = None  # None: a failed job still lists its files
        self.last_status: RemoteStatus | None = None
        self.url_calls = 0
        self.glb = work / "served.glb"
        work.mkdir(parents=True, exist_ok=True)
        self.glb.write_bytes(make_glb())

    async def models(self):
        return [ModelInfo("fake:model", "Fake model", "fake")]

    async def schema(self, model_id):
        return ModelSchema.from_dict(SCHEMA)

    async def quote(self, request):
        return Quote(1, "credits")

    async def submit(self, request, progress):
        self.submits += 1
        progress(0.5, "Uploading")
        if self.submit_gate is not None:
            await self.submit_gate.wait()
        if self.submit_error is not None:
            raise self.submit_error
        return RemoteRef({"task": f"t{self.submits}"}, cost=1.0, cost_unit="credits")

    async def poll(self, ref):
        self.polls += 1
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        self.last_status = step
        return PollResult(step, progress=0.5 if step is RemoteStatus.RUNNING else None)

    async def outputs(self, ref):
        if self.outputs_on_failure is not None and self.last_status is RemoteStatus.FAILED:
            return self.outputs_on_failure
        return [RemoteFile("m", "../model.glb", FileKind.MODEL, preferred=True),
                RemoteFile("p", "preview.png", FileKind.IMAGE)]

    async def fresh_url(self, ref, file):
        self.url_calls += 1
        if file.key == "p":
            png = self.work / "preview.png"
            from tests.emulators.common import make_image

            png.write_bytes(make_image())
            return png.as_uri()
        return self.glb.as_uri()

    async def cancel(self, ref):
        self.cancels += 1
        return self.cancel_accepted

    async def aclose(self):
        pass


__all__ = ["FakeProvider", "ProviderError", "SubmitUncertainError"]
