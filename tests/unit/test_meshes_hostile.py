"""Hostile and odd model files: a plain message or a degraded model, never a crash, a hang or a huge allocation."""

from __future__ import annotations

import io
import json
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from desktop_app.core.errors import MeshLoadError
from desktop_app.core.mesh.geometry import weld_index
from desktop_app.core.mesh.load import load_scene_arrays


def _glb(gltf: dict, binary: bytes) -> bytes:
    js = json.dumps(gltf).encode()
    js += b" " * (-len(js) % 4)
    binary += b"\x00" * (-len(binary) % 4)
    chunks = struct.pack("<II", len(js), 0x4E4F534A) + js + struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def _triangle_gltf(count: int = 3, extra: dict | None = None) -> tuple[dict, bytes]:
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32).tobytes()
    gltf = {
        "asset": {"version": "2.0"},
        "scenes": [{"nodes": [0]}], "scene": 0, "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": len(positions)}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": len(positions)}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": count, "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]}],
    }
    for key, value in (extra or {}).items():
        gltf[key] = value
    return gltf, positions


def _load_quickly(path: Path) -> object:
    start = time.perf_counter()
    try:
        return load_scene_arrays(path)
    finally:
        assert time.perf_counter() - start < 10, "a hostile file must not hang the loader"


def test_absurd_accessor_count_is_a_plain_error(tmp_path: Path) -> None:
    path = tmp_path / "absurd.glb"
    path.write_bytes(_glb(*_triangle_gltf(count=2_000_000_000)))
    with pytest.raises(MeshLoadError) as info:
        _load_quickly(path)
    assert "couldn't be read" in info.value.user_text()


def test_huge_declared_texture_keeps_the_geometry(tmp_path: Path) -> None:
    # a tiny PNG whose header claims 60000×60000 pixels (a decompression bomb): geometry stays, texture goes
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    png = bytearray(buf.getvalue())
    png[16:24] = struct.pack(">II", 60000, 60000)
    mesh = trimesh.creation.box()
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.zeros((8, 2)), image=Image.new("RGB", (8, 8)))
    data = bytearray(trimesh.Scene(mesh).export(file_type="glb"))
    start = data.find(bytes(buf.getvalue()[:8]), 20)  # the embedded PNG
    if start < 0:
        pytest.skip("trimesh re-encoded the image differently")
    original = Image.open(io.BytesIO(bytes(data[start:]))).size
    assert original == (8, 8)
    data[start + 16:start + 24] = struct.pack(">II", 60000, 60000)
    path = tmp_path / "bomb.glb"
    path.write_bytes(bytes(data))
    arrays = _load_quickly(path)
    assert arrays.stats.triangles == 12
    assert all(part.texture is None for part in arrays.parts)


def test_gltf_with_missing_external_texture_shows_geometry(tmp_path: Path) -> None:
    gltf, positions = _triangle_gltf(extra={
        "images": [{"uri": "gone.png"}], "textures": [{"source": 0}],
        "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}],
    })
    (tmp_path / "data.bin").write_bytes(positions)
    gltf["buffers"][0]["uri"] = "data.bin"
    gltf["meshes"][0]["primitives"][0]["material"] = 0
    path = tmp_path / "missing.gltf"
    path.write_text(json.dumps(gltf))
    arrays = _load_quickly(path)
    assert arrays.stats.triangles == 1 and arrays.parts[0].texture is None


def test_gltf_with_missing_buffer_is_a_plain_error(tmp_path: Path) -> None:
    gltf, _ = _triangle_gltf()
    gltf["buffers"][0]["uri"] = "nowhere.bin"
    path = tmp_path / "nobuffer.gltf"
    path.write_text(json.dumps(gltf))
    with pytest.raises(MeshLoadError):
        _load_quickly(path)


def test_weld_index_is_exact() -> None:
    rng = np.random.default_rng(3)
    base = rng.random((500, 3)).astype(np.float32)
    positions = base[rng.integers(0, 500, 4000)]
    positions[:10] = 0.0
    positions[10:20] = -0.0  # the same place as 0.0
    inverse, count = weld_index(positions)
    _, expected = np.unique(positions + np.float32(0.0), axis=0, return_inverse=True)
    assert count == len(np.unique(expected))
    # same grouping: two vertices share an id exactly when their positions are equal
    pairs = rng.integers(0, len(positions), (2000, 2))
    same_id = inverse[pairs[:, 0]] == inverse[pairs[:, 1]]
    same_pos = (positions[pairs[:, 0]] == positions[pairs[:, 1]]).all(axis=1)
    assert np.array_equal(same_id, same_pos)
    assert inverse[0] == inverse[15]
    assert weld_index(np.zeros((0, 3), dtype=np.float32))[1] == 0
