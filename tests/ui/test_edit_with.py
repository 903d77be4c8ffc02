""""Edit with…" clicked through the real window over the Scenario emulator: a library item is sent to a remesh
model from its details, the form's model input is filled with it, and the result is a new version of the item."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.core.jobs import JobState
from desktop_app.core.library_files import import_model
from desktop_app.core.library_versions import lineage
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


def test_edit_with_remesh_makes_a_new_version(in_window, qtbot, monkeypatch, tmp_path):
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
            button = details.buttons["refine"]
            await wait_until(button.isEnabled, what="Edit with… to know the refine models")
            assert ("scenario:model_meshy-remesh", "Meshy Remesh") in details.refine_models
            assert all(m.startswith("scenario:") for m, _ in details.refine_models)  # only 3D-input models

            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            action = next(a for a in details.refine_menu.actions() if a.text() == "Meshy Remesh")
            details.refine_menu.close()
            action.trigger()
            assert window.workspaces.current() == Workspaces.CREATE
            panel = window.generate_panel
            await wait_until(lambda: bool(panel.form.model_inputs()), what="the item in the model input")
            (chosen,) = panel.form.model_inputs()
            assert chosen.item_id == item.id and chosen.version == 1
            # The cost line prices the job with its model input, as `quote --model` does.
            await wait_until(lambda: panel.cost_label.text() == "Cost: 10 CU", 10, "the remesh's price")
            await wait_until(window.generate_button.isEnabled, 10, f"Generate to enable ({panel.blockers()})")
            qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
            store = window.services.store
            await wait_until(lambda: bool(store.list()) and store.list()[0].state.terminal, 60, "the job to end")
            job = store.list()[0]
            assert job.state is JobState.SUCCEEDED, job.message
            assert job.item_id == item.id  # a version of the item, not a new item
            versions = lineage(window.services.library.get(item.id))
            assert [int(v.get("number", 1)) for v in versions] == [1, 2]
            assert versions[1]["model_id"] == "scenario:model_meshy-remesh" and versions[1]["made_from"] == 1
            assert emu.generate_posts == 1

        in_window(body)
