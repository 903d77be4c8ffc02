"""Per-triangle colours for a colour 3MF (Qt-free).

A generated model carries its colour as a base-colour texture (UVs) or as vertex colours. A print file needs one
colour per triangle: the texture is sampled at each triangle's centroid UV, vertex colours are averaged. Repair
and hollowing make new triangles, so colours are carried over to them from the nearest original triangle
(a uniform grid of triangle centres, numpy only: no scipy k-d tree in the bundle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _texture_colours(geom: Any) -> np.ndarray | None:
    visual = geom.visual
    uv = getattr(visual, "uv", None)
    material = getattr(visual, "material", None)
    if uv is None or material is None or len(uv) != len(geom.vertices):
        return None
    image = getattr(material, "baseColorTexture", None) or getattr(material, "image", None)
    factor = np.asarray(getattr(material, "baseColorFactor", None) if getattr(material, "baseColorFactor", None)
                        is not None else [255, 255, 255, 255], np.float64)
    if factor.max() <= 1.0:
        factor = factor * 255
    if image is None:
        if getattr(material, "baseColorFactor", None) is None:
            return None
        return np.tile(factor.astype(np.uint8), (len(geom.faces), 1))
    pixels = np.asarray(image.convert("RGBA"), np.float64)
    h, w = pixels.shape[:2]
    centre = np.asarray(uv, np.float64)[np.asarray(geom.faces)].mean(axis=1) % 1.0  # glTF samplers repeat
    col = np.clip((centre[:, 0] * w).astype(int), 0, w - 1)
    row = np.clip(((1 - centre[:, 1]) * h).astype(int), 0, h - 1)  # trimesh flips glTF's V on load
    return np.clip(pixels[row, col] * factor / 255, 0, 255).astype(np.uint8)


def _geometry_colours(geom: Any) -> np.ndarray | None:
    kind = getattr(geom.visual, "kind", None)
    if kind == "texture":
        return _texture_colours(geom)
    if kind == "vertex":
        vc = np.asarray(geom.visual.vertex_colors, np.float64)
        return vc[np.asarray(geom.faces)].mean(axis=1).astype(np.uint8)
    if kind == "face":
        return np.asarray(geom.visual.face_colors, np.uint8)
    return None


def load_face_colours(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(triangle centres, RGBA colours) of the model at ``path`` in its own units (node transforms applied),
    or None when it has no colour (no texture, no vertex or face colours)."""
    import trimesh

    from desktop_app.core.mesh.load import load_trimesh

    scene = load_trimesh(Path(path))
    centres, colours, any_colour = [], [], False
    for geom in scene.dump():
        if not isinstance(geom, trimesh.Trimesh) or not len(geom.faces):
            continue
        found = _geometry_colours(geom)
        any_colour |= found is not None
        centres.append(np.asarray(geom.triangles_center, np.float64))
        colours.append(found if found is not None else np.full((len(geom.faces), 4), 200, np.uint8))
    if not any_colour:
        return None
    return np.concatenate(centres), np.concatenate(colours)


def transfer_colours(centres: np.ndarray, colours: np.ndarray, mesh: Any) -> np.ndarray:
    """A colour for each triangle of ``mesh`` (same frame as ``centres``): the colour of the nearest source
    triangle centre found in the surrounding grid cells, else the average colour (e.g. a hollow's inner wall)."""
    target = np.asarray(mesh.triangles_center, np.float64)
    size = float(np.ptp(np.concatenate([centres, target]), axis=0).max()) or 1.0
    cell = size / max(8.0, np.cbrt(len(centres)) * 2)
    lo = np.minimum(centres.min(axis=0), target.min(axis=0)) - cell

    def keys(ijk: np.ndarray) -> np.ndarray:
        return (ijk[:, 0] * 1_000_003 + ijk[:, 1]) * 1_000_003 + ijk[:, 2]

    src_cells = np.floor((centres - lo) / cell).astype(np.int64)
    src_keys = keys(src_cells)
    order = np.argsort(src_keys, kind="stable")
    sorted_keys = src_keys[order]
    best = np.full(len(target), np.inf)
    choice = np.full(len(target), -1, np.int64)
    tgt_cells = np.floor((target - lo) / cell).astype(np.int64)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dz in (-1, 0, 1):
                k = keys(tgt_cells + np.array([dx, dy, dz]))
                start = np.searchsorted(sorted_keys, k, side="left")
                stop = np.searchsorted(sorted_keys, k, side="right")
                # compare with up to 8 source triangles per cell (the grid is fine enough that cells hold few)
                for j in range(8):
                    has = start + j < stop
                    if not has.any():
                        break
                    src = order[np.minimum(start + j, len(order) - 1)]
                    d = np.einsum("ij,ij->i", centres[src] - target, centres[src] - target)
                    better = has & (d < best)
                    best[better] = d[better]
                    choice[better] = src[better]
    out = np.empty((len(target), 4), np.uint8)
    out[:] = colours.mean(axis=0).astype(np.uint8)
    found = choice >= 0
    out[found] = colours[choice[found]]
    return out
