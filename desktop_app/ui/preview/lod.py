"""Which motion proxy to draw while the camera moves: the finest one whose measured draw fits a time budget.

Software GL (llvmpipe, our floor) draws a 100k-triangle textured proxy in ~70 ms at 800x600 under load; a
laptop GPU in 1 ms. So no fixed proxy size suits every machine: the item keeps a few (core/mesh/proxy.py,
``motion_proxies``), times each moving frame's draw (with a glFinish, so the time is the rasteriser's, not
just the command queue's) and this picks the level for the next frame. Levels are indexed finest first.
"""

from __future__ import annotations

DRAW_BUDGET_S = 0.020  # the model's share of a 33 ms frame; composition, grid and events take the rest
# While the full-detail frame of a still camera is built in chunks (progressive.py), the proxy is drawn once
# per change and shown for well under a second: a coarser one, so that paint and the window's composition
# after it (10-30 ms on llvmpipe) stay far from 50 ms even when the estimate is a look behind (a new shading
# mode or background costs more per pixel than the one measured).
STILL_BUDGET_S = 0.010
SMOOTHING = 0.4  # weight of the newest measurement in a level's running estimate
FILL_SHARE = 0.5  # share of a draw's time assumed not to scale with triangles (pixels to fill, at any level)


class LodChooser:
    def __init__(self, triangles: list[int], budget_s: float = DRAW_BUDGET_S) -> None:
        self.triangles = triangles  # per level, finest first
        self.budget = budget_s
        self._seconds: dict[int, float] = {}  # running estimate per measured level
        # the coarsest until something is measured: the first proxy frame must not be a long one
        self.level = len(triangles) - 1

    def record(self, level: int, seconds: float) -> None:
        """One moving frame drew ``level`` in ``seconds``; choose the level for the next one."""
        old = self._seconds.get(level)
        self._seconds[level] = seconds if old is None else old + SMOOTHING * (seconds - old)
        self.level = self.choose()

    def estimate(self, level: int) -> float | None:
        """Measured, else scaled from the nearest measured level (None: nothing measured). Only part of a draw
        scales with triangles; the rest is filling the model's pixels, the same at every level."""
        if level in self._seconds:
            return self._seconds[level]
        if not self._seconds:
            return None
        near = min(self._seconds, key=lambda k: abs(k - level))
        ratio = self.triangles[level] / max(1, self.triangles[near])
        return self._seconds[near] * (FILL_SHARE + (1.0 - FILL_SHARE) * ratio)

    def choose(self, budget_s: float | None = None) -> int:
        """The finest level whose estimate fits ``budget_s`` (default: the moving frame's budget)."""
        budget = self.budget if budget_s is None else budget_s
        for level in range(len(self.triangles)):  # finest first
            seconds = self.estimate(level)
            if seconds is not None and seconds <= budget:
                return level
        return len(self.triangles) - 1  # even the coarsest is over budget: it is still the fastest
