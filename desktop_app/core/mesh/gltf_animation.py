"""glTF skeletal and node animation for the preview: read skins and clips, pose the loaded parts at a time.

A rigged result (Scenario's rigging models) is a GLB with a skin (joints, inverse bind matrices), per-vertex
JOINTS_n/WEIGHTS_n and one or more animations. ``read_rig`` reads all of that with our lean reader (numpy
arrays from accessors; normalized and sparse accessors are resolved there), and ``Posing`` binds it to the
SceneArrays the loader made from the same file, then gives each moving part's positions and normals at time t
by linear-blend skinning (vectorised numpy: ~5-15 ms for 20k vertices). Parts hanging under an animated node
without a skin move rigidly. The loaded parts already carry their node's rest transform, so each skin matrix is
``world(joint, t) @ inverseBind @ inverse(meshWorld at rest)`` applied to the loaded positions.

Samplers: LINEAR (slerp for rotations), STEP and CUBICSPLINE (Hermite; rotations normalised after). Morph
target weights are not animated. Nodes given as a ``matrix`` cannot be animated (the glTF rule), so their
channels are ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.core.mesh.gltf_read import GltfError, GltfFile

log = logging.getLogger(__name__)

MAX_DEPTH = 64
PATHS = {"translation": 3, "rotation": 4, "scale": 3}
INTERPOLATIONS = ("LINEAR", "STEP", "CUBICSPLINE")


@dataclass
class Channel:
    node: int
    path: str  # "translation", "rotation" or "scale"
    times: np.ndarray  # (K,) float64, non-decreasing
    values: np.ndarray  # (K, w), or (K, 3, w) for CUBICSPLINE: in-tangent, value, out-tangent
    interpolation: str = "LINEAR"


@dataclass
class Clip:
    name: str
    channels: list[Channel]
    duration: float  # seconds: the last key time of any channel


@dataclass
class Skin:
    joints: np.ndarray  # (J,) node indices
    inverse_bind: np.ndarray  # (J, 4, 4) float64, row-major


@dataclass
class Primitive:
    """A triangle primitive of one mesh instance, in the order the loader walks them (core/mesh/gltf_scene.py)."""

    node: int
    vertex_count: int
    index_count: int  # triangles * 3, as the loader makes them
    skin: int | None = None
    joints: np.ndarray | None = None  # (N, K) int
    weights: np.ndarray | None = None  # (N, K) float32, rows summing to 1 (or all zero: stays at rest)


@dataclass
class Rig:
    """The node tree at rest, the skins, the clips and the file's primitives."""

    translation: np.ndarray  # (n, 3) rest TRS of every node
    rotation: np.ndarray  # (n, 4) x, y, z, w
    scale: np.ndarray  # (n, 3)
    fixed: dict[int, np.ndarray]  # node -> local matrix, for nodes given as a matrix
    parents: np.ndarray  # (n,) -1 for roots
    levels: list[np.ndarray]  # node indices by depth, roots first
    skins: list[Skin]
    clips: list[Clip]
    primitives: list[Primitive] = field(default_factory=list)

    def local_matrices(self, clip: Clip | None = None, t: float = 0.0) -> np.ndarray:
        """(n, 4, 4) local transforms, with ``clip``'s channels sampled at ``t`` over the rest TRS."""
        tr, rot, sc = self.translation.copy(), self.rotation.copy(), self.scale.copy()
        if clip is not None:
            for ch in clip.channels:
                if ch.node in self.fixed:
                    continue
                value = sample(ch, t)
                if ch.path == "translation":
                    tr[ch.node] = value
                elif ch.path == "rotation":
                    rot[ch.node] = value
                else:
                    sc[ch.node] = value
        local = trs_matrices(tr, rot, sc)
        for node, matrix in self.fixed.items():
            local[node] = matrix
        return local

    def world_matrices(self, clip: Clip | None = None, t: float = 0.0) -> np.ndarray:
        """(n, 4, 4) node-to-world transforms (depth by depth: one batched product per level)."""
        world = self.local_matrices(clip, t)
        for level in self.levels[1:]:
            world[level] = world[self.parents[level]] @ world[level]
        return world


