"""The offline provider behind the common protocol: submit, poll, outputs, cancel, restart."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import trimesh

from desktop_app.core.errors import InputImageError, ProviderError, UnknownModelError, ValidationError
from desktop_app.providers.base import (
    FileKind,
    GenerationRequest,
    PollResult,
    Provider,
    RemoteRef,
    RemoteStatus,
)
from desktop_app.providers.local import INTERRUPTED, LocalProvider

TERMINAL = {RemoteStatus.SUCCEEDED, RemoteStatus.FAILED, RemoteStatus.CANCELED}


def _request(image: Path, **values: object) -> GenerationRequest:
    return GenerationRequest(model_id="local:relief", images=(image,), values=dict(values), job_id="job-1")


async def _wait(provider: LocalProvider, ref: RemoteRef, timeout: float = 60.0) -> tuple[PollResult, list]:
    seen: list[PollResult] = []
    async with asyncio.timeout(timeout):
        while True:
            result = await provider.poll(ref)
            seen.append(result)
            if result.status in TERMINAL:
                return result, seen
            await asyncio.sleep(0.02)


@pytest.fixture
async def provider(tmp_path: Path):
    p = LocalProvider(tmp_path / "work")
    yield p
    await p.aclose()


async def test_catalogue(provider: LocalProvider) -> None:
    assert isinstance(provider, Provider)
    assert provider.name == "local" and provider.display_name == "Offline (this computer)"
    (info,) = await provider.models()
    assert info.id == "local:relief" and info.name == "Offline relief" and info.provider == "local"
    assert not info.needs_account and info.description
    schema = await provider.schema("local:relief")
    assert schema.id == "local:relief"
    defaults = schema.defaults()
    assert defaults["detail"] == 160 and defaults["back"] == "mirror"
    assert schema.max_images() == 1 and schema.min_images() == 1
    quote = await provider.quote(_request(Path("x.png")))
    assert quote is not None and quote.cost == 0 and quote.unit == "credits"
    with pytest.raises(UnknownModelError):
        await provider.schema("local:nope")


async def test_submit_poll_outputs(provider: LocalProvider, fixture_images: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    schema = await provider.schema("local:relief")
    request = _request(fixture_images / "typical_misc_crate.png", **schema.defaults())
    ref = await provider.submit(request, lambda f, m: messages.append(m))
    assert ref.cost == 0 and ref.cost_unit == "credits"
    assert set(ref.data) == {"task", "dir"}
    assert Path(ref.data["dir"]).is_relative_to(tmp_path / "work")
    assert messages

    # A ref is stored in the journal as JSON; the provider must work from the round-tripped copy.
    ref = RemoteRef.from_json(ref.to_json())
    result, seen = await _wait(provider, ref)
    assert result.status is RemoteStatus.SUCCEEDED, result.message
    assert result.progress == 1.0
    progress = [r.progress for r in seen if r.progress is not None]
    assert progress == sorted(progress)

    (file,) = await provider.outputs(ref)
    assert file.key == "model.glb" and file.name == "model.glb"
    assert file.kind is FileKind.MODEL and file.preferred
    path = Path(unquote(urlparse(file.url).path))
    assert file.url.startswith("file://") and path.is_file()
    assert file.size == path.stat().st_size
    assert path.read_bytes()[:4] == b"glTF"
    assert isinstance(trimesh.load(path, force="mesh"), trimesh.Trimesh)
    assert await provider.fresh_url(ref, file) == file.url


async def test_bad_image_fails_with_plain_reason(provider: LocalProvider, tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_text("not a picture")
    ref = await provider.submit(_request(bad), lambda f, m: None)
    result, _ = await _wait(provider, ref)
    assert result.status is RemoteStatus.FAILED
    assert "broken.png" in result.message


async def test_submit_checks_before_starting(provider: LocalProvider, fixture_images: Path) -> None:
    image = fixture_images / "typical_misc_crate.png"
    with pytest.raises(InputImageError, match="exactly 1 image; you added 2"):
        await provider.submit(GenerationRequest("local:relief", (image, image), {}), lambda f, m: None)
    with pytest.raises(ValidationError):
        await provider.submit(_request(image, depth=5), lambda f, m: None)
    with pytest.raises(UnknownModelError):
        await provider.submit(GenerationRequest("local:other", (image,), {}), lambda f, m: None)


async def test_cancel_running_and_queued(provider: LocalProvider, fixture_images: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import desktop_app.providers.local as local

    real = local.generate_relief
    gate = threading.Event()

    def slow(*args, **kwargs):
        gate.wait(10)  # hold the first job so the second one queues behind it
        return real(*args, **kwargs)

    monkeypatch.setattr(local, "generate_relief", slow)
    image = fixture_images / "typical_misc_crate.png"
    first = await provider.submit(_request(image), lambda f, m: None)
    second = await provider.submit(_request(image), lambda f, m: None)
    assert (await provider.poll(second)).status is RemoteStatus.QUEUED

    assert await provider.cancel(second) is True
    assert await provider.cancel(first) is True
    gate.set()
    for ref in (first, second):
        result, _ = await _wait(provider, ref)
        assert result.status is RemoteStatus.CANCELED
        assert not (Path(ref.data["dir"]) / "model.glb").exists()


async def test_unknown_task_after_restart(tmp_path: Path) -> None:
    work = tmp_path / "work"
    before = LocalProvider(work)
    ref = RemoteRef(data={"task": "relief-gone", "dir": str(work / "relief-gone")}, cost=0, cost_unit="credits")
    await before.aclose()

    after = LocalProvider(work)  # a new process knows nothing of the old task
    try:
        result = await after.poll(ref)
        assert result.status is RemoteStatus.FAILED
        assert result.message == INTERRUPTED
        assert await after.cancel(ref) is True
    finally:
        await after.aclose()


async def test_finished_file_survives_restart(tmp_path: Path, fixture_images: Path) -> None:
    work = tmp_path / "work"
    first = LocalProvider(work)
    ref = await first.submit(_request(fixture_images / "multiview_character_1.png"), lambda f, m: None)
    result, _ = await _wait(first, ref)
    assert result.status is RemoteStatus.SUCCEEDED
    await first.aclose()

    second = LocalProvider(work)
    try:
        assert (await second.poll(ref)).status is RemoteStatus.SUCCEEDED
        (file,) = await second.outputs(ref)
        assert file.size and file.size > 1000
    finally:
        await second.aclose()


async def test_refs_outside_work_dir_are_refused(provider: LocalProvider, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "model.glb").write_bytes(b"glTF....")
    ref = RemoteRef(data={"task": "x", "dir": str(outside)})
    assert (await provider.poll(ref)).status is RemoteStatus.FAILED
    with pytest.raises(ProviderError, match="missing"):
        await provider.outputs(ref)


async def test_aclose_cancels_running(tmp_path: Path, fixture_images: Path) -> None:
    provider = LocalProvider(tmp_path / "work")
    ref = await provider.submit(_request(fixture_images / "typical_humanoid_mech.png", detail=512),
                                lambda f, m: None)
    await provider.aclose()
    assert not (Path(ref.data["dir"]) / "model.glb").exists()
