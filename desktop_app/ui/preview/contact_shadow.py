"""The soft shadow under a model: its footprint seen from above, blurred, as a small texture (numpy only).

Not a real shadow map (one more pass over every triangle each frame would cost software GL its frame budget):
vertices near the floor darken the texel below them strongly, higher ones faintly, and a blur softens the
result, which reads as the contact shadow of a studio shot. Built from at most ``MAX_POINTS`` vertices, so it
costs a few ms even for a 2M-triangle model, and only once per model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop_app.core.mesh.arrays import SceneArrays

SIZE = 64
MAX_POINTS = 60_000
MARGIN = 0.35  # of the footprint's larger side, on each side: room for the blur to fade out


@dataclass
class ContactShadow:
    alpha: np.ndarray  # (SIZE, SIZE) uint8, row 0 at the low end of the second horizontal axis
    corners: np.ndarray  # (4, 3) float32 model-space corners of the floor quad
    uvs: np.ndarray  # (4, 2) float32


PREPARED_KEY = "contact_shadow"  # SceneArrays.prepared: computed by the loader's worker


def prepare_contact_shadow(arrays: SceneArrays) -> None:
    """Compute the shadow now (off the GUI thread); ``contact_shadow`` then returns it at once."""
    arrays.prepared[PREPARED_KEY] = _compute(arrays)


def contact_shadow(arrays: SceneArrays) -> ContactShadow | None:
    """The shadow texture and its floor quad for ``arrays`` (None for a model with no extent)."""
    if PREPARED_KEY in arrays.prepared:
        return arrays.prepared[PREPARED_KEY]
    return _compute(arrays)


def _compute(arrays: SceneArrays) -> ContactShadow | None:
    up = 1 if arrays.up == "y" else 2
    h1, h2 = [a for a in range(3) if a != up]
    lo, hi = arrays.stats.bounds
    height = float(hi[up] - lo[up])
    total = sum(len(p.positions) for p in arrays.parts)
    if total == 0:
        return None
    step = max(1, total // MAX_POINTS)
    points = np.concatenate([p.positions[::step] for p in arrays.parts]).astype(np.float64)
    span = max(float(hi[h1] - lo[h1]), float(hi[h2] - lo[h2]), 1e-9)
    side = span * (1.0 + 2.0 * MARGIN)
    c1, c2 = (lo[h1] + hi[h1]) / 2.0, (lo[h2] + hi[h2]) / 2.0
    a0, b0 = c1 - side / 2.0, c2 - side / 2.0
    rel = (points[:, up] - lo[up]) / max(height, 1e-9) if height > 0 else np.zeros(len(points))
    weight = 0.25 + 3.0 * np.clip(1.0 - rel / 0.25, 0.0, 1.0) ** 2  # the part touching the floor counts most
    grid, _, _ = np.histogram2d(points[:, h2], points[:, h1], bins=SIZE, range=[[b0, b0 + side], [a0, a0 + side]],
                                weights=weight)
    grid = _blur(grid, sigma=SIZE / 40.0)
    grid = _blur(np.minimum(grid / max(_percentile(grid[grid > 0], 60.0) if (grid > 0).any() else 1.0, 1e-12),
                            1.0), sigma=SIZE / 28.0)
    alpha = np.clip(grid, 0.0, 1.0)
    floor = float(lo[up]) - 0.002 * max(height, span)  # just below the model: no fighting with its base
    corners = np.zeros((4, 3), dtype=np.float32)
    for i, (a, b) in enumerate(((a0, b0), (a0 + side, b0), (a0 + side, b0 + side), (a0, b0 + side))):
        corners[i, h1], corners[i, h2], corners[i, up] = a, b, floor
    uvs = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float32)
    return ContactShadow(np.ascontiguousarray((alpha * 255).astype(np.uint8)), corners, uvs)


def _percentile(values: np.ndarray, q: float) -> float:
    """np.percentile(values, q) (its default linear method), without the ~20 ms import of numpy.ma it makes."""
    position = q / 100.0 * (len(values) - 1)
    below = int(position)
    above = min(below + 1, len(values) - 1)
    part = np.partition(values, [below, above])
    return float(part[below] + (part[above] - part[below]) * (position - below))


def _blur(grid: np.ndarray, sigma: float) -> np.ndarray:
    radius = max(1, int(3 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    rows = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), 1, grid)
    return np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="same"), 0, rows)
