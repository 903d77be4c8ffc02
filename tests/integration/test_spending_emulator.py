"""The spend ledger against the Scenario emulator over loopback HTTP: what Meshwright records matches exactly what
the emulated account was charged and refunded, and the daily cap stops the next paid job before it is sent."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop_app.core.jobs.spending import CHARGE, NOT_CHARGED, REFUND, RESERVED, Ledger, summarise
from desktop_app.core.jobs.store import JobState
from desktop_app.core.settings import Settings, app_paths, save_settings
from desktop_app.services import build_services
from tests.emulators.scenario import ScenarioEmulator

FAST = (0.02, 0.1)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def scenario(monkeypatch):
    with ScenarioEmulator() as emu:
        emu.middle_states = []
        monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
        monkeypatch.setenv("SCENARIO_SDK_API_KEY", emu.api_key)
        monkeypatch.setenv("SCENARIO_SDK_API_SECRET", emu.api_secret)
        yield emu


async def test_ledger_matches_the_account_across_success_refund_and_refusal(scenario, fixture_images):
    image = fixture_images / "typical_misc_crate.png"
    services = build_services(app_paths(), poll_override=FAST)
    try:
        run = services.scheduler
        ok = await run.run((await run.create_job("scenario:model_trellis-2", [image], {})).id)
        scenario.outcome = "failure"
        failed = await run.run((await run.create_job("scenario:model_trellis-2", [image], {})).id)
        # The plan does not allow this model: the paid request is refused, so nothing is charged.
        refused = await run.run((await run.create_job("scenario:model_meshy-7-img23d", [image], {})).id)
        ledger = Ledger(services.store)
        entries = ledger.entries()
        # A second pass over the same jobs (what a resume does) adds nothing.
        for job in (ok, failed):
            run._record_charge(job, services.registry.provider_for(job.model_id), job.cost, "CU", None)
        assert ledger.entries() == entries
    finally:
        await services.aclose()
    assert ok.state is JobState.SUCCEEDED
    assert failed.state is JobState.FAILED and NOT_CHARGED not in failed.message
    assert refused.state is JobState.FAILED and refused.message.endswith(NOT_CHARGED)
    assert scenario.generate_posts == 2 and len(scenario.charged) == 2 and len(scenario.refunded) == 1
    charges = {e.job_id: e.amount for e in entries if e.kind == CHARGE}
    refunds = {e.job_id: e.amount for e in entries if e.kind == REFUND}
    assert set(charges) == {ok.id, failed.id} and set(refunds) == {failed.id}
    assert sorted(charges.values()) == sorted(scenario.charged.values()) == [30, 30]
    assert sum(refunds.values()) == sum(scenario.refunded.values()) == 30
    assert all(e.service == "scenario" and e.unit == "CU" and not e.estimated for e in entries)


async def test_daily_cap_stops_the_next_paid_job_before_it_is_sent(scenario, fixture_images):
    image = fixture_images / "typical_misc_crate.png"
    services = build_services(app_paths(), poll_override=FAST)
    try:
        run = services.scheduler
        services.settings.daily_caps["scenario"] = 50  # shared with the scheduler, as the Settings dialog edits it
        first = await run.run((await run.create_job("scenario:model_trellis-2", [image], {})).id)
        second = await run.run((await run.create_job("scenario:model_trellis-2", [image], {})).id)
    finally:
        await services.aclose()
    assert first.state is JobState.SUCCEEDED
    assert second.state is JobState.FAILED
    assert second.message.startswith("Today's Scenario spending cap of 50 CU is reached: 30 CU spent, this job is "
                                     "quoted at 30 CU. Raise the cap in Settings → Spending")
    assert NOT_CHARGED in second.message
    assert scenario.generate_posts == 1 and sum(scenario.charged.values()) == 30


def run_cli(emu: ScenarioEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SCENARIO_BASE_URL=emu.base_url, SCENARIO_SDK_API_KEY=emu.api_key,
               SCENARIO_SDK_API_SECRET=emu.api_secret)
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_cap_exit_code_and_spending_report(scenario, fixture_images):
    image = str(fixture_images / "typical_misc_crate.png")
    paths = app_paths()
    save_settings(paths.ensure(), Settings(daily_caps={"scenario": 40}))
    first = run_cli(scenario, "generate", "scenario:model_trellis-2", image)
    assert first.returncode == 0, first.stderr[-2000:]
    blocked = run_cli(scenario, "generate", "scenario:model_trellis-2", image)
    assert blocked.returncode == 7, blocked.stderr[-2000:]
    assert "error: Today's Scenario spending cap of 40 CU is reached: 30 CU spent" in blocked.stderr
    assert "Traceback" not in blocked.stderr and scenario.generate_posts == 1
    report = run_cli(scenario, "spending", "--json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["totals"] == {"scenario CU": {"charged": 30, "refunded": 0, "net": 30, "quoted": 30, "pending": 0,
                                               "unsettled": 0}}
    (row,) = data["rows"]
    assert row["model_id"] == "scenario:model_trellis-2" and row["jobs"] == 1
    (job,) = data["jobs"]
    assert (job["quoted"], job["charged"], job["status"]) == (30, 30, "charged")
    # Scenario documents no balance endpoint for API keys: the balance is "unknown", never a guess.
    assert (job["balance_before"], job["balance_after"]) == (None, None)
    text = run_cli(scenario, "spending", "--since", "2000-01-01")
    assert "Total scenario CU: quoted 30, charged 30, refunded 0, net 30" in text.stdout
    lines = run_cli(scenario, "spending", "--jobs")
    assert lines.returncode == 0, lines.stderr
    (line,) = lines.stdout.splitlines()[1:]
    assert line.split()[2:] == ["scenario:model_trellis-2", "30", "30", "0", "unknown", "→", "unknown", "charged",
                                "CU"]
    bad = run_cli(scenario, "spending", "--since", "yesterday")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --since: wants a day like 2026-03-01")


@pytest.mark.parametrize("reports_charge", [True, False])
async def test_hyper3d_charge_is_recorded_and_marked_estimated_when_not_reported(monkeypatch, fixture_images,
                                                                                  reports_charge):
    from tests.emulators.hyper3d import Hyper3DEmulator

    with Hyper3DEmulator() as emu:
        emu.include_consumed = reports_charge
        monkeypatch.setenv("RODIN_BASE_URL", emu.base_url)
        monkeypatch.setenv("RODIN_API_KEY", emu.api_key)
        services = build_services(app_paths(), poll_override=FAST)
        try:
            run = services.scheduler
            job = await run.create_job("hyper3d:rodin", [fixture_images / "typical_misc_crate.png"], {})
            job = await run.run(job.id)
            entries = Ledger(services.store).entries()
        finally:
            await services.aclose()
    assert job.state is JobState.SUCCEEDED, job.message
    (entry,) = entries
    assert (entry.kind, entry.service, entry.unit) == (CHARGE, "hyper3d", "credits")
    assert [entry.amount] == list(emu.charged.values()) and 100.0 - emu.balance == entry.amount
    assert entry.estimated is (not reports_charge)



async def test_every_paid_job_keeps_its_quote_and_an_unknown_fate_keeps_its_reservation(scenario, fixture_images):
    """No cap set: the quote is still asked, written before the paid request and shown beside the charge. A job
    whose paid reply was lost ("needs check") keeps its reservation, counted against a cap, as it may be charged."""
    image = fixture_images / "typical_misc_crate.png"
    services = build_services(app_paths(), poll_override=FAST)
    try:
        run = services.scheduler
        ok = await run.run((await run.create_job("scenario:model_trellis-2", [image], {})).id)
        scenario.lose_generate_response = "500"
        lost = await run.run((await run.create_job("scenario:model_trellis-2", [image], {})).id)
        ledger = Ledger(services.store)
        entries = {e.job_id: e for e in ledger.entries()}
        spent = ledger.spent_on("scenario", entries[ok.id].day)
        services.store.delete(lost.id)  # removed from the queue with its fate still unknown
        after_delete = {e.job_id: e for e in ledger.entries()}
        spent_after_delete = ledger.spent_on("scenario", entries[ok.id].day)
    finally:
        await services.aclose()
    assert ok.state is JobState.SUCCEEDED and lost.state is JobState.NEEDS_CHECK
    assert scenario.dryrun_posts == 2 and scenario.generate_posts == 2
    assert (entries[ok.id].kind, entries[ok.id].amount, entries[ok.id].quoted) == (CHARGE, 30, 30)
    assert (entries[lost.id].kind, entries[lost.id].quoted) == (RESERVED, 30)
    assert spent == 60
    _rows, totals = summarise(entries.values())
    assert totals["scenario CU"] == {"charged": 30, "refunded": 0, "net": 30, "quoted": 60, "pending": 30,
                                         "unsettled": 0}
    # Deleting it keeps the reservation counting (the service may have charged), labelled unsettled.
    assert after_delete[lost.id].unsettled and spent_after_delete == 60
    _rows, totals = summarise(after_delete.values())
    assert (totals["scenario CU"]["pending"], totals["scenario CU"]["unsettled"]) == (0, 30)


async def test_hyper3d_balance_is_read_before_and_after_each_job(monkeypatch, fixture_images):
    from tests.emulators.hyper3d import Hyper3DEmulator

    with Hyper3DEmulator() as emu:
        monkeypatch.setenv("RODIN_BASE_URL", emu.base_url)
        monkeypatch.setenv("RODIN_API_KEY", emu.api_key)
        services = build_services(app_paths(), poll_override=FAST)
        try:
            run = services.scheduler
            jobs = []
            for _ in range(2):
                job = await run.create_job("hyper3d:rodin", [fixture_images / "typical_misc_crate.png"], {})
                jobs.append(await run.run(job.id))
        finally:
            await services.aclose()  # gives the last "after" reading its moment
        services = build_services(app_paths())  # the ledger as the next start reads it
        try:
            entries = Ledger(services.store).entries()
        finally:
            await services.aclose()
    assert all(j.state is JobState.SUCCEEDED for j in jobs)
    assert [(e.quoted, e.amount, e.balance_before, e.balance_after) for e in entries] == [
        (0.5, 0.5, 100, 99.5), (0.5, 0.5, 99.5, 99)]
    assert emu.submits == 2


@pytest.mark.parametrize("fault", ["hang", "500"])
async def test_a_balance_that_cannot_be_read_never_holds_or_fails_the_job(monkeypatch, fixture_images, fault):
    from tests.emulators.hyper3d import Hyper3DEmulator

    with Hyper3DEmulator() as emu:
        monkeypatch.setenv("RODIN_BASE_URL", emu.base_url)
        monkeypatch.setenv("RODIN_API_KEY", emu.api_key)
        if fault == "hang":
            emu.hold_balance.set()  # every balance reply waits until the job is over
        else:
            emu.balance_status = 500
        services = build_services(app_paths(), poll_override=FAST)
        try:
            run = services.scheduler
            job = await run.create_job("hyper3d:rodin", [fixture_images / "typical_misc_crate.png"], {})
            job = await run.run(job.id)
            held_while_done = emu.hold_balance.is_set() and emu.balance_reads >= 1
            (entry,) = Ledger(services.store).entries()
        finally:
            emu.hold_balance.clear()
            await services.aclose()
    assert job.state is JobState.SUCCEEDED, job.message
    assert held_while_done is (fault == "hang")  # the job finished while its balance read was still unanswered
    assert (entry.kind, entry.amount, entry.balance_before, entry.balance_after) == (CHARGE, 0.5, None, None)
    assert emu.submits == 1


async def test_two_processes_sharing_a_library_cannot_both_pass_the_cap(scenario, fixture_images):
    """Two schedulers, each with its own journal connection and event loop (as two Meshwright processes on one
    library), check a cap of 50 at the same instant for jobs quoted at 30: exactly one paid request is sent."""
    from desktop_app.providers.scenario import ScenarioProvider

    image = fixture_images / "typical_misc_crate.png"
    save_settings(app_paths().ensure(), Settings(daily_caps={"scenario": 50}))
    barrier = threading.Barrier(2, timeout=60)
    original = ScenarioProvider.quote

    async def quote_then_meet(self, request):
        priced = await original(self, request)
        await asyncio.to_thread(barrier.wait)  # both quoted: now both check the cap together
        return priced

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(ScenarioProvider, "quote", quote_then_meet)
    results: list[object] = [None, None]
    notices: list[list[str] | None] = [None, None]

    def process(i: int) -> None:
        async def main() -> object:
            services = build_services(app_paths(), poll_override=FAST)
            notices[i] = services.notices  # opened at the same moment: neither may judge the other's work damaged
            try:
                run = services.scheduler
                return await run.run((await run.create_job("scenario:model_trellis-2", [image], {})).id)
            finally:
                await services.aclose()
        results[i] = asyncio.run(main())

    try:
        threads = [threading.Thread(target=process, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        monkeypatch.undo()
    assert notices == [[], []]
    states = sorted(str(r.state) for r in results)  # type: ignore[union-attr]
    assert states == ["failed", "succeeded"], [r.message for r in results]  # type: ignore[union-attr]
    refused = next(r for r in results if r.state is JobState.FAILED)  # type: ignore[union-attr]
    assert refused.message.startswith("Today's Scenario spending cap of 50 CU is reached: 30 CU spent, this job "
                                      "is quoted at 30 CU.")
    assert scenario.generate_posts == 1 and sum(scenario.charged.values()) == 30


def test_two_cli_processes_started_together_send_one_job_under_the_cap(scenario, fixture_images):
    """Two real `generate` processes on one new library, started at the same moment, with a cap of 50 CU and jobs
    quoted at 30: exactly one paid request reaches the service and the other exits 7, whichever order they run."""
    image = str(fixture_images / "typical_misc_crate.png")
    save_settings(app_paths().ensure(), Settings(daily_caps={"scenario": 50}))
    env = dict(os.environ, SCENARIO_BASE_URL=scenario.base_url, SCENARIO_SDK_API_KEY=scenario.api_key,
               SCENARIO_SDK_API_SECRET=scenario.api_secret)
    procs = [subprocess.Popen([sys.executable, "-m", "desktop_app", "generate", "scenario:model_trellis-2", image],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 7], [err[-1500:] for _out, err in outs]
    assert scenario.generate_posts == 1 and sum(scenario.charged.values()) == 30
    assert not any("damaged" in err or "Traceback" in err for _out, err in outs)
