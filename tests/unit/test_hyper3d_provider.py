"""Hyper3D provider without a server: request encoding, error and status mapping, quotes (httpx.MockTransport)."""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.core.errors import AuthError, ProviderError, SubmitUncertainError
from desktop_app.providers.base import FileKind, GenerationRequest, RemoteRef, RemoteStatus
from desktop_app.providers.hyper3d import DEFAULT_BASE_URL, Hyper3DProvider, api_root, encode_field, tier_cost
from desktop_app.providers.hyper3d_errors import body_error, file_kind, job_state
from tests.emulators.common import make_image

KEY = "rk-unit-secret-0123456789"
OK_SUBMIT = {"error": None, "message": "Submitted.", "uuid": "task-1",
             "jobs": {"uuids": ["j1", "j2"], "subscription_key": "sub-1"}, "consumed": 0.5}
REF = RemoteRef({"uuid": "task-1", "subscription_key": "sub-1", "job_uuids": ["j1", "j2"], "format": "glb"},
                0.5, "credits")


class Recorder:
    """A MockTransport handler answering from a route table, recording every request."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.routes[request.url.path.rsplit("/", 1)[-1]]
        if callable(reply):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return httpx.Response(201, json=reply)


def provider(routes: dict[str, Any], key: str = KEY, base: str = DEFAULT_BASE_URL) -> tuple[Hyper3DProvider,
                                                                                             Recorder]:
    rec = Recorder(routes)
    return Hyper3DProvider(base, lambda: key, transport=httpx.MockTransport(rec)), rec


def parts_of(request: httpx.Request) -> list[tuple[str, str | None, bytes]]:
    """(name, filename, payload) of each multipart part, in order."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode() + request.content)
    return [(p.get_param("name", header="content-disposition"), p.get_filename(), p.get_payload(decode=True))
            for p in msg.iter_parts()]


def text_fields(request: httpx.Request) -> dict[str, str]:
    return {n: v.decode() for n, f, v in parts_of(request) if f is None}


def noop(_p: float | None, _m: str) -> None:
    pass


@pytest.fixture
def images(tmp_path: Path) -> tuple[Path, ...]:
    out = []
    for i, fmt in enumerate(("PNG", "JPEG", "WEBP")):
        path = tmp_path / f"view{i}.{fmt.lower()}"
        path.write_bytes(make_image(fmt, seed=i))
        out.append(path)
    return tuple(out)


# ----------------------------------------------------------------- base URL and field encoding

@pytest.mark.parametrize("base", ["https://api.hyper3d.com/api", "https://api.hyper3d.com/api/",
                                  "https://api.hyper3d.com/api/v2", "https://api.hyper3d.com/api/v2/"])
async def test_base_url_with_or_without_v2_reaches_the_same_endpoint(base: str) -> None:
    p, rec = provider({"check_balance": {"balance": 12}}, base=base)
    assert await p.balance() == (12.0, "credits")
    assert str(rec.requests[0].url) == "https://api.hyper3d.com/api/v2/check_balance"
    assert api_root("http://127.0.0.1:8765/api") == "http://127.0.0.1:8765/api"


@pytest.mark.parametrize(("name", "value", "wire"), [
    ("TAPose", True, "true"), ("TAPose", False, "false"), ("seed", 0, "0"), ("quality_override", 18000.0, "18000"),
    ("bbox_condition", [100, 320.0, 100], "[100,320,100]"), ("addons", "HighPack", "HighPack"),
    ("addons", ["HighPack"], "HighPack"), ("addons", "", None), ("prompt", "", None), ("image_label", [], None),
    ("image_label", ["F", "B"], '["F","B"]'),
])
def test_encode_field(name: str, value: Any, wire: str | None) -> None:
    assert encode_field(name, value) == wire


# ----------------------------------------------------------------- submit

