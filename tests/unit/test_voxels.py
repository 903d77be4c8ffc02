"""core/printing/voxels.py against the scipy.ndimage calls it replaces in the print repair's solid rebuild."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.printing import voxels
from desktop_app.core.printing.check import shell_labels

ndimage = pytest.importorskip("scipy.ndimage")  # a dev dependency: the reference only


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closing_and_hole_filling_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    grid = np.zeros((24, 20, 18), bool)
    grid[3:-3, 3:-3, 3:-3] = rng.random((18, 14, 12)) > 0.35
    grid[6:12, 6:12, 6:12] = False
    shell = np.zeros_like(grid)  # a closed box wall with a cavity inside
    shell[4:16, 4:16, 4:14] = True
    shell[5:15, 5:15, 5:13] = False
    for g in (grid, shell, grid | shell):
        assert np.array_equal(voxels.close(g), ndimage.binary_closing(g, iterations=1))
        assert np.array_equal(voxels.fill_holes(g), ndimage.binary_fill_holes(g))


def test_blur_and_sampling_match_scipy() -> None:
    rng = np.random.default_rng(3)
    field = rng.random((14, 12, 10)).astype(np.float32)
    assert np.allclose(voxels.gaussian(field, 0.8), ndimage.gaussian_filter(field, 0.8), atol=1e-5)
    for point in ([0.0, 0.0, 0.0], [3.3, 7.9, 2.5], [12.99, 10.5, 8.01], [13.0, 11.0, 9.0], [-0.5, 2, 2], [5, 5, 9.5]):
        ours = voxels.trilinear(field, np.array(point), -0.5)
        theirs = ndimage.map_coordinates(field, np.array(point, float)[:, None], order=1, mode="constant",
                                         cval=-0.5)[0]
        assert ours == pytest.approx(float(theirs), abs=1e-5), point


def test_shells_are_counted_without_scipy_graphs() -> None:
    import trimesh

    parts = [trimesh.creation.icosphere(subdivisions=1).apply_translation((3 * i, 0, 0)) for i in range(3)]
    count, labels = shell_labels(trimesh.util.concatenate(parts))
    assert count == 3 and len(set(labels.tolist())) == 3
    assert len(labels) == sum(len(p.faces) for p in parts)
