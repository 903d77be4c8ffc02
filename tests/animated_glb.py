"""Small glTF binaries written by hand for the animation tests: accessors from numpy arrays, any JSON around them.

trimesh cannot write skins or animations; this writes what the tests need (normalized integer weights, STEP and
CUBICSPLINE samplers, several primitives) and nothing else.
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 16: "MAT4"}
COMPONENT = {np.dtype(np.float32): 5126, np.dtype(np.uint8): 5121, np.dtype(np.uint16): 5123,
             np.dtype(np.uint32): 5125}


class GlbWriter:
    def __init__(self) -> None:
        self.accessors: list[dict] = []
        self.views: list[dict] = []
        self.binary = b""

    def add(self, array: np.ndarray, normalized: bool = False, width: int | None = None) -> int:
        """An accessor for ``array`` (rows = elements); its index."""
        array = np.ascontiguousarray(array)
        rows = array.reshape(len(array), -1)
        width = width or rows.shape[1]
        self.views.append({"buffer": 0, "byteOffset": len(self.binary), "byteLength": array.nbytes})
        self.binary += array.tobytes() + b"\x00" * (-array.nbytes % 4)
        spec = {"bufferView": len(self.views) - 1, "componentType": COMPONENT[array.dtype], "count": len(rows),
                "type": TYPES[width]}
        if normalized:
            spec["normalized"] = True
        if array.dtype == np.float32:
            spec["min"], spec["max"] = rows.min(axis=0).tolist(), rows.max(axis=0).tolist()
        self.accessors.append(spec)
        return len(self.accessors) - 1

    def glb(self, doc: dict) -> bytes:
        doc = {"asset": {"version": "2.0"}, **doc, "accessors": self.accessors, "bufferViews": self.views,
               "buffers": [{"byteLength": len(self.binary)}]}
        text = json.dumps(doc).encode()
        text += b" " * (-len(text) % 4)
        chunks = (struct.pack("<II", len(text), 0x4E4F534A) + text
                  + struct.pack("<II", len(self.binary), 0x004E4942) + self.binary)
        return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def z_quat(degrees: float) -> list[float]:
    half = math.radians(degrees) / 2
    return [0.0, 0.0, math.sin(half), math.cos(half)]


def two_bone_glb(weights: np.ndarray, joints: np.ndarray, positions: np.ndarray, *, interpolation: str = "LINEAR",
                 degrees: float = 90.0, mesh_translation: tuple[float, float, float] | None = None,
                 weights_dtype: type = np.float32) -> bytes:
    """Joint 0 at the origin, joint 1 one unit up (its child); a clip "bend" turns joint 1 from 0 to
    ``degrees`` about Z over one second. ``weights``/``joints`` are (N, 4); the faces are a fan."""
    w = GlbWriter()
    count = len(positions)
    pos = w.add(np.asarray(positions, dtype=np.float32))
    normals = w.add(np.tile(np.array([[1.0, 0.0, 0.0]], dtype=np.float32), (count, 1)))
    faces = w.add(np.array([[0, i, i + 1] for i in range(1, count - 1)], dtype=np.uint32).reshape(-1), width=1)
    j = w.add(np.asarray(joints, dtype=np.uint16))
    if weights_dtype == np.uint8:
        wt = w.add(np.round(np.asarray(weights) * 255).astype(np.uint8), normalized=True)
    else:
        wt = w.add(np.asarray(weights, dtype=np.float32))
    ibm = np.stack([np.eye(4), np.eye(4)]).astype(np.float32)
    ibm[1][:3, 3] = [0.0, -1.0, 0.0]
    ibm_index = w.add(ibm.transpose(0, 2, 1).reshape(2, 16).copy(), width=16)  # column-major
    times = w.add(np.array([0.0, 1.0], dtype=np.float32), width=1)
    keys = np.array([z_quat(0), z_quat(degrees)], dtype=np.float32)
    if interpolation == "CUBICSPLINE":
        zero = np.zeros(4, dtype=np.float32)
        keys = np.array([zero, keys[0], zero, zero, keys[1], zero], dtype=np.float32)
    rot = w.add(keys)
    mesh_node: dict = {"name": "body", "mesh": 0, "skin": 0}
    if mesh_translation is not None:
        mesh_node["translation"] = list(mesh_translation)
    return w.glb({
        "scene": 0, "scenes": [{"nodes": [0, 1]}],
        "nodes": [mesh_node, {"name": "root", "children": [2]}, {"name": "tip", "translation": [0.0, 1.0, 0.0]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": pos, "NORMAL": normals, "JOINTS_0": j,
                                                   "WEIGHTS_0": wt}, "indices": faces}]}],
        "skins": [{"joints": [1, 2], "inverseBindMatrices": ibm_index}],
        "animations": [{"name": "bend", "samplers": [{"input": times, "output": rot, "interpolation": interpolation}],
                        "channels": [{"sampler": 0, "target": {"node": 2, "path": "rotation"}}]}],
    })


def moving_box_glb(interpolation: str = "LINEAR", clips: int = 1) -> bytes:
    """A triangle under a node a clip slides from x=0 to x=2 in one second (no skin); a second, unmoving
    triangle beside it; and a points primitive the loader skips. ``clips`` > 1 adds clips that slide further."""
    w = GlbWriter()
    tri = w.add(np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32))
    other = w.add(np.array([[0, 0, 5], [1, 0, 5], [0, 1, 5], [1, 1, 5]], dtype=np.float32))
    quad = w.add(np.array([0, 1, 2, 2, 1, 3], dtype=np.uint32), width=1)
    times = w.add(np.array([0.0, 1.0], dtype=np.float32), width=1)
    animations = []
    for c in range(clips):
        keys = w.add(np.array([[0, 0, 0], [2 * (c + 1), 0, 0]], dtype=np.float32))
        animations.append({"name": f"slide {c + 1}",
                           "samplers": [{"input": times, "output": keys, "interpolation": interpolation}],
                           "channels": [{"sampler": 0, "target": {"node": 1, "path": "translation"}}]})
    return w.glb({
        "scene": 0, "scenes": [{"nodes": [0, 2]}],
        "nodes": [{"name": "holder", "children": [1]}, {"name": "slider", "mesh": 0}, {"name": "still", "mesh": 1}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": tri}, "mode": 0},  # points: never drawn
                                   {"attributes": {"POSITION": tri}}]},
                   {"primitives": [{"attributes": {"POSITION": other}, "indices": quad}]}],
        "animations": animations,
    })


def rigged_mesh_glb(vertices: np.ndarray, faces: np.ndarray) -> bytes:
    """A real closed mesh rigged like the emulator's bar (two joints split at mid-height, blended over the
    middle fifth) with a two-second clip swinging the upper joint ±45 degrees: the ~20k-vertex benchmark model."""
    pos = np.asarray(vertices, dtype=np.float32)
    lo, hi = float(pos[:, 1].min()), float(pos[:, 1].max())
    mid = (lo + hi) / 2
    upper = np.clip((pos[:, 1] - mid) / (0.2 * (hi - lo)) + 0.5, 0.0, 1.0)
    w = GlbWriter()
    p = w.add(pos)
    normals = pos - pos.mean(axis=0)
    n = w.add((normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-9)).astype(np.float32))
    f = w.add(np.asarray(faces, dtype=np.uint32).reshape(-1), width=1)
    joints = np.zeros((len(pos), 4), dtype=np.uint16)
    joints[:, 1] = 1
    weights = np.zeros((len(pos), 4), dtype=np.float32)
    weights[:, 0], weights[:, 1] = 1 - upper, upper
    j, wt = w.add(joints), w.add(weights)
    ibm = np.stack([np.eye(4), np.eye(4)]).astype(np.float32)
    ibm[1][1, 3] = -mid
    ibm_index = w.add(ibm.transpose(0, 2, 1).reshape(2, 16).copy(), width=16)
    times = w.add(np.array([0.0, 0.5, 1.0, 1.5, 2.0], dtype=np.float32), width=1)
    rot = w.add(np.array([z_quat(0), z_quat(45), z_quat(0), z_quat(-45), z_quat(0)], dtype=np.float32))
    return w.glb({
        "scene": 0, "scenes": [{"nodes": [0, 1]}],
        "nodes": [{"name": "body", "mesh": 0, "skin": 0}, {"name": "root", "children": [2]},
                  {"name": "upper", "translation": [0.0, mid, 0.0]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": p, "NORMAL": n, "JOINTS_0": j, "WEIGHTS_0": wt},
                                    "indices": f}]}],
        "skins": [{"joints": [1, 2], "inverseBindMatrices": ibm_index}],
        "animations": [{"name": "swing", "samplers": [{"input": times, "output": rot}],
                        "channels": [{"sampler": 0, "target": {"node": 2, "path": "rotation"}}]}],
    })
