"""Issue 19 end to end: a library item sent to Meshy Rigging (over the Scenario emulator) comes back as a new
version with an animation, the preview shows it with the playback bar, and Play moves it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.core.jobs import JobState
from desktop_app.core.library_files import import_model
from desktop_app.ui import tasks
from desktop_app.ui.main_layout import Workspaces
from desktop_app.ui.main_window import MainWindow
from tests.emulators.common import make_glb
from tests.emulators.scenario import ScenarioEmulator
from tests.ui.conftest import run_in_window, wait_until


@pytest.fixture
def in_window(qtbot, qloop, services_factory) -> Callable[[Callable[[MainWindow], Coroutine[Any, Any, None]]], None]:
    def run(body: Callable[[MainWindow], Coroutine[Any, Any, None]]) -> None:
        window = MainWindow(services_factory(poll_override=(0.05, 0.2)), automation=False)
        run_in_window(qloop, window, lambda: body(window))

    return run


def test_a_rigging_result_plays_in_the_preview(in_window, qtbot, monkeypatch, tmp_path):
    with ScenarioEmulator() as emu:
        emu.middle_states = []
        monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
        monkeypatch.setenv("SCENARIO_SDK_API_KEY", emu.api_key)
        monkeypatch.setenv("SCENARIO_SDK_API_SECRET", emu.api_secret)
        source = tmp_path / "sphere.glb"
        source.write_bytes(make_glb(seed=3, subdivisions=3))

        async def body(window: MainWindow) -> None:
            item = import_model(window.services.library, source, "Sphere")
            window.library_panel.bus.libraryChanged.emit()
            window.workspaces.show(Workspaces.LIBRARY)
            details = window.library_panel.details
            await wait_until(lambda: window.library_view.select(item.id) is None and details.item is not None
                             and details.item.id == item.id, what="the item's details")
            preview = window.preview_panel.widget
            window.preview_panel.open_item(window.services.library.get(item.id))
            await wait_until(lambda: preview.state() == "scene", 20, "the sphere in the preview")
            await wait_until(lambda: not tasks.busy(), 10, "the preview's animation check")
            assert preview.animation.isHidden()  # a plain model: no playback bar

            button = details.buttons["refine"]
            await wait_until(button.isEnabled, what="Edit with… to know the refine models")
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            action = next(a for a in details.refine_menu.actions() if a.text() == "Meshy Rigging")
            details.refine_menu.close()
            action.trigger()
            panel = window.generate_panel
            await wait_until(lambda: bool(panel.form.model_inputs()), what="the item in the model input")
            await wait_until(window.generate_button.isEnabled, 10, f"Generate to enable ({panel.blockers()})")
            qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
            store = window.services.store
            await wait_until(lambda: bool(store.list()) and store.list()[0].state.terminal, 60, "the job to end")
            assert store.list()[0].state is JobState.SUCCEEDED, store.list()[0].message

            bar = preview.animation
            await wait_until(bar.isVisible, 20, "the playback bar for the rigged version")
            assert preview.scene() is not None and preview.scene().source.endswith("rigged.glb")
            qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
            await wait_until(lambda: bar.slider.value() > 10 and bar.frames_shown > 1, 10, "playback to advance")
            qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
            assert not bar.playing()

        in_window(body)
