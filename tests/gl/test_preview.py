"""The GL preview under Xvfb + Mesa: checks pixels by colour class, never exact images."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import MeshLoader, PreviewWidget, render_thumbnail
from desktop_app.ui.preview import loader as loader_module
from desktop_app.ui.preview.viewer import BACKGROUND
from tests.gl.conftest import colour_counts, image_array

pytestmark = pytest.mark.gl


def _grab(widget: PreviewWidget) -> dict[str, int]:
    image = widget.grab_image()
    assert not image.isNull()
    return colour_counts(image_array(image), BACKGROUND)


def test_textured_model_shows_texture_colours(preview: PreviewWidget, textured_glb: Path, qtbot) -> None:
    with qtbot.waitSignal(preview.sceneShown, timeout=5000):
        preview.show_scene(load_scene_arrays(textured_glb))
    assert preview.state() == "scene" and preview.message_text() == ""
    counts = _grab(preview)
    assert counts["foreground"] > 0.15 * 480 * 360  # the fitted sphere fills a good part of the view
    assert counts["red"] > 500 and counts["green"] > 500  # texture quadrants, sampled and lit


def test_clay_hides_colours_and_wireframe_adds_edges(preview: PreviewWidget, textured_glb: Path) -> None:
    preview.show_scene(load_scene_arrays(textured_glb))
    textured = _grab(preview)
    preview.set_clay(True)
    clay = _grab(preview)
    assert clay["red"] == 0 and clay["green"] == 0
    assert clay["saturated"] < 0.01 * textured["saturated"]
    assert clay["foreground"] > 0.9 * textured["foreground"]  # same silhouette, just grey
    preview.set_wireframe(True)
    wire = _grab(preview)
    assert wire["dark"] > clay["dark"] + 1000
    preview.set_wireframe(False)
    preview.set_clay(False)
    assert _grab(preview)["red"] > 500


def test_views_grid_and_resized_grab(preview: PreviewWidget, textured_glb: Path) -> None:
    preview.show_scene(load_scene_arrays(textured_glb))
    for name in ("front", "side", "top", "iso"):
        preview.set_view(name)
        assert _grab(preview)["foreground"] > 10000, name
    preview.set_grid(False)
    preview.fit()
    preview.reset_view()
    image = preview.grab_image(QSize(200, 150))
    assert (image.width(), image.height()) == (200, 150)
    assert colour_counts(image_array(image), BACKGROUND)["foreground"] > 2000


def test_keyboard_shortcuts_change_the_camera(preview: PreviewWidget, textured_glb: Path, qtbot) -> None:
    preview.show_scene(load_scene_arrays(textured_glb))
    preview.activateWindow()
    qtbot.waitActive(preview)
    preview.view.setFocus()
    qtbot.waitUntil(preview.view.hasFocus)
    qtbot.keyClick(preview.view, Qt.Key.Key_7)
    assert preview.view.opts["elevation"] == 90
    qtbot.keyClick(preview.view, Qt.Key.Key_R)
    assert preview.view.opts["elevation"] == 25


def test_two_previews_render_independently(qtbot, textured_glb: Path, tmp_path: Path) -> None:
    import trimesh

    plain = tmp_path / "plain.stl"
    trimesh.creation.box().export(plain)
    first, second = PreviewWidget(), PreviewWidget()
    for widget in (first, second):
        qtbot.addWidget(widget)
        widget.resize(320, 280)
        widget.show()
        qtbot.waitExposed(widget)
    first.show_scene(load_scene_arrays(textured_glb))
    second.show_scene(load_scene_arrays(plain))
    a, b = _grab(first), _grab(second)
    assert a["red"] > 200 and a["green"] > 200
    assert b["foreground"] > 5000 and b["red"] == 0 and b["green"] == 0
    second.clear()
    assert second.state() == "empty" and "appear here" in second.message_text()
    assert _grab(first)["red"] > 200  # freeing one view's GPU objects leaves the other intact


def test_render_thumbnail_has_model_colours(qtbot, textured_glb: Path) -> None:
    arrays = load_scene_arrays(textured_glb)
    image = render_thumbnail(arrays, 128)
    assert (image.width(), image.height()) == (128, 128) and not image.isNull()
    pixels = image_array(image)
    assert pixels[0, 0, 3] == 0  # transparent background
    counts = colour_counts(pixels)
    assert counts["red"] > 100 and counts["green"] > 100
    again = render_thumbnail(arrays, 64)  # the cached context serves other sizes too
    assert again.width() == 64 and colour_counts(image_array(again))["green"] > 10


def test_loader_works_off_the_gui_thread_and_drops_stale_results(qtbot, textured_glb: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    gate = threading.Event()
    real = loader_module.load_scene_arrays

    def spy(path: Path, max_texture: int = 2048):
        threads.append(threading.get_ident())
        if path.name == "slow.glb":
            gate.wait(5)
        return real(path, max_texture=max_texture)

    monkeypatch.setattr(loader_module, "load_scene_arrays", spy)
    slow = textured_glb.with_name("slow.glb")
    slow.write_bytes(textured_glb.read_bytes())
    loader = MeshLoader()
    got: list[str] = []
    loader.loaded.connect(lambda path, arrays: got.append(path))
    loader.load(slow)
    qtbot.waitUntil(lambda: bool(threads))  # the slow load is running
    loader.load(textured_glb)
    gate.set()
    qtbot.waitUntil(lambda: not loader.is_busy(), timeout=10000)
    assert got == [str(textured_glb)]  # the superseded result was dropped
    assert threading.get_ident() not in threads
    loader.shutdown()


def test_open_file_shows_loading_then_scene(preview: PreviewWidget, textured_glb: Path, qtbot) -> None:
    with qtbot.waitSignal(preview.sceneShown, timeout=10000):
        preview.open_file(textured_glb)
        assert preview.state() == "loading" and "Loading" in preview.message_text()
    assert preview.state() == "scene"
    assert _grab(preview)["green"] > 500
    preview.loader().shutdown()


def test_bad_file_shows_error_state(preview: PreviewWidget, tmp_path: Path, qtbot) -> None:
    bad = tmp_path / "broken.glb"
    bad.write_text("<html>403 Forbidden</html>")
    preview.open_file(bad)
    qtbot.waitUntil(lambda: preview.state() == "error", timeout=10000)
    assert "not a valid GLB" in preview.message_text()
    assert preview.scene() is None
    preview.loader().shutdown()


def test_empty_state_before_any_model(preview: PreviewWidget) -> None:
    assert preview.state() == "empty"
    assert "Your model will appear here" in preview.message_text()
    assert isinstance(preview.grab_image(), QImage)
