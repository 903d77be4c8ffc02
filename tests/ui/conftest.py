"""GUI test harness: a qasync loop per test (pytest-qt has none) and the real main window on a private home."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QThreadPool

from desktop_app.core.settings import app_paths
from desktop_app.services import build_services
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.tasks import wait_until

__all__ = ["wait_until"]


class LoopRunner:
    def __init__(self, loop: qasync.QEventLoop) -> None:
        self.loop = loop

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def until(self, condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
        async def wait() -> None:
            end = self.loop.time() + timeout
            while not condition():
                if self.loop.time() > end:
                    raise AssertionError(f"timed out waiting for {what}")
                await asyncio.sleep(0.02)

        self.loop.run_until_complete(wait())


@pytest.fixture
def qloop(qapp) -> Iterator[LoopRunner]:
    qapp.setQuitOnLastWindowClosed(False)  # closing a test's window must not stop the loop under it
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    runner = LoopRunner(loop)
    yield runner
    # Collect cycles here, on the GUI thread: the cyclic GC running in a worker thread would destroy
    # leftover QObjects there ("Timers cannot be stopped from another thread").
    gc.collect()
    loop.run_until_complete(asyncio.sleep(0))
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_default_executor())
    asyncio.set_event_loop(None)
    loop.close()
    # No test may leave Qt worker threads running (the preview loader uses the global pool).
    assert QThreadPool.globalInstance().waitForDone(5000), "a Qt worker thread outlived its test"


@pytest.fixture
def services_factory():
    made = []

    def make(**kwargs: Any):
        services = build_services(app_paths(), **kwargs)
        made.append(services)
        return services

    yield make
    for services in made:
        services.store.close()
        services.library.close()


@pytest.fixture
def main_window(qtbot, qloop, services_factory) -> Iterator[MainWindow]:
    services = services_factory()
    # Not qtbot.addWidget: pytest-qt would close it before this fixture's teardown, with no loop running.
    window = MainWindow(services, automation=True)
    window.show()
    qtbot.waitExposed(window)
    qloop.run(window.start())
    yield window
    if not window._closed:
        qloop.run(window._shutdown())
    # Delete it while the loop still runs, so no late repaint asks for work after the loop is gone.
    window.hide()
    window.deleteLater()
    qloop.run(asyncio.sleep(0.05))
