"""Per-provider pacing shared by all of a provider's jobs, so fifty jobs do not hammer one service."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType


class JobSlots:
    """A first-come first-served cap on jobs running at once whose size may change while jobs wait
    (the user edits the cap in Settings). An ``asyncio.Semaphore`` cannot be resized."""

    def __init__(self, capacity: Callable[[], int]) -> None:
        self._capacity = capacity
        self._running = 0
        self._waiting: list[asyncio.Future[None]] = []

    @property
    def capacity(self) -> int:
        return max(1, int(self._capacity()))

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def locked(self) -> bool:
        return self._running >= self.capacity or bool(self._waiting)

    async def acquire(self) -> None:
        if not self.locked():
            self._running += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif not waiter.cancelled():  # granted in the same step it was cancelled: hand the slot on
                self.release()
            raise

    def release(self) -> None:
        self._running -= 1
        self.wake()

    def wake(self) -> None:
        """Start waiting jobs while there is room (also after the cap grew)."""
        while self._waiting and self._running < self.capacity:
            waiter = self._waiting.pop(0)
            if not waiter.done():
                self._running += 1
                waiter.set_result(None)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.release()


class ProviderGate:
    """A cap on jobs running at once, a minimum gap between requests, and a shared pause after a 429."""

    def __init__(self, max_jobs: int | Callable[[], int] = 2, min_interval: float = 0.25) -> None:
        capacity = max_jobs if callable(max_jobs) else (lambda n=int(max_jobs): n)
        self.jobs = JobSlots(capacity)
        self.min_interval = min_interval
        self._next_at = 0.0
        self._pause_until = 0.0
        self._lock = asyncio.Lock()
        self.requests = 0  # requests let through; benchmarks and tests read it

    @property
    def max_jobs(self) -> int:
        return self.jobs.capacity

    def pause(self, seconds: float) -> None:
        """Hold every request of this provider for ``seconds`` (Retry-After or backoff)."""
        self._pause_until = max(self._pause_until, time.monotonic() + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        return max(0.0, self._pause_until - time.monotonic())

    async def request_slot(self) -> None:
        """Wait until this provider may be sent one more request."""
        self.jobs.wake()  # the cap may have grown in Settings since the last request
        async with self._lock:
            while True:
                now = time.monotonic()
                wait = max(self._pause_until, self._next_at) - now
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._next_at = time.monotonic() + self.min_interval
            self.requests += 1


def backoff(attempt: int, base: float = 2.0, cap: float = 60.0) -> float:
    """Exponential backoff for the ``attempt``-th refusal of a paid submit in a row (1-based): the service said
    "not accepted", so trying again is safe. Reads, polls and downloads use core/retry.py instead."""
    return min(cap, base * (2 ** max(0, attempt - 1)))
