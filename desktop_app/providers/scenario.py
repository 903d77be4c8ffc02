"""Scenario (api.cloud.scenario.com): any image- or text-to-3D model the account lists.

Contract: ``shared/api/scenario.md``; the vendor sources behind each wire choice: ``docs/CONTRACTS.md``.
Flow: upload each input image once as an asset (a quote's uploads are reused), POST the schema-built body to
``/generate/custom/{modelId}`` exactly once (it costs creative units), poll ``/jobs/{jobId}``, then read every
output asset and re-read the chosen one right before each download for a fresh signed URL.
Providers never sleep or retry paid calls; uploads (free) get a couple of quick retries on transient errors.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AuthError, ProviderError, SubmitUncertainError
from desktop_app.core.jobs.model_input import model_mime
from desktop_app.core.retry import UPLOADS, RetryPolicy
from desktop_app.core.schema.model_schema import ModelSchema
from desktop_app.providers import scenario_models as sm
from desktop_app.providers.base import (
    GenerationRequest,
    ModelInfo,
    PollResult,
    ProgressCallback,
    ProviderTraits,
    Quote,
    RemoteFile,
    RemoteRef,
)
from desktop_app.providers.http import json_body, make_client, ready, request_bounded, transport_error
from desktop_app.providers.scenario_assets import asset_of, image_mime, part_plan, select_outputs
from desktop_app.providers.scenario_errors import SERVICE, error_for_response, is_model_restricted
from desktop_app.providers.scenario_jobs import (
    cost_details_text,
    cost_of,
    job_id_of,
    job_of,
    output_ids,
    poll_result,
)

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.cloud.scenario.com/v1"
UNIT = "CU"
# scenario-sdk (types/generate_run_model_params.py): dryRun is "true" or "api"; "api" estimates at the API tier.
DRY_RUN = "api"


class ScenarioProvider(ProviderTraits):
    name = "scenario"
    display_name = "Scenario"
    poll_timing = (5.0, 15.0)  # scenario.md 4.1: every 3-5 s, backing off to 10-15 s
    announces_paid_request = True  # asset uploads are free; only POST /generate costs (see submit)

    # Files above this go through the multipart flow. Scenario's own client keeps base64 uploads to 3.5 MB
    # ("the gateway body cap is 10 MB, 4.4 MB raw PNGs verified to pass": blender-plugin assets.py BASE64_LIMIT).
    small_upload_limit = 3_500_000
    upload_retry: RetryPolicy = UPLOADS  # free uploads only (core/retry.py); never the paid POST
    upload_poll_interval = 2.0  # the TS SDK's upload.wait(): every 2 s ...
    upload_timeout = 300.0  # ... for at most 300 s
    page_size = 100
    max_pages = 30

    def __init__(
        self,
        base_url: str,
        credentials: Callable[[], tuple[str, str]],
        *,
        project_id: Callable[[], str] | str = "",
        cache_dir: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._credentials = credentials
        self._project_id = project_id
        self._cache = sm.SchemaCache(cache_dir)
        self._client = make_client(self.base_url, transport=transport)
        # Presigned part URLs and CDN links must not receive our Basic credentials.
        self._plain = make_client("", transport=transport)
        self._listed: dict[str, str] = {}  # model id -> updatedAt seen in the last listing
        self._unlocked: set[str] = set()  # restricted-looking models this account did get a quote for
        # (project, sha256 of the file) -> asset id: an image uploaded for a quote is reused by the job.
        self._uploaded: dict[tuple[str, str], str] = {}

    # ----------------------------------------------------------------- plumbing

    def _keys(self) -> tuple[str, str]:
        try:
            key, secret = self._credentials()
        except Exception:  # a broken keychain reads as "no key"
            key, secret = "", ""
        return (key or "").strip(), (secret or "").strip()

    def has_credentials(self) -> bool:
        key, secret = self._keys()
        return bool(key and secret)

    def _project(self) -> str:
        value = self._project_id() if callable(self._project_id) else self._project_id
        return (value or "").strip()

    async def _call(self, method: str, path: str, *, action: str, json: Any = None,
                    params: dict[str, Any] | None = None, paid: bool = False,
                    retry: RetryPolicy | None = None) -> Any:
        """One API call; returns the JSON body or raises a plain-language ProviderError."""
        import httpx
        key, secret = self._keys()
        if not (key and secret):
            raise AuthError("No Scenario API key is set.", hint="Add your Scenario key in Settings.",
                            code="no_key")
        query = dict(params or {})
        if self._project():
            query["projectId"] = self._project()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await request_bounded(self._client, method, path, service=SERVICE, paid=paid,
                                                 json=json, params=query, auth=httpx.BasicAuth(key, secret))
            except httpx.TransportError as exc:
                error = transport_error(exc, paid=paid, service=SERVICE)
            else:
                if response.is_success:
                    body = json_body(response)
                    if isinstance(body, dict):
                        return body
                    if paid:
                        raise SubmitUncertainError(
                            "Scenario sent an unreadable reply to the job request.",
                            hint="It may have started anyway; check your Scenario jobs before retrying.")
                    error = ProviderError("Scenario sent an unreadable reply.", retryable=True)
                else:
                    error = error_for_response(response, action=action, paid=paid, secrets=(key, secret))
            if paid or retry is None or not retry.should_retry(error, attempt):
                raise error
            await asyncio.sleep(retry.delay(attempt, error.retry_after))

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._plain.aclose()

    # ----------------------------------------------------------------- models and schemas

    async def models(self) -> list[ModelInfo]:
        if not self.has_credentials():
            return sm.bundled_infos(available=False, reason=sm.NO_KEY_REASON)
        try:
            records = await self._list_models()
        except AuthError as exc:
            return sm.bundled_infos(available=False, reason=exc.user_text())
        except ProviderError as exc:
            log.info("Scenario model list unavailable (%s); using the last one seen", exc.message)
            records = self._cache.get_list()
            if records is None:
                return sm.bundled_infos(available=True)
        self._listed = {str(r.get("id")): str(r.get("updatedAt") or "") for r in records}
        return [sm.model_info(r, unlocked=self._unlocked) for r in records]

    async def _list_models(self) -> list[dict[str, Any]]:
        records: dict[str, dict[str, Any]] = {}
        for privacy in ("public", "private"):
            token, seen = "", set()
            for _ in range(self.max_pages):
                params: dict[str, Any] = {"privacy": privacy, "pageSize": self.page_size}
                if privacy == "private":
                    # Only trained private models can run (Scenario's Blender plugin lists models with
                    # status=trained: scenario/core/api/sdk_adapter.py ``_catalog``; the SDK documents the
                    # status filter for private models only: types/model_list_params.py).
                    params["status"] = "trained"
                if token:
                    params["paginationToken"] = token
                body = await self._call("GET", "/models", action="list the models", params=params)
                for record in body.get("models") or ():
                    if isinstance(record, dict) and record.get("id") and sm.is_3d(record):
                        records.setdefault(str(record["id"]), record)
                token = str(body.get("nextPaginationToken") or "")
                if not token or token in seen:
                    break
                seen.add(token)
        found = list(records.values())
        self._cache.put_list(found)
        return found

    async def schema(self, model_id: str) -> ModelSchema:
        raw_id = sm.unqualify(model_id)
        cached = self._cache.get(raw_id)
        listed = self._listed.get(raw_id)
        if cached is not None and listed and sm.model_record(cached).get("updatedAt") == listed:
            return self._to_schema(cached, raw_id)  # unchanged since it was cached: no request needed
        try:
            raw = await self._call("GET", f"/models/{raw_id}", action="read the model's settings",
                                   retry=replace(self.upload_retry, attempts=2))
        except ProviderError as exc:
            if exc.code == "not_found":
                raise ProviderError(f"Scenario has no model called {raw_id}.", code="not_found") from exc
            fallback = cached or sm.bundled_raw(raw_id)
            if fallback is None:
                raise
            log.info("using the cached or bundled schema of %s (%s)", raw_id, exc.message)
            return self._to_schema(fallback, raw_id)
        self._cache.put(raw_id, raw)
        return self._to_schema(raw, raw_id)

    @staticmethod
    def _to_schema(raw: dict[str, Any], raw_id: str) -> ModelSchema:
        return ModelSchema.from_dict(sm.apply_local_overrides(raw), model_id=sm.qualify(raw_id))

    # ----------------------------------------------------------------- cost

    async def quote(self, request: GenerationRequest) -> Quote | None:
        """The price of exactly this job, without spending (docs/CONTRACTS.md, "Scenario quote").

        The images are uploaded first (uploads are free) and the dryRun carries the full body with their asset
        ids, as Scenario's Blender plugin validates and estimates the whole payload (scenario-labs/blender-plugin
        scenario/core/api/sdk_adapter.py ``_estimate``). The uploaded ids are kept by content hash so ``submit``
        sends the same assets without a second upload. ``dryRun=api`` "estimates at the API tier" (scenario-sdk
        ``generate.run_model`` docstring), the tier this app's API-key jobs are billed at; the reply is HTTP 269
        with a full run response, ``creativeUnitsCost`` and per-action ``costDetails``. A 4xx other than a bad key
        or a restricted model means "no price available" (free plans cannot dryRun)."""
        raw_id = sm.unqualify(request.model_id)
        schema = await self.schema(raw_id)
        image_ids = await self._upload_all(request, lambda _p, _m: None)
        model_ids = await self._upload_models(request, lambda _p, _m: None)
        files = {**schema.assign_images(image_ids), **schema.assign_models(model_ids)} or None
        body = schema.build_body(self._values(schema, raw_id, request), files)
        try:
            reply = await self._call("POST", f"/generate/custom/{raw_id}", action="get a price",
                                     params={"dryRun": DRY_RUN}, json=body)
        except AuthError as exc:
            if exc.code == "forbidden":
                return None  # dryRun is for paid plans only
            raise
        except ProviderError as exc:
            if exc.retryable or exc.code in ("model_restricted", "not_found"):
                raise
            return None
        cost = cost_of(reply)
        if cost is None:
            return None
        self._unlocked.add(raw_id)
        return Quote(cost=cost, unit=UNIT, detail=cost_details_text(reply))

    @staticmethod
    def _values(schema: ModelSchema, raw_id: str, request: GenerationRequest) -> dict[str, Any]:
        fields = {f.name for f in schema.fields}
        values = {**sm.sent_overrides(fields, raw_id), **request.values}
        return {k: v for k, v in values.items() if k in fields}

    async def balance(self) -> tuple[float, str] | None:
        """The contract documents no balance endpoint for API keys, so there is nothing to show."""
        return None

    async def check_connection(self) -> None:
        """One small authenticated read, so the status bar says "connected" only when the keys work."""
        await self._call("GET", "/models", action="check the connection",
                         params={"privacy": "public", "pageSize": 1})

    # ----------------------------------------------------------------- submit

    async def submit(self, request: GenerationRequest, progress: ProgressCallback) -> RemoteRef:
        raw_id = sm.unqualify(request.model_id)
        schema = await self.schema(raw_id)
        image_ids = await self._upload_all(request, progress)
        model_ids = await self._upload_models(request, progress)
        files = {**schema.assign_images(image_ids), **schema.assign_models(model_ids)}
        body = schema.build_body(self._values(schema, raw_id, request), files)
        progress(None, "Starting the job")
        if request.on_paid_request is not None:
            await request.on_paid_request()
        try:
            reply = await self._call("POST", f"/generate/custom/{raw_id}", action="start the job",
                                     json=body, paid=True)
        except ProviderError as exc:
            if exc.code == "model_restricted" or is_model_restricted(exc.message, exc.code):
                self._unlocked.discard(raw_id)
            if not isinstance(exc, SubmitUncertainError):
                # Refused, so nothing was charged: forget these uploads, in case a reused asset was deleted
                # at Scenario meanwhile; a retry uploads the pictures afresh.
                sent = {*image_ids, *model_ids}
                self._uploaded = {k: v for k, v in self._uploaded.items() if v not in sent}
                for path in request.models:
                    Path(f"{path}.asset.json").unlink(missing_ok=True)
            raise
        job_id = job_id_of(job_of(reply))
        if not job_id:
            raise SubmitUncertainError("Scenario accepted the job but did not say which one it is.",
                                       hint="Check your Scenario jobs before retrying.")
        return RemoteRef(
            data={"job_id": job_id, "model": sm.qualify(raw_id), "asset_ids": list(dict.fromkeys(image_ids)),
                  "project_id": self._project()},
            cost=cost_of(reply),
            cost_unit=UNIT,
        )

    async def _upload_all(self, request: GenerationRequest, progress: ProgressCallback) -> list[str]:
        """One asset id per input image, in order. The same picture is uploaded once, and an image already
        uploaded by this provider (for a quote, or an earlier job in this project) is not uploaded again."""
        image_ids: list[str] = []
        total = len(request.images)
        for index, path in enumerate(request.images):
            data = await asyncio.to_thread(Path(path).read_bytes)
            key = (self._project(), hashlib.sha256(data).hexdigest())
            if key not in self._uploaded:
                progress(index / max(total, 1), f"Uploading image {index + 1} of {total}")
                self._uploaded[key] = await self._upload(Path(path).name, data)
            image_ids.append(self._uploaded[key])
        return image_ids

    async def _upload_models(self, request: GenerationRequest, progress: ProgressCallback) -> list[str]:
        """One 3D asset id per model input, uploaded through the multipart flow as ``kind: "3d"`` (scenario.md
        2.2: "use 2.2 ... for 3D inputs"). The asset id is kept next to the input (``<file>.asset.json``) the
        moment it is known, so a job restarted after a crash reuses it instead of uploading again."""
        ids: list[str] = []
        total = len(request.models)
        for index, path in enumerate(request.models):
            data = await asyncio.to_thread(Path(path).read_bytes)
            key = (self._project(), hashlib.sha256(data).hexdigest())
            saved = await asyncio.to_thread(_read_asset_note, Path(path), key)
            if saved:
                self._uploaded.setdefault(key, saved)
            if key not in self._uploaded:
                progress(index / max(total, 1), f"Uploading 3D model {index + 1} of {total}")
                self._uploaded[key] = await self._upload_multipart(
                    Path(path).name, data, kind="3d", mime=model_mime(Path(path)),
                    what="3D model")
                await asyncio.to_thread(_write_asset_note, Path(path), key, self._uploaded[key])
            ids.append(self._uploaded[key])
        return ids

    async def _upload(self, name: str, data: bytes) -> str:
        if len(data) <= self.small_upload_limit:
            # A data URL, as Scenario's own client sends it (blender-plugin scenario/core/api/assets.py
            # ``upload_image_base64``): the prefix tells the service the type instead of leaving it to sniffing.
            encoded = f"data:{image_mime(name)};base64," + base64.b64encode(data).decode("ascii")
            reply = await self._call("POST", "/assets", action="upload an image",
                                     json={"image": encoded, "name": name}, retry=self.upload_retry)
            asset_id = str(asset_of(reply).get("id") or "")
            if not asset_id:
                raise ProviderError("Scenario did not return an id for the uploaded image.", retryable=True)
            return asset_id
        return await self._upload_multipart(name, data)

    async def _upload_multipart(self, name: str, data: bytes, *, kind: str = "image", mime: str = "",
                                what: str = "image") -> str:
        """scenario.md 2.2: create, PUT each part to its presigned URL (no checksum headers), complete,
        then wait for ``imported``."""
        plan = part_plan(len(data))
        mime = mime or image_mime(name)
        reply = await self._call("POST", "/uploads", action="start an upload", retry=self.upload_retry, json={
            "fileName": name, "contentType": mime, "kind": kind,
            "parts": len(plan), "fileSize": len(data)})
        upload = reply.get("upload") if isinstance(reply.get("upload"), dict) else reply
        upload_id = str(upload.get("id") or "")
        parts = {int(p["number"]): str(p["url"]) for p in upload.get("parts") or ()
                 if isinstance(p, dict) and p.get("url") and p.get("number") is not None}
        if not upload_id or len(parts) < len(plan):
            raise ProviderError("Scenario did not prepare the upload as expected.", retryable=True)
        for number, (offset, length) in enumerate(plan, start=1):
            await self._put_part(parts[number], data[offset:offset + length], mime)
        await self._call("POST", f"/uploads/{upload_id}/action", action="finish an upload",
                         json={"action": "complete"}, retry=self.upload_retry)
        waited = 0.0
        while True:
            state = await self._call("GET", f"/uploads/{upload_id}", action="check an upload", retry=self.upload_retry)
            state = state.get("upload") if isinstance(state.get("upload"), dict) else state
            status = str(state.get("status") or "").lower()
            if status == "imported" and state.get("entityId"):
                return str(state["entityId"])
            if status == "failed":
                reason = str(state.get("errorMessage") or "no reason given")
                raise ProviderError(f"Scenario could not import the {what} {name}: {reason}.")
            if waited >= self.upload_timeout:
                raise ProviderError(f"Scenario took too long to import the {what} {name}.", retryable=True)
            await asyncio.sleep(self.upload_poll_interval)
            waited += self.upload_poll_interval

    async def _put_part(self, url: str, chunk: bytes, content_type: str) -> None:
        """PUT one part with its Content-Type, as Scenario's client does (blender-plugin assets.py
        ``upload_multipart``), and no checksum headers (they break the presigned signature, scenario.md 2.2)."""
        import httpx
        plain = await ready(self._plain)  # built in a worker, not on the GUI thread
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await plain.put(url, content=chunk, headers={"Content-Type": content_type})
            except httpx.TransportError as exc:
                error = transport_error(exc, paid=False, service="Scenario's upload storage")
            else:
                if response.is_success:
                    return
                error = error_for_response(response, action="upload a file part")
            if not self.upload_retry.should_retry(error, attempt):
                raise error
            await asyncio.sleep(self.upload_retry.delay(attempt, error.retry_after))

    # ----------------------------------------------------------------- after submit

    async def poll(self, ref: RemoteRef) -> PollResult:
        body = await self._call("GET", f"/jobs/{self._job_id(ref)}", action="check the job")
        return poll_result(body)

    @staticmethod
    def _job_id(ref: RemoteRef) -> str:
        job_id = str(ref.data.get("job_id") or "")
        if not job_id:
            raise ProviderError("This job has no Scenario job id to check.")
        return job_id

    async def outputs(self, ref: RemoteRef) -> list[RemoteFile]:
        body = await self._call("GET", f"/jobs/{self._job_id(ref)}", action="list the results")
        ids = output_ids(job_of(body))
        if not ids:
            return []
        return select_outputs(await self._assets(ids))

    async def _assets(self, ids: list[str]) -> list[dict[str, Any]]:
        """Bulk read (200 ids per call); one by one when the bulk route is refused."""
        found: dict[str, dict[str, Any]] = {}
        try:
            for start in range(0, len(ids), 200):
                reply = await self._call("POST", "/assets/get-bulk", action="read the results",
                                         json={"assetIds": ids[start:start + 200]})
                for asset in reply.get("assets") or ():
                    if isinstance(asset, dict) and asset.get("id"):
                        found[str(asset["id"])] = asset
        except ProviderError as exc:
            if exc.retryable or (isinstance(exc, AuthError) and exc.code != "forbidden"):
                raise
        for asset_id in ids:
            if asset_id not in found:
                reply = await self._call("GET", f"/assets/{asset_id}", action="read a result")
                found[asset_id] = asset_of(reply)
        return [found[i] for i in ids if found.get(i)]

    async def fresh_url(self, ref: RemoteRef, file: RemoteFile) -> str:
        reply = await self._call("GET", f"/assets/{file.key}", action="get a download link")
        url = str(asset_of(reply).get("url") or "")
        if not url:
            raise ProviderError("Scenario has not finished preparing this file yet.", retryable=True)
        return url

    async def cancel(self, ref: RemoteRef) -> bool:
        """Most generation jobs refuse with 400 "Cannot cancel this type of job": then False."""
        try:
            await self._call("POST", f"/jobs/{self._job_id(ref)}/action", action="cancel the job",
                             json={"action": "cancel"})
        except ProviderError as exc:
            if exc.retryable or exc.code == "no_key":
                raise
            return False
        return True


def _read_asset_note(path: Path, key: tuple[str, str]) -> str:
    """The asset id an earlier run of this job got for ``path`` (same project, same bytes), else ""."""
    try:
        note = json.loads(Path(f"{path}.asset.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if isinstance(note, dict) and [note.get("project"), note.get("sha256")] == list(key):
        return str(note.get("asset_id") or "")
    return ""


def _write_asset_note(path: Path, key: tuple[str, str], asset_id: str) -> None:
    try:
        Path(f"{path}.asset.json").write_text(json.dumps(
            {"project": key[0], "sha256": key[1], "asset_id": asset_id}), encoding="utf-8")
    except OSError:
        pass  # only a saving: without the note a restarted job uploads the (free) model again
