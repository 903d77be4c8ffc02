"""The Scenario provider's 3D input upload against the emulator: multipart with kind 3d, one retry after a
failed part, the asset id noted beside the input so a restarted job does not upload again, and a file the
service cannot import said plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.errors import ProviderError
from desktop_app.providers.base import GenerationRequest
from tests.emulators.common import make_glb
from tests.emulators.scenario import ScenarioEmulator
from tests.integration.test_scenario_emulator import make_provider

REMESH = "scenario:model_meshy-remesh"


def _uploads(emu: ScenarioEmulator) -> list:
    return [c for c in emu.calls("POST", "/v1/uploads") if c.path == "/v1/uploads"]


async def test_3d_upload_retries_a_failed_part_and_is_reused_after_a_restart(tmp_path: Path) -> None:
    model = tmp_path / "inputs" / "m01-crate.glb"
    model.parent.mkdir()
    model.write_bytes(make_glb(seed=2))
    with ScenarioEmulator() as emu:
        emu.part_failures = 1
        first = make_provider(emu, tmp_path / "cache")
        try:
            ref = await first.submit(GenerationRequest(REMESH, (), {}, models=(model,)), lambda *_: None)
        finally:
            await first.aclose()
        # A new process (a restarted job) with an empty memory: the note beside the input is used.
        second = make_provider(emu, tmp_path / "cache2")
        try:
            await second.submit(GenerationRequest(REMESH, (), {}, models=(model,)), lambda *_: None)
        finally:
            await second.aclose()
        uploads, failed, puts = _uploads(emu), emu.part_failed, emu.part_puts
        jobs = list(emu.jobs.values())
    assert len(uploads) == 1 and uploads[0].body["kind"] == "3d"
    assert uploads[0].body["contentType"] == "model/gltf-binary" and uploads[0].body["fileName"] == model.name
    assert failed == 1 and puts == 1  # exactly one retry
    asset = jobs[0]["input"]["model"]
    assert asset == jobs[1]["input"]["model"] and ref.data["job_id"]
    assert Path(f"{model}.asset.json").is_file()


async def test_a_file_the_service_cannot_import_is_said_plainly(tmp_path: Path) -> None:
    bogus = tmp_path / "broken.glb"
    bogus.write_bytes(b"not a model at all")
    with ScenarioEmulator() as emu:
        prov = make_provider(emu, tmp_path / "cache")
        try:
            with pytest.raises(ProviderError, match=r"could not import the 3D model broken\.glb"):
                await prov.submit(GenerationRequest(REMESH, (), {}, models=(bogus,)), lambda *_: None)
        finally:
            await prov.aclose()
        assert emu.generate_posts == 0
