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
from collections import Counter
from pathlib import Path

_IDLE = frozenset({"wait", "select", "poll", "_worker", "accept", "readinto", "recv_into", "_recv_into", "get",
                   "serve_forever", "_wait_for_tstate_lock", "sleep"})
_ROOT = str(Path(__file__).resolve().parents[1])


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
        # (phase, seconds into the run, ms late, ms of GUI-thread CPU, ms of the whole process's CPU in that
        # interval) for stalls > 50 ms. The process's CPU includes the software rasteriser's threads (Mesa
        # llvmpipe draws in threads of its own while the GUI thread waits in glFinish): a stall with little of
        # either was the machine's (a core taken by another process), not work of ours.
        self.stalls: list[tuple[str, float, int, int, int]] = []
        self.sites: dict[str, Counter[str]] = {}  # phase -> "file:line function" -> samples while stalled
        self._beat = time.perf_counter()
        self._stop = threading.Event()
        self._gui_thread = threading.get_ident()
        self._started = time.perf_counter()
        self._task: asyncio.Task[None] | None = None
        self._watcher = threading.Thread(target=self._watch, name="stall-watcher", daemon=True)

        # Python's garbage collector pauses whichever thread allocates: (phase, generation, ms) of pauses > 20 ms
        self.gc_pauses: list[tuple[str, int, int]] = []
        self._gc_started = 0.0

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._tick())
        self._watcher.start()
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, event: str, info: dict) -> None:
        if event == "start":
            self._gc_started = time.perf_counter()
        elif (pause := time.perf_counter() - self._gc_started) > 0.02:
            self.gc_pauses.append((self.phase, int(info.get("generation", -1)), round(pause * 1000)))

    async def stop(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        self._stop.set()
        if self._task is not None:
            await self._task
        self._watcher.join(2)

    def worst_ms(self, *phases: str) -> float:
        values = [v for p in (phases or tuple(self.lateness)) for v in self.lateness.get(p, [])]
        return max(values, default=0.0) * 1000

    def worst_busy_ms(self, *phases: str) -> float:
        values = [v for p in (phases or tuple(self.busy)) for v in self.busy.get(p, [])]
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
            if late > 0.05:
                self.stalls.append((self.phase, round(now - self._started, 2), round(late * 1000),
                                    round(used * 1000), round(all_used * 1000)))
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
