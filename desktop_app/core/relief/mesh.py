"""Relief stages 2 and 3: a grid over the subject, triangulated, rim snapped to the outline, closed into a solid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from desktop_app.core.errors import InputImageError
from desktop_app.core.relief import raster
from desktop_app.core.relief.height import height_field
from desktop_app.core.relief.params import ReliefParams

if TYPE_CHECKING:
    from desktop_app.core.relief.generate import ReliefProgress

MIN_RIM = 0.002  # thinnest edge between the front and back rims, in units of the subject's longer side


def _triangulate(inside: np.ndarray) -> np.ndarray:
    """Front triangles (node indices into the flattened grid), counter-clockwise seen from +Z."""
    ny, nx = inside.shape
    ids = np.arange(ny * nx).reshape(ny, nx)
    tl, tr, bl, br = ids[:-1, :-1], ids[:-1, 1:], ids[1:, :-1], ids[1:, 1:]
    itl, itr, ibl, ibr = inside[:-1, :-1], inside[:-1, 1:], inside[1:, :-1], inside[1:, 1:]
    # Split along TL-BR unless exactly one of those two corners is missing: then TR-BL keeps a triangle.
    other = (itl.astype(np.int8) + itr + ibl + ibr == 3) & ~(itl & ibr)
    candidates = [
        (np.stack([tl, bl, br], -1), ~other & itl & ibl & ibr),
        (np.stack([tl, br, tr], -1), ~other & itl & ibr & itr),
        (np.stack([tl, bl, tr], -1), other & itl & ibl & itr),
        (np.stack([tr, bl, br], -1), other & itr & ibl & ibr),
    ]
    return np.concatenate([tri[keep] for tri, keep in candidates]).reshape(-1, 3)


def _boundary_edges(faces: np.ndarray, nx: int) -> np.ndarray:
    """Directed edges used by exactly one face: the rim(s) of the front surface.

    Grid edges join a node to its right, lower, lower-right or lower-left neighbour, so ``4 * node + kind``
    names each undirected edge uniquely and a bincount replaces a sort (which holds the GIL for long).
    """
    edges = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    low = np.minimum(edges[:, 0], edges[:, 1])
    step = np.abs(edges[:, 0] - edges[:, 1])
    kind = np.where(step == 1, 0, np.where(step == nx, 1, np.where(step == nx + 1, 2, 3)))
    key = low * 4 + kind
    counts = np.bincount(key)
    return edges[counts[key] == 1]


def _manifold_front(inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangulate, dropping "bow-tie" nodes (two parts touching at one corner) that would break the walls."""
    for _ in range(16):
        faces = _triangulate(inside)
        rim = _boundary_edges(faces, inside.shape[1])
        per_node = np.bincount(rim.ravel(), minlength=inside.size)  # 2 at an ordinary rim node
        bad = per_node > 2
        if not bad.any():
            return faces, rim
        inside = inside & ~bad.reshape(inside.shape)
    return faces, rim


