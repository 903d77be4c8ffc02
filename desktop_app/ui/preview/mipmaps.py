"""Mip levels of a texture computed with numpy in the loader's worker, so the GUI thread only copies them.

``glGenerateMipmap`` on a 2048² texture is one call of 60-300 ms under Mesa llvmpipe (benchmarks/preview.py,
issue 16) and cannot be split; copying the levels can (gl_upload.py fills them band by band). The levels are the
2×2 box average glGenerateMipmap computes, each from the previous (8-bit) level: for data textures with the
rounding Mesa uses (the same bytes), for sRGB colour in linear light as the GPU does for an sRGB texture (within
one step of Mesa's; its sRGB encoding is approximate).
Only power-of-two RGBA8 images are prepared; anything else keeps ``glGenerateMipmap``.
"""

from __future__ import annotations

import numpy as np

from desktop_app.core.mesh.arrays import SceneArrays

PREPARED_KEY = "mipmaps"  # SceneArrays.prepared[PREPARED_KEY]: {(id(image), srgb): [level 1, level 2, ...]}
COLOUR_MAPS = (("texture", True), ("metallic_roughness_texture", False), ("normal_texture", False),
               ("occlusion_texture", False), ("emissive_texture", True))  # as gl_upload.EXTRA_MAPS
_TO_LINEAR = np.array([c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                       for c in np.arange(256) / 255.0], dtype=np.float32)


def prepare_mipmaps(arrays: SceneArrays) -> None:
    """Compute the levels of every power-of-two texture of ``arrays`` (call off the GUI thread)."""
    found: dict[tuple[int, bool], list[np.ndarray]] = {}
    for part in arrays.parts:
        if part.uvs is None:
            continue
        for attr, srgb in COLOUR_MAPS:
            pixels = getattr(part, attr)
            if pixels is not None and (id(pixels), srgb) not in found:
                levels = mip_chain(pixels, srgb)
                if levels is not None:
                    found[(id(pixels), srgb)] = levels
    arrays.prepared[PREPARED_KEY] = found


def mip_chain(pixels: np.ndarray, srgb: bool) -> list[np.ndarray] | None:
    """Levels 1.. (down to 1×1) of an RGBA8 image with power-of-two sides; None for any other image."""
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 4:
        return None
    h, w = pixels.shape[:2]
    if (h < 2 and w < 2) or h & (h - 1) or w & (w - 1):
        return None
    levels = []
    level = pixels
    while level.shape[0] > 1 or level.shape[1] > 1:
        level = _half(level, srgb)
        levels.append(level)
    return levels


def _half(level: np.ndarray, srgb: bool) -> np.ndarray:
    h, w = level.shape[:2]
    fh, fw = (2 if h > 1 else 1), (2 if w > 1 else 1)
    if not srgb:
        # llvmpipe's 8-bit bilinear filter at the 2×2 centre: two horizontal averages rounded up, then their
        # average rounded up; matches Mesa's glGenerateMipmap exactly (tests/gl/test_prepared_mipmaps.py)
        q = level.astype(np.uint16)
        rows = (q[:, 0::fw] + q[:, fw - 1::fw] + 1) >> 1
        return ((rows[0::fh] + rows[fh - 1::fh] + 1) >> 1).astype(np.uint8)
    out = np.empty((h // fh, w // fw, 4), dtype=np.uint8)
    band = max(1, (1 << 20) // max(1, w))  # rows at a time: bounded float temporaries
    band += band % fh
    for top in range(0, h, band):
        src = level[top:top + band]
        rows = src.shape[0] // fh
        colour = _TO_LINEAR[src[..., :3]] if srgb else src[..., :3].astype(np.float32) / 255.0
        alpha = src[..., 3:].astype(np.float32) / 255.0
        mixed = np.concatenate([colour, alpha], axis=-1).reshape(rows, fh, w // fw, fw, 4).mean(axis=(1, 3))
        if srgb:
            c = mixed[..., :3]
            mixed[..., :3] = np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)
        out[top // fh:top // fh + rows] = np.clip(np.rint(mixed * 255.0), 0, 255).astype(np.uint8)
    return out
