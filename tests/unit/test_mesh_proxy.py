"""The motion proxy: far fewer triangles, the same shape, and texture seams kept apart."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image

from desktop_app.core.mesh.load import scene_arrays_from_trimesh
from desktop_app.core.mesh.proxy import motion_proxy


def _textured_sphere(count: int) -> trimesh.Trimesh:
    """A UV sphere whose seam column is doubled (u=0 and u=1 at one position), as exporters write them."""
    i, j = np.meshgrid(np.arange(count + 1), np.arange(count + 1), indexing="ij")
    u, v = i.ravel() / count, j.ravel() / count
    theta, phi = 2 * np.pi * u, np.pi * v
    vertices = np.column_stack([np.sin(phi) * np.cos(theta), np.sin(phi) * np.sin(theta), np.cos(phi)])
    a = (i[:-1, :-1] * (count + 1) + j[:-1, :-1]).ravel()
    faces = np.concatenate([np.column_stack([a, a + count + 1, a + 1]),
                            np.column_stack([a + 1, a + count + 1, a + count + 2])])
    mesh = trimesh.Trimesh(vertices, faces[:, ::-1], process=False)  # outward winding
    image = Image.new("RGB", (8, 8), (200, 30, 30))
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.column_stack([u, 1 - v]), image=image)
    return mesh


def test_small_models_get_no_proxy() -> None:
    assert motion_proxy(scene_arrays_from_trimesh(trimesh.creation.icosphere(subdivisions=3))) is None


def test_proxy_is_lighter_and_keeps_the_shape_and_seams() -> None:
    arrays = scene_arrays_from_trimesh(_textured_sphere(200))  # ~80k triangles
    proxy = motion_proxy(arrays, target=8000)
    assert proxy is not None and proxy.stats is arrays.stats  # the facts describe the real model
    part, full = proxy.parts[0], arrays.parts[0]
    assert 2000 < len(part.indices) <= 12000 < len(full.indices)
    assert part.texture is full.texture  # one texture on the GPU for both
    radius = np.linalg.norm(part.positions, axis=1)
    assert np.abs(radius - 1.0).max() < 0.1  # still the unit sphere
    assert (np.einsum("ij,ij->i", part.normals, part.positions / radius[:, None]) > 0.9).mean() > 0.98
    uv = part.uvs[part.indices]
    span = uv[..., 0].max(axis=1) - uv[..., 0].min(axis=1)
    assert span.max() < 0.3  # no triangle jumps across the u=0/1 seam (it would smear the whole texture)


def test_thin_wall_sides_stay_apart() -> None:
    # two sheets 1 mm apart facing away from each other: one cell wide, but opposite normals
    sheet = trimesh.creation.box(extents=(1.0, 1.0, 0.001)).subdivide().subdivide().subdivide().subdivide()
    arrays = scene_arrays_from_trimesh(trimesh.Trimesh(sheet.vertices, sheet.faces, process=False))
    proxy = motion_proxy(arrays, target=arrays.stats.triangles // 4)
    part = proxy.parts[0]
    up = part.normals[:, 2] > 0.9
    down = part.normals[:, 2] < -0.9
    assert up.sum() > 10 and down.sum() > 10  # both faces survive with their own normals
