"""Issue 19 end to end: a library item sent to Meshy Rigging (over the Scenario emulator) comes back as a new
version with an animation, the preview shows it with the playback bar, and Play moves it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.jobs.store import JobState
from desktop_app.core.library.store import LibraryItem
from desktop_app.ui import tasks
from desktop_app.ui.main_window import MainWindow
from tests.emulators.scenario import ScenarioEmulator
from tests.ui.conftest import select_item, wait_until


def test_a_rigging_result_plays_in_the_preview(sphere_window, qtbot):
    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        await select_item(window, item.id)
        details = window.library_panel.details
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

    sphere_window(body)
