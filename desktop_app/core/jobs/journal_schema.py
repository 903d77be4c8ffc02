"""The journal's schema, one numbered migration per version, so a journal written by any older Meshwright opens.

Each step runs in its own transaction together with its ``PRAGMA user_version`` bump: a kill in the middle of an
upgrade leaves the journal at the previous version, and the next start runs the step again.
Never edit a step once released; add a new one.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from desktop_app.core.errors import MeshwrightError

log = logging.getLogger(__name__)

_V1 = """
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
"""

# v2: job groups (a batch made from a folder, or one image sent to several models to compare).
_V2 = """
ALTER TABLE jobs ADD COLUMN group_id TEXT;
CREATE TABLE IF NOT EXISTS job_groups (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_group ON jobs(group_id);
"""

# v3: how far a submit got, so a job stopped while uploading free input assets is not mistaken for a paid
# request in flight ("" in older rows keeps the cautious reading).
_V3 = """
ALTER TABLE jobs ADD COLUMN submit_stage TEXT NOT NULL DEFAULT ''
"""

# v4: one owner per job. ``owner`` names the process advancing the job ('' for none); ``owners`` lists the
# processes that own jobs, with what another process needs to tell whether each is still alive
# (desktop_app.core.jobs.owners).
_V4 = """
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS owners (
    token TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, kind TEXT NOT NULL DEFAULT '',
    started_at REAL NOT NULL, heartbeat REAL NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner)
"""

# v5: the spend ledger (desktop_app.core.jobs.spending): one row per job and kind ("charge", "refund"), so recording
# the same charge twice (a resume, a second process) cannot count it twice.
_V5 = """
CREATE TABLE IF NOT EXISTS spending (
    job_id TEXT NOT NULL, kind TEXT NOT NULL, service TEXT NOT NULL, model_id TEXT NOT NULL, day TEXT NOT NULL,
    amount REAL NOT NULL, unit TEXT NOT NULL DEFAULT '', quoted REAL, estimated INTEGER NOT NULL DEFAULT 0,
    balance_before REAL, balance_after REAL, at REAL NOT NULL, note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, kind));
CREATE INDEX IF NOT EXISTS spending_day ON spending(day)
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)  # MIGRATIONS[n - 1] takes a journal from version n - 1 to n
SCHEMA_VERSION = len(MIGRATIONS)


def use_wal(db: sqlite3.Connection, timeout: float = 5.0) -> None:
    """Switch ``db`` to WAL mode, waiting (up to ``timeout``) while another process does the same to a new file:
    SQLite answers "database is locked" at once there, without calling the busy handler."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class JournalTooNewError(MeshwrightError):
    """The journal was written by a newer Meshwright; writing to it could corrupt what that version keeps."""


def migrate(db: sqlite3.Connection, path: Path) -> int:
    """Bring ``db`` (autocommit mode) up to SCHEMA_VERSION; returns the version it was at."""
    found = int(db.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise JournalTooNewError(
            f"The job list at {path} was written by a newer Meshwright (format {found}, this one reads up to "
            f"{SCHEMA_VERSION}). Update Meshwright to open it."
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        statements = [s.strip() for s in MIGRATIONS[version - 1].split(";") if s.strip()]
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process opening the same journal at the same moment
            # (two windows, the CLI beside the app) may have run this step while we waited for the lock, and
            # running it twice fails ("duplicate column"), which would look like a damaged journal.
            if int(db.execute("PRAGMA user_version").fetchone()[0]) >= version:
                db.execute("COMMIT")
                continue
            for statement in statements:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # a failed COMMIT may have rolled back already
                db.execute("ROLLBACK")
            raise
        log.info("journal %s upgraded to format %s", path, version)
    return found