async def test_submit_multipart_exactly_per_contract(images: tuple[Path, ...]) -> None:
    p, rec = provider({"rodin": OK_SUBMIT})
    values = {"tier": "Gen-2.5-Low", "TAPose": True, "hd_texture": False, "addons": "HighPack",
              "bbox_condition": [100, 320, 100], "seed": 7, "is_micro": True, "mesh_simplify": False}
    ref = await p.submit(GenerationRequest("hyper3d:rodin", images, values), noop)
    assert ref.data == {"uuid": "task-1", "subscription_key": "sub-1", "job_uuids": ["j1", "j2"], "format": "glb"}
    assert (ref.cost, ref.cost_unit) == (0.5, "credits")
    (request,) = rec.requests
    assert request.method == "POST" and request.url.path == "/api/v2/rodin"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    parts = parts_of(request)
    files = [(n, f, v) for n, f, v in parts if f is not None]
    assert [(n, f) for n, f, _ in files] == [("images", "0000.png"), ("images", "0001.jpeg"), ("images", "0002.webp")]
    assert [v for _, _, v in files] == [path.read_bytes() for path in images]
    fields = text_fields(request)
    assert fields["tier"] == "Gen-2.5-Low"
    assert fields["geometry_instruct_mode"] == "faithful"  # disputed default: always sent on Gen-2.5
    assert (fields["TAPose"], fields["hd_texture"], fields["seed"]) == ("true", "false", "7")
    # Plain add-on value as every vendor client sends it (docs/CONTRACTS.md); bbox stays the docs' JSON list.
    assert fields["addons"] == "HighPack" and fields["bbox_condition"] == "[100,320,100]"
    assert "is_micro" not in fields and "mesh_simplify" not in fields  # not for this tier: left out
    assert not any(v in ("True", "False") for v in fields.values())


async def test_text_only_submit_is_still_multipart_and_tier_is_always_sent() -> None:
    p, rec = provider({"rodin": OK_SUBMIT})
    await p.submit(GenerationRequest("hyper3d:rodin", (), {"prompt": "a red chair"}), noop)
    request = rec.requests[0]
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    fields = text_fields(request)
    assert fields == {"prompt": "a red chair", "tier": "Gen-2.5-Medium", "geometry_instruct_mode": "faithful"}


async def test_older_tiers_get_their_own_fields_only() -> None:
    p, rec = provider({"rodin": OK_SUBMIT})
    values = {"prompt": "x", "tier": "Regular", "mesh_mode": "Raw", "mesh_simplify": True, "texture_delight": True,
              "condition_mode": "fuse", "geometry_instruct_mode": "creative"}
    await p.submit(GenerationRequest("hyper3d:rodin", (), values), noop)
    fields = text_fields(rec.requests[0])
    assert fields["mesh_simplify"] == "true" and fields["condition_mode"] == "fuse"
    assert "texture_delight" not in fields and "geometry_instruct_mode" not in fields


async def test_jobs_as_an_array_of_job_objects_is_accepted() -> None:
    reply = {"uuid": "task-1", "jobs": [{"uuid": "j1", "subscription_key": "sub-1"}, {"uuid": "j2"}]}
    p, _ = provider({"rodin": reply})
    ref = await p.submit(GenerationRequest("hyper3d:rodin", (), {"prompt": "x", "tier": "Sketch"}), noop)
    assert ref.data["subscription_key"] == "sub-1" and ref.data["job_uuids"] == ["j1", "j2"]
    assert ref.cost == 0.5  # no "consumed": the quote's figure


@pytest.mark.parametrize("reply", [
    {"error": None, "uuid": "task-1", "jobs": {"uuids": ["j1"]}},  # no subscription key
    {"error": None, "jobs": {"uuids": ["j1"], "subscription_key": "sub-1"}},  # no uuid
    {"error": "", "message": "Submitted."},
])
async def test_submit_without_both_ids_is_uncertain_not_success(reply: dict) -> None:
    p, rec = provider({"rodin": reply})
    with pytest.raises(SubmitUncertainError):
        await p.submit(GenerationRequest("hyper3d:rodin", (), {"prompt": "x"}), noop)
    assert len(rec.requests) == 1


