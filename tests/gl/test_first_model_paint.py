"""What a big model's arrival shows, paint by paint: the "Loading" message until the model's pixels are in the frame
(a model with a proxy: its coarsest level, drawn while the full detail still uploads), never the new floor or the
new facts over a view with no model in it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import PreviewWidget, gl_upload, progressive
from tests.gl.conftest import colour_counts
from tests.paint_probe import big_ball, count_full_draws_in_paint, record_draws

pytestmark = pytest.mark.gl

MODEL_PIXELS = 1500  # saturated pixels: the model's red and green texture (floor, shadow and message are grey)


@dataclass
class Paint:
    model: int  # saturated pixels in the view's framebuffer once the paint is done
    floor: bool  # the floor grid is visible (drawn in this paint: it is drawn after the model)
    facts: bool
    message: bool  # a message covers the view (the empty state's, then "Loading")
    uploading: bool  # the model's full detail is not all on the GPU yet
    detail: bool  # the full-detail frame, built in chunks, is complete (this paint presented it)


def record_paints(preview: PreviewWidget, monkeypatch: pytest.MonkeyPatch) -> list[Paint]:
    """After every paint of ``preview``'s GL view: what its framebuffer holds and what is shown over it."""
    from OpenGL import GL

    from desktop_app.ui.preview.glview import GLView

    paints: list[Paint] = []
    real = GLView.paintGL

    def paint_gl(view: GLView) -> None:
        real(view)
        item = preview._item
        if view is not preview._view or item is None:
            return
        ratio = view.devicePixelRatio()
        w, h = int(view.width() * ratio), int(view.height() * ratio)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, view.defaultFramebufferObject())
        data = GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        pixels = np.frombuffer(data, np.uint8).reshape(h, w, 4)
        paints.append(Paint(colour_counts(pixels)["saturated"], preview._grid.visible(), preview.facts.isVisible(),
                            preview.message_text() != "", item.uploading(),
                            not item.uploading() and item._progressive._done))

    monkeypatch.setattr(GLView, "paintGL", paint_gl)
    return paints


def check_arrival(paints: list[Paint]) -> int:
    """Every paint before the model's first pixels keeps the message and shows neither floor nor facts; every
    paint that shows the floor or the facts has the model in it. The index of the first paint with the model."""
    first = next(i for i, p in enumerate(paints) if p.model > MODEL_PIXELS)
    for paint in paints[:first]:
        assert paint.message and not paint.floor and not paint.facts, paint
    for paint in paints[first:]:
        assert paint.model > MODEL_PIXELS, paint  # from then on the model stays (proxy, then full detail)
    assert all(p.model > MODEL_PIXELS for p in paints if p.floor or p.facts)
    return first


