"""While the camera moves a big model is drawn from its light proxy; once still, in full again (in chunks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.core.mesh.proxy import motion_proxies, motion_proxy
from desktop_app.ui.preview import PreviewWidget, gl_mesh_item, gl_upload, progressive
from desktop_app.ui.preview.viewer import BACKGROUND
from tests.emulators.common import make_glb
from tests.gl.conftest import colour_counts, image_array
from tests.paint_probe import big_ball

pytestmark = pytest.mark.gl


def test_moving_camera_draws_the_proxy_then_the_full_model_when_still(qtbot, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ball.glb"
    path.write_bytes(make_glb(texture_size=64, subdivisions=5))  # 20k triangles
    arrays = load_scene_arrays(path)
    arrays.proxy = motion_proxy(arrays, target=2000)
    assert arrays.proxy is not None
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", 64 * 1024)
    monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 5000)
    monkeypatch.setattr(gl_mesh_item, "STILL_MS", 100)
    drawn: list[str] = []
    real = gl_mesh_item.TexturedMeshItem.draw

    def draw(self, frame, pieces, parts=None, first=True):
        if not self.uploading():  # not the upload's unseen warm-up draws (gl_mesh_item._warm_draw)
            drawn.append("proxy" if parts is not None and parts is self._proxy_gpu else "full")
        return real(self, frame, pieces, parts, first)

    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "draw", draw)
    preview = PreviewWidget()
    qtbot.addWidget(preview)
    preview.resize(480, 400)
    preview.show()
    qtbot.waitExposed(preview)
    preview.show_scene(arrays)
    item = preview._item
    qtbot.waitUntil(lambda: item._progressive._done, timeout=10000)  # the first frame, built in chunks
    still = image_array(preview.view.grabFramebuffer())
    # the proxy was on screen while the chunks were drawn, presented from the frame the upload's turn drew: no
    # paint drew it (tests/gl/test_first_model_paint.py checks the screen paint by paint)
    assert set(drawn) == {"full"} and drawn.count("full") >= 4

    drawn.clear()
    for _ in range(3):  # a drag: every frame from the proxy
        preview.view.orbit(2.0, 0.0)
        moving = image_array(preview.view.grabFramebuffer())
    assert drawn == ["proxy"] * 3 and item._moving
    counts, full = colour_counts(moving, BACKGROUND), colour_counts(still, BACKGROUND)
    assert abs(counts["foreground"] - full["foreground"]) < 0.05 * full["foreground"]  # the same silhouette
    assert counts["red"] > 0.5 * full["red"] and counts["green"] > 0.5 * full["green"]  # and texture

    drawn.clear()
    qtbot.waitUntil(lambda: not item._moving and item._progressive._done, timeout=5000)  # still again
    # the last moving frame's proxy stayed on screen (its copy presented by the paint at rest, not drawn again)
    # until the full frame was built in chunks
    assert set(drawn) == {"full"}
    before = len(drawn)
    again = image_array(preview.view.grabFramebuffer())  # the kept full frame is presented, not drawn again
    assert len(drawn) == before
    assert colour_counts(again, BACKGROUND)["red"] > 0.5 * full["red"]


def test_display_changes_redraw_a_big_model_in_chunks(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clay, wireframe or a new background on a big model: rebuilt over several turns, never one long paint."""
    arrays = big_ball(tmp_path, monkeypatch)
    preview = PreviewWidget()
    qtbot.addWidget(preview)
    preview.resize(480, 400)
    preview.show()
    qtbot.waitExposed(preview)
    preview.show_scene(arrays)
    item = preview._item
    qtbot.waitUntil(lambda: item._progressive._done, timeout=10000)
    plain = colour_counts(image_array(preview.view.grabFramebuffer()), BACKGROUND)
    steps: list[int] = []
    real_step = progressive.ProgressiveFrame._step
    monkeypatch.setattr(progressive.ProgressiveFrame, "_step",
                        lambda self, it, build: (steps.append(1), real_step(self, it, build)))
    for change in (lambda: preview.set_clay(True), lambda: preview.set_wireframe(True),
                   lambda: preview.set_background(QColor(90, 90, 130))):
        steps.clear()
        change()
        qtbot.waitUntil(lambda: len(steps) >= 4 and item._progressive._done, timeout=10000)  # several turns
    clay = colour_counts(image_array(preview.view.grabFramebuffer()), (90, 90, 130))
    assert plain["red"] > 500 and clay["red"] < 50  # the texture is gone in clay


def test_moving_frames_are_timed_and_pick_a_level(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ball.glb"
    path.write_bytes(make_glb(texture_size=64, subdivisions=5))
    arrays = load_scene_arrays(path)
    arrays.proxy = motion_proxies(arrays, levels=(8000, 2000, 500))
    preview = PreviewWidget()
    qtbot.addWidget(preview)
    preview.resize(480, 400)
    preview.show()
    qtbot.waitExposed(preview)
    preview.show_scene(arrays)
    item = preview._item
    qtbot.waitUntil(lambda: item.frames_drawn > 0, timeout=10000)
    assert len(item._proxy_levels) == 3 and item._lod is not None
    item._lod.budget = 0.0  # nothing fits: every moving frame must step down to the coarsest
    for _ in range(3):
        preview.view.orbit(2.0, 0.0)
        preview.view.grabFramebuffer()
    assert item._lod.level == 2 and item._proxy_gpu is item._proxy_levels[2]
    assert len(item._lod._seconds) >= 1
