"""A glTF file's scene -> the preview's SceneArrays, straight from numpy accessors (no trimesh, no scipy).

Walks the default scene's node tree (matrix or TRS transforms), turns each triangle primitive into one MeshPart
(the same data classes the trimesh path makes: core/mesh/arrays.py) and decodes each base-colour texture once,
at the size the preview draws (a JPEG is decoded at reduced scale; others are reduced right after decoding).
"""

from __future__ import annotations

import io
import logging
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.errors import MeshLoadError
from desktop_app.core.mesh.arrays import MeshPart, SceneArrays
from desktop_app.core.mesh.facts import scene_from_parts
from desktop_app.core.mesh.geometry import unit_rows, vertex_normals, weld_index
from desktop_app.core.mesh.gltf_material import GltfMaterial, material_json, read_material, texture_image
from desktop_app.core.mesh.gltf_read import GltfError, GltfFile
from desktop_app.core.mesh.material import apply_gltf_material

log = logging.getLogger(__name__)

MAX_DEPTH = 64  # node nesting; deeper (or a cycle) is a damaged file
MAX_TEXTURE_PIXELS = 16384 * 16384


def load_gltf_arrays(path: Path, max_texture: int, max_triangles: int, *, watertight: bool = True) -> SceneArrays:
    """Raises GltfError (damaged), GltfUnsupported (use another reader) or MeshLoadError (too big, empty).
    ``watertight=False`` skips that check (see scene_from_parts)."""
    gltf = GltfFile(path)
    textures = _Textures(gltf, max_texture)
    parts: list[MeshPart] = []
    welded = None
    total = 0
    instances = _mesh_instances(gltf)
    textures.prefetch(_base_images(gltf, instances))
    for mesh_index, transform in instances:
        for primitive in gltf.item("meshes", mesh_index).get("primitives") or []:
            if not isinstance(primitive, dict):
                continue
            made = _primitive_part(gltf, primitive, transform, textures, max_triangles - total)
            if made is not None:
                part, welded = made
                total += len(part.indices)
                parts.append(part)
    if not parts:
        raise MeshLoadError("This file has no surfaces to show.", hint="It may be empty or only hold points.")
    return scene_from_parts(parts, textures.sizes(), welded if len(parts) == 1 else None, watertight=watertight)


def _base_images(gltf: GltfFile, instances: list[tuple[int, np.ndarray]]) -> list[int]:
    """The base-colour images of the primitives drawn, in first-use order."""
    found: dict[int, None] = {}
    for mesh_index in dict.fromkeys(index for index, _ in instances):
        for primitive in gltf.item("meshes", mesh_index).get("primitives") or []:
            if isinstance(primitive, dict) and (image := read_material(gltf, primitive).base_image) is not None:
                found[image] = None
    return list(found)


# -- the node tree ------------------------------------------------------------------------------------
def _mesh_instances(gltf: GltfFile) -> list[tuple[int, np.ndarray]]:
    scenes = gltf.json.get("scenes") or []
    scene_index = gltf.json.get("scene", 0)
    if scenes:
        roots = gltf.item("scenes", scene_index if isinstance(scene_index, int) else 0).get("nodes") or []
    else:  # no scene: every node nobody lists as a child is a root
        nodes = gltf.json.get("nodes") or []
        children = {c for n in nodes if isinstance(n, dict) for c in n.get("children") or []}
        roots = [i for i in range(len(nodes)) if i not in children]
    found: list[tuple[int, np.ndarray]] = []
    stack = [(root, np.eye(4), 0) for root in reversed(roots)]
    while stack:
        index, parent, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise GltfError("the node tree is too deep (or loops)")
        node = gltf.item("nodes", index)
        world = parent @ node_matrix(node)
        if node.get("mesh") is not None:
            found.append((node["mesh"], world))
        stack.extend((child, world, depth + 1) for child in reversed(node.get("children") or []))
    return found


