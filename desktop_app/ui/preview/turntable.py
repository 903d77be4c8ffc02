"""Turntables: the model spinning once, rendered offscreen and written as an animated WebP or GIF (Pillow).

Used by `render --turntable` and the preview's "Turntable…" action. Frames are rendered in the offscreen render
thread from one upload (offscreen.submit_frames) and encoded there too, so the GUI only shows progress.

No MP4: the only well-kept encoder that needs no download at run time, imageio-ffmpeg, bundles a GPL build of
ffmpeg (~30 MB per platform) in its wheel; shipping it would bind the packaged app to GPL source offers and
H.264 licensing for a format WebP (every browser and chat app) and GIF (everything else) already cover.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtGui import QImage

from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.ui.preview.camera import VIEWS
from desktop_app.ui.preview.offscreen import RenderOptions, submit_frames

FORMATS = (".webp", ".gif")
DEFAULT_FRAMES = 48
MIN_FRAMES, MAX_FRAMES = 2, 360
DEFAULT_SIZE = (512, 512)
SECONDS_PER_TURN = 4.0


class TurntableCancelled(Exception):
    pass


@dataclass
class TurntableJob:
    """One turntable being made: ``progress(done, total)`` is called from the render thread."""

    arrays: SceneArrays
    out: Path
    frames: int = DEFAULT_FRAMES
    size: tuple[int, int] = DEFAULT_SIZE
    options: RenderOptions = field(default_factory=RenderOptions)
    progress: Callable[[int, int], None] = lambda done, total: None
    _cancel: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()


def turntable_azimuths(frames: int, start: float) -> list[float]:
    """One full turn in ``frames`` equal steps; the camera goes round (the model seems to spin the other way)."""
    return [start - 360.0 * i / frames for i in range(frames)]


def start_turntable(job: TurntableJob) -> Future:
    """Render and write ``job`` in the render thread. The future's result is the path written; it raises
    TurntableCancelled when cancelled (nothing is left on disk) and OSError/RuntimeError on failure."""
    suffix = job.out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"turntables are written as {' or '.join(FORMATS)}, not '{suffix}'")
    view_azimuth, view_elevation = VIEWS[job.options.view]
    start = view_azimuth if job.options.azimuth is None else job.options.azimuth
    options = replace(job.options, elevation=view_elevation if job.options.elevation is None else
                      job.options.elevation)
    angles = turntable_azimuths(job.frames, start)
    width, height = job.size
    images: list = []
    result: Future = Future()

    def on_frame(index: int, image: QImage) -> None:
        images.append(_to_pil(image, transparent=options.background is None))
        job.progress(index + 1, len(angles) + 1)  # the last step is the encoding

    def done(rendered: Future) -> None:
        try:
            rendered.result()
            if job.cancelled() or len(images) < len(angles):
                raise TurntableCancelled()
            write_animation(images, job.out)
            job.progress(len(angles) + 1, len(angles) + 1)
            result.set_result(job.out)
        except BaseException as exc:  # handed to whoever waits on the future
            result.set_exception(exc)

    submit_frames(job.arrays, width, height, options, angles, on_frame, job.cancelled).add_done_callback(done)
    return result


def write_animation(images: list, out: Path) -> None:
    """Encode ``images`` (PIL, RGBA) as a looping animation; written to a temporary name, then moved, so a
    failed or cancelled write never leaves half a file where the user asked for one."""
    duration = max(20, round(1000.0 * SECONDS_PER_TURN / max(1, len(images))))
    tmp = out.with_name(out.name + ".part")
    try:
        if out.suffix.lower() == ".gif":
            frames = [_gif_frame(im) for im in images]
            frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=duration, loop=0,
                           disposal=2, optimize=False)
        else:
            images[0].save(tmp, format="WEBP", save_all=True, append_images=images[1:], duration=duration,
                           loop=0, quality=88, method=4)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def _gif_frame(image):  # PIL in, PIL out
    """GIF has 256 colours and 1-bit transparency: an adaptive palette per frame, transparent index 255."""
    from PIL import Image

    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    paletted = rgba.convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    if alpha.getextrema()[0] < 255:
        mask = alpha.point(lambda a: 255 if a < 128 else 0)
        paletted.paste(255, mask=mask)
        paletted.info["transparency"] = 255
    return paletted


def _to_pil(image: QImage, transparent: bool):
    from PIL import Image

    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = bytes(img.constBits())[: img.sizeInBytes()]
    pil = Image.frombuffer("RGBA", (img.width(), img.height()), data, "raw", "RGBA", img.bytesPerLine(), 1)
    return pil.copy() if transparent else pil.convert("RGB").convert("RGBA")
