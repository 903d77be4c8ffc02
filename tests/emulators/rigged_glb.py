"""A small rigged, animated GLB built by hand (two bones bending a bar), for the emulator's rigging models.

trimesh cannot write skins or animations, so the glTF JSON and its binary buffer are written directly: a bar of
8 vertices, joints 0 and 1 (the upper half follows joint 1), one skin and one animation rotating joint 1.
"""

from __future__ import annotations

import json
import struct

import numpy as np


def _pad(data: bytes, fill: bytes = b"\x00") -> bytes:
    return data + fill * (-len(data) % 4)


def make_rigged_glb(vertices: np.ndarray | None = None) -> bytes:
    """A GLB with one skinned mesh and one 1-second animation; ``vertices`` (N x 3) replace the bar's when given
    (the input model's, so the rig follows it); faces are then a fan over the hull-less points."""
    if vertices is None or len(vertices) < 3:
        vertices = np.array([[x, y, z] for y in (0.0, 1.0) for x in (0.0, 0.2) for z in (0.0, 0.2)] +
                            [[x, y, z] for y in (2.0,) for x in (0.0, 0.2) for z in (0.0, 0.2)], dtype=np.float32)
    pos = np.asarray(vertices, dtype=np.float32)
    count = len(pos)
    faces = np.array([[0, i, i + 1] for i in range(1, count - 1)], dtype=np.uint32).reshape(-1)
    mid = float((pos[:, 1].min() + pos[:, 1].max()) / 2)
    joints = np.zeros((count, 4), dtype=np.uint8)
    joints[:, 0] = (pos[:, 1] > mid).astype(np.uint8)
    weights = np.zeros((count, 4), dtype=np.float32)
    weights[:, 0] = 1.0
    ibm = np.stack([np.eye(4, dtype=np.float32), np.eye(4, dtype=np.float32)])
    ibm[1][1, 3] = -mid  # column-major in glTF: translation sits in the last column
    times = np.array([0.0, 0.5, 1.0], dtype=np.float32)
    half = np.sin(np.pi / 8)
    rotations = np.array([[0, 0, 0, 1], [0, 0, half, np.cos(np.pi / 8)], [0, 0, 0, 1]], dtype=np.float32)
    blobs = [pos.tobytes(), faces.tobytes(), joints.tobytes(), weights.tobytes(),
             ibm.transpose(0, 2, 1).tobytes(), times.tobytes(), rotations.tobytes()]
    views, offset, binary = [], 0, b""
    for blob in blobs:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(blob)})
        binary += _pad(blob)
        offset = len(binary)
    accessors = [
        {"bufferView": 0, "componentType": 5126, "count": count, "type": "VEC3",
         "min": pos.min(axis=0).tolist(), "max": pos.max(axis=0).tolist()},
        {"bufferView": 1, "componentType": 5125, "count": len(faces), "type": "SCALAR"},
        {"bufferView": 2, "componentType": 5121, "count": count, "type": "VEC4"},
        {"bufferView": 3, "componentType": 5126, "count": count, "type": "VEC4"},
        {"bufferView": 4, "componentType": 5126, "count": 2, "type": "MAT4"},
        {"bufferView": 5, "componentType": 5126, "count": 3, "type": "SCALAR", "min": [0.0], "max": [1.0]},
        {"bufferView": 6, "componentType": 5126, "count": 3, "type": "VEC4"},
    ]
    doc = {
        "asset": {"version": "2.0", "generator": "meshwright-emulator"},
        "scene": 0, "scenes": [{"nodes": [0, 1]}],
        "nodes": [{"name": "mesh", "mesh": 0, "skin": 0}, {"name": "root", "children": [2]},
                  {"name": "upper", "translation": [0.0, mid, 0.0]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "JOINTS_0": 2, "WEIGHTS_0": 3}, "indices": 1}]}],
        "skins": [{"joints": [1, 2], "inverseBindMatrices": 4, "skeleton": 1}],
        "animations": [{"name": "bend", "samplers": [{"input": 5, "output": 6, "interpolation": "LINEAR"}],
                        "channels": [{"sampler": 0, "target": {"node": 2, "path": "rotation"}}]}],
        "accessors": accessors, "bufferViews": views, "buffers": [{"byteLength": len(binary)}],
    }
    text = _pad(json.dumps(doc, separators=(",", ":")).encode(), b" ")
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (struct.pack("<4sII", b"glTF", 2, total) + struct.pack("<I4s", len(text), b"JSON") + text
            + struct.pack("<I4s", len(binary), b"BIN\x00") + binary)
