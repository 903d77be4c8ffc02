"""While the camera moves a big model is drawn from its light proxy; once still, in full again (in chunks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.mesh_proxy import motion_proxy
from desktop_app.core.meshes import load_scene_arrays
from desktop_app.ui.preview import PreviewWidget, gl_mesh_item, gl_upload, progressive
from desktop_app.ui.preview.viewer import BACKGROUND
from tests.emulators.common import make_glb
from tests.gl.conftest import colour_counts, image_array

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
    assert drawn[0] == "proxy" and drawn.count("full") >= 4  # proxy on screen while the chunks were drawn

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
    first_full = drawn.index("full")
    assert set(drawn[first_full:]) == {"full"}  # the proxy until the full frame was built, then no more
    before = len(drawn)
    again = image_array(preview.view.grabFramebuffer())  # the kept full frame is presented, not drawn again
    assert len(drawn) == before
    assert colour_counts(again, BACKGROUND)["red"] > 0.5 * full["red"]
