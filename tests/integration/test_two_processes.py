"""Two real CLI processes on one MESHWRIGHT_HOME over the loopback emulators (issue 13, "one owner per job"):
a ``resume`` started while a ``generate`` is mid-upload, mid-poll or mid-download leaves that job to it: exactly one
paid request per job, no traceback in either process, exactly one library item per job.
"""

from __future__ import annotations

import os

import pytest

from tests.emulators.two_owners import second_process_during

HOLDS = ("uploading", "polling", "downloading")
# Scenario's free input upload comes first: the double charge was a resume started then.
CASES = [("scenario", "uploading_assets")] + [(s, h) for s in ("scenario", "hyper3d") for h in HOLDS]


@pytest.mark.parametrize(("service", "hold"), CASES, ids=[f"{s}-{h}" for s, h in CASES])
def test_resume_during_a_generate_leaves_the_job_to_it(service, hold, fixture_images, tmp_path):
    outcome = second_process_during(hold, fixture_images / "typical_misc_crate.png", tmp_path / "home",
                                    service=service)
    assert not outcome.problems, outcome.problems
    assert outcome.submits == 1 and outcome.tracebacks == 0
    assert list(outcome.items_per_job.values()) == [1]
    # The resume did not wait for the job: it said who runs it and left.
    assert outcome.second_ended_while_held
    report = outcome.run("resume").json()
    assert report["resumed"] == [] and len(report["elsewhere"]) == 1
    assert "another Meshwright process ('generate'" in report["elsewhere"][0]["owner"]
    assert outcome.run("generate").json()["status"] == "succeeded"


def test_resume_during_a_batch_leaves_every_job_to_it(fixture_images, tmp_path):
    """Four jobs, two running and two waiting as drafts: resume must not start the waiting ones either."""
    outcome = second_process_during("polling", fixture_images / "typical_misc_crate.png", tmp_path / "home",
                                    batch=4)
    assert not outcome.problems, outcome.problems
    assert outcome.submits == 4 and outcome.tracebacks == 0
    assert sorted(outcome.items_per_job.values()) == [1, 1, 1, 1]
    report = outcome.run("resume").json()
    assert report["resumed"] == [] and len(report["elsewhere"]) == 4


def test_a_killed_owner_is_taken_over_by_the_next_resume(fixture_images, tmp_path):
    """resume during the generate leaves the job; the generate is killed -9; the next resume continues it."""
    outcome = second_process_during("polling", fixture_images / "typical_misc_crate.png", tmp_path / "home",
                                    kill_first=True)
    assert not outcome.problems, outcome.problems
    assert outcome.submits == 1 and outcome.tracebacks == 0
    assert list(outcome.items_per_job.values()) == [1]
    taken = outcome.run("resume-after-kill").json()
    assert [j["status"] for j in taken["resumed"]] == ["succeeded"] and taken["elsewhere"] == []


@pytest.mark.gl
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (Xvfb in CI)")
def test_the_gui_self_test_during_a_cli_job_leaves_it_alone(fixture_images, tmp_path):
    """The window (its --self-test, on the same home) opens while a CLI job polls: it runs its own offline job and
    passes, while the CLI's job stays the CLI's: one paid request, one item each, no traceback."""
    outcome = second_process_during("polling", fixture_images / "typical_misc_crate.png", tmp_path / "home",
                                    second=("--self-test",), extra_jobs=1, second_wait=150)
    assert not outcome.problems, outcome.problems
    assert outcome.second_ended_while_held, "the self-test finished while the CLI job was still held"
    assert outcome.submits == 1 and outcome.tracebacks == 0
    assert sorted(outcome.items_per_job.values()) == [1, 1]
    assert "self-test passed" in outcome.run("self-test").out
