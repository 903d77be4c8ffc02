"""The render command's edge smoothing (--aa) and its headless import path, as real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from desktop_app.ui.preview.shading import BACKGROUND
from tests.gl.conftest import image_array

pytestmark = pytest.mark.gl


def _render(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "render", *args], capture_output=True, text=True,
                          timeout=120)


def _untouched_background(pixels: np.ndarray, band: np.ndarray) -> int:
    """Pixels of ``band`` left exactly the background colour: without smoothing, every pixel beside the
    silhouette is either model or background; smoothing blends the ones the edge crosses."""
    return int(((np.abs(pixels[..., :3].astype(int) - np.array(BACKGROUND)).max(axis=-1) <= 1) & band).sum())


def _silhouette_band(pixels: np.ndarray) -> np.ndarray:
    """Pixels within a pixel of where the model meets the background."""
    model = np.abs(pixels[..., :3].astype(int) - np.array(BACKGROUND)).max(axis=-1) > 12
    edge = np.zeros_like(model)
    edge[1:] |= model[1:] != model[:-1]
    edge[:, 1:] |= model[:, 1:] != model[:, :-1]
    band = edge.copy()
    band[1:] |= edge[:-1]
    band[:-1] |= edge[1:]
    band[:, 1:] |= edge[:, :-1]
    band[:, :-1] |= edge[:, 1:]
    return band


def test_aa_modes_smooth_edges_and_keep_the_picture(textured_glb: Path, tmp_path: Path,
                                                    isolated_home: Path) -> None:
    images = {}
    for mode in ("none", "fxaa", "4x"):
        out = tmp_path / f"{mode}.png"
        result = _render(str(textured_glb), "--out", str(out), "--size", "320x240", "--aa", mode)
        assert result.returncode == 0, result.stderr
        images[mode] = image_array(QImage(str(out))).astype(np.int16)
    default = tmp_path / "default.png"
    assert _render(str(textured_glb), "--out", str(default), "--size", "320x240").returncode == 0
    assert np.array_equal(image_array(QImage(str(default))), images["fxaa"].astype(np.uint8))  # fxaa is default
    band = _silhouette_band(images["none"])
    assert band.sum() > 200
    plain = {mode: _untouched_background(pixels, band) for mode, pixels in images.items()}
    assert plain["fxaa"] < 0.6 * plain["none"] and plain["4x"] < 0.85 * plain["none"], plain
    for mode in ("fxaa", "4x"):  # the same picture: only edge pixels change, and only part way
        diff = np.abs(images[mode] - images["none"])[..., :3].max(axis=-1)
        assert diff.mean() < 4.0 and (diff > 0).mean() < 0.25, (mode, diff.mean(), (diff > 0).mean())
    assert np.abs(images["fxaa"] - images["4x"]).mean() < 4.0


def test_transparent_fxaa_keeps_the_background_clear(textured_glb: Path, tmp_path: Path,
                                                     isolated_home: Path) -> None:
    out = tmp_path / "t.png"
    assert _render(str(textured_glb), "--out", str(out), "--size", "200x160", "--transparent").returncode == 0
    pixels = image_array(QImage(str(out)))
    assert pixels[0, 0, 3] == 0 and pixels[-1, -1, 3] == 0
    assert (pixels[..., 3] == 255).sum() > 0.1 * 200 * 160  # the model itself stays opaque


def test_bad_aa_value_is_an_input_error(textured_glb: Path, tmp_path: Path, isolated_home: Path) -> None:
    result = _render(str(textured_glb), "--out", str(tmp_path / "x.png"), "--aa", "8x")
    assert result.returncode == 2 and result.stderr.startswith("error:") and "fxaa, 4x, none" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_render_process_does_not_import_pyqtgraph(textured_glb: Path, tmp_path: Path, isolated_home: Path) -> None:
    """The headless item base (gl_item_base.py) stands in for pyqtgraph's: ~0.3 s of imports saved."""
    out = tmp_path / "x.png"
    code = ("import sys\nfrom desktop_app.cli_render import main\n"
            f"rc = main(['render', {str(textured_glb)!r}, '--out', {str(out)!r}, '--size', '64x64'])\n"
            "print(rc, sorted(m for m in sys.modules if m.split('.')[0] in ('pyqtgraph', 'asyncio')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0 []"
    assert out.is_file()
