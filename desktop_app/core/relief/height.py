"""Relief stage 3: the height of each grid node (an inflated silhouette, shaded by brightness, smoothed)."""

from __future__ import annotations

import numpy as np

from desktop_app.core.relief import raster
from desktop_app.core.relief.params import ReliefParams


def height_field(
    rgba: np.ndarray, inside: np.ndarray, gy: np.ndarray, gx: np.ndarray, params: ReliefParams
) -> np.ndarray:
    """Heights in [0, 1] on the node grid: inflated shape, modulated by brightness, smoothed."""
    distance = raster.distance_to_zero(inside)
    radius = max(float(distance.max()), 1.0)
    # A circular profile: a disc of radius R inflates to a dome, thin parts stay low but rounded.
    shape = np.sqrt(np.clip(distance * (2.0 * radius - distance), 0.0, None)) / radius

    ld = params.luminance_detail
    if ld > 0.0:
        rgb = rgba[..., :3].astype(np.float32)
        luma = rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        cell = gx[0, 1] - gx[0, 0] if gx.shape[1] > 1 else 1.0
        luma = raster.box_mean(luma, max(1, round(cell)))
        luma_nodes = raster.bilinear(luma, gy, gx)
        values = luma_nodes[inside]
        lo, hi = np.percentile(values, [2, 98]) if values.size else (0.0, 255.0)
        lum = np.clip((luma_nodes - lo) / max(hi - lo, 1.0), 0.0, 1.0)
        shape = shape * ((1.0 - ld) + ld * (0.2 + 0.8 * lum))

    shape = np.where(inside, shape, 0.0)
    if params.smoothing > 0:
        # Sigma is given for the default grid, so changing ``detail`` does not change how smooth it looks.
        sigma = params.smoothing * params.detail / ReliefParams.detail
        shape = raster.gaussian_blur(shape, sigma)
    shape = np.where(inside, shape, 0.0)
    top = float(shape.max())
    return shape / top if top > 0 else shape
