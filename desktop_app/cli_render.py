"""The `render` command: a model file to a PNG through the preview's own renderer, without a window.

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
MAX_SIDE = 8192
EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
PNG_QUALITY = 50  # zlib level ~5: a third of the default's encode time for a file <1% larger


def texture_budget(width: int, height: int) -> int:
    """The texture size worth decoding for a ``width`` x ``height`` image: the next power of two above its long
    side (a model fills at most the image), between 256 and the preview's 2048."""
    side = max(width, height)
    return min(2048, max(256, 1 << (side - 1).bit_length()))


class RenderInputError(Exception):
    pass


def add_render_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a model file to a PNG image (no window)")
    p.add_argument("model", type=Path, help="a GLB, glTF, OBJ, STL or PLY file")
    p.add_argument("--out", type=Path, required=True, help="the PNG file to write")
    p.add_argument("--size", default="800x600", help="WIDTHxHEIGHT in pixels (default 800x600)")
    p.add_argument("--view", default="iso", help="front, side, top or iso (default iso)")
    p.add_argument("--clay", action="store_true", help="geometry only: no colours or textures")
    p.add_argument("--wireframe", action="store_true", help="draw the triangle edges on top")
    p.add_argument("--transparent", action="store_true", help="transparent background instead of the preview's")


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
    size = parse_size(args.size)
    out: Path = args.out
    if out.suffix.lower() != ".png":
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
        from desktop_app.core.meshes import load_scene_arrays

        # a texture much larger than the image cannot show its detail; decoding it smaller saves time and memory
        arrays = load_scene_arrays(args.model, max_texture=texture_budget(width, height))
    except RenderInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except MeshwrightError as exc:
        print(f"error: {exc.user_text()}", file=sys.stderr)
        return EXIT_INPUT
    try:
        _render_to_png(arrays, width, height, args)
    except RuntimeError as exc:  # no OpenGL on this machine, or the image could not be written
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Wrote {args.out} ({width}x{height}, {args.view} view)")
    return EXIT_OK


def _render_to_png(arrays: object, width: int, height: int, args: argparse.Namespace) -> None:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise RuntimeError("render needs a display with OpenGL; on a server run it under xvfb-run.")
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QColor, QGuiApplication

    from desktop_app.ui.preview.offscreen import RenderOptions, release_thumbnail_renderer, render_image
    from desktop_app.ui.preview.viewer import BACKGROUND

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    try:
        options = RenderOptions(view=args.view, clay=args.clay, wireframe=args.wireframe,
                                background=None if args.transparent else QColor(*BACKGROUND))
        image = render_image(arrays, width, height, options)  # type: ignore[arg-type]
        if image.isNull():
            raise RuntimeError("the renderer produced no image")
        if not image.save(str(args.out), "PNG", PNG_QUALITY):
            raise RuntimeError(f"could not write {args.out}")
    finally:
        release_thumbnail_renderer()
        del app
