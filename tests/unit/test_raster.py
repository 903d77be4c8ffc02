"""core/relief/raster.py against scipy.ndimage (the functions it replaced), on random masks and images."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.relief import raster

ndimage = pytest.importorskip("scipy.ndimage")  # a test-only reference: trimesh installs scipy in dev setups

SEEDS = range(8)


def _case(seed: int) -> tuple[np.random.Generator, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    h, w = (int(n) for n in rng.integers(5, 80, 2))
    mask = rng.random((h, w)) < rng.uniform(0.3, 0.8)
    mask[0, 0] = False  # at least one zero pixel for the distance transforms
    return rng, mask, rng.random((h, w)).astype(np.float32)


@pytest.mark.parametrize("seed", SEEDS)
def test_label_matches_scipy_numbering(seed: int) -> None:
    _, mask, _ = _case(seed)
    expected, count = ndimage.label(mask)
    labels, n = raster.label(mask)
    assert n == count
    np.testing.assert_array_equal(labels, expected)


def test_label_snake_and_empty() -> None:
    snake = np.zeros((41, 41), bool)
    snake[::4, :] = True
    snake[1::8, -1] = snake[2::8, -1] = snake[3::8, -1] = True
    snake[5::8, 0] = snake[6::8, 0] = snake[7::8, 0] = True
    labels, n = raster.label(snake)
    assert n == 1 and (labels[snake] == 1).all()
    assert raster.label(np.zeros((3, 3), bool))[1] == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_filters_match_scipy(seed: int) -> None:
    rng, _, img = _case(seed)
    np.testing.assert_allclose(raster.median3(img), ndimage.median_filter(img, size=3))
    for size in (1, 2, 3, 6):
        np.testing.assert_allclose(raster.box_mean(img, size), ndimage.uniform_filter(img, size=size), atol=1e-5)
    for sigma in (0.6, 1.5, 3.3):
        np.testing.assert_allclose(raster.gaussian_blur(img, sigma),
                                   ndimage.gaussian_filter(img.astype(np.float64), sigma=sigma, mode="constant"))
    h, w = img.shape
    gy, gx = rng.uniform(-2, h + 1, (20, 30)), rng.uniform(-2, w + 1, (20, 30))
    np.testing.assert_allclose(raster.bilinear(img, gy, gx),
                               ndimage.map_coordinates(img, [gy, gx], order=1, mode="nearest"), atol=1e-5)
    np.testing.assert_allclose(raster.bilinear(img, gy, gx, outside=0.0),
                               ndimage.map_coordinates(img, [gy, gx], order=1, mode="constant", cval=0.0), atol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_distance_transform_matches_scipy(seed: int) -> None:
    _, mask, _ = _case(seed)
    np.testing.assert_allclose(raster.distance_to_zero(mask), ndimage.distance_transform_edt(mask))
    site = ~mask
    ref = ndimage.distance_transform_edt(~site, return_distances=False, return_indices=True)
    rows, cols = raster.nearest_indices(site)
    assert site[rows, cols].all()
    yy, xx = np.indices(mask.shape)
    # ties may pick another pixel at the same distance
    np.testing.assert_array_equal((rows - yy) ** 2 + (cols - xx) ** 2, (ref[0] - yy) ** 2 + (ref[1] - xx) ** 2)


def test_texture_padding_takes_the_nearest_subject_colour_on_big_pictures() -> None:
    from desktop_app.core.relief.generate import _fill_from_nearest

    size = 1200  # over 1024: the half-size search path
    yy, xx = np.indices((size, size))
    left = (yy - 600) ** 2 + (xx - 300) ** 2 < 150**2
    right = (yy - 600) ** 2 + (xx - 900) ** 2 < 150**2
    rgb = np.zeros((size, size, 3), np.uint8)
    rgb[left] = (200, 0, 0)
    rgb[right] = (0, 0, 200)
    out = _fill_from_nearest(rgb, left | right)
    np.testing.assert_array_equal(out[left | right], rgb[left | right])
    assert (out[:, :590] == (200, 0, 0)).all() and (out[:, 610:] == (0, 0, 200)).all()
