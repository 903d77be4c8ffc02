"""Lay flat on the largest stable face: meshes whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from desktop_app.core.printing.orient import best_resting_face, lay_flat, resting_faces, rotation_to_floor


def _on_floor_area(mesh: trimesh.Trimesh) -> float:
    """Area of the faces lying on the lowest plane, facing down."""
    low = float(mesh.bounds[0][2])
    z = np.asarray(mesh.triangles)[:, :, 2]
    down = (np.abs(z - low).max(axis=1) < 1e-6) & (np.asarray(mesh.face_normals)[:, 2] < -0.999)
    return float(np.asarray(mesh.area_faces)[down].sum())


def test_box_lies_on_its_largest_face() -> None:
    box = trimesh.creation.box([1, 2, 3])  # the 3 x 2 face is the largest
    face = lay_flat(box)
    assert face is not None and face.area == pytest.approx(6.0)
    assert sorted(np.round(box.extents, 6)) == [1, 2, 3] and box.extents[2] == pytest.approx(1.0)
    assert _on_floor_area(box) == pytest.approx(6.0)


def test_tilted_cube_comes_back_onto_a_face() -> None:
    cube = trimesh.creation.box([1, 1, 1])
    cube.apply_transform(trimesh.transformations.rotation_matrix(0.5, [1, 1, 0]))
    assert cube.extents[2] > 1.2  # standing on an edge
    lay_flat(cube)
    assert cube.extents[2] == pytest.approx(1.0, abs=1e-6) and _on_floor_area(cube) == pytest.approx(1.0)


def test_cone_stands_on_its_base() -> None:
    cone = trimesh.creation.cone(0.5, 2.0, sections=64)
    cone.apply_transform(trimesh.transformations.rotation_matrix(1.0, [1, 0, 0]))
    face = lay_flat(cone)
    assert face is not None and face.area == pytest.approx(np.pi * 0.25, rel=0.01)
    assert cone.extents[2] == pytest.approx(2.0, abs=1e-5)  # the tip up
    apex = cone.vertices[np.argmax(cone.vertices[:, 2])]
    assert np.hypot(*(apex[:2] - cone.bounds.mean(axis=0)[:2])) < 1e-5


def test_largest_hull_face_that_would_tip_is_skipped() -> None:
    # a 10 x 10 thin plate at x = 0 with a heavy block beside it: the plate's face (100) is the largest hull face,
    # but the centre of mass lies beyond the plate, so it would tip over
    plate = trimesh.creation.box([0.1, 10, 10])
    plate.apply_translation([0.05, 5, 5])
    block = trimesh.creation.box([4, 4, 4])
    block.apply_translation([2.1, 14, 2])
    body = trimesh.util.concatenate([plate, block])
    faces = resting_faces(body)
    plate_face = max(faces, key=lambda f: f.area)
    assert plate_face.area == pytest.approx(100.0) and np.allclose(plate_face.normal, [-1, 0, 0], atol=1e-6)
    assert not plate_face.stable
    best = best_resting_face(body)
    assert best is not None and best.stable and best.area < 100
    assert not np.allclose(best.normal, [-1, 0, 0], atol=1e-3)


def test_ties_go_to_the_lowest_centre_of_mass() -> None:
    # a 2 x 2 x 1 box has two equally large 4-unit faces (top and bottom) and four 2-unit ones: either big
    # face leaves the centre of mass 0.5 up, lower than any side face would (1.0)
    box = trimesh.creation.box([2, 2, 1])
    best = best_resting_face(box)
    assert best is not None and best.area == pytest.approx(4.0) and best.com_height == pytest.approx(0.5)


@pytest.mark.parametrize("normal", [[0, 0, -1], [0, 0, 1], [1, 0, 0], [0.3, -0.5, 0.8]])
def test_rotation_turns_the_face_onto_the_floor(normal: list[float]) -> None:
    n = np.asarray(normal, float) / np.linalg.norm(normal)
    m = rotation_to_floor(n)
    assert np.allclose(m[:3, :3] @ n, [0, 0, -1], atol=1e-9)
    assert np.allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-9)


def test_empty_mesh_is_left_alone() -> None:
    assert lay_flat(trimesh.Trimesh()) is None
