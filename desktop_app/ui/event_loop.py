"""The asyncio loop on Qt's event loop: qasync's, with one correction.

qasync's ``run_until_complete`` processes pending Qt events once more after the loop stopped, and by then it has
already cleared the running loop. A coroutine woken in that pass (a worker's result arriving just as the awaited
future finished) steps with no running loop, and its next ``asyncio.get_running_loop()`` (``blocking``,
``asyncio.sleep``) raises "no running event loop": the task dies and its work is lost. The app runs the loop once,
so it met this at quit at most; the tests, the screenshots and the layout check run it many times in a row and
met it whenever a thumbnail finished at the moment a wait ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import qasync
from PySide6.QtCore import QCoreApplication, QEventLoop

T = TypeVar("T")


class EventLoop(qasync.QEventLoop):
    def run_until_complete(self, future: Awaitable[T]) -> T:  # type: ignore[override]
        task = asyncio.ensure_future(future, loop=self)

        def stop(_: Any) -> None:
            self.stop()

        task.add_done_callback(stop)
        try:
            self.run_forever()
        finally:
            task.remove_done_callback(stop)
        # qasync's last pass over the events that came in while stopping, with this loop still the running one.
        asyncio.events._set_running_loop(self)
        try:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
        finally:
            asyncio.events._set_running_loop(None)
        if not task.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return task.result()