def node_matrix(node: dict) -> np.ndarray:
    """The node's local transform: its column-major ``matrix``, else translation * rotation * scale."""
    try:
        if "matrix" in node:
            m = np.asarray(node["matrix"], dtype=np.float64)
            if m.shape != (16,):
                raise GltfError("a node matrix is not 16 numbers")
            return m.reshape(4, 4).T
        t = np.asarray(node.get("translation", (0, 0, 0)), dtype=np.float64).reshape(3)
        x, y, z, w = np.asarray(node.get("rotation", (0, 0, 0, 1)), dtype=np.float64).reshape(4)
        s = np.asarray(node.get("scale", (1, 1, 1)), dtype=np.float64).reshape(3)
    except (TypeError, ValueError) as exc:
        raise GltfError("a node transform is malformed") from exc
    n = x * x + y * y + z * z + w * w
    if n > 0:
        x, y, z, w = (v / np.sqrt(n) for v in (x, y, z, w))
    rotation = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])
    m = np.eye(4)
    m[:3, :3] = rotation * s  # columns scaled: R @ diag(s)
    m[:3, 3] = t
    return m


# -- one primitive --------------------------------------------------------------------------------------
def _faces(gltf: GltfFile, primitive: dict, count: int) -> np.ndarray | None:
    mode = primitive.get("mode", 4)
    if "indices" in primitive:
        flat = gltf.accessor(primitive["indices"]).ravel()
        if not np.issubdtype(flat.dtype, np.integer):
            raise GltfError("indices are not integers")
    else:
        flat = np.arange(count, dtype=np.uint32)
    if mode == 4:
        return flat[: len(flat) - len(flat) % 3].reshape(-1, 3)
    if mode == 5 and len(flat) >= 3:  # strip: every other triangle is wound the other way
        faces = np.column_stack([flat[:-2], flat[1:-1], flat[2:]])
        faces[1::2, :2] = faces[1::2, 1::-1]
        return faces
    if mode == 6 and len(flat) >= 3:  # fan
        return np.column_stack([np.full(len(flat) - 2, flat[0]), flat[1:-1], flat[2:]])
    return None  # points and lines have nothing to shade


def _primitive_part(gltf: GltfFile, primitive: dict, transform: np.ndarray, textures: _Textures,
                    budget: int) -> tuple[MeshPart, tuple[np.ndarray, int] | None] | None:
    attributes = primitive.get("attributes") or {}
    if not isinstance(attributes, dict) or "POSITION" not in attributes:
        return None
    verts = gltf.accessor(attributes["POSITION"])
    if verts.shape[1] != 3 or len(verts) == 0:
        return None
    faces = _faces(gltf, primitive, len(verts))
    if faces is None or len(faces) == 0:
        return None
    if len(faces) > budget:
        raise MeshLoadError("This model is too large to preview.", hint="It has too many triangles.")
    if faces.max() >= len(verts):
        log.info("skipping a primitive with out-of-range indices")
        return None
    verts = verts.astype(np.float64)
    finite = np.isfinite(verts).all(axis=1)
    if not finite.all():  # hostile or broken files: drop faces touching NaN/inf, keep the rest
        faces = faces[finite[faces].all(axis=1)]
        verts = np.where(finite[:, None], verts, 0.0)
        if len(faces) == 0:
            return None

    linear = transform[:3, :3]
    if np.array_equal(transform, np.eye(4)):
        positions = verts.astype(np.float32)
    else:
        positions = (verts @ linear.T + transform[:3, 3]).astype(np.float32)
    if np.linalg.det(linear) < 0:  # a mirroring node flips winding; undo it so normals stay outward
        faces = faces[:, ::-1]
    indices = np.ascontiguousarray(faces, dtype=np.uint32)

    welded = None
    normals = _file_normals(gltf, attributes, linear, len(verts))
    if normals is None:
        welded = weld_index(positions)
        normals = vertex_normals(positions, indices, welded=welded)

    material = read_material(gltf, primitive)
    uvs, texture = _texture_and_uvs(gltf, attributes, material, textures, len(verts))
    pbr = material_json(gltf, primitive)
    if uvs is None and pbr is not None and "TEXCOORD_0" in attributes:  # e.g. a normal map without a colour map
        uvs = _plain_uvs(gltf, attributes["TEXCOORD_0"], len(verts))
    colors = _vertex_colors(gltf, attributes, len(verts))  # COLOR_0 multiplies the base colour, texture or not
    part = MeshPart(
        positions=np.ascontiguousarray(positions),
        normals=np.ascontiguousarray(normals, dtype=np.float32),
        uvs=uvs,
        colors=colors,
        indices=indices,
        texture=texture,
        base_color=material.base_color,
    )
    # metallic-roughness, normal, occlusion, emission, alpha, sides: read the way every loader reads them
    def channel(info: dict) -> np.ndarray | None:
        image = texture_image(gltf, info)
        return None if image is None else textures.get(image)

    apply_gltf_material(part, pbr, channel, _file_tangents(gltf, attributes, linear, len(verts)))
    return part, welded


