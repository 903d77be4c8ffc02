"""The scheduler over real loopback HTTP: end states for faults that span provider and scheduler."""

from __future__ import annotations

from desktop_app.core.jobs import JobState
from desktop_app.core.settings import app_paths
from desktop_app.services import build_services
from tests.emulators.scenario import ScenarioEmulator

FAST = (0.02, 0.1)


async def test_scenario_failure_with_partial_outputs_keeps_them(monkeypatch, fixture_images):
    with ScenarioEmulator() as emu:
        emu.outcome = "partial"
        monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
        monkeypatch.setenv("SCENARIO_SDK_API_KEY", emu.api_key)
        monkeypatch.setenv("SCENARIO_SDK_API_SECRET", emu.api_secret)
        services = build_services(app_paths(), poll_override=FAST)
        try:
            job = await services.scheduler.create_job("scenario:model_trellis-2",
                                                      [fixture_images / "typical_misc_crate.png"], {})
            job = await services.scheduler.run(job.id)
            assert job.state is JobState.FAILED and "partial results were kept" in job.message
            assert emu.generate_posts == 1
            item = services.library.get(job.item_id)
            assert item is not None and item.files
        finally:
            await services.aclose()


async def test_scenario_plain_failure_keeps_nothing(monkeypatch, fixture_images):
    with ScenarioEmulator() as emu:
        emu.outcome = "failure"
        monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
        monkeypatch.setenv("SCENARIO_SDK_API_KEY", emu.api_key)
        monkeypatch.setenv("SCENARIO_SDK_API_SECRET", emu.api_secret)
        services = build_services(app_paths(), poll_override=FAST)
        try:
            job = await services.scheduler.create_job("scenario:model_trellis-2",
                                                      [fixture_images / "typical_misc_crate.png"], {})
            job = await services.scheduler.run(job.id)
            assert job.state is JobState.FAILED and job.message and job.item_id is None
            assert services.library.count() == 0
        finally:
            await services.aclose()
