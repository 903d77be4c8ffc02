"""The offline "relief" generator: one picture -> a closed, textured relief solid (GLB).

How it works, in four vectorised stages (numpy, core/relief/raster.py; no Python loop over pixels, so the GUI
thread keeps getting the GIL while this runs in a worker):

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

Stage 1 lives in core/relief/mask.py, 2 and the solid in core/relief/mesh.py, the height field in
core/relief/height.py, the texture here; the parameters in core/relief/params.py.

Units: the subject's longer side is 1.0; +Y is up and the front faces +Z (glTF conventions).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

from desktop_app.core.errors import InputImageError, JobCanceled
from desktop_app.core.images import check_image, load_upright
from desktop_app.core.relief import raster
from desktop_app.core.relief.mask import subject_mask
from desktop_app.core.relief.mesh import build_solid
from desktop_app.core.relief.params import ReliefParams

ProgressFn = Callable[[float, str], None]

WORK_SIDE = 1024  # subject finding runs at most at this size: plenty for a grid of <= 512 cells
TEXTURE_SIDE = 2048  # the embedded picture is at most this size


class ReliefProgress:
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
    step = ReliefProgress(progress, cancel)
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
    vertices, faces, uv = build_solid(rgba, mask, params, step)

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
        rgb = _fill_from_nearest(rgb, subject)
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")


def _fill_from_nearest(rgb: np.ndarray, subject: np.ndarray) -> np.ndarray:
    """Paint every pixel outside ``subject`` with the colour of the nearest subject pixel.

    Above 1024 px the nearest pixel is searched on a half-size copy (the numpy distance transform is ~4x
    cheaper there); the painted colour then comes from a subject pixel at most a pixel or two further away,
    which no one can see in the padding outside the silhouette. Subject pixels keep their own colour.
    """
    step = 2 if max(subject.shape) > 1024 else 1
    small_subject = subject[::step, ::step]
    if not small_subject.any():
        step, small_subject = 1, subject
    rows, cols = raster.nearest_indices(small_subject)
    filled = rgb[::step, ::step][rows, cols]
    if step > 1:
        filled = filled.repeat(step, axis=0).repeat(step, axis=1)[: rgb.shape[0], : rgb.shape[1]]
    return np.where(subject[..., None], rgb, filled)

