"""Skeletal and node animation (core/mesh/gltf_animation.py) against answers worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.mesh.gltf_animation import Channel, read_posing, read_rig, sample, skin_vertices, slerp
from desktop_app.core.mesh.load import load_scene_arrays
from tests.animated_glb import moving_box_glb, two_bone_glb, z_quat
from tests.emulators.common import make_glb
from tests.emulators.rigged_glb import make_rigged_glb

# vertex 0 at the pivot's foot, 1 on the lower bone, 2 and 3 up the upper bone (one unit above the pivot at y=1)
POSITIONS = np.array([[0, 0, 0], [0.5, 0.5, 0], [0, 2, 0], [0, 2, 0.5]], dtype=np.float32)


def _posing(tmp_path: Path, data: bytes):
    path = tmp_path / "anim.glb"
    path.write_bytes(data)
    arrays = load_scene_arrays(path)
    posing = read_posing(path, arrays)
    assert posing is not None
    return posing, arrays


def _rigid_weights(upper: list[int]) -> tuple[np.ndarray, np.ndarray]:
    joints = np.zeros((len(POSITIONS), 4), dtype=np.uint16)
    weights = np.zeros((len(POSITIONS), 4), dtype=np.float32)
    weights[:, 0] = 1.0
    joints[upper, 0] = 1
    return joints, weights


def test_vertex_on_the_rotated_bone_moves_exactly_as_the_rotation_says(tmp_path: Path) -> None:
    joints, weights = _rigid_weights([2, 3])
    posing, arrays = _posing(tmp_path, two_bone_glb(weights, joints, POSITIONS))
    assert [c.name for c in posing.clips] == ["bend"] and posing.clips[0].duration == pytest.approx(1.0)
    [pose] = posing.pose(0, 1.0)  # 90 degrees about Z around (0, 1, 0)
    np.testing.assert_allclose(pose.positions[2], [-1.0, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(pose.positions[3], [-1.0, 1.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(pose.positions[:2], POSITIONS[:2], atol=1e-6)  # the lower bone does not move
    np.testing.assert_allclose(pose.normals[2], [0.0, 1.0, 0.0], atol=1e-6)  # +X turned a quarter: +Y
    np.testing.assert_allclose(pose.normals[0], [1.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(posing.pose(0, 0.0)[0].positions, arrays.parts[0].positions, atol=1e-6)


def test_weights_split_half_and_half_land_between_the_bones(tmp_path: Path) -> None:
    joints, weights = _rigid_weights([])
    joints[2] = [0, 1, 0, 0]
    weights[2] = [0.5, 0.5, 0, 0]  # stored as normalized unsigned bytes (128/255 each): renormalised to 1/2
    posing, _ = _posing(tmp_path, two_bone_glb(weights, joints, POSITIONS, weights_dtype=np.uint8))
    [pose] = posing.pose(0, 1.0)
    np.testing.assert_allclose(pose.positions[2], [-0.5, 1.5, 0.0], atol=1e-6)  # mean of (0,2,0) and (-1,1,0)
    np.testing.assert_allclose(pose.normals[2], np.array([1.0, 1.0, 0.0]) / math.sqrt(2), atol=1e-6)


def test_rotation_is_slerped_at_half_and_quarter_time(tmp_path: Path) -> None:
    joints, weights = _rigid_weights([2, 3])
    posing, _ = _posing(tmp_path, two_bone_glb(weights, joints, POSITIONS))
    for t, degrees in ((0.5, 45.0), (0.25, 22.5)):  # nlerp would give 21.6 degrees at a quarter
        angle = math.radians(degrees)
        [pose] = posing.pose(0, t)
        np.testing.assert_allclose(pose.positions[2], [-math.sin(angle), 1 + math.cos(angle), 0.0], atol=1e-6)
    np.testing.assert_allclose(slerp(z_quat(0), z_quat(90), 0.5), z_quat(45), atol=1e-12)
    np.testing.assert_allclose(slerp(z_quat(10), z_quat(10.001), 0.5), z_quat(10.0005), atol=1e-9)  # nlerp path
    # the short way round: q and -q are the same rotation
    np.testing.assert_allclose(slerp(z_quat(0), -np.array(z_quat(90)), 0.5), z_quat(45), atol=1e-12)


def test_step_holds_the_previous_key_and_linear_blends() -> None:
    times = np.array([0.0, 1.0, 2.0])
    values = np.array([[0.0, 0, 0], [2.0, 0, 0], [4.0, 0, 0]])
    linear = Channel(0, "translation", times, values, "LINEAR")
    step = Channel(0, "translation", times, values, "STEP")
    assert sample(linear, 0.5)[0] == pytest.approx(1.0) and sample(step, 0.5)[0] == 0.0
    assert sample(linear, 1.75)[0] == pytest.approx(3.5) and sample(step, 1.75)[0] == 2.0
    assert sample(step, 1.0)[0] == 2.0 and sample(step, 9.0)[0] == 4.0 and sample(linear, -1.0)[0] == 0.0


def test_step_and_cubic_samplers_read_from_a_file(tmp_path: Path) -> None:
    step, _ = _posing(tmp_path, moving_box_glb("STEP"))
    assert step.rig.clips[0].channels[0].interpolation == "STEP"
    [pose] = step.pose(0, 0.5)
    np.testing.assert_allclose(pose.positions[0], [0.0, 0.0, 0.0], atol=1e-6)
    [pose] = step.pose(0, 1.0)
    np.testing.assert_allclose(pose.positions[0], [2.0, 0.0, 0.0], atol=1e-6)
    joints, weights = _rigid_weights([2, 3])
    cubic, _ = _posing(tmp_path, two_bone_glb(weights, joints, POSITIONS, interpolation="CUBICSPLINE"))
    [pose] = cubic.pose(0, 0.5)  # zero tangents: Hermite is symmetric, half way is the middle (normalised)
    np.testing.assert_allclose(pose.positions[2], [-math.sin(math.pi / 4), 1 + math.cos(math.pi / 4), 0.0],
                               atol=1e-6)
    [pose] = cubic.pose(0, 1.0)
    np.testing.assert_allclose(pose.positions[2], [-1.0, 1.0, 0.0], atol=1e-6)


def test_unskinned_parts_follow_their_animated_node_and_skipped_primitives_keep_the_order(tmp_path: Path) -> None:
    posing, arrays = _posing(tmp_path, moving_box_glb("LINEAR", clips=2))
    assert len(arrays.parts) == 2  # the points primitive is not drawn
    assert [c.name for c in posing.clips] == ["slide 1", "slide 2"]
    assert posing.moving_parts(0) == [0]  # the still quad is not re-sent every frame
    [pose] = posing.pose(1, 0.5)
    np.testing.assert_allclose(pose.positions, arrays.parts[0].positions + np.array([2.0, 0, 0]), atol=1e-6)


def test_skinning_ignores_the_mesh_node_transform_as_gltf_says(tmp_path: Path) -> None:
    joints, weights = _rigid_weights([2, 3])
    posing, arrays = _posing(tmp_path, two_bone_glb(weights, joints, POSITIONS, mesh_translation=(5, 0, 0)))
    np.testing.assert_allclose(arrays.parts[0].positions[0], [5.0, 0.0, 0.0], atol=1e-6)  # the loader's rest
    [pose] = posing.pose(0, 1.0)
    np.testing.assert_allclose(pose.positions[2], [-1.0, 1.0, 0.0], atol=1e-5)


def test_bad_joint_indices_and_empty_weights_stay_put() -> None:
    mats = np.stack([np.eye(4), np.eye(4), np.eye(4)])
    mats[1][:3, 3] = [1.0, 0.0, 0.0]
    positions = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    joints = np.array([[1, 0, 0, 0], [2, 0, 0, 0]])  # index 2 is the appended identity
    weights = np.array([[1, 0, 0, 0], [1, 0, 0, 0]], dtype=np.float32)
    moved, normals = skin_vertices(positions, None, joints, weights, mats)
    assert normals is None
    np.testing.assert_allclose(moved, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    from desktop_app.core.mesh.gltf_animation import _clean_weights

    j, w = _clean_weights(np.array([[7, 0, 0, 0], [0, 1, 0, 0]]), np.array([[1, 0, 0, 0], [3, 1, 0, 0]],
                                                                          dtype=np.float32), 2)
    assert j[0, 0] == 2 and w[0, 0] == 1.0  # joint 7 does not exist: the vertex stays where it was loaded
    np.testing.assert_allclose(w[1], [0.75, 0.25, 0, 0])


def test_the_emulators_rigged_result_plays_and_plain_or_damaged_files_do_not(tmp_path: Path) -> None:
    posing, arrays = _posing(tmp_path, make_rigged_glb())
    assert [c.name for c in posing.clips] == ["bend"] and posing.moving_parts(0) == [0]
    moved = posing.pose(0, 0.5)[0].positions
    assert np.abs(moved - arrays.parts[0].positions).max() > 0.5  # the upper half swings
    plain = tmp_path / "plain.glb"
    plain.write_bytes(make_glb())
    assert read_rig(plain) is None
    assert read_posing(plain, load_scene_arrays(plain)) is None
    broken = tmp_path / "broken.glb"
    broken.write_bytes(make_rigged_glb()[:200])
    assert read_posing(broken, arrays) is None


def test_cubic_spline_uses_the_tangents_scaled_by_the_key_gap() -> None:
    # keys at 0 s and 2 s: value 0 -> 1, out-tangent 1 at the first key, in-tangent 0 at the second
    values = np.array([[[0.0] * 3, [0.0] * 3, [1.0] * 3], [[0.0] * 3, [1.0] * 3, [0.0] * 3]])
    cubic = Channel(0, "translation", np.array([0.0, 2.0]), values, "CUBICSPLINE")
    # Hermite at u = 1/2: 0.5 p0 + 0.125 (2 * m0) + 0.5 p1 - 0.125 (2 * m1) = 0.25 + 0.5
    np.testing.assert_allclose(sample(cubic, 1.0), [0.75] * 3)
    np.testing.assert_allclose(sample(cubic, 2.0), [1.0] * 3)
    np.testing.assert_allclose(sample(cubic, -1.0), [0.0] * 3)
