"""The offline "relief" generator: one picture -> a closed, textured relief solid (GLB).

How it works, in four vectorised stages (numpy/scipy; no Python loop over pixels, so the GUI thread keeps
getting the GIL while this runs in a worker):

1. *Subject*: the alpha channel, or, for opaque pictures, the pixels that differ from the median border colour
   and are not connected to the border. Specks are dropped and pin-holes filled.
2. *Grid*: a regular grid over the subject's bounding box, about ``detail`` x ``detail`` cells. A cell
   corner is inside when the subject covers at least half of the cell around it; each cell becomes two
   triangles (the diagonal chosen so a three-corner cell keeps one), and rim vertices slide onto the true
   outline so the silhouette is not a staircase.
3. *Height*: an "inflated" profile from the distance to the outline (a disc becomes a dome), modulated by the
   picture's brightness, smoothed, and scaled to ``depth``. The back is flat or a mirror of the front, and
   walls of ``base_thickness`` join the two rims, so the result is watertight.
4. *Texture*: the front and back map the picture itself (glTF baseColorTexture), with the background
   coloured from the nearest subject pixel so edges do not bleed grey.

Units: the subject's longer side is 1.0; +Y is up and the front faces +Z (glTF conventions).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import trimesh
from PIL import Image
from scipy import ndimage

from desktop_app.core.errors import InputImageError, JobCanceled, ValidationError
from desktop_app.core.images import check_image, load_upright

ProgressFn = Callable[[float, str], None]

WORK_SIDE = 1024  # subject finding runs at most at this size: plenty for a grid of <= 512 cells
TEXTURE_SIDE = 2048  # the embedded picture is at most this size
MIN_RIM = 0.002  # thinnest edge between the front and back rims, in units of the subject's longer side


@dataclass
class ReliefParams:
    depth: float = 0.15  # front height, relative to the subject's longer side
    detail: int = 160  # grid cells across the subject (sqrt of its bounding area); sets the triangle count
    smoothing: float = 2.0  # gaussian sigma on the height field, in cells of the default (160) grid
    base_thickness: float = 0.03  # wall height between the front and back rims, relative to the longer side
    luminance_detail: float = 0.3  # 0: shape only; 1: brightness shapes the surface too
    back: str = "mirror"  # "flat" | "mirror"
    background: str = "auto"  # "auto" | "alpha" | "border"

    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "depth": (0.02, 0.5),
        "detail": (32, 512),
        "smoothing": (0.0, 10.0),
        "base_thickness": (0.0, 0.2),
        "luminance_detail": (0.0, 1.0),
    }
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "back": ("flat", "mirror"),
        "background": ("auto", "alpha", "border"),
    }

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        for name, (lo, hi) in self.RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
                problems[name] = "must be a number"
            elif not lo <= value <= hi:
                problems[name] = f"must be between {lo:g} and {hi:g}"
        for name, allowed in self.CHOICES.items():
            if getattr(self, name) not in allowed:
                problems[name] = f"must be one of {', '.join(allowed)}"
        if problems:
            raise ValidationError(problems)
        for name in self.RANGES:
            setattr(self, name, float(getattr(self, name)))
        self.detail = round(self.detail)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ReliefParams:
        """Build from form values; keys that are not parameters (like ``image``) are ignored."""
        known = {f.name for f in fields(cls)}
        picked: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known or value is None:
                continue
            if key in cls.RANGES and isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise ValidationError({key: "must be a number"}) from None
            picked[key] = value
        return cls(**picked)


class _Progress:
    """Forwards monotonic progress and checks for cancellation at each step."""

    def __init__(self, callback: ProgressFn | None, cancel: threading.Event | None) -> None:
        self._callback = callback
        self._cancel = cancel
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        self.check()
        self._last = max(self._last, min(1.0, fraction))
        if self._callback is not None:
            self._callback(self._last, message)

    def check(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise JobCanceled("The offline generation was canceled.")


def generate_relief(
    image_path: Path,
    out_path: Path,
    params: ReliefParams,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Turn ``image_path`` into a textured relief GLB at ``out_path`` and return ``out_path``.

    Raises InputImageError when the picture is unusable or has no findable subject, JobCanceled when
    ``cancel`` is set (checked between stages).
    """
    step = _Progress(progress, cancel)
    step(0.0, "Reading the image")
    image_path, out_path = Path(image_path), Path(out_path)
    check_image(image_path)
    picture = load_upright(image_path, keep_alpha=True).convert("RGBA")

    step(0.1, "Finding the subject")
    work = picture
    if max(work.size) > WORK_SIDE:
        work = work.copy()
        work.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BOX)
    rgba = np.asarray(work)
    mask = subject_mask(rgba, params.background)
    if mask.sum() < max(64, 0.0005 * mask.size):
        raise InputImageError(
            f"No subject could be found in “{image_path.name}”: the picture looks empty or fully transparent.",
            hint="Use a picture with a clear subject, ideally on a transparent or plain background.",
        )

    step(0.3, "Building the surface")
    vertices, faces, uv = _build_solid(rgba, mask, params, step)

    step(0.65, "Painting the texture")
    texture = _texture(picture, mask)
    material = trimesh.visual.material.PBRMaterial(
        name="picture", baseColorTexture=texture, metallicFactor=0.0, roughnessFactor=0.85
    )
    mesh = trimesh.Trimesh(
        vertices=vertices,
        faces=faces,
        visual=trimesh.visual.TextureVisuals(uv=uv, material=material),
        process=False,
    )

    step(0.8, "Writing the model")
    data = trimesh.Scene(mesh).export(file_type="glb")
    step.check()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, out_path)
    step(1.0, "Done")
    return out_path


