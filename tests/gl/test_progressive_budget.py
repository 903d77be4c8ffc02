"""A chunked first frame sizes each turn by the speed it measured (progressive.py): slow turns (a loaded
machine) draw fewer granules, fast ones go back up to a whole chunk, never past it."""

from __future__ import annotations

from desktop_app.ui.preview import progressive
from desktop_app.ui.preview.progressive import GRANULES_PER_CHUNK, STEP_BUDGET_S, GranulePlan, ProgressiveFrame


def test_turns_shrink_when_slow_and_grow_back_when_fast() -> None:
    frame = ProgressiveFrame()
    assert frame._granules_per_step == GRANULES_PER_CHUNK
    frame._adapt(GRANULES_PER_CHUNK, 3 * STEP_BUDGET_S)  # a chunk took three budgets: a third of one fits
    assert frame._granules_per_step == GRANULES_PER_CHUNK // 3
    frame._adapt(1, 3 * STEP_BUDGET_S)  # even one granule is over budget: one it is
    assert frame._granules_per_step == 1
    frame._adapt(1, STEP_BUDGET_S / 3)  # one granule in a third of the budget: three fit
    assert frame._granules_per_step == 3
    frame._adapt(3, 0.001)  # very fast: capped at one chunk, as before
    assert frame._granules_per_step == GRANULES_PER_CHUNK
    frame._adapt(1, 0.0)  # a zero reading does not divide by zero
    assert frame._granules_per_step == GRANULES_PER_CHUNK


def test_granules_divide_a_chunk() -> None:
    assert progressive.CHUNK_TRIANGLES % GRANULES_PER_CHUNK == 0


def test_a_turn_draws_the_granules_it_covers_in_one_call_per_part() -> None:
    plan = GranulePlan([(0, 0, 60, False), (1, 0, 27, False), (0, 0, 60, True), (1, 0, 27, True)], 30)
    assert plan.count == 3 + 3  # faces: 87 indices in three granules of 30 (the last short), lines as many
    assert plan.pieces(0, 3) == [(0, 0, 60, False), (1, 0, 27, False)]
    assert plan.pieces(1, 3) == [(0, 30, 30, False), (1, 0, 27, False)]  # a granule runs across parts
    assert plan.pieces(2, 4) == [(1, 0, 27, False), (0, 0, 30, True)]
    assert plan.pieces(4, 6) == [(0, 30, 30, True), (1, 0, 27, True)]
    assert [plan.is_wire(g) for g in range(6)] == [False] * 3 + [True] * 3
    assert plan.kind_end(1) == 3 and plan.kind_end(3) == 6
    pieces = [p for g in range(plan.count) for p in plan.pieces(g, g + 1)]
    for wire in (False, True):  # every index drawn once, in order
        assert sum(c for _, _, c, w in pieces if w == wire) == 87


def test_the_first_turn_of_wireframe_lines_measures_again() -> None:
    frame = ProgressiveFrame()
    frame._plan = GranulePlan([(0, 0, 180, False), (0, 0, 180, True)], 30)  # six granules each
    frame._granules_per_step = 4  # what the faces' speed fitted
    frame._next = 4
    assert frame._take() == 6  # never a turn of faces and lines together
    frame._next = 6
    assert frame._take() == 7  # lines cost more: one granule, then sized by their own speed
    frame._granules_per_step = 3
    frame._next = 7
    assert frame._take() == 10
