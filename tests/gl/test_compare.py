"""The compare window: models side by side, each drawn on its own, with linked (or unlinked) cameras."""

from __future__ import annotations

from pathlib import Path

import pytest
import trimesh
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from desktop_app.ui.preview.compare import CompareWindow, show_compare
from desktop_app.ui.preview.viewer import BACKGROUND
from tests.gl.conftest import colour_counts, image_array

pytestmark = pytest.mark.gl


@pytest.fixture
def two_models(textured_glb: Path, tmp_path: Path) -> list[Path]:
    plain = tmp_path / "plain.stl"
    trimesh.creation.box().export(plain)
    return [textured_glb, plain]


@pytest.fixture
def window(qtbot) -> CompareWindow:
    win = CompareWindow()
    qtbot.addWidget(win)
    win.resize(900, 420)
    yield win
    win.close()
    win.shutdown()


def _shown(win: CompareWindow, qtbot, paths: list[Path]) -> None:
    show_compare(win, paths, ["Textured", "Plain"])
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: all(p.state() == "scene" for p in win.previews()), timeout=10000)


def test_each_view_shows_its_own_model(window: CompareWindow, two_models: list[Path], qtbot) -> None:
    _shown(window, qtbot, two_models)
    first, second = window.previews()
    assert [t.text() for t in window._titles] == ["Textured", "Plain"]
    a = colour_counts(image_array(first.grab_image()), BACKGROUND)
    b = colour_counts(image_array(second.grab_image()), BACKGROUND)
    assert a["red"] > 200 and a["green"] > 200
    assert b["foreground"] > 3000 and b["red"] == 0 and b["green"] == 0
    assert dict(first.facts.rows())["Triangles"] == "1,280" and dict(second.facts.rows())["Triangles"] == "12"


def test_linked_cameras_follow_and_unlinked_do_not(window: CompareWindow, two_models: list[Path], qtbot) -> None:
    _shown(window, qtbot, two_models)
    first, second = window.previews()
    first.view.orbit(40.0, 15.0)
    qtbot.waitUntil(lambda: second.camera() == first.camera(), timeout=3000)
    second.zoom(0.5)  # either side leads
    qtbot.waitUntil(lambda: first.camera()["distance"] == pytest.approx(second.camera()["distance"]), timeout=3000)
    window._actions["top"].trigger()
    assert first.camera()["elevation"] == second.camera()["elevation"] == 90
    window.set_linked(False)
    before = second.camera()
    first.view.orbit(-30.0, -20.0)
    qtbot.wait(100)
    assert second.camera() == before and first.camera() != before
    window.set_linked(True)  # relinking lines the others up with the first view
    qtbot.waitUntil(lambda: second.camera() == first.camera(), timeout=3000)


def test_toolbar_applies_to_all_and_spin_keeps_views_together(window: CompareWindow, two_models: list[Path],
                                                              qtbot) -> None:
    _shown(window, qtbot, two_models)
    first, second = window.previews()
    window._actions["clay"].trigger()
    assert colour_counts(image_array(first.grab_image()))["red"] == 0
    window._actions["spin"].trigger()
    assert first.spinning() and not second.spinning()  # one turns, the link turns the other
    start = first.camera()["azimuth"]
    qtbot.waitUntil(lambda: abs(second.camera()["azimuth"] - start) > 3, timeout=3000)
    window._actions["spin"].trigger()
    assert not first.spinning()


def test_fewer_models_reuse_the_window_and_screenshot_has_all_views(window: CompareWindow,
                                                                    two_models: list[Path], tmp_path: Path,
                                                                    qtbot) -> None:
    _shown(window, qtbot, two_models)
    target = tmp_path / "compare.png"
    with qtbot.waitSignal(window.screenshotSaved, timeout=10000):
        window.save_screenshot_to(target)
    image = QImage(str(target))
    assert image.width() >= 800
    left = image_array(image.copy(0, 0, image.width() // 2, image.height()))
    right = image_array(image.copy(image.width() // 2, 0, image.width() // 2, image.height()))
    assert colour_counts(left)["red"] > 200 and colour_counts(right)["red"] == 0
    show_compare(window, two_models[:1] * 3)
    qtbot.waitUntil(lambda: len(window.previews()) == 3 and all(p.state() == "scene" for p in window.previews()),
                    timeout=10000)
    assert [t.text() for t in window._titles] == ["textured"] * 3  # file names stand in for missing titles


def test_one_light_for_every_view_and_the_saved_image_is_captioned(window: CompareWindow, two_models: list[Path],
                                                                   tmp_path: Path, qtbot) -> None:
    show_compare(window, two_models, ["Textured", "Plain"], ["0.5 credits", "free (made on this computer)"])
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: all(p.state() == "scene" for p in window.previews()), timeout=10000)
    first, second = window.previews()
    assert [c.text() for c in window._cost_labels] == ["Cost: 0.5 credits", "Cost: free (made on this computer)"]
    window.light_controls.actions["env_outdoor"].trigger()  # the window's Light menu
    assert first.shading().environment == second.shading().environment == "outdoor"
    second.view.setFocus()
    qtbot.keyClick(second.view, Qt.Key.Key_N)  # a key in one view: every view shows normals
    assert first.shading().mode == second.shading().mode == window.shading().mode == "normals"
    first.light_controls.exposure.setValue(-10)  # any view's own control (hidden here) changes all
    assert second.shading().exposure == -1.0 and window.light_controls.exposure.value() == -10
    target = tmp_path / "compare.png"
    with qtbot.waitSignal(window.screenshotSaved, timeout=10000):
        window.save_screenshot_to(target)
    image = image_array(QImage(str(target)))
    views = [p.grab_image() for p in window.previews()]
    assert image.shape[1] == sum(v.width() for v in views) + 6  # side by side, a 6 px gap
    strip = image[:46]  # the captions: text pixels (light) over the dark strip, in both halves
    half = image.shape[1] // 2
    assert (strip[:, :half, :3].max(axis=-1) > 150).sum() > 150
    assert (strip[:, half:, :3].max(axis=-1) > 150).sum() > 150
    assert image.shape[0] == max(v.height() for v in views) + 46
