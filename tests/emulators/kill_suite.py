"""kill -9 at each job state: the real CLI runs as a subprocess against an emulator (Hyper3D or Scenario) in this
process, is killed when the journal shows the state, then ``resume --json`` runs to the end. Shared by the tests
and ``benchmarks/faults.py``.

Each state is held by the emulator while the kill happens (a held submit reply, a queue or generation that does
not advance, a transfer stopped half way), so the kill lands in that state every time, not by luck.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.jobs.download import check_glb
from desktop_app.core.library.store import Library
from desktop_app.core.settings import app_paths, load_settings, save_settings
from tests.emulators.hyper3d import Hyper3DEmulator
from tests.emulators.scenario import ScenarioEmulator

ROOT = Path(__file__).resolve().parents[2]
# "draft": two jobs made as a batch with a cap of one job at a time; the kill lands while the second waits.
# "uploading_assets" (Scenario): the free input upload is held, the paid POST /generate was never sent.
KILL_STATES = ("draft", "uploading", "queued", "running", "downloading")
SCENARIO_KILL_STATES = ("draft", "uploading_assets", "uploading", "queued", "running", "downloading")
STATES_BY_SERVICE = {"hyper3d": KILL_STATES, "scenario": SCENARIO_KILL_STATES}
EXPECTED = {"draft": "succeeded", "uploading_assets": "succeeded", "uploading": "needs_check",
            "queued": "succeeded", "running": "succeeded", "downloading": "succeeded"}
HUGE = 10**9
MODELS = {"hyper3d": "hyper3d:rodin", "scenario": "scenario:model_trellis-2"}


@dataclass
class KillOutcome:
    state: str
    end_state: str
    message: str
    submits: int
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    service: str = "hyper3d"
    jobs: int = 1

    @property
    def ok(self) -> bool:
        return not self.problems


def _journal_states(journal: Path) -> list[str]:
    """Every job's state, oldest first ([] while the journal or its tables do not exist yet)."""
    if not journal.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1.0)
        try:
            rows = db.execute("SELECT state FROM jobs ORDER BY created_at, rowid").fetchall()
        finally:
            db.close()
    except sqlite3.Error:  # the tables may not exist yet
        return []
    return [r[0] for r in rows]


def _reached(states: list[str], state: str) -> bool:
    if state == "draft":
        return states == ["queued", "draft"]
    wanted = "uploading" if state == "uploading_assets" else state
    return len(states) == 1 and states[0] == wanted


