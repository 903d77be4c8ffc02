"""The spend ledger: sums, idempotence, estimates replaced by reported charges, the cap, and the v4 -> v5
journal upgrade that adds it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

from desktop_app.core.jobs.journal_schema import MIGRATIONS, SCHEMA_VERSION
from desktop_app.core.jobs.spending import (
    CHARGE,
    NOT_CHARGED,
    REFUND,
    RESERVED,
    Entry,
    Ledger,
    cap_message,
    over_cap,
    per_day,
    summarise,
    today,
)
from desktop_app.core.jobs.store import JobStore


def charge(job, amount, day="2026-03-02", model="scenario:model_a", service="scenario", **kw):
    return Entry(job, CHARGE, service, model, day, amount, "CU", **kw)


def test_sums_per_day_model_and_service_with_refunds(tmp_path):
    store = JobStore(tmp_path / "journal.sqlite")
    ledger = Ledger(store)
    ledger.record(charge("j1", 30, quoted=30))
    ledger.record(charge("j2", 50, model="scenario:model_b"))
    ledger.record(Entry("j2", REFUND, "scenario", "scenario:model_b", "2026-03-02", 50, "CU"))
    ledger.record(charge("j3", 20, day="2026-03-03"))
    ledger.record(Entry("h1", CHARGE, "hyper3d", "hyper3d:rodin", "2026-03-03", 0.5, "credits"))
    assert ledger.spent_on("scenario", "2026-03-02") == 30
    assert ledger.spent_on("scenario", "2026-03-03") == 20
    assert ledger.spent_on("hyper3d", "2026-03-02") == 0
    rows, totals = summarise(ledger.entries())
    assert [(r.day, r.model_id, r.jobs, r.charged, r.refunded, r.net) for r in rows] == [
        ("2026-03-02", "scenario:model_a", 1, 30, 0, 30),
        ("2026-03-02", "scenario:model_b", 1, 50, 50, 0),
        ("2026-03-03", "hyper3d:rodin", 1, 0.5, 0, 0.5),
        ("2026-03-03", "scenario:model_a", 1, 20, 0, 20),
    ]
    assert totals == {"scenario CU": {"charged": 100, "refunded": 50, "net": 50, "quoted": 30, "pending": 0,
                                      "unsettled": 0},
                      "hyper3d credits": {"charged": 0.5, "refunded": 0, "net": 0.5, "quoted": 0, "pending": 0,
                                          "unsettled": 0}}
    assert [e.job_id for e in ledger.entries(since="2026-03-03")] == ["j3", "h1"]
    assert per_day(ledger.entries(), "scenario") == {"2026-03-02": 30, "2026-03-03": 20}
    store.close()


def test_recording_twice_counts_once_even_from_two_connections(tmp_path):
    path = tmp_path / "journal.sqlite"
    first, second = JobStore(path), JobStore(path)
    results: list[bool] = []

    def record(store):
        for _ in range(20):
            results.append(Ledger(store).record(charge("j1", 30)))

    threads = [threading.Thread(target=record, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1
    assert Ledger(first).spent_on("scenario", "2026-03-02") == 30
    first.close()
    second.close()


def test_a_reported_charge_replaces_an_estimate_but_not_the_reverse(tmp_path):
    store = JobStore(tmp_path / "journal.sqlite")
    ledger = Ledger(store)
    assert ledger.record(charge("j1", 30, quoted=30, estimated=True))
    assert ledger.record(charge("j1", 28))  # the service's figure wins over the quote
    assert not ledger.record(charge("j1", 30, estimated=True))
    assert not ledger.record(charge("j1", 99))  # a reported charge is never rewritten
    entry = ledger.get("j1")
    assert entry is not None and entry.amount == 28 and not entry.estimated and entry.quoted == 30
    store.close()


def test_cap_arithmetic_and_message():
    assert not over_cap(None, 1e9, 10)
    assert not over_cap(200, 170, 30)  # exactly at the cap is allowed
    assert over_cap(200, 185, 30)
    assert over_cap(200, 200, None) and not over_cap(200, 199, None)
    text = cap_message("Scenario", 200, 185, 30, "CU")
    assert text.startswith("Today's Scenario spending cap of 200 CU is reached: 185 CU spent, this job is quoted "
                           "at 30 CU. Raise the cap in Settings → Spending or wait until tomorrow.")
    assert text.endswith(NOT_CHARGED)


def test_v4_journal_gains_the_ledger(tmp_path):
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(str(path), isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:4], start=1):
        db.executescript(script + f";PRAGMA user_version = {version};")
    db.execute("INSERT INTO jobs (id, model_id, state, created_at, updated_at) VALUES ('old', 'local:relief',"
               " 'succeeded', 1.0, 2.0)")
    db.close()
    store = JobStore(path)
    assert store.require("old").model_id == "local:relief"
    assert Ledger(store).entries() == []
    assert Ledger(store).record(charge("j1", 5))
    store.close()
    db = sqlite3.connect(str(path))
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    db.close()


def test_check_and_reserve_is_atomic_across_connections(tmp_path):
    """Two processes' journals (separate connections) checking a cap of 50 at the same instant for jobs quoted at
    30: exactly one gets its reservation, every time; the other sees the first one's reservation as spent."""
    stores = [JobStore(tmp_path / "journal.sqlite") for _ in range(2)]
    try:
        for round_ in range(15):
            day = f"2026-04-{round_ + 1:02d}"
            barrier = threading.Barrier(2)
            results: list[tuple[bool, float]] = [(False, -1.0)] * 2

            def check(i: int, day: str = day, barrier: threading.Barrier = barrier,
                      results: list[tuple[bool, float]] = results) -> None:
                barrier.wait()
                results[i] = Ledger(stores[i]).reserve(f"{day}-{i}", "scenario", "scenario:model_a", 30, "CU",
                                                       50, day=day)

            threads = [threading.Thread(target=check, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(ok for ok, _ in results) == [False, True], results
            assert sorted(spent for _, spent in results) == [0, 30]
            assert Ledger(stores[0]).spent_on("scenario", day) == 30
    finally:
        for store in stores:
            store.close()


def test_a_reservation_carries_its_quote_and_balance_into_the_charge(tmp_path):
    store = JobStore(tmp_path / "journal.sqlite")
    ledger = Ledger(store)
    day = "2026-03-02"
    assert ledger.reserve("j1", "hyper3d", "hyper3d:rodin", 0.5, "credits", None, day=day) == (True, 0)
    # Starting the same submit again replaces the reservation instead of counting it twice.
    assert ledger.reserve("j1", "hyper3d", "hyper3d:rodin", 0.5, "credits", 0.6, day=day) == (True, 0)
    ledger.set_balance("j1", before=100)
    (held,) = ledger.entries()
    assert (held.kind, held.quoted, held.balance_before, held.signed) == (RESERVED, 0.5, 100, 0)
    rows, _totals = summarise([held])
    assert (rows[0].jobs, rows[0].charged, rows[0].pending, rows[0].quoted) == (0, 0, 0.5, 0.5)
    assert ledger.spent_on("hyper3d", day) == 0.5  # counted against a cap while being sent
    ledger.record(Entry("j1", CHARGE, "hyper3d", "hyper3d:rodin", day, 0.5, "credits"))
    (charged,) = ledger.entries()
    assert (charged.kind, charged.quoted, charged.balance_before, charged.balance_after) == (CHARGE, 0.5, 100, None)
    ledger.set_balance("j1", after=99.5)
    ledger.set_balance("j1", after=12)  # a later reading never overwrites one
    assert ledger.get("j1").balance_after == 99.5
    # A job refused before payment gives its reservation back; one over the cap gets none.
    assert ledger.reserve("j2", "hyper3d", "hyper3d:rodin", 1, "credits", 2, day=day) == (True, 0.5)
    assert ledger.reserve("j3", "hyper3d", "hyper3d:rodin", 1, "credits", 2, day=day) == (False, 1.5)
    ledger.release("j2")
    assert [e.job_id for e in ledger.entries()] == ["j1"] and ledger.spent_on("hyper3d", day) == 0.5
    store.close()


def test_job_lines_read_only_the_asked_jobs_by_id(tmp_path):
    """What the queue's tooltips read: each asked job's quote, charge and refund folded, others left out."""
    store = JobStore(tmp_path / "journal.sqlite")
    ledger = Ledger(store)
    ledger.reserve("sending", "scenario", "scenario:model_a", 30, "CU", None, day="2026-03-02")
    ledger.record(charge("paid", 28, quoted=30))
    ledger.record(charge("back", 10, quoted=10))
    ledger.record(Entry("back", REFUND, "scenario", "scenario:model_a", "2026-03-02", 10, "CU"))
    ledger.record(charge("other", 5))
    lines = ledger.job_lines(["sending", "paid", "back", "free", "paid"])
    assert set(lines) == {"sending", "paid", "back"}
    assert (lines["sending"].quoted, lines["sending"].charged) == (30, None)
    assert (lines["paid"].quoted, lines["paid"].charged, lines["paid"].unit) == (30, 28, "CU")
    assert (lines["back"].charged, lines["back"].refunded) == (10, 10)
    many = [f"j{n}" for n in range(1200)] + ["other"]  # more ids than SQLite takes at once
    assert set(ledger.job_lines(many)) == {"other"}
    assert ledger.job_lines([]) == {}
    store.close()


def _paid_job(store, **kw):
    from desktop_app.core.jobs.store import Job, new_job_id

    return store.create(Job(id=new_job_id(), model_id="scenario:model_a", **kw))


def _sending(store, ledger, day):
    """A paid job reserved while its submit is still on free steps ("preparing"), as scheduler_submit does."""
    from desktop_app.core.jobs.store import PREPARING, JobState

    job = _paid_job(store)
    store.transition(job.id, JobState.UPLOADING, "Sending", submit_stage=PREPARING)
    assert ledger.reserve(job.id, "scenario", "scenario:model_a", 30, "CU", None, day=day)[0]
    return job


def test_deleting_a_job_whose_paid_request_never_left_releases_its_reservation(tmp_path):
    """Stopped while preparing (killed: "interrupted, nothing charged"), then canceled and deleted: nothing can
    have been charged, so its reservation stops counting against the day's cap."""
    from desktop_app.core.jobs.store import JobState

    store = JobStore(tmp_path / "journal.sqlite")
    ledger = Ledger(store)
    day = today()
    job = _sending(store, ledger, day)
    store.transition(job.id, JobState.INTERRUPTED, "Stopped before anything was charged; starting again.")
    store.transition(job.id, JobState.CANCELED, "Canceled.")
    assert ledger.spent_on("scenario", day) == 30  # not deleted yet: still held (as before this change)
    store.delete(job.id)
    assert store.get(job.id) is None
    assert ledger.entries() == [] and ledger.spent_on("scenario", day) == 0
    assert ledger.reserve("next", "scenario", "scenario:model_a", 30, "CU", 30, day=day) == (True, 0)
    store.close()


def test_deleting_a_job_whose_fate_is_unknown_keeps_its_reservation_as_unsettled(tmp_path):
    """The paid request may have left ("needs check"): deleting the job keeps the reservation, still counted
    against the day's cap (we may have been charged), and the reports call it unsettled."""
    from desktop_app.cli_spending import run
    from desktop_app.core.jobs.spending import UNSETTLED, per_job
    from desktop_app.core.jobs.store import PAID_REQUEST, JobState

    store = JobStore(tmp_path / "journal.sqlite")
    ledger = Ledger(store)
    day = today()
    unsure = _sending(store, ledger, day)
    store.update(unsure.id, submit_stage=PAID_REQUEST)  # committed before the paid request leaves
    store.transition(unsure.id, JobState.NEEDS_CHECK, "Scenario may have received this job.")
    canceled = _sending(store, ledger, day)  # a needs-check job the user canceled, then deleted
    store.update(canceled.id, submit_stage=PAID_REQUEST)
    store.transition(canceled.id, JobState.NEEDS_CHECK, "unknown")
    store.transition(canceled.id, JobState.CANCELED, "Canceled.")
    live = _sending(store, ledger, day)  # still being sent: an ordinary reservation
    store.delete(unsure.id)
    store.delete(canceled.id)
    assert store.get(unsure.id) is None
    held = {e.job_id: e for e in ledger.entries()}
    assert set(held) == {unsure.id, canceled.id, live.id}
    assert held[unsure.id].unsettled and held[canceled.id].unsettled and not held[live.id].unsettled
    assert ledger.spent_on("scenario", day) == 90  # all still count against the cap
    assert ledger.reserve("next", "scenario", "scenario:model_a", 30, "CU", 100, day=day) == (False, 90)
    rows, totals = summarise(ledger.entries())
    assert (rows[0].pending, rows[0].unsettled) == (30, 60)
    assert (totals["scenario CU"]["pending"], totals["scenario CU"]["unsettled"]) == (30, 60)
    assert {line.job_id: line.status for line in per_job(ledger.entries())} == {
        unsure.id: "unsettled", canceled.id: "unsettled", live.id: "reserved"}

    class Args:
        json, jobs, since = False, False, ""

    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert asyncio.run(run(type("S", (), {"store": store})(), Args())) == 0
    assert f"60 {UNSETTLED}" in out.getvalue() and "30 reserved" in out.getvalue()
    Args.jobs = True
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        asyncio.run(run(type("S", (), {"store": store})(), Args()))
    assert out.getvalue().count(UNSETTLED) == 2
    store.close()
