"""The `render` command: a model file to a PNG (or, with --turntable, an animated WebP/GIF of it spinning)
through the preview's own renderer and shading, without a window.

Input is checked and the model loaded before Qt is imported, so bad input fails fast with a plain message; Qt
(and an OpenGL context) is only loaded here, never by the rest of the CLI.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from desktop_app.core.errors import MeshwrightError

VIEW_NAMES = ("front", "side", "top", "iso")
MODE_NAMES = ("lit", "clay", "normals", "texture")
ENVIRONMENT_NAMES = ("studio", "outdoor")  # as desktop_app.ui.preview.ibl.ENVIRONMENTS (no Qt import here)
MAX_SIDE = 8192
MAX_TURNTABLE_SIDE = 2048  # every frame is kept in memory until encoded
MAX_FRAMES = 360
EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
# Qt maps PNG "quality" q to zlib level (100 - q) * 9 / 91: 80 is level 1, a sixth of the default's encode time
# for a file ~5% larger (a rendered image is mostly flat background, which any level packs well)
PNG_QUALITY = 80
AA_NAMES = ("fxaa", "4x", "none")  # as desktop_app.ui.preview.offscreen.ANTIALIASING (no Qt import here)


def texture_budget(width: int, height: int) -> int:
    """The texture size worth decoding for a ``width`` x ``height`` image: the next power of two above its long
    side (a model fills at most the image), between 256 and the preview's 2048."""
    side = max(width, height)
    return min(2048, max(256, 1 << (side - 1).bit_length()))


class RenderInputError(Exception):
    pass


def add_render_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a model file to a PNG image, or a turntable animation (no window)")
    p.add_argument("model", type=Path, help="a GLB, glTF, OBJ, STL or PLY file")
    p.add_argument("--out", type=Path, required=True,
                   help="the PNG file to write (with --turntable: a .webp or .gif animation)")
    p.add_argument("--size", default=None, help="WIDTHxHEIGHT in pixels (default 800x600; turntable 512x512)")
    p.add_argument("--view", default="iso", help="front, side, top or iso (default iso)")
    p.add_argument("--clay", action="store_true", help="geometry only: no colours or textures")
    p.add_argument("--mode", default="lit", help="lit (default), clay, normals or texture (base colour, unlit)")
    p.add_argument("--wireframe", action="store_true", help="draw the triangle edges on top")
    p.add_argument("--transparent", action="store_true", help="transparent background instead of the preview's")
    p.add_argument("--environment", default="studio", help="the light: studio (default) or outdoor")
    p.add_argument("--exposure", type=float, default=0.0, help="brighter or darker in stops, -3 to 3 (default 0)")
    p.add_argument("--show-environment", action="store_true", help="the environment as background")
    p.add_argument("--turntable", action="store_true", help="an animation of one full turn instead of a PNG")
    p.add_argument("--frames", type=int, default=48, help="turntable frames (default 48, at least 24 is smooth)")
    p.add_argument("--aa", default="fxaa",
                   help="edge smoothing: fxaa (default: one fast pass over the image), 4x (multisampling as in "
                        "the preview: finer thin lines and detail, slower without a graphics card) or none")


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if not match:
        raise RenderInputError(f"--size expects WIDTHxHEIGHT such as 800x600, got '{text}'.")
    width, height = int(match[1]), int(match[2])
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise RenderInputError(f"--size must be between 16 and {MAX_SIDE} pixels on each side.")
    return width, height


def _check_args(args: argparse.Namespace) -> tuple[int, int]:
    if args.view not in VIEW_NAMES:
        raise RenderInputError(f"--view must be one of {', '.join(VIEW_NAMES)}, got '{args.view}'.")
    if args.mode not in MODE_NAMES:
        raise RenderInputError(f"--mode must be one of {', '.join(MODE_NAMES)}, got '{args.mode}'.")
    if args.environment not in ENVIRONMENT_NAMES:
        raise RenderInputError(f"--environment must be one of {', '.join(ENVIRONMENT_NAMES)}, "
                               f"got '{args.environment}'.")
    if args.aa not in AA_NAMES:
        raise RenderInputError(f"--aa must be one of {', '.join(AA_NAMES)}, got '{args.aa}'.")
    if not -3.0 <= args.exposure <= 3.0:
        raise RenderInputError("--exposure must be between -3 and 3.")
    size = parse_size(args.size or ("512x512" if args.turntable else "800x600"))
    out: Path = args.out
    suffix = out.suffix.lower()
    if args.turntable:
        if suffix == ".mp4":
            raise RenderInputError("MP4 is not supported; write the turntable as .webp or .gif.")
        if suffix not in (".webp", ".gif"):
            raise RenderInputError(f"--out must be a .webp or .gif file with --turntable, got '{out}'.")
        if not 2 <= args.frames <= MAX_FRAMES:
            raise RenderInputError(f"--frames must be between 2 and {MAX_FRAMES}.")
        if max(size) > MAX_TURNTABLE_SIDE:
            raise RenderInputError(f"--size must be at most {MAX_TURNTABLE_SIDE} pixels a side for a turntable.")
    elif suffix != ".png":
        raise RenderInputError(f"--out must be a .png file, got '{out}'.")
    if not out.parent.resolve().is_dir():
        raise RenderInputError(f"The folder for --out does not exist: {out.parent}")
    if out.is_dir():
        raise RenderInputError(f"--out is a folder, not a file: {out}")
    if not args.model.is_file():
        raise RenderInputError(f"Model file not found: {args.model}")
    return size


