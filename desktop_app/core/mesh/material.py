"""A mesh's material -> the MeshPart's glTF metallic-roughness fields, in one place every loader calls.

``apply_material`` reads trimesh's PBRMaterial (what glTF/GLB files load as) or its SimpleMaterial (OBJ/MTL);
``apply_gltf_material`` reads a glTF material straight from the file's JSON (a reader without trimesh). Both
fill the part's base colour, metallic and roughness, the four extra textures, emission, alpha mode and
sidedness, then the tangents a normal map needs (from the file when the loader has them, else computed from
the UVs). Qt-free; runs in the loader's worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from desktop_app.core.mesh.arrays import MeshPart
from desktop_app.core.mesh.geometry import unit_rows

log = logging.getLogger(__name__)

MAX_TEXTURE_PIXELS = 16384 * 16384
ALPHA_MODES = ("OPAQUE", "MASK", "BLEND")
# an OBJ/MTL or an untextured file has no PBR inputs: a satin dielectric reads well under the studio light
PLAIN_METALLIC, PLAIN_ROUGHNESS = 0.0, 0.6


def apply_material(part: MeshPart, material: Any, *, max_texture: int = 2048, tex_cache: dict | None = None,
                   tex_sizes: dict | None = None, tangents: np.ndarray | None = None) -> MeshPart:
    """Fill ``part``'s material fields from ``material`` (a trimesh material, or None) and return the part.

    ``part.uvs`` must be set when the mesh has texture coordinates; they are dropped again when no texture
    uses them. ``max_texture`` caps the decoded size of each texture (0: no pixels are decoded, only their
    sizes recorded, for counting). ``tex_cache`` (image id -> array) shares one decoded array between parts
    that use one image; ``tex_sizes`` (image id -> original (w, h)) collects every distinct image for the
    facts. ``tangents`` (N, 4) from the file win over computed ones.
    """
    tex_cache = {} if tex_cache is None else tex_cache
    tex_sizes = {} if tex_sizes is None else tex_sizes
    is_pbr = type(material).__name__ == "PBRMaterial"
    part.has_material = material is not None
    has_uv = part.uvs is not None and len(part.uvs) == len(part.positions)

    def texture(image: Any) -> np.ndarray | None:
        if image is None or not hasattr(image, "size") or not has_uv:
            return None
        tex_sizes.setdefault(id(image), tuple(image.size))
        if max_texture <= 0:
            return None
        if id(image) not in tex_cache:
            tex_cache[id(image)] = _texture_array(image, max_texture)
        return tex_cache[id(image)]

    base_image = _base_image(material)
    part.texture = texture(base_image)
    part.base_color = _base_color(material, textured=base_image is not None)
    if is_pbr:
        # glTF's defaults when a factor is absent: fully metallic and fully rough (the spec's, not ours)
        part.metallic = _unit_float(getattr(material, "metallicFactor", None), 1.0)
        part.roughness = _unit_float(getattr(material, "roughnessFactor", None), 1.0)
        part.metallic_roughness_texture = texture(getattr(material, "metallicRoughnessTexture", None))
        part.normal_texture = texture(getattr(material, "normalTexture", None))
        part.occlusion_texture = texture(getattr(material, "occlusionTexture", None))
        part.emissive_texture = texture(getattr(material, "emissiveTexture", None))
        part.emissive_factor = _emissive(getattr(material, "emissiveFactor", None))
        mode = str(getattr(material, "alphaMode", None) or "OPAQUE").upper()
        part.alpha_mode = mode if mode in ALPHA_MODES else "OPAQUE"
        part.alpha_cutoff = _unit_float(getattr(material, "alphaCutoff", None), 0.5)
        part.double_sided = bool(getattr(material, "doubleSided", False))
    else:
        part.metallic, part.roughness = PLAIN_METALLIC, PLAIN_ROUGHNESS
        part.double_sided = True  # OBJ has no such flag; its winding is often inconsistent
        if part.base_color[3] < 1.0:  # MTL "d" below 1
            part.alpha_mode = "BLEND"

    if max_texture <= 0:  # counting only: keep the UVs (the facts count them), no tangents
        part.tangents = None
        return part
    _finish(part, tangents)
    return part


def apply_gltf_material(part: MeshPart, material: dict | None,
                        texture: Callable[[dict], np.ndarray | None], tangents: np.ndarray | None = None) -> MeshPart:
    """Fill ``part``'s material fields from a glTF ``materials[i]`` JSON object (None: the primitive has none).

    ``texture(info)`` turns a textureInfo object (``{"index": ..., "texCoord": ...}``) into decoded RGBA pixels
    (or None); the caller resolves images, samplers and texture transforms, and has set ``part.uvs`` from the
    TEXCOORD the textures use. Every field is set, base colour and its texture included; malformed values
    fall back to glTF's defaults, never an error.
    """
    part.has_material = isinstance(material, dict)
    if not isinstance(material, dict):
        part.metallic, part.roughness = PLAIN_METALLIC, PLAIN_ROUGHNESS
        part.tangents = None
        return part
    pbr = material.get("pbrMetallicRoughness")
    pbr = pbr if isinstance(pbr, dict) else {}
    has_uv = part.uvs is not None and len(part.uvs) == len(part.positions)

    def tex(info: Any) -> np.ndarray | None:
        if not isinstance(info, dict) or not has_uv:
            return None
        try:
            return texture(info)
        except Exception as exc:  # a broken image costs its channel, never the geometry
            log.info("texture could not be read: %r", exc)
            return None

    factor = _floats(pbr.get("baseColorFactor"), 4) or [1.0, 1.0, 1.0, 1.0]
    part.base_color = tuple(min(max(x, 0.0), 1.0) for x in factor)  # type: ignore[assignment]
    part.texture = tex(pbr.get("baseColorTexture"))
    part.metallic = _unit_float(pbr.get("metallicFactor"), 1.0)
    part.roughness = _unit_float(pbr.get("roughnessFactor"), 1.0)
    part.metallic_roughness_texture = tex(pbr.get("metallicRoughnessTexture"))
    normal = material.get("normalTexture")
    part.normal_texture = tex(normal)
    part.normal_scale = _float(normal.get("scale"), 1.0) if isinstance(normal, dict) else 1.0
    occlusion = material.get("occlusionTexture")
    part.occlusion_texture = tex(occlusion)
    part.occlusion_strength = (_unit_float(occlusion.get("strength"), 1.0) if isinstance(occlusion, dict)
                               else 1.0)
    part.emissive_texture = tex(material.get("emissiveTexture"))
    emissive = _floats(material.get("emissiveFactor"), 3)
    strength = (material.get("extensions") or {}).get("KHR_materials_emissive_strength") \
        if isinstance(material.get("extensions"), dict) else None
    scale = _float(strength.get("emissiveStrength"), 1.0) if isinstance(strength, dict) else 1.0
    part.emissive_factor = tuple(max(x, 0.0) * max(scale, 0.0) for x in emissive) if emissive else (0.0, 0.0, 0.0)  # type: ignore[assignment]
    mode = str(material.get("alphaMode") or "OPAQUE").upper()
    part.alpha_mode = mode if mode in ALPHA_MODES else "OPAQUE"
    part.alpha_cutoff = _unit_float(material.get("alphaCutoff"), 0.5)
    part.double_sided = material.get("doubleSided") is True
    _finish(part, tangents)
    return part


def _finish(part: MeshPart, tangents: np.ndarray | None) -> None:
    """Drop UVs nothing samples; tangents for a normal map: the file's, else computed."""
    used = any(t is not None for t in (part.texture, part.metallic_roughness_texture, part.normal_texture,
                                       part.occlusion_texture, part.emissive_texture))
    if not used:
        part.uvs = None
    part.tangents = None
    if part.normal_texture is not None and part.uvs is not None:
        if tangents is not None and np.shape(tangents) == (len(part.positions), 4) and np.isfinite(tangents).all():
            part.tangents = np.ascontiguousarray(tangents, dtype=np.float32)
        else:
            part.tangents = vertex_tangents(part.positions, part.normals, part.uvs, part.indices)


