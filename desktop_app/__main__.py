"""Entry point: no arguments opens the app; a subcommand runs the headless CLI (which never imports Qt).

``meshwright model.glb`` (what a file manager runs on a double-click) opens the app with that model.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

GUI_FLAGS = {"--self-test", "--screenshot-mode"}
# Before anything imports numpy: one BLAS thread. The only matrix products here are (n, 3) by 3x3 transforms,
# which gain nothing from threads, while OpenBLAS's idle workers spin on the other cores: ~0.1 s of CPU taken from
# the GL rasterizer in `render` of a 504k model (perf, benchmarks/render.py), and from the GUI in the app.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def model_argument(args: list[str]) -> tuple[bool, str | None]:
    """(is this a GUI start, the model file to open if any). Known 3D suffixes go to the window, even those it
    cannot preview (it then says why), so a double-clicked file never lands in the CLI's usage error."""
    from desktop_app.core.mesh.formats import PREVIEW_FORMATS, UNPREVIEWABLE

    rest = [a for a in args if a not in GUI_FLAGS and not a.startswith("-platform")]
    if not rest:
        return True, None
    if len(rest) == 1 and Path(rest[0]).suffix.lower() in (*PREVIEW_FORMATS, *UNPREVIEWABLE):
        return True, rest[0]
    return False, None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    gui, model = model_argument(args)
    if gui:
        import gc

        # No cyclic collection while the window is being made: imports and the widget build make ~68k objects
        # that nearly all live until quit, and the collector walked them again and again (~20 ms of the start,
        # benchmarks/startup.py). Back on once the window is up and that heap frozen (app.freeze_startup_heap).
        gc.disable()
        from desktop_app import gl_preload

        gl_preload.start()  # the GL driver loads on another core while the modules below import
        from desktop_app.app import run_gui

        return run_gui(args, model=model)
    if args[:1] == ["render"]:  # the render command alone: none of the CLI's services
        from desktop_app.cli_render import main as render_main

        return render_main(args)
    from desktop_app.cli import run_cli

    return run_cli(args)


def exit_process(code: int, args: list[str]) -> NoReturn:
    """End the process with ``code``. After the render command, without the interpreter's teardown: unloading
    Qt, PyOpenGL and the GL driver and freeing the model took ~0.3 s of a ~1.5 s render (benchmarks/render.py),
    and by then the image is written and closed; only the console streams still need flushing."""
    if args[:1] == ["render"]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    exit_process(main(), sys.argv[1:])
