"""GUI composition root: QApplication, the qasync event loop, core services and the main window."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import TYPE_CHECKING

from desktop_app import APP_NAME, __version__
from desktop_app.core.logs import setup_logging
from desktop_app.resources import resource_path

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


def make_qapplication(argv: list[str]) -> QApplication:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("meshwright")
    style = resource_path("styles/app.qss")
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def run_gui(args: list[str]) -> int:
    import qasync

    from desktop_app.core.settings import app_paths
    from desktop_app.services import build_services

    if "--self-test" in args and not os.environ.get("MESHWRIGHT_HOME"):
        import tempfile

        # A self-test must leave the user's library, settings and journal untouched.
        os.environ["MESHWRIGHT_HOME"] = tempfile.mkdtemp(prefix="meshwright-self-test-")
    paths = app_paths().ensure()
    setup_logging(paths.log_dir)
    from PySide6.QtCore import QCoreApplication, Qt

    # Several GL views (preview, compare, thumbnails) share textures and programs only with this set.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = make_qapplication([a for a in args if a.startswith("-platform")])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    services = build_services(paths)

    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(services, automation="--screenshot-mode" in args)
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
            print(f"shown {time.time():.6f}", flush=True)
            window.close()
        else:
            await asyncio.to_thread(services.secrets.preload)
            await window.start()
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
