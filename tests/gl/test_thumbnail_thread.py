"""Library thumbnails render in their own thread with the preview's renderer, so the GUI never waits on them."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PySide6.QtCore import QThread, QTimer
from PySide6.QtGui import QImage

from desktop_app.core.mesh.load import load_scene_arrays, scene_arrays_from_trimesh
from desktop_app.ui.preview import offscreen, render_thumbnail_png
from tests.gl.conftest import colour_counts, image_array

pytestmark = pytest.mark.gl


def _record_render_threads(monkeypatch: pytest.MonkeyPatch, gate: threading.Event | None = None,
                           started: threading.Event | None = None) -> list[bool]:
    """Wrap the renderer: note whether each render ran on the GUI thread, optionally hold it at a gate."""
    on_gui: list[bool] = []
    real = offscreen._Renderer.render
    gui = QThread.currentThread()

    def render(self, *args, **kwargs) -> QImage:
        on_gui.append(QThread.currentThread() is gui)
        if started is not None:
            started.set()
        if gate is not None:
            assert gate.wait(10), "the test never opened the gate: the GUI thread was blocked"
        return real(self, *args, **kwargs)

    monkeypatch.setattr(offscreen._Renderer, "render", render)
    return on_gui


def test_thumbnail_png_renders_in_the_render_thread_with_model_colours(qapp, textured_glb: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert offscreen.QOpenGLContext.supportsThreadedOpenGL()  # Mesa under Xvfb: the threaded path is tested
    on_gui = _record_render_threads(monkeypatch)
    arrays = load_scene_arrays(textured_glb)
    png = asyncio.run(asyncio.wait_for(render_thumbnail_png(arrays, 128), 30))
    image = QImage.fromData(png, "PNG")
    assert (image.width(), image.height()) == (128, 128)
    pixels = image_array(image)
    assert pixels[0, 0, 3] == 0  # transparent corner: the list background shows through
    counts = colour_counts(pixels)
    assert counts["red"] > 100 and counts["green"] > 100  # the texture, sampled and lit
    assert on_gui == [False]


def test_gui_thread_keeps_running_while_a_thumbnail_renders(qapp, qtbot, textured_glb: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Held at a gate inside the renderer, a render on the GUI thread would starve the timer and time out."""
    gate, started = threading.Event(), threading.Event()
    on_gui = _record_render_threads(monkeypatch, gate, started)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        future = offscreen.submit_render(load_scene_arrays(textured_glb), 64, 64, offscreen.thumbnail_options(64))
        qtbot.waitUntil(started.is_set, timeout=10000)
        before = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) >= before + 5, timeout=5000)  # ticking while the render is held
        gate.set()
        qtbot.waitUntil(future.done, timeout=10000)
    finally:
        gate.set()
        timer.stop()
    assert colour_counts(image_array(future.result()))["red"] > 10
    assert on_gui == [False]


def test_a_big_thumbnail_leaves_the_event_loop_responsive(qapp, qtbot) -> None:
    """A real 330k-triangle render: the longest gap between 10 ms timer ticks stays far below its duration."""
    mesh = trimesh.creation.icosphere(subdivisions=7)
    mesh.visual.vertex_colors = np.column_stack([(mesh.vertices * 0.5 + 0.5) * 255,
                                                 np.full(len(mesh.vertices), 255)]).astype(np.uint8)
    arrays = scene_arrays_from_trimesh(mesh)
    offscreen.render_thumbnail(arrays, 32)  # context and programs exist; time the steady state
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        start = time.monotonic()
        future = offscreen.submit_render(arrays, 256, 256, offscreen.thumbnail_options(256))
        qtbot.waitUntil(future.done, timeout=30000)
        took = time.monotonic() - start
    finally:
        timer.stop()
    assert colour_counts(image_array(future.result()))["saturated"] > 1000
    if took < 0.15:
        pytest.skip(f"the render took {took * 1000:.0f} ms here: too fast to tell a blocked loop from a busy one")
    gaps = np.diff([start, *ticks])
    print(f"render {took * 1000:.0f} ms, longest GUI gap {gaps.max() * 1000:.0f} ms over {len(ticks)} ticks")
    assert len(ticks) >= 3
    assert gaps.max() < 0.5 * took  # on the GUI thread the gap would be the whole render


def test_the_render_thread_destroys_no_qobject_between_renders(qapp, textured_glb: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A mesh item made and destroyed per render was destroyed in the render thread, where ~QObject holds Qt's
    signal-slot lock while PySide waits for the GIL: with the GUI thread connecting a signal at that moment,
    holding the GIL, both hung. The renderer keeps one item, each render gives it the scene, then drops it."""
    from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem

    made: list[int] = []
    real_init = TexturedMeshItem.__init__

    def init(self, *args, **kwargs) -> None:
        made.append(id(self))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(TexturedMeshItem, "__init__", init)
    arrays = load_scene_arrays(textured_glb)
    images = [offscreen.submit_render(arrays, 64, 64).result(30) for _ in range(3)]
    assert len(made) <= 1  # one item at most (none if an earlier test's renderer made it), however many renders
    renderer = offscreen._get_service()._renderer
    assert renderer is not None and renderer.item is not None and renderer.item.scene() is None
    assert all(colour_counts(image_array(image))["red"] > 100 for image in images)  # each drew its scene
