"""Our glTF reader (core/mesh/gltf_read.py, core/mesh/gltf_scene.py) against trimesh's, on generated files.

The preview used trimesh for GLB; the lean reader must give the same positions, triangles and UVs, and also
read what generators and exporters use: sparse and normalized accessors, node trees, texture transforms.
"""

from __future__ import annotations

import io
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from desktop_app.core.errors import MeshLoadError
from desktop_app.core.mesh.gltf_scene import decode_texture, load_gltf_arrays
from desktop_app.core.mesh.load import load_scene_arrays, load_trimesh, scene_arrays_from_trimesh
from tests.emulators.common import make_glb


def _glb(gltf: dict, binary: bytes) -> bytes:
    js = json.dumps(gltf).encode()
    js += b" " * (-len(js) % 4)
    binary += b"\x00" * (-len(binary) % 4)
    chunks = struct.pack("<II", len(js), 0x4E4F534A) + js + struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def _both(path: Path):
    ours = load_gltf_arrays(path, 2048, 30_000_000)
    theirs = scene_arrays_from_trimesh(load_trimesh(path))
    return ours, theirs


def _key(part) -> tuple:
    return (len(part.positions), *np.round(part.positions.mean(axis=0), 4))


def _assert_same(ours, theirs, uvs: bool = True) -> None:
    assert len(ours.parts) == len(theirs.parts)
    for a, b in zip(sorted(ours.parts, key=_key), sorted(theirs.parts, key=_key), strict=True):
        np.testing.assert_allclose(a.positions, b.positions, atol=1e-5)
        np.testing.assert_array_equal(a.indices, b.indices)
        if uvs:
            assert (a.uvs is None) == (b.uvs is None)
            if a.uvs is not None:
                np.testing.assert_allclose(a.uvs, b.uvs, atol=1e-6)
        np.testing.assert_allclose(a.normals, b.normals, atol=1e-4)
    assert ours.stats.triangles == theirs.stats.triangles
    assert ours.stats.watertight == theirs.stats.watertight
    np.testing.assert_allclose(ours.stats.bounds, theirs.stats.bounds, atol=1e-5)


def test_textured_glb_matches_trimesh(tmp_path: Path) -> None:
    path = tmp_path / "m.glb"
    path.write_bytes(make_glb(texture_size=64, subdivisions=3))
    ours, theirs = _both(path)
    _assert_same(ours, theirs)
    np.testing.assert_array_equal(ours.parts[0].texture, theirs.parts[0].texture)
    assert ours.stats.textures == theirs.stats.textures == [(64, 64)]


def test_multi_node_transforms_match_trimesh(tmp_path: Path) -> None:
    scene = trimesh.Scene()
    rotate = trimesh.transformations.rotation_matrix(0.7, (0.3, 1.0, 0.2))
    scene.add_geometry(trimesh.creation.box(), node_name="moved",
                       transform=trimesh.transformations.translation_matrix((10.0, 0.0, 0.0)))
    scene.add_geometry(trimesh.creation.icosphere(), node_name="turned", transform=rotate @ np.diag([2, 1, 3, 1.0]))
    scene.add_geometry(trimesh.creation.cylinder(radius=0.5, height=1.0), node_name="mirrored",
                       transform=np.diag([-1.0, 1, 1, 1]))
    path = tmp_path / "nodes.glb"
    path.write_bytes(scene.export(file_type="glb"))
    ours, theirs = _both(path)
    _assert_same(ours, theirs, uvs=False)


def _triangles_gltf(extra_accessor: dict, attribute: str, binary: bytes) -> dict:
    return {
        "asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}],
        "nodes": [{"children": [1], "translation": [1.0, 0.0, 0.0]},
                  {"mesh": 0, "rotation": [0.0, 0.0, math.sin(math.pi / 4), math.cos(math.pi / 4)],
                   "scale": [2.0, 2.0, 2.0]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, **({attribute: 1} if attribute else {})},
                                    "indices": 2}]}],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 48},  # 4 positions
                        {"buffer": 0, "byteOffset": 48, "byteLength": 16},  # uv / sparse data
                        {"buffer": 0, "byteOffset": 64, "byteLength": 12}],  # 6 uint16 indices
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]},
                      extra_accessor,
                      {"bufferView": 2, "componentType": 5123, "count": 6, "type": "SCALAR"}],
    }


QUAD = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=np.float32)
QUAD_FACES = np.array([0, 1, 2, 0, 2, 3], dtype=np.uint16)


