"""kill -9 of the real CLI at each job state, against both emulators, then ``resume``: every job ends complete or
needs a check, and the service saw exactly one submit per job (tests/emulators/kill_suite.py). Scenario adds a
kill while the input images upload: nothing paid was sent then, so the job starts again instead of needing a
check. "draft" kills a batch while its second job waits for a free slot."""

from __future__ import annotations

import pytest

from tests.emulators.kill_suite import EXPECTED, STATES_BY_SERVICE, kill_and_resume

CASES = [(service, state) for service, states in STATES_BY_SERVICE.items() for state in states]


@pytest.mark.parametrize(("service", "state"), CASES, ids=[f"{s}-{k}" for s, k in CASES])
def test_kill_at_each_state_then_resume(service, state, fixture_images, tmp_path):
    outcome = kill_and_resume(state, fixture_images / "typical_misc_crate.png", tmp_path / "home", service=service)
    assert outcome.ok, f"kill -9 of {service} while {state}: {outcome.problems}"
    assert outcome.submits == outcome.jobs
    assert outcome.end_state == EXPECTED[state]
