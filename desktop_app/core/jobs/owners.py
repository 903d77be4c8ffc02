"""Who owns a job: one Meshwright process (a window, ``generate``, ``resume``, a batch) at a time.

Every process that acts on jobs registers itself in the journal's ``owners`` table under a token unique to that
run, and holds an OS lock file named for the token (desktop_app.core.jobs.process_lock) for as long as it lives. A job's
``owner`` column names the token of the process advancing it; only that process may change the job. Another
process asks whether the owner is alive:

* on the same computer, by probing the owner's lock file (the OS drops the lock when the process dies, even by
  kill -9 or a crash), so a dead owner is seen at once and a live one is never mistaken for dead, however long
  it has been quiet (a laptop asleep);
* from another computer sharing the folder, or where the file system cannot lock, by the owner's heartbeat,
  which a process refreshes every ``HEARTBEAT_S`` while it runs jobs: older than ``LEASE_S`` means gone.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.jobs.process_lock import probe

HEARTBEAT_S = 10.0
LEASE_S = 60.0
HOST = socket.gethostname()
WINDOW = "window"  # Owner.kind of the desktop app; CLI processes use their command's name


class NotOwnerError(MeshwrightError):
    """A change to a job that another live process owns: refused, nothing was written."""


@dataclass(frozen=True)
class Owner:
    token: str
    pid: int
    host: str
    kind: str
    started_at: float
    heartbeat: float

    def describe(self) -> str:
        """"another Meshwright window" or "another Meshwright process ('generate', pid 4242)"."""
        where = "" if self.host == HOST else f" on {self.host}"
        if self.kind == WINDOW:
            return f"another Meshwright window{where}"
        return f"another Meshwright process ('{self.kind}', pid {self.pid}{where})"

    def running_text(self) -> str:
        return f"Running in {self.describe()}."


def owned_elsewhere_error(owner: Owner | None) -> NotOwnerError:
    where = owner.describe() if owner is not None else "another Meshwright window or process"
    return NotOwnerError(f"This job is running in {where}.", hint="Use that window or process to change it; "
                         "it shows here as it goes, and is taken over here if that one closes.")


def lock_path(lock_dir: Path, token: str) -> Path:
    return lock_dir / f"{token}.lock"


def read_owner(db: sqlite3.Connection, token: str) -> Owner | None:
    row = db.execute("SELECT token, pid, host, kind, started_at, heartbeat FROM owners WHERE token = ?",
                     (token,)).fetchone()
    return Owner(*tuple(row)) if row else None


def is_alive(owner: Owner | None, lock_dir: Path, now: float | None = None) -> bool:
    """Whether the process behind ``owner`` still runs (see the module notes for how each case is told)."""
    if owner is None:  # closed cleanly (its row is removed), or a token from a journal that had none
        return False
    if owner.host == HOST:
        held = probe(lock_path(lock_dir, owner.token))
        if held is not None:
            return held
    now = time.time() if now is None else now
    return now - owner.heartbeat < LEASE_S


def register(db: sqlite3.Connection, token: str, kind: str) -> None:
    """Add (or refresh) this process's row; call inside the caller's transaction."""
    now = time.time()
    db.execute("INSERT INTO owners (token, pid, host, kind, started_at, heartbeat) VALUES (?,?,?,?,?,?) "
               "ON CONFLICT(token) DO UPDATE SET heartbeat = excluded.heartbeat, kind = excluded.kind",
               (token, os.getpid(), HOST, kind, now, now))
