""""Edit with…" clicked through the real window over the Scenario emulator: a library item is sent to a remesh
model from its details, the form's model input is filled with it, and the result is a new version of the item."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.jobs.store import JobState
from desktop_app.core.library.store import LibraryItem
from desktop_app.core.library.versions import lineage
from desktop_app.ui.main_layout import Workspaces
from desktop_app.ui.main_window import MainWindow
from tests.emulators.scenario import ScenarioEmulator
from tests.ui.conftest import select_item, wait_until


def test_edit_with_remesh_makes_a_new_version(sphere_window, qtbot):
    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        await select_item(window, item.id)
        details = window.library_panel.details
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

    sphere_window(body)


def test_a_library_change_during_edit_with_does_not_drop_the_item(sphere_window, qtbot):
    """A library change (a finished job, a thumbnail) that lands between "Edit with…" and the new model's
    settings used to answer first with no item, and cleared the request: the model input stayed empty."""
    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        panel = window.generate_panel
        await wait_until(lambda: panel.model_combo.findData("scenario:model_meshy-remesh") >= 0, 20,
                         "the refine models in the picker")
        assert panel.edit_with("scenario:model_meshy-remesh", item.id)
        await wait_until(lambda: any(c.item_id == item.id for c in panel.form.model_inputs()), 20,
                         "the item in the remesh's model input")
        # Now the form has a model input, so a library change reads the library for it; that read starts
        # before the retexture's settings arrive and ends before them.
        window.bus.libraryChanged.emit()
        assert panel.edit_with("scenario:model_meshy-7-retexture", item.id)
        await wait_until(lambda: panel.current_model_id() == "scenario:model_meshy-7-retexture"
                         and any(c.item_id == item.id for c in panel.form.model_inputs()), 20,
                         "the item in the retexture's model input")

    sphere_window(body)
