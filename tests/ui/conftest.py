"""GUI test harness: a qasync loop per test (pytest-qt has none) and the real main window on a private home."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QThread, QThreadPool, QTimer

from desktop_app.core.settings import app_paths
from desktop_app.services import build_services
from desktop_app.ui.event_loop import EventLoop
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.tasks import wait_until

__all__ = ["wait_until"]


class LoopRunner:
    def __init__(self, loop: EventLoop) -> None:
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


@pytest.fixture(autouse=True)
def no_leaked_timers_or_threads(monkeypatch) -> Iterator[None]:
    """Fail a test that leaves a QTimer ticking or a QThread running (after napari's conftest)."""
    timers: weakref.WeakSet[QTimer] = weakref.WeakSet()
    threads: weakref.WeakSet[QThread] = weakref.WeakSet()
    timer_start, thread_start = QTimer.start, QThread.start

    def start_timer(self: QTimer, *args: Any) -> None:
        timers.add(self)
        timer_start(self, *args)

    def start_thread(self: QThread, *args: Any) -> None:
        threads.add(self)
        thread_start(self, *args)

    monkeypatch.setattr(QTimer, "start", start_timer)
    monkeypatch.setattr(QThread, "start", start_thread)
    yield
    leaked = [t for t in list(timers) if _alive(t) and t.isActive() and not t.isSingleShot()]
    running = [t for t in list(threads) if _alive(t) and t.isRunning()]
    assert not leaked, f"{len(leaked)} repeating QTimer(s) still running after the test"
    assert not running, f"{len(running)} QThread(s) still running after the test"


def _alive(obj: Any) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


@pytest.fixture
def qloop(qapp) -> Iterator[LoopRunner]:
    qapp.setQuitOnLastWindowClosed(False)  # closing a test's window must not stop the loop under it
    loop = EventLoop(qapp, already_running=False)
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
    if not window.closed():
        qloop.run(window.shutdown())
    # Delete it while the loop still runs, so no late repaint asks for work after the loop is gone.
    window.hide()
    window.deleteLater()
    qloop.run(asyncio.sleep(0.05))


def run_in_window(qloop: LoopRunner, window: MainWindow, body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Show and start ``window``, run ``body`` and shut the window down, all as one coroutine on the loop, so
    no HTTP request is left in flight when the loop stops (it would be stepped after the loop stopped)."""

    async def scenario() -> None:
        window.show()
        await window.start()
        try:
            await body()
        finally:
            await window.shutdown()
            window.hide()
            window.deleteLater()
            await asyncio.sleep(0.05)

    qloop.run(scenario(), timeout=120)


@pytest.fixture
def sphere_window(qtbot, qloop, services_factory, monkeypatch, tmp_path) -> Callable[..., None]:
    """Run ``body(window, emulator, item)`` in a started window over the Scenario emulator (jobs end at the first
    poll), with a sphere imported as the library item "Sphere": the start of every refine test."""
    from desktop_app.core.library.files import import_model
    from tests.emulators.common import make_glb
    from tests.emulators.scenario import ScenarioEmulator

    def run(body: Callable[..., Coroutine[Any, Any, None]]) -> None:
        with ScenarioEmulator() as emu:
            emu.middle_states = []
            monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
            monkeypatch.setenv("SCENARIO_SDK_API_KEY", emu.api_key)
            monkeypatch.setenv("SCENARIO_SDK_API_SECRET", emu.api_secret)
            source = tmp_path / "sphere.glb"
            source.write_bytes(make_glb(seed=3, subdivisions=3))
            window = MainWindow(services_factory(poll_override=(0.05, 0.2)), automation=False)

            async def scenario() -> None:
                item = import_model(window.services.library, source, "Sphere")
                window.library_panel.bus.libraryChanged.emit()
                await body(window, emu, item)

            run_in_window(qloop, window, scenario)

    return run


async def select_item(window: MainWindow, item_id: str) -> None:
    """Open the Library workspace and select ``item_id`` until its details show it."""
    from desktop_app.ui.main_layout import Workspaces

    window.workspaces.show(Workspaces.LIBRARY)
    details = window.library_panel.details
    await wait_until(lambda: window.library_view.select(item_id) is None and details.item is not None
                     and details.item.id == item_id, what="the item's details")


@pytest.fixture
def in_running_window(qtbot, qloop, services_factory, tmp_path):
    """``in_running_window(body)`` runs ``body(window, fake)`` in a main window whose only provider is a fake
    whose jobs keep running until a test says otherwise (queue and group tests)."""
    from desktop_app.providers.base import RemoteStatus
    from tests.fakes import FakeProvider

    def run(body) -> None:
        fake = FakeProvider(tmp_path / "served", script=[RemoteStatus.RUNNING])  # never finishes by itself
        services = services_factory(providers={"fake": fake}, poll_override=(0.05, 0.1))
        window = MainWindow(services, automation=False)
        run_in_window(qloop, window, lambda: body(window, fake))

    return run