def test_normalized_uvs_and_node_tree(tmp_path: Path) -> None:
    uv16 = np.array([[0, 0], [65535, 0], [65535, 32768], [0, 65535]], dtype=np.uint16)
    binary = QUAD.tobytes() + uv16.tobytes() + QUAD_FACES.tobytes()
    gltf = _triangles_gltf({"bufferView": 1, "componentType": 5123, "normalized": True, "count": 4,
                            "type": "VEC2"}, "TEXCOORD_0", binary)
    gltf.update(images=[{"bufferView": 3, "mimeType": "image/png"}], textures=[{"source": 0}],
                materials=[{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}])
    png = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 200, 30)).save(png, "PNG")
    gltf["bufferViews"].append({"buffer": 0, "byteOffset": 76, "byteLength": len(png.getvalue())})
    binary += png.getvalue()
    gltf["buffers"][0]["byteLength"] = len(binary)
    gltf["meshes"][0]["primitives"][0]["material"] = 0
    path = tmp_path / "norm.glb"
    path.write_bytes(_glb(gltf, binary))
    part = load_scene_arrays(path).parts[0]
    # rotated 90° about Z, scaled 2, then moved +1 in X by the parent node
    np.testing.assert_allclose(part.positions[2], [1.0 - 2.0, 2.0, 0.0], atol=1e-5)
    np.testing.assert_allclose(part.uvs[2], [1.0, 1.0 - 32768 / 65535], atol=1e-6)
    np.testing.assert_allclose(part.uvs[3], [0.0, 0.0], atol=1e-6)
    assert part.texture is not None and tuple(part.texture[0, 0]) == (10, 200, 30, 255)
    theirs = scene_arrays_from_trimesh(load_trimesh(path)).parts[0]
    np.testing.assert_allclose(part.positions, theirs.positions, atol=1e-5)


def test_sparse_accessor_overrides_positions(tmp_path: Path) -> None:
    sparse_indices = np.array([2], dtype=np.uint32).tobytes()
    sparse_values = np.array([[5.0, 6.0, 7.0]], dtype=np.float32).tobytes()
    binary = QUAD.tobytes() + sparse_indices + sparse_values + QUAD_FACES.tobytes()
    gltf = _triangles_gltf({"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3"}, "", binary)
    gltf["bufferViews"][1] = {"buffer": 0, "byteOffset": 48, "byteLength": 16}
    gltf["accessors"][0]["sparse"] = {"count": 1, "indices": {"bufferView": 1, "componentType": 5125},
                                      "values": {"bufferView": 1, "byteOffset": 4}}
    gltf["accessors"][1] = {"componentType": 5126, "count": 1, "type": "SCALAR"}  # unused, no bufferView
    gltf["nodes"] = [{"mesh": 0}]
    path = tmp_path / "sparse.glb"
    path.write_bytes(_glb(gltf, binary))
    part = load_scene_arrays(path).parts[0]
    np.testing.assert_allclose(part.positions, [[0, 0, 0], [1, 0, 0], [5, 6, 7], [0, 1, 0]])


def test_texture_transform_is_applied(tmp_path: Path) -> None:
    data = bytearray(make_glb(texture_size=8))
    # rewrite the JSON chunk with KHR_texture_transform on the base colour texture
    length = struct.unpack_from("<I", data, 12)[0]
    gltf = json.loads(bytes(data[20:20 + length]))
    binary = bytes(data[20 + length + 8:])
    info = gltf["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]
    info["extensions"] = {"KHR_texture_transform": {"offset": [0.5, 0.25], "scale": [2.0, 0.5],
                                                      "rotation": 0.0}}
    path = tmp_path / "tt.glb"
    path.write_bytes(_glb(gltf, binary))
    plain = scene_arrays_from_trimesh(load_trimesh(path)).parts[0].uvs  # trimesh ignores the transform
    moved = load_scene_arrays(path).parts[0].uvs
    u, v_gl = plain[:, 0], plain[:, 1]
    np.testing.assert_allclose(moved[:, 0], u * 2.0 + 0.5, atol=1e-5)
    np.testing.assert_allclose(moved[:, 1], 1.0 - ((1.0 - v_gl) * 0.5 + 0.25), atol=1e-5)


def test_triangle_strip_and_fan(tmp_path: Path) -> None:
    binary = QUAD.tobytes() + np.array([0, 1, 3, 2], dtype=np.uint16).tobytes()
    gltf = {
        "asset": {"version": "2.0"}, "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "mode": 5}]}],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [{"buffer": 0, "byteLength": 48}, {"buffer": 0, "byteOffset": 48, "byteLength": 8}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3"},
                      {"bufferView": 1, "componentType": 5123, "count": 4, "type": "SCALAR"}],
    }
    path = tmp_path / "strip.glb"
    path.write_bytes(_glb(gltf, binary))
    part = load_scene_arrays(path).parts[0]
    assert part.indices.tolist() == [[0, 1, 3], [3, 1, 2]]  # both wound counter-clockwise
    assert (part.normals[:, 2] > 0.99).all()


def test_uri_outside_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(QUAD.tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    gltf = {"asset": {"version": "2.0"}, "nodes": [{"mesh": 0}],
            "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
            "buffers": [{"byteLength": 48, "uri": "../secret.bin"}],
            "bufferViews": [{"buffer": 0, "byteLength": 36}],
            "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"}]}
    (folder / "m.gltf").write_text(json.dumps(gltf))
    with pytest.raises(MeshLoadError, match="couldn't be read"):
        load_scene_arrays(folder / "m.gltf")


def test_big_texture_is_decoded_small_and_reports_its_size() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (1024, 512), (90, 20, 200)).save(buf, "JPEG")
    pixels, size = decode_texture(buf.getvalue(), 256)
    assert size == (1024, 512) and pixels is not None and pixels.shape == (128, 256, 4)
    assert decode_texture(buf.getvalue(), 0) == (None, (1024, 512))
    assert decode_texture(b"not an image", 256) == (None, None)
