"""What the preview takes from a glTF primitive's material: one small function, so more (PBR) fields go here.

Today: the base colour factor (linear, as glTF stores it), the base-colour texture, its UV set and its
KHR_texture_transform. A primitive without a material keeps the clay colour, as the trimesh path does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop_app.core.mesh.arrays import CLAY_COLOR


@dataclass(frozen=True)
class GltfMaterial:
    base_color: tuple[float, float, float, float] = CLAY_COLOR
    base_image: int | None = None  # index into the file's images
    base_texcoord: int = 0  # which TEXCOORD_n the texture reads
    base_uv_transform: np.ndarray | None = None  # (3, 3) KHR_texture_transform in glTF UV space, or None


def read_material(gltf: Any, primitive: dict) -> GltfMaterial:
    """The material of ``primitive``; anything malformed falls back to the defaults (never an error)."""
    index = primitive.get("material")
    if index is None:
        return GltfMaterial()
    try:
        material = gltf.item("materials", index)
    except ValueError:
        return GltfMaterial()
    pbr = material.get("pbrMetallicRoughness") or {}
    base = _color(pbr.get("baseColorFactor"))
    info = pbr.get("baseColorTexture")
    image, texcoord, transform = _texture(gltf, info) if isinstance(info, dict) else (None, 0, None)
    return GltfMaterial(base, image, texcoord, transform)


def material_json(gltf: Any, primitive: dict) -> dict | None:
    """The primitive's material object as the file has it (None: no material, or a broken reference)."""
    index = primitive.get("material")
    if index is None:
        return None
    try:
        material = gltf.item("materials", index)
    except ValueError:
        return None
    return material if isinstance(material, dict) else None


def texture_image(gltf: Any, info: dict) -> int | None:
    """The image index a textureInfo object samples (None when it names no usable texture)."""
    image, _texcoord, _transform = _texture(gltf, info)
    return image


def _color(value: Any) -> tuple[float, float, float, float]:
    if not isinstance(value, list) or len(value) != 4:
        return (1.0, 1.0, 1.0, 1.0)
    try:
        rgba = [min(max(float(x), 0.0), 1.0) for x in value]
    except (TypeError, ValueError):
        return (1.0, 1.0, 1.0, 1.0)
    return tuple(x if math.isfinite(x) else 1.0 for x in rgba)  # type: ignore[return-value]


def _texture(gltf: Any, info: dict) -> tuple[int | None, int, np.ndarray | None]:
    try:
        texture = gltf.item("textures", info.get("index"))
    except ValueError:
        return None, 0, None
    image = texture.get("source")
    if not isinstance(image, int) or isinstance(image, bool):
        return None, 0, None
    texcoord = info.get("texCoord", 0)
    transform = None
    ext = (info.get("extensions") or {}).get("KHR_texture_transform")
    if isinstance(ext, dict):
        transform = uv_transform(ext)
        texcoord = ext.get("texCoord", texcoord)
    return image, texcoord if isinstance(texcoord, int) else 0, transform


def uv_transform(ext: dict) -> np.ndarray | None:
    """KHR_texture_transform's matrix: translation * rotation * scale (the extension's definition)."""
    try:
        ox, oy = (float(x) for x in ext.get("offset", (0.0, 0.0)))
        sx, sy = (float(x) for x in ext.get("scale", (1.0, 1.0)))
        r = float(ext.get("rotation", 0.0))
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(x) for x in (ox, oy, sx, sy, r)):
        return None
    c, s = math.cos(r), math.sin(r)
    translation = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]], dtype=np.float64)
    rotation = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]], dtype=np.float64)
    scale = np.diag([sx, sy, 1.0])
    matrix = translation @ rotation @ scale
    return None if np.allclose(matrix, np.eye(3)) else matrix