def main(argv: list[str]) -> int:
    """``meshwright render ...`` on its own: the full CLI's parser imports the services, providers and library
    (~0.2 s) that a render never uses (benchmarks/render.py)."""
    import logging

    parser = argparse.ArgumentParser(prog="meshwright")
    add_render_parser(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    return run_render(args)


def run_render(args: argparse.Namespace) -> int:
    try:
        width, height = _check_args(args)
    except RenderInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    from concurrent.futures import ThreadPoolExecutor

    # The model is read in a thread (numpy and the reader imported there too) while this one imports Qt,
    # PyOpenGL and the renderer and the render thread makes its context: each ~0.3 s for a 500k-triangle model.
    session: _Session | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-load") as pool:
        loading = pool.submit(_load_model, args.model, width, height)
        gl_error: Exception | None = None
        try:
            session = _Session(width, height, args)
        except RuntimeError as exc:  # no display: reported after the model's own errors, as before
            gl_error = exc
        try:
            arrays = loading.result()
        except MeshwrightError as exc:
            if session is not None:
                session.close()
            print(f"error: {exc.user_text()}", file=sys.stderr)
            return EXIT_INPUT
    try:
        if session is None:
            raise gl_error or RuntimeError("no renderer")
        session.render(arrays)
    except (RuntimeError, OSError) as exc:  # no OpenGL here, or the file could not be written
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if session is not None:
            session.close()
    what = f"{args.frames}-frame turntable" if args.turntable else f"{args.view} view"
    print(f"Wrote {args.out} ({width}x{height}, {what})")
    return EXIT_OK


def _load_model(path: Path, width: int, height: int) -> object:
    from desktop_app.core.mesh.load import load_scene_arrays

    # a texture much larger than the image cannot show its detail; decoding it smaller saves time and memory
    return load_scene_arrays(path, max_texture=texture_budget(width, height), watertight=False)


class _Session:
    """Qt, the offscreen renderer and the options of one render command (Qt is imported here, not above)."""

    def __init__(self, width: int, height: int, args: argparse.Namespace) -> None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise RuntimeError("render needs a display with OpenGL; on a server run it under xvfb-run.")
        from PySide6.QtCore import QCoreApplication, Qt
        from PySide6.QtGui import QColor, QGuiApplication

        from desktop_app.ui.preview.gl_item_base import use_headless_base

        use_headless_base()  # no pyqtgraph (~0.3 s of imports): this process shows no view
        from desktop_app.ui.preview.offscreen import RenderOptions, prepare_render
        from desktop_app.ui.preview.shading import BACKGROUND, Shading

        self.width, self.height, self.args = width, height, args
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        self.app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
        shading = Shading(mode="clay" if args.clay else args.mode, environment=args.environment,
                          exposure=args.exposure, background=args.show_environment)
        self.options = RenderOptions(view=args.view, wireframe=args.wireframe, shading=shading,
                                     background=None if args.transparent else QColor(*BACKGROUND),
                                     antialias=args.aa)
        self.prepared = prepare_render(width, height, self.options)  # context and light, while the model loads

    def render(self, arrays: object) -> None:
        from PySide6.QtGui import QImage

        from desktop_app.ui.preview.offscreen import render_image

        self.prepared.result()  # its error (no OpenGL context) is the render's
        args = self.args
        if args.turntable:
            from desktop_app.ui.preview.turntable import TurntableJob, start_turntable

            job = TurntableJob(arrays, args.out, frames=args.frames, size=(self.width, self.height),  # type: ignore[arg-type]
                               options=self.options)
            start_turntable(job).result()
            return
        image = render_image(arrays, self.width, self.height, self.options)  # type: ignore[arg-type]
        if image.isNull():
            raise RuntimeError("the renderer produced no image")
        if not args.transparent:  # opaque: no alpha channel to write (and none to un-premultiply: ~20 ms)
            image = image.convertToFormat(QImage.Format.Format_RGB888)
        if not image.save(str(args.out), "PNG", PNG_QUALITY):
            raise RuntimeError(f"could not write {args.out}")

    def close(self) -> None:
        from desktop_app.ui.preview.offscreen import release_thumbnail_renderer

        release_thumbnail_renderer()
        del self.app