def _file_normals(gltf: GltfFile, attributes: dict, linear: np.ndarray, count: int) -> np.ndarray | None:
    """Normals stored in the file win: the author chose hard and soft edges."""
    if "NORMAL" not in attributes:
        return None
    n = gltf.accessor(attributes["NORMAL"]).astype(np.float64)
    if n.shape != (count, 3) or not np.isfinite(n).all():
        return None
    if not np.array_equal(linear, np.eye(3)):
        try:
            n = n @ np.linalg.inv(linear)  # (inverse transpose) applied to row vectors
        except np.linalg.LinAlgError:
            return None
    return unit_rows(n)


def _plain_uvs(gltf: GltfFile, accessor: Any, count: int) -> np.ndarray | None:
    uv = gltf.accessor(accessor).astype(np.float64)
    if uv.shape != (count, 2):
        return None
    uvs = np.column_stack([uv[:, 0], 1.0 - uv[:, 1]]).astype(np.float32)  # glTF's v runs down the image
    return np.nan_to_num(uvs, nan=0.0, posinf=0.0, neginf=0.0)


def _file_tangents(gltf: GltfFile, attributes: dict, linear: np.ndarray, count: int) -> np.ndarray | None:
    """TANGENT (xyz, w = handedness) moved like the positions; a mirroring node flips the handedness."""
    if "TANGENT" not in attributes:
        return None
    t = gltf.accessor(attributes["TANGENT"]).astype(np.float64)
    if t.shape != (count, 4) or not np.isfinite(t).all():
        return None
    xyz = unit_rows(t[:, :3] @ linear.T)
    w = np.where(t[:, 3] < 0, -1.0, 1.0) * (-1.0 if np.linalg.det(linear) < 0 else 1.0)
    return np.column_stack([xyz, w]).astype(np.float32)


