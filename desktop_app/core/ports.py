"""The provider port: what the core needs from a generation service, and how a service describes itself.

Core code uses only these types, never a provider module; the providers (desktop_app/providers) implement them
and ``desktop_app/providers/catalog.py`` lists them. (``desktop_app.providers.base`` re-exports this module for
older imports.)

The scheduler drives every provider the same way, and owns the journal:

    ref = await provider.submit(request)          # paid step; never retried blindly
    while not done: status = await provider.poll(ref)
    files = await provider.outputs(ref)           # what to download; URLs may expire
    url = await provider.fresh_url(ref, file)     # right before each download (and after a 403)
    await provider.cancel(ref)

Everything a provider returns is plain data, so a ``RemoteRef`` can be stored in the journal and a job can be
resumed by a new process. Model ids are provider-qualified (``hyper3d:rodin``, ``scenario:model_trellis-2``,
``local:relief``); providers receive and return qualified ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from desktop_app.core.schema.model_schema import ModelSchema

if TYPE_CHECKING:
    from desktop_app.core.settings import AppPaths, Secrets, Settings


@dataclass(frozen=True)
class ModelInfo:
    id: str  # qualified: "scenario:model_trellis-2"
    name: str
    provider: str
    description: str = ""
    capabilities: tuple[str, ...] = ("img23d",)  # img23d, txt23d
    available: bool = True  # False: the account or plan cannot use it
    unavailable_reason: str = ""
    needs_account: bool = True  # False: free, nothing to sign up for (the offline generator)


@dataclass(frozen=True)
class GenerationRequest:
    model_id: str
    images: tuple[Path, ...]  # checked and normalised input images, in the user's order
    values: dict[str, Any]  # validated form values (files excluded; the provider maps images itself)
    job_id: str = ""  # our id, usable as an idempotency key
    models: tuple[Path, ...] = ()  # 3D model inputs (mesh-to-mesh models), in the schema's model-input order
    # Awaited by a provider that sets ``announces_paid_request`` right before its paid call, after its free
    # steps (input uploads): the scheduler records that from then on a stop leaves the job "needs check".
    on_paid_request: Callable[[], Awaitable[None]] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Quote:
    cost: float
    unit: str  # "credits", "CU", ...
    detail: str = ""


@dataclass
class RemoteRef:
    """What identifies a submitted job at the service; stored in the journal as ``Job.remote``."""

    data: dict[str, Any] = field(default_factory=dict)
    cost: float | None = None
    cost_unit: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"data": self.data, "cost": self.cost, "cost_unit": self.cost_unit}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RemoteRef:
        return cls(dict(raw.get("data") or {}), raw.get("cost"), raw.get("cost_unit") or "")


class RemoteStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class PollResult:
    status: RemoteStatus
    progress: float | None = None  # 0..1 when the service says
    message: str = ""  # plain-language detail ("Waiting in queue", or the failure reason)
    queue_position: int | None = None
    cost: float | None = None
    # For a failed job: whether the service gives the charge back (Scenario refunds failed jobs unless
    # ``billing.disableRefund``); None when the service does not say (no refund is recorded then).
    refunded: bool | None = None


class FileKind(StrEnum):
    MODEL = "model"  # a 3D file: glb, gltf, obj, fbx, usdz, stl, ply
    IMAGE = "image"  # a preview render
    TEXTURE = "texture"
    OTHER = "other"


@dataclass(frozen=True)
class RemoteFile:
    """One result file. ``key`` is stable across URL refreshes; ``url`` may expire (http(s) or file://)."""

    key: str
    name: str  # server-given name; sanitised before it touches the disk
    kind: FileKind
    url: str = ""
    size: int | None = None
    mime: str = ""
    preferred: bool = False  # the model the preview should open


ProgressCallback = Callable[[float | None, str], None]


@runtime_checkable
class Provider(Protocol):
    name: str  # "hyper3d", "scenario", "local"
    display_name: str
    # Traits the scheduler reads (ProviderTraits gives the defaults):
    paid: bool  # a submit may cost money: never resubmitted when its fate is unknown
    poll_timing: tuple[float, float]  # (first poll, cap) in seconds
    request_spacing: float  # seconds between two requests to the service
    announces_paid_request: bool  # awaits ``GenerationRequest.on_paid_request`` right before its paid call
    quote_needs_complete_job: bool  # False: its price is a local table, so a half-filled form can be priced

    async def models(self) -> list[ModelInfo]: ...

    async def schema(self, model_id: str) -> ModelSchema: ...

    async def quote(self, request: GenerationRequest) -> Quote | None: ...

    async def submit(self, request: GenerationRequest, progress: ProgressCallback) -> RemoteRef:
        """Upload and start the job. Raise SubmitUncertainError when the request may have arrived."""
        ...

    async def poll(self, ref: RemoteRef) -> PollResult: ...

    async def outputs(self, ref: RemoteRef) -> list[RemoteFile]: ...

    async def fresh_url(self, ref: RemoteRef, file: RemoteFile) -> str: ...

    async def cancel(self, ref: RemoteRef) -> bool:
        """Ask the service to stop. True when it accepted; False when it refused (may still bill)."""
        ...

    async def aclose(self) -> None: ...

    async def balance(self) -> tuple[float, str] | None:
        """Credits left and their unit, or None when the service reports none."""
        ...

    async def check_connection(self) -> None:
        """One small authenticated read; raises AuthError or ProviderError when the keys or network fail."""
        ...


class ProviderTraits:
    """The defaults of a provider's traits and account calls; providers inherit it and override what differs."""

    paid = True
    poll_timing: tuple[float, float] = (5.0, 30.0)
    request_spacing = 0.25
    announces_paid_request = False
    quote_needs_complete_job = True
    reports_balance = False  # True: ``balance()`` asks the service (the spend ledger reads it around paid jobs)

    async def balance(self) -> tuple[float, str] | None:
        return None

    async def check_connection(self) -> None:
        return None


# --- how a provider describes itself (settings pages, welcome, status bar, key tests are built from this) -----

@dataclass(frozen=True)
class SecretSpec:
    """One secret a service needs: kept in the OS keychain under ``name``; ``env`` overrides it."""

    name: str  # "rodin_api_key"
    env: str  # "RODIN_API_KEY"
    label: str  # the form label, with its mnemonic: "API ke&y:"
    accessible_name: str  # "Hyper3D Rodin API key"


@dataclass(frozen=True)
class OptionSpec:
    """A plain (not secret) per-service setting shown with the keys, read from and written to ``Settings``."""

    label: str
    placeholder: str
    tooltip: str
    get: Callable[[Settings], str]
    set: Callable[[Settings, str], None]


@dataclass(frozen=True)
class ProviderContext:
    """What a factory builds a provider from: the user's folders, settings and secrets (as saved or as typed)."""

    paths: AppPaths
    settings: Settings
    secrets: Secrets


@dataclass(frozen=True)
class ProviderDescription:
    """Everything the app says about a service, in one place.

    ``factory`` builds the provider (importing its module only then, so listing services stays cheap);
    ``test_connection`` answers the Settings "Test" button with a sentence, or raises a MeshwrightError.
    """

    name: str  # model id prefix: "hyper3d"
    display_name: str  # "Hyper3D Rodin"
    short_name: str  # the status bar: "Rodin: 12 credits"
    summary: str  # one or two sentences for the welcome screen
    factory: Callable[[ProviderContext], Provider]
    secrets: tuple[SecretSpec, ...] = ()
    options: tuple[OptionSpec, ...] = ()
    picker_heading: str = ""  # the model picker's heading over its models, when not display_name
    needs: str = ""  # what its models ask for, beside that heading: "Rodin API key, paid credits"
    key_url: str = ""  # where to make a key
    key_link_text: str = ""  # "Create a key on the Hyper3D dashboard (API Key Management)"
    base_url_env: str = ""  # the environment variable that points it elsewhere (an emulator)
    default_base_url: str = ""
    paid: bool = True
    test_connection: Callable[[Provider], Awaitable[str]] | None = None
    secret_pairs: tuple[tuple[str, str], ...] = ()  # secrets sent together (base64 "key:secret"), for the scrubber

    @property
    def needs_account(self) -> bool:
        return bool(self.secrets)


def poll_interval(attempt: int, first: float = 5.0, cap: float = 30.0) -> float:
    """Seconds before poll number ``attempt`` (0-based): ~5 s first, growing to ~30 s."""
    return min(cap, first * (1.5**attempt))


Downloader = Callable[[RemoteFile, Path], Awaitable[Path]]
