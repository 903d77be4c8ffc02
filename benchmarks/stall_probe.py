"""Measures how late the GUI loop runs, and samples where the GUI thread is when it is late.

``LoopProbe`` runs an asyncio timer on the (qasync) loop: its lateness is the loop's stall. A watcher thread
sees the timer's heartbeat go stale and takes the GUI thread's stack (``sys._current_frames``) every few ms
while it stays stale, so a stall is attributed to the code that caused it rather than guessed at.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
import traceback
from collections import Counter, deque
from pathlib import Path

_IDLE = frozenset({"wait", "select", "poll", "_worker", "accept", "readinto", "recv_into", "_recv_into", "get",
                   "serve_forever", "_wait_for_tstate_lock", "sleep"})
_ROOT = str(Path(__file__).resolve().parents[1])


def steal_ms() -> int:
    """CPU time the hypervisor has taken from this virtual machine since boot, all cores, in ms (10 ms steps;
    0 where the system does not say). A VM's core taken away for ~100 ms at a time stops every thread of the
    GUI with it: a slice it falls in says nothing of the code."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
        return 10 * int(fields[8])  # the "cpu" line: user nice system idle iowait irq softirq steal, in 1/100 s
    except (OSError, IndexError, ValueError):
        return 0


class LoopProbe:
    def __init__(self, interval: float = 0.01, sample_after: float = 0.02) -> None:
        self.interval = interval
        self.sample_after = sample_after
        self.phase = "start"
        self.lateness: dict[str, list[float]] = {}
        # CPU time the GUI thread itself used in each late tick's interval: near the lateness when our code
        # (or Qt) kept the loop busy, far below it when the thread was only waiting (for the GIL, or for a core
        # on a loaded machine).
        self.busy: dict[str, list[float]] = {}
        self.unstolen: dict[str, list[float]] = {}  # the lateness of the ticks no steal fell in
        # (phase, seconds into the run, ms late, ms of GUI-thread CPU, ms of the whole process's CPU in that
        # interval, ms the hypervisor took from the machine in it: ``steal_ms``) for stalls > 50 ms. The
        # process's CPU includes the software rasteriser's threads (Mesa llvmpipe draws in threads of its own
        # while the GUI thread waits in glFinish): a stall with little of either was the machine's (a core taken
        # by another process, or by the host), not work of ours.
        self.stalls: list[tuple[str, float, int, int, int, int]] = []
        self.sites: dict[str, Counter[str]] = {}  # phase -> "file:line function" -> samples while stalled
        self._beat = time.perf_counter()
        self._stop = threading.Event()
        self._gui_thread = threading.get_ident()
        self._started = time.perf_counter()
        self._task: asyncio.Task[None] | None = None
        self._watcher = threading.Thread(target=self._watch, name="stall-watcher", daemon=True)
        # The asyncio timer above needs two passes of the Qt event loop per tick (its timer fires, then the
        # task's wake-up runs), so its lateness can add two of our slices that the loop ran one after the
        # other, with input events handled between them. A 1 ms Qt timer fires once per pass: the longest gap
        # between its ticks is the longest single slice, the wait a click or key press can meet.
        self.slices: dict[str, float] = {}  # phase -> longest gap between two 1 ms Qt timer ticks, s
        self.long_slices: list[tuple[str, float, int, int]] = []  # (phase, s into the run, ms, ms of steal)
        self._qt_timer = None
        self._qt_last = 0.0
        self._steal_seen = steal_ms()  # updated by the asyncio tick: the count before any slice under way
        self._pending: list[tuple[str, float, int, int]] = []  # long slices whose steal is not counted yet

        # An input event waits for the whole pass of Qt's loop it arrives in: posted events (and the window
        # system's) are handled when a pass starts, and a pass runs every timer then due, so a paint and a timer's
        # turn can share one pass though the 1 ms timer above ticks between them. A thread posting an event every
        # 2 ms, as the window system's reader thread does with input, measures that wait itself.
        self.waits: dict[str, float] = {}  # phase -> longest wait of an event posted from another thread, s
        self._posted: deque[float] = deque()
        self._receiver = self._kind = None
        self._wait_from = float("inf")  # set when the loop runs
        self._poster = threading.Thread(target=self._post, name="input-poster", daemon=True)

        # Python's garbage collector pauses whichever thread allocates: (phase, generation, ms) of pauses > 20 ms
        self.gc_pauses: list[tuple[str, int, int]] = []
        self._gc_started = 0.0

    def start(self) -> None:
        from PySide6.QtCore import QTimer

        self._task = asyncio.ensure_future(self._tick())
        self._watcher.start()
        gc.callbacks.append(self._on_gc)
        self._qt_timer = QTimer()
        self._qt_timer.setInterval(1)
        self._qt_timer.timeout.connect(self._qt_tick)
        self._qt_timer.start()
        self._receiver, self._kind = _make_receiver(self._delivered)
        self._poster.start()

    def _post(self) -> None:
        from PySide6.QtCore import QCoreApplication, QEvent

        while not self._stop.wait(0.002):
            self._posted.append(time.perf_counter())
            QCoreApplication.postEvent(self._receiver, QEvent(self._kind))

    def _delivered(self) -> None:
        if self._posted:  # one thread posts, so they arrive in order
            posted = self._posted.popleft()
            wait = time.perf_counter() - posted
            if posted > self._wait_from and wait > self.waits.get(self.phase, 0.0):
                self.waits[self.phase] = wait

    def worst_wait_ms(self, *phases: str) -> float:
        """The longest an event posted from another thread (input, say) waited for the GUI thread, in ms."""
        return max((self.waits.get(p, 0.0) for p in (phases or tuple(self.waits))), default=0.0) * 1000

    def _qt_tick(self) -> None:
        now = time.perf_counter()
        if not self._qt_last:  # the first tick: the pass that started the timer is not a slice to count
            self._qt_last = self._wait_from = now  # nor are the waits of events posted before the loop ran
            return
        gap, self._qt_last = now - self._qt_last, now
        if gap > self.slices.get(self.phase, 0.0):
            self.slices[self.phase] = gap
        if gap > 0.05:  # its steal is counted at the next asyncio tick: the host's accounting lags a little
            self._pending.append((self.phase, round(now - self._started, 2), round(gap * 1000), self._steal_seen))

    def worst_slice_ms(self, *phases: str) -> float:
        return max((self.slices.get(p, 0.0) for p in (phases or tuple(self.slices))), default=0.0) * 1000

    def _on_gc(self, event: str, info: dict) -> None:
        if event == "start":
            self._gc_started = time.perf_counter()
        elif (pause := time.perf_counter() - self._gc_started) > 0.02:
            self.gc_pauses.append((self.phase, int(info.get("generation", -1)), round(pause * 1000)))

    async def stop(self) -> None:
        if self._qt_timer is not None:
            self._qt_timer.stop()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        self._stop.set()
        if self._task is not None:
            await self._task
        self._watcher.join(2)
        self._poster.join(2)

    def worst_ms(self, *phases: str) -> float:
        values = [v for p in (phases or tuple(self.lateness)) for v in self.lateness.get(p, [])]
        return max(values, default=0.0) * 1000

    def worst_busy_ms(self, *phases: str) -> float:
        values = [v for p in (phases or tuple(self.busy)) for v in self.busy.get(p, [])]
        return max(values, default=0.0) * 1000

    def worst_unstolen_ms(self, *phases: str) -> float:
        values = [v for p in (phases or tuple(self.unstolen)) for v in self.unstolen.get(p, [])]
        return max(values, default=0.0) * 1000

    def p99_ms(self, *phases: str) -> float:
        values = sorted(v for p in (phases or tuple(self.lateness)) for v in self.lateness.get(p, []))
        return values[int(len(values) * 0.99)] * 1000 if values else 0.0

    async def _tick(self) -> None:
        expected = time.perf_counter() + self.interval
        cpu = time.thread_time()
        process = time.process_time()
        while not self._stop.is_set():
            await asyncio.sleep(self.interval)
            now = time.perf_counter()
            self._beat = now
            late = max(0.0, now - expected)
            self.lateness.setdefault(self.phase, []).append(late)
            cpu, used = time.thread_time(), time.thread_time() - cpu
            process, all_used = time.process_time(), time.process_time() - process
            self.busy.setdefault(self.phase, []).append(used)
            total = steal_ms()
            steal, self._steal_seen = total - self._steal_seen, total
            for phase, at, ms, before in self._pending:
                self.long_slices.append((phase, at, ms, total - before))
            self._pending.clear()
            if not steal:
                self.unstolen.setdefault(self.phase, []).append(late)
            if late > 0.05:
                self.stalls.append((self.phase, round(now - self._started, 2), round(late * 1000),
                                    round(used * 1000), round(all_used * 1000), steal))
            expected = now + self.interval

    def _watch(self) -> None:
        while not self._stop.wait(0.004):
            if time.perf_counter() - self._beat - self.interval < self.sample_after:
                continue
            frames = sys._current_frames()
            frame = frames.get(self._gui_thread)
            if frame is None:
                continue
            counter = self.sites.setdefault(self.phase, Counter())
            counter[_site(traceback.extract_stack(frame))] += 1
            # Python work in other threads competes for the GIL: name it too, to tell a GIL wait from Qt work.
            for ident, other in frames.items():
                if ident not in (self._gui_thread, threading.get_ident()) and other.f_code.co_name not in _IDLE:
                    counter["  other thread: " + _site(traceback.extract_stack(other))] += 1


def _make_receiver(delivered):
    """A QObject of the GUI thread that calls ``delivered`` for each probe event (made on first use: this module
    imports no Qt at import time)."""
    from PySide6.QtCore import QEvent, QObject

    kind = QEvent.Type(QEvent.registerEventType())

    class Receiver(QObject):
        def event(self, event: QEvent) -> bool:
            if event.type() == kind:
                delivered()
                return True
            return super().event(event)

    return Receiver(), kind


def _site(stack: traceback.StackSummary) -> str:
    """The innermost frame in our own code, with the innermost frame overall when that is a library."""
    ours = [f for f in stack if f.filename.startswith(_ROOT) and "/benchmarks/" not in f.filename]
    inner = stack[-1]
    where = f"{Path(inner.filename).name}:{inner.lineno} {inner.name}"
    if not ours:
        return where
    own = ours[-1]
    mine = f"{Path(own.filename).relative_to(_ROOT)}:{own.lineno} {own.name}"
    return mine if own is inner else f"{mine} -> {where}"
