"""The real window against the loopback emulators: Rodin and Scenario jobs clicked through end to end.

Each test body is one coroutine, so the qasync loop runs without a stop while requests are in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.core.jobs.store import Job, JobState
from desktop_app.ui.main_window import MainWindow
from tests.emulators.hyper3d import Hyper3DEmulator
from tests.emulators.scenario import ScenarioEmulator
from tests.ui.conftest import run_in_window, wait_until

FAST_POLLS = (0.05, 0.2)


@pytest.fixture
def in_window(qtbot, qloop, services_factory) -> Callable[[Callable[[MainWindow], Coroutine[Any, Any, None]]], None]:
    """Run ``body(window)`` inside the loop with a fresh window (not automation mode: only emulators here)."""

    def run(body: Callable[[MainWindow], Coroutine[Any, Any, None]]) -> None:
        services = services_factory(poll_override=FAST_POLLS)
        window = MainWindow(services, automation=False)

        run_in_window(qloop, window, lambda: body(window))

    return run


async def choose_model(window: MainWindow, model_id: str) -> None:
    index = window.model_combo.findData(model_id)
    assert index >= 0, f"{model_id} is not listed"
    window.model_combo.setCurrentIndex(index)
    await wait_until(lambda: getattr(window.generate_panel.schema(), "id", None) == model_id, what="the schema")


async def run_job(window: MainWindow, qtbot, images) -> Job:
    window.drop_zone.add_paths(images)
    await wait_until(lambda: window.generate_button.isEnabled(), what="Generate to enable")
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    store = window.services.store
    await wait_until(lambda: bool(store.list()) and store.list()[0].state.terminal, 60, "the job to end")
    return store.list()[0]


def test_rodin_job_through_the_window(in_window, qtbot, monkeypatch, fixture_images):
    with Hyper3DEmulator() as emu:
        monkeypatch.setenv("RODIN_BASE_URL", emu.base_url)
        monkeypatch.setenv("RODIN_API_KEY", emu.api_key)

        async def body(window: MainWindow) -> None:
            await choose_model(window, "hyper3d:rodin")
            await wait_until(lambda: "credit" in window.cost_label.text(), what="the cost to show")
            job = await run_job(window, qtbot, sorted(fixture_images.glob("multiview_character_*.png")))
            assert job.state is JobState.SUCCEEDED, job.message
            assert emu.submits == 1
            submit = emu.requests_to("rodin")[0]
            assert [f[0] for f in submit.files] == ["images"] * 3  # one part per image, in order
            assert submit.fields["tier"] == ["Gen-2.5-Medium"]  # the default tier is sent explicitly
            item = window.services.library.get(job.item_id)
            assert item.model_path.suffix == ".glb" and len(item.files) >= 2
            assert job.cost == 0.5 and job.cost_unit == "credits"
            await wait_until(lambda: window.preview.state() == "scene", 30, "the preview")

        in_window(body)


def test_rodin_failure_is_explained_in_the_queue(in_window, qtbot, monkeypatch, fixture_images):
    with Hyper3DEmulator() as emu:
        emu.fail_jobs = "all"
        monkeypatch.setenv("RODIN_BASE_URL", emu.base_url)
        monkeypatch.setenv("RODIN_API_KEY", emu.api_key)

        async def body(window: MainWindow) -> None:
            await choose_model(window, "hyper3d:rodin")
            job = await run_job(window, qtbot, [fixture_images / "typical_humanoid_mech.png"])
            assert job.state is JobState.FAILED and job.message
            assert window.job_model.job(0).message == job.message
            assert emu.submits == 1 and window.services.library.count() == 0

        in_window(body)


def test_scenario_trellis_job_through_the_window(in_window, qtbot, monkeypatch, fixture_images):
    with ScenarioEmulator() as emu:
        monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
        monkeypatch.setenv("SCENARIO_SDK_API_KEY", emu.api_key)
        monkeypatch.setenv("SCENARIO_SDK_API_SECRET", emu.api_secret)

        async def body(window: MainWindow) -> None:
            await choose_model(window, "scenario:model_trellis-2")
            assert window.cost_label.text() == ""  # no estimate without the image the model requires
            # The estimate prices the full job: it sees the image, uploaded once and reused by the job.
            window.drop_zone.add_paths([fixture_images / "typical_misc_crate.png"])
            await wait_until(lambda: "CU" in window.cost_label.text(), what="the dryRun quote to show")
            assert emu.dryrun_bodies and str(emu.dryrun_bodies[-1][1].get("image", "")).startswith("asset_")
            await wait_until(lambda: window.generate_button.isEnabled(), what="Generate to enable")
            qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
            store = window.services.store
            await wait_until(lambda: bool(store.list()) and store.list()[0].state.terminal, 60, "the job to end")
            job = store.list()[0]
            assert job.state is JobState.SUCCEEDED, job.message
            assert emu.generate_posts == 1 and emu.asset_posts == 1  # the quote's upload was reused
            item = window.services.library.get(job.item_id)
            assert item.model_path.read_bytes()[:4] == b"glTF"
            await wait_until(lambda: window.preview.state() == "scene", 30, "the preview")

        in_window(body)


def test_scenario_without_keys_cannot_generate(in_window):
    async def body(window: MainWindow) -> None:
        await choose_model(window, "scenario:model_trellis-2")
        assert not window.generate_button.isEnabled()
        assert "Scenario" in window.generate_hint.text()

    in_window(body)
