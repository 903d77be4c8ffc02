"""The Scenario provider against the loopback emulator: real sockets, real files, every documented fault."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.core.errors import AuthError, MeshwrightError, ProviderError, SubmitUncertainError
from desktop_app.core.retry import UPLOADS
from desktop_app.providers.base import FileKind, GenerationRequest, RemoteFile, RemoteRef, RemoteStatus
from desktop_app.providers.scenario import ScenarioProvider
from tests.emulators.scenario import ScenarioEmulator

FAST_RETRY = replace(UPLOADS, base=0.01, cap=0.01, jitter=0.0)  # the same policy, without the waits

TRELLIS, HUNYUAN, RODIN = "scenario:model_trellis-2", "scenario:model_hunyuan-3d-v2-1", \
    "scenario:model_rodin-hyper3d-v2-5"
MESHY = "scenario:model_meshy-7-img23d"


@pytest.fixture
def emu() -> Iterator[ScenarioEmulator]:
    with ScenarioEmulator() as emulator:
        yield emulator


def make_provider(emu: ScenarioEmulator, cache: Path, **kw: Any) -> ScenarioProvider:
    keys = kw.pop("keys", (emu.api_key, emu.api_secret))
    p = ScenarioProvider(emu.base_url, lambda: keys, cache_dir=cache, **kw)
    p.upload_retry = FAST_RETRY
    p.upload_poll_interval = 0.01
    return p


@pytest.fixture
async def prov(emu: ScenarioEmulator, tmp_path: Path) -> AsyncIterator[ScenarioProvider]:
    p = make_provider(emu, tmp_path / "cache")
    yield p
    await p.aclose()


@pytest.fixture
def image(fixture_images: Path) -> Path:
    return fixture_images / "typical_misc_crate.png"


async def run_to_end(p: ScenarioProvider, ref: RemoteRef, limit: int = 20) -> list[Any]:
    results = []
    for _ in range(limit):
        results.append(await p.poll(ref))
        if results[-1].status in (RemoteStatus.SUCCEEDED, RemoteStatus.FAILED, RemoteStatus.CANCELED):
            return results
    raise AssertionError("job never finished")


async def submit(p: ScenarioProvider, model: str, images: tuple[Path, ...], values: dict | None = None) -> RemoteRef:
    return await p.submit(GenerationRequest(model, images, values or {}), lambda *_: None)


# ----------------------------------------------------------------- models and schemas


async def test_models_pages_filters_and_flags(prov: ScenarioProvider, emu: ScenarioEmulator) -> None:
    models = {m.id: m for m in await prov.models()}
    # The private model still training is left out: the list asks for status=trained (blender-plugin does too).
    # Mesh-to-mesh models (capability 3d23d: remesh, retexture, rigging, parts) are listed for "Edit with…".
    refine = {i for i, m in models.items() if m.capabilities == ("3d23d",)}
    assert "scenario:model_meshy-remesh" in refine
    assert set(models) - refine == {TRELLIS, HUNYUAN, RODIN, MESHY, "scenario:model_tripo-v3-1-image-to-3d",
                                    "scenario:model_conditional-3d", "scenario:model_private-trained"}
    private = [c for c in emu.calls("GET", "/v1/models") if c.query.get("privacy") == "private"]
    assert private and all(c.query.get("status") == "trained" for c in private)
    assert models[MESHY].available and "Pro" in models[MESHY].description  # a note; the quote decides
    assert "Deprecated" in models["scenario:model_tripo-v3-1-image-to-3d"].description
    assert models[TRELLIS].available and models[TRELLIS].name == "Trellis 2"
    pages = [c for c in emu.calls("GET", "/v1/models") if c.path == "/v1/models"]
    assert len(pages) >= 4 and any("paginationToken" in c.query for c in pages)  # page size 2, 7 public models


async def test_models_without_or_with_wrong_keys_fall_back_to_the_bundled_three(emu: ScenarioEmulator,
                                                                              tmp_path: Path) -> None:
    for keys, reason in (((" ", ""), "Add your Scenario key in Settings"), (("bad", "worse"), "did not accept")):
        p = make_provider(emu, tmp_path, keys=keys)
        models = await p.models()
        assert {m.id for m in models} == {TRELLIS, HUNYUAN, RODIN}
        assert all(not m.available and reason in m.unavailable_reason for m in models)
        await p.aclose()


async def test_schema_is_cached_on_disk_by_updated_at(emu: ScenarioEmulator, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = make_provider(emu, cache)
    schema = await first.schema(TRELLIS)
    assert schema.id == TRELLIS and schema.updated_at == "2026-03-01T10:00:00.000Z"
    assert (cache / "scenario-model_trellis-2.json").is_file()
    await first.aclose()

    second = make_provider(emu, cache)
    await second.models()  # learns updatedAt; unchanged, so no schema request
    before = len(emu.calls("GET", "/v1/models/model_trellis-2"))
    await second.schema(TRELLIS)
    assert len(emu.calls("GET", "/v1/models/model_trellis-2")) == before
    emu.touch_model("model_trellis-2")
    await second.models()
    assert (await second.schema(TRELLIS)).updated_at != schema.updated_at
    assert len(emu.calls("GET", "/v1/models/model_trellis-2")) == before + 1

    emu.fail("GET", "/v1/models/", 503, times=10)  # offline: the cached copy, then the bundled one
    assert (await second.schema(TRELLIS)).id == TRELLIS
    assert (await second.schema(HUNYUAN)).field("targetFaceNum").cost_impact
    await second.aclose()


async def test_unknown_model_is_a_plain_not_found(prov: ScenarioProvider) -> None:
    with pytest.raises(ProviderError, match="no model called model_nope") as info:
        await prov.schema("scenario:model_nope")
    assert not info.value.retryable


# ----------------------------------------------------------------- quotes


async def test_quote_follows_cost_impact_inputs_and_creates_nothing(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                                    image: Path) -> None:
    base = await prov.quote(GenerationRequest(RODIN, (image,), {"tier": "Gen-2.5-Medium"}))
    high = await prov.quote(GenerationRequest(RODIN, (image,), {"tier": "Gen-2.5-Extreme-High"}))
    assert base is not None and high is not None and (base.cost, base.unit, high.cost) == (80, "CU", 160)
    # The image went up once (free) and both estimates carried its asset id; no job was started.
    assert emu.generate_posts == 0 and emu.asset_posts == 1 and not emu.jobs and emu.dryrun_posts == 2
    (asset_id,) = emu.assets
    assert [(v, b["images"]) for v, b in emu.dryrun_bodies] == [("api", [asset_id]), ("api", [asset_id])]
    ref = await submit(prov, RODIN, (image,), {"tier": "Gen-2.5-Medium"})
    assert emu.asset_posts == 1 and emu.jobs[ref.data["job_id"]]["input"]["images"] == [asset_id]  # reused


async def test_quote_unavailable_on_free_plan_or_without_a_required_image(prov: ScenarioProvider,
                                                                          emu: ScenarioEmulator, image: Path) -> None:
    emu.dryrun_forbidden = True
    assert await prov.quote(GenerationRequest(TRELLIS, (image,), {})) is None
    emu.dryrun_forbidden = False
    assert await prov.quote(GenerationRequest(TRELLIS, (), {})) is None  # the estimate demands the image
    assert emu.calls("POST", "/v1/generate/")[-1].query["dryRun"] == "api" and not emu.jobs
    with pytest.raises(ProviderError) as info:
        await prov.quote(GenerationRequest(MESHY, (image,), {}))
    assert info.value.code == "model_restricted"


# ----------------------------------------------------------------- the whole job


@pytest.mark.parametrize(("model", "values", "kinds"), [
    (TRELLIS, {"textureSize": 1024}, [FileKind.MODEL]),
    (HUNYUAN, {"paint": False, "guidanceScale": 7.5}, [FileKind.MODEL]),
    (RODIN, {}, [FileKind.MODEL, FileKind.IMAGE]),  # PBR by default: one GLB plus the preview
    (RODIN, {"material": "All"}, [FileKind.MODEL, FileKind.MODEL, FileKind.IMAGE]),
    (MESHY, {}, []),  # classified in detail below
])
async def test_submit_poll_outputs_download(prov: ScenarioProvider, emu: ScenarioEmulator, image: Path,
                                            model: str, values: dict, kinds: list[FileKind]) -> None:
    emu.plan_level = 50  # a Pro account may run Meshy
    ref = await submit(prov, model, (image, image) if model in (RODIN, MESHY) else (image,), values)
    assert ref.data["job_id"] in emu.jobs and ref.cost_unit == "CU" and ref.cost
    results = await run_to_end(prov, ref)
    assert results[-1].status is RemoteStatus.SUCCEEDED and results[-1].progress == 1.0
    assert [r.status for r in results[:1]] == [RemoteStatus.QUEUED]
    files = await prov.outputs(ref)
    if kinds:
        assert [f.kind for f in files] == kinds
    preferred = [f for f in files if f.preferred]
    assert len(preferred) == 1 and preferred[0].name.endswith(".glb")
    async with httpx.AsyncClient() as client:
        for f in files:
            response = await client.get(await prov.fresh_url(ref, f))
            assert response.status_code == 200 and len(response.content) == f.size
            if f.name.endswith(".glb"):
                assert response.content[:4] == b"glTF"
            if f.mime == "image/webp":
                assert response.content[8:12] == b"WEBP"
    assert emu.generate_posts == 1 and len(emu.uploaded_hashes) == 1  # same picture twice -> one upload
    if model == RODIN and not values:
        assert emu.jobs[ref.data["job_id"]]["input"]["material"] == "PBR"


async def test_meshy_outputs_are_classified_without_trusting_names(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                                   image: Path) -> None:
    emu.plan_level = 50
    ref = await submit(prov, MESHY, (image,))
    await run_to_end(prov, ref)
    files = await prov.outputs(ref)
    kinds = sorted(f.kind.value for f in files)
    assert kinds == ["model", "model", "other", "texture", "texture", "texture", "texture"]
    assert next(f for f in files if f.kind is FileKind.OTHER).name.endswith(".mtl")
    assert next(f for f in files if f.preferred).mime == "model/gltf-binary"


async def test_large_images_use_the_multipart_upload(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                     image: Path) -> None:
    prov.small_upload_limit = 1000
    ref = await submit(prov, TRELLIS, (image,))
    assert emu.asset_posts == 0 and emu.part_puts == 1 and len(emu.uploaded_hashes) == 1
    assert all("authorization" not in c.headers for c in emu.requests if c.path.startswith("/s3/"))
    assert emu.part_content_types == ["image/png"]  # the presigned PUT carries the declared Content-Type
    assert emu.calls("POST", "/v1/uploads/")[0].body == {"action": "complete"}
    assert emu.jobs[ref.data["job_id"]]["input"]["image"] == ref.data["asset_ids"][0]
    emu.upload_outcome = "failed"
    with pytest.raises(ProviderError, match="could not import"):
        await submit(prov, TRELLIS, (image.with_name("typical_vehicle_biplane.png"),))
    assert emu.generate_posts == 1


async def test_team_key_project_id_goes_on_every_call(emu: ScenarioEmulator, tmp_path: Path, image: Path) -> None:
    emu.require_project = True
    p = make_provider(emu, tmp_path, project_id="proj_team")
    ref = await submit(p, TRELLIS, (image,))
    await run_to_end(p, ref)
    await p.outputs(ref)
    api = [c for c in emu.requests if c.path.startswith("/v1/")]
    assert api and all(c.query.get("projectId") == "proj_team" for c in api)
    await p.aclose()


# ----------------------------------------------------------------- faults


@pytest.mark.parametrize(("headers", "expected"), [({"retry_after": "2"}, 2.0), ({"retry_after_ms": "1500"}, 1.5),
                                                   ({}, None)])
async def test_rate_limited_submit_is_refused_not_charged(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                          image: Path, headers: dict, expected: float | None) -> None:
    emu.rate_limit("POST", "/v1/generate/", **headers)
    with pytest.raises(ProviderError) as info:
        await submit(prov, TRELLIS, (image,))
    assert info.value.retryable and info.value.retry_after == expected and "limit for generate: 3" in str(info.value)
    assert emu.generate_posts == 0 and len(emu.calls("POST", "/v1/generate/")) == 1


async def test_poll_faults_are_retryable_then_recover(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                     image: Path) -> None:
    ref = await submit(prov, TRELLIS, (image,))
    emu.rate_limit("GET", "/v1/jobs/", retry_after="3")
    for status in (500, 502, 503, 408):
        emu.fail("GET", "/v1/jobs/", status)
    seen = []
    for _ in range(5):
        with pytest.raises(ProviderError) as info:
            await prov.poll(ref)
        seen.append((info.value.retryable, info.value.retry_after))
    assert seen[0] == (True, 3.0) and all(r for r, _ in seen)
    assert (await run_to_end(prov, ref))[-1].status is RemoteStatus.SUCCEEDED


@pytest.mark.parametrize("mode", ["500", "drop"])
async def test_lost_submit_reply_is_uncertain_and_never_resent(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                               image: Path, mode: str) -> None:
    emu.lose_generate_response = mode
    with pytest.raises(SubmitUncertainError):
        await submit(prov, TRELLIS, (image,))
    assert emu.generate_posts == 1 and len(emu.calls("POST", "/v1/generate/")) == 1
    async with httpx.AsyncClient(auth=(emu.api_key, emu.api_secret)) as client:
        listed = (await client.get(emu.base_url + "/jobs")).json()["jobs"]
    assert len(listed) == 1  # the job exists: reconcile by reading jobs, never by resubmitting


@pytest.mark.parametrize("drift", [False, True])
async def test_failed_job_explains_itself(prov: ScenarioProvider, emu: ScenarioEmulator, image: Path,
                                          drift: bool) -> None:
    emu.outcome, emu.drift, emu.failure_hint = "failure", drift, "Try a simpler image"
    ref = await submit(prov, TRELLIS, (image,))
    last = (await run_to_end(prov, ref))[-1]
    assert last.status is RemoteStatus.FAILED
    assert "Error ID 7f21c" in last.message and "Try a simpler image" in last.message
    assert await prov.outputs(ref) == []


async def test_partial_failure_keeps_what_was_made(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                   image: Path) -> None:
    emu.outcome = "partial"
    ref = await submit(prov, RODIN, (image,), {"material": "All"})
    last = (await run_to_end(prov, ref))[-1]
    assert last.status is RemoteStatus.FAILED and "Some results were produced" in last.message
    assert [f.kind for f in await prov.outputs(ref)] == [FileKind.IMAGE]


async def test_docs_drift_variants(prov: ScenarioProvider, emu: ScenarioEmulator, image: Path) -> None:
    emu.drift, emu.job_id_key, emu.unknown_status, emu.billing_on_job = True, "id", "rendering", False
    ref = await submit(prov, TRELLIS, (image,))
    assert ref.data["job_id"] and ref.cost == 30  # top-level creativeUnitsCost, no billing block
    results = await run_to_end(prov, ref)
    assert [r.status for r in results][-1] is RemoteStatus.SUCCEEDED
    assert all(r.progress is None or 0 <= r.progress <= 1 for r in results)
    assert any(r.status is RemoteStatus.RUNNING and r.message == "Generating" for r in results)
    assert results[0].cost == 30


@pytest.mark.parametrize("mode", ["stuck", "absent"])
async def test_unhelpful_progress(prov: ScenarioProvider, emu: ScenarioEmulator, image: Path, mode: str) -> None:
    emu.progress_mode, emu.skip_states = mode, True
    results = await run_to_end(prov, await submit(prov, TRELLIS, (image,)))
    running = [r.progress for r in results[:-1]]
    assert running == ([0.1] * len(running) if mode == "stuck" else [None] * len(running))
    assert results[-1].progress == 1.0


async def test_restricted_model_submit_is_refused_before_any_job(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                                 image: Path) -> None:
    with pytest.raises(ProviderError) as info:
        await submit(prov, MESHY, (image,))
    assert info.value.code == "model_restricted" and "Pro plan" in str(info.value)
    assert not emu.jobs


@pytest.mark.parametrize("style", ["documented", "joi"])
async def test_validation_errors_reach_the_user(prov: ScenarioProvider, emu: ScenarioEmulator, image: Path,
                                                style: str) -> None:
    emu.error_style = style
    spec = next(i for i in emu.models["model_trellis-2"]["inputs"] if i["name"] == "textureSize")
    spec["allowedValues"] = [2048, 4096]  # the service changed after the form was filled in
    with pytest.raises(ProviderError, match='"textureSize" must be one of') as info:
        await submit(prov, TRELLIS, (image,), {"textureSize": 1024})
    assert not isinstance(info.value, SubmitUncertainError) and not emu.jobs


async def test_scope_limited_key_and_bad_key(emu: ScenarioEmulator, tmp_path: Path, image: Path) -> None:
    emu.scope_limited = True
    p = make_provider(emu, tmp_path)
    with pytest.raises(AuthError, match="not allowed"):
        await submit(p, TRELLIS, (image,))
    emu.scope_limited = False
    bad = make_provider(emu, tmp_path, keys=("emu-key-7f3a9", "wrong-secret-value"))
    with pytest.raises(AuthError, match="did not accept"):
        await bad.poll(RemoteRef({"job_id": "job_x"}))
    await p.aclose()
    await bad.aclose()


async def test_unknown_job_is_not_found(prov: ScenarioProvider) -> None:
    with pytest.raises(ProviderError, match="not found") as info:
        await prov.poll(RemoteRef({"job_id": "job_missing"}))
    assert info.value.code == "not_found" and not info.value.retryable


async def test_expired_url_then_fresh_url_downloads(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                    image: Path) -> None:
    emu.url_lifetime = 0.3
    ref = await submit(prov, TRELLIS, (image,))
    await run_to_end(prov, ref)
    (glb,) = await prov.outputs(ref)
    await asyncio.sleep(0.4)
    async with httpx.AsyncClient() as client:
        assert (await client.get(glb.url)).status_code == 403
        fresh = await prov.fresh_url(ref, glb)
        assert fresh != glb.url
        response = await client.get(fresh)
    assert response.status_code == 200 and response.content[:4] == b"glTF"


async def test_pending_asset_and_missing_bulk_route(prov: ScenarioProvider, emu: ScenarioEmulator,
                                                    image: Path) -> None:
    emu.bulk_supported, emu.asset_pending_reads = False, 1
    ref = await submit(prov, TRELLIS, (image,))
    await run_to_end(prov, ref)
    (glb,) = await prov.outputs(ref)  # fetched one by one; still pending, so no URL yet
    assert glb.url == "" and glb.kind is FileKind.MODEL and glb.preferred
    assert (await prov.fresh_url(ref, glb)).startswith(emu.origin + "/cdn/")


async def test_cancel_refused_then_allowed(prov: ScenarioProvider, emu: ScenarioEmulator, image: Path) -> None:
    ref = await submit(prov, TRELLIS, (image,))
    assert await prov.cancel(ref) is False
    emu.cancel_allowed = True
    assert await prov.cancel(ref) is True
    assert (await run_to_end(prov, ref))[-1].status is RemoteStatus.CANCELED


async def test_upload_transient_errors_are_retried_but_generate_is_not(prov: ScenarioProvider,
                                                                       emu: ScenarioEmulator, image: Path) -> None:
    emu.fail("POST", "/v1/assets", 503)
    emu.fail("POST", "/v1/generate/", 503)
    with pytest.raises(SubmitUncertainError):
        await submit(prov, TRELLIS, (image,))
    assert len(emu.calls("POST", "/v1/assets")) == 2 and len(emu.calls("POST", "/v1/generate/")) == 1


async def test_scalar_for_array_is_silently_dropped_by_the_service(emu: ScenarioEmulator, image: Path) -> None:
    """Why the client always sends lists: the emulator reproduces the silent drop."""
    async with httpx.AsyncClient(auth=(emu.api_key, emu.api_secret), base_url=emu.base_url) as client:
        data = image.read_bytes()
        asset = (await client.post("/assets", json={"image": base64.b64encode(data).decode()})).json()["asset"]
        job = (await client.post("/generate/custom/model_rodin-hyper3d-v2-5", json={"images": asset["id"]})).json()
        for _ in range(10):
            state = (await client.get(f"/jobs/{job['job']['jobId']}")).json()["job"]
        assert state["status"] == "failure" and "no input image" in state["metadata"]["error"]


async def test_credentials_never_appear_in_errors(emu: ScenarioEmulator, tmp_path: Path, image: Path) -> None:
    p = make_provider(emu, tmp_path)
    emu.fail("POST", "/v1/generate/", 400, body={"message": f"key {emu.api_key} secret {emu.api_secret} bad"})
    emu.fail("GET", "/v1/jobs/", 403, body={"message": f"{emu.api_key}:{emu.api_secret} lacks scope"})
    texts = []
    for call in (lambda: submit(p, TRELLIS, (image,)), lambda: p.poll(RemoteRef({"job_id": "job_1"})),
                 lambda: p.fresh_url(RemoteRef({}), RemoteFile("asset_nope", "x.glb", FileKind.MODEL))):
        with pytest.raises(MeshwrightError) as info:
            await call()
        texts.append(f"{info.value} {info.value.user_text()} {info.value!r}")
    assert texts and all(emu.api_key not in t and emu.api_secret not in t for t in texts)
    await p.aclose()


async def test_huge_job_reply_is_capped_not_read(prov: ScenarioProvider, emu: ScenarioEmulator, image: Path) -> None:
    """A 122 MB reply to a status call is refused after 4 MB (issue 13), with a plain message."""
    import tracemalloc

    from desktop_app.providers.http import ReplyTooLargeError

    ref = await submit(prov, TRELLIS, (image,))
    emu.break_next("GET", "/v1/jobs/", "huge")
    tracemalloc.start()
    try:
        with pytest.raises(ReplyTooLargeError, match="huge reply"):
            await prov.poll(ref)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, peak


async def test_small_images_go_up_as_data_urls_and_the_limit_is_the_official_clients(
        prov: ScenarioProvider, emu: ScenarioEmulator, image: Path) -> None:
    assert prov.small_upload_limit == 3_500_000  # blender-plugin assets.py BASE64_LIMIT
    await submit(prov, TRELLIS, (image,))
    assert emu.asset_forms == ["data-url"] and emu.part_puts == 0


async def test_part_put_without_content_type_is_refused_like_a_presigned_url(emu: ScenarioEmulator) -> None:
    async with httpx.AsyncClient(auth=(emu.api_key, emu.api_secret), base_url=emu.base_url) as client:
        made = (await client.post("/uploads", json={"fileName": "a.png", "contentType": "image/png", "kind": "image",
                                                    "parts": 1, "fileSize": 10})).json()["upload"]
    async with httpx.AsyncClient() as plain:
        bare = await plain.put(made["parts"][0]["url"], content=b"x" * 10, headers={"Content-Type": ""})
        typed = await plain.put(made["parts"][0]["url"], content=b"x" * 10, headers={"Content-Type": "image/png"})
    assert bare.status_code == 403 and b"SignatureDoesNotMatch" in bare.content
    assert typed.status_code == 200


async def test_dry_run_never_starts_a_job_and_refuses_missing_required_inputs(emu: ScenarioEmulator,
                                                                               image: Path) -> None:
    async with httpx.AsyncClient(auth=(emu.api_key, emu.api_secret), base_url=emu.base_url) as client:
        data = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
        asset = (await client.post("/assets", json={"image": data, "name": "a.png"})).json()["asset"]
        missing = await client.post("/generate/custom/model_trellis-2", params={"dryRun": "api"}, json={})
        assert missing.status_code == 400 and '"image" is required' in missing.json()["message"]
        for value in ("api", "true"):
            est = await client.post("/generate/custom/model_trellis-2", params={"dryRun": value},
                                    json={"image": asset["id"]})
            assert est.status_code == 269 and est.json()["costDetails"] == {"custom-generation": 30}
        odd = await client.post("/generate/custom/model_trellis-2", params={"dryRun": "yes"},
                                json={"image": asset["id"]})
        assert odd.status_code == 400
    assert not emu.jobs and emu.generate_posts == 0


async def test_conditional_required_input_is_checked_before_anything_is_sent(prov: ScenarioProvider,
                                                                             emu: ScenarioEmulator) -> None:
    """required.conditional (scenario-sdk ModelInputRequired): the form stops it, and so does the service."""
    schema = await prov.schema("scenario:model_conditional-3d")
    assert schema.validate({"prompt": "a cat"}) == {}
    assert "faces" in schema.validate({"prompt": "a cat", "mode": "custom"})
    assert "seed" in schema.validate({"prompt": "a cat", "mode": "custom", "faces": 5000})  # ifDefined
    assert schema.validate({"prompt": "a cat", "mode": "custom", "faces": 5000, "seed": 1}) == {}
    refused = await prov.quote(GenerationRequest("scenario:model_conditional-3d", (),
                                                 {"prompt": "a", "mode": "custom"}))
    assert refused is None and emu.dryrun_posts == 1 and emu.dryrun_bodies == []  # the service said no
    quote = await prov.quote(GenerationRequest("scenario:model_conditional-3d", (),
                                               {"prompt": "a", "mode": "custom", "faces": 5000, "seed": 1}))
    assert quote is not None and not emu.jobs and emu.dryrun_bodies[-1][1]["faces"] == 5000


async def test_a_refused_job_forgets_the_reused_upload_so_a_retry_uploads_again(prov: ScenarioProvider,
                                                                               emu: ScenarioEmulator,
                                                                               image: Path) -> None:
    assert await prov.quote(GenerationRequest(TRELLIS, (image,), {})) is not None
    (asset_id,) = emu.assets
    del emu.assets[asset_id]  # deleted at Scenario between the quote and the job
    with pytest.raises(ProviderError, match="existing assets"):
        await submit(prov, TRELLIS, (image,))
    ref = await submit(prov, TRELLIS, (image,))
    assert emu.asset_posts == 2 and emu.jobs[ref.data["job_id"]]["input"]["image"] != asset_id
