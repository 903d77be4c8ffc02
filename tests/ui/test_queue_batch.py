"""A big batch in the queue: 50 jobs made at once from the Generate panel (one per image) all appear, newest
first, with their place in the batch, the first selected and the batch counted; and the queue's reads for the
burst (spend-ledger lines for the tooltips, the group's title for the tags) are one read each, not one per job.
The fake provider holds its jobs in "generating" (two at a time, the rest wait as drafts)."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from desktop_app.core.jobs.store import Job, JobState
from desktop_app.ui.main_window import MainWindow
from tests.fakes import FakeProvider
from tests.ui.conftest import wait_until

JOBS = 50


def test_fifty_jobs_of_a_batch_all_appear_in_order_with_the_first_selected(in_running_window, qtbot, fixture_images,
                                                                           tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    images = [folder / f"part_{n:02d}.png" for n in range(1, JOBS + 1)]
    for image in images:
        shutil.copyfile(fixture_images / "typical_misc_crate.png", image)

    async def body(window: MainWindow, _fake: FakeProvider) -> None:
        await wait_until(lambda: window.generate_panel.schema() is not None, what="the fake model's settings")
        groups = window.generate_panel.groups
        window.drop_zone.add_paths(images)
        await wait_until(lambda: groups.image_count() == JOBS, 60, "the images to be checked")
        groups.batch_check.setChecked(True)
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)

        model, queue = window.job_model, window.queue
        await wait_until(lambda: model.rowCount() == JOBS and queue.selected_job() is not None, 120,
                         "every job of the batch in the queue, one selected")
        jobs = [model.job(row) for row in range(JOBS)]
        # Newest first: the last image's job on top, the first image's at the bottom, each tagged with its place.
        assert [f"{n:02d}" in j.title for n, j in zip(range(1, JOBS + 1), reversed(jobs), strict=True)] == \
            [True] * JOBS, [j.title for j in reversed(jobs)]
        assert len({j.group_id for j in jobs}) == 1 and jobs[0].group_id
        await wait_until(lambda: model.group(jobs[0].group_id) is not None, 10, "the batch's title")
        assert [model.group_tag(j) for j in reversed(jobs)] == [f"Batch {n} of {JOBS}" for n in range(1, JOBS + 1)]
        # The job of the first image is the one selected, as with a single job; the batch is counted beside it.
        assert queue.selected_job().id == jobs[-1].id
        await wait_until(lambda: queue.group_label.text() == f"Batch: {JOBS} of {JOBS} unfinished", 10,
                         "the batch counted under the queue")
        assert queue.cancel_group_button.isEnabled()
        assert sum(1 for j in window.services.store.list() if j.group_id == jobs[0].group_id) == JOBS

    in_running_window(body)


def test_jobs_that_change_together_are_read_from_the_ledger_together(main_window, qloop):
    """50 rows added in one turn of the loop: one ledger read for all of them, in the order they came."""
    quotes = main_window.queue_panel.quotes
    asked: list[list[str]] = []
    job_lines = quotes.ledger.job_lines
    quotes.ledger.job_lines = lambda ids: asked.append(list(ids)) or job_lines(ids)
    ids = [f"job-{n:02d}" for n in range(JOBS)]
    for job_id in ids:
        main_window.job_model.upsert(Job(id=job_id, model_id="fake:model", title=job_id, state=JobState.DRAFT))
    qloop.until(lambda: bool(asked), 10, "the ledger read")
    qloop.run(_settle())
    assert asked == [ids]


def test_a_new_batchs_title_is_read_once_for_all_its_jobs(main_window, qloop):
    store = main_window.services.store
    group = store.create_group("batch", f"{JOBS} images · Fake model")
    reads: list[set[str]] = []
    groups = store.groups
    store.groups = lambda wanted: reads.append(set(wanted)) or groups(wanted)
    actions = main_window.queue_panel.actions
    for n in range(JOBS):
        job = Job(id=f"job-{n:02d}", model_id="fake:model", title=f"Part {n}", group_id=group.id)
        main_window.job_model.upsert(job)
        actions.job_changed(job)
    qloop.until(lambda: main_window.job_model.group(group.id) is not None, 10, "the batch's title")
    qloop.run(_settle())
    assert reads == [{group.id}]
    assert main_window.job_model.group_tag(main_window.job_model.job(0)) == f"Batch {JOBS} of {JOBS}"


async def _settle() -> None:
    import asyncio

    await asyncio.sleep(0.2)  # a second read, if one were started, would land in this time
