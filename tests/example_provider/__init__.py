"""A small example service, not shipped: what adding a provider takes.

One package with its provider and its ``DESCRIPTION``, plus one line in ``desktop_app/providers/catalog.py``
(``tests/unit/test_example_provider.py`` adds that line for the test). Everything else the app shows about it (the
Accounts page, the welcome card, the status-bar credits, the key Test button, the model picker, the Jobs and
Advanced settings rows) is built from the description.

The service "generates" a cube offline after checking a token; it costs pretend credits.
"""

from __future__ import annotations

from pathlib import Path

import trimesh

from desktop_app.core.errors import AuthError
from desktop_app.core.ports import (
    FileKind,
    GenerationRequest,
    ModelInfo,
    PollResult,
    Provider,
    ProviderContext,
    ProviderDescription,
    ProviderTraits,
    Quote,
    RemoteFile,
    RemoteRef,
    RemoteStatus,
    SecretSpec,
)
from desktop_app.core.schema.model_schema import ModelSchema

TOKEN = "example_token"
GOOD_TOKEN = "tok-good-1234"
SCHEMA = {
    "id": "example:cube", "name": "Example cube", "provider": "example",
    "inputs": [{"name": "image", "type": "file", "kind": "image", "required": {"always": True}},
               {"name": "size", "type": "number", "min": 0.1, "max": 2.0, "default": 1.0}],
}


class ExampleProvider(ProviderTraits):
    name = "example"
    display_name = "Example service"
    poll_timing = (0.01, 0.05)
    request_spacing = 0.0

    def __init__(self, work: Path, token: object) -> None:
        self.work = work
        self.token = token  # a callable: the key is read when needed, so a key saved in Settings applies at once

    def _check(self) -> None:
        if self.token() != GOOD_TOKEN:
            raise AuthError("The example service refused the token.", hint="Check it in Settings.")

    async def models(self) -> list[ModelInfo]:
        has_key = bool(self.token())
        return [ModelInfo("example:cube", "Example cube", self.name, "A cube, for the test.", available=has_key,
                          unavailable_reason="" if has_key else "Add an example token")]

    async def schema(self, model_id: str) -> ModelSchema:
        return ModelSchema.from_dict(SCHEMA)

    async def quote(self, request: GenerationRequest) -> Quote | None:
        return Quote(2, "credits")

    async def submit(self, request: GenerationRequest, progress: object) -> RemoteRef:
        self._check()
        return RemoteRef({"size": float(request.values.get("size") or 1.0)}, cost=2.0, cost_unit="credits")

    async def poll(self, ref: RemoteRef) -> PollResult:
        return PollResult(RemoteStatus.SUCCEEDED)

    async def outputs(self, ref: RemoteRef) -> list[RemoteFile]:
        return [RemoteFile("cube", "cube.glb", FileKind.MODEL, preferred=True)]

    async def fresh_url(self, ref: RemoteRef, file: RemoteFile) -> str:
        self.work.mkdir(parents=True, exist_ok=True)
        path = self.work / "cube.glb"
        size = float(ref.data.get("size") or 1.0)
        path.write_bytes(trimesh.creation.box(extents=(size, size, size)).export(file_type="glb"))
        return path.as_uri()

    async def cancel(self, ref: RemoteRef) -> bool:
        return True

    async def aclose(self) -> None:
        pass

    async def balance(self) -> tuple[float, str] | None:
        self._check()
        return 42.0, "credits"


def _make(context: ProviderContext) -> Provider:
    secrets = context.secrets
    return ExampleProvider(context.paths.cache_dir / "example", lambda: secrets.peek(TOKEN))


async def _test(provider: Provider) -> str:
    balance = await provider.balance()
    return f"Connected · {balance[0]:g} {balance[1]} left" if balance else "Connected"


DESCRIPTION = ProviderDescription(
    name="example",
    display_name="Example service",
    short_name="Example",
    summary="A pretend service that makes cubes, to show what adding a provider takes.",
    factory=_make,
    needs="token, pretend credits",
    secrets=(SecretSpec(TOKEN, "EXAMPLE_TOKEN", "&Token:", "Example service token"),),
    key_url="https://example.invalid/keys",
    key_link_text="Make a token on the example dashboard",
    base_url_env="EXAMPLE_BASE_URL",
    test_connection=_test,
)
