"""The fast paths (core/mesh/geometry.py, core/mesh/facts.py: normals, welding, watertightness) match plain numpy."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from desktop_app.core.mesh import geometry as mesh_geometry
from desktop_app.core.mesh.geometry import vertex_normals, weld_index
from desktop_app.core.mesh.load import scene_arrays_from_trimesh


def _reference_normals(positions: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area-weighted normals the slow, obvious way: (per vertex, per distinct position)."""
    p = positions.astype(np.float64)
    tri = p[faces]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    own = np.zeros_like(p)
    np.add.at(own, faces.ravel(), np.repeat(face_n, 3, axis=0))
    _, inverse = np.unique(positions, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    shared = np.zeros((inverse.max() + 1, 3))
    np.add.at(shared, inverse, own)
    unit = lambda v: v / np.linalg.norm(v, axis=1, keepdims=True)  # noqa: E731
    return unit(own), unit(shared)[inverse]


def test_normals_match_a_plain_reference_with_seams_and_creases() -> None:
    sphere = trimesh.creation.uv_sphere(count=[24, 24])  # a UV seam: split vertices at one position
    box = trimesh.creation.box()
    box_soup = box.vertices[box.faces].reshape(-1, 3) + np.array([3.0, 0.0, 0.0])  # creases: split, must stay flat
    positions = np.concatenate([sphere.vertices, box_soup]).astype(np.float32)
    faces = np.concatenate([sphere.faces, np.arange(len(box_soup)).reshape(-1, 3) + len(sphere.vertices)])
    own, welded = _reference_normals(positions, faces)
    crease = np.einsum("ij,ij->i", own, welded) < np.cos(np.radians(30.0))
    expected = np.where(crease[:, None], own, welded)
    got = vertex_normals(positions, faces.astype(np.uint32))
    assert got.shape == positions.shape
    assert np.abs(got - expected).max() < 1e-4
    assert np.abs(vertex_normals(positions, faces.astype(np.uint32), weld=False) - own).max() < 1e-4
    assert crease[len(sphere.vertices):].any() and not crease[: len(sphere.vertices)].any()


def test_weld_index_falls_back_to_exact_when_keys_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 1, 0], [1, 0, 0]], dtype=np.float32)
    monkeypatch.setattr(mesh_geometry, "_position_keys", lambda p: np.zeros(len(p), dtype=np.uint64))  # all collide
    inverse, count = weld_index(positions)
    assert count == 3
    assert inverse[0] == inverse[2] and inverse[1] == inverse[4]
    assert len({inverse[0], inverse[1], inverse[3]}) == 3


@pytest.mark.parametrize("split", [False, True])
def test_watertight_single_part_reuses_the_weld_and_agrees_with_trimesh(split: bool) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3)
    if split:  # every face its own vertices, as STL files and face-coloured meshes have
        sphere = trimesh.Trimesh(sphere.vertices[sphere.faces].reshape(-1, 3),
                                 np.arange(len(sphere.faces) * 3).reshape(-1, 3), process=False)
    assert scene_arrays_from_trimesh(sphere).stats.watertight is True
    opened = trimesh.Trimesh(sphere.vertices, sphere.faces[:-1], process=False)
    assert scene_arrays_from_trimesh(opened).stats.watertight is False


def test_watertight_across_parts_welds_between_them() -> None:
    box = trimesh.creation.box()
    top = box.faces[:6]
    rest = box.faces[6:]
    a = trimesh.Trimesh(box.vertices, top, process=False)
    b = trimesh.Trimesh(box.vertices, rest, process=False)
    a.visual.face_colors = (255, 0, 0, 255)  # face colours unshare a's vertices; welding still joins them
    scene = trimesh.Scene([a, b])
    arrays = scene_arrays_from_trimesh(scene)
    assert len(arrays.parts) == 2 and arrays.stats.watertight is True
    assert scene_arrays_from_trimesh(trimesh.Scene([a])).stats.watertight is False
