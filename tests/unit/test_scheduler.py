import asyncio

import pytest

from desktop_app.core.errors import ProviderError, SubmitUncertainError, ValidationError
from desktop_app.core.jobs.store import JobState
from desktop_app.core.settings import app_paths
from desktop_app.providers.base import RemoteStatus
from desktop_app.services import build_services
from tests.fakes import FakeProvider

S = JobState


@pytest.fixture
def image(fixture_images):
    return fixture_images / "typical_misc_crate.png"


@pytest.fixture
async def env(tmp_path):
    fake = FakeProvider(tmp_path / "served")
    services = build_services(app_paths(), providers={"fake": fake})
    seen = []
    services.scheduler.add_listener(lambda job: seen.append(job.state))
    yield services, fake, seen
    await services.aclose()


async def test_job_runs_to_library_item(env, image):
    services, fake, seen = env
    job = await services.scheduler.create_job("fake:model", [image], {"detail": "7"})
    assert job.state is S.DRAFT and job.params["detail"] == 7
    job = await services.scheduler.run(job.id)
    assert job.state is S.SUCCEEDED, job.message
    assert fake.submits == 1
    assert S.QUEUED in seen and S.RUNNING in seen and S.DOWNLOADING in seen
    item = services.library.get(job.item_id)
    assert item.model_path.read_bytes()[:4] == b"glTF"
    assert item.model_file == "outputs/model.glb"  # the server's "../" never escapes the folder
    assert (item.folder / "inputs" / job.inputs[0]).exists()
    assert (item.folder / "thumbnail.png").exists()
    assert {f.kind for f in item.files} == {"model", "image"}
    assert all(len(f.sha256) == 64 for f in item.files)
    assert not services.scheduler.job_dir(job.id).exists()


async def test_bad_parameters_never_create_a_job(env, image):
    services, fake, _ = env
    with pytest.raises(ValidationError) as err:
        await services.scheduler.create_job("fake:model", [image], {"detail": "99"})
    assert "detail" in err.value.fields
    with pytest.raises(ValidationError):
        await services.scheduler.create_job("fake:model", [], {})
    assert services.store.list() == [] and fake.submits == 0


async def test_uncertain_submit_needs_check_and_is_not_resent(env, image):
    services, fake, _ = env
    fake.submit_error = SubmitUncertainError("The connection broke while sending.")
    job = await services.scheduler.create_job("fake:model", [image], {})
    job = await services.scheduler.run(job.id)
    assert job.state is S.NEEDS_CHECK
    await services.scheduler.resume_all()
    await asyncio.sleep(0.05)
    assert fake.submits == 1


async def test_rate_limits_and_blips_are_waited_out(env, image):
    services, fake, _ = env
    fake.script = [ProviderError("Busy.", retryable=True, retry_after=0.05),
                   ProviderError("Blip.", retryable=True, retry_after=0.01),
                   RemoteStatus.RUNNING, RemoteStatus.SUCCEEDED]
    job = await services.scheduler.create_job("fake:model", [image], {})
    job = await services.scheduler.run(job.id)
    assert job.state is S.SUCCEEDED and fake.submits == 1 and fake.polls == 4


async def test_remote_failure_shows_reason(env, image):
    services, fake, _ = env
    fake.script = [RemoteStatus.FAILED]
    fake.outputs_on_failure = []
    job = await services.scheduler.run((await services.scheduler.create_job("fake:model", [image], {})).id)
    assert job.state is S.FAILED and job.message and job.item_id is None
    assert services.library.count() == 0


async def test_failed_job_keeps_its_partial_results(env, image):
    services, fake, _ = env
    fake.script = [RemoteStatus.RUNNING, RemoteStatus.FAILED]
    job = await services.scheduler.run((await services.scheduler.create_job("fake:model", [image], {})).id)
    assert job.state is S.FAILED and "partial results were kept" in job.message
    item = services.library.get(job.item_id)
    assert item is not None and item.model_path.read_bytes()[:4] == b"glTF"


async def test_cancel_while_running_asks_the_service_once(env, image):
    services, fake, _ = env
    fake.script = [RemoteStatus.RUNNING]
    job = await services.scheduler.create_job("fake:model", [image], {})
    services.scheduler.start(job.id)
    for _ in range(100):
        await asyncio.sleep(0.01)
        if services.store.require(job.id).state is S.RUNNING:
            break
    job = await services.scheduler.cancel(job.id)
    assert job.state is S.CANCELED and fake.cancels == 1


async def test_refused_cancel_says_it_may_be_billed(env, image):
    services, fake, _ = env
    fake.script = [RemoteStatus.RUNNING]
    fake.cancel_accepted = False
    job = await services.scheduler.create_job("fake:model", [image], {})
    services.scheduler.start(job.id)
    # the remote job must exist before the refused cancel: wait for it, not a fixed 0.1 s (a loaded machine
    # was still uploading then, and a cancel before the paid request is simply accepted)
    for _ in range(200):
        if services.store.require(job.id).state is S.RUNNING:
            break
        await asyncio.sleep(0.05)
    job = await services.scheduler.cancel(job.id)
    assert job.state is S.CANCELED and "billed" in job.message


