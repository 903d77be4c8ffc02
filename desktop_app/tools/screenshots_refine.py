"""The refine and spending screens of `make screenshots`, taken over the Scenario emulator.

Edit with…, versions and the Spending window only have something to show after paid jobs, so this stage points the
app at the loopback Scenario emulator in ``tests/emulators`` (real HTTP, the emulator's own key: nothing can reach
or charge a real account). A packaged app has no tests folder: then the stage is skipped with a message.
Run by ``desktop_app.tools.screenshots`` in a process of its own (the emulator's address must be in the environment
before the providers are built).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

REMESH, RETEXTURE = "Meshy Remesh", "Meshy 7 Retexture"


def emulator_available() -> bool:
    try:
        import tests.emulators.scenario  # noqa: F401
    except ImportError:
        return False
    return True


def start_emulator():  # -> ScenarioEmulator (a tests-only type)
    from tests.emulators.scenario import ScenarioEmulator

    emulator = ScenarioEmulator()
    emulator.middle_states = ["in-progress"]  # one "running" poll, then done: quick but not instant
    emulator.__enter__()
    os.environ.update(SCENARIO_BASE_URL=emulator.base_url, SCENARIO_SDK_API_KEY=emulator.api_key,
                      SCENARIO_SDK_API_SECRET=emulator.api_secret)
    return emulator


async def capture_refine(window: MainWindow, out: Path, images: list[Path]) -> list[Path]:
    """Make an item offline, remesh it, retexture the result: then the menu, the form, the versions, Spending."""
    from PySide6.QtGui import QGuiApplication

    from desktop_app.core.jobs.store import JobState
    from desktop_app.ui.spending_view import open_spending
    from desktop_app.ui.tasks import wait_until

    saved: list[Path] = []

    async def shot(widget, name: str, *, screen: bool = False) -> None:
        await asyncio.sleep(0.6)
        path = out / f"{name}.png"
        if screen:  # a popup menu is a window of its own: grab the screen area under the main window
            geometry = window.frameGeometry()
            QGuiApplication.primaryScreen().grabWindow(0, geometry.x(), geometry.y(), geometry.width(),
                                                        geometry.height()).save(str(path))
        else:
            widget.grab().save(str(path))
        saved.append(path)

    window.resize(1366, 768)
    window.move(0, 0)
    await wait_until(lambda: window.generate_panel.schema() is not None, 60)
    store = window.services.store
    window.drop_zone.add_paths(images[:1])
    await wait_until(lambda: not window.drop_zone.pending() and window.generate_button.isEnabled(), 60)
    window.generate()
    await wait_until(lambda: bool(store.list()) and all(j.state.terminal for j in store.list()), 120)
    item_id = store.list()[0].item_id
    details, panel = window.library.details, window.generate_panel
    window.workspaces.show(window.workspaces.LIBRARY)
    for number, model_name in enumerate((REMESH, RETEXTURE), start=2):
        window.library_view.select(item_id)
        await wait_until(lambda: details.item is not None and details.item.id == item_id
                         and details.buttons["refine"].isEnabled(), 60)
        if number == 2:  # the shot shows the selected item in the preview, not its "Loading model…"
            await wait_until(lambda: window.preview.state() in ("scene", "error"), 60)
            await asyncio.sleep(0.5)
        button = details.buttons["refine"]
        button.click()  # the menu opens under the button
        await wait_until(details.refine_menu.isVisible, 10)
        if number == 2:
            await shot(window, "14-edit-with-menu", screen=True)
        action = next(a for a in details.refine_menu.actions() if a.text() == model_name)
        details.refine_menu.close()
        action.trigger()
        await wait_until(lambda: bool(panel.form.model_inputs()), 30)
        if model_name == RETEXTURE:
            panel.form.set_values({"prompt": "weathered sandstone with moss in the cracks"})
        await wait_until(window.generate_button.isEnabled, 30)
        if number == 2:  # the item the library showed is still arriving in the preview: a finished frame
            await wait_until(lambda: window.preview.state() in ("scene", "error"), 60)
            await asyncio.sleep(1.0)
            await shot(window, "15-edit-with-form")
        count = len(store.list())
        window.generate()
        await wait_until(lambda c=count: len(store.list()) > c and all(j.state.terminal for j in store.list()), 120)
        failed = [j for j in store.list() if j.state is not JobState.SUCCEEDED]
        if failed:
            raise RuntimeError(f"a refine job failed while taking screenshots: {failed[0].message}")
        window.workspaces.show(window.workspaces.LIBRARY)
    window.library_view.select(item_id)
    window.preview_panel.show_item(item_id)
    await wait_until(lambda: window.preview.state() == "scene", 60)
    versions = details.versions
    await wait_until(lambda: versions.list.count() >= 3, 30)
    details.reveal_versions()  # as a user scrolls the details to them
    await shot(window, "16-library-versions")
    versions.compare_button.click()  # the newest version beside the one it was made from
    await wait_until(lambda: window.compare_window is not None and window.compare_window.isVisible(), 30)
    await asyncio.sleep(3.0)  # both models load in the compare window's own views
    await shot(window.compare_window, "16b-compare-versions")
    window.compare_window.close()
    spending = open_spending(window)
    spending.resize(900, 560)
    await shot(spending, "17-spending")
    spending.close()
    return saved