# -- reading -------------------------------------------------------------------------------------------------
def read_rig(path: Path) -> Rig | None:
    """The file's rig, or None when it has no usable animation. Raises GltfError for a damaged file."""
    gltf = GltfFile(path)
    nodes = gltf.json.get("nodes") or []
    if not isinstance(nodes, list) or not gltf.json.get("animations"):
        return None
    n = len(nodes)
    tr, rot, sc = np.zeros((n, 3)), np.tile([0.0, 0.0, 0.0, 1.0], (n, 1)), np.ones((n, 3))
    fixed: dict[int, np.ndarray] = {}
    parents = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        node = gltf.item("nodes", i)
        try:
            if "matrix" in node:
                m = np.asarray(node["matrix"], dtype=np.float64)
                if m.shape != (16,):
                    raise GltfError("a node matrix is not 16 numbers")
                fixed[i] = m.reshape(4, 4).T
            tr[i] = np.asarray(node.get("translation", (0, 0, 0)), dtype=np.float64).reshape(3)
            rot[i] = _unit_quat(np.asarray(node.get("rotation", (0, 0, 0, 1)), dtype=np.float64).reshape(4))
            sc[i] = np.asarray(node.get("scale", (1, 1, 1)), dtype=np.float64).reshape(3)
        except (TypeError, ValueError) as exc:
            raise GltfError("a node transform is malformed") from exc
        for child in node.get("children") or []:
            if not isinstance(child, int) or not 0 <= child < n or parents[child] != -1 or child == i:
                raise GltfError("the node tree is malformed")
            parents[child] = i
    rig = Rig(tr, rot, sc, fixed, parents, _levels(parents), _skins(gltf, n), [])
    rig.clips = [c for c in (_clip(gltf, i, a, rig) for i, a in enumerate(gltf.json["animations"])) if c]
    if not rig.clips:
        return None
    rig.primitives = _primitives(gltf, rig)
    return rig


def _levels(parents: np.ndarray) -> list[np.ndarray]:
    depth = np.zeros(len(parents), dtype=np.int64)
    for i in range(len(parents)):
        d, p = 0, parents[i]
        while p != -1:
            d, p = d + 1, parents[p]
            if d > MAX_DEPTH:
                raise GltfError("the node tree is too deep (or loops)")
        depth[i] = d
    return [np.nonzero(depth == d)[0] for d in range(int(depth.max()) + 1)] if len(depth) else []


def _skins(gltf: GltfFile, node_count: int) -> list[Skin]:
    skins = []
    for i, spec in enumerate(gltf.json.get("skins") or []):
        spec = gltf.item("skins", i)
        joints = np.asarray(spec.get("joints") or [], dtype=np.int64).reshape(-1)
        if len(joints) == 0 or joints.min() < 0 or joints.max() >= node_count:
            raise GltfError(f"skin {i} names joints that do not exist")
        if "inverseBindMatrices" in spec:
            ibm = gltf.accessor(spec["inverseBindMatrices"]).astype(np.float64)
            if ibm.shape != (len(joints), 16):
                raise GltfError(f"skin {i} has {len(ibm)} inverse bind matrices for {len(joints)} joints")
            ibm = ibm.reshape(-1, 4, 4).transpose(0, 2, 1)  # glTF stores columns first
        else:
            ibm = np.tile(np.eye(4), (len(joints), 1, 1))
        skins.append(Skin(joints, ibm))
    return skins


def _clip(gltf: GltfFile, index: int, spec: Any, rig: Rig) -> Clip | None:
    if not isinstance(spec, dict):
        return None
    samplers = spec.get("samplers") or []
    channels = []
    for ch in spec.get("channels") or []:
        target = ch.get("target") if isinstance(ch, dict) else None
        if not isinstance(target, dict) or target.get("path") not in PATHS:
            continue  # morph weights, pointers: not animated here
        node, s = target.get("node"), ch.get("sampler")
        if not isinstance(node, int) or not 0 <= node < len(rig.parents):
            continue
        if not isinstance(s, int) or not 0 <= s < len(samplers) or not isinstance(samplers[s], dict):
            raise GltfError(f"animation {index} has a channel without a sampler")
        made = _channel(gltf, node, target["path"], samplers[s])
        if made is not None:
            channels.append(made)
    if not channels:
        return None
    name = spec.get("name") if isinstance(spec.get("name"), str) and spec.get("name") else f"Clip {index + 1}"
    return Clip(name, channels, max(float(c.times[-1]) for c in channels))


