"""What the PBR shading costs per frame, against the unlit view as the anchor, measured in one process.

Draws the same model in a real 800x600 PreviewWidget with the shading switched round-robin every frame
(unlit texture view, PBR at the automatic quality, PBR at high quality, PBR with the environment as background),
so the machine's other load falls on every variant alike; prints the median frame time of each and its ratio to
the unlit one. Models: a 50k-triangle textured sphere (drawn in full while orbiting) and the Khronos-style
metal/rough sphere grid. Run under a display: ``python benchmarks/pbr_shading.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

WIDTH, HEIGHT = 800, 600
ROUNDS = 25


def main() -> int:
    from OpenGL import GL
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication([])
    from benchmarks.preview import make_model
    from desktop_app.core.mesh.load import load_scene_arrays
    from desktop_app.ui.preview import PreviewWidget, ibl
    from tests import pbr_assets

    folder = Path(tempfile.mkdtemp(prefix="meshwright-pbr-bench-"))
    sphere = folder / "sphere_50k.glb"
    make_model(sphere, 50_000)
    grid = folder / "grid.glb"
    grid.write_bytes(pbr_assets.metal_rough_grid_glb())
    for name in ibl.ENVIRONMENTS:
        ibl.prefiltered(name)

    widget = PreviewWidget()
    widget.view.resize(WIDTH, HEIGHT)
    widget.resize(WIDTH, HEIGHT + widget.toolbar.sizeHint().height())
    widget.show()
    for _ in range(20):
        app.processEvents()
    widget.view.makeCurrent()
    renderer = GL.glGetString(GL.GL_RENDERER).decode(errors="replace")
    widget.view.doneCurrent()
    base = widget.shading()
    variants = {
        "unlit (anchor)": replace(base, mode="texture"),
        "PBR auto": base,
        "PBR high": replace(base, quality="high"),
        "PBR fast": replace(base, quality="fast"),
        "PBR auto + backdrop": replace(base, background=True),
        "PBR auto, no shadow": replace(base, shadow=False),
        "clay": replace(base, mode="clay"),
    }
    print(f"window {WIDTH}x{HEIGHT}, renderer: {renderer}; median of {ROUNDS} frames each, variants interleaved")
    for path in (sphere, grid):
        widget.show_scene(load_scene_arrays(path))
        widget.view.makeCurrent()
        widget._item.finish_upload()  # a big texture uploads over several turns; measure drawing only
        widget.view.doneCurrent()
        for shading in variants.values():  # compile every program, upload every light once
            widget.set_shading(shading)
            widget.view.grabFramebuffer()
        times: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(ROUNDS):
            for name, shading in variants.items():
                widget.set_shading(shading)
                widget.view.orbit(2.0, 0.0)
                start = time.perf_counter()
                widget.view.grabFramebuffer()  # renders now and waits for the pixels
                times[name].append(time.perf_counter() - start)
        anchor = statistics.median(times["unlit (anchor)"])
        print(f"\n{path.name} ({widget.scene().stats.triangles:,} triangles)")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:<22} {1000 * median:7.1f} ms   x{median / anchor:4.2f}")
    widget.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
