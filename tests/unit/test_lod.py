"""Choosing the motion proxy by measured draw time, and the chain of proxy levels it chooses from."""

from __future__ import annotations

import trimesh

from desktop_app.core.mesh.load import scene_arrays_from_trimesh
from desktop_app.core.mesh.proxy import motion_proxies, proxy_chain
from desktop_app.ui.preview.lod import STILL_BUDGET_S, LodChooser


def test_a_slow_level_steps_down_until_the_budget_fits() -> None:
    lod = LodChooser([100_000, 30_000, 10_000, 3_000], budget_s=0.020)
    assert lod.level == 3  # the coarsest before anything is measured
    lod.record(3, 0.008)  # 3k in 8 ms: 10k is estimated at ~17 ms
    assert lod.level == 2
    lod.record(2, 0.030)  # fill-bound: 10k took 30 ms after all
    assert lod.level == 3
    lod.record(3, 0.008)
    assert lod.level == 3  # the finer ones were measured too slow


def test_a_fast_machine_climbs_to_the_finest_level() -> None:
    lod = LodChooser([100_000, 30_000, 10_000], budget_s=0.020)
    lod.record(2, 0.001)  # a GPU: 10k in 1 ms, 100k estimated at ~6 ms
    assert lod.level == 0
    lod.record(0, 0.006)
    assert lod.level == 0


def test_all_levels_too_slow_uses_the_coarsest() -> None:
    lod = LodChooser([100_000, 30_000], budget_s=0.010)
    lod.record(1, 0.5)
    assert lod.level == 1


def test_proxy_levels_get_coarser_and_keep_the_model_facts() -> None:
    arrays = scene_arrays_from_trimesh(trimesh.creation.icosphere(subdivisions=6))  # 81,920 triangles
    arrays.proxy = motion_proxies(arrays, levels=(20_000, 5_000, 1_000))
    chain = proxy_chain(arrays)
    counts = [sum(len(p.indices) for p in level.parts) for level in chain]
    assert len(chain) == 3 and counts == sorted(counts, reverse=True)
    assert counts[0] <= 1.5 * 20_000 and counts[-1] <= 1.5 * 1_000
    assert all(level.stats is arrays.stats for level in chain)  # the facts describe the real model
    assert motion_proxies(scene_arrays_from_trimesh(trimesh.creation.box())) is None


def test_a_still_frame_while_building_takes_a_coarser_level_than_a_moving_one() -> None:
    lod = LodChooser([100_000, 30_000, 5_000], budget_s=0.020)
    lod.record(1, 0.016)  # fits the moving budget, not the tighter one of the proxy shown during a build
    lod.record(2, 0.006)
    assert lod.level == 1 and lod.choose() == 1
    assert lod.choose(STILL_BUDGET_S) == 2
    assert lod.choose(0.001) == 2  # nothing fits: the coarsest, the fastest there is
