"""Scenario provider pieces without a server: status mapping, error shapes, output choice, request bodies."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.core.errors import AuthError, SubmitUncertainError
from desktop_app.core.retry import UPLOADS
from desktop_app.providers.base import FileKind, GenerationRequest, Provider, RemoteRef, RemoteStatus
from desktop_app.providers.scenario import DEFAULT_BASE_URL, ScenarioProvider
from desktop_app.providers.scenario_assets import part_plan, select_outputs
from desktop_app.providers.scenario_errors import error_for_response
from desktop_app.providers.scenario_jobs import cost_of, job_id_of, poll_result
from desktop_app.providers.scenario_models import bundled_raw, capabilities, model_info
from tests.emulators.common import make_image

FAST_RETRY = replace(UPLOADS, base=0.0, cap=0.0, jitter=0.0)  # the same policy, without the waits

KEY, SECRET = "unit-key-91af", "unit-secret-3be7"


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None, text: str = "") -> httpx.Response:
    request = httpx.Request("GET", "https://api.cloud.scenario.com/v1/x")
    if body is not None:
        return httpx.Response(status, json=body, headers=headers, request=request)
    return httpx.Response(status, text=text, headers=headers, request=request)


# ----------------------------------------------------------------- jobs


@pytest.mark.parametrize(("status", "expected"), [
    ("pending", RemoteStatus.QUEUED), ("queued", RemoteStatus.QUEUED), ("warming-up", RemoteStatus.QUEUED),
    ("in-progress", RemoteStatus.RUNNING), ("processing", RemoteStatus.RUNNING),
    ("finalizing", RemoteStatus.RUNNING), ("success", RemoteStatus.SUCCEEDED),
    ("failure", RemoteStatus.FAILED), ("failed", RemoteStatus.FAILED), ("canceled", RemoteStatus.CANCELED),
    ("brand-new-state", RemoteStatus.RUNNING), ("", RemoteStatus.RUNNING),
])
def test_every_status_word_maps(status: str, expected: RemoteStatus) -> None:
    assert poll_result({"job": {"jobId": "job_1", "status": status}}).status is expected


@pytest.mark.parametrize(("raw", "expected"), [(0.5, 0.5), (0, 0.0), (50, 0.5), (100, 1.0), (None, None),
                                               ("0.25", 0.25), (-1, None)])
def test_progress_is_a_fraction_or_a_percentage(raw: Any, expected: float | None) -> None:
    job: dict[str, Any] = {"status": "in-progress"}
    if raw is not None:
        job["progress"] = raw
    assert poll_result({"job": job}).progress == expected


def test_success_reports_full_progress_and_cost_from_any_place() -> None:
    assert poll_result({"job": {"status": "success", "progress": 0.1}}).progress == 1.0
    assert cost_of({"job": {}, "creativeUnitsCost": 80}) == 80
    assert cost_of({"job": {"creativeUnitsCost": 70}}) == 70
    assert cost_of({"job": {"billing": {"cuCost": 60}}}) == 60
    assert cost_of({"job": {"billing": {}}}) is None


def test_job_id_from_either_key() -> None:
    assert job_id_of({"jobId": "job_a"}) == "job_a"
    assert job_id_of({"id": "job_b"}) == "job_b"
    assert job_id_of({}) == ""


def test_failure_reason_from_metadata_or_job_with_hint_partial_and_refund_notes() -> None:
    r = poll_result({"job": {"status": "failure", "metadata": {"error": "Error ID 12: out of memory",
                                                               "hint": "Try a lower tier"}}})
    assert "Error ID 12: out of memory" in r.message and "Try a lower tier" in r.message
    r = poll_result({"job": {"status": "failed", "error": "Moderation refused the image"}})
    assert r.status is RemoteStatus.FAILED and "Moderation refused the image" in r.message
    r = poll_result({"job": {"status": "failure", "metadata": {"assetIds": ["asset_1"]},
                             "billing": {"disableRefund": True}}})
    assert "Some results were produced" in r.message and "not refunded" in r.message


# ----------------------------------------------------------------- errors


def test_documented_and_joi_validation_bodies_reach_the_message() -> None:
    err = error_for_response(reply(400, {"status": "error", "code": "INVALID_PARAMETER",
                                         "message": '"tier" must be one of [...]'}), action="start the job")
    assert '"tier" must be one of' in err.user_text() and err.code == "INVALID_PARAMETER" and not err.retryable
    err = error_for_response(reply(400, {"message": '"modelId" must be a string'}), action="start the job")
    assert '"modelId" must be a string' in err.message


def test_auth_scope_plan_and_not_found() -> None:
    assert isinstance(error_for_response(reply(401, {"message": "nope"}), action="x"), AuthError)
    restricted = error_for_response(reply(403, {"name": "ModelAccessRestrictedError",
                                                "message": "This model requires the Pro plan"}), action="x")
    assert restricted.code == "model_restricted" and not isinstance(restricted, AuthError)
    assert "Pro plan" in restricted.message
    scope = error_for_response(reply(403, {"status": "error", "code": "FORBIDDEN", "message": "missing scope"}),
                               action="start the job")
    assert isinstance(scope, AuthError) and scope.code == "forbidden"
    missing = error_for_response(reply(404, {"message": "Job job_9 not found"}), action="check the job")
    assert missing.code == "not_found" and "Job job_9 not found" in missing.message


@pytest.mark.parametrize(("headers", "expected"), [({"Retry-After": "7"}, 7.0), ({"retry-after-ms": "2500"}, 2.5),
                                                   ({}, None), ({"Retry-After": "9999"}, 150.0)])
def test_rate_limit_is_retryable_with_the_service_delay(headers: dict[str, str], expected: float | None) -> None:
    body = {"message": "Too many", "details": {"actionName": "generate", "actionLimit": 3}}
    err = error_for_response(reply(429, body, headers), action="start the job", paid=True)
    assert err.retryable and err.retry_after == expected and err.code == "rate_limited"
    assert "generate" in err.message and "3" in err.message


def test_server_errors_are_uncertain_on_the_paid_post_and_retryable_elsewhere() -> None:
    assert isinstance(error_for_response(reply(502, text="<html>bad gateway</html>"), action="x", paid=True),
                      SubmitUncertainError)
    err = error_for_response(reply(503, text="<html>busy</html>"), action="x")
    assert err.retryable and "<html>" not in err.user_text()


def test_echoed_credentials_are_scrubbed() -> None:
    err = error_for_response(reply(400, {"message": f"bad key {KEY} with {SECRET}"}), action="x",
                             secrets=(KEY, SECRET))
    assert KEY not in err.user_text() and SECRET not in err.user_text()


# ----------------------------------------------------------------- models and outputs


def test_capabilities_accept_strings_and_objects() -> None:
    assert capabilities({"capabilities": ["img23d", {"type": "txt23d"}, {"x": 1}, 3]}) == ("img23d", "txt23d")


def test_restricted_and_deprecated_models() -> None:
    # A plan level is a note (we cannot read the account's plan); an explicit restriction blocks.
    info = model_info({"id": "model_m", "name": "M", "capabilities": ["img23d"], "accessRestrictions": 50})
    assert info.available and "Pro" in info.description and info.id == "scenario:model_m"
    assert "Pro" not in model_info({"id": "model_m", "accessRestrictions": 50}, unlocked={"model_m"}).description
    # 0/25/50/75/100 = Free/Starter/Pro/Max/Enterprise (scenario-sdk); no record field says "restricted".
    assert "Needs the Starter Scenario plan" in model_info({"id": "m", "accessRestrictions": 25}).description
    assert "Max" in model_info({"id": "m", "accessRestrictions": 75}).description
    assert "Enterprise" in model_info({"id": "m", "accessRestrictions": 100}).description
    assert model_info({"id": "model_r", "restricted": True}).available
    info = model_info({"id": "model_o", "capabilities": [{"type": "img23d"}], "tags": ["deprecated:model_n"]})
    assert info.available and "scenario:model_n" in info.description


def _asset(asset_id: str, kind: str, mime: str, fmt: str | None = None, meta_type: str = "img23d",
           url_name: str = "", **extra: Any) -> dict[str, Any]:
    props = {"size": 10} | ({"format": fmt} if fmt else {})
    url = f"https://cdn.cloud.scenario.com/assets/{asset_id}/{url_name}?Signature=x" if url_name else ""
    return {"id": asset_id, "kind": kind, "mimeType": mime, "properties": props,
            "metadata": {"type": meta_type, "seed": "12"}, "url": url, **extra}


def test_rodin_preview_first_and_two_glbs_prefers_the_pbr_model() -> None:
    files = select_outputs([
        _asset("a_prev", "image", "image/webp", url_name="preview.webp"),
        _asset("a_shaded", "3d", "model/gltf-binary", "glb", outputIndex=1,
               metadata={"type": "img23d", "fileName": "base_basic_shaded.glb"}),
        _asset("a_pbr", "3d", "model/gltf-binary", "glb", outputIndex=2,
               metadata={"type": "img23d", "fileName": "base_basic_pbr.glb"}),
    ])
    assert [f.key for f in files if f.preferred] == ["a_pbr"]  # by metadata.fileName, a field the SDK has
    invented = select_outputs([  # a "material" marker is not an SDK field: no longer trusted
        _asset("b_shaded", "3d", "model/gltf-binary", "glb", outputIndex=1, metadata={"material": "Shaded"}),
        _asset("b_other", "3d", "model/gltf-binary", "glb", outputIndex=2, metadata={"material": "PBR"}),
    ])
    assert [f.key for f in invented if f.preferred] == ["b_shaded"]  # first by outputIndex
    assert {f.key: f.kind for f in files} == {"a_prev": FileKind.IMAGE, "a_shaded": FileKind.MODEL,
                                             "a_pbr": FileKind.MODEL}
    assert files[0].kind is FileKind.MODEL  # models first, so nothing tries to import the webp


def test_meshy_outputs_mtl_under_bin_textures_and_obj() -> None:
    files = select_outputs([
        _asset("a_obj", "3d", "model/obj", "obj", url_name="model.obj"),
        _asset("a_mtl", "3d", "application/octet-stream", meta_type="3d-texture-mtl", url_name="model.bin"),
        _asset("a_glb", "3d", "model/gltf-binary", "glb"),
        _asset("a_alb", "image", "image/png", meta_type="3d-texture-albedo", url_name="albedo.png"),
    ])
    by_key = {f.key: f for f in files}
    assert by_key["a_glb"].preferred and by_key["a_glb"].name.endswith(".glb")
    assert by_key["a_mtl"].kind is FileKind.OTHER and by_key["a_mtl"].name.endswith(".mtl")
    assert by_key["a_alb"].kind is FileKind.TEXTURE and by_key["a_obj"].kind is FileKind.MODEL
    only_obj = select_outputs([_asset("a_obj", "3d", "model/obj", "obj")])
    assert only_obj[0].preferred


def test_part_plan_keeps_parts_at_least_5mb_except_the_last() -> None:
    plan = part_plan(12 * 1024 * 1024)
    assert [length for _o, length in plan] == [5 * 1024 * 1024, 5 * 1024 * 1024, 2 * 1024 * 1024]
    assert part_plan(100) == [(0, 100)]
    assert len(part_plan(10**12)) <= 10_000


# ----------------------------------------------------------------- requests through MockTransport


class Recorder:
    """A tiny scripted Scenario: answers by (method, path) and records every request."""

    def __init__(self, overrides: dict[tuple[str, str], list[httpx.Response]] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.overrides = overrides or {}
        self.assets = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        if self.overrides.get(key):
            return self.overrides[key].pop(0)
        if key == ("POST", "/v1/assets"):
            self.assets += 1
            return httpx.Response(200, json={"asset": {"id": f"asset_{self.assets}"}})
        if request.url.path.startswith("/v1/models/"):
            raw = bundled_raw(request.url.path.rsplit("/", 1)[-1])
            return httpx.Response(200, json={"model": raw}) if raw else httpx.Response(404, json={})
        if key[1].startswith("/v1/generate/custom/"):
            if "dryRun" in request.url.params:  # scenario-sdk: an estimate answers 269
                return httpx.Response(269, json={"job": {"jobId": "job_dry", "status": "queued"},
                                                 "creativeUnitsCost": 42, "costDetails": {"custom-generation": 42}})
            return httpx.Response(200, json={"job": {"jobId": "job_1", "status": "queued"},
                                             "creativeUnitsCost": 42})
        return httpx.Response(404, json={"message": "no route"})

    def bodies(self, method: str, prefix: str) -> list[Any]:
        return [json.loads(r.content or b"null") for r in self.requests
                if r.method == method and r.url.path.startswith(prefix)]


def provider(recorder: Recorder, **kw: Any) -> ScenarioProvider:
    p = ScenarioProvider(DEFAULT_BASE_URL, lambda: (KEY, SECRET), transport=httpx.MockTransport(recorder), **kw)
    p.upload_retry = FAST_RETRY
    return p


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "front.png"
    path.write_bytes(make_image("PNG", 32, seed=5))
    return path


def test_provider_satisfies_the_protocol() -> None:
    assert isinstance(provider(Recorder()), Provider)


async def test_file_array_gets_a_list_file_gets_one_id_and_duplicates_upload_once(image: Path,
                                                                                 tmp_path: Path) -> None:
    rec = Recorder()
    p = provider(rec)
    other = tmp_path / "side.png"
    other.write_bytes(make_image("PNG", 32, seed=9))
    ref = await p.submit(GenerationRequest("scenario:model_rodin-hyper3d-v2-5", (image, other, image),
                                           {"tier": "Gen-2.5-Low", "prompt": "", "hdTexture": False}),
                         lambda *_: None)
    assert rec.assets == 2  # the repeated image went up once
    body = rec.bodies("POST", "/v1/generate/custom/")[0]
    assert body["images"] == ["asset_1", "asset_2", "asset_1"]
    assert body["hdTexture"] is False and "prompt" not in body  # False kept, "" left out
    assert ref.data == {"job_id": "job_1", "model": "scenario:model_rodin-hyper3d-v2-5",
                        "asset_ids": ["asset_1", "asset_2"], "project_id": ""}
    assert (ref.cost, ref.cost_unit) == (42, "CU")
    upload = rec.bodies("POST", "/v1/assets")[0]
    prefix, _, encoded = upload["image"].partition(",")
    assert prefix == "data:image/png;base64"  # a data URL, as Scenario's own client sends it
    assert base64.b64decode(encoded) == image.read_bytes() and upload["name"] == "front.png"

    await p.submit(GenerationRequest("scenario:model_trellis-2", (image,), {"textureSize": "1024"}),
                   lambda *_: None)
    body = rec.bodies("POST", "/v1/generate/custom/")[-1]
    assert body["image"] == "asset_1" and body["textureSize"] == 1024  # already uploaded: reused
    assert rec.assets == 2


async def test_basic_auth_and_project_id_on_every_api_call(image: Path) -> None:
    rec = Recorder()
    p = provider(rec, project_id=lambda: "proj_42")
    await p.submit(GenerationRequest("scenario:model_trellis-2", (image,), {}), lambda *_: None)
    expected = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    assert rec.requests and all(r.headers["authorization"] == expected for r in rec.requests)
    assert all(r.url.params.get("projectId") == "proj_42" for r in rec.requests)


async def test_paid_post_is_never_retried(image: Path) -> None:
    rec = Recorder({("POST", "/v1/generate/custom/model_trellis-2"): [httpx.Response(503, text="busy")]})
    p = provider(rec)
    with pytest.raises(SubmitUncertainError):
        await p.submit(GenerationRequest("scenario:model_trellis-2", (image,), {}), lambda *_: None)
    assert len(rec.bodies("POST", "/v1/generate/custom/")) == 1


async def test_transport_error_on_the_paid_post_is_uncertain(image: Path) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.startswith("/v1/generate"):
            raise httpx.ReadTimeout("timed out", request=request)
        return Recorder()(request)

    p = ScenarioProvider(DEFAULT_BASE_URL, lambda: (KEY, SECRET), transport=httpx.MockTransport(handler))
    with pytest.raises(SubmitUncertainError):
        await p.submit(GenerationRequest("scenario:model_trellis-2", (image,), {}), lambda *_: None)
    assert sum(1 for c in calls if c.startswith("/v1/generate")) == 1


async def test_uploads_are_retried_on_transient_errors(image: Path) -> None:
    rec = Recorder({("POST", "/v1/assets"): [httpx.Response(503, text="busy"), httpx.Response(429, json={})]})
    p = provider(rec)
    await p.submit(GenerationRequest("scenario:model_trellis-2", (image,), {}), lambda *_: None)
    assert len(rec.bodies("POST", "/v1/assets")) == 3 and rec.assets == 1


async def test_quote_prices_the_full_body_with_the_uploaded_image_and_submit_reuses_it(image: Path) -> None:
    rec = Recorder()
    p = provider(rec)
    request = GenerationRequest("scenario:model_trellis-2", (image,), {"textureSize": 4096})
    quote = await p.quote(request)
    assert quote is not None and (quote.cost, quote.unit) == (42, "CU")
    assert quote.detail == "custom generation: 42 CU"
    assert rec.assets == 1  # uploading is free; the estimate sees the image
    (dry,) = [r for r in rec.requests if r.url.path.startswith("/v1/generate/")]
    assert dry.url.params["dryRun"] == "api"  # "estimates at the API tier" (scenario-sdk)
    body = rec.bodies("POST", "/v1/generate/custom/")[0]
    assert body["image"] == "asset_1" and body["textureSize"] == 4096
    await p.submit(request, lambda *_: None)
    assert rec.assets == 1 and rec.bodies("POST", "/v1/generate/custom/")[-1]["image"] == "asset_1"
    free = Recorder({("POST", "/v1/generate/custom/model_trellis-2"): [
        httpx.Response(403, json={"code": "FORBIDDEN", "message": "dryRun is for paid plans"})]})
    assert await provider(free).quote(GenerationRequest("scenario:model_trellis-2", (image,), {})) is None


async def test_without_keys_models_are_bundled_and_unavailable_and_submit_refuses(image: Path) -> None:
    rec = Recorder()
    p = ScenarioProvider(DEFAULT_BASE_URL, lambda: ("", ""), transport=httpx.MockTransport(rec))
    models = await p.models()
    assert {m.id for m in models} == {"scenario:model_trellis-2", "scenario:model_hunyuan-3d-v2-1",
                                      "scenario:model_rodin-hyper3d-v2-5"}
    assert all(not m.available and m.unavailable_reason == "Add your Scenario key in Settings" for m in models)
    schema = await p.schema("scenario:model_rodin-hyper3d-v2-5")  # the bundled copy still builds the form
    assert schema.defaults()["material"] == "PBR"  # local override: one GLB, not two
    with pytest.raises(AuthError):
        await p.submit(GenerationRequest("scenario:model_trellis-2", (image,), {}), lambda *_: None)
    assert rec.requests == []


async def test_cancel_refused_is_false_and_accepted_is_true() -> None:
    path = ("POST", "/v1/jobs/job_1/action")
    refused = Recorder({path: [httpx.Response(400, json={"message": "Cannot cancel this type of job"})]})
    assert await provider(refused).cancel(RemoteRef({"job_id": "job_1"})) is False
    accepted = Recorder({path: [httpx.Response(200, json={"job": {"jobId": "job_1", "status": "canceled"}})]})
    assert await provider(accepted).cancel(RemoteRef({"job_id": "job_1"})) is True
    assert refused.bodies("POST", "/v1/jobs/")[0] == {"action": "cancel"}