def _channel(gltf: GltfFile, node: int, path: str, sampler: dict) -> Channel | None:
    interpolation = sampler.get("interpolation", "LINEAR")
    if interpolation not in INTERPOLATIONS:
        interpolation = "LINEAR"
    times = gltf.accessor(sampler.get("input")).astype(np.float64).reshape(-1)
    values = gltf.accessor(sampler.get("output")).astype(np.float64)
    width = PATHS[path]
    per_key = 3 if interpolation == "CUBICSPLINE" else 1
    if (len(times) == 0 or values.shape != (len(times) * per_key, width) or not np.isfinite(times).all()
            or not np.isfinite(values).all() or (np.diff(times) < 0).any()):
        log.info("skipping an animation channel with unusable keys (node %s, %s)", node, path)
        return None
    if per_key == 3:
        values = values.reshape(len(times), 3, width)
    return Channel(node, path, times, values, interpolation)


def _primitives(gltf: GltfFile, rig: Rig) -> list[Primitive]:
    """Every triangle primitive of every mesh instance, walked in the loader's order (scene roots, depth first)."""
    scenes = gltf.json.get("scenes") or []
    scene = gltf.json.get("scene", 0)
    if scenes:
        roots = gltf.item("scenes", scene if isinstance(scene, int) else 0).get("nodes") or []
    else:
        roots = [int(i) for i in np.nonzero(rig.parents == -1)[0]]
    found: list[Primitive] = []
    stack = list(reversed(roots))
    seen = 0
    while stack:
        index = stack.pop()
        seen += 1
        if seen > 1_000_000:
            raise GltfError("the node tree loops")
        node = gltf.item("nodes", index)
        if node.get("mesh") is not None:
            skin = node.get("skin")
            skin = skin if isinstance(skin, int) and 0 <= skin < len(rig.skins) else None
            for prim in gltf.item("meshes", node["mesh"]).get("primitives") or []:
                made = _primitive(gltf, index, prim, skin, rig)
                if made is not None:
                    found.append(made)
        stack.extend(reversed(node.get("children") or []))
    return found


def _primitive(gltf: GltfFile, node: int, prim: Any, skin: int | None, rig: Rig) -> Primitive | None:
    attributes = prim.get("attributes") if isinstance(prim, dict) else None
    if not isinstance(attributes, dict) or "POSITION" not in attributes:
        return None
    count = gltf.item("accessors", attributes["POSITION"]).get("count")
    indexed = gltf.item("accessors", prim["indices"]).get("count") if "indices" in prim else count
    mode = prim.get("mode", 4)
    if not isinstance(count, int) or not isinstance(indexed, int):
        return None
    if mode == 4:
        index_count = indexed - indexed % 3
    elif mode in (5, 6) and indexed >= 3:
        index_count = (indexed - 2) * 3
    else:
        return None
    made = Primitive(node, count, index_count)
    if skin is None:
        return made
    sets = sorted({int(k.split("_")[1]) for k in attributes if k.startswith("JOINTS_") and k[7:].isdigit()})
    joints, weights = [], []
    for s in sets:
        if f"WEIGHTS_{s}" not in attributes:
            continue
        j = gltf.accessor(attributes[f"JOINTS_{s}"])
        w = gltf.accessor(attributes[f"WEIGHTS_{s}"])
        if not np.issubdtype(j.dtype, np.integer) or j.shape != (count, 4) or w.shape != (count, 4):
            raise GltfError("JOINTS/WEIGHTS do not match the vertices")
        if np.issubdtype(w.dtype, np.integer):  # not flagged normalized: integers still mean 0..max
            w = w.astype(np.float32) / np.float32(np.iinfo(w.dtype).max)
        joints.append(j.astype(np.int64))
        weights.append(np.nan_to_num(w.astype(np.float32)))
    if not joints:
        return made
    made.skin = skin
    made.joints, made.weights = _clean_weights(np.hstack(joints), np.hstack(weights), len(rig.skins[skin].joints))
    return made


