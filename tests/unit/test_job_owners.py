"""One owner per job in the journal: claim, refusal of a non-owner's write, take-over from a dead owner (by its
lock file on this computer, by its heartbeat from another), and hand-back at close."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.core.jobs import owners as job_owners
from desktop_app.core.jobs.owners import LEASE_S, NotOwnerError
from desktop_app.core.jobs.process_lock import ProcessLock, probe
from desktop_app.core.jobs.store import Job, JobState, JobStore, new_job_id

S = JobState
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def journal(tmp_path):
    return tmp_path / "jobs.sqlite3"


@pytest.fixture
def stores(journal):
    made: list[JobStore] = []

    def make(kind: str = "process") -> JobStore:
        store = JobStore(journal)
        store.kind = kind
        made.append(store)
        return store

    yield make
    for store in made:
        try:
            store.close()
        except Exception:
            pass


def make_job(store: JobStore) -> Job:
    return store.create(Job(id=new_job_id(), model_id="local:relief"))


def test_a_new_job_belongs_to_the_process_that_made_it(stores):
    first, second = stores("generate"), stores("resume")
    job = make_job(first)
    assert job.owner == first.token and first.require(job.id).owner == first.token
    assert second.claim(job.id) is None
    owner = second.owner_elsewhere(second.require(job.id))
    assert owner is not None and owner.kind == "generate" and "another Meshwright process ('generate'" in \
        owner.describe()
    assert second.owned_elsewhere() == {job.id: owner}


def test_a_non_owner_write_is_refused_and_changes_nothing(stores):
    first, second = stores(), stores()
    job = make_job(first)
    first.transition(job.id, S.UPLOADING)
    events = first.events(job.id)
    with pytest.raises(NotOwnerError, match="running in another Meshwright"):
        second.transition(job.id, S.INTERRUPTED, "taken")
    with pytest.raises(NotOwnerError):
        second.update(job.id, message="mine now")
    with pytest.raises(NotOwnerError):
        second.delete(job.id)
    again = first.require(job.id)
    assert again.state is S.UPLOADING and again.message == "" and first.events(job.id) == events
    first.transition(job.id, S.SUBMITTED)  # the owner carries on


def test_closing_hands_the_jobs_back(stores):
    first, second = stores(), stores()
    job = make_job(first)
    first.close()
    assert second.claim(job.id) is not None and second.require(job.id).owner == second.token
    assert not list((first.lock_dir).glob(f"{first.token}*")), "a clean close leaves no lock file"


def test_a_job_nobody_owns_is_taken_by_its_first_write(stores):
    first, second = stores(), stores()
    job = make_job(first)
    first.release(job.id)
    second.transition(job.id, S.UPLOADING)
    assert second.require(job.id).owner == second.token
    with pytest.raises(NotOwnerError):
        first.transition(job.id, S.FAILED)


def test_a_dead_owner_is_taken_over_and_its_late_writes_refused(stores):
    first, second = stores(), stores()
    job = make_job(first)
    first.transition(job.id, S.UPLOADING)
    first._lease.release(remove=False)  # what the OS does when the process dies: the lock goes, the file stays
    taken = second.claim(job.id)
    assert taken is not None
    claimed, previous = taken
    assert previous == first.token and claimed.state is S.UPLOADING and claimed.owner == second.token
    with pytest.raises(NotOwnerError):
        first.transition(job.id, S.SUBMITTED)
    assert second.require(job.id).state is S.UPLOADING


def test_a_process_killed_with_sigkill_is_seen_dead_at_once(stores, journal):
    """A real process makes a job and is killed -9: its OS lock dies with it, so the job is claimable now."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from desktop_app.core.jobs.store import Job, JobStore\n"
        "store = JobStore(Path(sys.argv[1]))\n"
        "store.create(Job(id='job_killed', model_id='local:relief'))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(journal)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        other = stores()
        assert other.claim("job_killed") is None, "a live owner is never taken over"
        proc.kill()
        proc.wait(10)
        taken = other.claim("job_killed")
        assert taken is not None and taken[1] != other.token
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def test_an_owner_on_another_computer_lives_by_its_heartbeat(stores):
    first, second = stores(), stores()
    job = make_job(first)
    db = first._db
    db.execute("UPDATE owners SET host = 'other-laptop' WHERE token = ?", (first.token,))
    assert second.claim(job.id) is None  # heartbeat fresh: alive, whatever its lock file says
    assert "on other-laptop" in second.owner_elsewhere(second.require(job.id)).describe()
    db.execute("UPDATE owners SET heartbeat = ? WHERE token = ?", (time.time() - LEASE_S - 1, first.token))
    first.heartbeat()  # a beat brings it back to life
    assert second.claim(job.id) is None
    db.execute("UPDATE owners SET heartbeat = ? WHERE token = ?", (time.time() - LEASE_S - 1, first.token))
    assert second.claim(job.id) is not None  # silent for longer than the lease: gone


def test_a_missing_lock_file_falls_back_to_the_heartbeat(stores):
    first, second = stores(), stores()
    job = make_job(first)
    job_owners.lock_path(first.lock_dir, first.token).unlink()
    assert second.claim(job.id) is None
    first._db.execute("UPDATE owners SET heartbeat = 0 WHERE token = ?", (first.token,))
    assert second.claim(job.id) is not None


def test_read_only_use_leaves_no_owner_behind(stores):
    first = stores()
    make_job(first)
    first.close()
    reader = stores()
    reader.list()
    reader.owned_elsewhere()
    assert not reader._registered and not reader.lock_dir.joinpath(f"{reader.token}.lock").exists()


def test_process_lock_probe(tmp_path):
    lock = ProcessLock(tmp_path / "locks" / "a.lock")
    assert probe(lock.path) is None  # no file: cannot tell
    assert lock.acquire()
    assert probe(lock.path) is True
    lock.release(remove=False)
    assert probe(lock.path) is False
    lock.acquire()
    lock.release()
    assert not lock.path.exists()