async def test_quit_while_polling_then_resume_without_resubmitting(tmp_path, image):
    fake = FakeProvider(tmp_path / "served", [RemoteStatus.RUNNING])
    services = build_services(app_paths(), providers={"fake": fake})
    job = await services.scheduler.create_job("fake:model", [image], {})
    services.scheduler.start(job.id)
    await asyncio.sleep(0.1)
    await services.aclose()
    fake.script = [RemoteStatus.SUCCEEDED]
    again = build_services(app_paths(), providers={"fake": fake})
    try:
        assert again.store.require(job.id).state is S.INTERRUPTED
        resumed = await again.scheduler.resume_all()
        assert [j.id for j in resumed] == [job.id]
        done = await again.scheduler.run(job.id)
        assert done.state is S.SUCCEEDED and fake.submits == 1
    finally:
        await again.aclose()


async def test_crash_during_paid_submit_becomes_needs_check(tmp_path, image):
    fake = FakeProvider(tmp_path / "served")
    services = build_services(app_paths(), providers={"fake": fake})
    job = await services.scheduler.create_job("fake:model", [image], {})
    services.store.transition(job.id, S.UPLOADING)  # what a kill -9 mid-submit leaves behind
    await services.scheduler.resume_all()
    assert services.store.require(job.id).state is S.NEEDS_CHECK
    assert fake.submits == 0
    await services.aclose()


async def test_quit_waits_for_a_paid_submit_to_get_its_id(tmp_path, image):
    fake = FakeProvider(tmp_path / "served", [RemoteStatus.RUNNING])
    fake.submit_gate = asyncio.Event()
    services = build_services(app_paths(), providers={"fake": fake})
    job = await services.scheduler.create_job("fake:model", [image], {})
    services.scheduler.start(job.id)
    await asyncio.sleep(0.05)
    asyncio.get_running_loop().call_later(0.1, fake.submit_gate.set)
    await services.aclose()
    reopened = build_services(app_paths(), providers={"fake": fake})
    try:
        job = reopened.store.require(job.id)
        assert job.state is S.INTERRUPTED and job.remote["data"]["task"] == "t1"
    finally:
        await reopened.aclose()


async def test_retry_makes_a_new_job_with_the_same_inputs(env, image):
    services, fake, _ = env
    fake.script = [RemoteStatus.FAILED]
    first = await services.scheduler.run((await services.scheduler.create_job("fake:model", [image], {"detail": 3})).id)
    fake.script = [RemoteStatus.SUCCEEDED]
    second = await services.scheduler.retry(first.id)
    assert second.id != first.id and second.retry_of == first.id and second.params["detail"] == 3
    assert (await services.scheduler.run(second.id)).state is S.SUCCEEDED


async def test_refused_submit_is_sent_again_after_waiting(env, image):
    services, fake, _ = env
    calls = []
    original = fake.submit

    async def refusing(request, progress):
        calls.append(1)
        if len(calls) < 3:
            raise ProviderError("Too many jobs at once.", retryable=True, retry_after=0.02)
        return await original(request, progress)

    fake.submit = refusing
    job = await services.scheduler.run((await services.scheduler.create_job("fake:model", [image], {})).id)
    assert job.state is S.SUCCEEDED and len(calls) == 3 and fake.submits == 1


async def test_non_retryable_submit_error_fails_with_its_message(env, image):
    services, fake, _ = env
    fake.submit_error = ProviderError("Your balance is too low for this job.")
    job = await services.scheduler.run((await services.scheduler.create_job("fake:model", [image], {})).id)
    assert job.state is S.FAILED and "balance" in job.message and fake.submits == 1


async def test_polls_that_change_nothing_write_and_notify_nothing(tmp_path, image):
    """The service answering "queued" or "running" again, with nothing new, is not a change: no journal write,
    no listener call (each repainted the job's row; on software GL a window holding the GL view composes all of
    itself again for any repaint)."""
    Q, R = RemoteStatus.QUEUED, RemoteStatus.RUNNING
    fake = FakeProvider(tmp_path / "served", script=[Q, Q, Q, Q, R, R, R, RemoteStatus.SUCCEEDED])
    services = build_services(app_paths(), providers={"fake": fake})
    seen: list[tuple] = []
    services.scheduler.add_listener(lambda job: seen.append((job.state, job.message, job.progress)))
    try:
        job = await services.scheduler.create_job("fake:model", [image], {})
        writes: list[list[str]] = []  # the fields of each journal update
        real_update = services.store.update

        def update(job_id: str, **changes):
            writes.append(sorted(changes))
            return real_update(job_id, **changes)

        services.store.update = update
        job = await services.scheduler.run(job.id)
    finally:
        await services.aclose()
    assert job.state is S.SUCCEEDED and fake.polls == 8
    polled = [s for s in seen if s[0] in (S.QUEUED, S.RUNNING)]
    assert [s[0] for s in polled] == [S.QUEUED, S.RUNNING]  # one notice per change, none per repeated answer
    assert not [w for w in writes if "queue_position" in w], writes  # a poll's write always sets it: none
