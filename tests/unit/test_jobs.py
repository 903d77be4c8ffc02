import sqlite3

import pytest

from desktop_app.core.jobs.store import ALLOWED, Job, JobState, JobStore, TransitionError, new_job_id

S = JobState


@pytest.fixture
def store(tmp_path):
    s = JobStore(tmp_path / "jobs.sqlite3")
    yield s
    s.close()


def make(store, **kw):
    return store.create(Job(id=new_job_id(), model_id="local:relief", **kw))


def test_create_commits_row_and_event_before_anything_runs(store, tmp_path):
    job = make(store, params={"depth": 0.2}, inputs=["01-a.png"])
    # A second connection (another process after a crash) sees the committed row.
    other = sqlite3.connect(str(tmp_path / "jobs.sqlite3"))
    row = other.execute("SELECT state, params FROM jobs WHERE id = ?", (job.id,)).fetchone()
    other.close()
    assert row == ("draft", '{"depth": 0.2}')
    assert [e.to_state for e in store.events(job.id)] == ["draft"]


def test_happy_path_is_recorded_step_by_step(store):
    job = make(store)
    for state in (S.UPLOADING, S.SUBMITTED, S.QUEUED, S.RUNNING, S.DOWNLOADING, S.SUCCEEDED):
        job = store.transition(job.id, state, state.label)
    assert job.state is S.SUCCEEDED
    assert job.started_at is not None and job.finished_at is not None
    assert [e.to_state for e in store.events(job.id)] == [
        "draft", "uploading", "submitted", "queued", "running", "downloading", "succeeded"]


@pytest.mark.parametrize("start,to", [(S.DRAFT, S.SUCCEEDED), (S.DRAFT, S.RUNNING), (S.SUCCEEDED, S.RUNNING),
                                      (S.FAILED, S.UPLOADING), (S.DOWNLOADING, S.QUEUED)])
def test_forbidden_transitions_raise_and_change_nothing(store, start, to):
    job = make(store)
    path = {S.DRAFT: [], S.SUCCEEDED: [S.UPLOADING, S.SUBMITTED, S.DOWNLOADING, S.SUCCEEDED],
            S.FAILED: [S.FAILED], S.DOWNLOADING: [S.UPLOADING, S.SUBMITTED, S.DOWNLOADING]}[start]
    for state in path:
        store.transition(job.id, state)
    before = store.events(job.id)
    with pytest.raises(TransitionError):
        store.transition(job.id, to)
    assert store.require(job.id).state is start
    assert store.events(job.id) == before


def test_terminal_states_have_no_exits():
    for state in (S.SUCCEEDED, S.FAILED, S.CANCELED):
        assert state.terminal and not ALLOWED[state]


def test_update_persists_fields_but_not_state(store):
    job = make(store)
    store.update(job.id, remote={"data": {"uuid": "u1"}}, progress=0.5, message="half")
    again = store.require(job.id)
    assert again.remote == {"data": {"uuid": "u1"}} and again.progress == 0.5 and again.message == "half"
    with pytest.raises(TransitionError):
        store.update(job.id, state=S.FAILED)


def test_journal_reopens_with_the_same_jobs(tmp_path):
    path = tmp_path / "j.sqlite3"
    first = JobStore(path)
    job = make(first)
    first.transition(job.id, S.UPLOADING)
    first.close()
    second = JobStore(path)
    assert second.require(job.id).state is S.UPLOADING
    assert [j.id for j in second.list([S.UPLOADING])] == [job.id]
    second.close()


def test_list_newest_first_and_delete(store):
    a = make(store, created_at=1.0)
    b = make(store, created_at=2.0)
    assert [j.id for j in store.list()] == [b.id, a.id]
    store.delete(a.id)
    assert store.get(a.id) is None and store.events(a.id) == []