@pytest.mark.parametrize(("reply", "cls", "retryable"), [
    (httpx.Response(500, json={"error": "UNKNOWN", "message": "Unexpected token 'H'"}), SubmitUncertainError, False),
    (httpx.Response(502, text="<html>bad gateway</html>"), SubmitUncertainError, False),
    (httpx.Response(201, text="not json"), SubmitUncertainError, False),
    (httpx.ReadTimeout("timed out"), SubmitUncertainError, False),
    (httpx.RemoteProtocolError("Server disconnected"), SubmitUncertainError, False),
    (httpx.ConnectError("refused"), ProviderError, False),
    (httpx.Response(429, headers={"Retry-After": "12"}), ProviderError, True),
    (httpx.Response(401, json={"error": "UNAUTHORIZED", "message": "Active API key is required."}), AuthError,
     False),
])
async def test_submit_failures_are_never_retried(reply: Any, cls: type, retryable: bool) -> None:
    p, rec = provider({"rodin": reply})
    with pytest.raises(cls) as info:
        await p.submit(GenerationRequest("hyper3d:rodin", (), {"prompt": "x"}), noop)
    assert type(info.value) is cls and info.value.retryable is retryable
    assert len(rec.requests) == 1
    if retryable:
        assert info.value.retry_after == 12.0


async def test_no_key_fails_before_any_request() -> None:
    p, rec = provider({"rodin": OK_SUBMIT}, key="")
    with pytest.raises(AuthError) as info:
        await p.submit(GenerationRequest("hyper3d:rodin", (), {"prompt": "x"}), noop)
    assert "API key" in info.value.user_text() and "Settings" in info.value.user_text()
    assert rec.requests == []
    (model,) = await p.models()
    assert model.id == "hyper3d:rodin" and not model.available and "API key" in model.unavailable_reason


async def test_local_checks_stop_obviously_bad_requests() -> None:
    p, rec = provider({"rodin": OK_SUBMIT})
    with pytest.raises(ProviderError, match="picture or write a description"):
        await p.submit(GenerationRequest("hyper3d:rodin", (), {"tier": "Gen-2"}), noop)
    with pytest.raises(ProviderError, match="HighPack"):
        await p.submit(GenerationRequest("hyper3d:rodin", (), {"prompt": "x", "tier": "Detail", "mesh_mode": "Raw",
                                                                "addons": "HighPack"}), noop)
    with pytest.raises(ProviderError, match="at most 5"):
        await p.submit(GenerationRequest("hyper3d:rodin", (Path("a.png"),) * 6, {}), noop)
    assert rec.requests == []


# ----------------------------------------------------------------- error codes

@pytest.mark.parametrize(("code", "cls", "retryable", "words"), [
    ("UNAUTHORIZED", AuthError, False, "API key"),
    ("USER_NOT_FOUND", AuthError, False, "API key"),
    ("GROUP_NOT_FOUND", AuthError, False, "API key"),
    ("PERMISSION_DENIED", AuthError, False, "Business"),
    ("NO_ACTIVE_SUBSCRIPTION", ProviderError, False, "subscription"),
    ("API_NO_ACTIVE_SUBSCRIPTION", ProviderError, False, "subscription"),
    ("SUBSCRIPTION_PLAN_TOO_LOW", ProviderError, False, "Business"),
    ("API_SUBSCRIPTION_PLAN_TOO_LOW", ProviderError, False, "Business"),
    ("INSUFFICIENT_FUND", ProviderError, False, "credits"),
    ("API_INSUFFICIENT_FUNDS", ProviderError, False, "credits"),
    ("INSUFFICIENT_FUNDS", ProviderError, False, "credits"),
    ("API_PARALLELISM_LIMIT_REACHED", ProviderError, True, "running jobs"),
    ("PARALLELISM_LIMIT_REACHED", ProviderError, True, "running jobs"),
    ("API_OBJECT_NOT_FOUND_ON_IMAGE", ProviderError, False, "object"),
    ("OBJECT_NOT_FOUND_ON_IMAGE", ProviderError, False, "object"),
    ("IMAGE_CONTENT_VIOLATION", ProviderError, False, "content check"),
    ("API_IMAGE_CONTENT_VIOLATION", ProviderError, False, "content check"),
    ("IMAGE_LABEL_LENGTH_TOO_LONG", ProviderError, False, "bug"),
    ("INVALID_REQUEST", ProviderError, False, "seed is out of range"),
    ("NO_SUCH_TASK", ProviderError, False, "7 days"),
    ("SOMETHING_NEW", ProviderError, False, "seed is out of range"),
])
@pytest.mark.parametrize("status", [201, 400])
async def test_body_level_codes_map_to_plain_errors(code: str, cls: type, retryable: bool, words: str,
                                                    status: int) -> None:
    body = {"error": code, "message": f"seed is out of range (key {KEY})"}
    p, _ = provider({"rodin": httpx.Response(status, json=body)})
    with pytest.raises(ProviderError) as info:
        await p.submit(GenerationRequest("hyper3d:rodin", (), {"prompt": "x"}), noop)
    err = info.value
    assert type(err) is cls and err.retryable is retryable and err.code == code
    assert words in err.user_text()
    assert KEY not in err.user_text() and KEY not in str(err)
    if retryable:
        assert err.retry_after == 15.0


