"""kill -9 of the real CLI at each job state, then ``resume``: the job ends complete or needs a check, and the
emulator saw exactly one submit (tests/emulators/kill_suite.py)."""

from __future__ import annotations

import pytest

from tests.emulators.kill_suite import KILL_STATES, kill_and_resume


@pytest.mark.parametrize("state", KILL_STATES)
def test_kill_at_each_state_then_resume(state, fixture_images, tmp_path):
    outcome = kill_and_resume(state, fixture_images / "typical_misc_crate.png", tmp_path / "home")
    assert outcome.ok, f"kill -9 while {state}: {outcome.problems}"
    assert outcome.submits == 1