# --- 1. subject -----------------------------------------------------------------------------------------


def subject_mask(rgba: np.ndarray, background: str = "auto") -> np.ndarray:
    """Boolean mask of the subject in an (H, W, 4) uint8 picture."""
    alpha = rgba[..., 3]
    has_transparency = bool((alpha < 128).any())
    if background == "alpha" or (background == "auto" and has_transparency):
        mask = alpha >= 128
    else:
        mask = _mask_from_border(rgba[..., :3])
    return _clean_mask(mask)


def _mask_from_border(rgb: np.ndarray) -> np.ndarray:
    """Subject = pixels unlike the border colour, plus anything enclosed by them.

    Background is the border-coloured region *connected to the border*, so a white shirt on a white
    backdrop stays part of the subject as long as an outline separates it from the edge.
    """
    h, w = rgb.shape[:2]
    band = max(2, round(0.02 * min(h, w)))
    border = np.concatenate([
        rgb[:band].reshape(-1, 3), rgb[-band:].reshape(-1, 3),
        rgb[:, :band].reshape(-1, 3), rgb[:, -band:].reshape(-1, 3),
    ]).astype(np.float32)
    reference = np.median(border, axis=0)
    spread = np.median(np.linalg.norm(border - reference, axis=1))
    # Noise or JPEG artefacts in the backdrop widen the tolerance; a busy border (a photo) cannot widen it
    # past the point where the subject itself would dissolve.
    threshold = float(np.clip(3.0 * spread + 24.0, 24.0, 80.0))
    distance = np.linalg.norm(rgb.astype(np.float32) - reference, axis=2)
    backdrop_like = ndimage.median_filter(distance, size=3) <= threshold
    labels, _ = ndimage.label(backdrop_like)
    edge_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge_labels = edge_labels[edge_labels > 0]
    return ~np.isin(labels, edge_labels)


def _clean_mask(mask: np.ndarray) -> np.ndarray:
    """Keep the main connected parts (drop specks) and fill pin-holes."""
    labels, count = ndimage.label(mask)
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    keep = sizes >= max(16, 0.02 * sizes.max())
    mask = keep[labels]
    holes, hole_count = ndimage.label(~mask)
    if hole_count:
        hole_sizes = np.bincount(holes.ravel())
        edge = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]]))
        small = hole_sizes < max(9, 0.002 * mask.sum())
        small[edge] = False
        small[0] = False
        mask = mask | small[holes]
    return mask


# --- 2 and 3. grid, height and solid -------------------------------------------------------------------


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


def _build_solid(
    rgba: np.ndarray, mask: np.ndarray, params: ReliefParams, step: _Progress
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

    coverage_px = ndimage.uniform_filter(mask.astype(np.float32), size=max(1, round(cell)))
    coverage = ndimage.map_coordinates(coverage_px, [gy, gx], order=1, mode="constant", cval=0.0)
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

    height = _height_field(rgba, inside, gy, gx, params)
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


def _height_field(
    rgba: np.ndarray, inside: np.ndarray, gy: np.ndarray, gx: np.ndarray, params: ReliefParams
) -> np.ndarray:
    """Heights in [0, 1] on the node grid: inflated shape, modulated by brightness, smoothed."""
    distance = ndimage.distance_transform_edt(inside)
    radius = max(float(distance.max()), 1.0)
    # A circular profile: a disc of radius R inflates to a dome, thin parts stay low but rounded.
    shape = np.sqrt(np.clip(distance * (2.0 * radius - distance), 0.0, None)) / radius

    ld = params.luminance_detail
    if ld > 0.0:
        rgb = rgba[..., :3].astype(np.float32)
        luma = rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        cell = gx[0, 1] - gx[0, 0] if gx.shape[1] > 1 else 1.0
        luma = ndimage.uniform_filter(luma, size=max(1, round(cell)))
        luma_nodes = ndimage.map_coordinates(luma, [gy, gx], order=1, mode="nearest")
        values = luma_nodes[inside]
        lo, hi = np.percentile(values, [2, 98]) if values.size else (0.0, 255.0)
        lum = np.clip((luma_nodes - lo) / max(hi - lo, 1.0), 0.0, 1.0)
        shape = shape * ((1.0 - ld) + ld * (0.2 + 0.8 * lum))

    shape = np.where(inside, shape, 0.0)
    if params.smoothing > 0:
        # Sigma is given for the default grid, so changing ``detail`` does not change how smooth it looks.
        sigma = params.smoothing * params.detail / ReliefParams.detail
        shape = ndimage.gaussian_filter(shape, sigma=sigma, mode="constant")
    shape = np.where(inside, shape, 0.0)
    top = float(shape.max())
    return shape / top if top > 0 else shape


# --- 4. texture ----------------------------------------------------------------------------------------


def _texture(picture: Image.Image, mask: np.ndarray) -> Image.Image:
    """Opaque RGB texture: the picture, with the background painted from the nearest subject pixel.

    Filtering and mip-mapping blend neighbouring texels, so a transparent or backdrop-coloured surround
    would show as a dark or pale fringe along the rim.
    """
    tex = picture
    if max(tex.size) > TEXTURE_SIDE:
        tex = tex.copy()
        tex.thumbnail((TEXTURE_SIDE, TEXTURE_SIDE), Image.Resampling.LANCZOS)
    rgb = np.asarray(tex.convert("RGB"))
    tex_mask = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(tex.size, Image.Resampling.NEAREST))
    subject = tex_mask > 127
    if subject.any() and not subject.all():
        nearest = ndimage.distance_transform_edt(~subject, return_distances=False, return_indices=True)
        rgb = rgb[nearest[0], nearest[1]]
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")
