"""Model files -> flat preview arrays: formats, node transforms, materials, stats, hostile files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh

from desktop_app.core.errors import MeshLoadError
from desktop_app.core.mesh.geometry import vertex_normals
from desktop_app.core.mesh.load import PREVIEW_FORMATS, load_scene_arrays, mesh_stats, scene_arrays_from_trimesh
from tests.emulators.common import make_glb, texture_image


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _unit_normals(arrays) -> None:
    for part in arrays.parts:
        lengths = np.linalg.norm(part.normals, axis=1)
        assert np.allclose(lengths, 1.0, atol=1e-4)
        assert np.isfinite(part.positions).all()


def test_textured_glb(tmp_path: Path) -> None:
    arrays = load_scene_arrays(_write(tmp_path / "m.glb", make_glb()))
    assert len(arrays.parts) == 1
    part = arrays.parts[0]
    assert part.positions.dtype == np.float32 and part.positions.shape[1] == 3
    assert part.indices.dtype == np.uint32 and part.indices.shape[1] == 3
    assert part.uvs is not None and part.uvs.shape == (len(part.positions), 2)
    assert part.texture is not None and part.texture.shape == (64, 64, 4) and part.texture.dtype == np.uint8
    assert tuple(int(c) for c in part.texture[5, 5, :3]) == pytest.approx((220, 30, 30), abs=12)  # top-left stays red
    assert part.base_color == (1.0, 1.0, 1.0, 1.0)  # no factor: the texture is the colour
    stats = arrays.stats
    assert stats.triangles == 320 and stats.parts == 1 and stats.textures == [(64, 64)]
    assert stats.watertight is True
    assert stats.size == pytest.approx((2.0, 2.0, 2.0), abs=1e-3)
    assert stats.file_bytes == (tmp_path / "m.glb").stat().st_size
    assert arrays.radius == pytest.approx(1.0, abs=1e-3)
    assert np.allclose(arrays.center, 0.0, atol=1e-6)
    assert arrays.up == "y"
    _unit_normals(arrays)
    # normals of a sphere point away from its centre
    assert (np.einsum("ij,ij->i", part.normals, part.positions) > 0.9).all()


def test_texture_downscaled_but_stats_report_original(tmp_path: Path) -> None:
    arrays = load_scene_arrays(_write(tmp_path / "m.glb", make_glb(texture_size=128)), max_texture=32)
    assert arrays.parts[0].texture.shape == (32, 32, 4)
    assert arrays.stats.textures == [(128, 128)]


def test_obj_with_mtl_texture(tmp_path: Path) -> None:
    mesh = trimesh.creation.box()
    uv = np.random.default_rng(1).random((len(mesh.vertices), 2))
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, image=texture_image(32))
    mesh.export(tmp_path / "box.obj")
    arrays = load_scene_arrays(tmp_path / "box.obj")
    part = arrays.parts[0]
    assert arrays.stats.triangles == 12
    assert part.texture is not None and part.texture.shape == (32, 32, 4)
    _unit_normals(arrays)


def test_obj_with_missing_texture_still_loads(tmp_path: Path) -> None:
    mesh = trimesh.creation.box()
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.zeros((8, 2)), image=texture_image(16))
    mesh.export(tmp_path / "box.obj")
    for png in tmp_path.glob("*.png"):
        png.unlink()
    arrays = load_scene_arrays(tmp_path / "box.obj")
    assert arrays.parts[0].texture is None
    assert arrays.stats.triangles == 12


def test_stl_is_z_up_and_watertight(tmp_path: Path) -> None:
    path = tmp_path / "box.stl"
    trimesh.creation.box(extents=(1, 2, 3)).export(path)
    arrays = load_scene_arrays(path)
    assert arrays.up == "z"
    assert arrays.stats.triangles == 12
    assert arrays.stats.size == pytest.approx((1.0, 2.0, 3.0))
    assert arrays.stats.watertight is True  # STL repeats vertices per face: welding must still see it closed
    assert arrays.parts[0].uvs is None and arrays.parts[0].texture is None
    _unit_normals(arrays)


def test_ply_vertex_colours(tmp_path: Path) -> None:
    mesh = trimesh.creation.icosphere(subdivisions=1)
    colours = np.zeros((len(mesh.vertices), 4), dtype=np.uint8)
    colours[:] = (255, 0, 0, 255)
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=colours)
    path = tmp_path / "c.ply"
    mesh.export(path)
    part = load_scene_arrays(path).parts[0]
    assert part.colors is not None and part.colors.shape == (len(part.positions), 4)
    assert part.colors[:, 0] == pytest.approx(1.0) and part.colors[:, 1] == pytest.approx(0.0)


def test_node_transforms_are_applied(tmp_path: Path) -> None:
    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box(), node_name="moved",
                       transform=trimesh.transformations.translation_matrix((10.0, 0.0, 0.0)))
    scene.add_geometry(trimesh.creation.box(), node_name="scaled",
                       transform=np.diag([2.0, 2.0, 2.0, 1.0]))
    arrays = load_scene_arrays(_write(tmp_path / "s.glb", scene.export(file_type="glb")))
    assert len(arrays.parts) == 2
    xs = sorted(float(p.positions[:, 0].mean()) for p in arrays.parts)
    assert xs == pytest.approx([0.0, 10.0], abs=1e-4)
    assert arrays.stats.bounds[1][0] == pytest.approx(10.5)
    assert arrays.stats.size[1] == pytest.approx(2.0)  # the scaled box is 2 tall
    _unit_normals(arrays)


def test_mirrored_node_keeps_normals_outward() -> None:
    sphere = trimesh.creation.icosphere(subdivisions=2)
    scene = trimesh.Scene()
    scene.add_geometry(sphere, transform=np.diag([-1.0, 1.0, 1.0, 1.0]))
    part = scene_arrays_from_trimesh(scene).parts[0]
    assert (np.einsum("ij,ij->i", part.normals, part.positions) > 0.9).all()


def test_several_materials_give_several_parts(tmp_path: Path) -> None:
    red = trimesh.creation.box()
    red.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(baseColorFactor=(255, 0, 0, 255)))
    blue = trimesh.creation.icosphere()
    blue.apply_translation((3, 0, 0))
    blue.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(baseColorFactor=(0, 0, 255, 255)))
    data = trimesh.Scene([red, blue]).export(file_type="glb")
    arrays = load_scene_arrays(_write(tmp_path / "two.glb", data))
    assert arrays.stats.parts == 2
    colours = sorted(p.base_color for p in arrays.parts)
    assert colours[0] == pytest.approx((0.0, 0.0, 1.0, 1.0), abs=0.01)
    assert colours[1] == pytest.approx((1.0, 0.0, 0.0, 1.0), abs=0.01)


def test_mesh_stats_without_texture_pixels(tmp_path: Path) -> None:
    stats = mesh_stats(_write(tmp_path / "m.glb", make_glb()))
    assert stats.triangles == 320 and stats.textures == [(64, 64)] and stats.file_bytes > 0


def test_nan_vertices_are_dropped_not_fatal() -> None:
    mesh = trimesh.creation.icosphere(subdivisions=1)
    verts = mesh.vertices.copy()
    verts[0] = np.nan
    broken = trimesh.Trimesh(verts, mesh.faces, process=False)
    arrays = scene_arrays_from_trimesh(broken)
    assert 0 < arrays.stats.triangles < len(mesh.faces)
    _unit_normals(arrays)
    assert np.isfinite(arrays.radius)


def test_normals_weld_seams_but_keep_creases() -> None:
    # a cube with split vertices per side must stay flat-shaded...
    box = trimesh.creation.box()
    split = box.vertices[box.faces].reshape(-1, 3)
    faces = np.arange(len(split), dtype=np.uint32).reshape(-1, 3)
    normals = vertex_normals(split, faces)
    axis_aligned = np.isclose(np.abs(normals).max(axis=1), 1.0)
    assert axis_aligned.all()
    # ...while a sphere split along a seam gets one smooth normal per position
    sphere = trimesh.creation.icosphere(subdivisions=2)
    soup = sphere.vertices[sphere.faces].reshape(-1, 3)
    n = vertex_normals(soup, np.arange(len(soup), dtype=np.uint32).reshape(-1, 3))
    radial = soup / np.linalg.norm(soup, axis=1, keepdims=True)
    assert (np.einsum("ij,ij->i", n, radial) > 0.995).all()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.glb", b"", "empty"),
        ("text.glb", b"this is not a model, just text\n" * 10, "not a valid GLB"),
        ("model.fbx", b"Kaydara FBX Binary  \x00" + b"\x00" * 64, "can't be previewed"),
        ("model.usdz", b"PK\x03\x04" + b"\x00" * 64, "can't be previewed"),
        ("notes.txt", b"hello", "can't be previewed"),
        ("garbage.obj", bytes(range(256)) * 4, ""),
        ("garbage.ply", b"ply\nformat binary_little_endian 1.0\nelement vertex 99999999999\nend_header\n", ""),
    ],
)
def test_bad_files_raise_plain_errors(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    with pytest.raises(MeshLoadError) as info:
        load_scene_arrays(_write(tmp_path / name, data))
    text = info.value.user_text()
    assert expected in text
    assert "Traceback" not in text and len(text) < 300


def test_truncated_glb(tmp_path: Path) -> None:
    data = make_glb()
    with pytest.raises(MeshLoadError, match="incomplete"):
        load_scene_arrays(_write(tmp_path / "cut.glb", data[: len(data) // 2]))
    # a GLB whose header lies about nothing but whose chunks are cut: still a plain error, not a crash
    bad = bytearray(data)
    bad[20:] = b"\x00" * (len(bad) - 20)
    with pytest.raises(MeshLoadError):
        load_scene_arrays(_write(tmp_path / "zeroed.glb", bytes(bad)))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MeshLoadError, match="could not be found"):
        load_scene_arrays(tmp_path / "nope.glb")


def test_point_cloud_has_no_surfaces(tmp_path: Path) -> None:
    path = tmp_path / "points.ply"
    trimesh.PointCloud(np.random.default_rng(0).random((50, 3))).export(path)
    with pytest.raises(MeshLoadError, match="no surfaces"):
        load_scene_arrays(path)


def test_preview_formats_listed() -> None:
    assert set(PREVIEW_FORMATS) == {".glb", ".gltf", ".obj", ".stl", ".ply"}