def _texture_and_uvs(gltf: GltfFile, attributes: dict, material: GltfMaterial, textures: _Textures,
                     count: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    key = f"TEXCOORD_{material.base_texcoord}"
    if material.base_image is None or key not in attributes:
        return None, None
    texture = textures.get(material.base_image)
    if texture is None and textures.max_texture > 0:
        return None, None
    uv = gltf.accessor(attributes[key]).astype(np.float64)
    if uv.shape != (count, 2):
        return None, None
    if material.base_uv_transform is not None:
        m = material.base_uv_transform
        uv = uv @ m[:2, :2].T + m[:2, 2]
    uvs = np.empty((count, 2), dtype=np.float32)
    uvs[:, 0] = uv[:, 0]
    uvs[:, 1] = 1.0 - uv[:, 1]  # glTF's v runs down the image; the preview's (OpenGL's) runs up
    return np.nan_to_num(uvs, nan=0.0, posinf=0.0, neginf=0.0), texture


def _vertex_colors(gltf: GltfFile, attributes: dict, count: int) -> np.ndarray | None:
    if "COLOR_0" not in attributes:
        return None
    c = gltf.accessor(attributes["COLOR_0"])
    if len(c) != count or c.shape[1] not in (3, 4):
        return None
    if np.issubdtype(c.dtype, np.integer):  # not flagged normalized, but colours are 0..max by definition
        c = c.astype(np.float32) / np.float32(np.iinfo(c.dtype).max)
    c = np.nan_to_num(c.astype(np.float32), nan=1.0)
    if c.shape[1] == 3:
        c = np.column_stack([c, np.ones(count, dtype=np.float32)])
    return np.ascontiguousarray(np.clip(c, 0.0, 1.0))


# -- textures --------------------------------------------------------------------------------------
class _Textures:
    """Each image decoded once, at most ``max_texture`` on its long side (0: size only, no pixels)."""

    def __init__(self, gltf: GltfFile, max_texture: int) -> None:
        self.gltf = gltf
        self.max_texture = max_texture
        self._pixels: dict[int, np.ndarray | None] = {}
        self._sizes: dict[int, tuple[int, int]] = {}
        self._pending: dict[int, Future] = {}

    def prefetch(self, indices: list[int]) -> None:
        """Start decoding ``indices`` in a thread: Pillow decodes without holding the GIL, so a big texture
        (~0.1 s for a 2048² PNG) is ready by the time the geometry and its normals are."""
        if self.max_texture <= 0 or not indices:
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="texture-decode")
        for index in indices:
            self._pending[index] = pool.submit(self._decode, index)
        pool.shutdown(wait=False)  # the worker ends after the last one

    def get(self, index: int) -> np.ndarray | None:
        if index not in self._pixels:
            pending = self._pending.pop(index, None)
            pixels, size = pending.result() if pending is not None else self._decode(index)
            if size is not None:
                self._sizes[index] = size
            self._pixels[index] = pixels
        return self._pixels[index]

    def sizes(self) -> list[tuple[int, int]]:
        return list(self._sizes.values())

    def _decode(self, index: int) -> tuple[np.ndarray | None, tuple[int, int] | None]:
        try:
            data = self.gltf.image_bytes(index)
        except GltfError as exc:
            log.info("texture %s unavailable: %s", index, exc)
            return None, None
        return decode_texture(data, self.max_texture)


def decode_texture(data: bytes, max_texture: int) -> tuple[np.ndarray | None, tuple[int, int] | None]:
    """(RGBA pixels no larger than ``max_texture``, the original size); (None, size) for size only.

    ``thumbnail`` lets a JPEG decoder skip detail it would throw away (draft mode: 1/2, 1/4, 1/8 scale)
    and reduces other formats by whole factors before the final filter: a 4096 texture shown at 2048
    costs a fraction of a full decode and resize. A broken image costs the texture, never the geometry.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is below
            image = Image.open(io.BytesIO(data))
            w, h = image.size
            if w <= 0 or h <= 0 or w * h > MAX_TEXTURE_PIXELS:
                return None, None
            if max_texture <= 0:
                return None, (w, h)
            if max(w, h) > max_texture:
                image = _shrink(image, max_texture)
            pixels = np.asarray(image.convert("RGBA"), dtype=np.uint8)
        return np.ascontiguousarray(pixels), (w, h)
    except Exception as exc:  # Pillow raises many types on bad data; all mean "no texture"
        log.info("texture could not be decoded: %r", exc)
        return None, None


def _shrink(image: Any, limit: int) -> Any:
    """``image`` with its long side at most ``limit``: JPEG decoded at 1/2, 1/4 or 1/8 scale (draft), then
    halved by whole factors with a box filter (``reduce``: ~10x cheaper than an antialiased resize of the
    whole image), and only what is left resized smoothly."""
    from PIL import Image

    w, h = image.size
    scale = limit / max(w, h)
    target = (max(1, round(w * scale)), max(1, round(h * scale)))
    image.draft("RGB", target)  # a no-op for formats other than JPEG
    whole = max(image.size) // limit
    if whole >= 2:
        image = image.reduce(int(whole))
    if image.size != target and max(image.size) > limit:
        image = image.resize(target, Image.Resampling.BILINEAR)
    return image
