"""`make screenshots`: drive the real window through its main states and save a PNG of each.

Runs in automation mode (paid models disabled) with a throw-away MESHWRIGHT_HOME, using the offline generator.
Usage: python -m desktop_app.tools.screenshots OUT_DIR [IMAGE ...]
(``--hidpi`` first: only the main window at a 2x scale; ``--refine``: Edit with…, versions and Spending over the
Scenario emulator. The normal run starts both itself, each in a process of its own.)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

DEFAULT_IMAGES = ("typical_building_castle.png", "typical_creature_dragon.png")


def _fixture_images() -> list[Path]:
    root = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "images"
    return [root / name for name in DEFAULT_IMAGES if (root / name).exists()]


async def capture(window: MainWindow, out: Path, images: list[Path]) -> list[Path]:
    from desktop_app.core.jobs.store import JobState
    from desktop_app.ui.tasks import wait_until
    from desktop_app.ui.theme import apply_theme

    saved: list[Path] = []

    async def shot(name: str) -> None:
        await asyncio.sleep(0.4)  # let layouts settle and GL paint
        path = out / f"{name}.png"
        window.grab().save(str(path))
        saved.append(path)

    window.resize(1366, 768)  # the most common laptop screen: every main-window shot is taken at this size
    await wait_until(lambda: window.generate_panel.schema() is not None)
    await shot("01-empty")
    window.drop_zone.add_paths(images[:1])
    await wait_until(lambda: not window.drop_zone.pending() and window.generate_button.isEnabled())
    await shot("02-image-added")
    store = window.services.store
    window.generate()
    await wait_until(lambda: any(j.state.active for j in store.list()))
    await shot("03-job-running")
    await wait_until(lambda: all(j.state.terminal for j in store.list()) and window.preview.state() == "scene")
    await shot("04-model-preview")
    for image in images[1:]:
        window.drop_zone.clear()
        window.drop_zone.add_paths([image])
        await wait_until(lambda: not window.drop_zone.pending() and window.generate_button.isEnabled())
        count = len(store.list())
        window.generate()
        await wait_until(lambda c=count: len(store.list()) > c and all(j.state.terminal for j in store.list()))
        await wait_until(lambda: window.preview.state() == "scene")
    await wait_until(lambda: window.library_view.model.rowCount() >= len(images))
    failed = [j for j in store.list() if j.state is not JobState.SUCCEEDED]
    if failed:
        raise RuntimeError(f"job failed while taking screenshots: {failed[0].message}")
    window.workspaces.show(window.workspaces.LIBRARY)
    view = window.library_view
    await wait_until(lambda: bool(view.current_id()))
    # The newest item, the last job's: the queue has that job selected, so grid, queue and preview agree (which
    # item the grid had made current depended on when its reload met the jobs' ends)
    view.select(view.model.id_at(0))
    window.preview_panel.show_item(view.current_id())  # as a click on the item does: details and preview agree
    await wait_until(lambda: window.preview_panel.open_id == view.current_id()
                     and window.preview.state() == "scene", 60)
    section = window.library.details.printability
    await wait_until(lambda: section.verdict is not None, 120)  # the check runs in a worker
    await shot("05-library")
    window.library_view.set_list_mode(True)
    await shot("05b-library-list")
    window.library_view.set_list_mode(False)
    window.library.export(window.library_view.current_id())
    await wait_until(lambda: getattr(window.library, "export_dialog", None) is not None)
    await asyncio.sleep(0.4)
    path = out / "05c-export.png"
    window.library.export_dialog.grab().save(str(path))
    saved.append(path)
    window.library.export_dialog.reject()
    await trash_shots(window, out, saved)
    for scheme in ("light", "dark"):
        apply_theme(scheme)
        await shot(f"06-main-{scheme}")
        await dialog_shots(window, out, scheme, saved)
    apply_theme("light")
    window.resize(1920, 1080)  # a desktop monitor: both workspaces
    for index, name in ((window.workspaces.CREATE, "12-create-1920x1080"), (window.workspaces.LIBRARY,
                                                                            "13-library-1920x1080")):
        window.workspaces.show(index)
        await shot(name)
    window.workspaces.show(window.workspaces.CREATE)
    return saved


async def trash_shots(window: MainWindow, out: Path, saved: list[Path]) -> None:
    """Delete the oldest item (the Undo bar), look at it in the Library trash dialog, and restore it."""
    from desktop_app.ui.tasks import wait_until

    view = window.library_view
    count = view.model.rowCount()
    window.library.delete([view.model.id_at(count - 1)])
    await wait_until(lambda: view.model.rowCount() == count - 1 and view.undo_bar.isVisible())
    await asyncio.sleep(0.4)
    for name, widget in (("05d-deleted", window), ("05e-trash", window.library)):
        if widget is window.library:
            window.library.show_trash()
            widget = window.library.trash_dialog
            await wait_until(lambda: window.library.trash_dialog.list.topLevelItemCount() == 1)
            await asyncio.sleep(0.4)
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        saved.append(path)
    dialog = window.library.trash_dialog
    dialog.restore_button.click()
    await wait_until(lambda: view.model.rowCount() == count and dialog.list.topLevelItemCount() == 0)
    dialog.close()


async def dialog_shots(window: MainWindow, out: Path, scheme: str, saved: list[Path]) -> None:
    """The welcome and the Settings pages, as a first-time user sees them."""

    async def grab(widget, name: str) -> None:
        await asyncio.sleep(0.6)  # the keychain look-up runs in a worker
        path = out / f"{name}-{scheme}.png"
        widget.grab().save(str(path))
        saved.append(path)

    welcome = window.account.open_welcome()
    await grab(welcome, "07-welcome")
    welcome.done(0)
    dialog = window.account.open_settings()
    for index, name in enumerate(("08-settings-accounts", "09-settings-general", "10-settings-advanced")):
        dialog.tabs.setCurrentIndex(index)
        await grab(dialog, name)
    dialog.reject()
    return saved


async def capture_hidpi(window: MainWindow, out: Path, images: list[Path]) -> list[Path]:
    """The main window with a finished model, drawn at the 2x scale of a high-DPI screen."""
    from desktop_app.ui.tasks import wait_until

    window.resize(1440, 900)  # logical pixels: a 2880x1800 high-DPI laptop screen
    await wait_until(lambda: window.generate_panel.schema() is not None)
    window.drop_zone.add_paths(images[:1])
    await wait_until(lambda: not window.drop_zone.pending() and window.generate_button.isEnabled())
    window.generate()
    store = window.services.store
    await wait_until(lambda: bool(store.list()) and all(j.state.terminal for j in store.list())
                     and window.preview.state() == "scene")
    await wait_until(lambda: window.library_view.model.rowCount() >= 1)
    await asyncio.sleep(2.0)  # the thumbnail is rendered, saved, then loaded in a worker
    saved = []
    for index, name in ((window.workspaces.CREATE, "11-main-hidpi"), (window.workspaces.LIBRARY, "11b-library-hidpi")):
        window.workspaces.show(index)
        await asyncio.sleep(0.5)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        saved.append(path)
    return saved


def _run_stage(stage: str, out: Path, images: list[Path], **env: str) -> list[Path]:
    """A scale factor only applies to a new process, as on a real screen, and the emulator's address must be set
    before the providers are built: each such stage runs in a process of its own."""
    import subprocess

    env = {**os.environ, **env}  # main() gives it a throw-away MESHWRIGHT_HOME of its own
    done = subprocess.run([sys.executable, "-m", "desktop_app.tools.screenshots", stage, str(out),
                           *map(str, images)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the {stage} screenshots failed:\n{done.stderr[-2000:]}")
    return [Path(line) for line in done.stdout.splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    stage = argv[0] if argv and argv[0] in ("--hidpi", "--refine") else ""
    argv = argv[1:] if stage else argv
    out = Path(argv[0] if argv else "docs/screenshots").resolve()
    images = [Path(a).resolve() for a in argv[1:]] or _fixture_images()
    if not images:
        print("no input images: pass some on the command line", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="meshwright-shots-")
    os.environ["MESHWRIGHT_HOME"] = home
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

    from desktop_app.app import make_qapplication
    from desktop_app.services import build_services
    from desktop_app.ui.event_loop import EventLoop
    from desktop_app.ui.main_window import MainWindow

    emulator = None
    if stage == "--refine":
        from desktop_app.tools.screenshots_refine import start_emulator
        emulator = start_emulator()
    app = make_qapplication([])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    services = build_services()
    # Automation refuses paid models; the refine stage needs them, and its only service is the loopback emulator.
    window = MainWindow(services, automation=stage != "--refine")

    async def run() -> list[Path]:
        window.show()
        await window.start()
        try:
            if stage == "--refine":
                from desktop_app.tools.screenshots_refine import capture_refine
                return await capture_refine(window, out, images)
            return await (capture_hidpi if stage else capture)(window, out, images)
        finally:
            await window.shutdown()

    try:
        with loop:
            saved = loop.run_until_complete(run())
    finally:
        if emulator is not None:
            emulator.__exit__(None, None, None)
    if not stage:
        saved += _run_stage("--hidpi", out, images, QT_SCALE_FACTOR="2")
        from desktop_app.tools.screenshots_refine import emulator_available
        if emulator_available():
            saved += _run_stage("--refine", out, images)
        else:
            print("the refine screenshots need the repository's tests/emulators: skipped", file=sys.stderr)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
