"""Background work in the UI: one primitive, :class:`Op`, and the coroutine runner it sits on (``spawn``).

Blocking functions (file reads, SQLite, keychain, numpy) run in a worker thread; coroutines run on the qasync
loop. Either way the result comes back on the GUI thread, to the ``success`` callback; a failure goes to the
``failure`` callback as plain text (:func:`error_text`), or to the crash dialog (``unhandled``) when nobody
handles it. ``latest(key)``: only the newest op with that key delivers (clicking through items quickly must not
show an old one late). ``serial(lane)``: ops in the same lane run one after another, in the order started
(writes that must land in order)::

    Op(library.get, item_id).latest("preview").success(self.open_item).failure(bus.error).run()

Inside a coroutine, ``await blocking(fn, *args)`` is the same worker thread without the callbacks.
The named exceptions keep their own thread: the GL render thread (ui/preview/offscreen.py, it owns a GL
context) and the SQLite reader thread of the library search (ui/library/view.py with core/library/search.py,
it owns a connection and folds queued searches into the newest).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.secrets_scrub import scrub

log = logging.getLogger(__name__)
_live: set[asyncio.Task[Any]] = set()
# Set by ui/crash_dialog.py in the app: a failure nobody handles is shown in the crash dialog, not only logged.
unhandled: Callable[[BaseException, str], None] | None = None

WORKERS = 16  # threads are started on demand; a stuck keychain call must not hold up every other op
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_lanes: dict[str, deque[Callable[[], None]]] = {}  # lane -> jobs waiting behind the one running
_lane_tails: dict[str, asyncio.Future[Any]] = {}  # lane -> the last coroutine op started in it
_latest: dict[str, int] = {}
_counter = itertools.count(1)
_busy = 0  # blocking jobs started and not yet delivered
_running: set[Op] = set()  # their ops, so that shutting down can silence them
SETTINGS_LANE = "settings-writes"  # settings.json is written whole: the last change saved must land last


def error_text(exc: BaseException) -> str:
    """What the user reads about a failure; never a credential, whatever the exception carried."""
    if isinstance(exc, MeshwrightError):
        return scrub(exc.user_text())
    return scrub(QCoreApplication.translate("tasks", "Something went wrong: %1").replace("%1", str(exc)))


def spawn(
    coro: Coroutine[Any, Any, Any] | Awaitable[Any],
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
        if exc is not None:
            _report(exc, on_error, t.get_name())

    task.add_done_callback(done)
    return task


def _report(exc: BaseException, on_error: Callable[[str], None] | None, name: str) -> None:
    if not isinstance(exc, MeshwrightError):
        if on_error is None and unhandled is not None:
            unhandled(exc, f"task {name}")  # logs it too
            return
        log.error("background task %s failed", name, exc_info=exc)
    elif on_error is None:
        log.info("background task %s: %s", name, exc.user_text())
    if on_error is not None:
        on_error(error_text(exc))


# --- worker threads ------------------------------------------------------------------------------------------


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="op")
        return _pool


def _submit(job: Callable[[], None], lane: str | None) -> None:
    """Run ``job`` in a worker; jobs of one lane run one at a time, in order, on whichever worker is free."""
    if lane is None:
        _executor().submit(job)
        return
    with _pool_lock:
        waiting = _lanes.get(lane)
        if waiting is not None:
            waiting.append(job)
            return
        _lanes[lane] = deque()
    _executor().submit(_drain, lane, job)


def _drain(lane: str, job: Callable[[], None]) -> None:
    while True:
        job()
        with _pool_lock:
            waiting = _lanes[lane]
            if not waiting:
                del _lanes[lane]
                return
            job = waiting.popleft()


async def blocking(fn: Callable[..., Any], *args: Any, serial: str | None = None, **kwargs: Any) -> Any:
    """Inside a coroutine: run ``fn(*args, **kwargs)`` in a worker thread and return its result."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if not future.done():
            (future.set_result if ok else future.set_exception)(value)

    def job() -> None:
        try:
            outcome = (True, fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting coroutine, which decides
            outcome = (False, exc)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the loop closed while we worked (the app is quitting)
            pass

    _submit(job, serial)
    return await future


class _Relay(QObject):
    """Carries a finished worker's callback to the GUI thread (a queued signal)."""

    deliver = Signal(object)

    @Slot(object)
    def _run(self, callback: Callable[[], None]) -> None:
        callback()


_relay: _Relay | None = None


def _gui_relay() -> _Relay:
    global _relay
    if _relay is None:
        app = QCoreApplication.instance()
        assert app is not None and QThread.currentThread() is app.thread(), "start an Op on the GUI thread"
        _relay = _Relay()
        _relay.deliver.connect(_relay._run)
    return _relay


# --- the primitive ---------------------------------------------------------------------------------------------


def supersede(key: str) -> None:
    """Drop the results of every op with this ``latest`` key still running (something newer was shown)."""
    _latest[key] = next(_counter)


def is_current(key: str, token: int) -> bool:
    return _latest.get(key) == token


class Op:
    """``Op(fn_or_coroutine_function, *args).success(cb).failure(cb).latest(key).serial(lane).run()``."""

    def __init__(self, fn: Callable[..., Any] | Coroutine[Any, Any, Any], *args: Any, **kwargs: Any) -> None:
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[str], None] | None = None
        self._on_finished: Callable[[], None] | None = None
        self._owner: QObject | None = None
        self._key: str | None = None
        self._token = 0
        self._lane: str | None = None
        self._name = getattr(fn, "__qualname__", None) or repr(fn)
        self.task: asyncio.Task[Any] | None = None
        self._finished = False
        self._cancelled = False

    def success(self, callback: Callable[[Any], None]) -> Op:
        self._on_success = callback
        bound_to = getattr(callback, "__self__", None)
        if self._owner is None and isinstance(bound_to, QObject):
            self._owner = bound_to
        return self

    def owner(self, obj: QObject) -> Op:
        """Deliver nothing once ``obj`` is deleted (a widget closed while its op ran). A callback that is a
        method of a QObject makes that object the owner by itself; say it for lambdas."""
        self._owner = obj
        return self

    def failure(self, callback: Callable[[str], None]) -> Op:
        self._on_failure = callback
        return self

    def finished(self, callback: Callable[[], None]) -> Op:
        """Called on the GUI thread when the op ends, delivered or not (busy counters, spinners)."""
        self._on_finished = callback
        return self

    def latest(self, key: str) -> Op:
        """Only the newest op started with ``key`` delivers; older ones finish quietly."""
        self._key = key
        return self

    def serial(self, lane: str) -> Op:
        """Run after every op started earlier in ``lane`` has finished (its writes land in order)."""
        self._lane = lane
        return self

    def named(self, name: str) -> Op:
        self._name = name
        return self

    def stale(self) -> bool:
        """True when a newer op with the same key started (or the op was cancelled): its result is not wanted."""
        if self._owner is not None and not shiboken6.isValid(self._owner):
            return True
        return self._cancelled or (self._key is not None and not is_current(self._key, self._token))

    def cancel(self) -> None:
        """Do not deliver; a coroutine is cancelled, a function in a worker runs to its end unheard."""
        self._cancelled = True
        if self.task is not None:
            self.task.cancel()

    def done(self) -> bool:
        return self._finished or self._cancelled

    def run(self) -> Op:
        if self._key is not None:
            self._token = next(_counter)
            _latest[self._key] = self._token
        if inspect.iscoroutine(self._fn) or inspect.iscoroutinefunction(self._fn):
            self.task = spawn(self._coroutine(), self._on_failure, name=self._name)
        else:
            self._start_blocking()
        return self

    async def _coroutine(self) -> None:
        previous = _lane_tails.get(self._lane) if self._lane else None
        if self._lane:
            _lane_tails[self._lane] = asyncio.current_task()  # type: ignore[assignment]
        try:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            coro = self._fn if inspect.iscoroutine(self._fn) else self._fn(*self._args, **self._kwargs)
            result = await coro
        except Exception as exc:
            if self.stale():  # nobody waits for this one any more
                log.info("dropped the failure of a superseded op %s: %r", self._name, exc)
                return
            raise
        finally:
            if self._lane and _lane_tails.get(self._lane) is asyncio.current_task():
                del _lane_tails[self._lane]
            self._finished = True
            if self._on_finished is not None:
                self._on_finished()
        self._succeed(result)

    def _start_blocking(self) -> None:
        global _busy
        relay = _gui_relay()
        _busy += 1
        _running.add(self)

        def job() -> None:
            try:
                # A read nobody will see is skipped; a write (no latest key) always runs, seen or not.
                skip = self._key is not None and self.stale()
                value = None if skip else self._fn(*self._args, **self._kwargs)
                outcome = functools.partial(self._succeed, value)
            except BaseException as exc:  # delivered on the GUI thread like any failure
                outcome = functools.partial(self._fail_exc, exc)
            try:
                relay.deliver.emit(lambda: self._finish(outcome))
            except RuntimeError:  # the relay is gone: the app is quitting
                pass

        _submit(job, self._lane)

    def _finish(self, outcome: Callable[[], None]) -> None:
        global _busy
        _busy -= 1
        _running.discard(self)
        self._finished = True
        try:
            outcome()
        finally:
            if self._on_finished is not None:
                self._on_finished()

    def _succeed(self, value: Any) -> None:
        if self.stale():
            return
        if self._on_success is not None:
            self._on_success(value)

    def _fail_exc(self, exc: BaseException) -> None:
        if self.stale():
            log.info("dropped the failure of a superseded op %s: %r", self._name, exc)
            return
        _report(exc, self._on_failure, self._name)


def busy() -> bool:
    """True while a blocking op has not delivered yet (tests and the shutdown wait on it)."""
    return _busy > 0


def pending() -> list[asyncio.Task[Any]]:
    return [t for t in _live if not t.done()]


async def cancel_all() -> None:
    """Cancel every task started with spawn() except the caller's own; ops in workers deliver nothing more
    (a write still lands: only its callbacks are dropped)."""
    for op in list(_running):
        op._cancelled = True
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
