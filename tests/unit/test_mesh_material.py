"""Reading glTF metallic-roughness materials into MeshParts (core/mesh/material.py), from real GLB files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from desktop_app.core.mesh.arrays import MeshPart
from desktop_app.core.mesh.load import load_scene_arrays, mesh_stats
from desktop_app.core.mesh.material import apply_material, vertex_tangents
from tests.emulators.common import make_glb
from tests.pbr_assets import alpha_mask_glb, full_pbr_glb, metal_rough_grid_glb, sphere_glb


def _load(tmp_path: Path, data: bytes, name: str = "m.glb"):
    path = tmp_path / name
    path.write_bytes(data)
    return load_scene_arrays(path)


def test_every_channel_of_a_gltf_material_is_read(tmp_path: Path) -> None:
    part = _load(tmp_path, full_pbr_glb()).parts[0]
    assert part.has_material
    assert part.metallic == 0.5 and part.roughness == 0.25
    assert np.allclose(part.base_color, (1.0, 0.5, 0.5, 1.0), atol=0.01)  # trimesh keeps it as 8 bits
    for tex in (part.texture, part.metallic_roughness_texture, part.normal_texture, part.occlusion_texture,
                part.emissive_texture):
        assert tex is not None and tex.dtype == np.uint8 and tex.shape[2] == 4
    assert tuple(part.metallic_roughness_texture[0, 0, 1:3]) == (200, 50)
    assert part.emissive_factor == (0.2, 0.3, 0.4)
    assert part.alpha_mode == "BLEND" and part.double_sided is False
    assert part.uvs is not None and part.tangents is not None and part.tangents.shape == (len(part.positions), 4)
    assert part.material_channels() == ["base colour", "metallic-roughness", "normal", "occlusion", "emission",
                                        "alpha blend"]


def test_factors_follow_the_gltf_defaults_and_plain_files_stay_dielectric(tmp_path: Path) -> None:
    metal = _load(tmp_path, sphere_glb(1.0, 0.15), "metal.glb").parts[0]
    assert (metal.metallic, metal.roughness) == (1.0, 0.15)
    assert metal.uvs is None and metal.tangents is None  # nothing samples the UVs: not kept
    assert metal.double_sided is False  # glTF's default
    bare = trimesh.creation.icosphere()
    bare.visual = trimesh.visual.TextureVisuals(uv=np.zeros((len(bare.vertices), 2)),
                                                material=trimesh.visual.material.PBRMaterial())
    unset = _load(tmp_path, trimesh.Scene(bare).export(file_type="glb"), "bare.glb").parts[0]
    assert (unset.metallic, unset.roughness) == (1.0, 1.0)  # no factors written: glTF says 1 and 1
    textured = _load(tmp_path, make_glb(), "textured.glb").parts[0]
    assert (textured.metallic, textured.roughness) == (0.0, 0.7)
    stl = tmp_path / "box.stl"
    trimesh.creation.box().export(stl)
    plain = load_scene_arrays(stl).parts[0]
    assert not plain.has_material and plain.metallic == 0.0 and plain.double_sided
    assert plain.material_channels() == []


def test_grid_parts_each_keep_their_own_factors(tmp_path: Path) -> None:
    parts = _load(tmp_path, metal_rough_grid_glb()).parts
    assert len(parts) == 10
    assert sorted({p.metallic for p in parts}) == [0.0, 1.0]
    assert sorted({round(p.roughness, 2) for p in parts}) == [0.05, 0.25, 0.5, 0.75, 1.0]


def test_alpha_mask_and_stats_count_every_texture(tmp_path: Path) -> None:
    part = _load(tmp_path, alpha_mask_glb()).parts[0]
    assert part.alpha_mode == "MASK" and part.alpha_cutoff == 0.5 and part.double_sided
    assert (part.texture[..., 3] == 0).any() and (part.texture[..., 3] == 255).any()
    path = tmp_path / "full.glb"
    path.write_bytes(full_pbr_glb())
    assert len(mesh_stats(path).textures) == 5  # every image the file holds, not only the base colour


def test_vertex_colours_beside_a_material_are_kept(tmp_path: Path) -> None:
    mesh = trimesh.creation.icosphere(subdivisions=1)
    colors = np.tile(np.array([[255, 0, 0, 255]], dtype=np.uint8), (len(mesh.vertices), 1))
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.zeros((len(mesh.vertices), 2)),
                                                material=trimesh.visual.material.PBRMaterial(metallicFactor=0.0))
    mesh.visual.vertex_attributes["color"] = colors
    part = _load(tmp_path, trimesh.Scene(mesh).export(file_type="glb")).parts[0]
    assert part.colors is not None and np.allclose(part.colors[:, :3], [1.0, 0.0, 0.0], atol=1e-3)
    assert "vertex colours" in part.material_channels()


def test_tangents_follow_u_and_their_sign_follows_v() -> None:
    positions = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=np.float32)
    normals = np.tile(np.float32([0, 0, 1]), (4, 1))
    indices = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32)
    uvs = positions[:, :2].copy()
    t = vertex_tangents(positions, normals, uvs, indices)
    assert np.allclose(t, [[1, 0, 0, 1]] * 4, atol=1e-6)
    mirrored = uvs.copy()
    mirrored[:, 1] = 1.0 - mirrored[:, 1]  # v runs the other way: the bitangent flips
    assert np.allclose(vertex_tangents(positions, normals, mirrored, indices)[:, 3], -1.0)
    degenerate = vertex_tangents(positions, normals, np.zeros_like(uvs), indices)
    assert np.isfinite(degenerate).all() and np.allclose(np.abs(degenerate[:, 2]), 0.0)


def test_file_tangents_win_and_a_missing_material_is_plain() -> None:
    from PIL import Image

    def part() -> MeshPart:
        return MeshPart(positions=np.eye(3, dtype=np.float32), normals=np.tile(np.float32([0, 0, 1]), (3, 1)),
                        uvs=np.eye(3, 2, dtype=np.float32), colors=None,
                        indices=np.array([[0, 1, 2]], np.uint32), texture=None)

    bumpy = trimesh.visual.material.PBRMaterial(normalTexture=Image.new("RGB", (4, 4), (128, 128, 255)))
    given = np.tile(np.float32([0, 1, 0, -1]), (3, 1))
    assert np.array_equal(apply_material(part(), bumpy, tangents=given).tangents, given)
    assert not np.array_equal(apply_material(part(), bumpy).tangents, given)  # computed instead
    assert apply_material(part(), bumpy, tangents=given[:2]).tangents.shape == (3, 4)  # wrong length: ignored
    plain = apply_material(part(), None)
    assert not plain.has_material and plain.uvs is None and plain.metallic == 0.0


def _plane_part() -> MeshPart:
    positions = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=np.float32)
    return MeshPart(positions=positions, normals=np.tile(np.float32([0, 0, 1]), (4, 1)),
                    uvs=positions[:, :2].copy(), colors=None, indices=np.array([[0, 1, 2], [0, 2, 3]], np.uint32),
                    texture=None)


def test_gltf_json_materials_are_read_without_trimesh() -> None:
    from desktop_app.core.mesh.material import apply_gltf_material

    images = {i: np.full((2, 2, 4), 10 * i, dtype=np.uint8) for i in range(5)}
    asked: list[dict] = []

    def texture(info: dict) -> np.ndarray | None:
        asked.append(info)
        return images.get(info["index"])

    material = {
        "pbrMetallicRoughness": {"baseColorFactor": [1, 0.5, 0.25, 0.8], "baseColorTexture": {"index": 0},
                                 "metallicFactor": 0.3, "roughnessFactor": 0.7,
                                 "metallicRoughnessTexture": {"index": 1}},
        "normalTexture": {"index": 2, "scale": 0.5},
        "occlusionTexture": {"index": 3, "strength": 0.25, "texCoord": 0},
        "emissiveTexture": {"index": 4}, "emissiveFactor": [1, 0.5, 0],
        "extensions": {"KHR_materials_emissive_strength": {"emissiveStrength": 4}},
        "alphaMode": "MASK", "alphaCutoff": 0.3, "doubleSided": True,
    }
    part = apply_gltf_material(_plane_part(), material, texture)
    assert part.has_material and part.base_color == (1.0, 0.5, 0.25, 0.8)
    assert (part.metallic, part.roughness, part.normal_scale, part.occlusion_strength) == (0.3, 0.7, 0.5, 0.25)
    assert part.texture is images[0] and part.metallic_roughness_texture is images[1]
    assert part.normal_texture is images[2] and part.occlusion_texture is images[3]
    assert part.emissive_texture is images[4] and part.emissive_factor == (4.0, 2.0, 0.0)
    assert (part.alpha_mode, part.alpha_cutoff, part.double_sided) == ("MASK", 0.3, True)
    assert part.tangents is not None and np.allclose(part.tangents, [[1, 0, 0, 1]] * 4)
    assert [a["index"] for a in asked] == [0, 1, 2, 3, 4]

    bare = apply_gltf_material(_plane_part(), {}, texture)  # every default of the spec
    assert (bare.metallic, bare.roughness, bare.alpha_mode, bare.double_sided) == (1.0, 1.0, "OPAQUE", False)
    assert bare.uvs is None and bare.emissive_factor == (0.0, 0.0, 0.0) and bare.base_color == (1, 1, 1, 1)
    hostile = apply_gltf_material(_plane_part(), {"pbrMetallicRoughness": {"metallicFactor": "x",
                                  "baseColorFactor": [1, 2], "baseColorTexture": {"index": 9}},
                                  "alphaMode": 3, "normalTexture": "no", "emissiveFactor": [float("nan")] * 3},
                                  lambda info: (_ for _ in ()).throw(ValueError("broken image")))
    assert hostile.metallic == 1.0 and hostile.texture is None and hostile.alpha_mode == "OPAQUE"
    assert hostile.normal_texture is None and hostile.emissive_factor == (0.0, 0.0, 0.0)
    none = apply_gltf_material(_plane_part(), None, texture)
    assert not none.has_material and none.metallic == 0.0