def test_unknown_code_is_retryable_only_for_reads() -> None:
    assert body_error("UNKNOWN", "boom").retryable
    assert not body_error("UNKNOWN", "boom", submit=True).retryable


# ----------------------------------------------------------------- status

@pytest.mark.parametrize(("words", "status"), [
    (["Waiting", "Waiting"], RemoteStatus.QUEUED),
    (["Waiting", "Generating"], RemoteStatus.RUNNING),
    (["Done", "Generating"], RemoteStatus.RUNNING),
    (["Done", "Rendering"], RemoteStatus.RUNNING),  # unknown word: still running
    (["Done", "Done"], RemoteStatus.SUCCEEDED),
    (["DONE", "done"], RemoteStatus.SUCCEEDED),
    (["Failed", "Failed"], RemoteStatus.FAILED),
    (["Failed", "Canceled"], RemoteStatus.FAILED),
    (["Canceled", "Cancelled"], RemoteStatus.CANCELED),
])
@pytest.mark.parametrize("error_key", [{}, {"error": "OK"}, {"error": None}, {"error": ""}])
async def test_status_mapping(words: list[str], status: RemoteStatus, error_key: dict) -> None:
    jobs = [{"uuid": f"j{i}", "status": w} for i, w in enumerate(words)]
    p, rec = provider({"status": {**error_key, "jobs": jobs}, "download": {"list": []}})
    result = await p.poll(REF)
    assert result.status == status
    assert json.loads(rec.requests[0].content) == {"subscription_key": "sub-1"}
    if status == RemoteStatus.RUNNING:
        assert result.progress == words.count("Done") / 2


async def test_queue_position_and_message() -> None:
    jobs = [{"uuid": "j1", "status": "Waiting", "queue_length": 4}, {"uuid": "j2", "status": "Waiting",
                                                                       "queue_length": 5}]
    p, _ = provider({"status": {"jobs": jobs}})
    result = await p.poll(REF)
    assert result.queue_position == 4 and "queue" in result.message


@pytest.mark.parametrize(("listing", "status"), [
    ([{"name": "preview.webp", "url": "https://x/p"}, {"name": "base_basic_pbr.glb", "url": "https://x/m"}],
     RemoteStatus.SUCCEEDED),
    ([{"name": "preview.webp", "url": "https://x/p"}], RemoteStatus.FAILED),
    ([], RemoteStatus.FAILED),
])
async def test_a_failed_extra_job_does_not_fail_a_listed_model(listing: list, status: RemoteStatus) -> None:
    jobs = [{"uuid": "j1", "status": "Done"}, {"uuid": "j2", "status": "Done"}, {"uuid": "j3", "status": "Failed"}]
    p, rec = provider({"status": {"jobs": jobs}, "download": {"list": listing}})
    result = await p.poll(REF)
    assert result.status == status
    assert json.loads(rec.requests[1].content) == {"task_uuid": "task-1"}


