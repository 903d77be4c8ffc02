"""Scenario's official Python client (scenario-sdk) drives our emulator, with strict response validation.

The SDK is generated from Scenario's OpenAPI spec; with ``_strict_response_validation=True`` every reply is parsed
into its pydantic models and a missing required field or an unknown enum value raises. So a passing run means the
emulator's records carry what the real service's do (models: collectionIds, createdAt, custom, exampleAssetIds,
source, trainingImagesNumber; assets: authorId, editCapabilities, metadata.kind; uploads and jobs likewise), and
our provider, tested against the same emulator, is not tested against replies the real service could not send.
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from tests.emulators.scenario import ScenarioEmulator

scenario_sdk = pytest.importorskip("scenario_sdk", reason="scenario-sdk is a dev dependency (pyproject [dev])")

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"


@pytest.fixture
def emu() -> ScenarioEmulator:
    with ScenarioEmulator() as emulator:
        yield emulator


@pytest.fixture
def image() -> Path:
    return IMAGES / "typical_misc_crate.png"


def client(emu: ScenarioEmulator) -> scenario_sdk.AsyncScenario:
    return scenario_sdk.AsyncScenario(api_key=emu.api_key, api_secret=emu.api_secret, base_url=emu.base_url,
                                      _strict_response_validation=True, max_retries=0)


async def test_models_list_and_get_parse_strictly(emu: ScenarioEmulator) -> None:
    async with client(emu) as sdk:
        public = [m async for m in sdk.models.list(privacy="public", page_size=2)]  # paginates (2 per page)
        assert {m.id for m in public} >= {"model_trellis-2", "model_rodin-hyper3d-v2-5", "model_meshy-7-img23d"}
        private = [m async for m in sdk.models.list(privacy="private", status="trained")]
        assert [m.id for m in private] == ["model_private-trained"] and private[0].status == "trained"
        for model_id in ("model_trellis-2", "model_hunyuan-3d-v2-1", "model_rodin-hyper3d-v2-5",
                         "model_meshy-7-img23d", "model_tripo-v3-1-image-to-3d", "model_conditional-3d"):
            got = (await sdk.models.retrieve(model_id)).model
            assert got.id == model_id and got.inputs and got.source in ("scenario", "other")
        meshy = (await sdk.models.retrieve("model_meshy-7-img23d")).model
        assert meshy.access_restrictions == 50


async def test_upload_estimate_generate_poll_and_assets_parse_strictly(emu: ScenarioEmulator, image: Path) -> None:
    data = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    async with client(emu) as sdk:
        asset = (await sdk.assets.upload(name=image.name, image=data)).asset
        assert asset.kind == "image" and asset.metadata.kind == "image"

        created = (await sdk.uploads.create(file_name=image.name, content_type="image/png", kind="image", parts=1,
                                            file_size=image.stat().st_size)).upload
        parts = created.parts or []
        async with httpx.AsyncClient() as plain:
            put = await plain.put(parts[0].url, content=image.read_bytes(), headers={"Content-Type": "image/png"})
        assert put.status_code == 200
        await sdk.uploads.trigger_action(created.id, action="complete")
        state = created
        for _ in range(5):
            state = (await sdk.uploads.retrieve(created.id)).upload
            if state.status == "imported":
                break
        assert state.status == "imported" and state.entity_id

        estimate = await sdk.generate.run_model("model_trellis-2", body={"image": asset.id}, dry_run="api")
        assert estimate.creative_units_cost == 30 and estimate.cost_details.custom_generation == 30
        assert emu.generate_posts == 0 and not emu.jobs  # an estimate starts nothing

        run = await sdk.generate.run_model("model_rodin-hyper3d-v2-5",
                                           body={"images": [state.entity_id], "material": "All"})
        job = run.job
        for _ in range(10):
            job = (await sdk.jobs.retrieve(run.job.job_id)).job
            if job.status in ("success", "failure"):
                break
        assert job.status == "success" and job.billing is not None and job.billing.cu_cost == 80
        ids = job.metadata.asset_ids or []
        bulk = (await sdk.assets.get_bulk(asset_ids=ids)).assets
        assert {a.id for a in bulk} == set(ids)
        glbs = [a for a in bulk if a.kind == "3d"]
        assert sorted(a.metadata.file_name or "" for a in glbs) == ["base_basic_pbr.glb", "base_basic_shaded.glb"]
        one = (await sdk.assets.retrieve(glbs[0].id)).asset
        assert one.url and one.source == "img23d"


async def test_error_replies_raise_the_sdks_typed_errors(emu: ScenarioEmulator) -> None:
    async with client(emu) as sdk:
        with pytest.raises(scenario_sdk.NotFoundError):
            await sdk.models.retrieve("model_nope")
        with pytest.raises(scenario_sdk.BadRequestError):  # the estimate validates the whole payload
            await sdk.generate.run_model("model_trellis-2", body={}, dry_run="api")
        with pytest.raises(scenario_sdk.BadRequestError):  # required.conditional: mode=custom needs faces
            await sdk.generate.run_model("model_conditional-3d", body={"prompt": "a cat", "mode": "custom"},
                                         dry_run="api")
        fine = await sdk.generate.run_model("model_conditional-3d", body={"prompt": "a cat"}, dry_run="api")
        assert fine.creative_units_cost is not None
    assert not emu.jobs
