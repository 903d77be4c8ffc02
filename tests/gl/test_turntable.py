"""Turntables: `render --turntable` as a real process, and the preview's "Turntable…" action with its progress
dialog and cancel (pytest-qt, rendering in the offscreen render thread)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import PreviewWidget
from tests import pbr_assets

pytestmark = pytest.mark.gl


def _render(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "render", *args], capture_output=True, text=True,
                          timeout=180)


def _frame_hashes(path: Path) -> list[str]:
    with Image.open(path) as image:
        hashes = []
        for index in range(image.n_frames):
            image.seek(index)
            hashes.append(hashlib.sha256(image.convert("RGBA").tobytes()).hexdigest())
        return hashes


@pytest.fixture
def grid_glb(tmp_path: Path) -> Path:
    path = tmp_path / "grid.glb"
    path.write_bytes(pbr_assets.metal_rough_grid_glb())
    return path


def test_render_turntable_writes_24_distinct_frames_as_webp_and_gif(grid_glb: Path, tmp_path: Path,
                                                                   isolated_home: Path) -> None:
    webp = tmp_path / "spin.webp"
    result = _render(str(grid_glb), "--turntable", "--out", str(webp), "--frames", "24", "--size", "96x80")
    assert result.returncode == 0, result.stderr
    assert "24-frame turntable" in result.stdout
    with Image.open(webp) as image:
        assert image.is_animated and image.n_frames == 24 and image.size == (96, 80)
    assert len(set(_frame_hashes(webp))) == 24  # every frame a different angle
    gif = tmp_path / "spin.gif"
    result = _render(str(grid_glb), "--turntable", "--out", str(gif), "--frames", "30", "--size", "64x64",
                     "--environment", "outdoor", "--transparent")
    assert result.returncode == 0, result.stderr
    with Image.open(gif) as image:
        assert image.n_frames == 30 and image.info.get("loop") == 0
    assert len(set(_frame_hashes(gif))) == 30
    # no leftovers next to the output; the app's own home (tmp_path / "meshwright-home") may hold its caches
    assert sorted(p.name for p in tmp_path.iterdir() if p != isolated_home) == ["grid.glb", "spin.gif", "spin.webp"]
    assert list(isolated_home.rglob("*.webp")) == []
    assert sorted(p.name.split("-")[1] for p in isolated_home.rglob("ibl-*.npz")) == ["outdoor", "studio"]  # kept light


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--turntable", "--out", "spin.mp4"], "MP4 is not supported"),
        (["--turntable", "--out", "spin.png"], ".webp or .gif"),
        (["--turntable", "--out", "spin.webp", "--frames", "1"], "--frames"),
        (["--turntable", "--out", "spin.webp", "--size", "4000x4000"], "at most 2048"),
        (["--out", "still.webp"], ".png"),
        (["--out", "x.png", "--mode", "shiny"], "--mode"),
        (["--out", "x.png", "--environment", "moon"], "--environment"),
        (["--out", "x.png", "--exposure", "9"], "--exposure"),
    ],
)
def test_bad_turntable_input_exits_2(args: list[str], message: str, grid_glb: Path, tmp_path: Path) -> None:
    args = [str(tmp_path / a) if a.endswith((".png", ".webp", ".mp4")) else a for a in args]
    result = _render(str(grid_glb), *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error:") and message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.glb"]


def test_turntable_action_asks_where_then_saves_with_progress(preview: PreviewWidget, grid_glb: Path,
                                                               tmp_path: Path, qtbot) -> None:
    preview.show_scene(load_scene_arrays(grid_glb))
    preview._actions["turntable"].trigger()  # the toolbar's "Turntable…"
    saver = preview.turntable
    dialog = saver.dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert dialog.selectedFiles()[0].endswith("grid-turntable.webp")
    dialog.reject()
    steps: list[tuple[int, int]] = []
    saver.progressed.connect(lambda done, total: steps.append((done, total)))
    target = tmp_path / "spin.webp"
    with qtbot.waitSignal(saver.finished, timeout=60000) as blocker:
        saver.save(preview.scene(), target, preview.turntable_options(), frames=24, size=(96, 96))
        assert saver.busy() and saver.progress is not None and saver.progress.isVisible()
    assert blocker.args == [str(target), ""]
    assert steps[-1] == (25, 25) and [d for d, _ in steps] == sorted(d for d, _ in steps)  # frames, then writing
    assert len(set(_frame_hashes(target))) == 24
    assert saver.progress is None and not saver.busy()
    assert saver.message is not None and "saved" in saver.message.text()
    saver.message.close()


def test_turntable_can_be_cancelled_and_leaves_nothing(preview: PreviewWidget, grid_glb: Path, tmp_path: Path,
                                                       qtbot) -> None:
    preview.show_scene(load_scene_arrays(grid_glb))
    preview.save_turntable()
    saver = preview.turntable
    saver.dialog.reject()
    target = tmp_path / "long.gif"

    def click_cancel(done: int, _total: int) -> None:
        if done == 2:  # the dialog's own Cancel button, clicked
            qtbot.mouseClick(saver.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)

    saver.progressed.connect(click_cancel)
    with qtbot.waitSignal(saver.finished, timeout=60000) as blocker:
        saver.save(preview.scene(), target, preview.turntable_options(), frames=360, size=(192, 192))
    assert blocker.args == [str(target), "cancelled"]
    assert list(tmp_path.iterdir()) == [grid_glb]  # no file, no half-written one
    assert not saver.busy() and saver.message is None
