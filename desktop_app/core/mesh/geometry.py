"""Vertex arithmetic on flat arrays: area-weighted normals, welding by position, unit vectors.

These are the hot paths of loading a big model, written as whole-array numpy (no Python loop per vertex).
"""

from __future__ import annotations

import math

import numpy as np


def vertex_normals(positions: np.ndarray, indices: np.ndarray, weld: bool = True,
                   welded: tuple[np.ndarray, int] | None = None) -> np.ndarray:
    """Area-weighted vertex normals in numpy (trimesh's fallback without scipy takes minutes on big meshes).

    With ``weld``, vertices at the same position share a normal so UV seams (which split vertices) do not
    show as lighting seams; but where the split is a real crease (the shared normal is more than 30° off
    the vertex's own), the vertex keeps its own normal, so a split-vertex cube stays flat-faced.
    ``welded`` is :func:`weld_index` of ``positions`` when the caller has it already.
    """
    count = len(positions)
    p = np.ascontiguousarray(positions, dtype=np.float32)
    idx = np.asarray(indices).reshape(-1, 3)
    corners = [np.ascontiguousarray(idx[:, k], dtype=np.intp) for k in range(3)]
    # np.take on rows, not p[corner]: fancy indexing rows was ~5x slower (5 vs 1 ms per corner at 500k faces);
    # the edges are made in place, so a 2M-face model makes two (n, 3) temporaries, not four
    v0 = np.take(p, corners[0], axis=0)
    e1 = np.take(p, corners[1], axis=0)
    e1 -= v0
    e2 = np.take(p, corners[2], axis=0)
    e2 -= v0
    del v0
    # the cross product one component at a time (np.cross makes several temporary copies, ~4x slower on 2M
    # faces), each the weight of its face's three corners (length = 2 * area); float32 is plenty for shading,
    # and the sums are accumulated in float64
    sums = np.zeros((3, count))
    for axis in range(3):
        a, b = (axis + 1) % 3, (axis + 2) % 3
        weights = (e1[:, a] * e2[:, b] - e1[:, b] * e2[:, a]).astype(np.float64)
        for corner in corners:  # bincount beats np.add.at by ~10x; per corner avoids a 3x repeated copy
            sums[axis] += np.bincount(corner, weights=weights, minlength=count)
    del e1, e2
    sums = sums.T
    own = unit_rows(sums)
    if not weld or count == 0:
        return own
    inverse, distinct = welded if welded is not None else weld_index(positions)
    if distinct == count:  # no two vertices share a position: nothing to weld
        return own
    # the sum over corners at one position is the sum of those vertices' own sums
    shared = np.empty((3, distinct))
    for axis in range(3):
        shared[axis] = np.bincount(inverse, weights=sums[:, axis], minlength=distinct)
    result = np.take(unit_rows(shared.T), inverse, axis=0)
    crease = np.einsum("ij,ij->i", own, result) < math.cos(math.radians(30.0))
    result[crease] = own[crease]
    return result


def weld_index(positions: np.ndarray) -> tuple[np.ndarray, int]:
    """Map each vertex to one id per distinct position: (inverse, number of distinct positions).

    ``np.unique(axis=0)`` sorts rows as bytes and takes seconds on 500k vertices; hashing each position to
    one 64-bit key and sorting that is ~20x faster. A hash collision is detected and falls back to the
    exact method, so the result is always exact.
    """
    p = np.ascontiguousarray(positions, dtype=np.float32) + np.float32(0.0)  # -0.0 and 0.0 are one place
    if len(p) == 0:
        return np.zeros(0, dtype=np.int64), 0
    key = _position_keys(p)
    # np.unique(return_index=True) needs a stable (merge) sort; any representative per key will do here
    order = np.argsort(key)
    sorted_key = key[order]
    starts = np.empty(len(key), dtype=bool)
    starts[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=starts[1:])
    del sorted_key
    inverse = np.empty(len(key), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    # exact check: neighbours in key order with the same key hold the same position (np.take on rows is
    # ~10x faster than fancy indexing them)
    sorted_p = np.take(p, order, axis=0)
    differs = (sorted_p[1:] != sorted_p[:-1]).any(axis=1)
    if (differs & ~starts[1:]).any():  # two positions share a key: be exact instead
        _, inverse = np.unique(p, axis=0, return_inverse=True)
        inverse = inverse.ravel()
    return inverse, int(inverse.max()) + 1


def _position_keys(p: np.ndarray) -> np.ndarray:
    """One 64-bit hash per float32 position (equal positions, equal keys; rarely, unequal ones collide)."""
    bits = p.view(np.uint32).astype(np.uint64)
    return (bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)) ^ (bits[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F)) \
        ^ (bits[:, 2] * np.uint64(0x165667B19E3779F9))



def unit_rows(v: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length; zero rows become +Z."""
    length = np.linalg.norm(v, axis=1, keepdims=True)
    out = np.divide(v, length, out=np.zeros(v.shape, v.dtype), where=length > 1e-20)  # C order, whatever v's
    out[(length[:, 0] <= 1e-20)] = (0.0, 0.0, 1.0)  # degenerate: any unit vector beats NaN in the shader
    return out
