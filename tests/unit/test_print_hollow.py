"""Hollowing: a closed result with an outer and an inner wall, and the volume it should have."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from desktop_app.core.printing.check import check_mesh
from desktop_app.core.printing.hollow import HollowError, distance_inside, hollow


def test_box_hollowed_keeps_walls_at_least_as_thick_as_asked() -> None:
    box = trimesh.creation.box([100, 60, 40])
    result = hollow(box, 3.0)
    out = result.mesh
    assert out.is_watertight and out.volume > 0
    shells = out.split(only_watertight=False)
    assert len(shells) == 2  # outer skin and the cavity's wall
    volumes = sorted(float(s.volume) for s in shells)
    assert volumes[0] < 0 < volumes[1]  # the inner wall faces inward
    assert result.volume_before == pytest.approx(240000, rel=1e-6)
    exact_wall = 240000 - 94 * 54 * 34  # material with exact 3 mm walls
    assert exact_wall <= result.volume_after <= 1.5 * exact_wall  # never thinner, not far thicker
    assert result.volume_after == pytest.approx(float(out.volume), rel=1e-4)
    # the cavity stays at least 3 mm inside every outer face
    inner = shells[int(np.argmin([s.volume for s in shells]))]
    assert np.all(inner.bounds[0] >= box.bounds[0] + 3 - 1e-6) and np.all(inner.bounds[1] <= box.bounds[1] - 3)
    assert check_mesh(out).printable  # a cavity is not reported as overlapping pieces


def test_sphere_volume_drops_as_expected() -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=30)
    result = hollow(sphere, 2.0)
    exact = 4 / 3 * np.pi * (30 ** 3 - 28 ** 3)
    assert result.mesh.is_watertight and exact * 0.95 <= result.volume_after <= exact * 1.6
    assert result.volume_after < 0.3 * result.volume_before


def test_too_thin_or_open_models_are_refused() -> None:
    with pytest.raises(HollowError, match="too thin"):
        hollow(trimesh.creation.box([50, 50, 3]), 2.0)
    open_box = trimesh.creation.box([10, 10, 10])
    open_box.update_faces(np.arange(len(open_box.faces)) > 0)
    with pytest.raises(HollowError, match="closed"):
        hollow(open_box, 1.0)


def test_distance_inside_is_euclidean() -> None:
    grid = np.zeros((21, 21, 21), bool)
    grid[1:20, 1:20, 1:20] = True
    d = distance_inside(grid)
    assert d[10, 10, 10] == pytest.approx(10.0) and d[1, 1, 1] == pytest.approx(1.0) and d[0, 5, 5] == 0
    assert d[3, 10, 10] == pytest.approx(3.0)
