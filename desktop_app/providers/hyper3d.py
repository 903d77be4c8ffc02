"""Hyper3D Rodin provider (contract: shared/api/rodin.md; sources of each wire choice: docs/CONTRACTS.md).

Flow: multipart ``POST v2/rodin`` (paid, never retried) -> ``POST v2/status`` with ``jobs.subscription_key``
-> ``POST v2/download`` with the task ``uuid`` -> plain GET of each signed URL (done by the downloader).

Base URL: the part *before* ``/v2``, i.e. ``https://api.hyper3d.com/api`` (the default) or an override such as
``RODIN_BASE_URL=http://127.0.0.1:8765/api``. Endpoint paths are appended as ``/v2/<name>``. A base that
already ends in ``/v2`` (as in the contract's section 9 wording) is accepted too: the suffix is dropped first,
so both spellings reach the same endpoints.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AuthError, ProviderError, SubmitUncertainError, UnknownModelError
from desktop_app.core.schema.model_schema import ModelSchema, load_bundled
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
from desktop_app.providers.http import json_body, make_client, request_bounded, transport_error
from desktop_app.providers.hyper3d_errors import (
    CANCELED,
    DONE,
    SERVICE,
    TERMINAL,
    WAITING,
    extension,
    file_kind,
    http_error,
    job_state,
    model_rank,
)

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

log = logging.getLogger("meshwright.hyper3d")

DEFAULT_BASE_URL = "https://api.hyper3d.com/api"
MODEL_ID = "hyper3d:rodin"
SCHEMA_NAME = "hyper3d-rodin"
DEFAULT_TIER = "Gen-2.5-Medium"
GEN25_TIERS = ("Gen-2.5-Extreme-Low", "Gen-2.5-Low", "Gen-2.5-Medium", "Gen-2.5-High", "Gen-2.5-Extreme-High")
GEN15_TIERS = ("Regular", "Detail", "Smooth")
MAX_IMAGES = 5
# Contract 9.1: about 300 s for a submit carrying images, about 30 s for everything else.
# httpx.Timeout(read, connect=15.0) in httpx's (connect, read, write, pool) form: no httpx import at start
SUBMIT_TIMEOUT = (15.0, 300.0, 300.0, 300.0)
READ_TIMEOUT = (15.0, 30.0, 30.0, 30.0)
MIME = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
NO_KEY_HINT = "Add your Rodin API key in Settings (or set RODIN_API_KEY). It is made on the Hyper3D dashboard."


def api_root(base_url: str) -> str:
    """Normalise a base URL to the part before ``/v2`` (see the module docstring)."""
    root = (base_url or DEFAULT_BASE_URL).strip().rstrip("/")
    return root.removesuffix("/v2").rstrip("/")


def tier_cost(tier: str, addons: Any = None) -> float:
    """Credits for one generation (contract 1): 1.0 on Gen-2.5-Extreme-High, else 0.5; HighPack adds 1."""
    cost = 1.0 if tier == "Gen-2.5-Extreme-High" else 0.5
    return cost + (1.0 if _has_highpack(addons) else 0.0)


def _has_highpack(addons: Any) -> bool:
    if isinstance(addons, str):
        return addons.strip() == "HighPack"
    return isinstance(addons, list | tuple) and "HighPack" in addons


# Array fields and how they go on the wire. Every vendor client sends ``addons`` as plain values, one field per
# add-on (``addons=HighPack``: rodin-api-mcp src/rodin_mcp/custom_types.py, ComfyUI's Gen-2.5 node; the official
# rodin3d-skills scripts/api_client.py joins them with commas, the same text for one add-on), so we do too. A
# JSON array string (``["HighPack"]``) is what no vendor client sends. ``bbox_condition`` and ``image_label``
# stay one JSON-list field: the docs' ControlNet example, rodin-api-mcp and BlenderMCP send ``[w,h,l]``.
PLAIN_REPEATED = frozenset({"addons"})


def encode_parts(name: str, value: Any) -> list[str]:
    """The text parts for one field: several for a repeated plain field, else at most one."""
    if name in PLAIN_REPEATED:
        items = [value] if isinstance(value, str) else list(value or ())
        return [str(item).strip() for item in items if str(item).strip()]
    text = encode_field(name, value)
    return [] if text is None else [text]


def encode_field(name: str, value: Any) -> str | None:
    """One text part (contract 2.2, 2.3): booleans as "true"/"false", lists as one JSON string, whole
    numbers without ".0"; None or an empty value means the field is left out. ``addons`` goes through
    ``encode_parts`` (plain values); here it is joined for display and unit tests only."""
    if name in PLAIN_REPEATED:
        parts = encode_parts(name, value)
        return ",".join(parts) if parts else None
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        items = [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]
        return json.dumps(items, separators=(",", ":"))  # the docs' form: [100,320,100]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Hyper3DProvider(ProviderTraits):
    name = "hyper3d"
    display_name = "Hyper3D Rodin"
    poll_timing = (5.0, 30.0)  # (first poll, cap) in seconds: the newer docs ask for >= 5 s, backing off to 30 s
    quote_needs_complete_job = False  # the price is the documented table: tier and HighPack only
    reports_balance = True  # GET /v2/check_balance (free)

    def __init__(self, base_url: str, api_key: Callable[[], str], *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = api_root(base_url)
        self._api_key = api_key
        self._client = make_client(self.base_url, timeout=READ_TIMEOUT, transport=transport)
        self._schema: ModelSchema | None = None

    # ----------------------------------------------------------------- plumbing

    def _read_key(self) -> str:
        try:
            return (self._api_key() or "").strip()
        except Exception:  # a keychain failure must not crash the caller; it reads as "no key"
            log.warning("could not read the Hyper3D API key", exc_info=False)
            return ""

    def _key(self) -> str:
        key = self._read_key()
        if not key:
            raise AuthError("No Hyper3D API key is set.", hint=NO_KEY_HINT, code="NO_KEY")
        return key

    async def _call(self, method: str, path: str, *, submit: bool = False, **kwargs: Any) -> dict[str, Any]:
        import httpx
        key = self._key()
        try:
            response = await request_bounded(
                self._client, method, path, service=SERVICE, paid=submit,
                headers={"Authorization": f"Bearer {key}"}, timeout=SUBMIT_TIMEOUT if submit else READ_TIMEOUT,
                **kwargs)
        except httpx.TransportError as exc:
            raise transport_error(exc, paid=submit, service=SERVICE) from exc
        error = http_error(response, secret=key, submit=submit)
        if error is not None:
            raise error
        body = json_body(response)
        if isinstance(body, dict):
            return body
        if submit:  # a 2xx we cannot read: the task may well exist
            raise SubmitUncertainError(f"{SERVICE} accepted the job but its reply could not be read.",
                                       hint="It was not resent. Check your Hyper3D balance before retrying.",
                                       code="BAD_REPLY")
        raise ProviderError(f"{SERVICE} sent a reply Meshwright cannot read.", hint="Meshwright tries again.",
                            retryable=True, code="BAD_REPLY")

    # ----------------------------------------------------------------- catalogue

    async def models(self) -> list[ModelInfo]:
        schema = await self.schema(MODEL_ID)
        has_key = bool(self._read_key())
        return [ModelInfo(
            MODEL_ID, schema.name, self.name, schema.description, tuple(schema.capabilities) or ("img23d",),
            available=has_key,
            unavailable_reason="" if has_key else "Needs a Hyper3D (Rodin) API key. " + NO_KEY_HINT,
        )]

    async def schema(self, model_id: str) -> ModelSchema:
        if model_id != MODEL_ID:
            raise UnknownModelError(f"Hyper3D has no model called {model_id!r}.")
        if self._schema is None:
            self._schema = load_bundled(SCHEMA_NAME)
        return self._schema

    async def quote(self, request: GenerationRequest) -> Quote | None:
        tier = str(request.values.get("tier") or DEFAULT_TIER)
        addons = request.values.get("addons")
        cost = tier_cost(tier, addons)
        detail = f"{tier_cost(tier):g} credit for {tier}" + (" + 1 for HighPack" if _has_highpack(addons) else "")
        return Quote(cost, "credits", detail)

    async def balance(self) -> tuple[float, str] | None:
        """Credits left on the account, or None when the reply carries no readable balance."""
        try:
            body = await self._call("GET", "/v2/check_balance")
        except ProviderError as exc:
            if exc.code != "HTTP_404":
                raise
            body = await self._call("GET", "/v2/check-balance")  # newer docs' spelling (contract 11)
        value = body.get("balance")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            return float(value), "credits"
        except ValueError:
            return None

    # ----------------------------------------------------------------- submit (paid)

    def _text_fields(self, schema: ModelSchema, values: dict[str, Any],
                     has_images: bool) -> list[tuple[str, str]]:
        body = schema.build_body({k: v for k, v in values.items() if k != "images"})
        tier = str(body.get("tier") or DEFAULT_TIER)
        body["tier"] = tier  # always sent: the server default is disputed (contract 11)
        if tier in GEN25_TIERS:
            body.setdefault("geometry_instruct_mode", "faithful")  # default disputed: always send it
        if not has_images and not str(body.get("prompt") or "").strip():
            raise ProviderError("Add a picture or write a description.",
                                hint="Hyper3D needs at least one of them.", code="NO_INPUT")
        if tier in GEN15_TIERS and body.get("mesh_mode") == "Raw" and _has_highpack(body.get("addons")):
            raise ProviderError("HighPack cannot be used with a triangle (Raw) surface on this quality level.",
                                hint="Choose Quad, or turn HighPack off.", code="INVALID_REQUEST")
        return [(name, text) for name, value in body.items() for text in encode_parts(name, value)]

    async def submit(self, request: GenerationRequest, progress: ProgressCallback) -> RemoteRef:
        if request.model_id != MODEL_ID:
            raise UnknownModelError(f"Hyper3D has no model called {request.model_id!r}.")
        if len(request.images) > MAX_IMAGES:
            raise ProviderError(f"Hyper3D takes at most {MAX_IMAGES} pictures.", hint="Remove some pictures.",
                                code="TOO_MANY_IMAGES")
        self._key()  # fail before reading files when there is no key
        schema = await self.schema(MODEL_ID)
        text_parts = self._text_fields(schema, dict(request.values), bool(request.images))
        fields = dict(text_parts)  # last value per name, for the tier and format below
        images = await asyncio.to_thread(_read_images, request.images)
        parts: list[tuple[str, Any]] = [(name, (None, text)) for name, text in text_parts]
        # One "images" part per picture, in the user's order: the first one drives the texture.
        parts += [("images", image) for image in images]
        count = len(images)
        progress(None, f"Sending {count} picture{'s' if count != 1 else ''} to Hyper3D" if count
                 else "Sending the description to Hyper3D")
        body = await self._call("POST", "/v2/rodin", submit=True, files=parts)
        uuid, key, job_uuids = _submit_ids(body)
        if not uuid or not key:
            raise SubmitUncertainError(
                f"{SERVICE} replied without the job's id, so Meshwright cannot follow it.",
                hint="It was not resent. Check your Hyper3D balance and history before retrying.",
                code="INCOMPLETE_REPLY")
        consumed = body.get("consumed")
        cost = float(consumed) if isinstance(consumed, int | float) and not isinstance(consumed, bool) \
            else tier_cost(fields["tier"], request.values.get("addons"))
        progress(None, "Hyper3D accepted the job")
        data = {"uuid": uuid, "subscription_key": key, "job_uuids": job_uuids,
                "format": fields.get("geometry_file_format", "glb")}
        if not isinstance(consumed, int | float) or isinstance(consumed, bool):
            data["cost_estimated"] = True  # the spend ledger marks a price-table figure as estimated
        return RemoteRef(data, cost, "credits")

    # ----------------------------------------------------------------- status

    async def poll(self, ref: RemoteRef) -> PollResult:
        body = await self._call("POST", "/v2/status", json={"subscription_key": ref.data.get("subscription_key")})
        jobs = [j for j in body.get("jobs") or () if isinstance(j, dict)]
        if not jobs:
            return PollResult(RemoteStatus.QUEUED, message="Waiting for Hyper3D to start the job")
        states = [job_state(j.get("status")) for j in jobs]
        finished = sum(s in TERMINAL for s in states)
        total = len(states)
        if finished < total:
            if finished == 0 and all(s == WAITING for s in states):
                queue = [q for j in jobs if isinstance(q := j.get("queue_length"), int) and not isinstance(q, bool)]
                position = min(queue) if queue else None
                text = "Waiting in Hyper3D's queue" + (f" ({position} ahead)" if position else "")
                return PollResult(RemoteStatus.QUEUED, message=text, queue_position=position)
            return PollResult(RemoteStatus.RUNNING, progress=finished / total,
                              message=f"Generating ({finished} of {total} steps done)")
        done = states.count(DONE)
        if done == total:
            return PollResult(RemoteStatus.SUCCEEDED, progress=1.0, message="Done", cost=ref.cost)
        if done and any(f.kind == FileKind.MODEL for f in await self._list(ref)):
            # Jobs carry no type: a failed extra step (usually the preview render) with a model listed is a
            # success (contract 3, 8).
            return PollResult(RemoteStatus.SUCCEEDED, progress=1.0, cost=ref.cost,
                              message=f"Done, but {total - done} extra step(s) failed (usually the preview render)")
        if all(s == CANCELED for s in states if s != DONE):
            return PollResult(RemoteStatus.CANCELED, message="The job was canceled at Hyper3D.")
        return PollResult(RemoteStatus.FAILED,
                          message="Hyper3D could not make this model and gave no reason. Try again, perhaps "
                                  "with a clearer picture or another quality level.")

    # ----------------------------------------------------------------- results

    async def _list(self, ref: RemoteRef) -> list[RemoteFile]:
        import httpx
        body = await self._call("POST", "/v2/download", json={"task_uuid": ref.data.get("uuid")})
        requested = str(ref.data.get("format") or "glb").lower()
        files: list[RemoteFile] = []
        seen: dict[str, int] = {}
        for item in body.get("list") or ():
            if not isinstance(item, dict) or not item.get("url"):
                continue
            url = str(item["url"])
            name = str(item.get("name") or httpx.URL(url).path.rsplit("/", 1)[-1] or "result")
            seen[name] = seen.get(name, 0) + 1
            key = name if seen[name] == 1 else f"{name}#{seen[name]}"
            files.append(RemoteFile(key, name, file_kind(name), url, mime=MIME.get(extension(name), "")))
        models = [f for f in files if f.kind == FileKind.MODEL]
        if models:
            best = min(models, key=lambda f: model_rank(f.name, requested))
            files = [_with_preferred(f) if f is best else f for f in files]
        return files

    async def outputs(self, ref: RemoteRef) -> list[RemoteFile]:
        files = await self._list(ref)
        if not any(f.kind == FileKind.MODEL for f in files):
            # Listed before every job was Done (contract 4): incomplete or empty; ask again shortly.
            raise ProviderError(f"{SERVICE} has not listed the finished model yet.",
                                hint="Meshwright asks again in a moment.", retryable=True, retry_after=5.0,
                                code="RESULTS_NOT_LISTED")
        return files

    async def fresh_url(self, ref: RemoteRef, file: RemoteFile) -> str:
        for candidate in await self._list(ref):
            if candidate.key == file.key:
                return candidate.url
        raise ProviderError(f"{SERVICE} no longer lists {file.name}.",
                            hint="Results are kept for about 7 days.", code="FILE_GONE")

    async def cancel(self, ref: RemoteRef) -> bool:
        """The Rodin API has no cancel endpoint: the job keeps running and is billed."""
        return False

    async def aclose(self) -> None:
        await self._client.aclose()


def _with_preferred(f: RemoteFile) -> RemoteFile:
    return RemoteFile(f.key, f.name, f.kind, f.url, f.size, f.mime, preferred=True)


def _read_images(paths: tuple[Path, ...]) -> list[tuple[str, bytes, str]]:
    """Multipart file tuples named 0000.png, 0001.jpg... as the public clients do (no rule is documented)."""
    out = []
    for i, path in enumerate(paths):
        ext = extension(path.name) or "png"
        out.append((f"{i:04d}.{ext}", Path(path).read_bytes(), MIME.get(ext, "application/octet-stream")))
    return out


def _submit_ids(body: dict[str, Any]) -> tuple[str, str, list[str]]:
    """uuid, subscription key and job uuids; ``jobs`` is an object in every sample and an array of job
    objects in the Quick start prose (contract 2.5): accept both."""
    uuid = str(body.get("uuid") or "")
    jobs = body.get("jobs")
    key, job_uuids = "", []
    if isinstance(jobs, dict):
        key = str(jobs.get("subscription_key") or "")
        job_uuids = [str(u) for u in jobs.get("uuids") or () if u]
    elif isinstance(jobs, list):
        for job in jobs:
            if isinstance(job, dict):
                key = key or str(job.get("subscription_key") or "")
                if job.get("uuid"):
                    job_uuids.append(str(job["uuid"]))
            elif isinstance(job, str):
                job_uuids.append(job)
    return uuid, key, job_uuids
