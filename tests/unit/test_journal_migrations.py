"""Opening journals written by older Meshwright versions: rows, events and states survive the upgrade."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from desktop_app.core.jobs.journal_schema import SCHEMA_VERSION, JournalTooNewError, migrate
from desktop_app.core.jobs.store import Job, JobState, JobStore
from desktop_app.core.library import index as library_index

# The exact schema the first release wrote (user_version 1), kept verbatim so the test does not depend on the
# migration code it checks.
V1_SCHEMA = """
BEGIN;
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, model_id TEXT NOT NULL, state TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}', inputs TEXT NOT NULL DEFAULT '[]',
    remote TEXT NOT NULL DEFAULT '{}', progress REAL, message TEXT NOT NULL DEFAULT '',
    queue_position INTEGER, cost REAL, cost_unit TEXT NOT NULL DEFAULT '', item_id TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL DEFAULT '',
    retry_of TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    started_at REAL, finished_at REAL);
CREATE TABLE IF NOT EXISTS job_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, at REAL NOT NULL,
    from_state TEXT NOT NULL, to_state TEXT NOT NULL, message TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS job_events_job ON job_events(job_id);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
PRAGMA user_version = 1;
COMMIT;
"""


def write_v1_journal(path) -> None:
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(V1_SCHEMA)
    remote = json.dumps({"task": "t-1", "subscription_key": "sk"})
    db.execute(
        "INSERT INTO jobs (id, model_id, state, params, inputs, remote, message, cost, cost_unit, title, created_at,"
        " updated_at, started_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ("job_old1", "hyper3d:rodin", "running", '{"tier": "Regular"}', '["01-crate.png"]', remote, "Generating",
         0.5, "credits", "Old crate", 100.0, 110.0, 101.0),
    )
    db.execute("INSERT INTO jobs (id, model_id, state, created_at, updated_at) VALUES (?,?,?,?,?)",
               ("job_old2", "local:relief", "succeeded", 90.0, 95.0))
    db.execute("INSERT INTO job_events (job_id, at, from_state, to_state, message) VALUES (?,?,?,?,?)",
               ("job_old1", 101.0, "submitted", "running", "Generating"))
    db.close()


def test_v1_journal_opens_and_keeps_its_jobs(tmp_path):
    path = tmp_path / "journal.sqlite"
    write_v1_journal(path)
    store = JobStore(path)
    try:
        job = store.require("job_old1")
        assert job.state is JobState.RUNNING and job.remote["task"] == "t-1" and job.params == {"tier": "Regular"}
        assert job.inputs == ["01-crate.png"] and job.cost == 0.5 and job.group_id is None
        assert job.owner == "" and store.owned_elsewhere() == {}  # v4: an old job belongs to no process
        assert store.claim("job_old1") == (store.require("job_old1"), "")
        assert [j.id for j in store.list()] == ["job_old1", "job_old2"]
        assert [e.to_state for e in store.events("job_old1")] == ["running"]
        # The upgraded journal takes the new features at once.
        group = store.create_group("compare", "Crate")
        store.create(Job(id="job_new", model_id="local:relief", group_id=group.id))
        assert [j.id for j in store.group_jobs(group.id)] == ["job_new"]
        store.transition("job_old1", JobState.DOWNLOADING, "Fetching the results")
    finally:
        store.close()
    db = sqlite3.connect(str(path))
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    reopened = JobStore(path)  # opening an up-to-date journal again changes nothing
    assert reopened.require("job_old1").state is JobState.DOWNLOADING
    reopened.close()


def test_journal_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(str(path))
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(JournalTooNewError, match="newer Meshwright"):
        JobStore(path)
    db = sqlite3.connect(str(path))
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5
    db.close()


class _StaleFirstRead:
    """A connection whose first version read is the one it made before another process upgraded the file."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db, self.stale = db, True

    def execute(self, sql: str, *args):
        if self.stale and sql.startswith("PRAGMA user_version"):
            self.stale = False
            return self.db.execute("SELECT 0")
        return self.db.execute(sql, *args)

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction


def test_two_processes_upgrading_the_same_journal_at_once_both_open_it(tmp_path):
    """The second one read "format 0" before the first upgraded the file; under the write lock it sees the work
    is done instead of running the steps again (which failed with "duplicate column", read as a damaged journal
    and set aside: the jobs of the other process looked lost)."""
    path = tmp_path / "jobs.sqlite3"
    first = sqlite3.connect(path, isolation_level=None)
    second = sqlite3.connect(path, isolation_level=None)
    assert migrate(first, path) == 0
    migrate(_StaleFirstRead(second), path)  # type: ignore[arg-type]
    assert second.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    first.close()
    second.close()


@pytest.mark.parametrize("kind", ["journal", "library index"])
def test_two_processes_creating_the_same_file_at_once_both_open_it(tmp_path, kind):
    """Two windows (or the CLI beside the app) starting on a new home at the same moment: the switch to WAL and
    the schema steps of one wait for the other instead of failing ("database is locked", "duplicate column")."""
    for round_ in range(12):
        path = tmp_path / f"{round_}" / "file.sqlite3"
        path.parent.mkdir()
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def open_index(path=path, barrier=barrier, errors=errors) -> None:
            barrier.wait()
            try:
                if kind == "journal":
                    JobStore(path).close()
                else:
                    library_index.connect(path).close()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_index) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
