"""The scheduler over real loopback HTTP: end states for faults that span provider and scheduler."""

from __future__ import annotations

import pytest

from desktop_app.core.jobs.store import Job, JobState
from desktop_app.core.settings import app_paths
from desktop_app.services import build_services
from tests.emulators.scenario import ScenarioEmulator

FAST = (0.02, 0.1)


@pytest.fixture
def scenario(monkeypatch):
    with ScenarioEmulator() as emu:
        monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
        monkeypatch.setenv("SCENARIO_SDK_API_KEY", emu.api_key)
        monkeypatch.setenv("SCENARIO_SDK_API_SECRET", emu.api_secret)
        yield emu


async def run_trellis(image) -> tuple[Job, int]:
    services = build_services(app_paths(), poll_override=FAST)
    try:
        job = await services.scheduler.create_job("scenario:model_trellis-2", [image], {})
        job = await services.scheduler.run(job.id)
        item = services.library.get(job.item_id) if job.item_id else None
        return job, len(item.files) if item else 0
    finally:
        await services.aclose()


async def test_scenario_failure_with_partial_outputs_keeps_them(scenario, fixture_images):
    scenario.outcome = "partial"
    job, files = await run_trellis(fixture_images / "typical_misc_crate.png")
    assert job.state is JobState.FAILED and "partial results were kept" in job.message
    assert scenario.generate_posts == 1 and files > 0


async def test_scenario_plain_failure_keeps_nothing(scenario, fixture_images):
    scenario.outcome = "failure"
    job, files = await run_trellis(fixture_images / "typical_misc_crate.png")
    assert job.state is JobState.FAILED and job.message and job.item_id is None and files == 0
