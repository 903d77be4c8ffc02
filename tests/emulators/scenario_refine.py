"""The emulator's mesh-to-mesh ("3d23d", Scenario's Edit tools) models: one of each family, with input names
from shared/api/scenario.md 4 (Tripo Retopology: ``model``, ``faceLimit``, ``quad``; Trellis 2 Retexture:
``model`` and ``image``; Hunyuan 3D Part: ``mesh``, ``postprocess``, ``threshold``). Where that contract is silent
(Meshy remesh/rigging inputs, how a part split is returned) the shapes here are guesses, named in
docs/CONTRACTS.md "Refine: mesh-to-mesh models".

Every result is computed from the uploaded input mesh, so a client that sends the wrong asset gets a wrong mesh.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import trimesh

from tests.emulators.common import texture_image
from tests.emulators.rigged_glb import make_rigged_glb

_MODEL_3D = {"type": "file", "kind": "3d", "required": {"always": True}, "description": "A GLB, OBJ or FBX model."}

REFINE_MODELS: list[dict[str, Any]] = [
    {"id": "model_meshy-remesh", "name": "Meshy Remesh", "capabilities": ["3d23d"], "tags": ["3d", "Meshy"],
     "inputs": [dict(_MODEL_3D, name="model", label="Model"),
                {"name": "targetPolycount", "type": "number", "default": 30000, "min": 100, "max": 300000,
                 "step": 1, "label": "Target polycount"},
                {"name": "topology", "type": "string", "default": "triangle", "allowedValues": ["triangle", "quad"]}]},
    {"id": "model_tripo-retopology", "name": "Tripo Retopology", "capabilities": ["3d23d"], "tags": ["3d", "Tripo"],
     "inputs": [dict(_MODEL_3D, name="model", label="Model"),
                {"name": "faceLimit", "type": "number", "default": 10000, "min": 1000, "max": 20000, "step": 1},
                {"name": "quad", "type": "boolean", "default": False},
                {"name": "bake", "type": "boolean", "default": True}]},
    {"id": "model_meshy-7-retexture", "name": "Meshy 7 Retexture", "capabilities": ["3d23d"],
     "tags": ["3d", "Meshy"],
     "inputs": [dict(_MODEL_3D, name="model", label="Model"),
                {"name": "prompt", "type": "string", "maxLength": 600, "label": "Texture prompt",
                 "required": {"ifNotDefined": {"image": True}}},
                {"name": "image", "type": "file", "kind": "image", "required": {"ifNotDefined": {"prompt": True}}},
                {"name": "enablePbr", "type": "boolean", "default": True}]},
    {"id": "model_meshy-rigging", "name": "Meshy Rigging", "capabilities": ["3d23d"], "tags": ["3d", "Meshy"],
     "inputs": [dict(_MODEL_3D, name="model", label="Model"),
                {"name": "heightMeters", "type": "number", "default": 1.7, "min": 0.1, "max": 10}]},
    {"id": "model_hunyuan-3d-part", "name": "Hunyuan 3D Part", "capabilities": ["3d23d"],
     "tags": ["3d", "Hunyuan"],
     "inputs": [dict(_MODEL_3D, name="mesh", label="Mesh"),
                {"name": "postprocess", "type": "boolean", "default": True},
                {"name": "threshold", "type": "number", "default": 0.95, "min": 0, "max": 1},
                {"name": "seed", "type": "number", "min": 0, "max": 2147483647, "step": 1}]},
]
REFINE_COST = {"model_meshy-remesh": 10, "model_tripo-retopology": 15, "model_meshy-7-retexture": 40,
               "model_meshy-rigging": 20, "model_hunyuan-3d-part": 30}


def _mesh(data: bytes) -> trimesh.Trimesh:
    loaded = trimesh.load(io.BytesIO(data), file_type="glb", force="mesh", process=False)
    if not isinstance(loaded, trimesh.Trimesh) or not len(loaded.faces):
        raise ValueError("the input asset is not a mesh")
    return loaded


def _glb(mesh: trimesh.Trimesh) -> bytes:
    return trimesh.Scene(mesh).export(file_type="glb")


def remesh(data: bytes, target_faces: int) -> bytes:
    """Vertex-clustering decimation towards ``target_faces`` (coarser grid until the count fits)."""
    mesh = _mesh(data)
    size = float(np.max(mesh.extents)) or 1.0
    cells = 64
    while True:
        grid = np.round(mesh.vertices / (size / cells))
        _, index, inverse = np.unique(grid, axis=0, return_index=True, return_inverse=True)
        faces = inverse.reshape(-1)[mesh.faces]
        keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
        out = trimesh.Trimesh(mesh.vertices[index], faces[keep], process=True)
        if len(out.faces) <= max(target_faces, 4) or cells <= 2:
            return _glb(out)
        cells //= 2


def retexture(data: bytes, seed: int) -> bytes:
    """The same geometry with a new base-colour texture (spherical UVs)."""
    mesh = _mesh(data)
    v = mesh.vertices - mesh.vertices.mean(axis=0)
    r = np.linalg.norm(v, axis=1) + 1e-9
    uv = np.column_stack([0.5 + np.arctan2(v[:, 1], v[:, 0]) / (2 * np.pi), 0.5 + np.arcsin(v[:, 2] / r) / np.pi])
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=texture_image(64, seed + 17),
                                                   metallicFactor=0.0, roughnessFactor=0.5)
    out = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    out.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return _glb(out)


def rig(data: bytes) -> bytes:
    return make_rigged_glb(_mesh(data).vertices[:2000])


def split_parts(data: bytes) -> list[bytes]:
    """Connected pieces, or the two halves across the longest axis when the mesh is one piece."""
    mesh = _mesh(data)
    pieces = [p for p in mesh.split(only_watertight=False) if len(p.faces)]
    if len(pieces) < 2:
        axis = int(np.argmax(mesh.extents))
        centre = mesh.triangles_center[:, axis]
        cut = float(np.median(centre))
        pieces = [mesh.submesh([np.nonzero(centre <= cut)[0]], append=True),
                  mesh.submesh([np.nonzero(centre > cut)[0]], append=True)]
    return [_glb(p) for p in pieces]


def refine_outputs(model: str, inputs: dict[str, Any], source: bytes, seed: int) -> list[tuple[bytes, str]]:
    """(GLB bytes, file name) per output asset; several for a part split (a guess: one 3D asset per part)."""
    if model in ("model_meshy-remesh", "model_tripo-retopology"):
        target = int(inputs.get("targetPolycount") or inputs.get("faceLimit") or 10000)
        return [(remesh(source, target), "remeshed.glb")]
    if model == "model_meshy-7-retexture":
        return [(retexture(source, seed), "retextured.glb")]
    if model == "model_meshy-rigging":
        return [(rig(source), "rigged.glb")]
    if model == "model_hunyuan-3d-part":
        return [(blob, f"part-{i}.glb") for i, blob in enumerate(split_parts(source))]
    raise KeyError(model)
