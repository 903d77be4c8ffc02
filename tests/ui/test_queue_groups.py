"""Groups in the queue, clicked through the real window: each batch or compare job carries a tag naming its
group and place ("Batch 2 of 3 · …"), the whole group can be canceled, and ticking "One job per image" stops
the drop zone from calling the extra images "not used". The fake provider holds its jobs in "generating"."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop_app.core.jobs.store import Job, JobGroup, JobState
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.queue.job_list import JobListModel
from tests.fakes import FakeProvider
from tests.ui.conftest import wait_until


def greyed(window: MainWindow) -> list[str]:
    items = [window.drop_zone.list.item(r) for r in range(window.drop_zone.list.count())]
    return [i.text() for i in items if "not used" in i.toolTip()]


def test_a_batch_is_tagged_in_the_queue_and_canceled_as_a_whole(in_running_window, qtbot, fixture_images):
    images = sorted(fixture_images.glob("typical_*.png"))[:3]

    async def body(window: MainWindow, fake: FakeProvider) -> None:
        await wait_until(lambda: window.generate_panel.schema() is not None, what="the fake model's settings")
        actions, zone = window.generate_panel.groups, window.drop_zone
        zone.add_paths(images)
        await wait_until(lambda: actions.image_count() == 3, what="the images to be checked")
        assert len(greyed(window)) == 2 and not zone.message.isHidden(), "one image per job is the default"
        actions.batch_check.setChecked(True)
        assert greyed(window) == [] and zone.message.isHidden(), "with one job per image every image is used"
        actions.batch_check.setChecked(False)
        assert len(greyed(window)) == 2
        actions.batch_check.setChecked(True)

        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        model = window.job_model
        states = lambda: sorted(model.job(r).state for r in range(model.rowCount()))  # noqa: E731
        # The fake service takes two jobs at once (the default cap): the third waits its turn.
        await wait_until(lambda: states() == [JobState.DRAFT, JobState.RUNNING, JobState.RUNNING], 30,
                         "two running jobs and one waiting")
        tags = sorted(model.group_tag(model.job(r)) for r in range(3))
        assert tags == [f"Batch {n} of 3" for n in (1, 2, 3)]
        assert "Batch" in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)

        queue = window.queue
        queue.select(model.job(1).id)
        assert queue.cancel_group_button.isVisible() and queue.cancel_group_button.isEnabled()
        assert queue.group_label.text() == "Batch: 3 of 3 unfinished"
        assert queue.group_label.toolTip() == "3 images · Fake model"
        qtbot.mouseClick(queue.cancel_group_button, Qt.MouseButton.LeftButton)
        box = window.queue_panel.actions.cancel_box
        assert "3 unfinished job" in box.text() and "3 images · Fake model" in box.text()
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        await wait_until(lambda: all(j.state is JobState.CANCELED for j in window.services.store.list()), 30,
                         "every job of the batch to be canceled")
        assert fake.cancels == 2 and fake.submits == 2, "the waiting job was never sent, so nothing to cancel there"
        await wait_until(lambda: not queue.cancel_group_button.isEnabled(), what="nothing left to cancel")

        # After a restart the list is loaded from the journal: the tags come back from the group rows.
        model._groups.clear()
        model.set_jobs(window.services.store.list())
        await wait_until(lambda: model.group_tag(model.job(0)).startswith("Batch"), what="the tags to reload")

    in_running_window(body)


def test_saying_no_cancels_nothing(in_running_window, qtbot, fixture_images):
    async def body(window: MainWindow, fake: FakeProvider) -> None:
        await wait_until(lambda: window.generate_panel.schema() is not None, what="the fake model's settings")
        window.drop_zone.add_paths(sorted(fixture_images.glob("typical_*.png"))[:2])
        await wait_until(lambda: window.generate_panel.groups.image_count() == 2, what="the images to be checked")
        window.generate_panel.groups.batch_check.setChecked(True)
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        model = window.job_model
        await wait_until(lambda: model.rowCount() == 2 and model.group(model.job(0).group_id) is not None, 30,
                         "the batch")
        window.queue.select(window.job_model.job(0).id)
        qtbot.mouseClick(window.queue.cancel_group_button, Qt.MouseButton.LeftButton)
        box = window.queue_panel.actions.cancel_box
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
        await asyncio.sleep(0.3)
        assert fake.cancels == 0
        assert not any(j.state is JobState.CANCELED for j in window.services.store.list())

    in_running_window(body)


def test_compare_tags_count_the_models_in_order():
    model = JobListModel({"a:m": "Model A"})
    jobs = [Job(id=f"j{i}", model_id="a:m", title="Dragon", group_id="g", created_at=i) for i in range(3)]
    for job in jobs:
        model.upsert(job)
    model.upsert(Job(id="lone", model_id="a:m", title="Alone"))
    assert model.group_tag(jobs[0]) == ""  # the group's name is not known yet
    model.set_groups({"g": JobGroup("g", "compare", "Dragon", 0.0)})
    assert [model.group_tag(j) for j in jobs] == [f"Compare {n} of 3 · Dragon" for n in (1, 2, 3)]
    assert model.group_tag(model.job(0)) == ""
    assert model.unknown_groups() == set()
