"""Mip levels computed in the loader's worker (mipmaps.py) are what the driver's glGenerateMipmap makes: within
a rounding step for sRGB colour, byte for byte for linear data textures (under Mesa). An upload with them never
calls glGenerateMipmap (one 60-300 ms call on llvmpipe for a 2048² texture) and copies every level in slices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from OpenGL import GL

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import gl_upload
from desktop_app.ui.preview.mipmaps import PREPARED_KEY, mip_chain, prepare_mipmaps

pytestmark = pytest.mark.gl


def _driver_levels(pixels: np.ndarray, srgb: bool) -> list[np.ndarray]:
    tex = int(GL.glGenTextures(1))
    try:
        GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        internal = GL.GL_SRGB8_ALPHA8 if srgb else GL.GL_RGBA
        h, w = pixels.shape[:2]
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, internal, w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, pixels)
        GL.glGenerateMipmap(GL.GL_TEXTURE_2D)
        levels = []
        for n in range(1, 1 + max(h, w).bit_length() - 1):
            lh, lw = max(1, h >> n), max(1, w >> n)
            data = GL.glGetTexImage(GL.GL_TEXTURE_2D, n, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
            levels.append(np.frombuffer(data, dtype=np.uint8).reshape(lh, lw, 4))
        return levels
    finally:
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        GL.glDeleteTextures([tex])


@pytest.mark.parametrize("srgb", [True, False])
def test_prepared_levels_match_the_drivers(preview, srgb: bool) -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (64, 32, 4), dtype=np.uint8)  # noise: the worst case for rounding
    pixels[:32, :16] = (200, 30, 30, 255)  # and a flat patch, which must stay exact
    ours = mip_chain(pixels, srgb)
    assert ours is not None and [lv.shape for lv in ours] == [(32, 16, 4), (16, 8, 4), (8, 4, 4), (4, 2, 4),
                                                               (2, 1, 4), (1, 1, 4)]
    preview.view.grabFramebuffer()  # the context exists
    preview.view.makeCurrent()
    try:
        theirs = _driver_levels(pixels, srgb)
    finally:
        preview.view.doneCurrent()
    for level, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        diff = np.abs(a.astype(int) - b.astype(int))
        # data textures: Mesa's exact bytes; sRGB colour: within a step (Mesa encodes sRGB approximately)
        assert diff.max() <= (1 if srgb else 0), (level, diff.max())
    assert (ours[0][:16, :8] == (200, 30, 30, 255)).all()


def test_non_power_of_two_images_keep_the_driver_path() -> None:
    assert mip_chain(np.zeros((48, 32, 4), np.uint8), True) is None
    assert mip_chain(np.zeros((32, 32, 3), np.uint8), True) is None


def test_an_upload_with_prepared_levels_skips_glgeneratemipmap(preview, textured_glb: Path, qtbot,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = load_scene_arrays(textured_glb)
    prepare_mipmaps(arrays)
    assert arrays.prepared[PREPARED_KEY]  # the fixture's 64² texture is prepared
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", 4096)
    calls: list[int] = []
    real = GL.glGenerateMipmap
    monkeypatch.setattr(GL, "glGenerateMipmap", lambda *a: (calls.append(1), real(*a))[1])
    steps: list[int] = []
    real_steps = gl_upload.upload_steps

    def recording(*args, **kwargs):
        for n in real_steps(*args, **kwargs):
            steps.append(n)
            yield n

    monkeypatch.setattr("desktop_app.ui.preview.gl_mesh_item.upload_steps", recording)
    preview.show_scene(arrays)
    qtbot.waitUntil(lambda: preview._item.frames_drawn > 0, timeout=10000)
    assert calls == []
    assert max(steps) <= 4096  # no step bigger than a slice: not even the mip levels
