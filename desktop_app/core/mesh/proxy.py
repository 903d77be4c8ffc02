"""A lighter stand-in for a big model, drawn while the camera moves (Qt-free; built in the loader's worker).

Software GL (our floor) draws a 500k-triangle textured model in 150-300 ms, far too slow to follow the mouse.
While the camera moves the preview draws this proxy instead, and the full model again once it stops. It is made
by vertex clustering: vertices are grouped by grid cell, and also by UV patch and by main normal direction, so
texture seams, creases and the two sides of thin walls are not merged; each group becomes one vertex (mean
position and UV, summed normal) and triangles whose corners fall into fewer than three groups disappear.
Fast in numpy, and faithful at a glance (silhouette, colours, lighting), which is all a moving view needs.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from desktop_app.core.mesh.arrays import MeshPart, SceneArrays

PROXY_TRIANGLES = 100_000  # ~3-5x cheaper than a 500k draw; a model under twice this gets no proxy
# Coarser levels, each clustered from the one before: the preview draws the finest that fits its frame-time
# budget on this machine (ui/preview/lod.py). llvmpipe at 800x600 needs ~10k to orbit at 30 frames a second.
PROXY_LEVELS = (PROXY_TRIANGLES, 30_000, 10_000, 3_000)
UV_PATCHES = 8  # per axis: vertices on the two sides of a UV seam never share a group


def motion_proxies(arrays: SceneArrays, levels: tuple[int, ...] = PROXY_LEVELS) -> SceneArrays | None:
    """The finest proxy, with each coarser one as its ``proxy`` (a chain, finest first); None if small."""
    head = motion_proxy(arrays, levels[0])
    last = head
    for target in levels[1:]:
        if last is None:
            break
        last.proxy = motion_proxy(last, target)
        last = last.proxy
    return head


def proxy_chain(arrays: SceneArrays) -> list[SceneArrays]:
    """``arrays.proxy``, its proxy, and so on: the proxy levels, finest first."""
    chain: list[SceneArrays] = []
    level = arrays.proxy
    while level is not None and len(chain) < 16:
        chain.append(level)
        level = level.proxy
    return chain


def motion_proxy(arrays: SceneArrays, target: int = PROXY_TRIANGLES) -> SceneArrays | None:
    """A clustered copy of ``arrays`` with about ``target`` triangles, or None when the model is small enough."""
    if sum(len(p.indices) for p in arrays.parts) <= 2 * target:  # counted: a proxy's stats are the model's
        return None
    area = sum(_area(p) for p in arrays.parts)
    if not math.isfinite(area) or area <= 0.0:
        return None
    cell = math.sqrt(area / (target / 2.0))  # a closed surface has about half as many vertices as triangles
    proxy = None
    for _ in range(3):  # the estimate is rough on odd shapes: adjust the cell size from what came out
        proxy = [_cluster(p, cell, arrays.stats.bounds[0]) for p in arrays.parts]
        got = sum(len(p.indices) for p in proxy)
        if got <= 1.5 * target:
            break
        cell *= math.sqrt(got / target)
    parts = [p for p in proxy or [] if len(p.indices)]
    if not parts:
        return None
    return replace(arrays, parts=parts, proxy=None)


def _area(part: MeshPart, sample: int = 200_000) -> float:
    """Surface area, estimated from an even sample of the triangles (it only sets the grid size)."""
    p = part.positions
    step = max(1, len(part.indices) // sample)
    idx = part.indices[::step]
    cross = np.cross(p[idx[:, 1]] - p[idx[:, 0]], p[idx[:, 2]] - p[idx[:, 0]])
    return float(np.linalg.norm(cross, axis=1).sum() / 2.0) * len(part.indices) / max(1, len(idx))


def _cluster(part: MeshPart, cell: float, origin: np.ndarray) -> MeshPart:
    q = np.floor((part.positions - origin.astype(np.float32)) / np.float32(cell)).astype(np.int64)
    q -= q.min(axis=0)
    span = q.max(axis=0) + 1
    key = (q[:, 0] * span[1] + q[:, 1]) * span[2] + q[:, 2]
    # the dominant normal axis and its sign (6 directions): keeps creases and both sides of thin walls apart
    n = part.normals
    axis = np.abs(n).argmax(axis=1)
    direction = axis * 2 + (n[np.arange(len(n)), axis] < 0)
    key = key * 6 + direction
    if part.uvs is not None:
        patch = np.clip(np.floor(part.uvs * UV_PATCHES), -64, 64).astype(np.int64) + 64
        key = (key * 129 + patch[:, 0]) * 129 + patch[:, 1]
    _, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.ravel()
    count = int(inverse.max()) + 1
    weights = np.bincount(inverse, minlength=count).astype(np.float64)

    def mean(values: np.ndarray) -> np.ndarray:
        out = np.empty((count, values.shape[1]), dtype=np.float32)
        for c in range(values.shape[1]):
            out[:, c] = np.bincount(inverse, weights=values[:, c], minlength=count) / weights
        return out

    normals = mean(part.normals)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, length, out=np.tile(np.float32([0, 0, 1]), (count, 1)), where=length > 1e-12)
    faces = inverse[part.indices]
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 2] != faces[:, 0])
    positions = mean(part.positions)
    uvs = None if part.uvs is None else mean(part.uvs)
    tangents = None
    if part.tangents is not None:  # averaged like the normals; the sign of the group's majority
        tangents = mean(part.tangents)
        tangents[:, :3] -= normals * np.einsum("ij,ij->i", normals, tangents[:, :3])[:, None]
        tangents[:, :3] /= np.maximum(np.linalg.norm(tangents[:, :3], axis=1, keepdims=True), 1e-12)
        tangents[:, 3] = np.where(tangents[:, 3] < 0.0, -1.0, 1.0)
    # the same material and the same image objects: the upload shares the textures with the full model
    return replace(part, positions=positions, normals=np.ascontiguousarray(normals, dtype=np.float32), uvs=uvs,
                   colors=None if part.colors is None else mean(part.colors),
                   indices=np.ascontiguousarray(faces[keep], dtype=np.uint32), tangents=tangents)
