"""Hollow a closed model, leaving a wall of a given thickness (Qt-free, no drain holes).

manifold3d has no offset, and trimesh's marching cubes needs scikit-image (not shipped), so: voxelise the
solid (numpy, ``core/printing/voxels.py``), take the exact Euclidean distance of every inside voxel to the outside
(separable squared-distance transform), extract the cavity ``distance > wall`` with manifold3d's level set
(manifold by construction) and subtract it from the model with manifold3d's exact boolean. The outer surface is
the model's own, untouched; only the cavity is voxel-smooth, and it is kept at least ``wall`` inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_CELLS = 128  # voxels along the longest side: bounds memory (~2 M cells) and time (a few seconds)
CAVITY_EDGES = 56  # the cavity needs no detail: its triangles are ~1/56 of the size


class HollowError(ValueError):
    pass


@dataclass
class HollowResult:
    mesh: Any
    volume_before: float
    volume_after: float


def _squared_distance_1d(f: np.ndarray, chunk: int = 256) -> np.ndarray:
    """min_j f[..., j] + (i - j)^2 along the last axis (brute force in chunks: n is at most MAX_CELLS + pad)."""
    n = f.shape[-1]
    idx = np.arange(n, dtype=np.float32)
    penalty = (idx[:, None] - idx[None, :]) ** 2  # [i, j]
    flat = f.reshape(-1, n)
    out = np.empty_like(flat)
    for start in range(0, len(flat), chunk):
        block = flat[start:start + chunk]
        out[start:start + chunk] = (block[:, None, :] + penalty[None, :, :]).min(axis=2)
    return out.reshape(f.shape)


def distance_inside(solid: np.ndarray) -> np.ndarray:
    """Euclidean distance (in voxels) from each inside voxel to the nearest outside voxel; 0 outside."""
    big = np.float32(3 * max(solid.shape) ** 2)
    field = np.where(solid, big, np.float32(0))
    for axis in range(3):
        field = np.moveaxis(_squared_distance_1d(np.moveaxis(field, axis, -1)), -1, axis)
    return np.sqrt(field)


def _inside_grid(mesh: Any, pitch: float, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean grid of the solid (surface voxels included) and its origin: the surface is sampled densely
    into voxels, then the inside filled (as the repair's rebuild does, numpy only)."""
    import trimesh

    from desktop_app.core.printing import voxels

    lo, hi = np.asarray(mesh.bounds, np.float64)
    origin = lo - pad * pitch
    shape = np.ceil((hi - lo) / pitch).astype(int) + 2 * pad + 1
    count = int(min(4_000_000, max(20000, 24 * float(mesh.area) / pitch ** 2)))
    points, _ = trimesh.sample.sample_surface(mesh, count, seed=0)
    points = np.concatenate([points, np.asarray(mesh.vertices)])
    index = np.clip(np.floor((points - origin) / pitch).astype(int), 0, shape - 1)
    grid = np.zeros(shape, dtype=bool)
    grid[index[:, 0], index[:, 1], index[:, 2]] = True
    return voxels.fill_holes(voxels.close(grid)), origin


def hollow(mesh: Any, wall: float) -> HollowResult:
    """The closed ``mesh`` with its inside emptied, keeping a wall ``wall`` thick (same units as the mesh)."""
    import manifold3d
    import trimesh

    from desktop_app.core.printing.repair import as_manifold

    outer = as_manifold(mesh)
    if outer is None:
        raise HollowError("Only a closed model can be hollowed: repair it first.")
    size = float(np.max(mesh.extents))
    if not wall > 0 or size <= 0:
        raise HollowError("The wall thickness must be a positive number.")
    pitch = max(size / MAX_CELLS, wall / 4)
    grid, origin = _inside_grid(mesh, pitch, pad=2)
    distance = distance_inside(grid) * pitch
    # surface voxels count as inside, so a distance can be up to ~1.5 voxels too long: keep that margin
    field = (distance - (wall + 1.5 * pitch)).astype(np.float64)
    if field.max() <= pitch:
        raise HollowError(f"The model is too thin to hollow with {wall:g} mm walls: it would stay solid.")
    flat = field.ravel().tolist()
    nx, ny, nz = field.shape
    ox, oy, oz = (float(v) for v in origin)
    inv = 1.0 / pitch

    def sdf(x: float, y: float, z: float) -> float:  # trilinear on a flat list: called ~10^5 times
        fx, fy, fz = (x - ox) * inv, (y - oy) * inv, (z - oz) * inv
        if fx < 0 or fy < 0 or fz < 0 or fx >= nx - 1 or fy >= ny - 1 or fz >= nz - 1:
            return -1.0
        i, j, k = int(fx), int(fy), int(fz)
        tx, ty, tz = fx - i, fy - j, fz - k
        base = (i * ny + j) * nz + k
        sy, sx = nz, ny * nz
        c00 = flat[base] * (1 - tz) + flat[base + 1] * tz
        c01 = flat[base + sy] * (1 - tz) + flat[base + sy + 1] * tz
        c10 = flat[base + sx] * (1 - tz) + flat[base + sx + 1] * tz
        c11 = flat[base + sx + sy] * (1 - tz) + flat[base + sx + sy + 1] * tz
        return (c00 * (1 - ty) + c01 * ty) * (1 - tx) + (c10 * (1 - ty) + c11 * ty) * tx

    bounds = [*origin, *(origin + (np.array(field.shape) - 1) * pitch)]
    cavity = manifold3d.Manifold.level_set(sdf, [float(b) for b in bounds], max(pitch, size / CAVITY_EDGES))
    if cavity.is_empty():
        raise HollowError(f"The model is too thin to hollow with {wall:g} mm walls: it would stay solid.")
    shell = outer - cavity
    out = shell.to_mesh()
    result = trimesh.Trimesh(np.asarray(out.vert_properties)[:, :3], np.asarray(out.tri_verts), process=False)
    return HollowResult(result, abs(float(outer.volume())), abs(float(shell.volume())))
