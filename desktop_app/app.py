"""GUI composition root: QApplication, the qasync event loop, core services and the main window."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import desktop_app
from desktop_app import APP_ID, APP_NAME
from desktop_app.core.errors import MeshwrightError
from desktop_app.core.logs import setup_logging
from desktop_app.core.settings import app_paths
from desktop_app.core.state_repair import StorageError
from desktop_app.resources import resource_path

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
EXIT_STORAGE = 6  # as the CLI: a folder Meshwright must write to is read-only, full or not a folder


def app_stylesheet() -> str:
    style = resource_path("styles/app.qss")
    return style.read_text(encoding="utf-8") if style.exists() else ""


def make_qapplication(argv: list[str], with_version: bool = True, with_style: bool = True,
                      with_icon: bool = True) -> QApplication:
    """``with_version=False`` leaves the version for later: reading the installed metadata costs ~25 ms.
    ``with_style=False`` leaves the stylesheet to the caller, to set once its window is built (ui/theme.py
    ``set_app_stylesheet``); ``with_icon=False`` the window icon, to set once its window is made."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    if with_version:
        app.setApplicationVersion(desktop_app.__version__)
    app.setDesktopFileName(APP_ID)  # Wayland/X11 docks match the window to meshwright.desktop (name + icon)
    if with_icon:
        from desktop_app.ui.app_icon import app_icon

        app.setWindowIcon(app_icon())
    if with_style:
        app.setStyleSheet(app_stylesheet())
    return app


