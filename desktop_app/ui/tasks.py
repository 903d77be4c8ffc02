"""One way to run coroutines from Qt slots (on the qasync loop), with errors shown rather than lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop_app.core.errors import MeshwrightError

log = logging.getLogger(__name__)
_live: set[asyncio.Task[Any]] = set()
# Set by ui/crash_dialog.py in the app: a failure nobody handles is shown in the crash dialog, not only logged.
unhandled: Callable[[BaseException, str], None] | None = None


def error_text(exc: BaseException) -> str:
    if isinstance(exc, MeshwrightError):
        return exc.user_text()
    return QCoreApplication.translate("tasks", "Something went wrong: %1").replace("%1", str(exc))


def spawn(
    coro: Coroutine[Any, Any, Any],
    on_error: Callable[[str], None] | None = None,
    name: str | None = None,
) -> asyncio.Task[Any]:
    """Schedule ``coro``; a failure is logged and passed to ``on_error`` as plain text. Cancellation is quiet."""
    task = asyncio.ensure_future(coro)
    if name:
        task.set_name(name)
    _live.add(task)

    def done(t: asyncio.Task[Any]) -> None:
        _live.discard(t)
        if t.cancelled():
            return
        exc = t.exception()
        if exc is None:
            return
        if not isinstance(exc, MeshwrightError):
            if on_error is None and unhandled is not None:
                unhandled(exc, f"task {t.get_name()}")  # logs it too
                return
            log.error("background task %s failed", t.get_name(), exc_info=exc)
        if on_error is not None:
            on_error(error_text(exc))

    task.add_done_callback(done)
    return task


def pending() -> list[asyncio.Task[Any]]:
    return [t for t in _live if not t.done()]


async def cancel_all() -> None:
    """Cancel every task started with spawn() except the caller's own."""
    current = asyncio.current_task()
    tasks = [t for t in pending() if t is not current]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Inside the running loop, wait until ``condition()`` holds (automation, self-test and GUI tests)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
