"""A chunked first frame sizes each turn by the speed it measured (progressive.py): slow turns (a loaded
machine) draw fewer granules, fast ones go back up to a whole chunk, never past it."""

from __future__ import annotations

from desktop_app.ui.preview import progressive
from desktop_app.ui.preview.progressive import GRANULES_PER_CHUNK, STEP_BUDGET_S, ProgressiveFrame


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


def test_a_turn_draws_neighbouring_granules_in_one_call() -> None:
    pieces = [(0, 0, 30, False), (0, 30, 30, False), (1, 0, 9, False), (1, 9, 9, True), (1, 18, 9, True)]
    assert progressive.merged(pieces) == [(0, 0, 60, False), (1, 0, 9, False), (1, 9, 18, True)]


def test_the_first_turn_of_wireframe_lines_measures_again() -> None:
    frame = ProgressiveFrame()
    faces, lines = [(0, 0, 30, False)], [(0, 0, 30, True)]
    frame._chunks = [faces] * 6 + [lines] * 6
    frame._granules_per_step = 4  # what the faces' speed fitted
    frame._next = 4
    assert frame._take() == [faces] * 2  # never a turn of faces and lines together
    frame._next = 6
    assert frame._take() == [lines]  # lines cost more: one granule, then sized by their own speed
    frame._granules_per_step = 3
    frame._next = 7
    assert frame._take() == [lines] * 3
