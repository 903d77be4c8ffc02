"""How far a submit got decides what a stop means: free input uploads (Scenario's assets) start again after a
restart, only a paid request that may have left makes the job "needs check". The stage is in the journal."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.core.jobs.store import PAID_REQUEST, PREPARING, JobState
from desktop_app.core.settings import app_paths
from desktop_app.providers.base import RemoteStatus
from desktop_app.services import build_services
from tests.fakes import FakeProvider

S = JobState


@pytest.fixture
def image(fixture_images):
    return fixture_images / "typical_misc_crate.png"


class UploadingFake(FakeProvider):
    """Uploads its inputs (free) before the paid call, like Scenario, and says when the paid call starts."""

    announces_paid_request = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.uploads = 0
        self.upload_gate = asyncio.Event()

    async def submit(self, request, progress):
        self.uploads += 1
        await self.upload_gate.wait()
        await request.on_paid_request()
        return await super().submit(request, progress)


async def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def test_quit_while_uploading_inputs_starts_again_and_sends_once(tmp_path, image):
    fake = UploadingFake(tmp_path / "served")
    services = build_services(app_paths(), providers={"fake": fake})
    job = await services.scheduler.create_job("fake:model", [image], {})
    services.scheduler.start(job.id)
    await wait_for(lambda: fake.uploads == 1, "the upload to start")
    assert services.store.require(job.id).submit_stage == PREPARING
    started = asyncio.get_running_loop().time()
    await services.aclose()
    assert asyncio.get_running_loop().time() - started < 5, "free uploads are not waited for at quit"
    again = build_services(app_paths(), providers={"fake": fake})
    try:
        stopped = again.store.require(job.id)
        assert stopped.state is S.INTERRUPTED, stopped.message
        fake.upload_gate.set()
        await again.scheduler.resume_all()
        done = await again.scheduler.run(job.id)
        assert done.state is S.SUCCEEDED, done.message
        assert fake.uploads == 2 and fake.submits == 1
    finally:
        await again.aclose()


async def test_kill_while_uploading_inputs_is_not_needs_check(tmp_path, image):
    fake = UploadingFake(tmp_path / "served")
    fake.upload_gate.set()
    services = build_services(app_paths(), providers={"fake": fake})
    try:
        job = await services.scheduler.create_job("fake:model", [image], {})
        # What a kill -9 during the asset uploads leaves behind.
        services.store.transition(job.id, S.UPLOADING, submit_stage=PREPARING)
        resumed = await services.scheduler.resume_all()
        assert [j.id for j in resumed] == [job.id]
        done = await services.scheduler.run(job.id)
        assert done.state is S.SUCCEEDED and fake.submits == 1
        assert [e.to_state for e in services.store.events(job.id)][:4] == ["draft", "uploading", "interrupted",
                                                                           "draft"]
    finally:
        await services.aclose()


async def test_kill_once_the_paid_request_may_have_left_needs_check(tmp_path, image):
    fake = UploadingFake(tmp_path / "served")
    services = build_services(app_paths(), providers={"fake": fake})
    try:
        job = await services.scheduler.create_job("fake:model", [image], {})
        services.store.transition(job.id, S.UPLOADING, submit_stage=PAID_REQUEST)
        assert await services.scheduler.resume_all() == []
        assert services.store.require(job.id).state is S.NEEDS_CHECK
        assert fake.uploads == 0 and fake.submits == 0
    finally:
        await services.aclose()


async def test_quit_during_the_paid_request_needs_check(tmp_path, image):
    fake = UploadingFake(tmp_path / "served", [RemoteStatus.RUNNING])
    fake.upload_gate.set()
    fake.submit_gate = asyncio.Event()  # the paid call never answers
    services = build_services(app_paths(), providers={"fake": fake})
    job = await services.scheduler.create_job("fake:model", [image], {})
    services.scheduler.start(job.id)
    await wait_for(lambda: fake.submits == 1, "the paid call")
    assert services.store.require(job.id).submit_stage == PAID_REQUEST
    await services.scheduler.shutdown(grace=0.2)
    await services.aclose()
    again = build_services(app_paths(), providers={"fake": fake})
    try:
        assert again.store.require(job.id).state is S.NEEDS_CHECK
        assert await again.scheduler.resume_all() == [] and fake.submits == 1
    finally:
        await again.aclose()


async def test_a_one_step_submit_is_marked_paid_before_it_is_sent(tmp_path, image):
    fake = FakeProvider(tmp_path / "served")  # no free steps: the whole submit is the paid request
    fake.submit_gate = asyncio.Event()
    services = build_services(app_paths(), providers={"fake": fake})
    try:
        job = await services.scheduler.create_job("fake:model", [image], {})
        services.scheduler.start(job.id)
        await wait_for(lambda: fake.submits == 1, "the submit")
        assert services.store.require(job.id).submit_stage == PAID_REQUEST
        fake.submit_gate.set()
        assert (await services.scheduler.run(job.id)).state is S.SUCCEEDED
    finally:
        await services.aclose()


@pytest.mark.parametrize("stage", [PREPARING, PAID_REQUEST])
async def test_canceling_a_stopped_submit_releases_its_reservation_only_if_nothing_paid_left(tmp_path, image, stage):
    """Killed after the quote was reserved: on free steps ("preparing") a cancel gives the reservation back (it
    was interrupted, nothing was charged); with the paid request marked as leaving the job needs a check, and a
    cancel keeps it: the service may have charged."""
    from desktop_app.core.jobs.spending import RESERVED, Ledger, today

    fake = UploadingFake(tmp_path / "served")
    services = build_services(app_paths(), providers={"fake": fake})
    try:
        job = await services.scheduler.create_job("fake:model", [image], {})
        services.store.transition(job.id, S.UPLOADING, submit_stage=PREPARING)
        ledger = Ledger(services.store)
        assert ledger.reserve(job.id, "fake", "fake:model", 1, "credits", None)[0]
        services.store.update(job.id, submit_stage=stage)  # what a kill -9 at this point leaves behind
        canceled = await services.scheduler.cancel(job.id)
        assert canceled.state is S.CANCELED
        events = [e.to_state for e in services.store.events(job.id)]
        held = ledger.get(job.id, RESERVED)
        if stage == PREPARING:
            assert "interrupted" in events and held is None
            assert ledger.spent_on("fake", today()) == 0
        else:
            assert "needs_check" in events and held is not None and held.quoted == 1
            assert ledger.spent_on("fake", today()) == 1
        assert fake.submits == 0
    finally:
        await services.aclose()
