"""The facts shown about a model (counts, bounds, size, watertightness) and the camera fit, from its parts."""

from __future__ import annotations

import math

import numpy as np

from desktop_app.core.mesh.arrays import MeshPart, MeshStats, SceneArrays
from desktop_app.core.mesh.geometry import weld_index


def scene_from_parts(parts: list[MeshPart], tex_sizes: list[tuple[int, int]],
                     welded: tuple[np.ndarray, int] | None = None, *, watertight: bool = True) -> SceneArrays:
    """The scene with its stats and bounding sphere; ``welded`` is the single part's weld, if known.
    ``watertight=False`` leaves ``stats.watertight`` None (unchecked): an image render never shows it."""
    lo = np.min([p.positions.min(axis=0) for p in parts], axis=0).astype(np.float64)
    hi = np.max([p.positions.max(axis=0) for p in parts], axis=0).astype(np.float64)
    center = (lo + hi) / 2.0
    radius = max(float(np.sqrt(((p.positions - center) ** 2).sum(axis=1).max())) for p in parts)
    if not math.isfinite(radius) or radius <= 0.0:
        radius = 1.0
    tris = sum(len(p.indices) for p in parts)
    stats = MeshStats(
        triangles=tris,
        vertices=sum(len(p.positions) for p in parts),
        parts=len(parts),
        textures=tex_sizes,
        bounds=np.stack([lo, hi]),
        size=tuple(float(x) for x in hi - lo),  # type: ignore[arg-type]
        watertight=is_watertight(parts, welded) if watertight and tris <= 3_000_000 else None,
        file_bytes=0,
    )
    return SceneArrays(parts=parts, stats=stats, center=center, radius=radius)


def is_watertight(parts: list[MeshPart], welded: tuple[np.ndarray, int] | None = None) -> bool:
    """Every edge shared by exactly two triangles, with vertices welded by position (seams split them).

    ``welded`` is the single part's :func:`weld_index`, when the normals step computed it already.
    """
    if len(parts) == 1:
        faces = parts[0].indices
        weld, count = welded if welded is not None else weld_index(parts[0].positions)
    else:
        offsets = np.cumsum([0] + [len(p.positions) for p in parts[:-1]])
        faces = np.concatenate([p.indices.astype(np.int64) + o for p, o in zip(parts, offsets, strict=True)])
        weld, count = weld_index(np.concatenate([p.positions for p in parts]))
    faces = weld[faces]
    corners = [faces[:, k] for k in range(3)]
    # one int64 per undirected edge (edge by edge: fancy-indexing columns to pair them up is ~20x slower)
    keys = np.concatenate([np.minimum(a, b) * count + np.maximum(a, b)
                           for a, b in zip(corners, corners[1:] + corners[:1], strict=True)])
    del corners, faces
    keys.sort()  # a 1-D sort is fast
    if len(keys) == 0 or len(keys) % 2:
        return False
    # closed and manifold: every edge exactly twice, i.e. sorted keys come in equal pairs, pairs all distinct
    pairs_equal = np.array_equal(keys[0::2], keys[1::2])
    return bool(pairs_equal and (len(keys) == 2 or bool((keys[2::2] != keys[1:-1:2]).all())))