def install_file_open_handler(app: QApplication, open_file: Callable[[str], None]) -> QObject:
    """macOS hands a double-clicked file to a running app as a FileOpen event, not on the command line.

    Only for macOS, the one platform Qt sends the event on: a filter on the application sees every event of every
    object, each one a call into Python. Elsewhere that cost ~12 ms of the start (the first event of a Qt-private
    object made PySide load every QObject class to type it, 83 enum types) and a Python call per event after."""
    from PySide6.QtCore import QEvent, QObject

    class FileOpenFilter(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.FileOpen and event.file():
                open_file(event.file())
                return True
            return False

    handler = FileOpenFilter(app)  # parented to the app: lives as long as it does
    app.installEventFilter(handler)
    return handler


def startup_failure_box(exc: BaseException) -> Any:
    """The dialog shown when Meshwright cannot start on this home (read-only, full, a file in the way)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop_app.core.state_repair import probe_folder, storage_error_for

    if isinstance(exc, MeshwrightError):
        text = exc.user_text()
    else:
        paths = app_paths()
        found = storage_error_for(exc, paths.data_dir) or probe_folder(paths.data_dir)
        text = found.user_text() if found else f"Meshwright could not open its files: {exc}"
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, f"Meshwright cannot start. {text}",
                      QMessageBox.StandardButton.Ok)
    box.setObjectName("startupFailure")
    return box


async def warm_up_preview(preview: Any) -> None:
    """Import the GL stack off the GUI thread (~0.3 s), then make the preview's GL view (a few ms), so neither
    the start nor the first model waits for them; then keep the start-up heap out of full collections."""
    def load() -> None:  # loader.py itself brings numpy and the mesh core: imported in the worker as well
        from desktop_app.ui.preview.loader import import_gl_modules

        import_gl_modules()

    try:
        await asyncio.to_thread(load)
    except Exception:  # the preview then says what is wrong when a model is opened; the app still starts
        log.exception("preloading the 3D preview failed")
    else:
        preview.warm_up()
    finally:
        freeze_startup_heap()


def freeze_startup_heap() -> None:
    """Move everything alive now (modules, classes, widgets: what the app keeps until it quits) out of the
    garbage collector's full passes. Without it a full collection walked that whole heap on whichever thread
    allocated at the time: a 270 ms GUI stall in benchmarks/responsiveness.py (its GC-pause line), long enough
    to land on a model's arrival or a display change. O(1); what is created later is collected as before.

    It also turns the collector back on: ``__main__`` turns it off while the window is made. The few cycles the
    start leaves (459 of 68k objects at the first frame) stay: collecting them first would be the stall above."""
    import gc

    gc.freeze()
    gc.enable()


def run_gui(args: list[str], model: str | None = None) -> int:
    """Open the window; ``model`` (a path from the command line) is shown in the preview once it is up."""
    # The core first, Qt after: once PySide6 is imported, every module imported after it has its source file read
    # (PySide's check for `from __feature__ import`), which costs ~10 ms over the ~100 pure-Python modules here.
    from desktop_app.services import build_services

    throwaway_home = None
    if "--self-test" in args and not os.environ.get("MESHWRIGHT_HOME"):
        import tempfile

        # A self-test must leave the user's library, settings and journal untouched.
        throwaway_home = tempfile.mkdtemp(prefix="meshwright-self-test-")
        os.environ["MESHWRIGHT_HOME"] = throwaway_home
    failure: BaseException | None = None
    try:
        paths = app_paths().ensure()
        setup_logging(paths.log_dir)
    except (MeshwrightError, OSError) as exc:  # a read-only or full home: said in a dialog below
        failure = exc
    if failure is None:  # before Qt too: the providers it loads are pure Python as well
        try:
            services = build_services(paths)
        except (MeshwrightError, OSError, sqlite3.Error) as exc:
            failure = exc
    from PySide6.QtCore import QCoreApplication, Qt

    from desktop_app.ui import feature_check

    feature_check.install()  # before the UI modules are imported: see there

    # Several GL views (preview, compare, thumbnails) share textures and programs only with this set.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = make_qapplication([a for a in args if a.startswith("-platform")], with_version=False, with_style=False,
                           with_icon=False)
    if failure is not None:
        from desktop_app.ui.app_icon import app_icon

        app.setWindowIcon(app_icon())
        box = startup_failure_box(failure)
        print(f"error: {box.text()}", file=sys.stderr)
        if "--self-test" not in args:
            box.exec()
        return EXIT_STORAGE if isinstance(failure, StorageError | OSError | sqlite3.Error) else 2
    from desktop_app.ui.event_loop import EventLoop

    loop = EventLoop(app)
    asyncio.set_event_loop(loop)

    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(services, automation="--screenshot-mode" in args)
    from desktop_app.ui.app_icon import app_icon
    from desktop_app.ui.gl_surface import create_for_gl
    from desktop_app.ui.theme import set_app_stylesheet

    set_app_stylesheet(app_stylesheet())  # built without it (faster), painted with it: before show
    # The icon after the window's native window is set up for GL (ui/gl_surface.py makes one, then makes it again
    # for OpenGL): each native window made decodes every icon size and sends it to the window system.
    create_for_gl(window)
    app.setWindowIcon(app_icon())
    if sys.platform == "darwin":  # the only system that sends it (see install_file_open_handler)
        install_file_open_handler(app, window.preview.open_file)
    from desktop_app.ui.crash_dialog import CrashReporter

    CrashReporter(window).install(loop)
    # The window decides when the process may end: after its async shutdown, not when Qt quits.
    app.setQuitOnLastWindowClosed(False)
    finished = asyncio.Event()
    window.shutDown.connect(finished.set)
    app.aboutToQuit.connect(finished.set)  # the session manager ended the app some other way

    async def main() -> int:
        code = 0
        window.show()
        if os.environ.get("MESHWRIGHT_STARTUP_PROBE"):
            # benchmarks/startup.py: report when the first frame is on screen, then leave.
            await asyncio.sleep(0)
            app.processEvents()
            print(f"shown {time.time():.6f} cpu {time.process_time():.6f}", flush=True)
            print("meshwright-window-shown", file=sys.stderr, flush=True)  # splits -X importtime output
            freeze_startup_heap()
            window.close()
        else:
            from desktop_app.ui.tasks import spawn

            app.setApplicationVersion(desktop_app.__version__)  # once the window is up (see make_qapplication)

            spawn(warm_up_preview(window.preview), name="preview warm-up")
            await asyncio.to_thread(services.secrets.preload)
            await window.start()
            if model and "--self-test" not in args:
                window.preview.open_file(Path(model).resolve())
                window.setWindowTitle(f"{Path(model).name} — {APP_NAME}")
            if "--self-test" not in args and "--screenshot-mode" not in args:
                window.account.first_run()
            if "--self-test" in args:
                from desktop_app.self_test import run_self_test

                code = await run_self_test(window)
                window.close()
        await finished.wait()
        # qasync's executor runs QThreads: they must end before the QApplication is destroyed.
        await asyncio.get_running_loop().shutdown_default_executor()
        return code

    with loop:
        try:
            return loop.run_until_complete(main())
        finally:
            services.store.close()
            services.library.close()
            if throwaway_home:  # the installed app's smoke test must not leave libraries behind in /tmp
                import shutil

                logging.shutdown()  # the log file lives in there
                shutil.rmtree(throwaway_home, ignore_errors=True)
