"""Per-provider pacing shared by all of a provider's jobs, so fifty jobs do not hammer one service."""

from __future__ import annotations

import asyncio
import time


class ProviderGate:
    """A cap on jobs running at once, a minimum gap between requests, and a shared pause after a 429."""

    def __init__(self, max_jobs: int = 2, min_interval: float = 0.25) -> None:
        self.max_jobs = max(1, int(max_jobs))
        self.jobs = asyncio.Semaphore(self.max_jobs)
        self.min_interval = min_interval
        self._next_at = 0.0
        self._pause_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every request of this provider for ``seconds`` (Retry-After or backoff)."""
        self._pause_until = max(self._pause_until, time.monotonic() + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        return max(0.0, self._pause_until - time.monotonic())

    async def request_slot(self) -> None:
        """Wait until this provider may be sent one more request."""
        async with self._lock:
            while True:
                now = time.monotonic()
                wait = max(self._pause_until, self._next_at) - now
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._next_at = time.monotonic() + self.min_interval


def backoff(attempt: int, base: float = 2.0, cap: float = 60.0) -> float:
    """Exponential backoff for the ``attempt``-th consecutive failure (1-based)."""
    return min(cap, base * (2 ** max(0, attempt - 1)))
