"""Load model files into flat numpy arrays for the preview (Qt-free; meant to run in a worker thread).

The GUI thread only uploads what this module returns, so everything slow lives here: parsing, node
transforms, normals, texture decode and downscale. Errors come out as ``MeshLoadError`` with a message a
user can act on; the trimesh detail goes to the log, never to the screen.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.errors import MeshLoadError

log = logging.getLogger(__name__)

PREVIEW_FORMATS = (".glb", ".gltf", ".obj", ".stl", ".ply")
# Formats people will meet (services offer them) that trimesh cannot open: say so plainly.
UNPREVIEWABLE = {".fbx": "FBX", ".usdz": "USDZ", ".usd": "USD", ".usda": "USD", ".usdc": "USD",
                 ".blend": "Blender", ".3mf": "3MF", ".dae": "Collada"}
MAX_FILE_BYTES = 2 * 1024**3
MAX_TRIANGLES = 30_000_000  # beyond this llvmpipe (our floor) cannot draw it and RAM runs out
MAX_TEXTURE_PIXELS = 16384 * 16384
CLAY_COLOR = (0.72, 0.72, 0.70, 1.0)


@dataclass
class MeshPart:
    """One drawable piece: a single material. Colours in ``colors`` are sRGB; ``base_color`` is linear."""

    positions: np.ndarray  # (N, 3) float32, world space (node transforms applied)
    normals: np.ndarray  # (N, 3) float32, unit length
    uvs: np.ndarray | None  # (N, 2) float32, OpenGL convention (v=0 at the image's bottom row)
    colors: np.ndarray | None  # (N, 4) float32 0..1
    indices: np.ndarray  # (M, 3) uint32
    texture: np.ndarray | None  # (H, W, 4) uint8, row 0 = top of the image (as stored in files)
    base_color: tuple[float, float, float, float] = CLAY_COLOR


@dataclass
class MeshStats:
    triangles: int
    vertices: int
    parts: int
    textures: list[tuple[int, int]]  # original (width, height) of each distinct base-colour texture
    bounds: np.ndarray  # (2, 3) min and max corner
    size: tuple[float, float, float]
    watertight: bool | None  # None when not checked (too big)
    file_bytes: int


@dataclass
class SceneArrays:
    parts: list[MeshPart]
    stats: MeshStats
    center: np.ndarray  # (3,) bounding-sphere centre, used to fit the camera
    radius: float
    up: str = "y"  # glTF/OBJ are Y-up; STL is usually Z-up (3D printing)
    source: str = field(default="", compare=False)
    proxy: SceneArrays | None = field(default=None, compare=False, repr=False)  # core/mesh_proxy.py


def load_scene_arrays(path: Path, max_texture: int = 2048) -> SceneArrays:
    """Read ``path`` and return flat arrays ready for upload. Raises MeshLoadError with a plain message."""
    path = Path(path)
    size = _check_file(path)
    scene = _load_trimesh(path)
    arrays = scene_arrays_from_trimesh(scene, max_texture=max_texture)
    arrays.stats.file_bytes = size
    arrays.up = "z" if path.suffix.lower() == ".stl" else "y"
    arrays.source = str(path)
    return arrays


def mesh_stats(path: Path) -> MeshStats:
    """Counts, size and watertightness of a model file, without decoding textures into pixels."""
    path = Path(path)
    size = _check_file(path)
    arrays = scene_arrays_from_trimesh(_load_trimesh(path), max_texture=0)
    arrays.stats.file_bytes = size
    return arrays.stats


def scene_arrays_from_trimesh(scene_or_mesh: Any, max_texture: int = 2048) -> SceneArrays:
    """Flatten a trimesh Scene (or a single Trimesh) into parts. ``max_texture=0`` skips texture pixels."""
    import trimesh

    if isinstance(scene_or_mesh, trimesh.Trimesh):
        scene_or_mesh = trimesh.Scene(scene_or_mesh)
    if not isinstance(scene_or_mesh, trimesh.Scene):
        raise MeshLoadError("This file has no surfaces to show.")
    scene = scene_or_mesh

    parts: list[MeshPart] = []
    tex_sizes: dict[int, tuple[int, int]] = {}
    tex_cache: dict[int, np.ndarray | None] = {}
    total = 0
    for node in scene.graph.nodes_geometry:
        transform, geom_name = scene.graph[node]
        geom = scene.geometry.get(geom_name)
        if not isinstance(geom, trimesh.Trimesh) or len(geom.faces) == 0:
            continue  # point clouds and paths have nothing to shade
        total += len(geom.faces)
        if total > MAX_TRIANGLES:
            raise MeshLoadError("This model is too large to preview.",
                                hint=f"It has more than {MAX_TRIANGLES:,} triangles.")
        part, welded = _part_from_mesh(geom, np.asarray(transform, dtype=np.float64), max_texture, tex_cache,
                                       tex_sizes)
        if part is not None:
            parts.append(part)
    if not parts:
        raise MeshLoadError("This file has no surfaces to show.", hint="It may be empty or only hold points.")
    return _finish(parts, list(tex_sizes.values()), welded if len(parts) == 1 else None)


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
    corners = [np.ascontiguousarray(idx[:, k]) for k in range(3)]
    v0 = p[corners[0]]
    e1, e2 = p[corners[1]] - v0, p[corners[2]] - v0
    del v0
    # cross product by components: np.cross makes several temporary copies, ~4x slower on 2M faces;
    # float32 is plenty for shading and the sums below are accumulated in float64
    face_n = np.empty_like(e1)
    face_n[:, 0] = e1[:, 1] * e2[:, 2] - e1[:, 2] * e2[:, 1]
    face_n[:, 1] = e1[:, 2] * e2[:, 0] - e1[:, 0] * e2[:, 2]
    face_n[:, 2] = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]  # length = 2 * area: the weight
    del e1, e2
    sums = np.zeros((count, 3))
    for axis in range(3):
        weights = face_n[:, axis].astype(np.float64)
        for corner in corners:  # bincount beats np.add.at by ~10x; per corner avoids a 3x repeated copy
            sums[:, axis] += np.bincount(corner, weights=weights, minlength=count)
    own = _unit(sums)
    if not weld or count == 0:
        return own
    inverse, distinct = welded if welded is not None else weld_index(positions)
    if distinct == count:  # no two vertices share a position: nothing to weld
        return own
    # the sum over corners at one position is the sum of those vertices' own sums
    shared = np.empty((distinct, 3))
    for axis in range(3):
        shared[:, axis] = np.bincount(inverse, weights=sums[:, axis], minlength=distinct)
    result = _unit(shared)[inverse]
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


# --- internals -------------------------------------------------------------------------------------


def _check_file(path: Path) -> int:
    suffix = path.suffix.lower()
    if suffix in UNPREVIEWABLE:
        raise MeshLoadError(f"{UNPREVIEWABLE[suffix]} files can't be previewed here.",
                            hint="Download the GLB or OBJ version of the model to see it.")
    if suffix not in PREVIEW_FORMATS:
        raise MeshLoadError(f"“{suffix or path.name}” files can't be previewed.",
                            hint="Supported: " + ", ".join(PREVIEW_FORMATS) + ".")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MeshLoadError("The model file could not be found or opened.", hint=str(path)) from exc
    if size == 0:
        raise MeshLoadError("The model file is empty.", hint="The download may have failed; try again.")
    if size > MAX_FILE_BYTES:
        raise MeshLoadError("The model file is too large to preview.")
    if suffix == ".glb":
        _check_glb_header(path, size)
    return size


def _check_glb_header(path: Path, size: int) -> None:
    """A cheap look at the 12-byte GLB header catches text files and truncated downloads early."""
    with path.open("rb") as fh:
        head = fh.read(12)
    if len(head) < 12 or head[:4] != b"glTF":
        raise MeshLoadError("This file is not a valid GLB model.", hint="It may be damaged or mislabeled.")
    declared = int.from_bytes(head[8:12], "little")
    if declared > size:
        raise MeshLoadError("The model file is incomplete.", hint="The download was cut short; try again.")


def _load_trimesh(path: Path) -> Any:
    import trimesh

    try:
        # process=False: keep the file's vertices (merging is slow and would weld UV seams).
        return trimesh.load_scene(str(path), process=False)
    except MeshLoadError:
        raise
    except MemoryError as exc:
        raise MeshLoadError("The model is too large to open on this computer.") from exc
    except Exception as exc:  # trimesh raises many types on bad input; all mean "can't read it"
        log.info("trimesh could not read %s: %r", path, exc)
        raise MeshLoadError("This model file couldn't be read.",
                            hint="It may be damaged, incomplete or in an unsupported variant.") from exc


def _part_from_mesh(mesh: Any, transform: np.ndarray, max_texture: int, tex_cache: dict,
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
    return _unit(n @ normal_matrix.T)


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


def _finish(parts: list[MeshPart], tex_sizes: list[tuple[int, int]],
            welded: tuple[np.ndarray, int] | None = None) -> SceneArrays:
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
        watertight=_watertight(parts, welded) if tris <= 3_000_000 else None,
        file_bytes=0,
    )
    return SceneArrays(parts=parts, stats=stats, center=center, radius=radius)


def _watertight(parts: list[MeshPart], welded: tuple[np.ndarray, int] | None = None) -> bool:
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


def _unit(v: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(v, axis=1, keepdims=True)
    out = np.divide(v, length, out=np.zeros_like(v), where=length > 1e-20)
    out[(length[:, 0] <= 1e-20)] = (0.0, 0.0, 1.0)  # degenerate: any unit vector beats NaN in the shader
    return out
