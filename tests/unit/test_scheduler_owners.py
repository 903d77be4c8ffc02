"""Two schedulers on one home, as a window and a `generate` in a terminal: each job is advanced by its owner only.
The second never starts, cancels or resumes the first one's job while it lives, and takes it over once it is gone."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.core.jobs.owners import NotOwnerError
from desktop_app.core.jobs.store import JobState
from desktop_app.core.settings import app_paths
from desktop_app.providers.base import RemoteStatus
from desktop_app.services import build_services
from tests.fakes import FakeProvider

S = JobState


@pytest.fixture
def image(fixture_images):
    return fixture_images / "typical_misc_crate.png"


async def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def test_a_second_process_leaves_a_running_job_to_its_owner(tmp_path, image):
    fake = FakeProvider(tmp_path / "served", [RemoteStatus.RUNNING])
    cli = build_services(app_paths(), providers={"fake": fake})
    cli.store.kind = "generate"
    window = build_services(app_paths(), providers={"fake": fake})
    try:
        job = await cli.scheduler.create_job("fake:model", [image], {})
        cli.scheduler.start(job.id)
        await wait_for(lambda: cli.store.require(job.id).state is S.RUNNING, "the job to run")
        events = len(cli.store.events(job.id))
        assert await window.scheduler.resume_all() == []
        assert list(window.scheduler.elsewhere) == [job.id]
        with pytest.raises(NotOwnerError):
            await window.scheduler.cancel(job.id)
        assert await window.scheduler.run(job.id) == window.store.require(job.id)  # start() leaves it too
        assert await window.scheduler.cancel_group("grp_none") == []
        fake.script = [RemoteStatus.SUCCEEDED]
        done = await cli.scheduler.run(job.id)
        assert done.state is S.SUCCEEDED and fake.submits == 1
        # Only the owner wrote: no event of the window's, and the job is nobody's once it ended.
        assert all(e.message != "Canceled." for e in cli.store.events(job.id))
        assert len(cli.store.events(job.id)) >= events and cli.store.require(job.id).owner == ""
        assert window.library.count() == 1
    finally:
        await window.aclose()
        await cli.aclose()


async def test_a_job_of_a_closed_process_is_adopted(tmp_path, image):
    fake = FakeProvider(tmp_path / "served", [RemoteStatus.RUNNING])
    cli = build_services(app_paths(), providers={"fake": fake})
    window = build_services(app_paths(), providers={"fake": fake})
    try:
        job = await cli.scheduler.create_job("fake:model", [image], {})
        cli.scheduler.start(job.id)
        await wait_for(lambda: cli.store.require(job.id).state is S.RUNNING, "the job to run")
        assert await window.scheduler.adopt(job.id) is None  # still alive
        await cli.aclose()  # Ctrl+C in the terminal: the job is paused and handed back
        fake.script = [RemoteStatus.SUCCEEDED]
        adopted = await window.scheduler.adopt(job.id)
        assert adopted is not None
        done = await window.scheduler.run(job.id)
        assert done.state is S.SUCCEEDED and fake.submits == 1 and window.library.count() == 1
    finally:
        await window.aclose()


async def test_a_dead_owner_mid_paid_submit_leaves_the_job_needs_check(tmp_path, image):
    """Taken over from a process that stopped while its paid request may have left: never sent again."""
    fake = FakeProvider(tmp_path / "served")
    fake.submit_gate = asyncio.Event()
    cli = build_services(app_paths(), providers={"fake": fake})
    window = build_services(app_paths(), providers={"fake": fake})
    try:
        job = await cli.scheduler.create_job("fake:model", [image], {})
        task = cli.scheduler.start(job.id)
        await wait_for(lambda: fake.submits == 1, "the paid submit")
        assert await window.scheduler.resume_all() == [] and job.id in window.scheduler.elsewhere
        cli.store._lease.release(remove=False)  # the owner looks dead (as after kill -9), request in flight
        assert await window.scheduler.resume_all() == []
        assert window.store.require(job.id).state is S.NEEDS_CHECK and fake.submits == 1
        # Had it only been frozen, its late answer is refused: it stops without touching the job.
        fake.submit_gate.set()
        stopped = await asyncio.wait_for(task, 5)
        assert stopped.state is S.NEEDS_CHECK and window.store.require(job.id).state is S.NEEDS_CHECK
        assert [e.to_state for e in window.store.events(job.id)] == ["draft", "uploading", "needs_check"]
    finally:
        await window.aclose()
        fake.submit_gate.set()
        await cli.aclose()
