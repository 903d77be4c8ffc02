"""Preview tools under Xvfb: facts, screenshot, background, turntable, zoom keys, unpreviewable formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import PreviewWidget
from desktop_app.ui.preview.facts import facts_rows
from desktop_app.ui.preview.viewer import BACKGROUND
from tests.gl.conftest import colour_counts, image_array

pytestmark = pytest.mark.gl


def test_facts_panel_lists_counts_textures_size_and_file(preview: PreviewWidget, textured_glb: Path) -> None:
    assert not preview.facts.isVisible()  # nothing to describe yet
    arrays = load_scene_arrays(textured_glb)
    preview.show_scene(arrays)
    assert preview.facts.isVisible()
    rows = dict(preview.facts.rows())
    assert rows["Triangles"] == "1,280" and rows["Vertices"] == f"{arrays.stats.vertices:,}"
    assert rows["Textures"] == "1 (64×64)"
    assert rows["Size"] == "2 × 2 × 2 units" and rows["Watertight"] == "yes"
    assert rows["File"].endswith("kB")
    preview.set_facts_visible(False)
    assert not preview.facts.isVisible()
    preview.set_facts_visible(True)
    preview.clear()
    assert not preview.facts.isVisible()


def test_facts_rows_for_big_untextured_meshes(textured_glb: Path) -> None:
    stats = load_scene_arrays(textured_glb).stats
    stats.triangles, stats.vertices, stats.textures, stats.watertight = 2_500_000, 12_345, [], None
    rows = dict(facts_rows(stats))
    assert rows["Triangles"] == "2.50 M" and rows["Vertices"] == "12.3 k"
    assert rows["Textures"] == "none" and rows["Watertight"].startswith("not checked")


def test_screenshot_is_written_as_png_off_the_gui_thread(preview: PreviewWidget, textured_glb: Path,
                                                         tmp_path: Path, qtbot) -> None:
    preview.show_scene(load_scene_arrays(textured_glb))
    target = tmp_path / "shot.png"
    with qtbot.waitSignal(preview.screenshotSaved, timeout=10000) as blocker:
        preview.save_screenshot_to(target)
    assert blocker.args == [str(target), ""]
    image = QImage(str(target))
    assert image.width() == preview.view.width() and image.height() == preview.view.height()
    assert colour_counts(image_array(image))["red"] > 500
    with qtbot.waitSignal(preview.screenshotSaved, timeout=10000) as blocker:
        preview.save_screenshot_to(tmp_path / "missing-folder" / "shot.png")
    assert "could not be saved" in blocker.args[1]


def test_screenshot_dialog_asks_before_overwriting(preview: PreviewWidget, textured_glb: Path) -> None:
    from PySide6.QtWidgets import QFileDialog

    preview.save_screenshot()  # nothing shown yet: no dialog
    assert preview._dialog is None
    preview.show_scene(load_scene_arrays(textured_glb))
    preview.save_screenshot()
    dialog = preview._dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert not dialog.testOption(QFileDialog.Option.DontConfirmOverwrite)
    assert dialog.defaultSuffix() == "png" and dialog.selectedFiles()[0].endswith("textured.png")
    dialog.reject()


def test_background_colour_changes_the_frame(preview: PreviewWidget, textured_glb: Path) -> None:
    preview.show_scene(load_scene_arrays(textured_glb))
    preview.set_background(QColor(250, 250, 250))
    pixels = image_array(preview.grab_image())
    assert tuple(int(c) for c in pixels[2, 2, :3]) == (250, 250, 250)
    assert preview.background() == QColor(250, 250, 250)
    preview.set_background(QColor(*BACKGROUND))
    assert tuple(int(c) for c in image_array(preview.grab_image())[2, 2, :3]) == BACKGROUND


def test_turntable_turns_and_stops(preview: PreviewWidget, textured_glb: Path, qtbot) -> None:
    preview.set_spin(True)
    assert not preview.spinning()  # nothing to turn yet
    preview.show_scene(load_scene_arrays(textured_glb))
    assert preview.spinning()
    start = preview.camera()["azimuth"]
    qtbot.waitUntil(lambda: abs(preview.camera()["azimuth"] - start) > 3, timeout=3000)
    preview.hide()
    assert not preview.spinning()  # no timer for a hidden view
    preview.show()
    assert preview.spinning()
    preview.clear()
    assert not preview.spinning()
    preview.set_spin(False)


def test_keys_zoom_orbit_and_views(preview: PreviewWidget, textured_glb: Path, qtbot) -> None:
    preview.show_scene(load_scene_arrays(textured_glb))
    preview.activateWindow()
    qtbot.waitActive(preview)
    preview.view.setFocus()
    qtbot.waitUntil(preview.view.hasFocus)
    distance = preview.camera()["distance"]
    qtbot.keyClick(preview.view, Qt.Key.Key_Plus)
    assert preview.camera()["distance"] < distance
    qtbot.keyClick(preview.view, Qt.Key.Key_Minus)
    qtbot.keyClick(preview.view, Qt.Key.Key_Minus)
    assert preview.camera()["distance"] > distance
    qtbot.keyClick(preview.view, Qt.Key.Key_F)
    assert preview.camera()["distance"] == pytest.approx(distance)
    azimuth = preview.camera()["azimuth"]
    qtbot.keyPress(preview.view, Qt.Key.Key_Left)
    qtbot.keyRelease(preview.view, Qt.Key.Key_Left)
    assert preview.camera()["azimuth"] != azimuth
    qtbot.keyClick(preview.view, Qt.Key.Key_1)
    assert (preview.camera()["azimuth"], preview.camera()["elevation"]) == (-90, 0)
    qtbot.keyClick(preview.view, Qt.Key.Key_C)
    assert colour_counts(image_array(preview.grab_image()))["red"] == 0  # C = clay
    for key, action in preview._actions.items():  # every shortcut is documented where the user looks
        for shortcut in action.shortcuts():
            assert shortcut.toString() in action.toolTip() or key == "zoom_in", key


def test_unpreviewable_format_offers_the_default_app(preview: PreviewWidget, tmp_path: Path, qtbot,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fbx = tmp_path / "model.fbx"
    fbx.write_bytes(b"Kaydara FBX Binary  \x00" + b"\x00" * 64)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    preview.open_file(fbx)
    assert preview.state() == "error" and "FBX files can't be shown" in preview.message_text()
    assert preview.open_external_button.isVisible()
    qtbot.mouseClick(preview.open_external_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(fbx))]
    preview.clear()
    assert not preview.open_external_button.isVisible()


def test_hostile_file_gives_a_message_and_the_next_file_still_opens(preview: PreviewWidget, tmp_path: Path,
                                                                    textured_glb: Path, qtbot) -> None:
    cut = tmp_path / "cut.glb"
    data = textured_glb.read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    preview.open_file(cut)
    qtbot.waitUntil(lambda: preview.state() == "error", timeout=10000)
    assert "incomplete" in preview.message_text()
    with qtbot.waitSignal(preview.sceneShown, timeout=10000):
        preview.open_file(textured_glb)
    assert not preview.open_external_button.isVisible()
    image = preview.grab_image(QSize(160, 120))
    assert colour_counts(image_array(image), BACKGROUND)["foreground"] > 1000
