"""Two Meshwright processes on one MESHWRIGHT_HOME: a ``generate`` (or a batch) is held by the emulator in a state
(mid-upload, mid-poll, mid-download) while a second process (``resume``, the GUI's ``--self-test``...) starts; then
the hold is released and both run to their end. Reports what a user would count: paid requests per job,
tracebacks, library items per job. Shared by tests/integration/test_two_processes.py.

The emulator holds the state for as long as the test wants (see kill_suite.py), so the second process starts while
the first one is really in that state, every run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.library.store import Library
from desktop_app.core.settings import app_paths, load_settings, save_settings
from tests.emulators.kill_suite import MODELS, ROOT, _journal_states, _Service

# The journal state each hold leaves a job in: Scenario's "uploading_assets" holds the free input upload (nothing
# paid sent yet, the case a resume used to restart and pay twice), "uploading" the paid POST /generate itself.
HOLDS = {"uploading_assets": "uploading", "uploading": "uploading", "polling": "running",
         "downloading": "downloading"}


@dataclass
class Run:
    """One finished subprocess: exit code and both outputs."""

    name: str
    code: int | None
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        try:
            return json.loads(self.out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {}


@dataclass
class TwoOutcome:
    jobs: int
    extra_jobs: int = 0  # jobs the second process makes itself (the self-test's offline one)
    submits: int = 0
    runs: list[Run] = field(default_factory=list)
    items_per_job: dict[str, int] = field(default_factory=dict)
    states: list[str] = field(default_factory=list)
    second_ended_while_held: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def tracebacks(self) -> int:
        return sum(r.err.count("Traceback") + r.out.count("Traceback") for r in self.runs)

    def run(self, name: str) -> Run:
        return next(r for r in self.runs if r.name == name)


def set_concurrency(home: Path, service: str, jobs: int) -> None:
    paths = app_paths({"MESHWRIGHT_HOME": str(home)}).ensure()
    settings = load_settings(paths)
    settings.concurrency[service] = jobs
    save_settings(paths, settings)


def library_items_per_job(home: Path) -> Counter[str]:
    paths = app_paths({"MESHWRIGHT_HOME": str(home)})
    library = Library(load_settings(paths).library_path(paths))
    try:
        return Counter(item.job_id for item in library.list())
    finally:
        library.close()


class Proc:
    """A CLI subprocess whose outputs go to files (a full pipe must never stall it)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        logs.mkdir(parents=True, exist_ok=True)
        self._out_path, self._err_path = logs / f"{name}.out", logs / f"{name}.err"
        self._out, self._err = self._out_path.open("wb"), self._err_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "desktop_app", *args], cwd=ROOT, env=env,
                                     stdout=self._out, stderr=self._err)

    def wait(self, timeout: float) -> Run:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        return self.finish()

    def kill9(self) -> Run:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        return self.finish()

    def finish(self) -> Run:
        self._out.close()
        self._err.close()
        return Run(self.name, self.proc.returncode, self._out_path.read_text(errors="replace"),
                   self._err_path.read_text(errors="replace"))


def _wait_for(condition: Any, what: str, proc: Proc, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.proc.poll() is not None:
            run = proc.finish()
            raise AssertionError(f"{proc.name} ended before {what}: {run.err[-600:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def second_process_during(hold: str, image: Path, home: Path, *, service: str = "scenario", batch: int = 0,
                          second: tuple[str, ...] = ("resume", "--json"), kill_first: bool = False,
                          extra_jobs: int = 0, second_wait: float = 30.0, timeout: float = 90.0) -> TwoOutcome:
    """``generate`` (one image, or a batch of ``batch`` jobs two at a time) is held at ``hold``; the ``second``
    command starts then. With ``kill_first`` the generate is then killed -9 and a third ``resume`` must take over."""
    jobs = batch or 1
    outcome = TwoOutcome(jobs, extra_jobs)
    svc = _Service(service)
    logs = home.parent / "logs"
    journal = app_paths({"MESHWRIGHT_HOME": str(home)}).journal_file
    with svc.emu:
        state = HOLDS[hold]
        held = "uploading_assets" if hold == "uploading_assets" else state
        svc.hold(held)
        env = svc.env(home)
        args = ["generate", MODELS[service], *[str(image)] * jobs, "--json"]
        if batch:
            set_concurrency(home, service, 2)
            args.append("--each")
        first = Proc("generate", args, env, logs)
        try:
            wanted = min(2, jobs)  # a batch runs two at a time; the rest wait as drafts
            _wait_for(lambda: _journal_states(journal).count(state) >= wanted and len(_journal_states(journal))
                      == jobs and svc.held(held), f"{wanted} job(s) {state}", first, timeout)
            if hold != "polling":
                time.sleep(0.2)  # the held request is in flight
            other = Proc(second[0].lstrip("-"), list(second), env, logs)
            try:
                other.proc.wait(second_wait)
                outcome.second_ended_while_held = True
            except subprocess.TimeoutExpired:  # it joined the job (the bug): let both run on
                pass
            if kill_first:
                outcome.runs.append(first.kill9())
                svc.release()
                outcome.runs.append(other.wait(timeout))
                outcome.runs.append(Proc("resume-after-kill", ["resume", "--json"], env, logs).wait(timeout))
            else:
                svc.release()
                outcome.runs.append(first.wait(timeout))
                outcome.runs.append(other.wait(timeout))
        finally:
            if first.proc.poll() is None:
                first.proc.kill()
                first.proc.wait(10)
        outcome.submits = svc.submits
    outcome.states = _journal_states(journal)
    outcome.items_per_job = dict(library_items_per_job(home))
    _judge(outcome)
    return outcome


def _judge(outcome: TwoOutcome) -> None:
    if outcome.submits != outcome.jobs:
        outcome.problems.append(f"{outcome.submits} paid requests for {outcome.jobs} job(s)")
    if outcome.tracebacks:
        tails = [r.err[-800:] for r in outcome.runs if "Traceback" in r.err]
        outcome.problems.append(f"{outcome.tracebacks} traceback(s): {tails}")
    total = outcome.jobs + outcome.extra_jobs
    if outcome.states != ["succeeded"] * total:
        outcome.problems.append(f"jobs ended {outcome.states}")
    if len(outcome.items_per_job) != total or any(n != 1 for n in outcome.items_per_job.values()):
        outcome.problems.append(f"library items per job: {outcome.items_per_job}")
    for run in outcome.runs:
        if run.code not in (0, -signal.SIGKILL):
            outcome.problems.append(f"{run.name} exited {run.code}: {run.err[-400:]}")
