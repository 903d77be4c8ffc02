"""Batches, compare groups and the live per-provider cap, over the real journal and scheduler."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.core.errors import MeshwrightError, ValidationError
from desktop_app.core.jobs.groups import BATCH, COMPARE, create_batch, create_compare, group_progress
from desktop_app.core.jobs.pacing import JobSlots
from desktop_app.core.jobs.store import JobState
from desktop_app.core.settings import app_paths
from desktop_app.providers.local import LocalProvider
from desktop_app.services import build_services
from tests.fakes import FakeProvider

S = JobState


@pytest.fixture
async def services(tmp_path):
    fake = FakeProvider(tmp_path / "served")
    built = build_services(app_paths(), providers={"fake": fake, "local": LocalProvider(tmp_path / "local")})
    built.fake = fake
    yield built
    await built.aclose()


async def test_a_batch_makes_one_job_per_image_and_skips_bad_ones(services, fixture_images, tmp_path):
    bad = tmp_path / "not-an-image.png"
    bad.write_bytes(b"this is text")
    images = sorted(fixture_images.glob("typical_*.png"))[:3]
    made = await create_batch(services.scheduler, "fake:model", [images[0], bad, *images[1:]], {"detail": 3})
    assert [len(j.inputs) for j in made.jobs] == [1, 1, 1]
    assert made.skipped and made.skipped[0][0] == "not-an-image.png" and made.skipped[0][1]
    assert made.group.kind == BATCH and services.store.group(made.group.id) == made.group
    assert {j.group_id for j in services.store.list()} == {made.group.id}
    results = await asyncio.gather(*(services.scheduler.run(j.id) for j in made.jobs))
    assert [j.state for j in results] == [S.SUCCEEDED] * 3
    progress = await asyncio.to_thread(group_progress, services.store, made.group.id)
    assert progress.finished and len(progress.item_ids) == 3 and progress.summary() == "3 of 3 done"
    assert services.fake.submits == 3


async def test_a_batch_with_bad_parameters_creates_nothing(services, fixture_images):
    with pytest.raises(ValidationError):
        await create_batch(services.scheduler, "fake:model", [fixture_images / "typical_misc_crate.png"],
                           {"detail": 99})
    assert services.store.list() == []


async def test_compare_sends_one_image_to_each_model(services, fixture_images):
    image = fixture_images / "typical_misc_crate.png"
    made = await create_compare(services.scheduler, ["fake:model", "local:relief"], [image],
                                {"fake:model": {"detail": 2}})
    assert made.group.kind == COMPARE and [j.model_id for j in made.jobs] == ["fake:model", "local:relief"]
    assert made.jobs[0].params["detail"] == 2
    progress = group_progress(services.store, made.group.id)
    assert not progress.finished
    await asyncio.gather(*(services.scheduler.run(j.id) for j in made.jobs))
    progress = group_progress(services.store, made.group.id)
    assert progress.finished and len(progress.item_ids) == 2
    assert services.fake.submits == 1


async def test_compare_needs_two_models(services, fixture_images):
    with pytest.raises(MeshwrightError, match="at least two"):
        await create_compare(services.scheduler, ["fake:model", "fake:model"],
                             [fixture_images / "typical_misc_crate.png"], {})


async def _until(condition, timeout: float = 10.0) -> None:
    """Wait for a condition the scheduler reaches on its own time, not a fixed sleep (flaky under load)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_a_cap_raised_in_settings_starts_waiting_jobs(services, fixture_images):
    services.scheduler.concurrency["fake"] = 1  # the same dict object the Settings dialog edits
    fake = services.fake
    fake.submit_gate = asyncio.Event()
    image = fixture_images / "typical_misc_crate.png"
    jobs = [await services.scheduler.create_job("fake:model", [image], {}) for _ in range(3)]
    for job in jobs:
        services.scheduler.start(job.id)
    await _until(lambda: "Waiting for a free slot" in (services.store.require(jobs[2].id).message or ""))
    assert fake.submits == 1
    services.scheduler.concurrency["fake"] = 3
    services.scheduler.apply_settings()
    await _until(lambda: fake.submits == 3)  # a busy machine may need more than one loop turn per job
    fake.submit_gate.set()
    results = await asyncio.gather(*(services.scheduler.run(j.id) for j in jobs))
    assert all(j.state is S.SUCCEEDED for j in results)


async def test_slots_are_first_come_first_served_and_survive_cancel():
    cap = [1]
    slots = JobSlots(lambda: cap[0])
    order: list[int] = []

    async def worker(n: int, hold: float) -> None:
        async with slots:
            order.append(n)
            await asyncio.sleep(hold)

    first = asyncio.create_task(worker(0, 0.05))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(worker(n, 0.01)) for n in (1, 2, 3)]
    await asyncio.sleep(0)
    waiting[0].cancel()  # a canceled waiter must not take, or lose, a slot
    await asyncio.gather(first, *waiting, return_exceptions=True)
    assert order == [0, 2, 3] and slots.running == 0 and slots.waiting == 0