@pytest.mark.parametrize(("reply", "cls", "retryable", "retry_after"), [
    (httpx.Response(429, headers={"Retry-After": "7"}), ProviderError, True, 7.0),
    (httpx.Response(429), ProviderError, True, None),
    (httpx.Response(500), ProviderError, True, None),
    (httpx.Response(502, text="<html>"), ProviderError, True, None),
    (httpx.Response(503, headers={"Retry-After": "3"}), ProviderError, True, 3.0),
    (httpx.Response(504), ProviderError, True, None),
    (httpx.Response(408), ProviderError, True, None),
    (httpx.Response(201, text="<html>"), ProviderError, True, None),
    (httpx.Response(201, json={"error": "UNKNOWN", "message": "oops"}), ProviderError, True, None),
    (httpx.ReadTimeout("slow"), ProviderError, True, None),
    (httpx.ConnectError("down"), ProviderError, True, None),
    (httpx.Response(401, json={"error": "UNAUTHORIZED"}), AuthError, False, None),
    (httpx.Response(403), AuthError, False, None),
    (httpx.Response(201, json={"error": "NO_SUCH_TASK", "message": "no"}), ProviderError, False, None),
])
async def test_poll_errors(reply: Any, cls: type, retryable: bool, retry_after: float | None) -> None:
    p, _ = provider({"status": reply})
    with pytest.raises(ProviderError) as info:
        await p.poll(REF)
    assert type(info.value) is cls
    assert (info.value.retryable, info.value.retry_after) == (retryable, retry_after)


# ----------------------------------------------------------------- outputs

def listing(*names: str) -> dict:
    return {"error": "OK", "list": [{"name": n, "url": f"https://files.example/{i}/{n}"} for i, n in enumerate(names)]}


@pytest.mark.parametrize(("names", "fmt", "preferred"), [
    (("preview.webp", "base_basic_pbr.glb", "texture_emissive.png"), "glb", "base_basic_pbr.glb"),
    (("preview.webp", "base_basic_shaded.glb", "base_basic_pbr.glb"), "glb", "base_basic_pbr.glb"),
    (("base_basic_pbr.fbx", "preview.webp"), "fbx", "base_basic_pbr.fbx"),
    (("base.fbx", "base_basic_pbr.glb"), "fbx", "base_basic_pbr.glb"),
    (("model.stl", "model.obj"), "obj", "model.obj"),
])
async def test_outputs_kinds_and_preferred_model(names: tuple[str, ...], fmt: str, preferred: str) -> None:
    p, _ = provider({"download": listing(*names)})
    ref = RemoteRef({**REF.data, "format": fmt})
    files = await p.outputs(ref)
    assert [f.name for f in files] == list(names)
    assert [f.name for f in files if f.preferred] == [preferred]
    assert all(f.url for f in files)


def test_file_kinds() -> None:
    assert file_kind("preview.webp") == FileKind.IMAGE
    assert file_kind("render_preview.png") == FileKind.IMAGE
    assert file_kind("texture_emissive.png") == FileKind.TEXTURE
    assert file_kind("base_basic_pbr.glb") == FileKind.MODEL
    assert file_kind("scene.usdz") == FileKind.MODEL
    assert file_kind("notes.txt") == FileKind.OTHER
    assert job_state("Generating") == "generating" and job_state(None) == "generating"


async def test_outputs_before_the_model_is_listed_is_retryable() -> None:
    for body in ({"list": []}, listing("preview.webp")):
        p, _ = provider({"download": body})
        with pytest.raises(ProviderError) as info:
            await p.outputs(REF)
        assert info.value.retryable and info.value.retry_after


async def test_duplicate_names_get_stable_keys_and_fresh_url_finds_them() -> None:
    calls = {"n": 0}

    def reply(_r: httpx.Request) -> dict:
        calls["n"] += 1
        return {"list": [{"name": "a.glb", "url": f"https://f/{calls['n']}/1"},
                         {"name": "a.glb", "url": f"https://f/{calls['n']}/2"}]}

    p, _ = provider({"download": reply})
    files = await p.outputs(REF)
    assert [f.key for f in files] == ["a.glb", "a.glb#2"]
    assert await p.fresh_url(REF, files[1]) == "https://f/2/2"


async def test_fresh_url_of_a_vanished_file() -> None:
    p, _ = provider({"download": listing("base_basic_pbr.glb")})
    files = await p.outputs(REF)
    p2, _ = provider({"download": listing("other.glb")})
    with pytest.raises(ProviderError, match="no longer lists"):
        await p2.fresh_url(REF, files[0])


# ----------------------------------------------------------------- quote, balance, cancel