class _Service:
    """How to hold, release and count one emulator's requests for the kill."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.emu: Any = Hyper3DEmulator() if name == "hyper3d" else ScenarioEmulator()

    def hold(self, state: str) -> None:
        emu = self.emu
        if self.name == "hyper3d":
            emu.waiting_polls = HUGE if state in ("queued", "draft") else 0
            emu.generating_polls = HUGE if state == "running" else 1
            if state == "uploading":
                emu.hold_submit.set()
            if state == "downloading":
                emu.hold_files.set()
            return
        emu.hold_status = {"queued": "queued", "draft": "queued", "running": "in-progress"}.get(state)
        {"uploading_assets": emu.hold_assets, "uploading": emu.hold_generate,
         "downloading": emu.hold_files}.get(state, threading.Event()).set()

    def held(self, state: str) -> bool:
        """The held request has reached the service (so the kill lands while it is in flight)."""
        if self.name == "hyper3d":
            return state != "uploading" or self.emu.submits >= 1
        key = {"uploading_assets": "assets", "uploading": "generate", "downloading": "files"}.get(state)
        return key is None or self.emu.held[key] >= 1

    def release(self) -> None:
        emu = self.emu
        if self.name == "hyper3d":
            with emu.lock:
                for task in emu.tasks.values():  # finish at the next poll whatever was held
                    task.polls = max(task.polls, 1)
                emu.waiting_polls, emu.generating_polls = 0, 0
            emu.hold_submit.clear()
            emu.hold_files.clear()
            return
        emu.hold_status = None
        for hold in (emu.hold_assets, emu.hold_generate, emu.hold_files):
            hold.clear()

    @property
    def submits(self) -> int:
        return self.emu.submits if self.name == "hyper3d" else self.emu.generate_posts

    def env(self, home: Path) -> dict[str, str]:
        emu = self.emu
        drop = ("RODIN_API_KEY", "RODIN_BASE_URL", "SCENARIO_BASE_URL", "SCENARIO_SDK_API_KEY",
                "SCENARIO_SDK_API_SECRET")
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(MESHWRIGHT_HOME=str(home), MESHWRIGHT_POLL_SECONDS="0.05,0.2",
                   PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring", PYTHONPATH=str(ROOT))
        if self.name == "hyper3d":
            env.update(RODIN_BASE_URL=emu.base_url, RODIN_API_KEY=emu.api_key)
        else:
            env.update(SCENARIO_BASE_URL=emu.base_url, SCENARIO_SDK_API_KEY=emu.api_key,
                       SCENARIO_SDK_API_SECRET=emu.api_secret)
        return env


def _one_job_at_a_time(home: Path, service: str) -> None:
    paths = app_paths({"MESHWRIGHT_HOME": str(home)}).ensure()
    settings = load_settings(paths)
    settings.concurrency[service] = 1
    save_settings(paths, settings)


def kill_and_resume(state: str, image: Path, home: Path, timeout: float = 60.0,
                    service: str = "hyper3d") -> KillOutcome:
    """Start ``generate``, kill -9 it once the job is in ``state``, then ``resume --json``; report the end."""
    started = time.monotonic()
    jobs = 2 if state == "draft" else 1
    outcome = KillOutcome(state, "", "", 0, service=service, jobs=jobs)
    svc = _Service(service)
    with svc.emu:
        svc.hold(state)
        env = svc.env(home)
        journal = app_paths({"MESHWRIGHT_HOME": str(home)}).journal_file
        command = [sys.executable, "-m", "desktop_app", "generate", MODELS[service], str(image)]
        if state == "draft":
            _one_job_at_a_time(home, service)
            command += [str(image), "--each"]
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + timeout
            while not _reached(seen := _journal_states(journal), state) or not svc.held(state):
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace")[-400:] if proc.stderr else ""
                    outcome.problems.append(f"the CLI ended (in {seen}) before it reached {state}: {err}")
                    return outcome
                if time.monotonic() > deadline:
                    outcome.problems.append(f"never reached {state} (last {seen})")
                    return outcome
                time.sleep(0.01)
            if state in ("uploading", "uploading_assets", "downloading"):
                time.sleep(0.2)  # let the held request (or the .part of a held transfer) settle in
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            if proc.stderr:
                proc.stderr.close()
        svc.release()
        done = subprocess.run([sys.executable, "-m", "desktop_app", "resume", "--json"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
        outcome.submits = svc.submits
    outcome.seconds = time.monotonic() - started
    _judge(outcome, done, home)
    return outcome


def _judge(outcome: KillOutcome, done: subprocess.CompletedProcess[str], home: Path) -> None:
    try:
        report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        outcome.problems.append(f"resume printed no JSON (exit {done.returncode}): {done.stderr[-400:]}")
        return
    jobs = report["resumed"] + report["needs_check"]
    if len(jobs) != outcome.jobs:
        outcome.problems.append(f"{len(jobs)} jobs reported after resume, expected {outcome.jobs}")
        return
    outcome.end_state, outcome.message = jobs[0]["status"], jobs[0]["message"]
    expected = EXPECTED[outcome.state]
    if outcome.submits != outcome.jobs:
        outcome.problems.append(f"{outcome.submits} submits for {outcome.jobs} job(s)")
    for job in jobs:
        if job["status"] != expected:
            outcome.problems.append(f"ended {job['status']}, expected {expected}: {job['message']}")
        if job["status"] == "succeeded":
            model = _model_file(home, job.get("item"))
            if model is None or not model.is_file():
                outcome.problems.append("no model file in the library")
            else:
                try:
                    check_glb(model)
                except Exception as exc:
                    outcome.problems.append(f"damaged model: {exc}")
        elif not job["message"]:
            outcome.problems.append("no reason shown")
    leftovers = [p.name for p in home.rglob("*.part")]
    if leftovers:
        outcome.problems.append(f"half-written files left: {leftovers}")


def _model_file(home: Path, item_id: str | None) -> Path | None:
    if not item_id:
        return None
    paths = app_paths({"MESHWRIGHT_HOME": str(home)})
    library = Library(load_settings(paths).library_path(paths))
    try:
        item = library.get(item_id)
        return item.model_path if item is not None else None
    finally:
        library.close()