def _clean_weights(joints: np.ndarray, weights: np.ndarray, joint_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows summing to 1; a joint index past the skin loses its weight; a row left empty points at index
    ``joint_count`` (the identity appended to the skin matrices): that vertex stays where it was loaded."""
    bad = (joints < 0) | (joints >= joint_count)
    weights = np.where(bad | (weights < 0), 0.0, weights).astype(np.float32)
    joints = np.where(bad, 0, joints)
    total = weights.sum(axis=1)
    empty = total <= 1e-8
    weights = weights / np.where(empty, 1.0, total)[:, None]
    joints[empty, 0] = joint_count
    weights[empty, 0] = 1.0
    return joints, weights


# -- sampling ------------------------------------------------------------------------------------------------
def sample(channel: Channel, t: float) -> np.ndarray:
    """The channel's value at ``t`` (clamped to its first and last key)."""
    times, values = channel.times, channel.values
    cubic = channel.interpolation == "CUBICSPLINE"
    if t <= times[0] or len(times) == 1:
        return values[0, 1] if cubic else values[0]
    if t >= times[-1]:
        return values[-1, 1] if cubic else values[-1]
    k = int(np.searchsorted(times, t, side="right")) - 1
    t0, t1 = times[k], times[k + 1]
    span = t1 - t0
    u = 0.0 if span <= 0 else (t - t0) / span
    if channel.interpolation == "STEP":
        return values[k]
    if cubic:
        u2, u3 = u * u, u * u * u
        value = ((2 * u3 - 3 * u2 + 1) * values[k, 1] + (u3 - 2 * u2 + u) * span * values[k, 2]
                 + (-2 * u3 + 3 * u2) * values[k + 1, 1] + (u3 - u2) * span * values[k + 1, 0])
        return _unit_quat(value) if channel.path == "rotation" else value
    if channel.path == "rotation":
        return slerp(values[k], values[k + 1], u)
    return values[k] + (values[k + 1] - values[k]) * u


def slerp(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
    """Spherical interpolation between unit quaternions (x, y, z, w), the short way round."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    dot = float(np.dot(a, b))
    if dot < 0:
        b, dot = -b, -dot
    if dot > 0.9995:  # nearly equal: nlerp is as good and avoids dividing by sin(~0)
        return _unit_quat(a + (b - a) * u)
    theta = np.arccos(min(dot, 1.0))
    s = np.sin(theta)
    return _unit_quat(np.sin((1 - u) * theta) / s * a + np.sin(u * theta) / s * b)


def _unit_quat(q: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(q))
    return q / n if n > 0 else np.array([0.0, 0.0, 0.0, 1.0])


def trs_matrices(tr: np.ndarray, rot: np.ndarray, sc: np.ndarray) -> np.ndarray:
    """(n, 4, 4) = T @ R @ S for n nodes at once."""
    q = rot / np.maximum(np.linalg.norm(rot, axis=1, keepdims=True), 1e-12)
    x, y, z, w = q.T
    m = np.zeros((len(q), 4, 4))
    m[:, 0, 0], m[:, 0, 1], m[:, 0, 2] = 1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)
    m[:, 1, 0], m[:, 1, 1], m[:, 1, 2] = 2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)
    m[:, 2, 0], m[:, 2, 1], m[:, 2, 2] = 2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)
    m[:, :3, :3] *= sc[:, None, :]  # columns scaled: R @ diag(s)
    m[:, :3, 3] = tr
    m[:, 3, 3] = 1.0
    return m


# -- skinning ------------------------------------------------------------------------------------------------
def skin_vertices(positions: np.ndarray, normals: np.ndarray | None, joints: np.ndarray, weights: np.ndarray,
                  matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Linear-blend skinning: each vertex by the weighted sum of its joints' (J, 4, 4) ``matrices``.
    Returns float32 positions and unit normals (None in, None out)."""
    rows = np.ascontiguousarray(matrices[:, :3, :], dtype=np.float32)  # (J, 3, 4)
    blend = weights[:, 0, None, None] * rows[joints[:, 0]]
    for k in range(1, joints.shape[1]):
        blend += weights[:, k, None, None] * rows[joints[:, k]]
    p = positions.astype(np.float32, copy=False)
    out = blend[:, :, 0] * p[:, 0:1] + blend[:, :, 1] * p[:, 1:2] + blend[:, :, 2] * p[:, 2:3] + blend[:, :, 3]
    if normals is None:
        return out, None
    nrm = normals.astype(np.float32, copy=False)
    # the blended linear part (a rigid rotation for ordinary rigs; its inverse transpose would be exact for
    # non-uniform scale, at the cost of a 3x3 inverse per vertex)
    n = blend[:, :, 0] * nrm[:, 0:1] + blend[:, :, 1] * nrm[:, 1:2] + blend[:, :, 2] * nrm[:, 2:3]
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    return out, n


@dataclass
class PartPose:
    """One moving part's vertices at a time (the GL item uploads them in place of the loaded ones)."""

    part: int
    positions: np.ndarray  # (N, 3) float32
    normals: np.ndarray  # (N, 3) float32
    tangents: np.ndarray | None = None  # (N, 4) float32 when the part has tangents


class Posing:
    """A rig bound to the SceneArrays loaded from the same file: ``pose(clip, t)`` gives the moving parts."""

    def __init__(self, rig: Rig, arrays: SceneArrays) -> None:
        self.rig = rig
        self.arrays = arrays
        rest = rig.world_matrices()
        self.bound: list[tuple[int, Primitive, np.ndarray]] = []  # (part index, primitive, inverse rest world)
        queue = list(rig.primitives)
        for index, part in enumerate(arrays.parts):
            # the loader skips primitives it cannot draw: match by counts, in order
            while queue and not (queue[0].vertex_count == len(part.positions)
                                 and queue[0].index_count == part.indices.size):
                queue.pop(0)
            if not queue:
                break
            prim = queue.pop(0)
            try:
                inverse = np.linalg.inv(rest[prim.node])
            except np.linalg.LinAlgError:
                continue
            self.bound.append((index, prim, inverse))

    @property
    def clips(self) -> list[Clip]:
        return self.rig.clips

    def moving_parts(self, clip: int) -> list[int]:
        """The parts this clip moves: skinned ones, and rigid ones under an animated node."""
        moved = self._moved_nodes(self.rig.clips[clip])
        return [i for i, prim, _ in self.bound if prim.joints is not None or prim.node in moved]

    def _moved_nodes(self, clip: Clip) -> set[int]:
        moved = {c.node for c in clip.channels}
        for level in self.rig.levels[1:]:
            moved.update(int(i) for i in level if int(self.rig.parents[i]) in moved)
        return moved

    def pose(self, clip: int, t: float) -> list[PartPose]:
        """Each moving part's positions, normals (and tangents) at ``t`` seconds into ``clip``."""
        chosen = self.rig.clips[clip]
        world = self.rig.world_matrices(chosen, t)
        moved = self._moved_nodes(chosen)
        poses = []
        skin_cache: dict[tuple[int, int], np.ndarray] = {}
        for index, prim, inverse in self.bound:
            part = self.arrays.parts[index]
            if prim.joints is not None and prim.skin is not None:
                key = (prim.skin, prim.node)
                if key not in skin_cache:
                    skin = self.rig.skins[prim.skin]
                    mats = world[skin.joints] @ skin.inverse_bind @ inverse
                    skin_cache[key] = np.concatenate([mats, np.eye(4)[None]])  # the identity: unweighted rows
                mats = skin_cache[key]
                positions, normals = skin_vertices(part.positions, part.normals, prim.joints, prim.weights, mats)
                tangents = _tangents(part.tangents, prim.joints, prim.weights, mats)
            elif prim.node in moved:
                mat = world[prim.node] @ inverse
                ones = np.ones((len(part.positions), 1), dtype=np.int64)
                positions, normals = skin_vertices(part.positions, part.normals, 0 * ones, ones.astype(np.float32),
                                                   mat[None])
                tangents = _tangents(part.tangents, 0 * ones, ones.astype(np.float32), mat[None])
            else:
                continue
            poses.append(PartPose(index, positions, normals, tangents))  # type: ignore[arg-type]
        return poses


def _tangents(tangents: np.ndarray | None, joints: np.ndarray, weights: np.ndarray,
              matrices: np.ndarray) -> np.ndarray | None:
    if tangents is None:
        return None
    _, xyz = skin_vertices(np.zeros((len(tangents), 3), np.float32), tangents[:, :3], joints, weights, matrices)
    assert xyz is not None
    return np.column_stack([xyz, tangents[:, 3]]).astype(np.float32)


def read_posing(path: Path, arrays: SceneArrays) -> Posing | None:
    """The animation of the file ``arrays`` were loaded from, bound to them; None when there is none to play
    (no animation, a damaged rig, or nothing it moves). Reads the file: call it off the GUI thread."""
    try:
        rig = read_rig(path)
    except (GltfError, OSError, MemoryError) as exc:
        log.info("the animation of %s cannot be played: %s", path, exc)
        return None
    if rig is None:
        return None
    posing = Posing(rig, arrays)
    if not any(posing.moving_parts(i) for i in range(len(rig.clips))):
        return None
    return posing
