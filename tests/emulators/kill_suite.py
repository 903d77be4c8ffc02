"""kill -9 at each job state: the real CLI runs as a subprocess against an emulator in this process, is killed
when the journal shows the state, then ``resume --json`` runs to the end. Shared by the tests and
``benchmarks/faults.py``.

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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.download import check_glb
from desktop_app.core.library import Library
from desktop_app.core.settings import app_paths, load_settings
from tests.emulators.hyper3d import Hyper3DEmulator

ROOT = Path(__file__).resolve().parents[2]
KILL_STATES = ("uploading", "queued", "running", "downloading")
EXPECTED = {"uploading": "needs_check", "queued": "succeeded", "running": "succeeded", "downloading": "succeeded"}
HUGE = 10**9


@dataclass
class KillOutcome:
    state: str
    end_state: str
    message: str
    submits: int
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def _journal_state(journal: Path) -> str | None:
    if not journal.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1.0)
        try:
            row = db.execute("SELECT state FROM jobs ORDER BY created_at DESC LIMIT 1").fetchone()
        finally:
            db.close()
    except sqlite3.Error:  # the tables may not exist yet
        return None
    return row[0] if row else None


def _hold(emu: Hyper3DEmulator, state: str) -> None:
    emu.waiting_polls = HUGE if state == "queued" else 0
    emu.generating_polls = HUGE if state == "running" else 1
    if state == "uploading":
        emu.hold_submit.set()
    if state == "downloading":
        emu.hold_files.set()


def _release(emu: Hyper3DEmulator) -> None:
    with emu.lock:
        for task in emu.tasks.values():  # finish at the next poll whatever was held
            task.polls = max(task.polls, 1)
        emu.waiting_polls, emu.generating_polls = 0, 0
    emu.hold_submit.clear()
    emu.hold_files.clear()


def _env(emu: Hyper3DEmulator, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RODIN_API_KEY", "RODIN_BASE_URL")}
    env.update(MESHWRIGHT_HOME=str(home), RODIN_BASE_URL=emu.base_url, RODIN_API_KEY=emu.api_key,
               MESHWRIGHT_POLL_SECONDS="0.05,0.2", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
               PYTHONPATH=str(ROOT))
    return env


def kill_and_resume(state: str, image: Path, home: Path, timeout: float = 60.0) -> KillOutcome:
    """Start ``generate``, kill -9 it once the job is in ``state``, then ``resume --json``; report the end."""
    started = time.monotonic()
    outcome = KillOutcome(state, "", "", 0)
    with Hyper3DEmulator() as emu:
        _hold(emu, state)
        env = _env(emu, home)
        journal = app_paths({"MESHWRIGHT_HOME": str(home)}).journal_file
        proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "generate", "hyper3d:rodin", str(image)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + timeout
            while (seen := _journal_state(journal)) != state:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace")[-400:] if proc.stderr else ""
                    outcome.problems.append(f"the CLI ended (in {seen}) before it reached {state}: {err}")
                    return outcome
                if time.monotonic() > deadline:
                    outcome.problems.append(f"never reached {state} (last {seen})")
                    return outcome
                time.sleep(0.01)
            if state == "uploading":  # the paid request has reached the service; its reply is held
                while emu.submits < 1 and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(0.1)
            if state == "downloading":  # let the held transfer start, so a .part exists when the kill lands
                time.sleep(0.3)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            if proc.stderr:
                proc.stderr.close()
        _release(emu)
        done = subprocess.run([sys.executable, "-m", "desktop_app", "resume", "--json"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
        outcome.submits = emu.submits
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
    if len(jobs) != 1:
        outcome.problems.append(f"{len(jobs)} jobs reported after resume")
        return
    job = jobs[0]
    outcome.end_state, outcome.message = job["status"], job["message"]
    expected = EXPECTED[outcome.state]
    if job["status"] != expected:
        outcome.problems.append(f"ended {job['status']}, expected {expected}: {job['message']}")
    if outcome.submits != 1:
        outcome.problems.append(f"{outcome.submits} submits")
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
