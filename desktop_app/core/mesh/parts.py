"""One trimesh mesh (with its node transform) -> one drawable MeshPart: normals, UVs, colours; its material
(base colour, metallic-roughness, normal map...) is read by core/mesh/material.py."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from desktop_app.core.mesh.arrays import CLAY_COLOR, MeshPart
from desktop_app.core.mesh.geometry import unit_rows, vertex_normals, weld_index
from desktop_app.core.mesh.material import apply_material

log = logging.getLogger(__name__)


def part_from_mesh(mesh: Any, transform: np.ndarray, max_texture: int, tex_cache: dict,
                   tex_sizes: dict) -> tuple[MeshPart | None, tuple[np.ndarray, int] | None]:
    """The part, and the weld of its positions when the normals needed one (the watertight check reuses it)."""
    verts = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces).reshape(-1, 3)
    if len(verts) == 0 or faces.min(initial=0) < 0 or faces.max(initial=0) >= len(verts):
        log.info("skipping a mesh with out-of-range face indices")
        return None, None
    finite = np.isfinite(verts).all(axis=1)
    if not finite.all():  # hostile or broken files: drop faces touching NaN/inf, keep the rest
        faces = faces[finite[faces].all(axis=1)]
        verts = np.where(finite[:, None], verts, 0.0)
        if len(faces) == 0:
            return None, None

    linear = transform[:3, :3]
    if np.array_equal(transform, np.eye(4)):  # the usual case: skip a full pass over the vertices
        positions = verts.astype(np.float32)
    else:
        positions = (verts @ linear.T + transform[:3, 3]).astype(np.float32)
    mirrored = np.linalg.det(linear) < 0
    if mirrored:  # a mirroring node flips winding; undo it so normals stay outward
        faces = faces[:, ::-1]
    indices = np.ascontiguousarray(faces, dtype=np.uint32)

    welded = None
    normals = _file_normals(mesh, linear, len(verts))
    if normals is None:
        welded = weld_index(positions)
        normals = vertex_normals(positions, indices, welded=welded)

    uvs = colors = None
    material = None
    visual = mesh.visual
    kind = getattr(visual, "kind", None)
    if kind == "texture":
        material = getattr(visual, "material", None)
        uv = getattr(visual, "uv", None)
        if uv is not None and len(uv) == len(verts):
            uvs = np.nan_to_num(np.asarray(uv, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        extra = getattr(visual, "vertex_attributes", None) or {}
        vc = extra.get("color") if hasattr(extra, "get") else None  # glTF COLOR_0 beside a material
        if vc is not None and len(vc) == len(verts):
            colors = _unit_colors(vc)
    elif kind == "vertex":
        colors = np.asarray(visual.vertex_colors, dtype=np.float32)[:, :4] / 255.0
    elif kind == "face":
        # Unshare vertices so each face keeps its own flat colour instead of a blurred average.
        fc = np.asarray(visual.face_colors, dtype=np.float32)[:, :4] / 255.0
        if len(fc) == len(mesh.faces):
            fc = fc[finite[np.asarray(mesh.faces)].all(axis=1)] if not finite.all() else fc
            flat = indices.ravel()
            positions, normals = positions[flat], normals[flat]
            colors = np.repeat(fc, 3, axis=0)
            indices = np.arange(len(flat), dtype=np.uint32).reshape(-1, 3)
            welded = None if welded is None else (welded[0][flat], welded[1])

    part = MeshPart(
        positions=np.ascontiguousarray(positions, dtype=np.float32),
        normals=np.ascontiguousarray(normals, dtype=np.float32),
        uvs=uvs,
        colors=None if colors is None else np.ascontiguousarray(colors, dtype=np.float32),
        indices=indices,
        texture=None,
        base_color=CLAY_COLOR,
    )
    if kind == "texture":
        apply_material(part, material, max_texture=max_texture, tex_cache=tex_cache, tex_sizes=tex_sizes)
    return part, welded


def _file_normals(mesh: Any, linear: np.ndarray, count: int) -> np.ndarray | None:
    """Normals stored in the file (glTF NORMAL) win: the author chose hard and soft edges."""
    try:
        cached = mesh._cache.cache.get("vertex_normals")  # set by loaders only; reading it never computes
    except AttributeError:
        return None
    if cached is None:
        return None
    n = np.asarray(cached, dtype=np.float64)
    if n.shape != (count, 3) or not np.isfinite(n).all():
        return None
    try:
        normal_matrix = np.linalg.inv(linear).T
    except np.linalg.LinAlgError:
        return None
    return unit_rows(n @ normal_matrix.T)


def _unit_colors(values: np.ndarray) -> np.ndarray:
    """Vertex colours as float RGBA 0..1 (files store them as float or normalised integers)."""
    arr = np.asarray(values)
    out = arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.integer):
        out /= float(np.iinfo(arr.dtype).max)
    if out.shape[1] == 3:
        out = np.column_stack([out, np.ones(len(out), dtype=np.float32)])
    return np.clip(np.nan_to_num(out[:, :4]), 0.0, 1.0)
