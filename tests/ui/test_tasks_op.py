"""The one task primitive: results on the GUI thread, failures as text, newest wins, lanes keep order."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from desktop_app.core.errors import MeshwrightError
from desktop_app.ui import tasks
from desktop_app.ui.tasks import Op, blocking, supersede


def _on_gui_thread(qapp) -> bool:
    return QThread.currentThread() is qapp.thread()


def test_blocking_op_runs_in_a_worker_and_delivers_on_the_gui_thread(qtbot, qapp) -> None:
    seen: dict[str, object] = {}

    def work(a: int, b: int) -> int:
        seen["worker"] = threading.current_thread() is not threading.main_thread()
        return a + b

    def done(value: int) -> None:
        seen["value"] = value
        seen["gui"] = _on_gui_thread(qapp)

    Op(work, 2, 3).success(done).run()
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen == {"worker": True, "value": 5, "gui": True}
    assert not tasks.busy()


def test_a_failure_reaches_the_failure_callback_as_text(qtbot) -> None:
    errors: list[str] = []
    successes: list[object] = []

    def work() -> None:
        raise MeshwrightError("The disk is full.")

    Op(work).success(successes.append).failure(errors.append).run()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == ["The disk is full."] and successes == []


def test_an_unhandled_bug_goes_to_the_crash_path(qtbot, monkeypatch) -> None:
    caught: list[BaseException] = []
    monkeypatch.setattr(tasks, "unhandled", lambda exc, where: caught.append(exc))
    Op(lambda: 1 / 0).run()
    qtbot.waitUntil(lambda: bool(caught), timeout=5000)
    assert isinstance(caught[0], ZeroDivisionError)


def test_latest_drops_a_stale_result(qtbot) -> None:
    release = threading.Event()
    shown: list[str] = []

    def slow() -> str:
        release.wait(5)
        return "old"

    old = Op(slow).latest("test-preview").success(shown.append).run()
    Op(lambda: "new").latest("test-preview").success(shown.append).run()
    qtbot.waitUntil(lambda: shown == ["new"], timeout=5000)
    release.set()
    qtbot.waitUntil(old.done, timeout=5000)
    qtbot.wait(50)
    assert shown == ["new"]
    assert old.stale()


def test_supersede_drops_what_is_running(qtbot) -> None:
    release = threading.Event()
    shown: list[str] = []
    op = Op(lambda: release.wait(5) and "late").latest("test-open").success(shown.append).run()
    supersede("test-open")  # e.g. the user opened another file directly
    release.set()
    qtbot.waitUntil(op.done, timeout=5000)
    qtbot.wait(50)
    assert shown == []


def test_serial_lane_keeps_the_order_started(qtbot) -> None:
    order: list[int] = []
    lock = threading.Lock()
    running = [0]
    overlap: list[bool] = []

    def write(n: int) -> int:
        with lock:
            running[0] += 1
            overlap.append(running[0] > 1)
        time.sleep(0.02 if n == 0 else 0.0)  # the first is slowest: without the lane it would finish last
        with lock:
            order.append(n)
            running[0] -= 1
        return n

    delivered: list[int] = []
    for n in range(6):
        Op(write, n).serial("test-writes").success(delivered.append).run()
    qtbot.waitUntil(lambda: len(delivered) == 6, timeout=5000)
    assert order == list(range(6)) and delivered == list(range(6))
    assert not any(overlap)


def test_coroutine_op_on_the_loop_with_latest_and_serial(qloop) -> None:
    import asyncio

    shown: list[str] = []
    order: list[int] = []

    async def show(name: str, delay: float) -> str:
        await asyncio.sleep(delay)
        return name

    async def write(n: int, delay: float) -> None:
        await asyncio.sleep(delay)
        order.append(n)

    async def scenario() -> None:
        Op(show, "old", 0.1).latest("test-coro").success(shown.append).run()
        Op(show, "new", 0.0).latest("test-coro").success(shown.append).run()
        Op(write, 1, 0.05).serial("test-coro-lane").run()
        last = Op(write, 2, 0.0).serial("test-coro-lane").run()
        assert last.task is not None
        await last.task
        await asyncio.sleep(0.15)

    qloop.run(scenario())
    assert shown == ["new"]
    assert order == [1, 2]


def test_blocking_awaitable_returns_and_raises(qloop) -> None:
    async def scenario() -> tuple[int, str]:
        value = await blocking(lambda x: x * 2, 21)
        with pytest.raises(ValueError):
            await blocking(int, "x")
        ordered: list[int] = []
        await asyncio_gather(*(blocking(ordered.append, n, serial="test-lane") for n in range(5)))
        return value, ",".join(map(str, ordered))

    import asyncio

    asyncio_gather = asyncio.gather
    assert qloop.run(scenario()) == (42, "0,1,2,3,4")


def test_nothing_is_delivered_to_a_deleted_owner(qtbot) -> None:
    from PySide6.QtWidgets import QLabel

    release = threading.Event()
    label = QLabel()
    op = Op(lambda: release.wait(5) and "late").success(label.setText).run()  # a method: the label owns it
    label.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(label), timeout=5000)
    release.set()
    qtbot.waitUntil(op.done, timeout=5000)  # no "already deleted" error reached the test


def test_cancel_all_silences_workers_but_a_write_still_lands(qloop) -> None:
    import asyncio

    release = threading.Event()
    written: list[int] = []
    delivered: list[object] = []

    async def scenario() -> None:
        first = Op(release.wait, 5).serial("test-shutdown").success(delivered.append).run()
        Op(written.append, 1).serial("test-shutdown").success(delivered.append).run()
        await tasks.cancel_all()
        release.set()
        while not first.done() or tasks.busy():
            await asyncio.sleep(0.01)

    qloop.run(scenario())
    assert written == [1] and delivered == []
