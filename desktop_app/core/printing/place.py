"""Put a mesh on the print plate: Z up, standing on z = 0, centred on X/Y, longest side N mm (Qt-free)."""

from __future__ import annotations

from typing import Any

import numpy as np


def y_up_to_z_up(mesh: Any) -> None:
    """glTF (and so every generator we use) is Y-up, slicers are Z-up: turn +Y into +Z, front kept facing -Y."""
    rotation = np.array([[1, 0, 0, 0], [0, 0, -1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=np.float64)
    mesh.apply_transform(rotation)


def place_on_plate(mesh: Any, size_mm: float | None = None, z_up: bool = True) -> float:
    """Scale (longest side to ``size_mm``), stand on z = 0 and centre on X/Y, in place; returns the scale used."""
    if z_up:
        y_up_to_z_up(mesh)
    scale = 1.0
    if size_mm is not None:
        if not (0 < size_mm < 1e7):
            raise ValueError("The size must be a positive number of millimetres.")
        extent = float(np.max(mesh.extents))
        if extent <= 0:
            raise ValueError("This model is flat or empty, so it cannot be scaled.")
        scale = size_mm / extent
        mesh.apply_scale(scale)
    lo, hi = np.asarray(mesh.bounds, dtype=np.float64)
    mesh.apply_translation([-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2]])
    return scale
