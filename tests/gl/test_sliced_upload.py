"""A big model reaches the GPU over several event-loop turns, then is drawn in a turn of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import PreviewWidget, gl_upload
from desktop_app.ui.preview.viewer import BACKGROUND
from tests.gl.conftest import colour_counts, image_array

pytestmark = pytest.mark.gl


def test_upload_is_sliced_and_the_draw_waits_for_its_own_turn(preview: PreviewWidget, textured_glb: Path, qtbot,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = load_scene_arrays(textured_glb)
    total = gl_upload.scene_bytes(arrays)
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", 4096)  # this small model then counts as big
    steps: list[int] = []
    real = gl_upload.upload_steps

    def recording(*args, **kwargs):
        for n in real(*args, **kwargs):
            steps.append(n)
            yield n

    monkeypatch.setattr("desktop_app.ui.preview.gl_mesh_item.upload_steps", recording)
    preview.show_scene(arrays)
    assert preview.state() == "scene" and "Loading" in preview.message_text()  # nothing to see yet
    item = preview._item
    qtbot.waitUntil(lambda: item.frames_drawn > 0, timeout=10000)
    assert item._upload_paints > 3  # spread over several paints...
    assert sum(steps) >= total  # ...all of it, in steps no bigger than a slice (but the one mipmap step)
    assert len([n for n in steps if n > 4096]) <= 1
    assert preview.message_text() == ""  # the overlay goes once the model can be drawn
    counts = colour_counts(image_array(preview.view.grabFramebuffer()), BACKGROUND)
    assert counts["red"] > 500 and counts["green"] > 500


def test_a_grab_during_a_sliced_upload_finishes_it(preview: PreviewWidget, textured_glb: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", 4096)
    preview.show_scene(load_scene_arrays(textured_glb))
    assert preview._item.uploading()
    counts = colour_counts(image_array(preview.grab_image()), BACKGROUND)  # the screenshot must show the model
    assert counts["red"] > 500 and counts["green"] > 500
    assert not preview._item.uploading()


@pytest.mark.parametrize("wireframe", [False, True])
def test_first_frame_drawn_in_chunks_matches_a_plain_draw(qtbot, textured_glb: Path, wireframe: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.ui.preview import progressive

    arrays = load_scene_arrays(textured_glb)
    images = []
    for chunked in (True, False):
        monkeypatch.setattr(gl_upload, "SLICE_BYTES", 4096 if chunked else 1 << 30)
        # 1280 triangles: several chunks, or one (a single plain draw, the reference)
        monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 200 if chunked else 1 << 30)
        widget = PreviewWidget()
        qtbot.addWidget(widget)
        widget.resize(480, 400)
        widget.show()
        qtbot.waitExposed(widget)
        widget.set_wireframe(wireframe)
        widget.show_scene(arrays)
        item = widget._item
        qtbot.waitUntil(lambda item=item: item.frames_drawn > 0, timeout=10000)
        frame = item._progressive
        if chunked:  # built over several turns, then presented by a copy that carries the depth for the grid
            assert frame._done and frame._next == frame._plan.count > 4
        else:
            assert frame._key is None
        images.append(image_array(widget.view.grabFramebuffer())[..., :3].astype(int))
        widget.close()
    chunked_image, plain_image = images
    assert colour_counts(chunked_image.astype("uint8"), BACKGROUND)["red"] > 500
    differs = (abs(chunked_image - plain_image).max(axis=-1) > 8).mean()
    assert differs < 0.002  # the same picture, floor grid hidden behind the model in both


def test_moving_the_camera_draws_in_full_and_drops_the_kept_frame(preview: PreviewWidget, textured_glb: Path,
                                                                   qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.ui.preview import progressive

    monkeypatch.setattr(gl_upload, "SLICE_BYTES", 4096)
    monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 200)
    preview.show_scene(load_scene_arrays(textured_glb))
    item = preview._item
    qtbot.waitUntil(lambda: item.frames_drawn > 0, timeout=10000)
    before = image_array(preview.view.grabFramebuffer())
    preview.view.orbit(40.0, 0.0)
    after = image_array(preview.view.grabFramebuffer())
    assert item._progressive._key is None  # the kept frame no longer matches: not shown again
    assert (abs(after.astype(int) - before.astype(int)).max(axis=-1) > 30).sum() > 1000  # the model turned
    assert colour_counts(after, BACKGROUND)["foreground"] > 10000
