"""Hyper3D provider against the loopback emulator over real HTTP: the happy path and every fault switch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.core.errors import AuthError, ProviderError, SubmitUncertainError
from desktop_app.providers.base import FileKind, GenerationRequest, PollResult, RemoteRef, RemoteStatus
from desktop_app.providers.hyper3d import Hyper3DProvider
from tests.emulators.hyper3d import Hyper3DEmulator


@pytest.fixture
def emu() -> Iterator[Hyper3DEmulator]:
    with Hyper3DEmulator() as e:
        yield e


@pytest.fixture
async def rodin(emu: Hyper3DEmulator) -> Hyper3DProvider:
    p = Hyper3DProvider(emu.base_url, lambda: emu.api_key)
    yield p
    await p.aclose()


@pytest.fixture
def views(fixture_images: Path) -> tuple[Path, ...]:
    return tuple(sorted(fixture_images.glob("multiview_character_*.png")))


def req(images: tuple[Path, ...] = (), **values: object) -> GenerationRequest:
    if not images:
        values.setdefault("prompt", "a small wooden crate")
    return GenerationRequest("hyper3d:rodin", images, dict(values))


def noop(_p: float | None, _m: str) -> None:
    pass


async def run(p: Hyper3DProvider, ref: RemoteRef, limit: int = 30) -> list[PollResult]:
    seen = []
    for _ in range(limit):
        seen.append(await p.poll(ref))
        if seen[-1].status in (RemoteStatus.SUCCEEDED, RemoteStatus.FAILED, RemoteStatus.CANCELED):
            return seen
    raise AssertionError(f"never finished: {seen[-3:]}")


def assert_key_hidden(exc: BaseException, key: str) -> None:
    assert key not in str(exc) and key not in repr(exc.args)
    if isinstance(exc, ProviderError):
        assert key not in exc.user_text()


async def test_full_flow_with_images(emu: Hyper3DEmulator, rodin: Hyper3DProvider, views: tuple[Path, ...]) -> None:
    messages: list[str] = []
    ref = await rodin.submit(req(views, tier="Gen-2.5-Low", preview_render=True, TAPose=True,
                                 bbox_condition=[100, 200, 100], seed=42), lambda _p, m: messages.append(m))
    assert emu.submits == 1 and len(emu.tasks) == 1 and ref.data["uuid"] in emu.tasks
    assert ref.cost == 0.5 and emu.balance == 99.5
    assert messages[0] == "Sending 3 pictures to Hyper3D"
    (sent,) = emu.requests_to("rodin")
    assert sent.headers["Authorization"] == f"Bearer {emu.api_key}"
    assert [f[:2] for f in sent.files] == [("images", "0000.png"), ("images", "0001.png"), ("images", "0002.png")]
    assert [f[3] for f in sent.files] == [p.stat().st_size for p in views]  # order kept, bytes intact
    assert sent.fields["tier"] == ["Gen-2.5-Low"] and sent.fields["TAPose"] == ["true"]
    assert sent.fields["bbox_condition"] == ["[100,200,100]"]

    polls = await run(rodin, ref)
    assert polls[0].status == RemoteStatus.QUEUED and polls[0].queue_position == 3
    assert RemoteStatus.RUNNING in [r.status for r in polls] and polls[-1].status == RemoteStatus.SUCCEEDED
    files = await rodin.outputs(ref)
    assert [f.name for f in files] == ["preview.webp", "base_basic_pbr.glb", "texture_emissive.png",
                                       "render_preview.png"]
    assert [f.kind for f in files] == [FileKind.IMAGE, FileKind.MODEL, FileKind.TEXTURE, FileKind.IMAGE]
    async with httpx.AsyncClient() as plain:  # signed URLs need no auth
        for f in files:
            got = await plain.get(f.url)
            assert got.status_code == 200, f.name
            if f.kind == FileKind.MODEL:
                assert f.preferred and got.content[:4] == b"glTF"
    assert emu.submits == 1


async def test_text_only_flow_and_balance(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.waiting_polls = emu.generating_polls = emu.stagger_polls = 0
    ref = await rodin.submit(req(tier="Gen-2.5-Extreme-High", addons="HighPack"), noop)
    assert ref.cost == 2.0 and await rodin.balance() == (98.0, "credits")
    assert (await run(rodin, ref))[-1].status == RemoteStatus.SUCCEEDED
    # Sent plain, as every vendor client does (rodin-api-mcp, ComfyUI, rodin3d-skills); decoded as the add-on.
    assert emu.requests_to("rodin")[0].fields["addons"] == ["HighPack"]
    assert emu.tasks[ref.data["uuid"]].fields["addons"] == ["HighPack"]


@pytest.mark.parametrize("parts", [
    [("addons", "HighPack")],  # rodin-api-mcp, ComfyUI: one plain field per add-on
    [("addons", "HighPack"), ("addons", "HighPack")],  # repeated
    [("addons", '["HighPack"]')],  # a JSON-array string
    [("addons", "HighPack,")],  # rodin3d-skills joins add-ons with commas
])
async def test_emulator_decodes_every_addons_variant_the_same(emu: Hyper3DEmulator, parts: list) -> None:
    auth = {"Authorization": f"Bearer {emu.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=auth) as c:
        got = await c.post("/v2/rodin", files=[("prompt", (None, "x")), *((k, (None, v)) for k, v in parts)])
    assert got.status_code == 201, got.text
    assert set(emu.tasks[got.json()["uuid"]].fields["addons"]) == {"HighPack"}


@pytest.mark.parametrize("parts", [
    [("bbox_condition", "[100,320,100]")],  # docs, rodin-api-mcp, BlenderMCP
    [("bbox_condition", "100,320,100")],  # rodin3d-skills
    [("bbox_condition", "100"), ("bbox_condition", "320"), ("bbox_condition", "100")],  # ComfyUI Gen-2.5
])
async def test_emulator_decodes_every_bbox_variant_the_same(emu: Hyper3DEmulator, parts: list) -> None:
    auth = {"Authorization": f"Bearer {emu.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=auth) as c:
        got = await c.post("/v2/rodin", files=[("prompt", (None, "x")), *((k, (None, v)) for k, v in parts)])
    assert got.status_code == 201, got.text
    assert emu.tasks[got.json()["uuid"]].fields["bbox_condition"] == [100, 320, 100]


@pytest.mark.parametrize("code", ["API_INSUFFICIENT_FUNDS", "API_NO_ACTIVE_SUBSCRIPTION",
                                  "API_SUBSCRIPTION_PLAN_TOO_LOW", "API_OBJECT_NOT_FOUND_ON_IMAGE",
                                  "IMAGE_CONTENT_VIOLATION", "INVALID_REQUEST"])
@pytest.mark.parametrize(("names", "status"), [("new", 201), ("old", 201), ("new", 400)])
async def test_rejected_submit_is_reported_and_not_resent(emu: Hyper3DEmulator, rodin: Hyper3DProvider,
                                                          code: str, names: str, status: int) -> None:
    emu.submit_error, emu.error_names, emu.submit_error_status = code, names, status
    with pytest.raises(ProviderError) as info:
        await rodin.submit(req(), noop)
    assert not info.value.retryable and not isinstance(info.value, SubmitUncertainError)
    assert info.value.code == emu.code(code)
    assert emu.submits == 1 and emu.tasks == {}
    assert_key_hidden(info.value, emu.api_key)


@pytest.mark.parametrize("code", ["PERMISSION_DENIED", "USER_NOT_FOUND"])
async def test_account_codes_are_auth_errors(emu: Hyper3DEmulator, rodin: Hyper3DProvider, code: str) -> None:
    emu.submit_error = code
    with pytest.raises(AuthError):
        await rodin.submit(req(), noop)


async def test_low_balance_and_parallelism_limit(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.parallelism_limit = 1
    await rodin.submit(req(), noop)
    with pytest.raises(ProviderError) as info:
        await rodin.submit(req(), noop)
    assert info.value.retryable and info.value.retry_after == 15.0 and "running jobs" in info.value.user_text()
    emu.parallelism_limit, emu.balance = None, 0.2
    with pytest.raises(ProviderError, match="enough credits") as info:
        await rodin.submit(req(), noop)
    assert not info.value.retryable
    assert emu.submits == 3 and len(emu.tasks) == 1


@pytest.mark.parametrize("lost", [500, 502, "drop"])
async def test_lost_submit_reply_is_uncertain_and_never_resent(emu: Hyper3DEmulator, rodin: Hyper3DProvider,
                                                               lost: int | str) -> None:
    emu.lost_response = lost
    with pytest.raises(SubmitUncertainError) as info:
        await rodin.submit(req(), noop)
    assert not info.value.retryable
    assert emu.submits == 1 and len(emu.tasks) == 1  # the task exists: a resend would charge twice
    assert "not charged twice" in info.value.user_text()
    assert_key_hidden(info.value, emu.api_key)


async def test_no_key_and_wrong_key(emu: Hyper3DEmulator) -> None:
    for key in ("", "rk-wrong-key-that-must-stay-secret"):
        p = Hyper3DProvider(emu.base_url, lambda k=key: k)
        with pytest.raises(AuthError) as info:
            await p.submit(req(), noop)
        assert "API key" in info.value.user_text() and "Settings" in info.value.user_text()
        assert_key_hidden(info.value, key or emu.api_key)
        (model,) = await p.models()
        assert model.available is bool(key)
        await p.aclose()
    assert emu.submits == 1  # only the wrong key reached the server
    assert emu.tasks == {}


async def test_status_429_and_5xx_are_retryable_then_recover(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    ref = await rodin.submit(req(), noop)
    emu.fail_next_status(429, retry_after=7)
    emu.fail_next_status(429)
    emu.fail_next_status(500, times=2)
    emu.fail_next_status(503, retry_after=2)
    expected = [7.0, None, None, None, 2.0]
    for retry_after in expected:
        with pytest.raises(ProviderError) as info:
            await rodin.poll(ref)
        assert info.value.retryable and info.value.retry_after == retry_after
        assert not isinstance(info.value, AuthError)
    assert (await run(rodin, ref))[-1].status == RemoteStatus.SUCCEEDED
    assert emu.submits == 1


@pytest.mark.parametrize(("mode", "status"), [("one", RemoteStatus.FAILED), ("all", RemoteStatus.FAILED),
                                              ("cancel", RemoteStatus.CANCELED)])
async def test_failed_or_canceled_jobs(emu: Hyper3DEmulator, rodin: Hyper3DProvider, mode: str,
                                       status: RemoteStatus) -> None:
    emu.fail_jobs = mode
    ref = await rodin.submit(req(), noop)
    final = (await run(rodin, ref))[-1]
    assert final.status == status and final.message


async def test_failed_preview_render_alone_still_yields_the_model(emu: Hyper3DEmulator, rodin: Hyper3DProvider,
                                                                  views: tuple[Path, ...]) -> None:
    emu.fail_jobs = "render"
    ref = await rodin.submit(req(views[:1], tier="Gen-2.5-Medium", preview_render=True), noop)
    final = (await run(rodin, ref))[-1]
    assert final.status == RemoteStatus.SUCCEEDED and "failed" in final.message
    files = await rodin.outputs(ref)
    assert [f.name for f in files if f.preferred] == ["base_basic_pbr.glb"]
    assert "render_preview.png" not in [f.name for f in files]


@pytest.mark.parametrize("before_done", ["empty", "partial"])
async def test_results_before_done_are_retryable(emu: Hyper3DEmulator, rodin: Hyper3DProvider,
                                                 before_done: str) -> None:
    emu.before_done, emu.waiting_polls, emu.generating_polls = before_done, 0, 0
    ref = await rodin.submit(req(), noop)
    await rodin.poll(ref)  # first job Done, the second still Generating
    with pytest.raises(ProviderError) as info:
        await rodin.outputs(ref)
    assert info.value.retryable and info.value.retry_after
    await run(rodin, ref)
    assert any(f.preferred for f in await rodin.outputs(ref))


@pytest.mark.parametrize("fresh", [True, False])
async def test_expired_urls_and_fresh_url(emu: Hyper3DEmulator, rodin: Hyper3DProvider, fresh: bool) -> None:
    emu.waiting_polls = emu.generating_polls = emu.stagger_polls = 0
    emu.fresh_urls = fresh
    ref = await rodin.submit(req(), noop)
    await run(rodin, ref)
    model = next(f for f in await rodin.outputs(ref) if f.preferred)
    emu.expire_urls()
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(model.url)).status_code == 403
        url = await rodin.fresh_url(ref, model)
        got = await plain.get(url)
    if fresh:
        assert url != model.url and got.status_code == 200 and got.content[:4] == b"glTF"
    else:  # a service that hands back the same dead link: the downloader sees 403 again
        assert url == model.url and got.status_code == 403


async def test_slow_queue_counts_down(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.waiting_polls, emu.queue_length = 4, 5
    ref = await rodin.submit(req(), noop)
    polls = await run(rodin, ref)
    queued = [r.queue_position for r in polls if r.status == RemoteStatus.QUEUED]
    assert queued == [5, 4, 3, 2]
    assert polls[-1].status == RemoteStatus.SUCCEEDED


async def test_slow_queue_in_seconds(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.waiting_polls, emu.waiting_seconds = 0, 60.0
    ref = await rodin.submit(req(), noop)
    for _ in range(3):
        assert (await rodin.poll(ref)).status == RemoteStatus.QUEUED


async def test_reply_shape_variants(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.submit_error_key, emu.jobs_shape = "absent", "array"
    emu.include_prompt = emu.include_submit_time = emu.include_consumed = False
    emu.status_error_key, emu.download_error_key = "OK", "null"
    emu.status_words = {"Done": "DONE", "Waiting": "queued"}
    emu.unknown_status_once = True
    ref = await rodin.submit(req(tier="Sketch"), noop)
    assert ref.data["subscription_key"] and len(ref.data["job_uuids"]) == 2 and ref.cost == 0.5
    polls = await run(rodin, ref)
    assert polls[-1].status == RemoteStatus.SUCCEEDED
    assert any(r.status == RemoteStatus.RUNNING for r in polls)
    assert any(f.preferred for f in await rodin.outputs(ref))


async def test_canceled_spelling_variant(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.fail_jobs, emu.status_words = "cancel", {"Canceled": "Cancelled"}
    ref = await rodin.submit(req(), noop)
    assert (await run(rodin, ref))[-1].status == RemoteStatus.CANCELED
    assert await rodin.cancel(ref) is False


@pytest.mark.parametrize(("values", "names", "preferred"), [
    ({"material": "All"}, ["preview.webp", "base_basic_pbr.glb", "base_basic_shaded.glb", "texture_emissive.png"],
     "base_basic_pbr.glb"),
    ({"geometry_file_format": "fbx", "material": "Shaded"}, ["preview.webp", "base_basic_shaded.fbx"],
     "base_basic_shaded.fbx"),
])
async def test_formats_and_materials(emu: Hyper3DEmulator, rodin: Hyper3DProvider, values: dict, names: list,
                                     preferred: str) -> None:
    emu.waiting_polls = emu.generating_polls = emu.stagger_polls = 0
    ref = await rodin.submit(req(tier="Gen-2", **values), noop)
    await run(rodin, ref)
    files = await rodin.outputs(ref)
    assert [f.name for f in files] == names and [f.name for f in files if f.preferred] == [preferred]


async def test_unsafe_names_are_passed_on_as_given(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.unsafe_names = True
    emu.waiting_polls = emu.generating_polls = emu.stagger_polls = 0
    ref = await rodin.submit(req(), noop)
    await run(rodin, ref)
    assert "../base_basic_pbr.glb" in [f.name for f in await rodin.outputs(ref)]  # the downloader sanitises


async def test_server_checks_catch_values_the_form_would_not_stop(emu: Hyper3DEmulator,
                                                                  rodin: Hyper3DProvider) -> None:
    with pytest.raises(ProviderError, match="refused these settings: Creative mode") as info:
        await rodin.submit(req(tier="Gen-2.5-Low", geometry_instruct_mode="creative"), noop)
    assert info.value.code == "INVALID_REQUEST"
    assert emu.tasks == {}


# ----------------------------------------------------------------- the emulator's own strictness

async def test_emulator_rejects_what_the_real_api_rejects(emu: Hyper3DEmulator) -> None:
    auth = {"Authorization": f"Bearer {emu.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=auth) as c:
        def form(**fields: str) -> list:
            return [(k, (None, v)) for k, v in fields.items()]

        bad_bool = await c.post("/v2/rodin", files=form(prompt="x", TAPose="True"))
        assert bad_bool.json()["error"] == "INVALID_REQUEST"
        emu.strict_arrays = True  # the unconfirmed "JSON.parse" report (contract 2.3), now opt-in only
        repeated = await c.post("/v2/rodin", files=[*form(prompt="x"), ("addons", (None, "HighPack")),
                                                    ("addons", (None, "HighPack"))])
        assert repeated.status_code == 500 and "Unexpected token" in repeated.json()["message"]
        assert (await c.post("/v2/rodin", files=form(prompt="x", bbox_condition="1,2,3"))).status_code == 500
        emu.strict_arrays = False
        assert (await c.post("/v2/rodin", files=form(prompt="x", addons="Bogus"))).json()["error"] == \
            "INVALID_REQUEST"
        assert (await c.post("/v2/rodin", data={"prompt": "x"})).json()["error"] == "INVALID_REQUEST"
        assert (await c.post("/v2/rodin", files=form(tier="Sketch"))).json()["error"] == "INVALID_REQUEST"
        six = [("images", (f"{i}.png", b"\x89PNG....", "image/png")) for i in range(6)]
        assert (await c.post("/v2/rodin", files=six)).json()["error"] == "INVALID_REQUEST"
        labels = await c.post("/v2/rodin", files=[*form(image_label='["F","B"]', tier="Gen-2.5-Low"), six[0]])
        assert labels.json()["error"] == "IMAGE_LABEL_LENGTH_TOO_LONG"
        ok = await c.post("/v2/rodin", files=form(prompt="x", TApose="true"))  # the OpenAPI spelling
        assert ok.status_code == 201 and emu.tasks[ok.json()["uuid"]].fields["TAPose"] is True
        assert emu.tasks[ok.json()["uuid"]].fields["tier"] == "Regular"  # the documented default
        key = ok.json()["jobs"]["subscription_key"]
        status = await c.post("/v2/status", data={"subscription_key": key})  # form-encoded also works
        assert status.json()["jobs"][0]["status"] == "Waiting"
        wrong_id = await c.post("/v2/download", json={"task_uuid": ok.json()["jobs"]["uuids"][0]})
        assert wrong_id.json()["error"] == "NO_SUCH_TASK"
        assert (await c.get("/v2/check-balance")).json() == {"balance": 99.5}
    async with httpx.AsyncClient(base_url=emu.base_url) as anon:
        denied = await anon.post("/v2/status", json={"subscription_key": key})
        assert denied.status_code == 401 and denied.json()["error"] == "UNAUTHORIZED"


async def test_emulator_file_transfer_faults(emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    emu.waiting_polls = emu.generating_polls = emu.stagger_polls = 0
    emu.preview_first = False
    ref = await rodin.submit(req(geometry_file_format="obj"), noop)
    await run(rodin, ref)
    files = await rodin.outputs(ref)
    assert [f.name for f in files][:2] == ["base_basic_pbr.obj", "preview.webp"]  # model before preview
    model = next(f for f in files if f.preferred)
    emu.file_faults = [503, "truncate", "drop"]
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(model.url)).status_code == 503
        for _ in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                await plain.get(model.url)
        got = await plain.get(model.url)
    assert got.status_code == 200 and (got.content.startswith(b"v ") or b"\nv " in got.content)
    assert emu.file_gets == 4


def test_standalone_emulator_prints_url_and_key() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "tests.emulators.hyper3d", "--port", "0", "--key", "rk-manual"],
                            cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(2)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    assert lines[0].startswith("RODIN_BASE_URL=http://127.0.0.1:") and lines[0].endswith("/api")
    assert lines[1] == "RODIN_API_KEY=rk-manual"


async def test_gen25_face_count_limits_follow_the_live_tool_schema(emu: Hyper3DEmulator,
                                                                   rodin: Hyper3DProvider) -> None:
    # ComfyUI's Fast mode: Gen-2.5-High Raw below 20,000 (once refused by our schema and emulator).
    ref = await rodin.submit(req(tier="Gen-2.5-High", mesh_mode="Raw", quality_override=8000), noop)
    assert emu.tasks[ref.data["uuid"]].fields["quality_override"] == 8000
    auth = {"Authorization": f"Bearer {emu.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=auth) as c:
        quad = await c.post("/v2/rodin", files=[("prompt", (None, "x")), ("tier", (None, "Gen-2.5-Medium")),
                                                ("mesh_mode", (None, "Quad")), ("quality_override", (None, "60000"))])
    assert quad.json()["error"] == "INVALID_REQUEST" and "1000-50000" in quad.json()["message"]


async def test_gen25_height_and_symmetry_and_legacy_use_hyper_go_out_as_real_clients_send_them(
        emu: Hyper3DEmulator, rodin: Hyper3DProvider) -> None:
    ref = await rodin.submit(req(tier="Gen-2.5-Medium", height=180, is_symmetric="symmetric", use_hyper=True), noop)
    sent = emu.requests_to("rodin")[-1].fields
    assert sent["height"] == ["180"] and sent["is_symmetric"] == ["symmetric"]  # ComfyUI sends height_cm as height
    assert "use_hyper" not in sent  # a Gen-1.5 field: left out on Gen-2.5
    assert emu.tasks[ref.data["uuid"]].fields["height"] == 180
    await rodin.submit(req(tier="Regular", use_hyper=True, height=180), noop)
    sent = emu.requests_to("rodin")[-1].fields
    assert sent["use_hyper"] == ["true"] and "height" not in sent  # rodin-api-mcp sends use_hyper on Gen-1.5
