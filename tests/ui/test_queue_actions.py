"""The queue's extras clicked through the real window: one job per image, a dropped folder, compare,
duplicate-with-edits and the background notification. Offline providers only (local and the scripted fake)."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication

from desktop_app.core.jobs.store import JobState
from desktop_app.providers.local import LocalProvider
from desktop_app.ui.main_window import MainWindow
from tests.fakes import FakeProvider
from tests.ui.conftest import run_in_window, wait_until


@pytest.fixture
def in_window(qtbot, qloop, services_factory, tmp_path):
    def run(body) -> None:
        providers = {"local": LocalProvider(tmp_path / "local"), "fake": FakeProvider(tmp_path / "served")}
        services = services_factory(providers=providers, poll_override=(0.02, 0.05))
        window = MainWindow(services, automation=False)

        run_in_window(qloop, window, lambda: body(window))

    return run


async def choose(window: MainWindow, model_id: str) -> None:
    window.model_combo.setCurrentIndex(window.model_combo.findData(model_id))
    await wait_until(lambda: getattr(window.generate_panel.schema(), "id", None) == model_id, what="the schema")


def finished(window: MainWindow, count: int) -> bool:
    jobs = window.services.store.list()
    return len(jobs) == count and all(j.state.terminal for j in jobs)


def test_one_job_per_image_makes_a_batch(in_window, qtbot, fixture_images):
    images = sorted(fixture_images.glob("typical_*.png"))[:3]

    async def body(window: MainWindow) -> None:
        await choose(window, "local:relief")
        actions = window.generate_panel.groups
        window.drop_zone.add_paths(images)
        await wait_until(lambda: actions.image_count() == 3, what="the images to be checked")
        assert actions.batch_check.isVisible(), "more images than the model takes: offer one job per image"
        actions.batch_check.setChecked(True)
        assert "3" in window.generate_button.text()
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: finished(window, 3), 60, "three jobs to end")
        jobs = window.services.store.list()
        assert {j.state for j in jobs} == {JobState.SUCCEEDED} and len({j.group_id for j in jobs}) == 1
        assert sorted(len(j.inputs) for j in jobs) == [1, 1, 1]
        await wait_until(lambda: "3 of 3 done" in window.statusBar().currentMessage(), what="the batch summary")

    in_window(body)


def test_a_dropped_folder_offers_one_job_per_image(in_window, fixture_images, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for image in sorted(fixture_images.glob("typical_*.png"))[:2]:
        shutil.copy(image, folder / image.name)
    (folder / "notes.txt").write_text("not an image")

    async def body(window: MainWindow) -> None:
        await choose(window, "local:relief")
        assert window.generate_panel.groups.add_folders([QUrl.fromLocalFile(str(folder))])
        await wait_until(lambda: window.generate_panel.groups.image_count() == 2, what="the folder's images")
        assert window.generate_panel.groups.wants_batch()

    in_window(body)


def test_compare_sends_one_image_to_two_models_and_reports_the_group(in_window, qtbot, fixture_images):
    async def body(window: MainWindow) -> None:
        await choose(window, "local:relief")
        window.drop_zone.add_paths([fixture_images / "typical_misc_crate.png"])
        await wait_until(lambda: window.generate_panel.groups.compare_button.isEnabled(), what="Compare to enable")
        ready: list[list[str]] = []
        window.compareReady.connect(ready.append)
        qtbot.mouseClick(window.generate_panel.groups.compare_button, Qt.MouseButton.LeftButton)
        picker = window.generate_panel.groups.picker
        assert not picker.compare_button.isEnabled()  # only the current model is ticked
        picker.set_checked("fake:model")
        assert picker.compare_button.isEnabled()
        qtbot.mouseClick(picker.compare_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: bool(ready), 60, "the compare group to finish")
        jobs = window.services.store.list()
        assert sorted(j.model_id for j in jobs) == ["fake:model", "local:relief"]
        assert len(ready[0]) == 2 and set(ready[0]) == {j.item_id for j in jobs}
        assert window.services.store.group(jobs[0].group_id).kind == "compare"
        await wait_until(lambda: window.compare_window is not None, what="the side-by-side view")

    in_window(body)


def test_duplicate_puts_images_and_settings_back(in_window, qtbot, fixture_images):
    async def body(window: MainWindow) -> None:
        await choose(window, "fake:model")
        window.drop_zone.add_paths([fixture_images / "typical_misc_crate.png"])
        window.form.set_schema(window.generate_panel.schema(), {"detail": 8})
        await wait_until(lambda: window.generate_button.isEnabled(), what="Generate to enable")
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: finished(window, 1), 30, "the job to end")
        window.drop_zone.clear()
        window.form.set_schema(window.generate_panel.schema(), {"detail": 2})
        window.queue.select(window.services.store.list()[0].id)
        assert window.queue.duplicate_button.isEnabled()
        qtbot.mouseClick(window.queue.duplicate_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: len(window.drop_zone.paths()) == 1 and window.form.values().get("detail") == 8,
                         what="the job's images and settings in the form")
        assert window.drop_zone.paths()[0].name.endswith("typical_misc_crate.png")

    in_window(body)


def test_a_job_ending_in_the_background_is_announced(in_window, qtbot, fixture_images, monkeypatch):
    alerts = []
    monkeypatch.setattr(QApplication, "alert", lambda widget, ms=0: alerts.append(widget))

    async def body(window: MainWindow) -> None:
        await choose(window, "local:relief")
        monkeypatch.setattr(window.queue_panel.actions.notifier, "in_background", lambda: True)
        window.drop_zone.add_paths([fixture_images / "typical_misc_crate.png"])
        await wait_until(lambda: window.generate_button.isEnabled(), what="Generate to enable")
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: bool(window.queue_panel.actions.notifier.sent), 30, "the notification")
        title, text = window.queue_panel.actions.notifier.sent[0]
        assert title == "Model ready" and "done" in text and alerts == [window]

    in_window(body)