def test_a_big_model_with_a_proxy_shows_its_coarsest_level_before_the_rest_has_uploaded(
        qtbot, preview: PreviewWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = big_ball(tmp_path, monkeypatch)  # a big model: uploaded over many turns
    full_draws = count_full_draws_in_paint(monkeypatch)
    paints = record_paints(preview, monkeypatch)
    preview.set_facts_visible(True)
    preview.show_scene(arrays)
    assert not preview.facts.isVisible() and "Loading" in preview.message_text()  # nothing of the model yet
    qtbot.waitUntil(lambda: any(p.detail for p in paints), timeout=20000)
    first = check_arrival(paints)
    assert paints[first].uploading  # the coarsest proxy came first, the full detail still arriving
    assert paints[first].floor and paints[-1].facts and not paints[-1].message
    assert max(full_draws) == 0  # and no paint drew the whole full-detail model


def test_a_big_model_without_a_proxy_keeps_the_message_until_its_chunked_frame_is_presented(
        qtbot, preview: PreviewWidget, textured_glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", 4096)
    monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 200)  # 1280 triangles: drawn in several turns
    paints = record_paints(preview, monkeypatch)
    preview.show_scene(load_scene_arrays(textured_glb))
    assert not preview.facts.isVisible()
    qtbot.waitUntil(lambda: any(p.detail for p in paints), timeout=20000)
    first = check_arrival(paints)
    assert not paints[first].uploading and paints[first].floor
    assert any(not p.uploading and not p.floor for p in paints[:first])  # the frame was built meanwhile


def test_a_small_model_shows_with_its_floor_and_facts_in_its_first_paint(
        qtbot, preview: PreviewWidget, textured_glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paints = record_paints(preview, monkeypatch)
    preview.show_scene(load_scene_arrays(textured_glb))  # uploaded and drawn in one paint: no message
    assert preview.facts.isVisible() and preview.message_text() == ""
    qtbot.waitUntil(lambda: preview._item.frames_drawn > 0, timeout=10000)
    shown = [p for p in paints if not p.message]  # (the view's first paint, as it is made, is the empty state's)
    assert shown[0].model > MODEL_PIXELS and shown[0].floor


def test_while_the_proxy_shows_the_camera_moves_it_and_a_screenshot_gets_the_full_model(
        qtbot, preview: PreviewWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.gl.conftest import image_array

    # the full detail takes dozens of turns; big: never drawn whole in a paint but for a grab
    arrays = big_ball(tmp_path, monkeypatch, slice_bytes=8 * 1024)
    full_draws = count_full_draws_in_paint(monkeypatch)
    preview.show_scene(arrays)
    item = preview._item
    qtbot.waitUntil(lambda: item.frames_drawn > 0, timeout=20000)
    assert item.uploading()  # the coarsest proxy on screen, the full detail still arriving
    before = image_array(preview.view.grabFramebuffer())[..., :3].astype(int)
    preview.view.orbit(60.0, 0.0)
    turned = image_array(preview.view.grabFramebuffer())[..., :3].astype(int)
    assert item.uploading() and max(full_draws) == 0  # still the proxy...
    assert (np.abs(turned - before).max(axis=-1) > 30).sum() > 1000  # ...following the camera
    assert colour_counts(turned.astype(np.uint8))["saturated"] > MODEL_PIXELS
    shot = image_array(preview.grab_image())  # a screenshot wants the model itself, now
    assert not item.uploading() and max(full_draws) >= 20000 * 0.9
    assert colour_counts(shot)["saturated"] > MODEL_PIXELS


def test_a_big_models_print_check_starts_once_its_upload_is_over(
        qtbot, preview: PreviewWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check's start (a child process, the mesh copied to it) took the cores from the rasteriser while the
    model's first frame was drawn."""
    from desktop_app.ui.preview.facts import FactsPanel

    arrays = big_ball(tmp_path, monkeypatch, chunk=None)
    started: list[tuple[bool, int]] = []  # (the upload still under way, model frames drawn) when it started
    real = FactsPanel.start_print_check

    def start(panel: FactsPanel) -> None:
        started.append((preview._item.uploading(), preview._item.frames_drawn))
        real(panel)

    monkeypatch.setattr(FactsPanel, "start_print_check", start)
    preview.show_scene(arrays)
    assert dict(preview.facts.rows())["Printable"] == "checking…" and started == []
    qtbot.waitUntil(lambda: dict(preview.facts.rows())["Printable"] != "checking…", timeout=60000)
    assert len(started) == 1 and not started[0][0] and started[0][1] >= 1  # after the upload and a paint
    assert preview.facts.verdict is not None


def test_a_model_drawn_whole_in_its_paint_is_drawn_whole_again_in_later_paints_and_grabs(
        qtbot, preview: PreviewWidget, textured_glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # uploaded in its first paint (small in bytes) but more than one chunk of triangles, with no proxy: the next
    # paint of the same frame (a window grab, an overlay gone) was taken for a restyle and rebuilt in chunks
    # with nothing drawn meanwhile, so a screenshot got the floor and facts without the model
    monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 200)  # 1280 triangles: several chunks
    paints = record_paints(preview, monkeypatch)
    preview.show_scene(load_scene_arrays(textured_glb))
    qtbot.waitUntil(lambda: preview._item.frames_drawn > 0, timeout=10000)
    for _ in range(2):
        preview.view.update()
        count = len(paints)
        qtbot.waitUntil(lambda count=count: len(paints) > count, timeout=10000)
        assert paints[-1].model > MODEL_PIXELS and paints[-1].floor
    preview.view.grabFramebuffer()
    assert paints[-1].model > MODEL_PIXELS


def test_a_restyle_of_a_model_without_proxy_keeps_the_model_on_screen_while_its_new_frame_is_built(
        qtbot, preview: PreviewWidget, textured_glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a mid-size model (more than one chunk, too small for a proxy): its new look is built in chunks, and each
    # paint meanwhile drew nothing of it, so toggling wireframe or the background blinked the model away
    monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 200)  # 1280 triangles: several chunks
    paints = record_paints(preview, monkeypatch)
    preview.show_scene(load_scene_arrays(textured_glb))
    qtbot.waitUntil(lambda: preview._item.frames_drawn > 0, timeout=10000)
    for change in (lambda: preview.set_wireframe(True), lambda: preview.set_wireframe(False)):
        count = len(paints)
        change()
        qtbot.waitUntil(lambda count=count: any(p.detail for p in paints[count:]), timeout=20000)
        built = paints[count:]
        assert any(not p.detail for p in built)  # the new look was built in chunks...
        assert all(p.model > MODEL_PIXELS and p.floor for p in built), built  # ...with the model on screen


def test_a_new_pose_is_drawn_not_the_copy_kept_of_the_last_frame(
        qtbot, preview: PreviewWidget, textured_glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the copy kept for restyles (same camera) must not stand in for a frame whose vertices moved
    from desktop_app.core.mesh.gltf_animation import PartPose
    from tests.gl.conftest import image_array

    monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 200)  # more than a few granules: the frame is kept
    arrays = load_scene_arrays(textured_glb)
    preview.show_scene(arrays)
    item = preview._item
    qtbot.waitUntil(lambda: item.frames_drawn > 0, timeout=10000)
    before = image_array(preview.view.grabFramebuffer())[..., :3].astype(int)
    part = arrays.parts[0]
    item.setPose([PartPose(0, (part.positions * 0.5).astype(np.float32), part.normals.astype(np.float32))])
    count = item.frames_drawn
    preview.view.update()
    qtbot.waitUntil(lambda: item.frames_drawn > count, timeout=10000)
    after = image_array(preview.view.grabFramebuffer())[..., :3].astype(int)
    assert (np.abs(after - before).max(axis=-1) > 30).sum() > 1000  # the model shrank on screen


def test_a_big_models_arrival_proxy_is_drawn_out_of_the_paints_which_present_it(
        qtbot, preview: PreviewWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a proxy's pixels cost software GL 13-20 ms and the paint's composition 10-25 ms more: drawn in the paints
    # of a 2M model's arrival, the two made its longest slice; the upload's turn draws it now, the paints present
    arrays = big_ball(tmp_path, monkeypatch)
    paints = record_paints(preview, monkeypatch)
    draws = record_draws(monkeypatch)
    preview.show_scene(arrays)
    qtbot.waitUntil(lambda: any(p.detail for p in paints), timeout=20000)
    check_arrival(paints)  # the model on screen from its first paint on
    assert draws and not any(proxy and in_paint for in_paint, proxy in draws)  # chunks drawn, no proxy in a paint
    count = len(paints)
    preview.set_background(QColor(90, 90, 120))  # a restyle: its paint draws the new look's proxy itself
    qtbot.waitUntil(lambda: any(p.detail for p in paints[count:]), timeout=20000)
    assert all(p.model > MODEL_PIXELS for p in paints[count:])
