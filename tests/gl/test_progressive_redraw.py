"""A big model's full-detail frame is never drawn in one paint but when a grab asks for it: display changes,
changes during a build and repaints after a screenshot go through the chunked, kept frame (progressive.py),
which ends as the same picture as one plain draw; the upload's storage is made a piece per turn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import PreviewWidget, gl_mesh_item, gl_upload, grid_item, progressive
from tests.emulators.common import make_glb
from tests.gl.conftest import image_array
from tests.paint_probe import big_ball, count_full_draws_in_paint

pytestmark = pytest.mark.gl

CHUNK = 5000


@pytest.fixture
def big(qtbot, preview, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A 20k-triangle ball with two proxy levels, counted as big (chunks of 5000, upload slices of 64 KB), shown
    and settled; ``paints`` records, per paint of the item, the full-detail triangles it drew."""
    arrays = big_ball(tmp_path, monkeypatch, chunk=CHUNK)
    paints = count_full_draws_in_paint(monkeypatch)  # per paint of the model, the full-detail triangles drawn
    widget = preview  # the shown 480x400 preview of tests/gl/conftest.py
    widget.show_scene(arrays)
    item = widget._item
    qtbot.waitUntil(lambda: item._progressive._done and not item.uploading(), timeout=20000)
    assert item.has_proxy() and max(paints) == 0  # arrived with no full-detail draw in a paint
    return widget, paints


def _settled(widget: PreviewWidget) -> bool:
    """The kept frame is complete and shows the current look and background."""
    frame, item = widget._item._progressive, widget._item
    background = tuple(float(c) for c in widget.view.opts["bgcolor"])
    return frame._done and frame._key is not None and frame._key[1:3] == (background, item.look())


def _one_shot(widget: PreviewWidget) -> np.ndarray:
    """The reference: the whole model drawn straight into the view in one paint (no chunks, no kept frame)."""
    frame = widget._item._progressive
    frame._broken, frame._key = True, None
    try:
        return image_array(widget.view.grabFramebuffer())[..., :3].astype(int)
    finally:
        frame._broken = False


def _same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    return (np.abs(a - b).max(axis=-1) > 8).mean() < 0.002


def test_clicking_clay_rebuilds_in_chunks_to_the_one_shot_picture(big, qtbot) -> None:
    widget, paints = big
    button = widget.toolbar.widgetForAction(widget._actions["clay"])
    paints.clear()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.shading().mode == "clay" and _settled(widget), timeout=20000)
    frame = widget._item._progressive
    assert frame._plan.count > 4 and paints and max(paints) == 0  # the proxy meanwhile, detail in turns
    chunked = image_array(widget.view.grabFramebuffer())[..., :3].astype(int)
    assert max(paints) == 0  # the grab presented the kept frame
    assert _same_picture(chunked, _one_shot(widget))


def test_changes_during_a_build_restart_it_with_one_chain_of_steps(big, qtbot,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    widget, paints = big
    frame = widget._item._progressive
    steps: list[tuple[int, int]] = []  # (the step's build, the build under way) when each step ran
    real_step = progressive.ProgressiveFrame._step

    def step(self, item, build) -> None:
        steps.append((build, self._build))
        real_step(self, item, build)

    monkeypatch.setattr(progressive.ProgressiveFrame, "_step", step)
    paints.clear()
    for change in (lambda: widget.set_clay(True),
                   lambda: widget.set_background(QColor(90, 90, 130))):  # mid-build: used to draw it all at once
        before = frame._build
        change()
        qtbot.waitUntil(lambda before=before: frame._build > before and frame.building() and frame._next > 0,
                        timeout=10000)
    widget.set_wireframe(True)
    qtbot.waitUntil(lambda: _settled(widget), timeout=20000)
    assert max(paints) == 0  # no paint drew the full model
    current = [s for s in steps if s[0] == s[1]]
    assert len({build for build, _ in current}) >= 3  # each change started a build of its own...
    final = frame._build
    assert sum(1 for build, _ in current if build == final) <= frame._plan.count  # ...run by one chain
    stale = [s for s in steps if s[0] != s[1]]
    assert all(build < now for build, now in stale)  # older chains' queued steps only stopped
    assert _same_picture(image_array(widget.view.grabFramebuffer())[..., :3].astype(int), _one_shot(widget))


def test_a_new_look_keeps_the_old_frame_and_no_paint_shares_a_turn_with_a_draw(big, qtbot,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """After clay, wireframe or a background colour, the paint presents the frame already kept (no drawing); the
    new look's proxy is drawn in a turn of its own and the build's chunks in turns after the paint presenting it.
    A 1 ms timer's ticks split the loop's turns: a paint asked for by a turn that has just drawn used to run
    before the next tick, one slice with the draw (benchmarks/responsiveness.py)."""
    widget, paints = big
    item = widget._item
    events: list[tuple[str, bool]] = []  # (what, a proxy drawn in it) in order, "tick" between turns
    drawn_in_paint: list[bool] = []
    real_paint, real_draw = gl_mesh_item.TexturedMeshItem.paint, gl_mesh_item.TexturedMeshItem.draw

    def paint(self) -> None:
        drawn_in_paint.append(False)
        real_paint(self)
        events.append(("paint", drawn_in_paint.pop()))

    def draw(self, frame, pieces, parts=None, first=True) -> None:
        if drawn_in_paint and parts is not None:
            drawn_in_paint[-1] = True
        real_draw(self, frame, pieces, parts, first)

    def recorded(name: str):
        real = getattr(progressive.ProgressiveFrame, name)
        return lambda self, *args: (events.append((name, False)), real(self, *args))[1]

    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "paint", paint)
    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "draw", draw)
    for name in ("_step", "_restyle_proxy"):
        monkeypatch.setattr(progressive.ProgressiveFrame, name, recorded(name))
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: events.append(("tick", False)))
    timer.start()
    for change in (lambda: widget.set_clay(True), lambda: widget.set_wireframe(True),
                   lambda: widget.set_background(QColor(90, 90, 130))):
        events.clear()
        change()
        qtbot.waitUntil(lambda: _settled(widget), timeout=20000)
        qtbot.wait(20)
        names = [name for name, _ in events]
        assert "_restyle_proxy" in names and names.count("_step") > 1
        first_paint = names.index("paint")
        assert first_paint < names.index("_restyle_proxy") < names.index("_step")
        assert not events[first_paint][1]  # the change's paint presented the old frame: nothing drawn in it
        assert not any(in_paint for name, in_paint in events if name == "paint")  # the proxy came drawn
        turns = " ".join(names).split("tick")
        assert not [t for t in turns if "paint" in t.split() and {"_step", "_restyle_proxy"} & set(t.split())], \
            turns
    timer.stop()
    assert max(paints) == 0 and item.look().wireframe


