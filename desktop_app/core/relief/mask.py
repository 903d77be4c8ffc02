"""Relief stage 1: which pixels of the picture are the subject (alpha, or unlike the border backdrop)."""

from __future__ import annotations

import numpy as np

from desktop_app.core.relief import raster


def subject_mask(rgba: np.ndarray, background: str = "auto") -> np.ndarray:
    """Boolean mask of the subject in an (H, W, 4) uint8 picture."""
    alpha = rgba[..., 3]
    has_transparency = bool((alpha < 128).any())
    if background == "alpha" or (background == "auto" and has_transparency):
        mask = alpha >= 128
    else:
        mask = _mask_from_border(rgba[..., :3])
    return _clean_mask(mask)


def _mask_from_border(rgb: np.ndarray) -> np.ndarray:
    """Subject = pixels unlike the border colour, plus anything enclosed by them.

    Background is the border-coloured region *connected to the border*, so a white shirt on a white
    backdrop stays part of the subject as long as an outline separates it from the edge.
    """
    h, w = rgb.shape[:2]
    band = max(2, round(0.02 * min(h, w)))
    border = np.concatenate([
        rgb[:band].reshape(-1, 3), rgb[-band:].reshape(-1, 3),
        rgb[:, :band].reshape(-1, 3), rgb[:, -band:].reshape(-1, 3),
    ]).astype(np.float32)
    reference = np.median(border, axis=0)
    spread = np.median(np.linalg.norm(border - reference, axis=1))
    # Noise or JPEG artefacts in the backdrop widen the tolerance; a busy border (a photo) cannot widen it
    # past the point where the subject itself would dissolve.
    threshold = float(np.clip(3.0 * spread + 24.0, 24.0, 80.0))
    distance = np.linalg.norm(rgb.astype(np.float32) - reference, axis=2)
    backdrop_like = raster.median3(distance) <= threshold
    labels, _ = raster.label(backdrop_like)
    edge_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge_labels = edge_labels[edge_labels > 0]
    return ~np.isin(labels, edge_labels)


def _clean_mask(mask: np.ndarray) -> np.ndarray:
    """Keep the main connected parts (drop specks) and fill pin-holes."""
    labels, count = raster.label(mask)
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    keep = sizes >= max(16, 0.02 * sizes.max())
    mask = keep[labels]
    holes, hole_count = raster.label(~mask)
    if hole_count:
        hole_sizes = np.bincount(holes.ravel())
        edge = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]]))
        small = hole_sizes < max(9, 0.002 * mask.sum())
        small[edge] = False
        small[0] = False
        mask = mask | small[holes]
    return mask