def _floats(value: Any, count: int) -> list[float] | None:
    if not isinstance(value, (list, tuple)) or len(value) != count:
        return None
    try:
        out = [float(x) for x in value]
    except (TypeError, ValueError):
        return None
    return out if all(np.isfinite(out)) else None


def _float(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if np.isfinite(number) else default


def vertex_tangents(positions: np.ndarray, normals: np.ndarray, uvs: np.ndarray,
                    indices: np.ndarray) -> np.ndarray:
    """Per-vertex tangents (N, 4) from the UV layout: xyz points along +u, w = ±1 so that cross(n, t) * w
    points along +v (up in the image, the direction of a normal map's green channel).

    Per-triangle UV derivatives summed at each vertex, then made orthogonal to the normal (the usual
    Lengyel construction; close to MikkTSpace on smooth, well-mapped meshes, which is what generators make).
    """
    p = np.asarray(positions, dtype=np.float64)
    t = np.asarray(uvs, dtype=np.float64)
    idx = np.asarray(indices, dtype=np.int64).reshape(-1, 3)
    count = len(p)
    e1, e2 = p[idx[:, 1]] - p[idx[:, 0]], p[idx[:, 2]] - p[idx[:, 0]]
    d1, d2 = t[idx[:, 1]] - t[idx[:, 0]], t[idx[:, 2]] - t[idx[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    ok = np.abs(det) > 1e-20
    r = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)[:, None]
    face_t = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * r
    face_b = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * r
    sum_t = np.zeros((count, 3))
    sum_b = np.zeros((count, 3))
    for axis in range(3):
        for corner in range(3):
            sum_t[:, axis] += np.bincount(idx[:, corner], weights=face_t[:, axis], minlength=count)
            sum_b[:, axis] += np.bincount(idx[:, corner], weights=face_b[:, axis], minlength=count)
    n = np.asarray(normals, dtype=np.float64)
    tangent = sum_t - n * np.einsum("ij,ij->i", n, sum_t)[:, None]  # Gram-Schmidt against the normal
    bad = np.linalg.norm(tangent, axis=1) < 1e-12
    if bad.any():  # no usable UV gradient here: any direction in the surface plane
        helper = np.where(np.abs(n[bad, 0:1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
        tangent[bad] = np.cross(n[bad], helper)
    tangent = unit_rows(tangent)
    sign = np.where(np.einsum("ij,ij->i", np.cross(n, tangent), sum_b) < 0.0, -1.0, 1.0)
    return np.ascontiguousarray(np.column_stack([tangent, sign]), dtype=np.float32)


def _base_image(material: Any) -> Any:
    for attr in ("baseColorTexture", "image"):
        image = getattr(material, attr, None)
        if image is not None and hasattr(image, "size"):
            return image
    return None


def _base_color(material: Any, textured: bool) -> tuple[float, float, float, float]:
    """Base colour as linear floats. glTF's factor multiplies its texture; an MTL Kd is usually meant to
    be replaced by map_Kd, so a textured simple material is white."""
    if material is None:
        return (1.0, 1.0, 1.0, 1.0)
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


def _emissive(value: Any) -> tuple[float, float, float]:
    """glTF's emissiveFactor, linear; absent means black (so an emissive texture alone shows nothing, as the
    spec says and other viewers do)."""
    if value is None:
        return (0.0, 0.0, 0.0)
    arr = np.asarray(value, dtype=np.float64).ravel()
    if arr.size < 3 or not np.isfinite(arr).all():
        return (0.0, 0.0, 0.0)
    return tuple(float(x) for x in np.clip(arr[:3], 0.0, None))  # type: ignore[return-value]


def _unit_float(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, 0.0), 1.0) if np.isfinite(number) else default


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
