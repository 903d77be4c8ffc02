"""A rigged result with an animation plays in the preview (issue 19): the bar, Play, frames that differ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop_app.ui import tasks
from desktop_app.ui.preview.viewer import PreviewWidget
from tests.animated_glb import moving_box_glb
from tests.emulators.common import make_glb
from tests.emulators.scenario_refine import rig
from tests.gl.conftest import image_array

pytestmark = pytest.mark.gl


@pytest.fixture
def rigged(tmp_path: Path) -> Path:
    """What the Scenario emulator's rigging model returns for a sphere."""
    path = tmp_path / "rigged.glb"
    path.write_bytes(rig(make_glb(subdivisions=3)))
    return path


def _open(preview: PreviewWidget, path: Path, qtbot) -> None:
    preview.set_grid(False)
    with qtbot.waitSignal(preview.sceneShown, timeout=10000):
        preview.open_file(path)


def _frame(preview: PreviewWidget) -> np.ndarray:
    return image_array(preview.grab_image())[..., :3].astype(int)


def _next_frame(preview: PreviewWidget, qtbot, seconds: float) -> None:
    shown = preview.animation.frames_shown
    preview.animation.seek(seconds)
    qtbot.waitUntil(lambda: preview.animation.frames_shown > shown, timeout=5000)


def test_rigged_result_shows_the_bar_plays_and_moves_the_model(preview: PreviewWidget, rigged: Path,
                                                                 qtbot) -> None:
    _open(preview, rigged, qtbot)
    bar = preview.animation
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    assert bar.clip_label.text() == "bend" and bar.clip_box.isHidden()
    assert bar.duration() == pytest.approx(1.0) and not bar.playing()
    rest = _frame(preview)

    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert bar.playing() and bar.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: bar.slider.value() > 20 and bar.frames_shown >= 3, timeout=5000)
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert not bar.playing() and bar.play_button.text() == "Play"

    _next_frame(preview, qtbot, 0.5)  # the upper half bent by 45 degrees
    assert bar.time_label.text().startswith("0.5")
    bent = _frame(preview)
    changed = np.abs(bent - rest).max(axis=-1) > 40
    assert changed.sum() > 500, changed.sum()

    _next_frame(preview, qtbot, 0.0)  # stopped at the start: the model exactly as loaded
    back = _frame(preview)
    assert (np.abs(back - rest).max(axis=-1) > 40).sum() < 50


def test_a_model_without_animation_gets_no_bar(preview: PreviewWidget, textured_glb: Path, qtbot) -> None:
    _open(preview, textured_glb, qtbot)
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=5000)
    qtbot.wait(50)
    assert preview.animation.isHidden() and not preview.animation.attached()


def test_bar_goes_with_the_model_and_space_toggles_play(preview: PreviewWidget, rigged: Path, textured_glb: Path,
                                                        qtbot) -> None:
    _open(preview, rigged, qtbot)
    bar = preview.animation
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    preview.activateWindow()
    qtbot.waitActive(preview)
    preview.view.setFocus()
    qtbot.waitUntil(preview.view.hasFocus)
    qtbot.keyClick(preview.view, Qt.Key.Key_Space)
    assert bar.playing()
    qtbot.keyClick(preview.view, Qt.Key.Key_Space)
    assert not bar.playing()
    bar.play()
    _open(preview, textured_glb, qtbot)  # another model: the bar and its timer go
    assert bar.isHidden() and not bar.playing()


def test_several_clips_get_a_picker_and_a_clip_without_loop_stops_at_its_end(preview: PreviewWidget,
                                                                             tmp_path: Path, qtbot) -> None:
    path = tmp_path / "clips.glb"
    path.write_bytes(moving_box_glb(clips=2))
    _open(preview, path, qtbot)
    bar = preview.animation
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    assert bar.clip_box.isVisibleTo(bar) and bar.clip_box.count() == 2 and bar.clip_label.isHidden()
    bar.clip_box.setCurrentIndex(1)
    assert bar.current_time() == 0.0
    bar.loop_box.setChecked(False)
    bar.seek(0.9)
    bar.play()
    qtbot.waitUntil(lambda: not bar.playing(), timeout=5000)
    assert bar.current_time() == pytest.approx(1.0) and bar.slider.value() == bar.slider.maximum()
    bar.play()  # at the end: starts over
    assert bar.playing() and bar.current_time() < 0.5