def test_a_screenshot_mid_build_shows_the_new_look_and_later_repaints_draw_nothing(big, qtbot) -> None:
    widget, paints = big
    widget.set_clay(True)
    qtbot.waitUntil(lambda: widget._item._progressive.building(), timeout=10000)
    paints.clear()
    shot = image_array(widget.grab_image())[..., :3].astype(int)  # drawn at once: a grab wants it now
    assert paints and max(paints) >= 20000 * 0.9
    paints.clear()
    for _ in range(3):
        widget.view.update()
        qtbot.wait(30)
    again = image_array(widget.view.grabFramebuffer())[..., :3].astype(int)
    assert paints and max(paints) == 0  # the kept frame presented: neither drawn again nor rebuilt
    assert _same_picture(shot, again) and _same_picture(shot, _one_shot(widget))


def test_the_upload_makes_one_big_storage_per_turn_and_no_storage_or_program_in_a_paint(qtbot, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ball.glb"
    path.write_bytes(make_glb(texture_size=256, subdivisions=5))
    arrays = load_scene_arrays(path)
    limit = 64 * 1024
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", limit)
    turns: list[list[int]] = []  # per upload turn, the sizes of the storage it made
    in_paint: list[bool] = []
    real_advance, real_buffer = gl_mesh_item.TexturedMeshItem._advance_upload, gl_upload._buffer
    real_texture = gl_upload._texture
    real_paint = gl_mesh_item.TexturedMeshItem.paint

    def advance(self) -> bool:
        assert not in_paint, "an upload slice of a big model ran inside a paint"
        turns.append([])
        return real_advance(self)

    def buffer(arr, *args):
        turns[-1].append(arr.nbytes)
        return real_buffer(arr, *args)

    def texture(pixels, **kwargs):
        turns[-1].append(pixels.nbytes)
        return real_texture(pixels, **kwargs)

    def paint(self) -> None:
        in_paint.append(True)
        try:
            real_paint(self)
        finally:
            in_paint.pop()

    compiled_in_paint: list[tuple] = []  # mesh programs first compiled while a paint drew
    real_program = gl_mesh_item.shader_program

    def program(name="mesh", defines=()):
        from PySide6.QtGui import QOpenGLContext

        from desktop_app.ui.preview import gl_shaders

        key = (gl_shaders.context_key(QOpenGLContext.currentContext()), name, tuple(defines))
        if in_paint and key not in gl_shaders._programs:
            compiled_in_paint.append(key[1:])
        return real_program(name, defines)

    monkeypatch.setattr(gl_mesh_item, "shader_program", program)
    monkeypatch.setattr(grid_item, "shader_program", program)  # the floor grid's, shown once the model is up
    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "_advance_upload", advance)
    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "paint", paint)
    monkeypatch.setattr(gl_upload, "_buffer", buffer)
    monkeypatch.setattr(gl_upload, "_texture", texture)
    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 240)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_scene(arrays)
    item = widget._item
    assert not widget._grid.visible()  # the grid comes with the model, not in the upload's first paint
    qtbot.waitUntil(lambda: item.frames_drawn > 0, timeout=20000)
    assert widget._grid.visible()
    made = [n for turn in turns for n in turn]
    assert len(made) >= 4 and any(n >= limit for n in made)
    assert all(sum(1 for n in turn if n >= limit) <= 1 for turn in turns)  # one big storage a turn at most
    assert compiled_in_paint == []  # the first frame's programs (the grid's too) were compiled in upload turns


def test_the_kept_frame_is_copied_with_its_stencil_when_the_view_takes_it(big) -> None:
    """Whole pixels of one format copy as plain memory in Mesa; depth alone is a shader pass (see _present)."""
    from OpenGL import GL

    widget, _ = big
    frame = widget._item._progressive
    widget.view.grabFramebuffer()
    assert not frame._broken and frame._blit_mask & GL.GL_DEPTH_BUFFER_BIT
    assert frame._blit_mask & GL.GL_STENCIL_BUFFER_BIT  # the view's framebuffer has depth and stencil as ours


def test_a_grab_at_another_size_draws_every_tile_in_full(big) -> None:
    """renderToArray paints tiles of 1024 px with their own matrices: none may show the proxy or a kept frame."""
    from PySide6.QtCore import QSize

    widget, paints = big
    paints.clear()
    image = image_array(widget.grab_image(QSize(1200, 1000)))
    assert len(paints) >= 4 and min(paints) >= 20000 * 0.9  # several tiles, each the whole model
    assert not widget._item._moving  # the tiles were not taken for a moving camera
    assert (np.abs(image[..., :3].astype(int) - image[0, 0, :3].astype(int)).max(axis=-1) > 12).sum() > 10000