def build_solid(
    rgba: np.ndarray, mask: np.ndarray, params: ReliefParams, step: ReliefProgress
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices (world units), faces and UVs (trimesh's bottom-left origin) of the closed relief."""
    h_px, w_px = mask.shape
    rows, cols = np.nonzero(mask)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    long_px = float(max(x1 - x0, y1 - y0))
    # ``detail`` cells across a square of the subject's area, so a tall thin figure gets as many triangles
    # as a square crate instead of a quarter of them.
    cell = max(0.5, float(np.sqrt((x1 - x0) * (y1 - y0))) / params.detail)
    nx = int(np.ceil((x1 - x0) / cell)) + 3
    ny = int(np.ceil((y1 - y0) / cell)) + 3
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    # Node centres in pixel coordinates, centred on the subject with a spare cell all round.
    xs = cx + (np.arange(nx) - (nx - 1) / 2.0) * cell
    ys = cy + (np.arange(ny) - (ny - 1) / 2.0) * cell
    gy, gx = np.meshgrid(ys - 0.5, xs - 0.5, indexing="ij")  # -0.5: pixel centres sit at integer + 0.5

    coverage_px = raster.box_mean(mask.astype(np.float32), max(1, round(cell)))
    coverage = raster.bilinear(coverage_px, gy, gx, outside=0.0)
    inside = coverage >= 0.5
    step.check()
    faces, rim = _manifold_front(inside)
    if len(faces) == 0:
        raise InputImageError("The subject is too thin or too small to build a model from.",
                              hint="Raise “Detail”, or use a picture where the subject is larger.")
    used = np.zeros(inside.size, bool)
    used[faces.ravel()] = True
    rim_node = np.zeros(inside.size, bool)
    rim_node[rim.ravel()] = True

    # Slide rim nodes onto the half-coverage outline (one Newton step along the gradient, at most half a
    # cell) so the silhouette follows the picture instead of the grid.
    grad_y, grad_x = np.gradient(coverage)
    px, py = gx.ravel().copy(), gy.ravel().copy()
    g2 = (grad_x**2 + grad_y**2).ravel()
    r = np.flatnonzero(rim_node & (g2 > 1e-6))
    move = (0.5 - coverage.ravel()[r]) / g2[r]
    dx, dy = move * grad_x.ravel()[r], move * grad_y.ravel()[r]
    length = np.hypot(dx, dy)
    shrink = np.minimum(1.0, 0.45 / np.maximum(length, 1e-9))
    px[r] += dx * shrink * cell
    py[r] += dy * shrink * cell
    px = np.clip(px, -0.5, w_px - 0.5)
    py = np.clip(py, -0.5, h_px - 0.5)
    step(0.4, "Building the surface")

    height = height_field(rgba, inside, gy, gx, params)
    height.ravel()[rim_node] = 0.0
    step.check()

    scale = 1.0 / long_px
    x_world = (px + 0.5 - cx) * scale
    y_world = -(py + 0.5 - cy) * scale
    # Never exactly zero: with front and back rims at one height, triangles whose corners all lie on the rim
    # would coincide with their back copies and the solid would stop being closed (and loaders merge them).
    half = max(params.base_thickness, MIN_RIM) / 2.0
    front_z = half + height.ravel() * params.depth
    back_z = -half - height.ravel() * (params.depth if params.back == "mirror" else 0.0)
    u = (px + 0.5) / w_px
    v = 1.0 - (py + 0.5) / h_px

    # Compact the used nodes: front vertices first, then their back copies.
    nodes = np.flatnonzero(used)
    n = len(nodes)
    front_index = np.full(inside.size, -1, np.int64)
    front_index[nodes] = np.arange(n)
    back_index = front_index + n

    vertices = np.concatenate([
        np.column_stack([x_world[nodes], y_world[nodes], front_z[nodes]]),
        np.column_stack([x_world[nodes], y_world[nodes], back_z[nodes]]),
    ])
    uv_front = np.column_stack([u[nodes], v[nodes]])
    uv = np.concatenate([uv_front, uv_front])  # the back shows the picture mirrored, as seen from behind

    # Walls: each directed rim edge a->b of the front gets a quad whose winding runs b->a along the top,
    # so every edge of the solid is shared by exactly two faces in opposite directions.
    fa, fb = front_index[rim[:, 0]], front_index[rim[:, 1]]
    ba, bb = back_index[rim[:, 0]], back_index[rim[:, 1]]
    all_faces = np.concatenate([
        front_index[faces],
        back_index[faces][:, ::-1],  # reversed winding: faces -Z
        np.column_stack([fb, fa, ba]),
        np.column_stack([fb, ba, bb]),
    ]).astype(np.int64)
    return vertices.astype(np.float64), all_faces, np.clip(uv, 0.0, 1.0)