@pytest.mark.parametrize(("values", "cost"), [
    ({}, 0.5), ({"tier": "Gen-2.5-Extreme-Low"}, 0.5), ({"tier": "Gen-2.5-High"}, 0.5),
    ({"tier": "Gen-2.5-Extreme-High"}, 1.0), ({"tier": "Sketch"}, 0.5), ({"tier": "Gen-2"}, 0.5),
    ({"tier": "Regular", "addons": "HighPack"}, 1.5), ({"tier": "Gen-2.5-Extreme-High", "addons": ["HighPack"]}, 2.0),
    ({"addons": ""}, 0.5),
])
async def test_quote_without_network(values: dict, cost: float) -> None:
    p, rec = provider({})
    quote = await p.quote(GenerationRequest("hyper3d:rodin", (), values))
    assert quote is not None and (quote.cost, quote.unit) == (cost, "credits")
    assert tier_cost(values.get("tier", "Gen-2.5-Medium"), values.get("addons")) == cost
    assert rec.requests == []


async def test_balance_float_and_hyphen_fallback() -> None:
    p, rec = provider({"check_balance": httpx.Response(404), "check-balance": {"balance": 41.5}})
    assert await p.balance() == (41.5, "credits")
    assert [r.url.path for r in rec.requests] == ["/api/v2/check_balance", "/api/v2/check-balance"]
    assert rec.requests[0].method == "GET"
    p, _ = provider({"check_balance": {"nothing": 1}})
    assert await p.balance() is None


async def test_cancel_is_refused_and_schema_loads() -> None:
    p, rec = provider({})
    assert await p.cancel(REF) is False
    schema = await p.schema("hyper3d:rodin")
    assert schema.id == "hyper3d:rodin" and schema.max_images() == 5
    assert schema.defaults()["tier"] == "Gen-2.5-Medium"
    assert rec.requests == []
    await p.aclose()


def test_schema_ranges_follow_tier_and_mesh_mode() -> None:
    from desktop_app.core.schema.model_schema import load_bundled

    s = load_bundled("hyper3d-rodin")
    rng: Callable[[dict], tuple] = lambda v: s.effective_range("quality_override", v)  # noqa: E731
    # Hyper3D's live tool schema (hyper3d-cli schema/tools.json, 2026-09-14): Raw 500-1,000,000, Quad 1,000-50,000;
    # ComfyUI's Fast mode sends Gen-2.5-High Raw below 20,000, so High is not held to Extreme-High's 20,000.
    assert rng({"tier": "Gen-2.5-High", "mesh_mode": "Raw"}) == (500, 1000000)
    assert rng({"tier": "Gen-2.5-Extreme-High", "mesh_mode": "Raw"}) == (20000, 2000000)
    assert rng({"tier": "Gen-2.5-Medium", "mesh_mode": "Quad"}) == (1000, 50000)
    assert rng({"tier": "Gen-2.5-Low"}) == (500, 1000000)  # Raw is the Gen-2.5 default
    assert s.validate({"tier": "Gen-2.5-High", "mesh_mode": "Raw", "quality_override": 8000, "prompt": "x"}) == {}
    assert "quality_override" in s.validate({"tier": "Gen-2.5-Medium", "mesh_mode": "Quad",
                                             "quality_override": 200000, "prompt": "x"})
    assert rng({"tier": "Gen-2", "mesh_mode": "Quad"}) == (1000, 200000)
    assert rng({"tier": "Smooth", "mesh_mode": "Quad"}) == (2000, 200000)
    assert not s.is_enabled("quality_override", {"tier": "Sketch"})[0]
    assert s.is_enabled("is_micro", {"tier": "Gen-2.5-Extreme-High"})[0]
    assert "Extreme-High" in s.is_enabled("is_micro", {"tier": "Gen-2.5-High"})[1]
    assert s.validate({"prompt": "a chair"}, 0) == {}
    assert "images" in s.validate({}, 0) and "images" in s.validate({}, 6)
    tiers = [c.value for c in s.field("tier").choices or ()]
    assert tiers[:5] == ["Gen-2.5-Extreme-Low", "Gen-2.5-Low", "Gen-2.5-Medium", "Gen-2.5-High",
                         "Gen-2.5-Extreme-High"]
    assert all(f.description and f.label for f in s.fields)


async def test_wrong_base_url_says_so() -> None:
    p, _ = provider({"status": httpx.Response(404, text="Not Found")})
    with pytest.raises(ProviderError) as info:
        await p.poll(REF)
    assert not info.value.retryable and "RODIN_BASE_URL" in info.value.user_text()
