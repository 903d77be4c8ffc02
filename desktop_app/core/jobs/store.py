"""Jobs: the state machine and the SQLite journal that outlives crashes.

A job row is committed before any work or request starts, and every transition is committed (with an event
row) the moment it happens, so after a crash the journal alone says what was in flight.

Several processes may share one journal (a window, ``generate``, ``resume``...): each job has one owner, the
process that advances it (desktop_app.core.jobs.owners). A store may change only the jobs it owns or that nobody
owns (taking them by that write); ``claim`` takes over a job whose owner is gone. Each check happens in the same
transaction as the write it guards, so two processes can never both act on one job.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from desktop_app.core.jobs import owners
from desktop_app.core.jobs.journal_schema import migrate, use_wal
from desktop_app.core.jobs.process_lock import ProcessLock
from desktop_app.core.jobs.spending import settle_deleted_reservation
from desktop_app.core.jobs.store_owners import OwnedJobs

log = logging.getLogger(__name__)


class JobState(StrEnum):
    DRAFT = "draft"
    UPLOADING = "uploading"
    SUBMITTED = "submitted"
    QUEUED = "queued"
    RUNNING = "running"
    DOWNLOADING = "downloading"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    # Stopped by a quit or crash; the journal says how to continue (poll again or re-download).
    INTERRUPTED = "interrupted"
    # A paid submit may or may not have reached the service: never resubmitted, reconciled or checked by hand.
    NEEDS_CHECK = "needs_check"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def active(self) -> bool:
        return self in ACTIVE

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


TERMINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED})
ACTIVE = frozenset(
    {JobState.UPLOADING, JobState.SUBMITTED, JobState.QUEUED, JobState.RUNNING, JobState.DOWNLOADING}
)
STATE_LABELS = {
    JobState.DRAFT: "Waiting to start",
    JobState.UPLOADING: "Sending",
    JobState.SUBMITTED: "Submitted",
    JobState.QUEUED: "In the service's queue",
    JobState.RUNNING: "Generating",
    JobState.DOWNLOADING: "Downloading",
    JobState.SUCCEEDED: "Done",
    JobState.FAILED: "Failed",
    JobState.CANCELED: "Canceled",
    JobState.INTERRUPTED: "Interrupted",
    JobState.NEEDS_CHECK: "Needs a check",
}

_S = JobState
_AFTER_SUBMIT = {_S.QUEUED, _S.RUNNING, _S.DOWNLOADING, _S.FAILED, _S.CANCELED, _S.INTERRUPTED, _S.NEEDS_CHECK}
ALLOWED: dict[JobState, frozenset[JobState]] = {
    _S.DRAFT: frozenset({_S.UPLOADING, _S.FAILED, _S.CANCELED, _S.INTERRUPTED}),
    _S.UPLOADING: frozenset({_S.SUBMITTED, _S.FAILED, _S.CANCELED, _S.INTERRUPTED, _S.NEEDS_CHECK}),
    _S.SUBMITTED: frozenset(_AFTER_SUBMIT),
    _S.QUEUED: frozenset(_AFTER_SUBMIT - {_S.QUEUED}),
    _S.RUNNING: frozenset(_AFTER_SUBMIT - {_S.RUNNING}),
    _S.DOWNLOADING: frozenset({_S.SUCCEEDED, _S.FAILED, _S.CANCELED, _S.INTERRUPTED}),
    _S.INTERRUPTED: frozenset((_AFTER_SUBMIT | {_S.DRAFT, _S.UPLOADING, _S.SUBMITTED}) - {_S.INTERRUPTED}),
    _S.NEEDS_CHECK: frozenset((_AFTER_SUBMIT | {_S.SUBMITTED}) - {_S.NEEDS_CHECK}),
    _S.SUCCEEDED: frozenset(),
    _S.FAILED: frozenset(),
    _S.CANCELED: frozenset(),
}


class TransitionError(RuntimeError):
    """A state change the state machine forbids: a bug, never a user error."""


@dataclass
class Job:
    id: str
    model_id: str
    state: JobState = JobState.DRAFT
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # file names inside the job folder's inputs/
    remote: dict[str, Any] = field(default_factory=dict)  # provider ids, saved the moment they arrive
    progress: float | None = None  # 0..1 when known
    message: str = ""  # the latest plain-language status or failure reason
    queue_position: int | None = None
    cost: float | None = None
    cost_unit: str = ""
    item_id: str | None = None
    cancel_requested: bool = False
    title: str = ""
    retry_of: str | None = None
    group_id: str | None = None  # a batch or a compare group (see JobGroup)
    # While "uploading": how far the submit got. PREPARING = only free steps so far (nothing paid was sent, so a
    # stop now is safe to start again); anything else, including "" from an older journal, may be a paid request
    # in flight and makes a stopped job "needs check".
    submit_stage: str = ""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    # The token of the process that owns the job ("" for none). Read from the journal, never written from here:
    # only JobStore's ownership methods change it.
    owner: str = ""

    @property
    def provider(self) -> str:
        return self.model_id.split(":", 1)[0]

    def elapsed(self, now: float | None = None) -> float:
        if self.started_at is None:
            return 0.0
        end = self.finished_at or (now if now is not None else time.time())
        return max(0.0, end - self.started_at)


@dataclass(frozen=True)
class JobEvent:
    job_id: str
    at: float
    from_state: str
    to_state: str
    message: str


@dataclass(frozen=True)
class JobGroup:
    """Jobs made together: ``batch`` (one job per image) or ``compare`` (one image, several models)."""

    id: str
    kind: str
    title: str
    created_at: float


_JSON_COLUMNS = ("params", "inputs", "remote")
_COLUMNS = (
    "id", "model_id", "state", "params", "inputs", "remote", "progress", "message", "queue_position", "cost",
    "cost_unit", "item_id", "cancel_requested", "title", "retry_of", "group_id", "created_at", "updated_at",
    "started_at", "finished_at", "submit_stage",
)
PREPARING = "preparing"  # Job.submit_stage values
PAID_REQUEST = "paid_request"


def new_job_id() -> str:
    return "job_" + uuid.uuid4().hex[:16]


def new_group_id() -> str:
    return "grp_" + uuid.uuid4().hex[:16]


class JobStore(OwnedJobs):
    """The journal. One connection guarded by a lock; safe to call from worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        # This process's owner token, and the lock file that proves to other processes that it is alive. Both are
        # taken at the first job this store makes or claims, so a read-only command leaves no trace.
        self.token = uuid.uuid4().hex
        self.kind = "process"  # what other processes call this one: a CLI command's name, or owners.WINDOW
        self.lock_dir = path.parent / "locks"
        self._lease = ProcessLock(owners.lock_path(self.lock_dir, self.token))
        self._registered = False
        # Jobs this store took (made, claimed, or first wrote) and has not handed back. One of them found owned by
        # nobody was taken from us meanwhile (our owner judged gone, the job settled and handed back): our next
        # write must not take it again.
        self._held: set[str] = set()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        # The busy timeout first: switching a new journal to WAL needs the file to itself, and another process
        # opening it at the same moment must wait for that, not fail with "database is locked".
        self._db.execute("PRAGMA busy_timeout=5000")
        try:
            use_wal(self._db)
        except BaseException:
            self._db.close()
            raise
        # NORMAL, not FULL: in WAL mode a commit is then a write to the WAL without an fsync, so a transition on
        # the GUI thread costs well under a millisecond instead of a disk flush (measured at tens of ms, which
        # stalled the window with 50 jobs running). It stays durable against what this journal must survive: a
        # crash or kill -9 of the app loses nothing, because committed WAL frames are in the OS page cache and
        # are replayed at the next open. Only a power cut or OS crash can drop the last few commits, and the
        # journal is still consistent then (SQLite guarantees that in WAL + NORMAL); a job rolled back to its
        # previous state that way is resumed from there, and a paid submit whose id was lost that way shows up
        # as "needs check" (its "uploading" row was committed, and flushed, before the request left).
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def _migrate(self) -> None:
        with self._lock:
            migrate(self._db, self.path)

    def close(self) -> None:
        """Hand back every job this process owns (their state says how to continue) and close the journal."""
        with self._lock:
            try:
                if self._registered:
                    with self._write_txn():
                        self._db.execute("UPDATE jobs SET owner = '' WHERE owner = ?", (self.token,))
                        self._db.execute("DELETE FROM owners WHERE token = ?", (self.token,))
                    self._registered = False
                    self._held.clear()
            except sqlite3.Error as exc:  # the jobs stay claimable: the lock below dies with this store
                log.warning("could not hand back this process's jobs: %s", exc)
            finally:
                self._lease.release()
                self._db.close()

    @contextmanager
    def _write_txn(self) -> Iterator[None]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so what it reads cannot change under it."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full) may already have rolled back; a second ROLLBACK would raise
            # "cannot rollback" and hide the real cause.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def quick_check(self) -> str:
        """"" when SQLite's quick_check finds the journal sound, else what it found (state_repair sets a
        damaged journal aside). Reads every page once: milliseconds for a journal of thousands of jobs."""
        with self._lock:
            try:
                rows = self._db.execute("PRAGMA quick_check").fetchall()
                if rows == [("ok",)] or [tuple(r) for r in rows] == [("ok",)]:
                    self._db.execute("SELECT COUNT(*) FROM jobs").fetchone()
                    return ""
            except sqlite3.DatabaseError as exc:
                return str(exc) or type(exc).__name__
        return "; ".join(str(r[0]) for r in rows[:3])

    def flush(self) -> None:
        """Make every commit so far survive a power cut too, not only a crash (blocking: call it from a worker).

        With synchronous=NORMAL a commit sits in the WAL file unsynced; syncing that file is what FULL would
        have done at the commit. Used before a paid request leaves and once its remote id is saved. Frames
        already moved into the database by a checkpoint were synced by that checkpoint."""
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            fd = os.open(wal, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # --- rows -------------------------------------------------------------------------------------------

    @staticmethod
    def _to_row(job: Job) -> tuple[Any, ...]:
        values = []
        for name in _COLUMNS:
            value = getattr(job, name)
            if name in _JSON_COLUMNS:
                value = json.dumps(value, sort_keys=True)
            elif name == "state":
                value = str(value)
            elif name == "cancel_requested":
                value = int(value)
            values.append(value)
        return tuple(values)

    @staticmethod
    def _from_row(row: sqlite3.Row) -> Job:
        data = {name: row[name] for name in _COLUMNS}
        for name in _JSON_COLUMNS:
            data[name] = json.loads(data[name])
        data["state"] = JobState(data["state"])
        data["cancel_requested"] = bool(data["cancel_requested"])
        data["owner"] = row["owner"]
        return Job(**data)

    def create(self, job: Job) -> Job:
        """Commit a new job row (state draft) before any work for it starts."""
        if job.state is not JobState.DRAFT:
            raise TransitionError("a new job starts as a draft")
        with self._lock:
            placeholders = ",".join("?" for _ in _COLUMNS)
            self._register()
            with self._write_txn():
                # Made owned by this process: another one's "resume" must not start it before this one does.
                self._db.execute(f"INSERT INTO jobs ({','.join(_COLUMNS)}, owner) VALUES ({placeholders}, ?)",
                                 (*self._to_row(job), self.token))
                self._db.execute(
                    "INSERT INTO job_events (job_id, at, from_state, to_state, message) VALUES (?,?,?,?,?)",
                    (job.id, job.created_at, "", str(job.state), "created"),
                )
            job.owner = self.token
            self._held.add(job.id)
        log.info("job %s created for %s", job.id, job.model_id)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return self._from_row(row) if row else None

    def require(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id}")
        return job

    def list(self, states: Iterable[JobState] | None = None, limit: int | None = None) -> list[Job]:
        sql = "SELECT * FROM jobs"
        args: list[Any] = []
        if states is not None:
            wanted = [str(s) for s in states]
            sql += f" WHERE state IN ({','.join('?' for _ in wanted)})"
            args.extend(wanted)
        sql += " ORDER BY created_at DESC, rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._from_row(r) for r in rows]

    def update(self, job_id: str, **changes: Any) -> Job:
        """Change fields other than ``state`` (progress, message, remote ids...), committed at once."""
        if "state" in changes:
            raise TransitionError("use transition() to change state")
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise AttributeError(f"unknown job fields: {sorted(unknown)}")
        with self._lock:
            self._register()
        with self._lock, self._write_txn():
            job = self._owned(job_id)
            for key, value in changes.items():
                setattr(job, key, value)
            job.updated_at = time.time()
            self._write(job)
        return job

    def transition(self, job_id: str, to: JobState, message: str | None = None, **changes: Any) -> Job:
        """Move a job to ``to`` if the state machine allows it; commit the row and an event together."""
        to = JobState(to)
        with self._lock:
            self._register()
        with self._lock, self._write_txn():
            job = self._owned(job_id)
            if to is not job.state and to not in ALLOWED[job.state]:
                raise TransitionError(f"job {job_id}: {job.state} -> {to} is not allowed")
            before = job.state
            for key, value in changes.items():
                if key not in _COLUMNS or key == "state":
                    raise AttributeError(f"cannot set {key} in a transition")
                setattr(job, key, value)
            job.state = to
            if message is not None:
                job.message = message
            now = time.time()
            job.updated_at = now
            if to is JobState.UPLOADING and job.started_at is None:
                job.started_at = now
            if to.terminal:
                job.finished_at = now
            self._write(job)
            self._db.execute(
                "INSERT INTO job_events (job_id, at, from_state, to_state, message) VALUES (?,?,?,?,?)",
                (job_id, now, str(before), str(to), job.message),
            )
        log.info("job %s: %s -> %s %s", job_id, before, to, job.message)
        return job

    def _write(self, job: Job) -> None:
        assignments = ",".join(f"{name} = ?" for name in _COLUMNS[1:])
        row = self._to_row(job)
        self._db.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*row[1:], row[0]))

    def events(self, job_id: str) -> list[JobEvent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT job_id, at, from_state, to_state, message FROM job_events WHERE job_id = ? ORDER BY seq",
                (job_id,),
            ).fetchall()
        return [JobEvent(*tuple(r)) for r in rows]

    def delete(self, job_id: str) -> None:
        """Forget a job (raises NotOwnerError, deleting nothing, while another live process owns it)."""
        with self._lock, self._write_txn():
            row = self._db.execute("SELECT owner FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None and row[0] not in ("", self.token):
                owner = owners.read_owner(self._db, row[0])
                if owners.is_alive(owner, self.lock_dir):
                    raise owners.owned_elsewhere_error(owner)
            settled = settle_deleted_reservation(self._db, job_id, self._paid_request_never_left(job_id))
            self._db.execute("DELETE FROM job_events WHERE job_id = ?", (job_id,))
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        if settled:
            log.info("job %s deleted: its spend reservation %s", job_id, settled)

    def paid_request_never_left(self, job_id: str) -> bool:
        """Whether the journal proves the job's paid request never left (see ``_paid_request_never_left``)."""
        with self._lock:
            return self._paid_request_never_left(job_id)

    def _paid_request_never_left(self, job_id: str) -> bool:
        """From the journal alone (inside a transaction): the job's paid request cannot have left. Its submit
        stopped while "preparing" (only free steps: the stage turns "paid_request", committed and synced, before
        the paid request is sent), it has no remote id, and it never was "needs check"."""
        row = self._db.execute("SELECT state, submit_stage, remote FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row["submit_stage"] != PREPARING or row["state"] == JobState.NEEDS_CHECK:
            return False
        try:
            remote = json.loads(row["remote"] or "{}")
        except ValueError:
            return False
        unsure = self._db.execute("SELECT 1 FROM job_events WHERE job_id = ? AND to_state = ? LIMIT 1",
                                  (job_id, str(JobState.NEEDS_CHECK))).fetchone()
        return not remote and unsure is None

    # --- groups -----------------------------------------------------------------------------------------

    def create_group(self, kind: str, title: str = "") -> JobGroup:
        group = JobGroup(new_group_id(), kind, title, time.time())
        with self._lock:
            self._db.execute("INSERT INTO job_groups (id, kind, title, created_at) VALUES (?,?,?,?)",
                             (group.id, group.kind, group.title, group.created_at))
        return group

    def group(self, group_id: str) -> JobGroup | None:
        with self._lock:
            row = self._db.execute("SELECT id, kind, title, created_at FROM job_groups WHERE id = ?",
                                   (group_id,)).fetchone()
        return JobGroup(*tuple(row)) if row else None

    def groups(self, group_ids: Iterable[str]) -> dict[str, JobGroup]:
        wanted = list(dict.fromkeys(group_ids))
        if not wanted:
            return {}
        with self._lock:
            rows = self._db.execute(f"SELECT id, kind, title, created_at FROM job_groups WHERE id IN "
                                    f"({','.join('?' for _ in wanted)})", wanted).fetchall()
        return {row[0]: JobGroup(*tuple(row)) for row in rows}

    def group_jobs(self, group_id: str) -> list[Job]:
        """The group's jobs in the order they were made."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE group_id = ? ORDER BY created_at, rowid",
                                    (group_id,)).fetchall()
        return [self._from_row(r) for r in rows]
