"""JobStore's half that knows who owns each job (the rules are in desktop_app.core.jobs.owners).

A mixin of ``JobStore`` (kept apart so each file stays readable): it uses the store's connection, lock and
write transaction. Every check runs inside the transaction of the write it guards.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.jobs import owners
from desktop_app.core.jobs.owners import NotOwnerError, Owner
from desktop_app.core.jobs.process_lock import ProcessLock

if TYPE_CHECKING:
    from desktop_app.core.jobs.store import Job

log = logging.getLogger("desktop_app.core.jobs.store")


class OwnedJobs:
    _db: sqlite3.Connection
    _lock: threading.RLock
    token: str
    kind: str
    lock_dir: Path
    _lease: ProcessLock
    _registered: bool
    _held: set[str]
    _write_txn: Callable[[], AbstractContextManager[None]]
    _from_row: Callable[[sqlite3.Row], Job]

    def _register(self) -> None:
        """Take this process's lock file and owners row (once): from now on other processes see it alive."""
        if self._registered:
            return
        self._lease.acquire()  # before the row exists, so no prober ever finds the row without the lock
        with self._write_txn():
            owners.register(self._db, self.token, self.kind)
        self._registered = True

    def _owned(self, job_id: str) -> Job:
        """The job, read inside the caller's write transaction, if this process may change it; an unowned job
        becomes this process's by the write. Raises NotOwnerError when another process owns it."""
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(f"no job {job_id}")
        job = self._from_row(row)
        if job.owner == self.token:
            return job
        if job.owner:
            raise owners.owned_elsewhere_error(owners.read_owner(self._db, job.owner))
        if job_id in self._held:
            raise NotOwnerError("Another Meshwright window or process took this job over; it was left to it.")
        self._db.execute("UPDATE jobs SET owner = ? WHERE id = ?", (self.token, job_id))
        job.owner = self.token
        self._held.add(job_id)
        return job

    def claim(self, job_id: str) -> tuple[Job, str] | None:
        """Make this process the job's owner, taking it over if its owner is gone; None while another live
        process owns it. Also returns the previous owner's token ("" for none, our own if we had it): a job
        taken from a dead process may have been stopped mid-request, which the caller must judge."""
        with self._lock:
            self._register()
            with self._write_txn():
                row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
                if row is None:
                    raise KeyError(f"no job {job_id}")
                job = self._from_row(row)
                previous = job.owner
                if previous not in ("", self.token):
                    owner = owners.read_owner(self._db, previous)
                    if owners.is_alive(owner, self.lock_dir):
                        return None
                    log.info("job %s: taking over from %s, which has stopped", job_id,
                             owner.describe() if owner else "a closed process")
                    self._forget_dead(previous)
                if previous != self.token:
                    self._db.execute("UPDATE jobs SET owner = ? WHERE id = ?", (self.token, job_id))
                    job.owner = self.token
                self._held.add(job_id)
                return job, previous

    def _forget_dead(self, token: str) -> None:
        """Drop a dead owner's row and lock file once none of its jobs is left to take over."""
        left = self._db.execute("SELECT COUNT(*) FROM jobs WHERE owner = ?", (token,)).fetchone()[0]
        if left <= 1:  # the one being taken now
            self._db.execute("DELETE FROM owners WHERE token = ?", (token,))
            with contextlib.suppress(OSError):  # Windows: a file another prober has open cannot go yet
                owners.lock_path(self.lock_dir, token).unlink(missing_ok=True)

    def release(self, job_id: str) -> None:
        """Stop owning a job (when this process stops working on it); its state says how to continue."""
        with self._lock:
            self._held.discard(job_id)
            self._db.execute("UPDATE jobs SET owner = '' WHERE id = ? AND owner = ?", (job_id, self.token))

    def heartbeat(self) -> None:
        """Tell other processes this one is alive (for those that cannot probe its lock file)."""
        with self._lock:
            if self._registered:
                self._db.execute("UPDATE owners SET heartbeat = ? WHERE token = ?", (time.time(), self.token))

    def owner_elsewhere(self, job: Job) -> Owner | None:
        """The live process, other than this one, that owns ``job``; None if it is ours, nobody's or its owner
        is gone (then ``claim`` takes it over)."""
        if job.owner in ("", self.token):
            return None
        with self._lock:
            owner = owners.read_owner(self._db, job.owner)
        return owner if owners.is_alive(owner, self.lock_dir) else None

    def list_foreign(self) -> list[Job]:
        """Jobs another process owns or owned (alive or not), newest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE owner NOT IN ('', ?) ORDER BY created_at DESC, "
                                    "rowid DESC", (self.token,)).fetchall()
        return [self._from_row(r) for r in rows]

    def owned_elsewhere(self, jobs: Iterable[Job] | None = None) -> dict[str, Owner]:
        """Unfinished jobs owned by other live processes: job id -> owner (each owner checked once)."""
        if jobs is None:
            jobs = self.list_foreign()
        alive: dict[str, Owner | None] = {}
        found = {}
        for job in jobs:
            if job.owner in ("", self.token) or job.state.terminal:
                continue
            if job.owner not in alive:
                with self._lock:
                    owner = owners.read_owner(self._db, job.owner)
                alive[job.owner] = owner if owners.is_alive(owner, self.lock_dir) else None
            if alive[job.owner] is not None:
                found[job.id] = alive[job.owner]
        return found
