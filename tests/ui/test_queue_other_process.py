"""The window opened while a `generate` runs in a terminal on the same home (a real CLI subprocess over the Scenario
emulator): the queue shows that job live and read-only, never advances it, and takes it over if the CLI dies."""

from __future__ import annotations

import time

import pytest

from desktop_app.core.jobs.store import JobState
from desktop_app.core.settings import app_paths
from desktop_app.ui.main_window import MainWindow
from tests.emulators.kill_suite import MODELS, _journal_states, _Service
from tests.emulators.two_owners import Proc, library_items_per_job
from tests.ui.conftest import run_in_window, wait_until

FAST_POLLS = (0.05, 0.2)


@pytest.fixture
def cli_job(isolated_home, monkeypatch, fixture_images, tmp_path):
    """A `generate` subprocess held mid-poll by the emulator; the test process talks to the same emulator."""
    svc = _Service("scenario")
    with svc.emu:
        svc.hold("running")
        env = svc.env(isolated_home)
        for name in ("SCENARIO_BASE_URL", "SCENARIO_SDK_API_KEY", "SCENARIO_SDK_API_SECRET"):
            monkeypatch.setenv(name, env[name])
        image = fixture_images / "typical_misc_crate.png"
        proc = Proc("generate", ["generate", MODELS["scenario"], str(image), "--json"], env, tmp_path / "logs")
        journal = app_paths().journal_file
        deadline = time.monotonic() + 60
        while _journal_states(journal) != ["running"]:
            assert proc.proc.poll() is None, proc.finish().err[-600:]
            assert time.monotonic() < deadline, "the CLI job never started generating"
            time.sleep(0.02)
        try:
            yield svc, proc
        finally:
            if proc.proc.poll() is None:
                proc.proc.kill()
                proc.proc.wait(10)


def test_a_cli_job_is_shown_live_and_read_only(cli_job, qtbot, qloop, services_factory, isolated_home):
    svc, proc = cli_job
    window = MainWindow(services_factory(poll_override=FAST_POLLS), automation=True)
    store = window.services.store

    async def body() -> None:
        job = store.list()[0]
        assert list(window.services.scheduler.elsewhere) == [job.id] and not window.services.scheduler.running(job.id)
        assert "another Meshwright process ('generate'" in window.job_model.elsewhere[job.id]
        window.queue.select(job.id)
        assert not window.queue.cancel_button.isEnabled()
        assert "Stop it there" in window.queue.cancel_button.toolTip()
        assert "another Meshwright process" in window.job_model.data(window.job_model.index(0), 3)  # tooltip
        svc.release()  # the CLI's job finishes, in the CLI
        await wait_until(lambda: window.job_model.job(window.job_model.row_of(job.id)).state is JobState.SUCCEEDED,
                         60, "the queue to show the CLI's job done")
        await wait_until(lambda: job.id not in window.job_model.elsewhere, 10, "the read-only mark to go")
        assert not window.services.scheduler.running(job.id)

    run_in_window(qloop, window, body)
    run = proc.wait(60)
    assert run.code == 0 and "Traceback" not in run.err, run.err[-800:]
    assert svc.submits == 1
    assert list(library_items_per_job(isolated_home).values()) == [1]


def test_the_window_takes_over_a_job_whose_cli_was_killed(cli_job, qtbot, qloop, services_factory, isolated_home):
    svc, proc = cli_job
    window = MainWindow(services_factory(poll_override=FAST_POLLS), automation=True)
    store = window.services.store

    async def body() -> None:
        job = store.list()[0]
        assert job.id in window.job_model.elsewhere
        proc.kill9()
        svc.release()
        await wait_until(lambda: store.require(job.id).state is JobState.SUCCEEDED, 60, "the window to finish it")
        assert job.id not in window.job_model.elsewhere
        await wait_until(lambda: window.job_model.job(window.job_model.row_of(job.id)).state is JobState.SUCCEEDED,
                         10, "the queue to show it done")

    run_in_window(qloop, window, body)
    assert svc.submits == 1
    assert list(library_items_per_job(isolated_home).values()) == [1]
