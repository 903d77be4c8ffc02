"""`python -m desktop_app render` as a real process: the preview's renderer, headless, into a PNG."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from desktop_app.ui.preview.viewer import BACKGROUND
from tests.gl.conftest import colour_counts, image_array

pytestmark = pytest.mark.gl


def _render(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "render", *args], capture_output=True, text=True,
                          timeout=120)


def test_render_writes_the_textured_model_at_the_asked_size_and_view(textured_glb: Path, tmp_path: Path,
                                                                     isolated_home: Path) -> None:
    front, top = tmp_path / "front.png", tmp_path / "top.png"
    result = _render(str(textured_glb), "--out", str(front), "--size", "320x240", "--view", "front")
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout
    image = QImage(str(front))
    assert (image.width(), image.height()) == (320, 240)
    pixels = image_array(image)
    counts = colour_counts(pixels, BACKGROUND)
    assert tuple(int(c) for c in pixels[0, 0, :3]) == BACKGROUND  # the preview's background
    assert counts["red"] > 300 and counts["green"] > 300 and counts["foreground"] > 0.2 * 320 * 240
    assert _render(str(textured_glb), "--out", str(top), "--size", "320x240", "--view", "top").returncode == 0
    assert not np.array_equal(pixels, image_array(QImage(str(top))))  # another side of the model
    clay = tmp_path / "clay.png"
    assert _render(str(textured_glb), "--out", str(clay), "--clay", "--transparent").returncode == 0
    clay_pixels = image_array(QImage(str(clay)))
    assert clay_pixels[0, 0, 3] == 0 and colour_counts(clay_pixels)["red"] == 0
    assert list(isolated_home.rglob("*.png")) == []  # nothing written but --out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.glb", "--out", "x.png"], "not found"),
        (["MODEL", "--out", "x.jpg"], ".png"),
        (["MODEL", "--out", "x.png", "--size", "big"], "WIDTHxHEIGHT"),
        (["MODEL", "--out", "x.png", "--size", "99999x10"], "between"),
        (["MODEL", "--out", "x.png", "--view", "back"], "front, side, top, iso"),
        (["MODEL", "--out", "nowhere/x.png"], "does not exist"),
        (["BROKEN", "--out", "x.png"], "not a valid GLB"),
        (["FBX", "--out", "x.png"], "can't be previewed"),
    ],
)
def test_bad_input_exits_2_with_an_error_line(args: list[str], message: str, textured_glb: Path,
                                              tmp_path: Path, isolated_home: Path) -> None:
    broken = tmp_path / "broken.glb"
    broken.write_text("<html>not a model</html>")
    fbx = tmp_path / "m.fbx"
    fbx.write_bytes(b"Kaydara FBX Binary  \x00")
    names = {"MODEL": str(textured_glb), "BROKEN": str(broken), "FBX": str(fbx)}
    args = [names.get(a, str(tmp_path / a) if a.endswith((".png", ".jpg", ".glb")) else a) for a in args]
    result = _render(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error:") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.png"))
