"""3-D boolean grids for the print repair's solid rebuild, in numpy (the bundle carries no scipy).

Each function matches the ``scipy.ndimage`` call it replaces for what the rebuild uses: the face-connected
(6-neighbour) cross as structuring element, ``reflect`` edges for the blur, constant outside for sampling.
tests/unit/test_voxels.py compares them with scipy where scipy is installed (it is a dev dependency).
"""

from __future__ import annotations

import numpy as np

from desktop_app.core.relief.raster import components


def _neighbours(grid: np.ndarray, fill: bool) -> list[np.ndarray]:
    """The six face neighbours of every voxel (``fill`` outside the grid)."""
    padded = np.pad(grid, 1, constant_values=fill)
    return [padded[2:, 1:-1, 1:-1], padded[:-2, 1:-1, 1:-1], padded[1:-1, 2:, 1:-1],
            padded[1:-1, :-2, 1:-1], padded[1:-1, 1:-1, 2:], padded[1:-1, 1:-1, :-2]]


def dilate(grid: np.ndarray) -> np.ndarray:
    out = grid.copy()
    for n in _neighbours(grid, False):
        out |= n
    return out


def erode(grid: np.ndarray) -> np.ndarray:
    """Erosion with voxels outside the grid counted as empty (scipy's ``border_value=0``)."""
    out = grid.copy()
    for n in _neighbours(grid, False):
        out &= n
    return out


def close(grid: np.ndarray) -> np.ndarray:
    """``ndimage.binary_closing(grid, iterations=1)``: dilation, then erosion."""
    return erode(dilate(np.asarray(grid, bool)))


def fill_holes(grid: np.ndarray) -> np.ndarray:
    """``ndimage.binary_fill_holes``: every empty voxel not connected (by faces) to the border becomes full."""
    grid = np.asarray(grid, bool)
    empty = ~grid
    idx = np.arange(grid.size, dtype=np.int64).reshape(grid.shape)
    us, vs = [], []
    for axis in range(3):
        a = [slice(None)] * 3
        b = [slice(None)] * 3
        a[axis], b[axis] = slice(None, -1), slice(1, None)
        both = empty[tuple(a)] & empty[tuple(b)]
        us.append(idx[tuple(a)][both])
        vs.append(idx[tuple(b)][both])
    roots = components(grid.size, np.concatenate(us), np.concatenate(vs)).reshape(grid.shape)
    border = np.zeros(grid.shape, bool)
    border[[0, -1], :, :] = border[:, [0, -1], :] = border[:, :, [0, -1]] = True
    outside_roots = np.unique(roots[border & empty])
    outside = empty & np.isin(roots, outside_roots)
    return ~outside


def gaussian(field: np.ndarray, sigma: float, truncate: float = 4.0) -> np.ndarray:
    """``ndimage.gaussian_filter(field, sigma)``: separable, mirrored edges (scipy's ``reflect``)."""
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (x / sigma) ** 2)
    weights /= weights.sum()
    out = np.asarray(field, np.float64)
    for axis in range(out.ndim):
        pad = [(0, 0)] * out.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="symmetric")
        acc = np.zeros_like(out)
        n = out.shape[axis]
        for k, w in enumerate(weights):
            acc += w * np.take(padded, np.arange(k, k + n), axis=axis)
        out = acc
    return out.astype(np.asarray(field).dtype if np.asarray(field).dtype.kind == "f" else np.float64)


def trilinear(field: np.ndarray, point: np.ndarray, outside: float) -> float:
    """``ndimage.map_coordinates(field, point, order=1, mode="constant", cval=outside)`` for one point."""
    p = np.asarray(point, np.float64).ravel()
    shape = np.array(field.shape)
    if np.any(p < 0) or np.any(p > shape - 1):
        return float(outside)
    base = np.minimum(np.floor(p).astype(int), shape - 2)
    t = p - base
    value = 0.0
    for corner in range(8):
        offs = np.array([(corner >> 2) & 1, (corner >> 1) & 1, corner & 1])
        w = np.prod(np.where(offs, t, 1 - t))
        if w:
            value += w * float(field[tuple(base + offs)])
    return value
