"""One trimesh mesh (with its node transform) -> one drawable MeshPart: normals, UVs, colours, texture."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from desktop_app.core.mesh_arrays import CLAY_COLOR, MeshPart
from desktop_app.core.mesh_geometry import unit_rows, vertex_normals, weld_index

log = logging.getLogger(__name__)

MAX_TEXTURE_PIXELS = 16384 * 16384


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

    uvs = colors = texture = None
    base = CLAY_COLOR
    visual = mesh.visual
    kind = getattr(visual, "kind", None)
    if kind == "texture":
        material = getattr(visual, "material", None)
        uv = getattr(visual, "uv", None)
        image = _material_image(material)
        base = _material_color(material, textured=image is not None)
        if image is not None and uv is not None and len(uv) == len(verts):
            tex_sizes.setdefault(id(image), tuple(image.size))
            if max_texture > 0:
                if id(image) not in tex_cache:
                    tex_cache[id(image)] = _texture_array(image, max_texture)
                texture = tex_cache[id(image)]
            if texture is not None or max_texture == 0:
                uvs = np.nan_to_num(np.asarray(uv, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
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
        colors=None if colors is None else np.ascontiguousarray(colors),
        indices=indices,
        texture=texture,
        base_color=base,
    )
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


def _material_image(material: Any) -> Any:
    for attr in ("baseColorTexture", "image"):
        image = getattr(material, attr, None)
        if image is not None and hasattr(image, "size"):
            return image
    return None


def _material_color(material: Any, textured: bool) -> tuple[float, float, float, float]:
    """Base colour as linear floats. glTF's factor multiplies its texture; an MTL Kd is usually meant to
    be replaced by map_Kd, so a textured simple material is white."""
    is_pbr = type(material).__name__ == "PBRMaterial"
    value = getattr(material, "baseColorFactor", None) if is_pbr else None
    if value is None and not is_pbr and not textured:
        value = getattr(material, "diffuse", None)
    if value is None:
        return (1.0, 1.0, 1.0, 1.0)
    arr = np.asarray(value, dtype=np.float64).ravel()
    if arr.size < 3 or not np.isfinite(arr).all():
        return (1.0, 1.0, 1.0, 1.0)
    if arr.max() > 1.0 or np.issubdtype(np.asarray(value).dtype, np.integer):  # trimesh keeps uint8
        arr = arr / 255.0
    rgba = np.append(arr[:3], arr[3] if arr.size > 3 else 1.0)
    return tuple(float(x) for x in np.clip(rgba, 0.0, 1.0))  # type: ignore[return-value]


def _texture_array(image: Any, max_texture: int) -> np.ndarray | None:
    from PIL import Image

    try:
        w, h = image.size
        if w <= 0 or h <= 0 or w * h > MAX_TEXTURE_PIXELS:
            return None
        if max(w, h) > max_texture:
            scale = max_texture / max(w, h)
            image = image.resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                 Image.Resampling.BILINEAR, reducing_gap=2.0)
        return np.ascontiguousarray(np.asarray(image.convert("RGBA"), dtype=np.uint8))
    except Exception as exc:  # a broken embedded image should not cost the user the geometry
        log.info("texture could not be decoded: %r", exc)
        return None

